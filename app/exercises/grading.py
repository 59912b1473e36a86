"""Marking one answer: the digits the learner typed decide how close it must be.

An answer is a number, or a string of a decimal number (``"0.0820"``: a string keeps the digits
typed, trailing zeros included, which a JSON number loses), or a list of them (a vector), or a
list of lists (a matrix, row by row). A number is RIGHT when

- it is within a relative 1e-3 of the expected value (so ``1`` for 1, ``-4`` for -4, ``0.2413``
  for 0.24130070857), or
- it has at least two significant digits and is within half a unit of its last digit: the
  expected value rounded to the digits typed (``0.082`` and ``0.0822`` for 0.08217),

whichever is looser. One significant digit is not enough (``0.08`` for 0.08217 is wrong): a
rounding that coarse says little about the chain rule. An array is right when it has the
expected shape (the gradient has the variable's shape) and every entry is right. An update w+
must also be nearer to w+ than to w: ``0.15`` is w1 = 0.15, not w1+ = 0.1498.

    >>> accepts(typed("0.082"), 0.08217), accepts(typed("0.08"), 0.08217)
    (True, False)
    >>> accepts(typed(0.0822), 0.08217), accepts(typed("-4"), -4.0)
    (True, True)

The same rule says which numbers a hint must not show: any number the checker would accept as
the answer, or its two-digit rounding with the zero dropped (:func:`leaks`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.graph.ops import Array

REL = 1e-3
MIN_DIGITS = 2
_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
# a number in a hint: digits not part of a name (w5, w_5, E_{o_1}, mul#1), with the power of
# ten the document writes beyond 1e-4 <= |x| < 1e6 (4.386 \times 10^{-5}, or 4.386×10⁻⁵ in text)
_TOKEN = re.compile(r"(?<![A-Za-z_#\d.])(?<!_\{)(\d+(?:\.\d+)?)"
                    r"(?:\s*(?:\\times\s*|×)10(?:\^\{(-?\d+)\}|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?")
_SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")

Raw = str | int | float
RawAnswer = Raw | Sequence[Raw] | Sequence[Sequence[Raw]]


class ExerciseError(ValueError):
    """A request the exercise cannot mark (unknown key, ragged list, infinite number): a 422
    that names the ``field``."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Typed:
    """A number as typed: its value, the power of ten of its last digit (0.082: -3) and how
    many significant digits it has (0.082: 2)."""

    value: float
    place: int
    digits: int


def typed(raw: Raw) -> Typed:
    """Read a number as the learner typed it. A JSON number arrives as a float: its shortest
    representation (repr) is what was typed, but for trailing zeros. ValueError if it is not a
    finite decimal number."""
    if isinstance(raw, bool):
        raise ValueError("true/false is not a number")
    text = raw if isinstance(raw, str) else str(raw) if isinstance(raw, int) else repr(raw)
    m = _NUMBER.fullmatch(text)
    if m is None or not (m.group(2) or m.group(3)):
        raise ValueError(f"{text[:40]!r} is not a decimal number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]!r} is not a finite number")
    whole, part, exp = m.group(2), m.group(3) or "", int(m.group(4) or 0)
    return Typed(value, exp - len(part), len((whole + part).lstrip("0")))


def accepts(answer: Typed, expected: float) -> bool:
    """Whether ``answer`` is right for ``expected`` (the rule in the module docstring)."""
    # both bounds are inclusive; the factor 1 + 1e-9 absorbs the binary rounding of decimals
    # (0.999 - 1 is 0.0010000000000000009 in float64)
    err = abs(answer.value - expected) / (1 + 1e-9)
    if err <= REL * abs(expected):
        return True
    # the place is capped where 10.0 ** place would overflow ("0e400" is a finite zero)
    return answer.digits >= MIN_DIGITS and err <= 0.5 * 10.0 ** min(answer.place, 300)


def shape_of(raw: RawAnswer, field: str) -> tuple[int, ...]:
    """The shape of an answer: () for a number, (n,) for a list, (rows, cols) for a list of
    rows; ExerciseError for ragged rows or an empty list."""
    if not isinstance(raw, list):
        return ()
    if not raw:
        raise ExerciseError(f"{field}: an empty list is not an answer", field)
    rows = [len(r) if isinstance(r, list) else -1 for r in raw]
    if all(n == -1 for n in rows):
        return (len(raw),)
    if any(n != rows[0] for n in rows) or rows[0] <= 0:
        raise ExerciseError(f"{field}: a matrix is a list of rows of one length", field)
    return (len(raw), rows[0])


def _flat(raw: RawAnswer) -> list[Raw]:
    if not isinstance(raw, list):
        return [raw]  # type: ignore[list-item]
    return [x for r in raw for x in (r if isinstance(r, list) else [r])]


def parse(raw: RawAnswer, field: str) -> tuple[tuple[int, ...], list[Typed]]:
    """An answer's shape and its numbers as typed, row by row; ExerciseError if malformed."""
    shape = shape_of(raw, field)
    try:
        return shape, [typed(x) for x in _flat(raw)]
    except ValueError as e:
        raise ExerciseError(f"{field}: {e}", field) from None


def judge(answer: tuple[tuple[int, ...], list[Typed]], expected: Array,
          before: Array | None = None) -> str | None:
    """None when the answer is right, else why not: "shape" or "value". ``before`` (an
    update's value before the step) must be farther from each entry than the expected value:
    w+ = w - alpha * grad is often w to two digits (0.15 for w1+ = 0.1498), and answering w
    says nothing about the update."""
    shape, numbers = answer
    if shape != expected.shape:
        return "shape"
    olds = [None] * expected.size if before is None else [float(b) for b in before.ravel()]
    for a, e, old in zip(numbers, expected.ravel(), olds, strict=True):
        if not accepts(a, float(e)) or (old is not None and abs(a.value - old)
                                        <= abs(a.value - float(e))):
            return "value"
    return None


def leaks(text: str, expected: Array) -> bool:
    """Whether ``text`` shows the answer, or one entry of it, whatever its sign: a number the
    checker would accept, or the two-digit rounding with its trailing zero dropped (0.2 for
    0.2009: the hint of w+ must not show w when w+ rounds to it). The digits of a name (w5,
    w_5, E_{o_1}, mul#1) are not numbers."""
    targets = [abs(float(e)) for e in np.ravel(expected)]
    for mantissa, power, superscript in _TOKEN.findall(text):
        exponent = power or superscript.translate(_SUPERSCRIPTS)
        t = typed(f"{mantissa}e{exponent}" if exponent else mantissa)
        padded = Typed(t.value, t.place - (MIN_DIGITS - t.digits), MIN_DIGITS)
        if any(accepts(t, e) or (0 < t.digits < MIN_DIGITS and accepts(padded, e))
               for e in targets):
            return True
    return False
