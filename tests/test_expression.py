"""The expression language: the graphs it builds, the numbers they give, and its error messages.

Expected gradients are the course's and the seed's published values, not what the code prints.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from app.builders.expression import ExpressionLimits, parse_expression
from app.graph.engine import run
from app.graph.ir import Graph, GraphError
from app.graph.ops import REGISTRY


def shape(g: Graph) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(n.id, n.op, n.inputs) for n in g.nodes]


def grads(text: str, **values: object) -> dict[str, object]:
    t = run(parse_expression(text), values)  # type: ignore[arg-type]
    return {k: v.tolist() for k, v in t.grads.items()}


def refused(text: str, limits: ExpressionLimits | None = None) -> GraphError:
    with pytest.raises(GraphError) as e:
        parse_expression(text, limits)
    assert e.value.kind == "expression"
    assert e.value.node is None
    return e.value


# --- structure ------------------------------------------------------------------------------

def test_simple_circuit_structure_ids_and_labels() -> None:
    g = parse_expression("(x + y) * z")
    assert shape(g) == [("x", "input", ()), ("y", "input", ()), ("add#1", "add", ("x", "y")),
                        ("z", "input", ()), ("mul#1", "mul", ("add#1", "z"))]
    assert g.output == "mul#1"
    x = g.node("x")
    assert (x.label, x.named) == ("x", True)
    assert (g.node("add#1").label, g.node("add#1").named) == (None, False)


def test_x_times_x_is_one_mul_with_two_edges() -> None:
    g = parse_expression("x*x")
    assert shape(g) == [("x", "input", ()), ("mul#1", "mul", ("x", "x"))]


def test_staged_names_become_node_ids() -> None:
    g = parse_expression("q = x + y; f = q * z")
    assert shape(g) == [("x", "input", ()), ("y", "input", ()), ("q", "add", ("x", "y")),
                        ("z", "input", ()), ("f", "mul", ("q", "z"))]
    assert g.output == "f"
    assert all(n.named for n in g.nodes)
    assert (g.node("q").label, g.node("f").label) == ("q", "f")


def test_newlines_semicolons_comments_and_indentation_separate_the_same_way() -> None:
    a = parse_expression("q = x + y; f = q * z")
    b = parse_expression("  q = x + y   # the add gate\n\n\tf = (q *\n      z);\n")
    c = parse_expression("q = x + y\r\nf = q * z\r\n")
    assert shape(a) == shape(b) == shape(c)


def test_empty_statements_are_skipped_but_a_bare_expression_must_be_last() -> None:
    assert shape(parse_expression("q = x;; f = q * 2;")) == shape(
        parse_expression("q = x; f = q * 2"))
    e = refused("x;;y")
    assert (e.line, e.column) == (1, 1) and "last statement" in e.message


def test_a_stage_naming_a_variable_or_a_constant_still_gets_its_id() -> None:
    g = parse_expression("a = x")
    assert shape(g) == [("x", "input", ()), ("a", "identity", ("x",))]
    g = parse_expression("a = 3")
    assert shape(g) == [("a", "const", ())]
    assert (g.node("a").params["value"], g.node("a").label) == (3.0, "a")
    g = parse_expression("a = +(x * y)")  # unary plus makes no node: the mul is a
    assert shape(g) == [("x", "input", ()), ("y", "input", ()), ("a", "mul", ("x", "y"))]


def test_constants_pow_and_matmul() -> None:
    g = parse_expression("sum((W @ x) ** 2)")
    assert shape(g) == [("W", "input", ()), ("x", "input", ()), ("matmul#1", "matmul", ("W", "x")),
                        ("const#1", "const", ()), ("pow#1", "pow", ("matmul#1", "const#1")),
                        ("sum#1", "sum", ("pow#1",))]
    k = g.node("const#1")
    assert (dict(k.params), k.label, k.named) == ({"value": 2.0}, "2", False)
    for literal, value in [("1e-3", 0.001), ("0x1F", 31.0), ("1_000", 1000.0), (".5", 0.5),
                           ("1.", 1.0), ("1.5e+3", 1500.0)]:
        k = parse_expression(f"{literal} * x1").node("const#1")
        assert (k.label, k.params["value"]) == (literal, value)


def test_no_constant_folding_and_unary_minus_is_a_neg_node() -> None:
    g = parse_expression("-2 * 3")
    assert shape(g) == [("const#1", "const", ()), ("neg#1", "neg", ("const#1",)),
                        ("const#2", "const", ()), ("mul#1", "mul", ("neg#1", "const#2"))]


def test_ids_count_per_op_in_left_to_right_post_order() -> None:
    g = parse_expression("(a * b) * (c * d) + exp(a) + exp(b)")
    assert [n.id for n in g.nodes if n.op != "input"] == [
        "mul#1", "mul#2", "mul#3", "exp#1", "add#1", "exp#2", "add#2"]
    assert g.node("mul#3").inputs == ("mul#1", "mul#2")


def test_same_text_same_graph() -> None:
    text = "h = relu(W1 @ x)\nf = sum(W2 @ h) + max(0, x.T @ x)"
    assert parse_expression(text) == parse_expression(text)


def test_transpose_right_associative_pow_and_functions() -> None:
    assert shape(parse_expression("x.T.T")) == [
        ("x", "input", ()), ("transpose#1", "transpose", ("x",)),
        ("transpose#2", "transpose", ("transpose#1",))]
    assert shape(parse_expression("x ** y ** z"))[-2:] == [
        ("pow#1", "pow", ("y", "z")), ("pow#2", "pow", ("x", "pow#1"))]
    g = parse_expression("max(0, x)")
    assert shape(g) == [("const#1", "const", ()), ("x", "input", ()), ("max#1", "max",
                                                                         ("const#1", "x"))]
    assert parse_expression("add(x, y, z)").node("add#1").inputs == ("x", "y", "z")
    assert parse_expression("mse(o, t)").node("mse#1").inputs == ("o", "t")


def test_op_params_as_extra_numeric_arguments() -> None:
    g = parse_expression("leaky_relu(x, 0.1)")
    assert dict(g.node("leaky_relu#1").params) == {"alpha": 0.1}
    assert dict(parse_expression("elu(x, -2)").node("elu#1").params) == {"alpha": -2.0}
    assert dict(parse_expression("elu(x)").node("elu#1").params) == {}
    e = refused("leaky_relu(x, y)")
    assert (e.column, "alpha must be a number") == (15, "alpha must be a number")
    e = refused("leaky_relu(x, 0.1, 2)")
    assert "leaky_relu takes 1 argument and then optionally alpha" in e.message


def test_gate_names_may_name_stages_other_functions_may_not() -> None:
    g = parse_expression("neg = -x\ne = exp(neg)")
    assert shape(g) == [("x", "input", ()), ("neg", "neg", ("x",)), ("e", "exp", ("neg",))]
    e = refused("exp = x")
    assert "'exp' is a function" in e.message and (e.line, e.column) == (1, 1)
    e = refused("y = exp + 1")
    assert "call it" in e.message and e.column == 5


def test_every_registry_function_is_callable_with_its_arity() -> None:
    for name, op in REGISTRY.items():
        n = 2 if op.arity == -1 else op.arity
        args = ", ".join(f"a{i}" for i in range(n))
        g = parse_expression(f"{name}({args})")
        assert g.node(f"{name}#1").inputs == tuple(f"a{i}" for i in range(n))


# --- numbers end to end ---------------------------------------------------------------------

def test_cs231n_simple_circuit() -> None:
    g = grads("(x + y) * z", x=-2, y=5, z=-4)
    assert (g["x"], g["y"], g["z"]) == (-4.0, -4.0, 3.0)
    g = grads("q = x + y; f = q * z", x=-2, y=5, z=-4)
    assert (g["x"], g["y"], g["z"], g["q"], g["f"]) == (-4.0, -4.0, 3.0, -4.0, 1.0)


SIGMOID_VALUES = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
COURSE = {"w0": -0.19661193324148185, "x0": 0.3932238664829637, "w1": -0.3932238664829637,
          "x1": -0.5898357997244456, "w2": 0.19661193324148185}


def test_sigmoid_neuron_staged_with_the_sigmoid_gate_matches_the_course_exactly() -> None:
    # The course computes ddot = (1 - f) * f, which is the sigmoid op's local gradient.
    g = grads("dot = w0*x0 + w1*x1 + w2\nf = sigmoid(dot)", **SIGMOID_VALUES)
    assert {k: g[k] for k in COURSE} == COURSE


def test_sigmoid_neuron_gate_by_gate_matches_the_course_to_one_ulp() -> None:
    # Through 1/den, exp and neg the same derivative is rounded differently:
    # -1/den**2 * e**-1 gives ...188 where (1 - f) f gives ...185 (one ulp of 0.197).
    for text in ["dot = w0*x0 + w1*x1 + w2\nneg = -dot\ne = exp(neg)\nden = 1 + e\nf = 1 / den",
                 "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"]:
        g = grads(text, **SIGMOID_VALUES)
        for k, want in COURSE.items():
            assert g[k] == pytest.approx(want, rel=2e-16, abs=0), k


def test_vectorized_norm() -> None:
    g = grads("sum((W @ x) ** 2)", W=[[0.1, 0.5], [-0.3, 0.8]], x=[0.2, 0.4])
    np.testing.assert_allclose(g["W"], [[0.088, 0.176], [0.104, 0.208]], rtol=1e-14)
    np.testing.assert_allclose(g["x"], [-0.112, 0.636], rtol=1e-14)


def test_gate_patterns() -> None:
    g = grads("2*(x*y + max(z, w))", x=3, y=-4, z=2, w=-1)
    assert (g["x"], g["y"], g["z"], g["w"]) == (-8.0, 6.0, 2.0, 0.0)
    assert "const#1" not in g  # constants are data: no gradient


def test_params_reach_the_engine() -> None:
    assert grads("leaky_relu(x, 0.1)", x=-2.0)["x"] == 0.1
    assert grads("leaky_relu(x)", x=-2.0)["x"] == 0.01
    assert grads("elu(x, 2)", x=-1.0)["x"] == pytest.approx(2 * math.exp(-1.0), rel=1e-15)


def test_power_tower_parses_and_the_engine_names_the_overflowing_node() -> None:
    g = parse_expression("10 ** 10 ** 10")
    assert g.output == "pow#2"
    with pytest.raises(GraphError) as e:
        run(g, {})
    assert e.value.node == "pow#2"


# --- errors: positions and messages ---------------------------------------------------------

def test_unknown_function_lists_the_functions_a_learner_types() -> None:
    e = refused("q = x + y\nf = q * foo(z)")
    assert (e.line, e.column) == (2, 9)
    assert e.message.startswith("line 2, column 9: unknown function 'foo'; allowed functions: ")
    listed = e.message.split("allowed functions: ")[1].split(", ")
    assert {"sigmoid", "exp", "relu", "max", "sum", "tanh", "log", "sqrt"} <= set(listed)
    # typed as operators (+ - * / ** @, unary -, .T) or never typed (identity): not listed
    for name in ("add", "sub", "mul", "div", "pow", "matmul", "neg", "transpose", "identity"):
        assert name not in listed
    assert "did you mean" not in e.message  # nothing is close to foo


@pytest.mark.parametrize(("typed", "meant"), [("sigmiod", "sigmoid"), ("Relu", "relu"),
                                               ("tahn", "tanh"), ("sqr", "sqrt"),
                                               ("leakyrelu", "leaky_relu")])
def test_a_misspelt_function_gets_the_nearest_name(typed: str, meant: str) -> None:
    e = refused(f"f = {typed}(x)")
    assert f"unknown function '{typed}'; did you mean {meant}? allowed functions: " in e.message


def test_operator_ops_are_not_reserved_names_but_functions_are() -> None:
    g = parse_expression("identity = x + 1; add = identity * 2; transpose = -add")
    assert [n.id for n in g.nodes if n.named] == ["x", "identity", "add", "transpose"]
    assert "'sigmoid' is a function" in refused("sigmoid = x").message


def test_bad_name_message_and_position() -> None:
    e = refused("a = 1\n  b = __import__")
    assert (e.line, e.column) == (2, 7)
    assert "'__import__' is not allowed: names are letters, digits and _" in e.message


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ("x = 1; x = 2", 1, 8, "already assigned on line 1"),
    ("q = x; x = 3", 1, 8, "already used as an input variable (line 1, column 5)"),
    ("f = x + 1\ng = f * y;  h = g + ", 2, 20, "syntax error"),
    ("exp(x, y)", 1, 1, "exp takes 1 argument, got 2"),
    ("max(x)", 1, 1, "max takes 2 arguments, got 1"),
    ("add(x)", 1, 1, "add takes two or more arguments, got 1"),
    ("x.y", 1, 3, "'.y' is not allowed: the only attribute is .T"),
    ("(x   +\n (y < z))", 2, 3, "comparisons cannot be used here"),
    ("exp(x=1)", 1, 5, "keyword arguments are not allowed"),
    ("1e400 * x", 1, 1, "number too large"),
    ("x % 2", 1, 1, "operator '%' is not allowed; allowed operators: + - * / ** @"),
    ("(x + y", 1, 1, "'(' is never closed"),
    ("x + y)", 1, 6, "unmatched ')'"),
    ("(x + y]", 1, 7, "']' does not match '('"),
    ("x = 'a'", 1, 5, "strings are not allowed"),
    ("x + \\\ny", 1, 5, "backslashes are not allowed"),
    ("x +\n y \u00e9", 2, 4, "character U+00E9 is not allowed"),
    ("a = b = x", 1, 5, "assign one name at a time"),
    ("x += 1", 1, 1, "augmented assignment"),
    ("x + 1 = y", 1, 1, "syntax error"),
    ("a = 1\nb = 3x", 2, 6, "runs straight into a name"),
])
def test_error_positions(text: str, line: int, column: int, words: str) -> None:
    e = refused(text)
    assert (e.line, e.column) == (line, column), e.message
    assert words in e.message
    assert e.message.startswith(f"line {line}, column {column}: ")


def test_empty_program() -> None:
    for text in ["", "   ", "\n\t\n", ";;", "# only a comment"]:
        e = refused(text)
        assert "empty" in e.message and (e.line, e.column) == (1, 1)


def test_limits_are_configurable() -> None:
    assert "too many statements: at most 3" in refused("a = x; b = a; c = b; d = c",
                                               ExpressionLimits(max_statements=3)).message
    assert "nested too deeply" in refused("-(-(-x))", ExpressionLimits(max_depth=3)).message
    assert "nested brackets" in refused("(((x)))", ExpressionLimits(max_depth=2)).message
    assert "too long" in refused("x + y + z", ExpressionLimits(max_nodes=4)).message
    assert "characters long" in refused("x + y", ExpressionLimits(max_length=4)).message
    parse_expression("-" * 150 + "x")  # under the default depth: fine
    assert "nested too deeply" in refused("-" * 250 + "x").message


def test_limits_are_frozen() -> None:
    with pytest.raises(AttributeError):
        ExpressionLimits().max_length = 1  # type: ignore[misc]


def test_the_builder_modules_never_evaluate_text() -> None:
    import re

    root = Path(__file__).parent.parent / "app" / "builders"
    for name in ["expression.py", "expression_ast.py", "expression_syntax.py", "graph_json.py"]:
        src = (root / name).read_text()
        assert not re.search(r"\b(eval|exec|compile|getattr|literal_eval|sympify|__import__)\s*\(",
                             src), name
