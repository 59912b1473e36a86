"""Forwards and partial derivatives written to keep float64's range and precision.

The textbook form of a derivative can lose what float64 could hold: b a^(b-1) at a = b = 0 is
0 · inf (the derivative of the constant x^0 is 0); alpha (e^x - 1) + alpha cancels to 0 at
x = -40 (the derivative is alpha e^-40); -a / (b b) overflows at b = 1e200 (the derivative is
-1e-200); 1 - tanh(x)^2 and y (1 - y) for the sigmoid are 0 beyond |x| ~ 20 and 37. Each form
below gives the true derivative within a few ulps wherever it is a float64, and a non-finite
number only where it is infinite or undefined (tests/test_ops_precision.py holds every op to
that against mpmath). Callers silence numpy's floating-point warnings (np.where evaluates both
sides); the executors run under np.errstate(all="ignore") and check results instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.graph.ops.core import Array

TINY = np.finfo(np.float64).tiny  # the smallest normal float64, 2.2e-308
HUGE = np.finfo(np.float64).max


def div_partials(a: Array, b: Array, y: Array) -> tuple[Array, Array]:
    """d/da a/b = 1/b; d/db a/b = -a/b^2: as -a/(b b) while b b is a normal number, else as
    -(a/b)/b = -y/b (|b| > 1.3e154 or < 1.5e-154, where the quotient y is normal or the true
    derivative rounds to 0 anyway)."""
    bb = b * b
    fine = (bb >= TINY) & (bb <= HUGE)
    return 1.0 / b, np.where(fine, -a / bb, -(y / b))


def pow_partials(a: Array, b: Array, y: Array) -> tuple[Array, Array]:
    """d/da a^b = b a^(b-1) and d/db a^b = a^b ln a, with y = a^b.

    d/da: while y is a normal number, b (y/a) (or (b y)/a where y/a overflows: a tiny a and
    |b| < 1): one rounding more than y. Where y is subnormal or 0, a^(b-1) can
    still be normal: k k with k = |a|^((b-1)/2) for 0.5 <= b <= 2 (b - 1 is then exact), else
    h (h/|a|) with h = |a|^(b/2), signed as a^(b-1). At a = 0, b a^(b-1) itself (0, 1 or inf);
    at b = 0 the derivative of the constant a^0 = 1 is 0, also at a = 0 (not 0 · inf).
    d/db: y ln a while y is normal, else h (h ln a). For a < 0 it is undefined (NaN); at a = 0
    it is taken as 0: its limit for b > 0, and PyTorch's value at b = 0 too.
    """
    abs_a = np.abs(a)
    normal = np.abs(y) >= TINY
    q = y / a
    via_y = np.where(np.abs(q) <= HUGE, b * q, (b * y) / a)
    k = np.power(abs_a, (b - 1.0) / 2)
    h = np.power(abs_a, b / 2)
    mag = np.where((b >= 0.5) & (b <= 2), k * k, h * (h / abs_a))
    via_h = b * np.where(np.signbit(y) != np.signbit(a), -mag, mag)
    at_zero = b * np.power(a, b - 1.0)
    da = np.where(b == 0, 0.0, np.where(a == 0, at_zero, np.where(normal, via_y, via_h)))
    log_a = np.log(a)  # NaN for a < 0: undefined
    db = np.where(a == 0, 0.0, np.where(normal, y * log_a, h * (h * log_a)))
    return da, db


def sigmoid(a: Array) -> Array:
    """1 / (1 + e^-a), as the seed writes it, for a >= 0; the same number as e^a / (1 + e^a)
    for a < 0, where e^-a would overflow and give 0 instead of a subnormal result."""
    e = np.exp(-np.abs(a))
    out: Array = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out


def sigmoid_partial(a: Array, y: Array) -> Array:
    """sigma'(a) = y (1 - y) = sigma(a) sigma(-a): 1 - y rounds to 0 for a > 37, sigma(-a) does
    not."""
    return y * sigmoid(-a)


def tanh_partial(a: Array) -> Array:
    """tanh'(a) = 1 - tanh(a)^2 = (1 / cosh a)^2: the first cancels (to 0 beyond |a| ~ 19),
    the second keeps every digit down to the subnormals (cosh overflows only where the
    derivative is below them)."""
    out: Array = (1.0 / np.cosh(a)) ** 2
    return out


def elu_partial(a: Array, alpha: float) -> Array:
    """d/da elu = 1 for a > 0, alpha e^a for a <= 0 (not y + alpha, which cancels)."""
    out: Array = np.where(a > 0, 1.0, alpha * np.exp(np.minimum(a, 0.0)))
    return out


def two_sum(a: Array, b: Array) -> tuple[Array, Array]:
    """s = fl(a + b) and its rounding error e, so that a + b = s + e exactly (Knuth's TwoSum,
    TAOCP vol. 2, 4.2.2; valid wherever a + b does not overflow)."""
    s = a + b
    bp = s - a
    ap = s - bp
    return s, (a - ap) + (b - bp)


def softmax_rows(z: Array) -> tuple[Array, Array, Array]:
    """log softmax(z) and softmax(z) by rows, each within a few ulps, and where each row's
    first maximum is.

    Shifted by the row maximum (exp cannot overflow): s_j = z_j - max is rounded, so its exact
    error e_j is kept (two_sum) and e^(s_j + e_j) taken as e^s_j e^e_j; otherwise the rounding
    of s_j, up to 6e-14 at s_j = -700, would be p_j's relative error. The maximum's own term is
    exactly 1, so log sum_j e^(s_j) = log1p(the others' sum) (log(1 + 4e-18) would be 0).
    """
    top = np.arange(z.shape[-1]) == z.argmax(axis=-1)[..., None]
    s, e = two_sum(z, -z.max(axis=-1, keepdims=True))
    # the correction matters where e^s is a float64 (|s| < 745, |e| < 6e-14); beyond, e can be
    # huge (|z| ~ 1e300) or NaN (a spread beyond 1e308, s = -inf) while p rounds to 0 anyway
    e = np.where(np.abs(s) < 800, e, 0.0)
    others = np.where(top, 0.0, np.exp(s) * np.exp(e)).sum(axis=-1, keepdims=True)
    lse = np.log1p(others)
    return s + (e - lse), np.exp(s) * np.exp(e - lse), top


def sum_of_others(x: Array, top: Array | None = None) -> Array:
    """For each entry of a row of non-negative numbers, the sum of the row's other entries:
    (row sum) - x_k, except for the row's largest entry (``top``: where it is), whose others
    are summed directly (the difference would cancel: 1 + 2e-41 - 1 = 0)."""
    if top is None:
        top = np.arange(x.shape[-1]) == x.argmax(axis=-1)[..., None]
    total = x.sum(axis=-1, keepdims=True)
    out: Array = np.where(top, np.where(top, 0.0, x).sum(axis=-1, keepdims=True), total - x)
    return out


def margin_sign(a: Array, b: Array) -> Array:
    """The sign of a - b + 1, exactly (a hinge margin: which side of the kink it is on), where
    the rounded (a - b) + 1 can be 0 for a true margin of 2e-82: as a double-double sum."""
    d, e1 = two_sum(a, -b)
    m, e2 = two_sum(d, np.ones_like(d))
    out: Array = np.where(m != 0, np.sign(m), np.sign(e1 + e2))
    return out


def _exponent(x: Array, axis: int | None = None) -> npt.NDArray[np.int32]:
    """The binary exponent k of the largest |x| (along ``axis``): 2^-k x has no entry above 1."""
    big = np.abs(x).max(axis=axis, keepdims=axis is not None, initial=0.0)
    k: npt.NDArray[np.int32] = np.frexp(big)[1]
    return k


def matmul(a: Array, b: Array) -> Array:
    """a @ b, also where a product of entries overflows but the result does not (1e230 · 1e79
    - 1e79 · 1e230 = 0): there, each row of a and each column of b is scaled by a power of two
    (exactly) so that no entry exceeds 1, multiplied, and scaled back (ldexp: exact, or an
    overflow only where the result is not a float64)."""
    out = np.asarray(a @ b, dtype=np.float64)
    if np.isfinite(out).all() or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return out
    a2, b2 = np.atleast_2d(a), b.reshape(b.shape[0], -1)
    ka, kb = _exponent(a2, axis=1), _exponent(b2, axis=0)
    scaled = np.ldexp(a2, -ka) @ np.ldexp(b2, -kb)
    return np.asarray(np.ldexp(scaled, ka + kb), dtype=np.float64).reshape(out.shape)


def total(x: Array, mean: bool = False) -> Array:
    """x.sum() (or x.mean()), also where a partial sum overflows but the total does not
    (1e308 + 1e308 - 1e308): then of 2^-k x, scaled back."""
    out = np.asarray(x.mean() if mean else x.sum(), dtype=np.float64)
    if np.isfinite(out) or not np.isfinite(x).all():
        return out
    k = _exponent(x) + 2
    part = np.ldexp(x, -k)
    return np.asarray(np.ldexp(part.mean() if mean else part.sum(), k), dtype=np.float64)


def add(*xs: Array) -> Array:
    """x0 + x1 + ... left to right; where that overflows but the sum does not, the sum of the
    terms scaled by 2^-k, scaled back. Element by element, so a vector call gives each element
    its scalar result."""
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    if len(xs) == 2 or np.isfinite(out).all():
        return out
    k = np.maximum.reduce([np.frexp(np.abs(x))[1] for x in xs]) + 2  # each element's own
    part = np.ldexp(xs[0], -k)
    for x in xs[1:]:
        part = part + np.ldexp(x, -k)
    return np.where(np.isfinite(out), out, np.ldexp(part, k))
