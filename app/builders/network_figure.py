"""The lecture's picture of a network as data: layers of units, weights on connections, biases.

    >>> spec = NetworkSpec((2, 2, 2), ("sigmoid", "sigmoid"), "half_sse")
    >>> f = figure(spec, "neurons", 1)
    >>> [u["node"] for u in f["layers"][1]["units"]], f["connections"][4]
    (['h1', 'h2'], {'weight': 'w5', 'from': 'h1', 'to': 'o1', 'gate': 'w5*h1', 'z': 'z3'})

One schema for both views (documented in docs/design/plan.md, "figure"). In the neurons view a
unit is a neuron, drawn as a circle: its activation node, its pre-activation(s) ``z`` (two
pieces for maxout), the bias(es) it adds and its ``gates``, the computation-graph view of that
neuron (its products, z and activation, in topological order). In the layers view a unit is a
whole layer: its vector, its matrix W on the incoming connection. Every id is a node id of the
graph the same builder makes (tests/test_network_figure.py checks each against the graph), so
the page draws the figure and opens a neuron's gates from the document alone.
"""

from __future__ import annotations

from typing import Any

from app.builders.network import (
    CLASS_LOSSES,
    NetworkSpec,
    activation_name,
    bias_name,
    pre_activation_name,
    weight_name,
)
from app.builders.network_layers import layer_ids

Json = dict[str, Any]


def figure(spec: NetworkSpec, view: str, samples: int) -> Json:
    """The figure of ``spec``'s ``view`` ("neurons" or "layers") for a batch of ``samples``."""
    body = _neurons(spec) if view == "neurons" else _layers(spec, samples)
    body["layers"].append(_loss_layer(spec, view, samples, body["layers"][-1]["units"]))
    for index, layer in enumerate(body["layers"]):
        layer["index"] = index
    return {"view": view, "samples": samples, **body}


def _layer(spec: NetworkSpec, lay: int, units: list[Json]) -> Json:
    if lay == 0:
        return {"id": "input", "kind": "input", "units": units}
    kind = "output" if lay == spec.depth else "hidden"
    return {"id": spec.layer_id(lay), "kind": kind, "activation": spec.activations[lay - 1],
            "units": units}


def _neurons(spec: NetworkSpec) -> Json:
    prev = [f"x{i + 1}" for i in range(spec.layers[0])]
    layers = [_layer(spec, 0, [{"node": x} for x in prev])]
    connections: list[Json] = []
    biases: dict[str, Json] = {}
    for lay in range(1, spec.depth + 1):
        k = spec.pieces(lay)
        units = []
        for j in range(spec.layers[lay]):
            h = activation_name(spec, lay, j)
            rows = range(j * k, (j + 1) * k)  # a maxout neuron's two pieces, else one row
            zs = [pre_activation_name(spec, lay, r) for r in rows]
            bs = list(dict.fromkeys(bias_name(spec, lay, r) for r in rows))
            gates: list[str] = []
            for r, z in zip(rows, zs, strict=True):
                for c, src in enumerate(prev):
                    w = weight_name(spec, lay, r, c)
                    gates.append(f"{w}*{src}")
                    connections.append({"weight": w, "from": src, "to": h, "gate": f"{w}*{src}",
                                        "z": z})
                gates.append(z)
                b = bias_name(spec, lay, r)
                entry = biases.setdefault(b, {"id": b, "to": [], "z": []})
                entry["to"] = list(dict.fromkeys([*entry["to"], h]))
                entry["z"].append(z)
            units.append({"node": h, "z": zs, "bias": bs, "gates": [*gates, h]})
        layers.append(_layer(spec, lay, units))
        prev = [str(u["node"]) for u in units]
    return {"layers": layers, "connections": connections, "biases": list(biases.values())}


def _layers(spec: NetworkSpec, samples: int) -> Json:
    batch = samples > 1
    x, o, _t = layer_ids(samples)
    layers = [_layer(spec, 0, [{"node": x, "size": spec.layers[0]}])]
    connections: list[Json] = []
    biases: list[Json] = []
    prev = x
    for lay in range(1, spec.depth + 1):
        w, b = f"W{lay}", f"b{lay}"
        z = f"Z{lay}" if batch else f"z{lay}"
        h = o if lay == spec.depth else (f"H{lay}" if batch else f"h{lay}")
        lin = f"{prev}{w}^T" if batch else f"{w}{prev}"
        gates = [f"{w}^T", lin, z, h] if batch else [lin, z, h]
        layers.append(_layer(spec, lay, [{"node": h, "size": spec.layers[lay], "z": [z],
                                          "bias": [b], "gates": gates}]))
        connections.append({"weight": w, "from": prev, "to": h, "gate": lin, "z": z,
                            "shape": [spec.rows(lay), spec.layers[lay - 1]]})
        biases.append({"id": b, "to": [h], "z": [z]})
        prev = h
    return {"layers": layers, "connections": connections, "biases": biases}


def _loss_layer(spec: NetworkSpec, view: str, samples: int, outputs: list[Json]) -> Json:
    """The loss units: per-output errors then E_total (see network_neurons' module doc)."""
    outs = [u["node"] for u in outputs]
    layer: Json = {"id": "loss", "kind": "loss", "loss": spec.loss}
    if view == "layers":
        target = layer_ids(samples)[2]
        layer["units"] = [{"node": "E_total", "from": outs, "target": target,
                           "gates": ["E_total"]}]
        return layer
    if spec.loss in CLASS_LOSSES:
        gates = ["outputs", "logits", "E_total"] if samples > 1 else ["logits", "E_total"]
        layer["units"] = [{"node": "E_total", "from": outs, "target": "target", "gates": gates}]
        return layer
    errors = [f"E_o{j + 1}" for j in range(len(outs))]
    units: list[Json] = [{"node": e, "from": [o], "target": f"target_o{j + 1}", "gates": [e]}
                         for j, (e, o) in enumerate(zip(errors, outs, strict=True))]
    if spec.loss == "mse" and len(errors) > 1:
        gates = ["errors", "E_total"]
    elif spec.loss == "half_sse" and samples > 1 and len(errors) > 1:
        gates = ["E_sum", "E_total"]
    else:
        gates = ["E_total"]
    layer["units"] = [*units, {"node": "E_total", "from": errors, "gates": gates}]
    return layer
