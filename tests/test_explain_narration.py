"""app.explain.narration: message keys, never prose; every key documented for the catalog."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from app.builders.network import by_neuron_name, init_params, make_spec
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.examples import EXAMPLES
from app.graph.engine import run
from app.limits import Limits
from app.network_service import network_document
from app.serialize import trace_to_dict
from app.service import graph_document

PLAN = Path(__file__).resolve().parent.parent / "docs" / "design" / "plan.md"


def says(doc: dict[str, Any]) -> list[dict[str, Any]]:
    s = doc["script"]
    return [m for part in (s["start"], *s["forward"], *s["backward"], s["done"])
            for m in part["say"]]


def documented() -> dict[str, set[str]]:
    """The "Narration keys" table of docs/design/plan.md: key -> its params."""
    text = PLAN.read_text(encoding="utf-8").split("### Narration keys", 1)[1]
    rows = re.findall(r"^\| `([a-z0-9_.-]+)` \| ([^|]*) \|", text, re.M)
    return {key: {p.strip() for p in params.split(",") if p.strip()} for key, params in rows}


def test_every_key_and_param_is_documented_for_the_catalog() -> None:
    table = documented()
    limits = Limits.defaults()
    docs = [network_document(ex["request"] | {"steps": 0}, limits)
            if ex["endpoint"] == "/api/network" else graph_document(ex["request"], limits)
            for ex in EXAMPLES]
    docs.append(graph_document({"expression": "W @ x", "values": {"W": [[1, 2]], "x": [1, 2]}},
                               Limits.defaults()))  # a non-scalar output: its sum
    docs.append(graph_document({"expression": "f = 2 * 3"}, Limits.defaults()))  # a constant
    seen = set()
    for doc in docs:
        for m in says(doc):
            assert m["key"] in table, m
            assert set(m["params"]) <= table[m["key"]], m
            seen.add(m["key"])
    # the phases' and the edges' patterns' words come from the catalog too
    phase_keys = {f"phase.{p['key']}" for doc in docs for p in doc["script"]["phases"]}
    pattern_keys = {f"pattern.{p}" for doc in docs for e in doc["edges"] for p in e["patterns"]}
    assert phase_keys | pattern_keys <= set(table)
    assert set(table) - seen - phase_keys - pattern_keys <= {"backward.final_many"}  # below


def test_the_seeds_step_2_sums_h1s_two_uses() -> None:
    doc = network_document(EXAMPLES[0]["request"] | {"steps": 0}, Limits.defaults())
    h1 = next(st for st in doc["script"]["backward"] if st["node"] == "h1")
    (head, *rest) = h1["say"]
    x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    w1, w2 = np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])
    h = 1 / (1 + np.exp(-(w1 @ x + 0.35)))
    o = 1 / (1 + np.exp(-(w2 @ h + 0.60)))
    delta = -(t - o) * o * (1 - o)
    uses = [format(delta[0] * 0.40, ".4g"), format(delta[1] * 0.50, ".4g")]
    assert head == {"key": "backward.sum", "params": {
        "node": "h1", "uses": 2, "values": uses, "value": format(delta @ w2[:, 0], ".4g")}}
    assert uses == ["0.0554", "-0.01905"]
    assert rest[0] == {"key": "backward.fires", "params": {"node": "h1", "n": 1}}
    first = doc["script"]["backward"][0]["say"]
    assert first[0] == {"key": "backward.start", "params": {"node": "E_total"}}
    assert {"key": "pattern.add-distributes", "params": {"node": "E_total"}} in first


def test_a_wide_layer_is_summarised() -> None:
    # 20 weights into one output neuron are final in the steps of their products; the loss
    # over a 20-wide input gives 20 gradients final at once in the sum's step
    spec = make_spec([20, 1], "identity", "half_sse", False)
    x = np.linspace(-1, 1, 20)[None, :]
    trace = run(neurons_graph(spec, np.array([[0.3]])),
                {**neuron_inputs(x), **by_neuron_name(spec, init_params(spec, 0))})
    doc = trace_to_dict(trace)
    many = [m for m in says(doc) if m["key"] == "backward.final_many"]
    assert many, [m["key"] for m in says(doc)]
    for m in many:
        step = next(st for st in doc["script"]["backward"] if m in st["say"])
        final = [f for f in step["final"] if f != step["node"]]
        assert m["params"]["count"] == len(final) > 3
        grads = {f: abs(float(trace.grads[f])) for f in final}
        assert m["params"]["largest"] == max(grads, key=grads.__getitem__)
