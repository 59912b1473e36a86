"""What a learner may write in an expression, and how a refusal points at it.

Names, Python's operators as the registry spells its ops (``Op.operator``: "a + b", "-a",
"a.T"), the functions a learner calls (``Op.function``) with a "did you mean" for a misspelt one,
numbers, and :class:`Statement`, which maps a position in one statement's AST back to the line
and column of the program. :mod:`app.builders.expression_ast` walks the trees with these.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
from dataclasses import dataclass, field

from app.graph.ir import GraphError
from app.graph.ops import REGISTRY

# Names are plain ASCII identifiers starting with a letter: no dunders, no leading "_" (nothing
# that looks like Python internals), and short enough to show as a label.
NAME_RULE = "names are letters, digits and _ starting with a letter, at most 64 characters"
_NAME = r"[A-Za-z][A-Za-z0-9_]{0,63}"

# Python's operators as a learner types them. Which op each one makes is the registry's data
# (Op.operator: "a + b", "-a", "a.T"); the others are refused with their own spelling.
OPERATOR_TEXT: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@",
    ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~", ast.USub: "-",
    ast.UAdd: "+",
}
_SPELLED = {op.operator: name for name, op in REGISTRY.items() if op.operator}
INFIX = {spelled[2:-2]: name for spelled, name in _SPELLED.items()
         if spelled.startswith("a ") and spelled.endswith(" b")}  # "+": "add"
PREFIX = {spelled[:-1]: name for spelled, name in _SPELLED.items()
          if len(spelled) == 2 and spelled.endswith("a")}  # "-": "neg"
ATTRIBUTES = {spelled[2:]: name for spelled, name in _SPELLED.items()
              if spelled.startswith("a.")}  # "T": "transpose"
OPERATORS = " ".join(INFIX)
ALLOWED = (f"allowed: numbers, names, {OPERATORS}, unary "
           + " and ".join([*PREFIX, "+"]) + ", "
           + ", ".join(f"x.{a} ({_SPELLED['a.' + a]})" for a in ATTRIBUTES)
           + " and calls of the graph's functions")

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
    """A function name a learner calls (Op.function) cannot name a variable or a stage. The
    names of ops typed as operators can: the course stages its sigmoid neuron as `neg = -dot`."""
    return name in REGISTRY and REGISTRY[name].function


FUNCTIONS = tuple(sorted(name for name, op in REGISTRY.items() if op.function))


def unknown_function(name: str) -> str:
    """The refusal of a call of ``name``, with the nearest function's name when one is close
    (difflib's ratio of matching characters, at least 0.6: "sigmiod" -> sigmoid)."""
    near = difflib.get_close_matches(name.lower(), FUNCTIONS, n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]}?" if near else ";"
    return f"unknown function {shown(name)}{hint} allowed functions: {', '.join(FUNCTIONS)}"


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
