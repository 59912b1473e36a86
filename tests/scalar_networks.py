"""A network on a batch as one big graph of SCALAR nodes: one copy of the neurons view per sample.

The app draws a batch as one graph whose data nodes hold a vector of samples
(app/builders/network_neurons.py). The levelized executor's tests and bench/scalar_graph.py want
the other shape, the one micrograd builds: every sample's own scalar copy of the graph (ids
suffixed ``@s``: x1@2, h1@2, E_total@2), sharing the parameters, and
``E_total = mean(stack(E_total@1, E_total@2, ...))``; one sample is the app's graph itself.

    >>> from app.builders.network import make_spec
    >>> spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    >>> g, v = scalar_batch(spec, np.zeros((3, 2)), np.zeros((3, 2)))
    >>> len(g), g.node("z1@2").inputs, sorted(v)[:2]
    (81, ('w1*x1@2', 'w2*x2@2', 'b1'), ['b1', 'b2'])
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.builders.network import (
    LayerParams,
    NetworkLimits,
    NetworkSpec,
    by_neuron_name,
    init_params,
)
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.graph.ir import Graph, Node, make_graph
from app.graph.ops import Array

UNBOUNDED = NetworkLimits(max_neuron_nodes=10**9)


def scalar_batch(
    spec: NetworkSpec, inputs: Array, targets: Array, params: list[LayerParams] | None = None
) -> tuple[Graph, dict[str, Array]]:
    """The per-sample-copy graph of ``spec`` on ``inputs``/``targets`` and its leaves' values
    (``params`` or the seed-0 initialisation)."""
    params = params if params is not None else init_params(spec, 0)
    values: dict[str, Array] = dict(by_neuron_name(spec, params))
    if inputs.shape[0] == 1:  # one sample: the app's own graph, plain ids
        return neurons_graph(spec, targets, UNBOUNDED), {**values, **neuron_inputs(inputs)}
    nodes: list[Node] = []
    totals = []
    for s in range(inputs.shape[0]):
        one = neurons_graph(spec, targets[s:s + 1], UNBOUNDED)
        shared = {n.id for n in one.nodes if n.role in ("weight", "bias")}

        def rename(nid: str, sfx: str = f"@{s + 1}", shared: set[str] = shared) -> str:
            return nid if nid in shared else nid + sfx

        for n in one.nodes:
            if n.id in shared:
                if s == 0:
                    nodes.append(n)
                continue
            nodes.append(replace(n, id=rename(n.id), inputs=tuple(map(rename, n.inputs)),
                                 label=None if n.label is None else rename(n.label)))
        values.update({rename(k): v for k, v in neuron_inputs(inputs[s:s + 1]).items()})
        totals.append(rename("E_total"))
    nodes += [Node("E_samples", "stack", tuple(totals), group="loss"),
              Node("E_total", "mean", ("E_samples",), label="E_total", named=True, role="loss",
                   group="loss")]
    return make_graph(nodes, "E_total"), {k: np.asarray(v) for k, v in values.items()}
