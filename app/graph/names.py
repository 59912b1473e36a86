"""What a learner reads for a node: its own name, or its op's template filled with its inputs'.

Nodes a learner named (variables, stages, a network's z1, h1...) and leaves are called by their
name (a constant by the number as written); an unnamed node by its op's ``noun`` and ``text``
(:class:`app.graph.ops.core.Op`), the inputs written the same way, with brackets only where
the operators' precedence needs them. Ids such as ``mul#1`` never show.

    >>> from app.builders.expression import parse_expression
    >>> g = parse_expression("f = (x + y) * sigmoid(z) + 2 * -w ** 2")
    >>> [display_name(g, n.id) for n in g.nodes if n.op not in ("input", "const")]
    ['the sum x + y', 'σ(z)', 'the product (x + y)·σ(z)', 'the power w^2', '−w^2', \
'the product 2·(−w^2)', 'f']
"""

from __future__ import annotations

import re

from app.graph.ir import LEAF_OPS, Graph, Node
from app.graph.ops import REGISTRY, VARIADIC

MAX_DEPTH = 3  # nested unnamed operands written out; deeper ones are "…"
MAX_TERMS = 4  # a variadic op's operands written out: more show as "a + b + … + z"

# How tightly each operator spelling binds (Python's precedence): an operand is bracketed when
# it binds less tightly than its parent (or as tightly, on the right: a − (b − c)).
_PRECEDENCE = {"a + b": 1, "a - b": 1, "a * b": 2, "a / b": 2, "a @ b": 2, "-a": 3,
               "a ** b": 4, "a.T": 5}

_PLACEHOLDER = re.compile(r"\{(\d+)\}")


def display_name(graph: Graph, node_id: str) -> str:
    """The node's name as prose writes it: "w5", "the product w5·h1", "σ(z3)"."""
    node = graph.node(node_id)
    name = _own_name(node)
    if name is not None:
        return name
    op = REGISTRY[node.op]
    text = _text(graph, node, MAX_DEPTH)
    return f"{op.noun} {text}" if op.noun else text


def formula(graph: Graph, node_id: str) -> str:
    """The node's op applied to its inputs' names, also for a named node: "√(x)", "w5·h1"."""
    node = graph.node(node_id)
    if node.op in LEAF_OPS:
        return display_name(graph, node_id)
    operands = [_operand(graph, graph.node(src), node, slot, MAX_DEPTH - 1)
                for slot, src in enumerate(node.inputs)]
    op = REGISTRY[node.op]
    return fill(op.text, operands, variadic=op.arity == VARIADIC)


def operand_name(graph: Graph, node_id: str) -> str:
    """How a message names a node as an input: its name, or its formula ("x", "x − y")."""
    node = graph.node(node_id)
    return _own_name(node) or _text(graph, node, MAX_DEPTH)


def _own_name(node: Node) -> str | None:
    if node.op == "const" and not node.named:
        value = node.params.get("value")
        if node.label is not None:
            return node.label
        return f"{value:g}" if isinstance(value, float | int) else "a constant"
    if node.named or node.op in LEAF_OPS:
        return node.id
    return None


def _text(graph: Graph, node: Node, depth: int) -> str:
    name = _own_name(node)
    if name is not None:
        return name
    if depth == 0:
        return "…"
    op = REGISTRY[node.op]
    operands = [_operand(graph, graph.node(src), node, slot, depth - 1)
                for slot, src in enumerate(node.inputs)]
    return fill(op.text, operands, variadic=op.arity == VARIADIC)


def _operand(graph: Graph, child: Node, parent: Node, slot: int, depth: int) -> str:
    text = _text(graph, child, depth)
    if _own_name(child) is not None or depth == 0:
        return text
    mine = _PRECEDENCE.get(REGISTRY[child.op].operator or "")
    theirs = _PRECEDENCE.get(REGISTRY[parent.op].operator or "")
    if mine is None or theirs is None:  # a function's argument, or an operand of a function
        return text
    if mine < theirs or (mine == theirs and (slot > 0 or theirs == _PRECEDENCE["a ** b"])) or (
        slot > 0 and mine == _PRECEDENCE["-a"]  # 2·(−w), not 2·−w
    ):
        return f"({text})"
    return text


def fill(template: str, operands: list[str], variadic: bool = False) -> str:
    """``template`` with ``{k}`` replaced by ``operands[k]``. A variadic op's template shows two
    operands: what stands between them is repeated for all of them (at most MAX_TERMS)."""
    if variadic and "{0}" in template and "{1}" in template:
        a, b = template.index("{0}"), template.index("{1}")
        sep = template[a + 3:b]
        shown = operands if len(operands) <= MAX_TERMS else [*operands[:2], "…", operands[-1]]
        return template[:a] + sep.join(shown) + template[b + 3:]
    return _PLACEHOLDER.sub(lambda m: operands[int(m[1])], template)
