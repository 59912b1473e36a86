"""A 13k-node scalar graph end to end: POST /api/graph against micrograd's own forward + backward.

micrograd's MLP 2-16-16-1 (ReLU, ReLU, linear) on 20 samples with the loss
``sum((out - y)**2) * (1/20)``, built with micrograd's own ``Value`` (the model of STYLE.md), then
exported op by op as an explicit graph: every micrograd ``Value`` is one node (``+`` -> add,
``*`` -> mul, ``**k`` -> pow with a constant exponent, ``ReLU`` -> relu; every leaf, weights,
inputs and micrograd's wrapped constants alike, is an input, so that every node gets a gradient
as in micrograd). About 13,300 nodes.

Timed in one run, interleaved, medians:
- micrograd       building the Values (forward) and ``loss.backward()``
- POST /api/graph a live ``chainrule`` server (uvicorn, one worker) answering the exported graph:
                  the time from sending the request bytes to having the response bytes
                  (validation, building, forward, backward, the document, orjson, HTTP)
The ratio micrograd / POST is the speed-up (issue 8's goal: >= 10x). Every node's gradient in
the response is checked against micrograd's to 1e-12 relative.

    .venv/bin/python bench/big_graph.py            # ~1 minute
    .venv/bin/python bench/big_graph.py --reps 5 --samples 20

micrograd: ``.venv/bin/pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import httpx
import orjson
from _common import ROOT, median_ms
from micrograd.engine import Value
from micrograd.nn import MLP

from tests.servers import chainrule_server

OPS = {"+": "add", "*": "mul"}


def model_and_data(samples: int) -> tuple[MLP, list[list[float]], list[float]]:
    random.seed(0)  # micrograd draws its weights from `random`
    model = MLP(2, [16, 16, 1])
    xs = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(samples)]
    ys = [random.uniform(-1, 1) for _ in range(samples)]
    return model, xs, ys


def loss_of(model: MLP, xs: list[list[float]], ys: list[float]) -> Value:
    outs = [model([Value(a), Value(b)]) for a, b in xs]
    return sum(((o - y) ** 2 for o, y in zip(outs, ys, strict=True)), Value(0.0)) * (1 / len(xs))


def micrograd_step(model: MLP, xs: list[list[float]], ys: list[float]) -> Value:
    model.zero_grad()
    loss = loss_of(model, xs, ys)
    loss.backward()
    return loss


def export(loss: Value) -> tuple[dict[str, Any], dict[str, float], dict[str, Value]]:
    """The explicit graph of micrograd's Values, its input values and id -> Value."""
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(loss, False)]
    while stack:  # an explicit-stack topological sort (micrograd's own recurses)
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.append((v, True))
        stack.extend((c, False) for c in v._prev if id(c) not in seen)
    ids = {id(v): f"v{k}" for k, v in enumerate(order)}
    nodes: list[dict[str, Any]] = []
    values: dict[str, float] = {}
    for v in order:
        me = ids[id(v)]
        kids = [ids[id(c)] for c in v._prev]
        if not v._op:
            nodes.append({"id": me, "op": "input"})
            values[me] = float(v.data)
        elif v._op.startswith("**"):
            nodes.append({"id": f"{me}k", "op": "const", "value": float(v._op[2:])})
            nodes.append({"id": me, "op": "pow", "inputs": [kids[0], f"{me}k"]})
        elif v._op == "ReLU":
            nodes.append({"id": me, "op": "relu", "inputs": kids})
        else:  # a set merges a*a into one child: the op still has two inputs
            nodes.append({"id": me, "op": OPS[v._op], "inputs": kids * (3 - len(kids))})
    return {"nodes": nodes, "output": ids[id(loss)]}, values, {ids[id(v)]: v for v in order}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()

    model, xs, ys = model_and_data(args.samples)
    loss = micrograd_step(model, xs, ys)
    graph, values, by_id = export(loss)
    body = orjson.dumps({"graph": graph, "values": values})
    print(f"graph: {len(graph['nodes'])} nodes, request {len(body) / 1e6:.2f} MB")

    env = {"CHAINRULE_MAX_BODY_BYTES": str(4 * len(body)), "CHAINRULE_COMPUTE_WORKERS": "1"}
    mg: list[float] = []
    api: list[float] = []
    with chainrule_server(env) as (url, _proc), httpx.Client(timeout=120) as client:
        post = lambda: client.post(f"{url}/api/graph", content=body,  # noqa: E731
                                   headers={"content-type": "application/json"})
        first = post()
        assert first.status_code == 200, first.text[:500]
        doc = orjson.loads(first.content)
        for _ in range(args.reps):
            t0 = time.perf_counter()
            micrograd_step(model, xs, ys)
            mg.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            r = post()
            api.append(time.perf_counter() - t0)
            assert r.status_code == 200
    check(doc, by_id)
    print(f"response {len(first.content) / 1e6:.2f} MB; every gradient equals micrograd's "
          "to 1e-12 relative")
    m, a = median_ms(mg), median_ms(api)
    print(f"{'micrograd forward + backward':<34}{m:9.1f} ms")
    print(f"{'POST /api/graph (all of it)':<34}{a:9.1f} ms")
    print(f"speed-up: {m / a:.2f}x micrograd (goal >= 10x)")


def check(doc: dict[str, Any], by_id: dict[str, Value]) -> None:
    grads = _grads(doc)
    worst = 0.0
    for nid, v in by_id.items():
        g = grads[nid]
        assert g is not None, nid
        worst = max(worst, abs(g - v.grad) / max(abs(v.grad), 1e-300))
    assert worst <= 1e-12, worst


def _grads(doc: dict[str, Any]) -> dict[str, float | None]:
    nodes = doc["nodes"]
    if isinstance(nodes, dict):  # the columnar encoding: one list per field
        return dict(zip(nodes["id"], nodes["grad"], strict=True))
    return {n["id"]: n["grad"] for n in nodes}


if __name__ == "__main__":
    assert ROOT
    main()
