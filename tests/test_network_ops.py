"""The ops of app/graph/ops/network.py (stack, maxout) against central differences.

Until tests/test_ops_gradcheck.py lists them in DOMAINS, this is their gradient check: each runs
inside f = sum(op(inputs) * c) with a random c, so the VJP sees a general upstream gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.graph import REGISTRY
from app.graph.engine import run
from app.graph.gradcheck import gradcheck
from app.graph.ir import GraphError, Node, make_graph


def _check(op: str, ins: list[np.ndarray], seed: int) -> None:
    names = [f"a{i}" for i in range(len(ins))]
    probe = REGISTRY[op].forward(ins, {})
    c = np.random.default_rng(seed).uniform(-2, 2, probe.shape)
    g = make_graph([*(Node(n, "input") for n in names), Node("y", op, tuple(names)),
                    Node("c", "const", params={"value": c.tolist()}),
                    Node("yc", "mul", ("y", "c")), Node("f", "sum", ("yc",))], "f")
    trace = run(g, dict(zip(names, ins, strict=True)))
    for check in gradcheck(trace):
        assert check.analytic.shape == trace.values[check.id].shape
        assert check.rel_error < 1e-6, (op, check)


@pytest.mark.parametrize("seed", range(10))
def test_stack_gradient(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = [(), (3,)][seed % 2]
    _check("stack", [rng.normal(size=shape) for _ in range(2 + seed % 3)], seed)


@pytest.mark.parametrize("seed", range(10))
def test_maxout_gradient(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = [(2,), (6,), (3, 4)][seed % 3]
    z = rng.normal(size=shape)
    z[..., 1::2] = z[..., 0::2] + rng.choice([-1, 1], z[..., 0::2].shape) * rng.uniform(
        0.1, 1, z[..., 0::2].shape)  # pieces apart: away from the kink
    _check("maxout", [z], seed)


def test_maxout_routes_to_the_larger_piece_and_the_first_at_a_tie() -> None:
    op = REGISTRY["maxout"]
    z = np.array([1.0, 2.0, 5.0, 3.0, 4.0, 4.0])
    assert op.forward([z], {}).tolist() == [2.0, 5.0, 4.0]
    assert op.vjp is not None
    assert op.vjp(np.ones(3), [z], op.forward([z], {}), {})[0].tolist() == [0, 1, 1, 0, 1, 0]


def test_shape_errors_name_the_node() -> None:
    g = make_graph([Node("a", "input"), Node("b", "input"), Node("s", "stack", ("a", "b"))], "s")
    with pytest.raises(GraphError) as e:
        run(g, {"a": [1.0, 2.0], "b": 3.0})
    assert e.value.node == "s"
    g = make_graph([Node("z", "input"), Node("m", "maxout", ("z",))], "m")
    with pytest.raises(GraphError) as e:
        run(g, {"z": [1.0, 2.0, 3.0]})
    assert e.value.node == "m" and "even" in e.value.message
