"""app.explain.templates: op templates filled with names, checked against strings by hand."""

from __future__ import annotations

import pytest

from app.explain.templates import fill
from app.graph.ops import REGISTRY


def test_a_variadic_sum_shows_every_input() -> None:
    # the seed's z1 has three terms; the page used to drop + b1
    add = REGISTRY["add"].latex
    assert fill(add, ["w_1 x_1", "w_2 x_2", "b_1"], variadic=True) == "w_1 x_1 + w_2 x_2 + b_1"
    assert fill(add, ["a", "b", "c", "d"], variadic=True) == "a + b + c + d"
    stack = REGISTRY["stack"].latex
    assert fill(stack, ["o_1", "o_2", "o_3"], variadic=True) == "\\left[o_1, o_2, o_3\\right]"


@pytest.mark.parametrize(
    ("op", "ins", "tex"),
    [("mul", ["w_5", "h_1"], "w_5 h_1"),  # the seed writes a product by juxtaposition
     ("mul", ["x", "2"], "x \\cdot 2"),  # ... but never x 2
     ("mul", ["x + y", "z"], "\\left(x + y\\right) z"),
     ("sub", ["a", "b - c"], "a - \\left(b - c\\right)"),
     ("add", ["a", "-b"], "a + \\left(-b\\right)"),
     ("add", ["-a", "b"], "-a + b"),
     ("neg", ["x + y"], "-\\left(x + y\\right)"),
     ("pow", ["o_1^{(2)}", "2"], "{o_1^{(2)}}^{2}"),  # no double superscript
     ("pow", ["w x", "2"], "\\left(w x\\right)^{2}"),
     ("div", ["x + y", "z - 1"], "\\frac{x + y}{z - 1}"),
     ("sigmoid", ["x + y"], "\\sigma(x + y) = \\frac{1}{1 + e^{-\\left(x + y\\right)}}")],
)
def test_operands_are_bracketed_where_the_meaning_needs_it(op: str, ins: list[str],
                                                            tex: str) -> None:
    assert fill(REGISTRY[op].latex, ins) == tex


def test_a_constant_exponent_is_worked_out() -> None:
    # d/dq q^2 = 2 q (the seed's grad_q f = 2q), not 2 q^{2 - 1}
    d = REGISTRY["pow"].dlatex_for(0)
    assert fill(d, ["q", "2"], consts=[None, 2.0]) == "2 q"
    assert fill(d, ["q", "3"], consts=[None, 3.0]) == "3 q^{2}"
    assert fill(d, ["q", "n"]) == "n \\, q^{n - 1}"
