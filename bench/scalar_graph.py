"""A large scalar graph: Chainrule's engine + serialization against micrograd.

An MLP 2-16-16-1 (relu, relu, identity; half_sse averaged over the batch) as micrograd builds it:
one scalar node per weight, product, pre-activation and activation, every sample its own copy
(tests/scalar_networks.py). A batch of 26 samples gives ~10,000 nodes. Timed, interleaved,
medians over the repetitions:

- chainrule run      engine.run(): leaf checks, shapes, budget, forward, backward (a graph
                     this size goes through the levelized executor)
- chainrule to_dict  serialize.trace_to_dict() of that trace
- chainrule dumps    orjson bytes of that document
- chainrule total    the three together (the graph is built once, outside the timing)
- sequential         the same three through the sequential passes (sequential.forward and
                     sequential.backward, one node at a time): what the levelized executor replaces;
                     its JSON must be byte-identical
- network_job        the whole POST /api/network computation of the same network and batch, for
                     reference: the app's neurons view is ONE graph whose data nodes hold the
                     batch (~680 nodes of 26 values), not a scalar copy per sample
- micrograd          micrograd.engine.Value: build the same MLP with the same weights, forward
                     and backward on the same batch (no serialization: it has none)

Gradients of every weight and bias are checked against micrograd's to 1e-9 (relative).

    .venv/bin/python bench/scalar_graph.py              # the table
    .venv/bin/python bench/scalar_graph.py --profile    # + a pyinstrument profile of the total
    .venv/bin/python bench/scalar_graph.py --reps 15 --batch 26

micrograd and pyinstrument: ``.venv/bin/pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import Any

import numpy as np
from _common import blas_note, median_ms

from app.builders.network import by_neuron_name, make_spec, neuron_names
from app.graph.engine import leaf_values, run
from app.graph.sequential import backward, forward
from app.graph.shapes import Budget, check_budget, infer_shapes
from app.graph.trace import Trace
from app.limits import Limits
from app.network_service import network_job
from app.serialize import dumps, trace_to_dict
from tests.scalar_networks import scalar_batch

LAYERS = (2, 16, 16, 1)
ACTS = ("relu", "relu", "identity")


def setup(batch: int) -> dict[str, Any]:
    spec = make_spec(LAYERS, list(ACTS), "half_sse", False)
    rng = np.random.default_rng(1)
    params = []
    for lay in range(1, spec.depth + 1):
        n_in, n_out = spec.layers[lay - 1], spec.layers[lay]
        params.append((rng.normal(0, (2 / (n_in + n_out)) ** 0.5, size=(n_out, n_in)),
                       np.asarray(0.1 * lay)))
    inputs = rng.uniform(-1, 1, size=(batch, LAYERS[0]))
    targets = rng.uniform(-1, 1, size=(batch, LAYERS[-1]))
    named = by_neuron_name(spec, params)
    graph, values = scalar_batch(spec, inputs, targets, params)
    req = {"layers": list(LAYERS), "activation": list(ACTS), "loss": "half_sse",
           "inputs": inputs.tolist(), "targets": targets.tolist(),
           "params": {k: float(v) for k, v in named.items()}, "view": "neurons"}
    return {"spec": spec, "params": params, "inputs": inputs, "targets": targets,
            "graph": graph, "values": values, "req": req}


def chainrule(s: dict[str, Any]) -> tuple[Trace, bytes, tuple[float, float, float]]:
    t0 = time.process_time()
    trace = run(s["graph"], s["values"])
    t1 = time.process_time()
    doc = trace_to_dict(trace)
    t2 = time.process_time()
    body = dumps(doc)
    t3 = time.process_time()
    return trace, body, (t1 - t0, t2 - t1, t3 - t2)


def sequential(s: dict[str, Any]) -> tuple[bytes, tuple[float, float, float]]:
    """run() without the levelized executor: the node-by-node passes."""
    t0 = time.process_time()
    graph = s["graph"]
    leaves = leaf_values(graph, s["values"])
    check_budget(graph, infer_shapes(graph, {k: v.shape for k, v in leaves.items()}), Budget())
    trace = backward(graph, forward(graph, leaves))
    t1 = time.process_time()
    doc = trace_to_dict(trace)
    t2 = time.process_time()
    body = dumps(doc)
    t3 = time.process_time()
    return body, (t1 - t0, t2 - t1, t3 - t2)


def micrograd_grads(s: dict[str, Any]) -> dict[str, float]:
    """Forward + backward with micrograd; the gradient of every parameter by neurons-view name."""
    from micrograd.engine import Value

    spec, params = s["spec"], s["params"]
    inputs, targets = s["inputs"], s["targets"]
    ws = [[[Value(float(v)) for v in row] for row in w] for w, _b in params]
    bs = [Value(float(b)) for _w, b in params]
    total: Any = None
    for x, t in zip(inputs.tolist(), targets.tolist(), strict=True):
        prev: list[Any] = x
        for lay in range(spec.depth):
            zs = []
            for row in ws[lay]:
                z = row[0] * prev[0]
                for w, h in zip(row[1:], prev[1:], strict=True):
                    z = z + w * h
                zs.append(z + bs[lay])
            prev = [z.relu() for z in zs] if ACTS[lay] == "relu" else zs
        e = sum(((tj - o) ** 2 * 0.5 for o, tj in zip(prev, t, strict=True)), start=Value(0.0))
        total = e if total is None else total + e
    loss = total * (1.0 / len(inputs))
    loss.backward()
    out = {}
    names = iter(neuron_names(spec))
    for w in ws:
        for row in w:
            for v in row:
                out[next(names)] = v.grad
    for b in bs:
        out[next(names)] = b.grad
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=26, help="samples (26: ~10k nodes)")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--profile", action="store_true", help="pyinstrument the chainrule total")
    args = ap.parse_args()
    print(blas_note())
    s = setup(args.batch)
    graph = s["graph"]
    print(f"MLP {'-'.join(map(str, LAYERS))} ({', '.join(ACTS)}), half_sse, batch {args.batch}: "
          f"a scalar copy per sample: {len(graph)} nodes, "
          f"{sum(len(n.inputs) for n in graph.nodes)} edges")

    # correctness first: the same gradients as micrograd's
    trace, body, _ = chainrule(s)
    mg = micrograd_grads(s)
    worst = max(abs(float(trace.grads[n]) - g) / max(1.0, abs(g)) for n, g in mg.items())
    print(f"gradients of {len(mg)} parameters vs micrograd: max rel. diff {worst:.2e} "
          f"({'OK' if worst < 1e-9 else 'MISMATCH'}); JSON {len(body) / 1e6:.2f} MB")
    if worst >= 1e-9:
        sys.exit("gradients disagree with micrograd")
    same = sequential(s)[0] == body
    print("levelized executor vs sequential passes: JSON "
          f"{'byte-identical' if same else 'DIFFERS'}")
    if not same:
        sys.exit("the levelized executor changed the document")

    timings: dict[str, list[float]] = {
        k: [] for k in ("run", "to_dict", "dumps", "total", "job", "micrograd", "seq_run",
                        "seq_to_dict", "seq_total")}
    limits = Limits.defaults()
    jobs = ["chainrule", "job", "micrograd", "sequential"]
    for rep in range(args.reps):
        order = jobs[rep % len(jobs):] + jobs[:rep % len(jobs)]  # rotate who goes first
        for name in order:
            gc.collect()
            if name == "chainrule":
                _, _, (a, b, c) = chainrule(s)
                timings["run"].append(a)
                timings["to_dict"].append(b)
                timings["dumps"].append(c)
                timings["total"].append(a + b + c)
            elif name == "sequential":
                _, (a, b, c) = sequential(s)
                timings["seq_run"].append(a)
                timings["seq_to_dict"].append(b)
                timings["seq_total"].append(a + b + c)
            elif name == "job":
                t0 = time.process_time()
                network_job(s["req"], limits)
                timings["job"].append(time.process_time() - t0)
            else:
                t0 = time.process_time()
                micrograd_grads(s)
                timings["micrograd"].append(time.process_time() - t0)

    mg_ms = median_ms(timings["micrograd"])
    print(f"\nCPU time (time.process_time), medians of {args.reps} interleaved repetitions "
          "(speed-up = micrograd time / this time)")
    print(f"{'what':<44}{'ms':>10}{'speed-up':>12}")
    rows = [
        ("chainrule engine.run (forward+backward)", "run"),
        ("chainrule trace_to_dict", "to_dict"),
        ("chainrule orjson dumps", "dumps"),
        ("chainrule total (run+to_dict+dumps)", "total"),
        ("network_job (whole /api/network compute)", "job"),
        ("sequential passes: forward+backward", "seq_run"),
        ("sequential passes: trace_to_dict", "seq_to_dict"),
        ("sequential passes: total", "seq_total"),
        ("micrograd forward+backward", "micrograd"),
    ]
    for label, key in rows:
        ms = median_ms(timings[key])
        print(f"{label:<44}{ms:>10.1f}{mg_ms / ms:>11.2f}x")
    total = median_ms(timings["total"])
    print(f"\ntarget: chainrule total >= 10x faster than micrograd: "
          f"{mg_ms / total:.2f}x -> {'MET' if mg_ms / total >= 10 else 'NOT MET'}")
    print(f"levelized executor vs sequential passes: forward+backward "
          f"{median_ms(timings['seq_run']) / median_ms(timings['run']):.2f}x faster, total "
          f"{median_ms(timings['seq_total']) / total:.2f}x")

    if args.profile:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
        for _ in range(5):
            chainrule(s)
        prof.stop()
        print(prof.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
