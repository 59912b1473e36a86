"""Every registered op's gradient against central differences (property tests, float64).

Each op runs inside f = sum(op(inputs...) * c) with c a random constant of the output's shape, so
the VJP is exercised with a general upstream gradient, not only with ones, and through the real
engine. Inputs are drawn over scalars, vectors, matrices and broadcasting pairs, away from kinks
and outside-of-domain points (listed per op in DOMAINS). An op without an entry in DOMAINS fails
test_every_op_has_a_domain: registering an op puts it under this test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.graph import REGISTRY
from app.graph.engine import leaf_values, run
from app.graph.ir import Node, make_graph
from app.graph.sequential import forward

Array = np.ndarray

UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((), (3,)), ((2, 3), (3,)),
                 ((2, 1), (1, 3)), ((3,), ()), ((2, 3), ())]


def _away_from(points: list[float], margin: float = 1e-2) -> Callable[[float], bool]:
    return lambda v: all(abs(v - p) > margin for p in points)


def _floats(lo: float, hi: float, avoid: list[float] | None = None) -> st.SearchStrategy[float]:
    s = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return s.filter(_away_from(avoid)) if avoid else s


def _arr(shape: tuple[int, ...], elems: st.SearchStrategy[float]) -> st.SearchStrategy[Array]:
    n = int(np.prod(shape)) if shape else 1
    return st.lists(elems, min_size=n, max_size=n).map(lambda xs: np.array(xs).reshape(shape))


def unary(lo: float = -3, hi: float = 3, avoid: list[float] | None = None) -> Any:
    return st.sampled_from(UNARY_SHAPES).flatmap(lambda s: st.tuples(_arr(s, _floats(lo, hi,
                                                                                   avoid))))


def binary(a: st.SearchStrategy[float], b: st.SearchStrategy[float]) -> Any:
    return st.sampled_from(BINARY_SHAPES).flatmap(lambda sh: st.tuples(_arr(sh[0], a),
                                                                       _arr(sh[1], b)))


def _separated(pair: tuple[Array, Array]) -> bool:
    a, b = np.broadcast_arrays(*pair)
    return bool(np.all(np.abs(a - b) > 1e-2))


def _matmul() -> Any:
    shapes = st.sampled_from([((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)), ((3,), (3,))])
    return shapes.flatmap(lambda sh: st.tuples(_arr(sh[0], _floats(-2, 2)),
                                               _arr(sh[1], _floats(-2, 2))))


def _loss(onehot: bool) -> Any:
    def make(shape: tuple[int, ...]) -> Any:
        out = _arr(shape, _floats(-2, 2))
        if not onehot:
            return st.tuples(out, _arr(shape, _floats(-1, 1)))
        rows = shape[0] if len(shape) == 2 else 1
        classes = st.lists(st.integers(0, shape[-1] - 1), min_size=rows, max_size=rows)
        return st.tuples(out, classes.map(lambda ks: np.eye(shape[-1])[ks].reshape(shape)))

    return st.sampled_from([(3,), (2, 3)]).flatmap(make)


def _hinge_ok(pair: tuple[Array, Array]) -> bool:
    s, t = (np.atleast_2d(x) for x in pair)
    correct = s[np.arange(s.shape[0]), t.argmax(axis=1)][:, None]
    return bool(np.all(np.abs(s - correct + 1.0) > 1e-2))


def _stack() -> Any:
    def make(args: tuple[int, tuple[int, ...]]) -> Any:
        n, shape = args
        return st.tuples(*[_arr(shape, _floats(-3, 3)) for _ in range(n)])

    return st.tuples(st.integers(2, 4), st.sampled_from([(), (3,)])).flatmap(make)


def _maxout() -> Any:
    def pieces_apart(ins: tuple[Array]) -> bool:
        z = ins[0]
        return bool(np.all(np.abs(z[..., 0::2] - z[..., 1::2]) > 1e-2))

    shapes = st.sampled_from([(4,), (2, 6)])
    return shapes.flatmap(lambda s: st.tuples(_arr(s, _floats(-3, 3)))).filter(pieces_apart)


# For each op: a strategy for its inputs (a tuple of arrays), kinks and domain edges avoided.
DOMAINS: dict[str, Any] = {
    "add": binary(_floats(-3, 3), _floats(-3, 3)),
    "sub": binary(_floats(-3, 3), _floats(-3, 3)),
    "mul": binary(_floats(-3, 3), _floats(-3, 3)),
    "div": binary(_floats(-3, 3), _floats(0.2, 3)),
    "pow": binary(_floats(0.2, 3), _floats(-2, 3)),
    "max": binary(_floats(-3, 3), _floats(-3, 3)).filter(_separated),
    "min": binary(_floats(-3, 3), _floats(-3, 3)).filter(_separated),
    "neg": unary(),
    "identity": unary(),
    "exp": unary(),
    "log": unary(0.1, 5),
    "sqrt": unary(0.1, 5),
    "abs": unary(avoid=[0.0]),
    "sigmoid": unary(-6, 6),
    "tanh": unary(),
    "relu": unary(avoid=[0.0]),
    "leaky_relu": unary(avoid=[0.0]),
    "elu": unary(avoid=[0.0]),
    "matmul": _matmul(),
    "transpose": unary(),
    "sum": unary(),
    "mean": unary(),
    "half_sse": _loss(onehot=False),
    "mse": _loss(onehot=False),
    "softmax_cross_entropy": _loss(onehot=True),
    "hinge": _loss(onehot=True).filter(_hinge_ok),
    "stack": _stack(),
    "maxout": _maxout(),
}


def _graph(op: str, ins: tuple[Array, ...], c: Array) -> Any:
    names = [f"a{i}" for i in range(len(ins))]
    nodes = [Node(n, "input") for n in names]
    nodes += [Node("y", op, tuple(names)), Node("c", "const", params={"value": c}),
              Node("yc", "mul", ("y", "c")), Node("f", "sum", ("yc",))]
    return make_graph(nodes, "f")


def _numeric(graph: Any, values: dict[str, Array], name: str) -> Array:
    leaves = leaf_values(graph, values)
    x = leaves[name]
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        h = 1e-6 * max(1.0, abs(float(x[i])))
        fs = []
        for sign in (1, -1):
            xs = x.copy()
            xs[i] += sign * h
            fs.append(float(forward(graph, {**leaves, name: xs})["f"]))
        out[i] = (fs[0] - fs[1]) / (2 * h)
    return out


def test_every_op_has_a_domain() -> None:
    missing = set(REGISTRY) - set(DOMAINS)
    assert not missing, f"no gradient test domain for {missing}"


@pytest.mark.parametrize("op", sorted(DOMAINS))
def test_gradient_matches_central_differences(op: str) -> None:
    assert op in REGISTRY

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ins=DOMAINS[op], seed=st.integers(0, 2**32 - 1))
    def check(ins: tuple[Array, ...], seed: int) -> None:
        ins = tuple(np.asarray(x, dtype=np.float64) for x in ins)
        values = {f"a{i}": x for i, x in enumerate(ins)}
        probe = forward(_graph(op, ins, np.zeros(())), leaf_values(_graph(op, ins, np.zeros(())),
                                                                   values))
        c = np.random.default_rng(seed).uniform(-2, 2, size=probe["y"].shape)
        graph = _graph(op, ins, c)
        trace = run(graph, values)
        for name, x in values.items():
            analytic = trace.grads[name]
            assert analytic.shape == x.shape, "a gradient must have its variable's shape"
            np.testing.assert_allclose(analytic, _numeric(graph, values, name),
                                       rtol=1e-5, atol=1e-6, err_msg=f"{op}: d/d{name}")

    check()
