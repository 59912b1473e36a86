"""The whitelisted walk from Python's AST of one statement to graph IR nodes.

:mod:`app.builders.expression` checks and splits the text and calls :func:`ast.parse` on each
statement; this module turns the parsed trees into nodes. Nothing here evaluates anything:
every AST node type is matched against a whitelist and anything else is refused with its
position. The walk uses an explicit stack, never recursion, so that depth is a checked limit
(``ExpressionLimits.max_depth``), not a RecursionError.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from types import MappingProxyType

from app.builders.expression_syntax import (
    ALLOWED,
    ATTRIBUTES,
    FUNCTIONS,
    INFIX,
    NAME_RULE,
    OPERATOR_TEXT,
    OPERATORS,
    PREFIX,
    Statement,
    describe,
    expression_error,
    is_name,
    number,
    param_literal,
    reserved,
    shown,
    unknown_function,
)
from app.graph.ir import Node
from app.graph.ops import REGISTRY, VARIADIC


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
            text = OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            if text not in INFIX:
                raise stmt.error(node, f"operator {text!r} is not allowed; allowed operators: "
                                 f"{OPERATORS}")
            return _Plan(INFIX[text], [node.left, node.right])
        if isinstance(node, ast.UnaryOp):
            text = OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            if isinstance(node.op, ast.UAdd):
                return _Plan(None, [node.operand])
            if text not in PREFIX:
                raise stmt.error(node, f"{text!r} is not allowed; the unary operators are "
                                 + " and ".join([*PREFIX, "+"]))
            return _Plan(PREFIX[text], [node.operand])
        if isinstance(node, ast.Attribute):
            if node.attr not in ATTRIBUTES:
                # point at the attribute's name, which ends where the node ends
                line, col = stmt.where(node.end_lineno or node.lineno,
                                       (node.end_col_offset or 0) - len(node.attr))
                only = ", ".join(f".{a} ({ATTRIBUTES[a]})" for a in ATTRIBUTES)
                raise expression_error(f"'.{node.attr}' is not allowed: the only attribute is "
                                       f"{only}", line, col)
            return _Plan(ATTRIBUTES[node.attr], [node.value])
        if isinstance(node, ast.Call):
            return self._call(node, stmt)
        raise stmt.error(node, f"{describe(node)} cannot be used here; {ALLOWED}")

    def _call(self, node: ast.Call, stmt: Statement) -> _Plan:
        if not isinstance(node.func, ast.Name):
            raise stmt.error(node, f"only the graph's functions can be called, by name; "
                             f"allowed functions: {', '.join(FUNCTIONS)}")
        fname = node.func.id
        op = REGISTRY.get(fname)
        if op is None:
            raise stmt.error(node, unknown_function(fname))
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
