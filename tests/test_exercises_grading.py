"""The digits rule, answers' shapes, and what counts as a hint giving the answer away."""

from __future__ import annotations

import numpy as np
import pytest

from app.exercises.grading import ExerciseError, accepts, judge, leaks, parse, shape_of, typed


@pytest.mark.parametrize(("text", "value", "place", "digits"), [
    ("0.082", 0.082, -3, 2), ("0.0820", 0.082, -4, 3), ("-4", -4.0, 0, 1), ("+12.50", 12.5, -2, 4),
    (".5", 0.5, -1, 1), ("5.", 5.0, 0, 1), ("8.2e-2", 0.082, -3, 2), ("1E3", 1000.0, 3, 1),
    ("0", 0.0, 0, 0), ("00.0300", 0.03, -4, 3), (0.0822, 0.0822, -4, 3), (-4, -4.0, 0, 1),
    (1e-05, 1e-05, -5, 1), (120.0, 120.0, -1, 4),
])
def test_typed_reads_the_digits(text: object, value: float, place: int, digits: int) -> None:
    t = typed(text)  # type: ignore[arg-type]
    assert (t.value, t.place, t.digits) == (value, place, digits)


@pytest.mark.parametrize("bad", ["", ".", "+", "-", "abc", "1.2.3", "0x10", "1,5", " 1", "1 ",
                                 "nan", "inf", "1e999", "-1e400", "1e", "e5", True, False,
                                 float("nan"), float("inf")])
def test_typed_refuses_what_is_not_a_finite_decimal(bad: object) -> None:
    with pytest.raises(ValueError):
        typed(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("answer", "expected", "right"), [
    ("0.08", 0.08217, False),  # one significant digit: too coarse
    ("0.082", 0.08217, True), ("0.0822", 0.08217, True), ("0.08217", 0.08217, True),
    ("0.0820", 0.08217, False), ("0.0823", 0.08217, False),
    ("0.08225", 0.08217, True),  # 8e-5 off: within the relative 1e-3 (8.2e-5)
    ("0.08227", 0.08217, False),
    ("-0.082", 0.08217, False),
    ("1", 1.0, True), ("1.0", 1.0, True), ("0.999", 1.0, True), ("0.998", 1.0, False),
    ("-4", -4.0, True), ("-3.996", -4.0, True), ("-4.1", -4.0, False),
    ("0", 0.0, True), ("0.000", 0.0, True), ("0.001", 0.0, False), ("-0", 0.0, True),
    ("0", 0.0003, False), ("0.0003", 0.0003, True), ("0.00044", 0.0004386, True),
    ("0.15", 0.1497807, True),  # 2 digits: 0.1497807 rounds to 0.15
    ("0.149", 0.1497807, False), ("0.1498", 0.1497807, True),
    ("0e400", 0.0, True), ("0e400", 1.0, False),  # a zero far out: no overflow
])
def test_the_digits_rule(answer: str, expected: float, right: bool) -> None:
    assert accepts(typed(answer), expected) is right


def test_shapes_and_marking() -> None:
    assert shape_of(1.5, "k") == () and shape_of([1, "2"], "k") == (2,)
    assert shape_of([[1, 2], [3, 4], [5, 6]], "k") == (3, 2)
    for bad in ([], [[1, 2], [3]], [[1], 2], [[]]):
        with pytest.raises(ExerciseError) as e:
            shape_of(bad, "answers.grad:W")  # type: ignore[arg-type]
        assert e.value.field == "answers.grad:W"
    with pytest.raises(ExerciseError, match=r"answers\.k: 'x' is not a decimal number"):
        parse([1, "x"], "answers.k")
    w = np.array([[0.088, 0.176], [0.104, 0.208]])
    assert judge(parse([["0.088", "0.176"], ["0.104", "0.208"]], "k"), w) is None
    assert judge(parse([["0.088", "0.176"], ["0.104", "0.21"]], "k"), w) is None
    assert judge(parse([["0.088", "0.176"], ["0.104", "0.2"]], "k"), w) == "value"
    assert judge(parse([[0.088, 0.104], [0.176, 0.208]], "k"), w) == "value"  # transposed
    assert judge(parse([0.088, 0.176, 0.104, 0.208], "k"), w) == "shape"
    assert judge(parse(0.088, "k"), w) == "shape"
    assert judge(parse([0.5], "k"), np.array(0.5)) == "shape"


@pytest.mark.parametrize(("text", "expected", "leak"), [
    ("h_1 = 0.5933", 0.5932699, True), ("h_1 = 0.5933", 0.1385, False),
    ("= 0.08", 0.08217, False),  # not a rounding that keeps two digits
    ("= 0.082", 0.08217, True), ("= -0.0822", 0.08217, True),  # the sign is no disguise
    ("w_5 = 0.2", -0.2009, True),  # 0.20 with its zero dropped
    ("1 - h_2^2", 0.58, False), ("1 - h_2^2", 1.0, True), ("x_{1}", 1.0, False),
    ("w_1 x_1 + b_1", 1.0, False), ("E_{o_1}", 1.0, False), ("mul#1", 1.0, False),
    ("w1 = 3", 1.0, False), ("[z_3 > 0]", 0.0, True), ("[z_3 > 0]", 3.0, False),
    ("\\frac{1}{2}", 0.5, False), ("q^{2}", 2.0, True),
    ("= 4.386 \\times 10^{-5}", 0.000043857, True), ("= 4.386×10⁻⁵", 0.000043857, True),
    ("= 4.386 \\times 10^{-5}", 4.386, False), ("= 4.386 \\times 10^{-5}", 0.0004386, False),
    ("= 1.5 \\times 10^{6}", 1_500_000.0, True), ("10^{-5}", 10.0, True),
])
def test_leaks(text: str, expected: float, leak: bool) -> None:
    assert leaks(text, np.asarray(expected)) is leak


def test_leaks_looks_at_every_entry() -> None:
    assert leaks("x = [0.2, 0.4]", np.array([[0.088, 0.176], [0.104, 0.4]]))
    assert not leaks("x = [0.2, 0.5]", np.array([[0.088, 0.176], [0.104, 0.4]]))


def test_an_update_must_be_nearer_the_new_value_than_the_old() -> None:
    after, before = np.array(0.1497807), np.array(0.15)  # the seed's w1+ and w1
    assert judge(parse("0.15", "k"), after) is None  # right to two digits...
    assert judge(parse("0.15", "k"), after, before) == "value"  # ...but it is w1 itself
    assert judge(parse("0.1498", "k"), after, before) is None
    assert judge(parse("0.14978", "k"), after, before) is None
    # a tiny step: the exact new value is still nearer to itself than to the old one
    assert judge(parse("0.99999", "k"), np.array(0.99999), np.array(1.0)) is None
    assert judge(parse("1", "k"), np.array(0.99999), np.array(1.0)) == "value"
