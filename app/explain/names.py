"""Every node's names: its LaTeX name, a learner's display name and its forward formula.

    >>> from app.builders.expression import parse_expression
    >>> from app.graph.engine import run
    >>> names = Names(run(parse_expression("f = (x + y) * 2 + x"), {"x": 1, "y": 2}))
    >>> [names.tex(i) for i in ("x", "add#1", "mul#1", "const#1")]
    ['x', 'x + y', '\\\\left(x + y\\\\right) \\\\cdot 2', '2']
    >>> names.name("mul#1"), names.formula("f")
    ('the product (x + y)·2', 'f = \\\\left(x + y\\\\right) \\\\cdot 2 + x')

A variable (any named node) goes by its name; a constant by its value; an unnamed gate by its
op's formula with its inputs' names: its LaTeX name IS that formula (``w_5 h_1``), its display
name (app.graph.names, from the op's ``noun`` and ``text``) says what it is in words ("the
product w5·h1"). Never an id like ``mul#1``. Formulas nest
unnamed gates up to a length, beyond which an inner gate is written ``\\cdots``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.explain import latex
from app.explain.templates import fill
from app.graph.ir import Node
from app.graph.names import display_name
from app.graph.ops import REGISTRY, VARIADIC
from app.graph.trace import Trace

OUTPUT_NAMES = ("f", "y", "F", "L")  # for an unnamed output, the first that is free
MAX_INLINE = 60  # characters of an unnamed gate's LaTeX before its inner gates become \cdots

_INDEX = re.compile(r"(?<=#\d)_[ij]\b")


def _escaped(op_name: str) -> str:
    return op_name.replace("_", "\\_")


@lru_cache(maxsize=256)
def _op_template(op: str, scalar: bool) -> str:
    template = REGISTRY[op].latex
    return _scalar_form(template) if scalar else template


def _scalar_form(template: str) -> str:
    """A template over arrays read for scalars: no sum over an index, no index (the seed's
    E_o1 = 1/2 (target_o1 - o1)^2, not a sum over j of the j-th components)."""
    return _INDEX.sub("", template.replace("\\sum_j ", "").replace("\\sum_i ", ""))


def _inline(template: str) -> str:
    """The part of an op's LaTeX template before a top-level " = " (sigmoid's σ(a))."""
    return template.split(" = ", 1)[0]


class Names:
    """The names of one trace's nodes, computed once in forward order (no recursion)."""

    def __init__(self, trace: Trace) -> None:
        self.graph = trace.graph
        self.values = trace.values
        self._tex: dict[str, str] = {}
        self._operands: dict[str, tuple[list[str], tuple[float | None, ...]]] = {}
        self._nums: dict[str, str] = {}
        self._templates: dict[str, str] = {}
        self._consts = {n.id for n in self.graph.nodes
                        if n.op == "const" and self.values[n.id].ndim == 0}
        out = self.graph.node(self.graph.output)
        # An unnamed output (the expression "2 * (x * y + max(z, w))") is called f, as the
        # course calls a circuit's output, unless a variable already has that name.
        taken = {n.label or n.id for n in self.graph.nodes if n.named or n.op == "input"}
        self._output_name = None if out.named or not out.inputs else next(
            (c for c in OUTPUT_NAMES if c not in taken), None)
        for node in self.graph.nodes:
            self._tex[node.id] = self._own(node)

    def _own(self, node: Node) -> str:
        if self._is_named(node):
            base = self._output_name if not node.named and node.inputs else (
                node.label if node.label else node.id)
            assert base is not None
            return latex.tex_name(base)
        if node.op == "const":
            return latex.value(self.values[node.id])
        inline = _inline(self._template(node))
        ins = [self._tex[i] for i in node.inputs]
        if len(inline) > MAX_INLINE:  # elu's cases: by its name
            short = [t if len(t) <= 16 else "\\cdots" for t in ins]
            return f"\\operatorname{{{_escaped(node.op)}}}({', '.join(short)})"
        tex = self._fill(inline, node, ins)
        if len(tex) > MAX_INLINE:
            tex = self._fill(inline, node, [t if len(t) <= 16 else "\\cdots" for t in ins])
        return tex

    def _template(self, node: Node) -> str:
        """The op's LaTeX template, read for scalars when every input is one (cached)."""
        if node.id not in self._templates:
            scalar = all(self.values[i].ndim == 0 for i in node.inputs)
            self._templates[node.id] = _op_template(node.op, scalar)
        return self._templates[node.id]

    def _fill(self, template: str, node: Node, ins: list[str], y: str = "y") -> str:
        return fill(template, ins, y, variadic=REGISTRY[node.op].arity == VARIADIC,
                          consts=self._const_values(node))

    def _const_values(self, node: Node) -> tuple[float | None, ...]:
        if not self._consts or not any(i in self._consts for i in node.inputs):
            return ()
        return tuple(float(self.values[i]) if i in self._consts else None for i in node.inputs)

    def operands(self, node: Node) -> tuple[list[str], tuple[float | None, ...]]:
        """The inputs' LaTeX names and which are constant numbers (for latex.fill)."""
        if node.id not in self._operands:
            self._operands[node.id] = ([self._tex[i] for i in node.inputs],
                                       self._const_values(node))
        return self._operands[node.id]

    def _is_named(self, node: Node) -> bool:
        return node.named or node.op == "input" or (
            node.id == self.graph.output and self._output_name is not None)

    def tex(self, node_id: str) -> str:
        """The LaTeX name: w_5, E_{total}, 2 (a constant), w_5 h_1 (an unnamed gate)."""
        return self._tex[node_id]

    def name(self, node_id: str) -> str:
        """The display name (app.graph.names): "w5", "2", "the product w5·h1"; an unnamed
        output by the name its LaTeX gives it (f)."""
        if self._output_name is not None and node_id == self.graph.output:
            return self._output_name
        return display_name(self.graph, node_id)

    def formula(self, node_id: str) -> str | None:
        """The forward formula: ``z_1 = w_1 x_1 + w_2 x_2 + b_1`` (the right side alone for an
        unnamed gate, whose name is its formula); None for a leaf."""
        node = self.graph.node(node_id)
        if not node.inputs:
            return None
        template = self._template(node)
        named = self._is_named(node)
        if not named and _inline(template) == template:
            return self._tex[node_id]  # an unnamed gate's name is its formula
        rhs = self._fill(template, node, [self._tex[i] for i in node.inputs])
        if len(rhs) > 4 * MAX_INLINE:
            rhs = self._fill(template, node, [t if len(t) <= 16 else "\\cdots"
                                              for t in (self._tex[i] for i in node.inputs)])
        return f"{self._tex[node_id]} = {rhs}" if named else rhs

    def with_numbers(self, node_id: str) -> str | None:
        """The forward step with its numbers, for the strip of the forward pass:
        ``z_1 = w_1 x_1 + w_2 x_2 + b_1 = 0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 + 0.35 = 0.3775``
        (unnamed inputs opened up to their own numbers); on arrays, the formula and the value;
        None for a leaf."""
        node = self.graph.node(node_id)
        if not node.inputs:
            return None
        named = self._is_named(node)
        inline = _inline(self._template(node))
        parts = [self._tex[node_id]] if named else []
        parts.append(self._fill(inline, node, [self._tex[i] for i in node.inputs])
                     if named else self._tex[node_id])
        if all(self.values[i].ndim == 0 for i in node.inputs) and len(inline) <= MAX_INLINE:
            parts.append(self._numbers(node))
        parts.append(latex.value(self.values[node_id]))
        return " = ".join(p for k, p in enumerate(parts) if k == 0 or p != parts[k - 1])

    def _numbers(self, node: Node) -> str:
        """The op's inline template with the inputs' numbers (an unnamed scalar input by its
        own numbers, up to a length): 0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 + 0.35."""
        if node.id not in self._nums:
            ins: list[str] = []
            for i in node.inputs:
                src = self.graph.node(i)
                inner = (self._numbers(src) if src.inputs and not self._is_named(src)
                         and self.values[i].ndim == 0 and len(_inline(self._template(src)))
                         <= MAX_INLINE else None)
                ins.append(inner if inner is not None and len(inner) <= MAX_INLINE
                           else latex.value(self.values[i]))
            self._nums[node.id] = self._fill(_inline(self._template(node)), node, ins)
        return self._nums[node.id]
