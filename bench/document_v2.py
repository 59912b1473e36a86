"""The cost of the result document's version-2 fields (names, LaTeX, the script).

For three graphs, timed in one run (process time, medians over the repetitions):

- run        engine.run(): forward and backward, the reference for "one computation"
- v1         the document without the v2 fields (serialize._document)
- v1 + v2    serialize.trace_to_dict(): the same plus app.explain.document.add_v2
- bytes      the orjson body without and with the v2 fields

Graphs, in the neurons view with one sample unless said: the seed's 2-2-2 network (33 nodes);
an MLP 2-16-16-1 (682 nodes, under TEX_MAX_EDGES edges: everything, every edge with its
LaTeX); the same on a batch of 4 (the same 682 nodes, each holding 4 samples: strips of
arrays); an MLP 4-24-24-4 (1,656 nodes, more than TEX_MAX_EDGES edges: names, formulas and the
script, no per-edge LaTeX); an explicit chain of 10,000 adds (over SCRIPT_MAX_NODES: no v2
field, nothing to pay).

    .venv/bin/python bench/document_v2.py
    .venv/bin/python bench/document_v2.py --reps 15
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import median_ms

from app.builders.graph_json import build_graph
from app.builders.network import (
    NetworkLimits,
    apply_params,
    by_neuron_name,
    init_params,
    make_spec,
)
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.explain.document import SCRIPT_MAX_NODES, TEX_MAX_EDGES
from app.graph.engine import Trace, run
from app.network_examples import SEED_PARAMS
from app.serialize import _document, dumps, trace_to_dict


def seed() -> tuple[Any, dict[str, Any]]:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    params = apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    return (neurons_graph(spec, np.array([[0.01, 0.99]])),
            {**neuron_inputs(np.array([[0.05, 0.10]])), **by_neuron_name(spec, params)})


def mlp(layers: list[int], batch: int) -> tuple[Any, dict[str, Any]]:
    spec = make_spec(layers, ["relu"] * (len(layers) - 2) + ["identity"], "half_sse", False)
    rng = np.random.default_rng(1)
    x, t = rng.uniform(-1, 1, (batch, layers[0])), rng.uniform(-1, 1, (batch, layers[-1]))
    graph = neurons_graph(spec, t, NetworkLimits(max_neuron_nodes=1_000_000))
    return graph, {**neuron_inputs(x), **by_neuron_name(spec, init_params(spec, 1))}


def chain(n: int) -> tuple[Any, dict[str, Any]]:
    nodes = [{"id": "x0", "op": "input"}, {"id": "x1", "op": "input"}]
    nodes += [{"id": f"s{k}", "op": "add", "inputs": [f"s{k - 1}" if k else "x0", "x1"]}
              for k in range(n)]
    return build_graph({"nodes": nodes, "output": f"s{n - 1}"}, max_nodes=n + 2), \
        {"x0": 1.0, "x1": 0.5}


def timed(f: Callable[[], Any], reps: int) -> float:
    times = []
    for _ in range(reps):
        gc.collect()
        t0 = time.process_time()
        f()
        times.append(time.process_time() - t0)
    return median_ms(times)


def v1(trace: Trace) -> dict[str, Any]:
    paused = gc.isenabled()
    gc.disable()  # as trace_to_dict does
    try:
        return _document(trace)
    finally:
        if paused:
            gc.enable()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    cases = [("seed 2-2-2", seed()), ("MLP 2-16-16-1", mlp([2, 16, 16, 1], 1)),
             ("MLP 2-16-16-1 x4", mlp([2, 16, 16, 1], 4)),
             ("MLP 4-24-24-4", mlp([4, 24, 24, 4], 1)), ("chain of adds", chain(10_000))]
    print(f"v2: per-edge LaTeX up to {TEX_MAX_EDGES} edges, the script up to {SCRIPT_MAX_NODES} "
          "nodes")
    print(f"{'graph':<20}{'nodes':>7}{'edges':>7}{'run ms':>9}{'v1 ms':>9}{'v1+v2 ms':>10}"
          f"{'v2/run':>8}{'v1 KB':>8}{'v1+v2 KB':>10}")
    for name, (graph, values) in cases:
        trace = run(graph, values)
        n_edges = sum(len(n.inputs) for n in graph.nodes)
        t_run = timed(lambda g=graph, v=values: run(g, v), args.reps)
        t_v1 = timed(lambda t=trace: v1(t), args.reps)
        t_v2 = timed(lambda t=trace: trace_to_dict(t), args.reps)
        kb1 = len(dumps(v1(trace))) / 1024
        kb2 = len(dumps(trace_to_dict(trace))) / 1024
        print(f"{name:<20}{len(graph):>7}{n_edges:>7}{t_run:>9.2f}{t_v1:>9.2f}{t_v2:>10.2f}"
              f"{(t_v2 - t_v1) / t_run:>8.2f}{kb1:>8.0f}{kb2:>10.0f}")


if __name__ == "__main__":
    main()
