"""The whitelisted walk from Python's AST of one statement to graph IR nodes.

:mod:`app.builders.expression` checks and splits the text and calls :func:`ast.parse` on each
statement; this module turns the parsed trees into nodes. Nothing here evaluates anything:
every AST node type is matched against a whitelist and anything else is refused with its
position. The walk uses an explicit stack, never recursion, so that depth is a checked limit
(``ExpressionLimits.max_depth``), not a RecursionError.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from types import MappingProxyType

from app.graph.ir import GraphError, Node
from app.graph.ops import REGISTRY, VARIADIC

# Names are plain ASCII identifiers starting with a letter: no dunders, no leading "_" (nothing
# that looks like Python internals), and short enough to show as a label.
NAME_RULE = "names are letters, digits and _ starting with a letter, at most 64 characters"
_NAME = r"[A-Za-z][A-Za-z0-9_]{0,63}"

_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
    ast.MatMult: "matmul",
}
# The ops that have an operator spelling may also be used as names: the course stages its
# sigmoid neuron as `neg = -dot`. Every other function name is reserved, so that `exp = x`
# (and then `exp(exp)`) cannot confuse anyone.
_SPELLED = frozenset(_BINOPS.values()) | {"neg", "transpose"}
_OPERATOR_TEXT = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}
ALLOWED = ("allowed: numbers, names, + - * / ** @, unary - and +, x.T (transpose) and calls "
           "of the graph's functions")

# What the learner wrote, in words, for the refusal message (fallback: the AST class name).
_DESCRIBE: dict[type[ast.AST], str] = {
    ast.Compare: "comparisons", ast.BoolOp: "'and' / 'or'", ast.Lambda: "lambda",
    ast.IfExp: "conditional expressions (a if c else b)", ast.NamedExpr: "':=' (walrus)",
    ast.Subscript: "indexing (x[i])", ast.Slice: "slices", ast.Starred: "'*' unpacking",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "generator expressions",
    ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets", ast.Dict: "dicts",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.Import: "import", ast.ImportFrom: "import",
    ast.Delete: "del", ast.AugAssign: "augmented assignment (+=, @= ...)",
    ast.AnnAssign: "annotations", ast.Return: "return", ast.Pass: "pass",
    ast.FunctionDef: "def", ast.AsyncFunctionDef: "def", ast.ClassDef: "class",
    ast.If: "if", ast.For: "for", ast.AsyncFor: "for", ast.While: "while", ast.With: "with",
    ast.AsyncWith: "with", ast.Try: "try", ast.Raise: "raise", ast.Assert: "assert",
    ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Break: "break",
    ast.Continue: "continue", ast.Match: "match", ast.Attribute: "attributes",
    ast.Call: "calls", ast.BinOp: "operators", ast.UnaryOp: "operators", ast.Constant: "numbers",
}


def describe(node: ast.AST) -> str:
    return _DESCRIBE.get(type(node), type(node).__name__)


def shown(name: str) -> str:
    """A name for a message: quoted, and cut short if it is absurdly long."""
    return repr(name if len(name) <= 40 else name[:40] + "...")


def is_name(text: str) -> bool:
    return re.fullmatch(_NAME, text) is not None


def reserved(name: str) -> bool:
    """A function name that cannot name a variable or a stage."""
    return name in REGISTRY and name not in _SPELLED


def functions() -> str:
    return ", ".join(sorted(REGISTRY))


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement's source: a verbatim slice of the program starting at (line, column).

    Its text keeps its own newlines (a statement may continue inside brackets), so an AST
    position (1-based line, 0-based column within the text) maps back to the program exactly.
    """

    text: str
    line: int
    column: int
    lines: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.text.split("\n")))

    def where(self, lineno: int, col_offset: int) -> tuple[int, int]:
        if lineno <= 1:
            return self.line, self.column + col_offset
        return self.line + lineno - 1, col_offset + 1

    def error(self, node: ast.AST | None, message: str) -> GraphError:
        if not isinstance(node, ast.expr | ast.stmt | ast.keyword):
            return expression_error(message, self.line, self.column)
        line, column = self.where(node.lineno, node.col_offset)
        return expression_error(message, line, column)

    def source(self, node: ast.expr) -> str:
        """The text of a one-line node (a number), as written. (ast.get_source_segment walks
        the whole text in Python for every call: quadratic on a long statement of numbers.)"""
        return self.lines[node.lineno - 1][node.col_offset:node.end_col_offset]


def expression_error(message: str, line: int, column: int) -> GraphError:
    return GraphError(f"line {line}, column {column}: {message}", None, line=line,
                      column=column, kind="expression")


@dataclass(slots=True)
class _Plan:
    """An op node waiting for its operands: op None means pass the operand through (unary +)."""

    op: str | None
    operands: list[ast.expr]
    params: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Builder:
    """Accumulates the nodes of a whole program, statement by statement, in post-order."""

    max_nodes: int
    max_depth: int
    nodes: list[Node] = field(default_factory=list)
    staged: dict[str, int] = field(default_factory=dict)  # name -> line it was assigned on
    inputs: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> first use
    counters: dict[str, int] = field(default_factory=dict)
    visited: int = 0
    target: str | None = None  # the name the current statement assigns

    def _id(self, op: str) -> str:
        # '#' cannot appear in a name, so "mul#1" never collides with a variable or a stage.
        k = self.counters.get(op, 0) + 1
        self.counters[op] = k
        return f"{op}#{k}"

    def _add(self, node: Node) -> str:
        self.nodes.append(node)
        return node.id

    def check_target(self, target: ast.expr, stmt: Statement) -> str:
        """The name a staged statement assigns, refusing anything but a fresh plain name."""
        if not isinstance(target, ast.Name):
            raise stmt.error(target, f"cannot assign to {describe(target)}; a statement is "
                             "'name = expression'")
        name = target.id
        if not is_name(name):
            raise stmt.error(target, f"{shown(name)} is not allowed: {NAME_RULE}")
        if reserved(name):
            raise stmt.error(target, f"{name!r} is a function; pick another name")
        if name in self.staged:
            raise stmt.error(target, f"{name!r} is already assigned on line "
                             f"{self.staged[name]}; each name is assigned once")
        if name in self.inputs:
            line, column = self.inputs[name]
            raise stmt.error(target, f"{name!r} is already used as an input variable (line "
                             f"{line}, column {column}); assign to a new name")
        return name

    def expression(self, tree: ast.expr, stmt: Statement, name: str | None) -> str:
        """Emit the nodes of ``tree`` and return the id of its value.

        With ``name`` (a staged ``name = tree``) the value's node gets that id; a value that is
        an existing node (``a = x``) gets an identity node called ``name``.
        """
        self.target = name
        results: list[str] = []
        # frames: (ast node, depth, is the statement's value, plan once its operands are pushed)
        stack: list[tuple[ast.expr, int, bool, _Plan | None]] = [(tree, 1, True, None)]
        while stack:
            node, depth, root, plan = stack.pop()
            own = name if root else None
            if plan is not None:  # operands done: they are the last len(operands) results
                n = len(plan.operands)
                args = results[len(results) - n:]
                del results[len(results) - n:]
                results.append(self._op(plan, args, own))
                continue
            self.visited += 1
            if self.visited > self.max_nodes:
                raise stmt.error(node, f"the program is too long: at most {self.max_nodes} "
                                 "operations, names and numbers")
            if depth > self.max_depth:
                raise stmt.error(node, f"the expression is nested too deeply: at most "
                                 f"{self.max_depth} levels")
            if isinstance(node, ast.Name | ast.Constant):
                results.append(self._leaf(node, stmt, own))
                continue
            plan = self._plan(node, stmt)
            passes_root = root and plan.op is None  # `a = +(x*y)` names the mul node a
            stack.append((node, depth, root, plan))
            stack.extend((c, depth + 1, passes_root, None) for c in reversed(plan.operands))
        (value,) = results
        if name is not None and value != name:
            value = self._add(Node(name, "identity", (value,), label=name, named=True))
        return value

    def _op(self, plan: _Plan, args: list[str], own: str | None) -> str:
        if plan.op is None:
            return args[0]
        params = MappingProxyType(plan.params) if plan.params else MappingProxyType({})
        if own is not None:
            return self._add(Node(own, plan.op, tuple(args), params, label=own, named=True))
        return self._add(Node(self._id(plan.op), plan.op, tuple(args), params))

    def _leaf(self, node: ast.Name | ast.Constant, stmt: Statement, own: str | None) -> str:
        if isinstance(node, ast.Constant):
            value = number(node, stmt)
            params = MappingProxyType({"value": value})
            if own is not None:
                return self._add(Node(own, "const", (), params, label=own, named=True))
            return self._add(Node(self._id("const"), "const", (), params,
                                  label=stmt.source(node)))
        name = node.id
        if not is_name(name):
            raise stmt.error(node, f"{shown(name)} is not allowed: {NAME_RULE}")
        if reserved(name):
            raise stmt.error(node, f"{name!r} is a function: call it, as in {name}(x)")
        if name in self.staged or name in self.inputs:
            return name
        if name == self.target:
            raise stmt.error(node, f"{name!r} is used in its own assignment; each name is "
                             f"assigned once: assign to a new name, as in {name}2 = {name} + 1")
        self.inputs[name] = stmt.where(node.lineno, node.col_offset)
        return self._add(Node(name, "input", label=name, named=True))

    def _plan(self, node: ast.expr, stmt: Statement) -> _Plan:
        """Check an inner node against the whitelist and say which op it makes from what."""
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                text = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
                raise stmt.error(node, f"operator {text!r} is not allowed; allowed operators: "
                                 "+ - * / ** @")
            return _Plan(op, [node.left, node.right])
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return _Plan("neg", [node.operand])
            if isinstance(node.op, ast.UAdd):
                return _Plan(None, [node.operand])
            text = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise stmt.error(node, f"{text!r} is not allowed; the unary operators are - and +")
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                # point at the attribute's name, which ends where the node ends
                line, col = stmt.where(node.end_lineno or node.lineno,
                                       (node.end_col_offset or 0) - len(node.attr))
                raise expression_error(f"'.{node.attr}' is not allowed: the only attribute is "
                                       ".T (transpose)", line, col)
            return _Plan("transpose", [node.value])
        if isinstance(node, ast.Call):
            return self._call(node, stmt)
        raise stmt.error(node, f"{describe(node)} cannot be used here; {ALLOWED}")

    def _call(self, node: ast.Call, stmt: Statement) -> _Plan:
        if not isinstance(node.func, ast.Name):
            raise stmt.error(node, f"only the graph's functions can be called, by name; "
                             f"allowed functions: {functions()}")
        fname = node.func.id
        op = REGISTRY.get(fname)
        if op is None:
            raise stmt.error(node, f"unknown function {shown(fname)}; allowed functions: "
                             f"{functions()}")
        if node.keywords:
            raise stmt.error(node.keywords[0], f"keyword arguments are not allowed; give "
                             f"{fname}'s arguments by position")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise stmt.error(arg, "'*' unpacking is not allowed in a call")
        names = list(op.params or {})
        n = len(node.args)
        if op.arity == VARIADIC:
            if n < 2:
                raise stmt.error(node, f"{fname} takes two or more arguments, got {n}")
            return _Plan(fname, list(node.args))
        if not op.arity <= n <= op.arity + len(names):
            s = "" if op.arity == 1 else "s"
            extra = (f" and then optionally {', '.join(names)} (numbers)" if names else "")
            raise stmt.error(node, f"{fname} takes {op.arity} argument{s}{extra}, got {n}")
        params = {}
        for pname, arg in zip(names, node.args[op.arity:], strict=False):
            params[pname] = param_literal(arg, fname, pname, stmt)
        return _Plan(fname, list(node.args[:op.arity]), params)


def param_literal(arg: ast.expr, fname: str, pname: str, stmt: Statement) -> float:
    """An op parameter: a number written out, possibly signed (leaky_relu(x, -0.1) is odd but
    well defined); never an expression, since parameters are not nodes of the graph."""
    sign, inner = 1.0, arg
    if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub | ast.UAdd):
        sign, inner = (-1.0 if isinstance(arg.op, ast.USub) else 1.0), arg.operand
    if not isinstance(inner, ast.Constant):
        raise stmt.error(arg, f"{fname}'s {pname} must be a number written out, such as 0.1")
    return sign * number(inner, stmt)


def number(node: ast.Constant, stmt: Statement) -> float:
    """A literal's value as a finite float; everything else Python calls a constant is refused."""
    v = node.value
    # exact type checks: bool is an int subclass, and True must not pass for 1
    if type(v) is not int and type(v) is not float:
        what = {complex: "complex numbers (1j)", str: "strings", bytes: "bytes",
                bool: "True and False", type(None): "None",
                type(...): "'...'"}.get(type(v), "this constant")
        raise stmt.error(node, f"{what} cannot be used; numbers are integers or decimals such "
                         "as 2, 0.5 or 1e-3")
    try:
        value = float(v)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise stmt.error(node, "number too large: numbers must be finite floats (at most "
                         "about 1.8e308)")
    return value
