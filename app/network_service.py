"""The compute behind POST /api/network and POST /api/network/train: request dict in, JSON out.

Two calls that each do one thing (docs/design/plan.md, "Networks"):

- :func:`network_document` builds the view's graph at the given parameters and traces it, and on
  request explains nodes and checks the gradients numerically. It never trains, so explaining a
  weight of a trained network costs one forward and backward pass and a derivation.
- :func:`train_document` runs ``steps`` of gradient descent, then traces the graph at the
  parameters after them, with the loss history and the parameters before.

Both documents carry ``spec``, the /api/network request that rebuilds their very graph (every
parameter by layer name at its current value), which the page sends back with ``explain``,
``gradcheck`` or ``steps`` instead of re-sending (and re-training) what it first asked for. Like
app.service, these are plain functions of plain data, so that they run in a worker process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.builders.network import (
    LayerParams,
    NetworkSpec,
    apply_params,
    by_layer_name,
    by_neuron_name,
    init_params,
    layer_names,
    make_spec,
    neuron_names,
)
from app.builders.network_figure import figure
from app.builders.network_layers import (
    check_data,
    graph_for,
    layer_inputs,
    other_view_hint,
)
from app.builders.network_neurons import neuron_inputs
from app.explain.derivation import derivations
from app.graph.engine import as_array, run
from app.graph.ir import GraphError
from app.graph.ops import Array
from app.graph.trace import Trace, jsonable
from app.limits import Limits
from app.serialize import Json, dumps, trace_to_dict
from app.service import gradcheck_rows
from app.train import train


@dataclass(frozen=True, slots=True)
class Network:
    """A checked network request: the shape, the data, the parameters and how it is shown."""

    spec: NetworkSpec
    inputs: Array  # samples x n_in
    targets: Array  # samples x n_out
    params: list[LayerParams]
    view: str
    learning_rate: float
    train_biases: bool

    @property
    def names(self) -> tuple[str, ...]:
        """The parameters' names in this view: w1.., b1.. or W1, b1, ..."""
        return neuron_names(self.spec) if self.view == "neurons" else layer_names(self.spec)

    @property
    def trainable(self) -> list[str]:
        """What gradient descent updates: the weights, and the biases with train_biases."""
        return [n for n in self.names if n[0] in "wW" or (self.train_biases and n[0] == "b")]

    def named_params(self) -> dict[str, Array]:
        if self.view == "neurons":
            return by_neuron_name(self.spec, self.params)
        return by_layer_name(self.params)


def parse(req: Mapping[str, Any], limits: Limits) -> Network:
    """The network of a validated request (see app.api.network_schemas); GraphError if the
    shape, the data or a parameter is wrong, or the network is over the limits."""
    given, explain = req.get("params") or {}, req.get("explain") or []
    if len(given) > limits.max_values:
        raise GraphError(f"{len(given)} parameter values given; the limit is "
                         f"{limits.max_values}", "params", kind="limit")
    if len(explain) > limits.max_explain:
        raise GraphError(f"{len(explain)} derivations asked for; the limit is "
                         f"{limits.max_explain}", "explain", kind="limit")
    spec = make_spec(req["layers"], req.get("activation", "sigmoid"),
                     req.get("loss", "half_sse"), bool(req.get("per_neuron_biases")),
                     limits.network)
    inputs, targets = as_array(req["inputs"], "inputs"), as_array(req["targets"], "targets")
    check_data(spec, inputs, targets)
    params = apply_params(spec, init_params(spec, int(req.get("seed", 0))), given)
    return Network(spec, inputs, targets, params, req.get("view", "neurons"),
                   float(req.get("learning_rate", 0.5)), bool(req.get("train_biases")))


def trace_network(net: Network, limits: Limits) -> Trace:
    """Forward and backward pass of the network's view at its parameters."""
    graph = graph_for(net.view, net.spec, net.targets, limits.network)
    data = neuron_inputs(net.inputs) if net.view == "neurons" else layer_inputs(net.inputs)
    return run(graph, {**data, **net.named_params()}, limits.budget)


def spec_of(net: Network) -> Json:
    """The /api/network request that rebuilds this network's graph, parameters included."""
    return {
        "layers": list(net.spec.layers),
        "activation": list(net.spec.activations),
        "loss": net.spec.loss,
        "per_neuron_biases": net.spec.per_neuron_biases,
        "inputs": net.inputs.tolist(),
        "targets": net.targets.tolist(),
        "params": {k: jsonable(v) for k, v in by_layer_name(net.params).items()},
        "view": net.view,
        "learning_rate": net.learning_rate,
        "train_biases": net.train_biases,
    }


def _document(net: Network, trace: Trace) -> Json:
    named = net.named_params()
    doc = trace_to_dict(trace)
    doc.update(
        view=net.view,
        learning_rate=net.learning_rate,
        loss=float(trace.values[trace.graph.output]),
        params={n: jsonable(named[n]) for n in net.names},
        grads={n: jsonable(trace.grads[n]) for n in net.names},
        trainable=net.trainable,
        figure=figure(net.spec, net.view, int(net.inputs.shape[0])),
        spec=spec_of(net),
    )
    return doc


def _explain(net: Network, trace: Trace, names: list[str]) -> dict[str, Json]:
    """Derivations of ``names``; the update line only for what gradient descent updates."""
    for name in names:
        if name not in trace.graph:
            hint = other_view_hint(net.spec, net.view, name)
            raise GraphError(f"cannot explain {name!r}: "
                             + (hint or f"it is not a node of this {net.view} view's graph"),
                             name, kind="explain")
    trainable = set(net.trainable)
    found = {**derivations(trace, [n for n in names if n in trainable], net.learning_rate),
             **derivations(trace, [n for n in names if n not in trainable], None)}
    return {n: found[n] for n in names}


def network_document(req: Mapping[str, Any], limits: Limits) -> Json:
    """The POST /api/network document: the traced graph, and the derivations and gradient check
    asked for (see the module doc)."""
    net = parse(req, limits)
    trace = trace_network(net, limits)
    doc = _document(net, trace)
    explain = list(dict.fromkeys(req.get("explain") or []))
    if explain:
        doc["derivations"] = _explain(net, trace, explain)
    if req.get("gradcheck"):
        doc["gradcheck"] = gradcheck_rows(trace, limits)
    return doc


def train_document(req: Mapping[str, Any], limits: Limits) -> Json:
    """The POST /api/network/train document: ``steps`` updates, then the graph traced at the
    parameters after them, with ``training`` = {steps, learning_rate, train_biases,
    params_before (by the view's names), loss_history (steps + 1 losses)}."""
    net = parse(req, limits)
    steps = int(req["steps"])
    before = net.named_params()
    after, history = train(net.spec, net.params, net.inputs, net.targets, net.learning_rate,
                           steps, net.train_biases, limits.budget, limits.network)
    trained = replace(net, params=after)
    doc = _document(trained, trace_network(trained, limits))
    doc["training"] = {
        "steps": steps,
        "learning_rate": net.learning_rate,
        "train_biases": net.train_biases,
        "params_before": {n: jsonable(before[n]) for n in net.names},
        "loss_history": history,
    }
    return doc


# Like app.service.is_small: a network this small (the seed's 2-2-2 with one sample and a few
# steps, about 2 ms of work) is computed in place; a round trip to a worker would cost as much.
INLINE_MAX_UNITS = 12
INLINE_MAX_SAMPLES = 4
INLINE_MAX_STEPS = 10
INLINE_MAX_EXPLAIN = 4


def is_small(req: Mapping[str, Any]) -> bool:
    """Whether a validated /api/network or /train request is cheap enough to compute in place."""
    return (
        sum(req["layers"]) <= INLINE_MAX_UNITS
        and len(req["inputs"]) <= INLINE_MAX_SAMPLES
        and int(req.get("steps", 0)) <= INLINE_MAX_STEPS
        and len(req.get("explain") or []) <= INLINE_MAX_EXPLAIN
        and not req.get("gradcheck")
    )


def network_job(req: Mapping[str, Any], limits: Limits) -> bytes:
    return dumps(network_document(req, limits))


def train_job(req: Mapping[str, Any], limits: Limits) -> bytes:
    return dumps(train_document(req, limits))
