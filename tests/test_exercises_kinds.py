"""Every kind's expected answers against an independent computation from its request.

Closed forms with math and numpy (the seed's network, the staged neuron, ||W x||^2, the
activations' derivatives), and for the gate circuits a small evaluator of this module's own
transcription of each circuit with central differences, where the two uses of a value used
twice can be nudged apart (that is what each use carries back). Several seeds per kind; seed 0
of seed-network against the seed note's printed numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from app.exercises import problem
from app.limits import Limits

LIMITS = Limits.defaults()
SEEDS = (0, 1, 2, 5, 9, 31, 2024)


def expected(kind: str, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    p = problem(kind, seed, LIMITS)
    return p.request, {b.key: b.expected for b in p.blanks}


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# --- seed-network -------------------------------------------------------------------------


def seed_network(req: dict[str, Any]) -> dict[str, float]:
    """The seed note's formulas, step 1 and step 2, for any numbers."""
    (x1, x2), (t1, t2) = req["inputs"][0], req["targets"][0]
    p, lr = req["params"], req["learning_rate"]
    h1 = sigmoid(p["w1"] * x1 + p["w2"] * x2 + p["b1"])
    h2 = sigmoid(p["w3"] * x1 + p["w4"] * x2 + p["b1"])
    o1 = sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b2"])
    o2 = sigmoid(p["w7"] * h1 + p["w8"] * h2 + p["b2"])
    de_do1, do1_dz3 = -(t1 - o1), o1 * (1 - o1)
    de_dw5 = de_do1 * do1_dz3 * h1
    de_o1_dh1 = de_do1 * do1_dz3 * p["w5"]
    de_o2_dh1 = -(t2 - o2) * o2 * (1 - o2) * p["w7"]
    de_dh1 = de_o1_dh1 + de_o2_dh1
    de_dw1 = de_dh1 * h1 * (1 - h1) * x1
    return {"grad:o1": de_do1, "local:z3->o1#0": do1_dz3, "local:w5->w5*h1#0": h1,
            "grad:w5": de_dw5, "carried:h1->w5*h1#1": de_o1_dh1,
            "carried:h1->w7*h1#1": de_o2_dh1, "grad:h1": de_dh1,
            "local:z1->h1#0": h1 * (1 - h1), "local:w1->w1*x1#0": x1, "grad:w1": de_dw1,
            "update:w5": p["w5"] - lr * de_dw5, "update:w1": p["w1"] - lr * de_dw1}


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_network(seed: int) -> None:
    req, got = expected("seed-network", seed)
    ref = seed_network(req)
    assert list(got) == list(ref)  # the seed's order, and these very keys
    for key, value in ref.items():
        assert float(got[key]) == pytest.approx(value, rel=1e-12, abs=1e-15), key


def test_seed_network_seed_0_is_the_seed() -> None:
    req, got = expected("seed-network", 0)
    assert req["inputs"] == [[0.05, 0.10]] and req["targets"] == [[0.01, 0.99]]
    assert req["learning_rate"] == 0.5
    assert req["params"] == {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40,
                             "w6": 0.45, "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.60}
    # the numbers printed in the seed's worked example
    assert round(float(got["grad:w5"]), 10) == 0.0821670406
    assert round(float(got["update:w5"]), 10) == 0.3589164797
    assert round(float(got["update:w1"]), 10) == 0.1497807161
    assert round(float(got["carried:h1->w5*h1#1"]), 4) == 0.0554
    assert round(float(got["carried:h1->w7*h1#1"]), 5) == -0.01905
    assert round(float(got["grad:h1"]), 5) == 0.03635


@pytest.mark.parametrize("seed", SEEDS[1:])
def test_seed_network_other_seeds_are_short_decimals(seed: int) -> None:
    req, _ = expected("seed-network", seed)
    numbers = [*req["inputs"][0], *req["targets"][0], *req["params"].values()]
    assert all(0 < abs(v) < 1 and round(v, 2) == v for v in numbers)
    assert req["learning_rate"] in (0.1, 0.25, 0.5, 1.0)


# --- sigmoid-neuron -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_neuron(seed: int) -> None:
    req, got = expected("sigmoid-neuron", seed)
    v = req["values"]
    assert all(isinstance(x, int) and -3 <= x <= 3 for x in v.values())  # by hand
    dot = v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"]
    f = sigmoid(dot)
    local = (1 - f) * f  # the course's (1 - f) f
    ref = {"value:dot": dot, "value:f": f, "local:dot->f#0": local,
           "grad:w0": local * v["x0"], "grad:x0": local * v["w0"], "grad:w1": local * v["x1"],
           "grad:x1": local * v["w1"], "grad:w2": local}
    assert list(got) == list(ref)
    for key, value in ref.items():
        assert float(got[key]) == pytest.approx(value, rel=1e-14, abs=1e-15), key
    if seed == 0:
        assert v == {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
        assert round(float(got["grad:w0"]), 2) == -0.20 and round(float(got["grad:x0"]), 2) == 0.39


# --- vectorized -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_vectorized(seed: int) -> None:
    req, got = expected("vectorized", seed)
    w, x = np.array(req["values"]["W"]), np.array(req["values"]["x"])
    q = np.array([sum(w[i, j] * x[j] for j in range(len(x))) for i in range(len(w))])
    ref = {"value:q": q, "value:f": float(sum(q * q)), "grad:q": 2 * q,
           "grad:W": np.array([[2 * qi * xj for xj in x] for qi in q]),
           "grad:x": np.array([2 * sum(w[i, j] * q[i] for i in range(len(q)))
                               for j in range(len(x))])}
    assert list(got) == list(ref)
    for key, value in ref.items():
        assert got[key].shape == np.shape(value), key  # the variable's shape
        np.testing.assert_allclose(got[key], value, rtol=1e-13, atol=1e-15, err_msg=key)
    if seed == 0:  # the seed's own lines
        np.testing.assert_allclose(got["grad:W"], [[0.088, 0.176], [0.104, 0.208]], rtol=1e-12)
        np.testing.assert_allclose(got["grad:x"], [-0.112, 0.636], rtol=1e-12)


# --- activations ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_activations(seed: int) -> None:
    req, got = expected("activations", seed)
    z = req["values"]
    alpha = float(req["expression"].split("leaky_relu(z4, ")[1].split(")")[0])
    s = sigmoid(z["z1"])
    elu_neg = math.exp(z["z5"]) - 1  # alpha = 1
    ref = {"local:z1->h1#0": s * (1 - s),
           "local:z2->h2#0": 1 / math.cosh(z["z2"]) ** 2,
           "local:z3->h3#0": 1.0 if z["z3"] > 0 else 0.0,
           "local:z4->h4#0": 1.0 if z["z4"] > 0 else alpha,
           "local:z5->h5#0": elu_neg + 1 if z["z5"] <= 0 else 1.0,
           "local:z6->h6#0": 1.0 if z["z6"] > z["z7"] else 0.0,
           "local:z7->h6#1": 1.0 if z["z7"] > z["z6"] else 0.0}
    assert list(got) == list(ref)
    for key, value in ref.items():
        assert float(got[key]) == pytest.approx(value, rel=1e-12), key
    assert z["z3"] != 0 and z["z4"] != 0 and z["z6"] != z["z7"] and z["z5"] < 0  # no kinks
    assert all(round(v, 1) == v for v in z.values())


# --- gates -----------------------------------------------------------------------------------

Get = Callable[[str, str], float]  # (node, the gate that reads it) -> its value there
# Each circuit transcribed by hand: its named gates in order, each reading its inputs through
# get(name, gate), so that one use of a value can be nudged without the other.
CIRCUITS: dict[str, list[tuple[str, Callable[[Get], float]]]] = {
    "a = x * y\nm = max(y, z)\nf = a + m": [
        ("a", lambda g: g("x", "a") * g("y", "a")),
        ("m", lambda g: max(g("y", "m"), g("z", "m"))),
        ("f", lambda g: g("a", "f") + g("m", "f"))],
    "q = x + y\nm = max(q, z)\nf = m * x": [
        ("q", lambda g: g("x", "q") + g("y", "q")),
        ("m", lambda g: max(g("q", "m"), g("z", "m"))),
        ("f", lambda g: g("m", "f") * g("x", "f"))],
    "p = x * y\ns = p + z\nm = max(s, w)\nf = m + x": [
        ("p", lambda g: g("x", "p") * g("y", "p")),
        ("s", lambda g: g("p", "s") + g("z", "s")),
        ("m", lambda g: max(g("s", "m"), g("w", "m"))),
        ("f", lambda g: g("m", "f") + g("x", "f"))],
    "a = x * y\nm = max(z, w)\ns = a + m\nf = s * x": [
        ("a", lambda g: g("x", "a") * g("y", "a")),
        ("m", lambda g: max(g("z", "m"), g("w", "m"))),
        ("s", lambda g: g("a", "s") + g("m", "s")),
        ("f", lambda g: g("s", "f") * g("x", "f"))],
}


def run_circuit(program: str, inputs: dict[str, int], nudge: tuple[str, str | None, float]
                = ("", None, 0.0)) -> dict[str, float]:
    """Every node's value, with ``nudge = (node, gate, h)`` adding h to the node where that
    gate reads it (gate None: everywhere)."""
    env = {k: float(v) for k, v in inputs.items()}
    node, at, h = nudge

    def get(name: str, gate: str) -> float:
        return env[name] + (h if name == node and at in (None, gate) else 0.0)

    for name, fn in CIRCUITS[program]:
        env[name] = fn(get)
    return env


def slope(program: str, inputs: dict[str, int], node: str, gate: str | None) -> float:
    h = 1e-6
    up = run_circuit(program, inputs, (node, gate, h))["f"]
    down = run_circuit(program, inputs, (node, gate, -h))["f"]
    return (up - down) / (2 * h)


@pytest.mark.parametrize("seed", range(12))
def test_gates(seed: int) -> None:
    req, got = expected("gates", seed)
    program, inputs = req["expression"], req["values"]
    assert all(isinstance(v, int) and 1 <= abs(v) <= 5 for v in inputs.values())
    values = run_circuit(program, inputs)
    for key, answer in got.items():
        kind, _, rest = key.partition(":")
        if kind == "value":
            ref = values[rest]
        elif kind == "grad":
            ref = slope(program, inputs, rest, None)
        else:
            assert kind == "carried", key  # a use of a value used twice
            source, target = rest.split("#")[0].split("->")
            ref = slope(program, inputs, source, target)
        assert float(answer) == pytest.approx(ref, abs=1e-6), key
    # every named node's value, the gradient of every named node but f, each use of the value
    # used twice and its sum
    names = [n for n, _ in CIRCUITS[program]]
    fan = [k for k in got if k.startswith("carried:")]
    assert len(fan) == 2 and f"grad:{fan[0].split(':')[1].split('->')[0]}" in got
    assert {k for k in got if k.startswith("value:")} == {f"value:{n}" for n in names}
    assert len(got) == len(names) + len(inputs) + len(names) - 1 + 2


def test_the_gates_circuits_all_appear() -> None:
    seen = {expected("gates", s)[0]["expression"] for s in range(40)}
    assert seen == set(CIRCUITS)
