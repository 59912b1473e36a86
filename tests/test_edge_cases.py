"""Numerical edge cases from public bug reports (issue 10; sources in tests/EDGE_CASES.md).

Expected values come from mpmath (always) and PyTorch in float64 (where torch is installed:
CI has none, so those checks skip), computed here, never read from Chainrule. Where our
documented convention differs from PyTorch's (max at a tie: PyTorch splits the gradient, we
route it to the first input), the test says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import mpmath as mp
import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.builders.expression import parse_expression
from app.graph import REGISTRY
from app.graph.engine import run
from app.graph.gradcheck import gradcheck
from app.graph.ir import GraphError
from app.main import create_app

try:
    import torch
except ImportError:  # CI: mpmath alone
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def engine(text: str, **values: float) -> tuple[float, dict[str, float]]:
    t = run(parse_expression(text), values)
    return float(t.values[t.graph.output]), {k: float(t.grads[k]) for k in values}


def torch_grads(f: Any, **values: float) -> tuple[float, dict[str, float]]:
    assert torch is not None
    ts = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    y = f(**ts)
    y.backward()
    return y.item(), {k: t.grad.item() for k, t in ts.items()}


def test_x_to_the_0_at_0() -> None:
    # x^0 is the constant 1: its derivative is 0 everywhere, x = 0 included
    assert engine("x ** 0", x=0.0) == (1.0, {"x": 0.0})
    assert engine("a ** b", a=0.0, b=0.0) == (1.0, {"a": 0.0, "b": 0.0})
    assert engine("x ** 2", x=0.0) == (0.0, {"x": 0.0})
    assert engine("x ** 1", x=0.0) == (0.0, {"x": 1.0})


@needs_torch
def test_x_to_the_0_at_0_as_pytorch() -> None:
    assert engine("x ** 0", x=0.0) == torch_grads(lambda x: x**0.0, x=0.0)
    assert engine("a ** b", a=0.0, b=0.0) == torch_grads(lambda a, b: a**b, a=0.0, b=0.0)
    assert engine("a ** b", a=0.0, b=2.0) == torch_grads(lambda a, b: a**b, a=0.0, b=2.0)


def test_elu_keeps_its_tail() -> None:
    value, grads = engine("elu(x)", x=-40.0)
    assert value == float(mp.expm1(-40))
    assert grads["x"] == float(mp.exp(-40)) == pytest.approx(4.248354255291589e-18)
    assert engine("elu(x, 0.5)", x=-700.0)[1]["x"] == float(mp.exp(-700) / 2)


@needs_torch
def test_elu_as_pytorch() -> None:
    got = engine("elu(x)", x=-40.0)
    assert got == torch_grads(lambda x: torch.nn.functional.elu(x), x=-40.0)


def test_division_at_extreme_magnitudes() -> None:
    value, grads = engine("x / y", x=1e200, y=1e200)
    assert value == 1.0
    assert grads == {"x": float(1 / mp.mpf(1e200)), "y": float(-mp.mpf(1e200) / mp.mpf(1e200)**2)}
    assert grads["y"] == -1e-200
    # y * y is subnormal (1e-320): -x/(y*y) would lose digits; the true -1e20 is a float64
    _, grads = engine("x / y", x=1e-300, y=1e-160)
    assert grads["y"] == pytest.approx(float(-mp.mpf(1e-300) / mp.mpf(1e-160) ** 2), rel=1e-15)
    # where the true derivative is beyond float64 (-1e400), a refusal that names the quotient
    assert refusal("x / y", x=1.0, y=1e-200).node == "div#1"


@needs_torch
def test_division_as_pytorch() -> None:
    got = engine("x / y", x=1e200, y=1e200)
    assert got == torch_grads(lambda x, y: x / y, x=1e200, y=1e200)


def test_sigmoid_and_tanh_keep_their_tails() -> None:
    # 1 - y rounds to 0 (PyTorch gives 0 here); the true derivatives are float64 numbers
    assert engine("sigmoid(x)", x=40.0)[1]["x"] == pytest.approx(
        float(mp.exp(-40) / (1 + mp.exp(-40)) ** 2), rel=4e-16)
    assert engine("tanh(x)", x=20.0)[1]["x"] == pytest.approx(
        float(1 / mp.cosh(20) ** 2), rel=4e-16)
    assert engine("sigmoid(x)", x=-720.0)[0] == float(1 / (1 + mp.exp(720)))  # subnormal


def status(text: str, **values: Any) -> dict[str, tuple[str, str | None]]:
    return {c.id: (c.status, c.reason) for c in gradcheck(run(parse_expression(text), values))}


def test_gradient_check_at_kinks_is_inconclusive() -> None:
    assert status("relu(x)", x=0.0) == {"x": ("inconclusive", "x is at a point where the "
                                        "function is not differentiable: ReLU(x) at x = 0")}
    got = status("max(x, y)", x=2.0, y=2.0)
    assert {k: s for k, (s, _) in got.items()} == {"x": "inconclusive", "y": "inconclusive"}
    assert "max(x, y) at x = 2, y = 2" in str(got["x"][1])
    # within the step of a kink: the pieces differ between x - h and x + h
    assert status("relu(x)", x=1e-9)["x"][0] == "inconclusive"
    # strict elsewhere
    assert status("relu(x) * 3 + max(x, y)", x=2.0, y=1.0) == {"x": ("ok", None),
                                                               "y": ("ok", None)}
    assert status("abs(x)", x=[1.0, -2.0, 3.0]) == {"x": ("ok", None)}


def test_a_wrong_gradient_is_bad(monkeypatch: pytest.MonkeyPatch) -> None:
    # exp with the derivative of exp(x) + 1: the check must catch it, kink or none nearby
    op = REGISTRY["exp"]
    wrong = replace(op, partials=lambda ins, y, p: (y + 1.0,),
                    vjp=lambda g, ins, y, p: (g * (y + 1.0),))
    monkeypatch.setitem(REGISTRY, "exp", wrong)
    assert status("exp(x) * relu(y)", x=0.5, y=2.0)["x"][0] == "bad"
    assert status("exp(x) * relu(y)", x=0.5, y=0.0)["x"][0] == "ok"  # 0 * anything
    # a kink elsewhere (max at a tie of y and z, which x does not reach) explains nothing
    assert status("exp(x) * relu(y) + max(y, z)", x=0.5, y=2.0, z=2.0)["x"][0] == "bad"


def refusal(text: str, **values: float) -> GraphError:
    with pytest.raises(GraphError) as e:
        run(parse_expression(text), values)
    return e.value


def test_errors_name_the_node_where_the_problem_starts() -> None:
    # the true derivative is infinite (1/(2 sqrt x) grows without bound as x -> 0+: at
    # x = 1e-700 it is already 5e349, beyond float64) or undefined (ln of -2)
    assert 1 / (2 * mp.sqrt(mp.mpf(10) ** -700)) > np.finfo(np.float64).max
    e = refusal("sqrt(x)", x=0.0)
    assert (e.node, e.kind) == ("sqrt#1", "numeric")
    assert e.message == "√(x) at x = 0: its derivative 1/(2√x) is infinite"
    e = refusal("x ** 0.5", x=0.0)
    assert e.node == "pow#1"
    assert e.message.startswith("x^0.5 at x = 0: its derivative in x, 0.5·x^(0.5 − 1), is "
                                "infinite")
    e = refusal("a ** b", a=-2.0, b=-3.0)
    assert e.node == "pow#1" and "at a = -2, b = -3: its derivative in b" in e.message
    assert "undefined" in e.message and "overflow" not in e.message
    # downstream of the culprit: still the culprit, not the input or the output
    e = refusal("f = 3 * sqrt(x) + 1", x=0.0)
    assert e.node == "sqrt#1"
    e = refusal("y = exp(x); z = y * y", x=400.0)
    assert e.node == "z" and e.message.startswith("z = y·y at y = 5.22")
    assert "value is infinite" in e.message


@needs_torch
def test_the_same_cases_are_non_finite_in_pytorch() -> None:
    assert torch_grads(torch.sqrt, x=0.0)[1]["x"] == float("inf")
    assert torch_grads(lambda x: x**0.5, x=0.0)[1]["x"] == float("inf")
    assert np.isnan(torch_grads(lambda a, b: a**b, a=-2.0, b=-3.0)[1]["b"])


def test_nothing_is_dropped_without_a_word() -> None:
    client = TestClient(create_app())
    r = client.post("/api/graph", json={"expression": "z = 1 / x\ny = x * 2",
                                        "values": {"x": 0, "w": 5}})
    assert r.status_code == 200
    assert r.json()["warnings"] == [
        {"kind": "unused-line", "message": "line 1: 'z = 1 / x' does not reach the output y, "
         "so it is not computed", "line": 1, "column": 1, "field": None},
        {"kind": "unused-value", "message": "a value was given for 'w', which is not an input "
         "of the program: it is ignored", "line": None, "column": None, "field": "values.w"}]
    for name in ("z", "y"):  # assigned by the program, whether it reaches the output or not
        r = client.post("/api/graph", json={"expression": "z = 1 / x\ny = x * 2",
                                            "values": {"x": 1, name: 3}})
        assert r.status_code == 422
        err = r.json()["error"]
        assert (err["kind"], err["field"]) == ("value", f"values.{name}")
        assert f"'{name}' is computed by the program" in err["message"]
    r = client.post("/api/graph", json={"expression": "y = x * 2", "values": {"x": 1}})
    assert r.json()["warnings"] == []


def test_conventions_are_served() -> None:
    ops = {o["name"]: o for o in TestClient(create_app()).get("/api/ops").json()}
    where = {n: [c["where"] for c in o["conventions"]] for n, o in ops.items()}
    assert where["pow"] == ["a = 0, b = 0", "a = 0", "a < 0"]
    assert where["max"] == ["a tie a = b"] and where["relu"] == ["x = 0"]
    assert "0^0 = 1" in ops["pow"]["conventions"][0]["rule"]
    assert "first input" in ops["max"]["conventions"][0]["rule"]
