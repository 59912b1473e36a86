"""The op registry: properties as data, the one backward rule, and exactness under vectorization.

Expected numbers are the course's gate rules worked by hand (add distributes, mul swaps, max
routes; grad_W = g x^T for q = W x), never read from the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from app.graph.ops import REGISTRY, gate_backward
from app.main import create_app

A = np.asarray


def test_the_course_gates_applied_backward() -> None:
    g = A(2.0)
    add = gate_backward(REGISTRY["add"], g, [A(-2.0), A(5.0), A(1.0)], A(4.0), {})
    assert [float(x) for x in add.downstream] == [2.0, 2.0, 2.0]  # distributes
    mul = gate_backward(REGISTRY["mul"], g, [A(3.0), A(-4.0)], A(-12.0), {})
    assert [float(x) for x in mul.local] == [-4.0, 3.0]  # swaps
    assert [float(x) for x in mul.downstream] == [-8.0, 6.0]
    mx = gate_backward(REGISTRY["max"], g, [A(1.0), A(7.0)], A(7.0), {})
    assert [float(x) for x in mx.downstream] == [0.0, 2.0]  # routes


def test_local_gradients_by_kind_of_edge() -> None:
    # elementwise with broadcasting: the partial has the output's shape, what flows back the
    # input's (a scalar x fed three outputs: the sum of their gradients)
    g = A([1.0, 2.0, 3.0])
    r = gate_backward(REGISTRY["mul"], g, [A(2.0), A([4.0, 5.0, 6.0])], A([8.0, 10.0, 12.0]), {})
    assert r.local[0] is not None and r.local[0].tolist() == [4.0, 5.0, 6.0]
    assert r.downstream[0].shape == () and float(r.downstream[0]) == 4 + 10 + 18
    assert r.downstream[1].tolist() == [2.0, 4.0, 6.0]
    # a scalar output of a Jacobian op: the local gradient is d out / d in (= vjp(1))
    r = gate_backward(REGISTRY["sum"], A(3.0), [A([1.0, 2.0])], A(3.0), {})
    assert r.local[0] is not None and r.local[0].tolist() == [1.0, 1.0]
    assert r.downstream[0].tolist() == [3.0, 3.0]
    # a non-scalar output of a Jacobian op: no local gradient to show, only the VJP
    w, x, gq = A([[1.0, 2.0], [3.0, 4.0]]), A([5.0, 6.0]), A([1.0, -1.0])
    r = gate_backward(REGISTRY["matmul"], gq, [w, x], w @ x, {})
    assert r.local == (None, None)
    assert r.downstream[0].tolist() == [[5.0, 6.0], [-5.0, -6.0]]  # g x^T
    assert r.downstream[1].tolist() == [1 - 3, 2 - 4]  # W^T g


def test_no_gradient_code_outside_the_registry() -> None:
    app = Path(__file__).resolve().parent.parent / "app"
    ops = app / "graph" / "ops"
    for path in app.rglob("*.py"):
        if ops in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.vjp\(|unbroadcast\(", text), path


SCALARS = st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-3 or v == 0)


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.exact_vectorized))
def test_exact_vectorized_ops_give_each_scalar_its_own_result_bit_for_bit(name: str) -> None:
    op = REGISTRY[name]
    arity = 3 if op.arity == -1 else op.arity

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.lists(SCALARS, min_size=arity, max_size=arity), min_size=1, max_size=9))
    def check(rows: list[list[float]]) -> None:
        cols = [A([r[k] for r in rows]) for k in range(arity)]
        with np.errstate(all="ignore"):
            out = op.forward(cols, op.bind({}))
            g = A(np.linspace(-2, 2, len(rows)))
            vec = gate_backward(op, g, cols, out, {})
            for i, row in enumerate(rows):
                ins = [A(v) for v in row]
                y = op.forward(ins, op.bind({}))
                one = gate_backward(op, g[i, ...], ins, y, {})
                assert y.tobytes() == out[i, ...].tobytes()
                for a, b in zip(one.local, vec.local, strict=True):
                    assert a is not None and b is not None
                    assert a.tobytes() == b[i, ...].tobytes()
                for a, b in zip(one.downstream, vec.downstream, strict=True):
                    assert a.tobytes() == b[i, ...].tobytes()

    check()


def test_api_ops_serves_the_properties() -> None:
    ops = {o["name"]: o for o in TestClient(create_app()).get("/api/ops").json()}
    assert {n: o["gate"] for n, o in ops.items() if o["gate"]} == {
        "add": "add-distributes", "mul": "mul-swaps", "max": "max-routes", "min": "max-routes",
        "relu": "max-routes", "maxout": "max-routes"}
    assert {o["operator"] for o in ops.values() if o["operator"]} == {
        "a + b", "a - b", "a * b", "a / b", "a ** b", "a @ b", "-a", "a.T"}
    assert not any(ops[n]["function"] for n in ("add", "sub", "mul", "div", "pow", "matmul",
                                                  "neg", "transpose", "identity"))
    assert ops["sigmoid"]["function"] and ops["sigmoid"]["category"] == "activation"
    assert {n for n, o in ops.items() if o["category"] == "loss"} == {
        "half_sse", "mse", "softmax_cross_entropy", "hinge"}
    assert ops["mul"]["display"] == "the product {0}·{1}" and ops["sigmoid"]["display"] == "σ({0})"
    assert ops["matmul"]["vjp_latex"] == ["\\bar{y} \\, #1^T", "#0^T \\bar{y}"]
    assert ops["matmul"]["dlatex"] == [] and ops["sigmoid"]["dlatex"] == ["#y(1 - #y)"]
    assert ops["relu"]["exact_vectorized"] and not ops["exp"]["exact_vectorized"]
    assert all("#" not in o["display"] and "{0}" in o["display"] for o in ops.values())
