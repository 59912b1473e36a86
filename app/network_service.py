"""The compute behind POST /api/network: a validated request dict in, JSON bytes out.

Like app.service, a plain function of plain data, so that it runs in a worker process. The
order of the work follows the page: build the view's graph at the starting parameters and trace
it (what /api/graph returns), read off the loss and the parameters' gradients, train, then
explain the requested nodes on the traced graph (the update shown is step 1's).
"""

from __future__ import annotations

from collections.abc import Mapping
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
from app.builders.network_layers import (
    check_data,
    graph_for,
    layer_inputs,
    layer_sequence,
    neuron_inputs,
)
from app.explain.derivation import derivations
from app.graph.engine import as_array, run
from app.graph.ops import Array
from app.graph.trace import jsonable
from app.limits import Limits
from app.serialize import Json, dumps, trace_to_dict
from app.train import check_training, train


def _named(spec: NetworkSpec, view: str, params: list[LayerParams]) -> dict[str, Array]:
    return by_neuron_name(spec, params) if view == "neurons" else by_layer_name(params)


def network_document(req: Mapping[str, Any], limits: Limits) -> Json:
    """The /api/network result document for a validated request (see NetworkRequest)."""
    spec = make_spec(req["layers"], req.get("activation", "sigmoid"),
                     req.get("loss", "half_sse"), bool(req.get("per_neuron_biases")))
    inputs, targets = as_array(req["inputs"], "inputs"), as_array(req["targets"], "targets")
    check_data(spec, inputs, targets)
    steps, lr = int(req.get("steps", 0)), float(req.get("learning_rate", 0.5))
    train_biases = bool(req.get("train_biases"))
    check_training(spec, inputs.shape[0], steps)  # refuse before building anything
    params = apply_params(spec, init_params(spec, int(req.get("seed", 0))),
                          req.get("params") or {})
    view = req.get("view", "neurons")
    graph = graph_for(view, spec, targets)
    data = neuron_inputs(inputs) if view == "neurons" else layer_inputs(inputs)
    named = _named(spec, view, params)
    trace = run(graph, {**data, **named}, limits.budget)

    names = neuron_names(spec) if view == "neurons" else layer_names(spec)
    trainable = [n for n in names if n[0] in "wW" or (train_biases and n[0] == "b")]
    after, history = train(spec, params, inputs, targets, lr, steps, train_biases,
                           limits.budget)
    named_after = _named(spec, view, after)
    explain = list(dict.fromkeys(req.get("explain") or []))
    # the update line only for what gradient descent updates (weights; biases if trained)
    found = {**derivations(trace, [n for n in explain if n in trainable], lr),
             **derivations(trace, [n for n in explain if n not in trainable], None)}
    doc = trace_to_dict(trace)
    doc.update(
        view=view,
        learning_rate=lr,
        loss=float(trace.values[graph.output]),
        params={n: jsonable(named[n]) for n in names},
        grads={n: jsonable(trace.grads[n]) for n in names},
        params_after={n: jsonable(named_after[n]) for n in names},
        trainable=trainable,
        loss_history=history,
        derivations={n: found[n] for n in explain},
        network={"layers": list(spec.layers), "activations": list(spec.activations),
                 "loss": spec.loss, "per_neuron_biases": spec.per_neuron_biases,
                 "train_biases": train_biases, "samples": int(inputs.shape[0]),
                 "steps": steps, "groups": list(layer_sequence(spec))},
    )
    return doc


# Like app.service.is_small: a network this small (the seed's 2-2-2 with one sample and a few
# steps, about 2 ms of work) is computed in place; a round trip to a worker would cost as much.
INLINE_MAX_UNITS = 12
INLINE_MAX_SAMPLES = 4
INLINE_MAX_STEPS = 10
INLINE_MAX_EXPLAIN = 4


def is_small(req: Mapping[str, Any]) -> bool:
    """Whether a validated /api/network request is cheap enough to compute in place."""
    return (
        sum(req["layers"]) <= INLINE_MAX_UNITS
        and len(req["inputs"]) <= INLINE_MAX_SAMPLES
        and int(req.get("steps", 0)) <= INLINE_MAX_STEPS
        and len(req.get("explain") or []) <= INLINE_MAX_EXPLAIN
    )


def network_job(req: Mapping[str, Any], limits: Limits) -> bytes:
    return dumps(network_document(req, limits))
