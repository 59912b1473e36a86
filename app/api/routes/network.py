"""POST /api/network (build, trace, explain, check), POST /api/network/train, GET /api/activations.

    POST /api/network        {"layers": [2, 2, 2], "inputs": [[0.05, 0.1]], ...}
    POST /api/network        {...doc["spec"], "explain": ["w1"]}    # no retraining
    POST /api/network/train  {...doc["spec"], "steps": 100}
"""

from __future__ import annotations

from functools import lru_cache

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from app.activations import activations
from app.api.deps import ComputeDep, LimitsDep
from app.api.network_schemas import (
    ActivationPublic,
    NetworkRequest,
    NetworkResult,
    NetworkTrainRequest,
)
from app.api.routes.graph import ERRORS
from app.network_service import is_small, network_job, train_job

router = APIRouter(prefix="/api", tags=["network"])


@router.post(
    "/network",
    response_model=NetworkResult,
    responses=ERRORS,
    summary="A fully connected network's graph, traced at its parameters (never trained)",
)
async def post_network(body: NetworkRequest, limits: LimitsDep, compute: ComputeDep) -> Response:
    """The graph of the network at the given parameters, forward and backward, as /api/graph
    returns it, in the neurons view (one scalar node per weight, pre-activation and activation,
    named as the seed names them) or the layers view (one tensor node per layer); the loss, the
    parameters and their gradients by name; ``figure``, the lecture's picture (layers of units,
    weights on connections, biases, each neuron's gates); ``spec``, the request that rebuilds
    this graph; the chain-rule derivation of every node in ``explain`` (with the update
    w+ = w - learning_rate * grad for what gradient descent updates); with ``gradcheck``, every
    input's gradient against central differences. This call never trains: send ``spec`` back
    with ``explain`` or ``gradcheck`` to explain or check a trained network without training it
    again, and to /api/network/train with ``steps`` to train.

    Names (neurons view): inputs x1..; weights w1.. numbered layer by layer, then by the next
    layer's neuron, then by its input (w1: x1->h1, w2: x2->h1, w3: x1->h2 ...); biases b1, b2
    (one per layer, or b1_1, b1_2 per neuron); pre-activations z1.. numbered across layers;
    activations h1.. (h{layer}_{neuron} with two or more hidden layers) and outputs o1..; per
    output errors E_o1.. and E_total. A batch of S samples is the same graph: every node that
    depends on the data holds S values, one per sample; E_total is the mean over samples of
    each sample's loss (half_sse: E_total = (E_o1 + ...) / N, N = S). Maxout: 2 pieces per
    neuron, each its own z and weights, h = max(z_a, z_b). Layers view: x (X, samples x n_in),
    W1, b1, z1 = W1 x + b1 (Z1 = X W1^T + b1), h1 (H1), ..., o (O), target (T), E_total. A name
    of the other view is refused (422, kind "explain") with where to find it in this one."""
    req = body.model_dump()
    body_bytes = await compute.run(network_job, req, limits, inline=is_small(req))
    return Response(body_bytes, media_type="application/json")


@router.post(
    "/network/train",
    response_model=NetworkResult,
    responses=ERRORS,
    summary="Gradient descent on a network, then its graph traced at the new parameters",
)
async def post_network_train(
    body: NetworkTrainRequest, limits: LimitsDep, compute: ComputeDep
) -> Response:
    """``steps`` updates w <- w - learning_rate * dE_total/dw from the given parameters (the
    weights, and the biases with ``train_biases``; every step uses the gradients at that
    step's parameters, so step 1 of the seed is the worked example's update). Returns the same
    document as /api/network for the parameters AFTER the steps (its ``spec`` continues from
    there), plus ``training``: the steps, the learning rate, ``params_before`` and
    ``loss_history`` (steps + 1 losses: before step 1, then after every step). The work is
    bounded before it starts (422, kind "limit", naming the bound); a loss that overflows is a
    422 of kind "numeric" ("training diverged after N steps")."""
    req = body.model_dump()
    body_bytes = await compute.run(train_job, req, limits, inline=is_small(req))
    return Response(body_bytes, media_type="application/json")


@lru_cache(maxsize=1)
def _gallery() -> bytes:
    return orjson.dumps(activations())


@router.get(
    "/activations",
    response_model=list[ActivationPublic],
    summary="The activation functions, their derivatives and their curves",
)
def get_activations() -> Response:
    """Every activation /api/network takes: f(x) and f'(x) in LaTeX (from the op registry) and
    201 points on [-5, 5]. Maxout has no points: it is max(z_a, z_b) of a neuron's two
    pre-activations, not a function of one number."""
    return Response(_gallery(), media_type="application/json")
