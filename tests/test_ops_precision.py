"""Every registered op's value and gradient against a high-precision reference (mpmath).

Each op runs alone through the engine (its output seeded with ones where it is not a scalar)
on inputs spanning 1e-300 to 1e300 in magnitude, both signs, zeros, subnormals and each op's
kinks and special points. The reference is the op's mathematics evaluated by mpmath at 40
digits (sums of float64s exactly, as fractions), with the op's documented conventions at kinks
and special points (relu'(0) = 0, 0^0 = 1...). Wherever the true value and every gradient
are float64 numbers, the engine must give them within a few ulps (a sum within the error bound
of floating-point summation, n u sum|terms|, Higham 2002 eq. 4.4, since rounding each term
cannot do better); wherever one is infinite, undefined or beyond float64's range, the engine
must refuse with a numeric error naming the op's node.

Registering an op without a reference here fails test_every_op_has_a_reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.graph import REGISTRY
from app.graph.engine import run
from app.graph.ir import GraphError, Node, make_graph

mp.mp.dps = 40
ULPS = 4  # allowed distance, in units in the last place of the true value
U = 2.0**-53
MAX = mp.mpf(np.finfo(np.float64).max)
NAN = mp.nan
Obj = Any  # an mpf, or a numpy object array of them


# --- inputs -----------------------------------------------------------------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 3.0, 40.0, -40.0, 700.0, -710.0, 1e-310,
           -1e-310, 1e300, -1e300, 1e-300]
WIDE = st.one_of(
    st.builds(lambda s, e, m: s * m * 10.0**e, st.sampled_from([1.0, -1.0]),
              st.integers(-300, 299), st.floats(1.0, 10.0, exclude_max=True)),
    st.sampled_from(SPECIAL),
    st.floats(-50, 50),
)
POSITIVE = WIDE.map(abs)
EXPONENT = st.one_of(WIDE, st.integers(-6, 6).map(float), st.sampled_from([0.5, 1.5, 1e-17]))


def arrays(shape: tuple[int, ...], elems: st.SearchStrategy[float] = WIDE) -> Any:
    n = int(np.prod(shape)) if shape else 1
    return st.lists(elems, min_size=n, max_size=n).map(lambda xs: np.array(xs).reshape(shape))


def scalars(n: int, elems: st.SearchStrategy[float] = WIDE) -> Any:
    return st.tuples(*[elems.map(np.asarray) for _ in range(n)])


def one_hot(shape: tuple[int, ...]) -> Any:
    rows = shape[0] if len(shape) == 2 else 1
    ks = st.lists(st.integers(0, shape[-1] - 1), min_size=rows, max_size=rows)
    return ks.map(lambda k: np.eye(shape[-1])[k].reshape(shape))


def loss_inputs(onehot: bool) -> Any:
    def make(shape: tuple[int, ...]) -> Any:
        return st.tuples(arrays(shape), one_hot(shape) if onehot else arrays(shape))

    return st.sampled_from([(3,), (2, 3)]).flatmap(make)


# --- the reference ------------------------------------------------------------------------------

def mpf(x: Any) -> Obj:
    """float64 array -> object array of exact mpf (or an mpf for a 0-d array)."""
    out = np.vectorize(lambda v: mp.mpf(float(v)), otypes=[object])(np.asarray(x))
    return out[()] if out.ndim == 0 else out


def exact_sum(terms: Sequence[Any]) -> Obj:
    """The exact sum of float64 numbers or exact products of two (as fractions), rounded once."""
    total = sum((Fraction(t) if not isinstance(t, Fraction) else t for t in terms), Fraction(0))
    return mp.mpf(total.numerator) / total.denominator


def fr(x: float) -> Fraction:
    return Fraction(float(x))


@dataclass(frozen=True)
class Ref:
    """inputs: a strategy for the op's input arrays; value(ins) -> (value, [grad per input])
    as mpf / object arrays (NAN where undefined, +-inf where infinite); sums: for each of
    value and grads, None or (number of terms, sum of |terms|) arrays for the error bound."""

    inputs: Any
    value: Callable[[Sequence[np.ndarray]], tuple[Obj, list[Obj]]]
    sums: Callable[[Sequence[np.ndarray]], list[Any]] | None = None
    specials: tuple[tuple[float, ...], ...] = ()


def sign(x: Any) -> Any:
    return (x > 0) - (x < 0)


def ref_pow(a: Any, b: Any) -> tuple[Obj, list[Obj]]:
    a, b = mp.mpf(a), mp.mpf(b)
    integer = b == mp.floor(b)
    if a < 0 and not integer:
        return NAN, [NAN, NAN]
    if a == 0:
        value = mp.mpf(1) if b == 0 else (mp.mpf(0) if b > 0 else mp.inf)
        da = 0 if b == 0 else (0 if b > 1 else (1 if b == 1 else mp.inf))
        return value, [mp.mpf(da), mp.mpf(0)]  # d/db at a = 0: the convention 0
    value = mp.power(abs(a), b) * (-1 if a < 0 and int(b) % 2 else 1)
    da = 0 if b == 0 else b * value / a
    db = value * mp.log(a) if a > 0 else NAN
    return value, [mp.mpf(da), db]


def ref_sigmoid(x: Any) -> tuple[Obj, list[Obj]]:
    x = mp.mpf(x)
    e = mp.exp(-abs(x))
    s = 1 / (1 + e) if x >= 0 else e / (1 + e)
    return s, [e / (1 + e) ** 2]


def elementwise(f: Callable[..., tuple[Obj, list[Obj]]], n: int,
                elems: Sequence[Any] | None = None, specials: tuple[tuple[float, ...], ...] = ()
                ) -> Ref:
    strategy = st.tuples(*[(elems[i] if elems else WIDE).map(np.asarray) for i in range(n)])
    return Ref(strategy, lambda ins: f(*[mp.mpf(float(x)) for x in ins]), specials=specials)


def _ref_matmul(ins: Sequence[np.ndarray]) -> tuple[Obj, list[Obj]]:
    a, b = ins
    a2, b2 = np.atleast_2d(a), b.reshape(b.shape[0], -1)
    out = np.empty((a2.shape[0], b2.shape[1]), dtype=object)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = exact_sum([fr(a2[i, k]) * fr(b2[k, j]) for k in range(a2.shape[1])])
    out = out.reshape(np.empty(a.shape[:-1] + b.shape[1:]).shape)
    # g = ones: grad_a = g b^T (row sums of b), grad_b = a^T g (column sums of a)
    ga = np.array([exact_sum([fr(v) for v in b2[k]]) for k in range(b2.shape[0])],
                  dtype=object)
    gb = np.array([exact_sum([fr(v) for v in a2[:, k]]) for k in range(a2.shape[1])],
                  dtype=object)
    ga = np.broadcast_to(ga, a2.shape).reshape(a.shape)
    gb = np.broadcast_to(gb[:, None], b2.shape).reshape(b.shape)
    return (out[()] if out.ndim == 0 else out), [ga, gb]


def _sums_matmul(ins: Sequence[np.ndarray]) -> list[Any]:
    a, b = ins
    a2, b2 = np.atleast_2d(a), b.reshape(b.shape[0], -1)
    with np.errstate(over="ignore"):
        value = (a2.shape[1], (np.abs(a2) @ np.abs(b2)).reshape(a.shape[:-1] + b.shape[1:]))
    ga = (b2.shape[1], np.broadcast_to(np.abs(b2).sum(axis=1), a2.shape).reshape(a.shape))
    gb = (a2.shape[0], np.broadcast_to(np.abs(a2).sum(axis=0)[:, None], b2.shape)
          .reshape(b.shape))
    return [value, ga, gb]


def _rows(x: np.ndarray) -> int:
    return x.shape[0] if x.ndim == 2 else 1


def _ref_half_sse(ins: Sequence[np.ndarray]) -> tuple[Obj, list[Obj]]:
    o, t = ins
    rows = _rows(o)
    value = exact_sum([(fr(b) - fr(a)) ** 2 for a, b in zip(o.ravel(), t.ravel(), strict=True)])
    d = np.vectorize(lambda a, b: exact_sum([fr(b), -fr(a)]) / rows, otypes=[object])(o, t)
    return value / 2 / rows, [-d, d]


def _ref_mse(ins: Sequence[np.ndarray]) -> tuple[Obj, list[Obj]]:
    value, (do, dt) = _ref_half_sse(ins)
    n, rows = ins[0].size, _rows(ins[0])
    return value * 2 * rows / n, [do * 2 * rows / n, dt * 2 * rows / n]


def _sums_loss(ins: Sequence[np.ndarray]) -> list[Any]:
    o, t = ins
    with np.errstate(over="ignore"):
        return [(o.size, ((t - o) ** 2).sum()), None, None]


def _ref_ce(ins: Sequence[np.ndarray]) -> tuple[Obj, list[Obj]]:
    z, t = (np.atleast_2d(x) for x in ins)
    rows = z.shape[0]
    value, dz, dt = mp.mpf(0), np.empty(z.shape, dtype=object), np.empty(z.shape, dtype=object)
    for r in range(rows):
        zr = [mp.mpf(float(v)) for v in z[r]]
        k_top = int(np.argmax(z[r]))
        # log sum_j e^(z_j - top) = log1p(sum over the others): exact math, and no 1 + 1e-26
        # for 40 digits to lose
        rest_lse = mp.log1p(mp.fsum(mp.exp(v - zr[k_top]) for j, v in enumerate(zr)
                                    if j != k_top))
        logp = [(v - zr[k_top]) - rest_lse for v in zr]
        p = [mp.exp(v) for v in logp]
        for k in range(len(zr)):
            tk = mp.mpf(float(t[r, k]))
            others = exact_sum([fr(v) for j, v in enumerate(t[r]) if j != k])  # S - t_k
            rest = mp.fsum(p[j] for j in range(len(zr)) if j != k)  # 1 - p_k, exactly
            dz[r, k] = (p[k] * others - tk * rest) / rows
            dt[r, k] = -logp[k] / rows
            value -= 0 if tk == 0 else tk * logp[k] / rows
    return value, [dz.reshape(ins[0].shape), dt.reshape(ins[0].shape)]


def _probabilities(pair: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A probability target: each row of |t| over its sum (NaN for a row of zeros: dropped)."""
    z, t = pair
    with np.errstate(all="ignore"):
        return z, np.abs(t) / np.abs(t).sum(axis=-1, keepdims=True)


def _sums_ce(ins: Sequence[np.ndarray]) -> list[Any]:
    # a probability target's gradient p_k (S - t_k) - t_k (1 - p_k) is a difference: held to
    # the error bound of its terms (a one-hot target's has one term)
    z, t = ins
    with np.errstate(all="ignore"):
        p = np.exp(z - z.max(axis=-1, keepdims=True))
        p = p / p.sum(axis=-1, keepdims=True)
        logp = np.log(p)
        rows, n = _rows(z), z.shape[-1] + 2
        terms = (p * np.abs(t.sum(axis=-1, keepdims=True) - t) + t * (1 - p)) / rows
        return [(t.size, np.nansum(np.abs(t * logp)) / rows), (n, terms), None]


def _ref_hinge(ins: Sequence[np.ndarray]) -> tuple[Obj, list[Obj]]:
    s, t = (np.atleast_2d(x) for x in ins)
    rows = s.shape[0]
    value, ds = Fraction(0), np.zeros(s.shape, dtype=object)
    for r in range(rows):
        y = int(np.argmax(t[r]))
        for j in range(s.shape[1]):
            m = fr(s[r, j]) - fr(s[r, y]) + 1
            if j != y and m > 0:  # a margin of exactly 0: the derivative 0 (the convention)
                value += m
                ds[r, j] += mp.mpf(1) / rows
                ds[r, y] -= mp.mpf(1) / rows
    zero = np.zeros(ins[1].shape, dtype=object)
    return mp.mpf(value.numerator) / value.denominator / rows, [ds.reshape(ins[0].shape), zero]


def _sums_hinge(ins: Sequence[np.ndarray]) -> list[Any]:
    s = np.atleast_2d(ins[0])
    # each margin (s_j - s_y) + 1 is two roundings, then their sum
    return [(2 * s.shape[1], (2 * np.abs(s).max(axis=1, initial=0) + 1).sum() * s.shape[1]),
            None, None]


def _ref_maxout(ins: Sequence[np.ndarray]) -> tuple[Obj, list[Obj]]:
    z = ins[0]
    a, b = z[..., 0::2], z[..., 1::2]
    grad = np.zeros(z.shape, dtype=object)
    grad[..., 0::2] = np.where(a >= b, 1, 0)  # the first piece at a tie (the convention)
    grad[..., 1::2] = np.where(a >= b, 0, 1)
    return mpf(np.maximum(a, b)), [grad]


def _sums_reduce(ins: Sequence[np.ndarray]) -> list[Any]:
    return [(ins[0].size, np.abs(ins[0]).sum()), None]


SHAPES = st.sampled_from([(3,), (2, 3), ()])
REFERENCES: dict[str, Ref] = {
    "add": Ref(scalars(3), lambda ins: (exact_sum([fr(x) for x in ins]), [mp.mpf(1)] * 3),
               lambda ins: [(3, sum(abs(float(x)) for x in ins)), None, None, None]),
    "sub": elementwise(lambda a, b: (a - b, [mp.mpf(1), mp.mpf(-1)]), 2),
    "mul": elementwise(lambda a, b: (a * b, [b, a]), 2),
    "div": elementwise(lambda a, b: (a / b, [1 / b, -a / b**2]) if b else (NAN, []), 2,
                       specials=((1e200, 1e200), (1.0, 1e-200), (-3.0, 1e160))),
    "pow": elementwise(ref_pow, 2, [WIDE, EXPONENT],
                       specials=((0.0, 0.0), (0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (-2.0, -3.0),
                                 (-2.0, 0.5), (1e-300, 1.08), (1e-160, 2.5), (1e-320, 1.93))),
    "max": elementwise(lambda a, b: (max(a, b), [mp.mpf(a >= b), mp.mpf(a < b)]), 2,
                       specials=((2.0, 2.0), (0.0, -0.0))),
    "min": elementwise(lambda a, b: (min(a, b), [mp.mpf(a <= b), mp.mpf(a > b)]), 2,
                       specials=((2.0, 2.0),)),
    "neg": elementwise(lambda a: (-a, [mp.mpf(-1)]), 1),
    "identity": elementwise(lambda a: (a, [mp.mpf(1)]), 1),
    "exp": elementwise(lambda a: (mp.exp(a), [mp.exp(a)]), 1, specials=((-745.0,), (709.0,))),
    "log": elementwise(lambda a: (mp.log(a), [1 / a]) if a > 0 else (NAN, []), 1),
    "sqrt": elementwise(lambda a: (mp.sqrt(a), [1 / (2 * mp.sqrt(a))] if a else [mp.inf])
                        if a >= 0 else (NAN, []), 1, specials=((0.0,), (5e-324,))),
    "abs": elementwise(lambda a: (abs(a), [mp.mpf(sign(a))]), 1),
    "sigmoid": elementwise(ref_sigmoid, 1, specials=((40.0,), (-720.0,), (720.0,), (37.5,))),
    "tanh": elementwise(lambda a: (mp.tanh(a), [1 / mp.cosh(a) ** 2]), 1,
                        specials=((20.0,), (-360.0,), (3.0,))),
    "relu": elementwise(lambda a: (max(a, 0), [mp.mpf(a > 0)]), 1),
    "leaky_relu": elementwise(lambda a: (a if a > 0 else a / 100,
                                         [mp.mpf(1) if a > 0 else mp.mpf(1) / 100]), 1),
    "elu": elementwise(lambda a: (a if a > 0 else mp.expm1(a),
                                  [mp.mpf(1) if a > 0 else mp.exp(a)]), 1,
                       specials=((-40.0,), (-745.0,))),
    "matmul": Ref(st.sampled_from([((2, 3), (3,)), ((3,), (3, 2)), ((3,), (3,)),
                                   ((2, 3), (3, 2))]).flatmap(
        lambda sh: st.tuples(arrays(sh[0]), arrays(sh[1]))), _ref_matmul, _sums_matmul),
    "transpose": Ref(SHAPES.flatmap(lambda s: st.tuples(arrays(s))),
                     lambda ins: (mpf(ins[0].T), [np.ones(ins[0].shape, dtype=object)])),
    "sum": Ref(SHAPES.flatmap(lambda s: st.tuples(arrays(s))),
               lambda ins: (exact_sum([fr(v) for v in ins[0].ravel()]),
                            [np.ones(ins[0].shape, dtype=object)]), _sums_reduce),
    "mean": Ref(SHAPES.flatmap(lambda s: st.tuples(arrays(s))),
                lambda ins: (exact_sum([fr(v) for v in ins[0].ravel()]) / ins[0].size,
                             [np.full(ins[0].shape, mp.mpf(1) / ins[0].size, dtype=object)]),
                _sums_reduce),
    "half_sse": Ref(loss_inputs(False), _ref_half_sse, _sums_loss),
    "mse": Ref(loss_inputs(False), _ref_mse, _sums_loss),
    "softmax_cross_entropy": Ref(st.one_of(loss_inputs(True), loss_inputs(False).map(
        _probabilities).filter(lambda p: bool(np.isfinite(p[1]).all()))), _ref_ce, _sums_ce),
    "hinge": Ref(loss_inputs(True), _ref_hinge, _sums_hinge),
    "stack": Ref(st.integers(2, 4).flatmap(lambda n: scalars(n)),
                 lambda ins: (np.array([mp.mpf(float(x)) for x in ins], dtype=object),
                              [mp.mpf(1)] * len(ins))),
    "maxout": Ref(st.sampled_from([(4,), (2, 6)]).flatmap(lambda s: st.tuples(arrays(s))),
                  _ref_maxout),
}


# --- the check --------------------------------------------------------------------------------

def representable(x: Any) -> bool:
    return bool(mp.isfinite(x)) and abs(x) <= MAX * (1 + mp.mpf(2) ** -54)


def ulp(x: Any) -> Any:
    if x == 0:
        return mp.mpf(2) ** -1074
    _, e = mp.frexp(x)
    return mp.mpf(2) ** max(int(e) - 53, -1074)


def close(got: float, want: Any, terms: tuple[int, float] | None) -> bool:
    err = abs(mp.mpf(got) - want)
    bound = ULPS * ulp(want) + (terms[0] * U * terms[1] if terms else 0)
    return bool(err <= bound)


def each(x: Obj) -> list[Any]:
    return list(np.asarray(x, dtype=object).ravel())


def check(name: str, ins: tuple[np.ndarray, ...]) -> str:
    ref = REFERENCES[name]
    names = [f"a{i}" for i in range(len(ins))]
    graph = make_graph([*(Node(n, "input") for n in names), Node("y", name, tuple(names))], "y")
    value, grads = ref.value(ins)
    fine = all(representable(v) for v in each(value)) and len(grads) == len(ins) and all(
        representable(g) for grad in grads for g in each(grad))
    sums = ref.sums(ins) if ref.sums else [None] * (1 + len(ins))
    # a sum whose terms' magnitudes add up beyond float64 has an error bound beyond it too
    # (1e300 * 1e300 - 1e300 * 1e300): no float64 algorithm can promise its value
    hopeless = any(t is not None and not np.all(t[0] * U * np.asarray(t[1]) < float(MAX))
                   for t in sums)
    try:
        trace = run(graph, dict(zip(names, ins, strict=True)))
    except GraphError as e:
        assert not fine or hopeless, f"{name}{[x.tolist() for x in ins]}: refused, but " \
            f"the true value and gradients are float64 numbers: {e.message}"
        assert e.kind == "numeric" and e.node == "y", (e.kind, e.node, e.message)
        return "refused"
    assert fine, f"{name}: computed where the true value or a gradient is not a float64"
    for k, (got, want) in enumerate([(trace.values["y"], value),
                                     *((trace.grads[n], g) for n, g in zip(names, grads,
                                                                           strict=True))]):
        terms = sums[k]
        bounds = ([None] * np.size(got) if terms is None else
                  list(np.broadcast_to(np.asarray(terms[1], dtype=float), np.shape(got)).ravel()))
        for i, (g, w) in enumerate(zip(np.ravel(got), each(want), strict=True)):
            t = None if terms is None else (terms[0], bounds[i])
            assert close(float(g), w, t), (
                f"{name} at {[x.tolist() for x in ins]}: "
                f"{'value' if k == 0 else f'd/d{names[k - 1]}'}[{i}] = {float(g)!r}, "
                f"true {mp.nstr(w, 20)} ({float(abs(mp.mpf(float(g)) - w) / ulp(w)):.3g} ulps)")
    return "computed"


def test_every_op_has_a_reference() -> None:
    missing = set(REGISTRY) - set(REFERENCES)
    assert not missing, f"no high-precision reference for {missing}"


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_value_and_gradient_match_mpmath(name: str) -> None:
    assert name in REGISTRY
    ref = REFERENCES[name]
    outcomes: set[str] = set()

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ins=ref.inputs)
    def run_one(ins: tuple[np.ndarray, ...]) -> None:
        outcomes.add(check(name, tuple(np.asarray(x, dtype=np.float64) for x in ins)))

    for special in ref.specials:
        run_one = example(ins=tuple(np.asarray(v) for v in special))(run_one)
    run_one()
    assert "computed" in outcomes
