"""A safe, Python-like expression language -> graph IR.

    >>> g = parse_expression("q = x + y; f = q * z")
    >>> [(n.id, n.op, n.inputs) for n in g.nodes]
    [('x', 'input', ()), ('y', 'input', ()), ('q', 'add', ('x', 'y')), ('z', 'input', ()), \
('f', 'mul', ('q', 'z'))]
    >>> [n.id for n in parse_expression("sum((W @ x) ** 2)").nodes]
    ['W', 'x', 'matmul#1', 'const#1', 'pow#1', 'sum#1']

A program is statements separated by newlines or ';' (empty ones are skipped), each
``name = expression``; the last may be a bare expression and is the output. An expression is
numbers, names (inputs, or earlier stages), ``+ - * / ** @``, unary ``-``/``+``, ``x.T`` and calls
of the registry's functions with their arity (``exp(x)``, ``max(0, x)``); an op's params may
follow as numbers (``leaky_relu(x, 0.1)``). Comments run from ``#`` to the end of the line; a
newline inside brackets continues the statement.

Node ids: a variable is its name; ``q = ...`` names the node its right side makes (an identity
or const node if that is a bare name or number); every other node is ``op#k``, k counting per
op from 1 in left-to-right post-order (``mul#1``, ``const#2``: '#' is never part of a name).
Nothing is folded: ``-2`` is ``neg(const 2)``, ``x ** 2`` is ``pow(x, const 2)``. A name is
assigned once and not after being used as an input; function names are reserved, except those
of gates that have an operator (``neg = -dot`` is the course's own staging).

This is a security boundary: the text is never evaluated. It is checked as text first (length,
plain printable ASCII only, no quotes or backslashes, bracket depth, and how many operators a
statement chains), so that :func:`ast.parse` only ever sees small, shallow, ASCII statements;
the parsed trees then go through a whitelist (:mod:`app.builders.expression_ast`). Every
refusal is a ``GraphError(kind="expression")`` with the 1-based line and column of the
offending character in the original text (a \\r\\n counts as one line break).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.builders.expression_ast import Builder
from app.builders.expression_syntax import Statement, describe, expression_error
from app.graph.ir import Graph, GraphError, GraphWarning, make_graph

__all__ = ["ExpressionLimits", "Program", "parse_expression", "parse_program"]


@dataclass(frozen=True, slots=True)
class ExpressionLimits:
    """Bounds checked before or while parsing, so that any text is refused quickly."""

    max_length: int = 10_000  # characters
    max_nodes: int = 5_000  # AST nodes over the whole program
    max_depth: int = 200  # nesting: brackets, and the expression tree
    max_statements: int = 500


_CLOSE = {")": "(", "]": "[", "}": "{"}
_OPERATOR_CHARS = frozenset("+-*/@.~%&|^<>=!,:")

# Python's numeric literal grammar, only to find where each number ends: Python's tokenizer
# reports a number running into a name ("1if", "0xfor") with a SyntaxWarning, not an error, and
# warnings are process-global (stderr noise per request, or errors under -W error).
_DIGITS = r"[0-9](?:_?[0-9])*"
_EXP = rf"[eE][-+]?{_DIGITS}"
_FLOAT = rf"(?:{_DIGITS}\.(?:{_DIGITS})?|\.{_DIGITS})(?:{_EXP})?|{_DIGITS}{_EXP}"
_INT = rf"0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|{_DIGITS}"
_WORD = rf"[A-Za-z_][A-Za-z0-9_]*|(?P<number>(?:{_FLOAT}|{_INT})[jJ]?)"


@dataclass(frozen=True, slots=True)
class Program:
    """A parsed program: its graph, the names it assigns (each with the line it is assigned
    on, also those that do not reach the output) and the warnings about it."""

    graph: Graph
    assigned: Mapping[str, int]
    warnings: tuple[GraphWarning, ...]


def parse_expression(text: str, limits: ExpressionLimits | None = None) -> Graph:
    """Parse a program into a Graph (see the module docstring); GraphError if it is refused."""
    return parse_program(text, limits).graph


def parse_program(text: str, limits: ExpressionLimits | None = None) -> Program:
    """Parse a program (see the module docstring), with a warning for each staged line that
    does not reach the output: it is not computed (``z = 1 / x`` beside ``y = x * 2``).

        >>> p = parse_program("z = 1 / x; y = x * 2")
        >>> [w.message for w in p.warnings]
        ["line 1: 'z = 1 / x' does not reach the output y, so it is not computed"]
    """
    limits = limits or ExpressionLimits()
    statements = split_statements(check_text(text, limits), limits)
    builder = Builder(limits.max_nodes, limits.max_depth)
    output = ""
    where: dict[str, Statement] = {}
    for i, stmt in enumerate(statements):
        tree = _parse(stmt, limits)
        if isinstance(tree, ast.Assign):
            if len(tree.targets) != 1:
                raise stmt.error(tree.targets[1], "assign one name at a time ('a = b = x' is "
                                 "not allowed)")
            name = builder.check_target(tree.targets[0], stmt)
            output = builder.expression(tree.value, stmt, name)
            builder.staged[name] = stmt.line
            where[name] = stmt
        elif isinstance(tree, ast.Expr):
            if i != len(statements) - 1:
                raise stmt.error(tree, "only the last statement may be a bare expression; "
                                 "name this one ('a = ...') or remove it")
            output = builder.expression(tree.value, stmt, None)
        else:
            raise stmt.error(tree, f"{describe(tree)} cannot be used: a statement is "
                             "'name = expression' or, last, an expression")
    graph = make_graph(builder.nodes, output)
    target = f"the output {output}" if output in where else "the output (the last line)"
    warnings = tuple(
        GraphWarning("unused-line", f"line {stmt.line}: {_quote(stmt.text)} does not reach "
                     f"{target}, so it is not computed", stmt.line, stmt.column)
        for name, stmt in where.items() if name not in graph
    )
    return Program(graph, MappingProxyType(dict(builder.staged)), warnings)


def _quote(text: str) -> str:
    line = " ".join(text.split())
    return repr(line if len(line) <= 40 else line[:40] + "...")


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def check_text(text: str, limits: ExpressionLimits) -> str:
    """The text with newlines normalised and comments blanked, or GraphError.

    Plain printable ASCII only: Python NFKC-normalises identifiers, so full-width letters
    ('ｅｘｐ') would otherwise turn into other names, and bidi controls could hide what runs.
    Quotes are refused here (there are no strings) so that a ';' or '#' inside one cannot
    confuse the statement splitter.
    """
    if not isinstance(text, str):
        raise GraphError("the expression must be text", kind="expression")
    if len(text) > limits.max_length:
        line, column = _position(text, limits.max_length)
        raise expression_error(f"the expression is {len(text)} characters long; the limit is "
                               f"{limits.max_length}", line, column)
    # \r\n and a lone \r are one line break, as for Python and editors
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = re.search(r"[^\x20-\x7e\t\n]", text)
    if bad:
        line, column = _position(text, bad.start())
        raise expression_error(f"character U+{ord(bad.group()):04X} is not allowed: use plain "
                               "ASCII letters, digits, operators and brackets", line, column)
    # no strings in the language, so a '#' always starts a comment; blank it, keep columns
    text = re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), text)
    bad = re.search(r"['\"\\]", text)
    if bad:
        line, column = _position(text, bad.start())
        what = ("backslashes are not allowed (inside brackets a statement may continue on the "
                "next line)" if bad.group() == "\\" else "strings are not allowed")
        raise expression_error(what, line, column)
    # names are matched whole, so the digits of x1 are not a number
    for m in re.finditer(_WORD, text):
        end = m.end()
        if m.group("number") and end < len(text) and (text[end].isalnum() or text[end] == "_"):
            raise expression_error("a number runs straight into a name here: put an operator "
                                   "between them (2 * x, not 2x)", *_position(text, end))
    return text


def split_statements(text: str, limits: ExpressionLimits) -> list[Statement]:
    """Cut at ';' and newlines outside brackets, bounding how deep Python's parser could go.

    CPython's parser recurses once per nesting level: on a small thread stack (256 KiB) it
    crashes the process somewhere between 800 and 1,600 levels of `-`, `**`, `not` or `lambda`,
    before its own guard (MemoryError, RecursionError) can trip. So, before it sees the text, we
    count brackets (at most ``max_depth``) and the operators and words along each bracket path,
    each of which could add a level (at most ``4 * max_depth``; the walk then enforces the real
    ``max_depth`` of the tree, so this only refuses what would be refused anyway or is absurd).
    """
    out: list[Statement] = []
    opened: list[tuple[str, int]] = []  # open brackets and their index
    chain = [0]  # operators and words met directly inside each open bracket (and at the top)
    level = 0  # len(opened) + sum(chain): what the parser's recursion could reach here
    cap = 4 * limits.max_depth
    start = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            opened.append((ch, i))
            chain.append(0)
            level += 1
            if len(opened) > limits.max_depth:
                raise expression_error(f"too many nested brackets: at most {limits.max_depth}",
                                       *_position(text, i))
        elif ch in _CLOSE:
            if not opened:
                raise expression_error(f"unmatched {ch!r}", *_position(text, i))
            if opened[-1][0] != _CLOSE[ch]:
                line, column = _position(text, opened[-1][1])
                raise expression_error(f"{ch!r} does not match {opened[-1][0]!r} at line {line}, "
                                       f"column {column}", *_position(text, i))
            opened.pop()
            level -= 1 + chain.pop()
        elif ch in ";\n" and not opened:
            _add_statement(out, text, start, i, limits)
            start, chain, level = i + 1, [0], 0
        elif ch in _OPERATOR_CHARS or (_is_word(ch) and (i == 0 or not _is_word(text[i - 1]))):
            chain[-1] += 1
            level += 1
            if level > cap:
                raise expression_error(
                    f"this statement is too long or nested too deeply to parse safely: at most "
                    f"{cap} operators and names along any bracket path; split it into stages "
                    "(a = ...; b = a + ...)",
                    *_position(text, i))
    if opened:
        ch, i = opened[-1]
        raise expression_error(f"{ch!r} is never closed", *_position(text, i))
    _add_statement(out, text, start, len(text), limits)
    if not out:
        raise expression_error("the expression is empty; write one such as (x + y) * z", 1, 1)
    return out


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _add_statement(
    out: list[Statement], text: str, start: int, end: int, limits: ExpressionLimits
) -> None:
    chunk = text[start:end]
    stripped = chunk.lstrip(" \t\n")
    if not stripped.strip():
        return  # an empty statement (blank line, ';;', trailing ';') is skipped
    first = start + len(chunk) - len(stripped)
    line, column = _position(text, first)
    if len(out) >= limits.max_statements:
        raise expression_error(f"too many statements: at most {limits.max_statements}",
                               line, column)
    out.append(Statement(stripped.rstrip(), line, column))


def _parse(stmt: Statement, limits: ExpressionLimits) -> ast.stmt:
    """Python's parser on one statement; its failures become positioned GraphErrors."""
    try:
        module = ast.parse(stmt.text, mode="exec")
    except SyntaxError as e:
        # e.offset is 1-based; e.lineno is within the statement
        line, column = stmt.where(e.lineno or 1, (e.offset or 1) - 1)
        msg = (e.msg or "invalid syntax").rstrip(".")
        if "integer string conversion" in msg:  # int literal over 4300 digits
            raise expression_error("number too large: numbers must be finite floats (at most "
                                   "about 1.8e308)", line, column) from None
        raise expression_error(f"syntax error: {msg}; a statement is 'name = expression' or, "
                               "last, an expression", line, column) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        # the parser's own stack guard: e.g. thousands of chained unary minus signs
        raise stmt.error(None, f"the statement is nested too deeply or too long to parse: at "
                         f"most {limits.max_depth} levels") from None
    if len(module.body) != 1:  # cannot happen: ';' and newlines outside brackets were cut above
        raise stmt.error(None, "one statement expected")
    return module.body[0]
