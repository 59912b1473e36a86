"""POST /api/network: build, trace, train and explain a network; GET /api/activations."""

from __future__ import annotations

from functools import lru_cache

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from app.activations import activations
from app.api.deps import ComputeDep, LimitsDep
from app.api.network_schemas import ActivationPublic, NetworkRequest, NetworkResult
from app.api.routes.graph import ERRORS
from app.network_service import is_small, network_job

router = APIRouter(prefix="/api", tags=["network"])


@router.post(
    "/network",
    response_model=NetworkResult,
    responses=ERRORS,
    summary="A fully connected network: its graph, gradients, training and derivations",
)
async def post_network(body: NetworkRequest, limits: LimitsDep, compute: ComputeDep) -> Response:
    """The graph of the network at its starting parameters (as /api/graph returns it), in the
    neurons view (one scalar node per weight, pre-activation and activation, named as the seed
    names them) or the layers view (one tensor node per layer); the loss, the parameters and
    their gradients by name; ``steps`` gradient-descent updates (``params_after``,
    ``loss_history``); and the chain-rule derivation of every node in ``explain``.

    Names (neurons view): inputs x1..; weights w1.. numbered layer by layer, then by the next
    layer's neuron, then by its input (w1: x1->h1, w2: x2->h1, w3: x1->h2 ...); biases b1, b2
    (one per layer, or b1_1, b1_2 per neuron); pre-activations z1.. numbered across layers;
    activations h1.. (h{layer}_{neuron} with two or more hidden layers) and outputs o1..; per
    output errors E_o1.. and E_total. With several samples every non-parameter id gets @s
    (h1@2) and E_total is the mean of the samples' E_total@s. Maxout: 2 pieces per neuron,
    each its own z and weights, h = max(z_a, z_b). Layers view: x (or X, samples x n_in),
    W1, b1, z1 = W1 x + b1 (Z1 = X W1^T + b1), h1 (H1), ..., o (O), target (T), E_total.
    Training runs the layers graph; every step uses the gradients at that step's parameters;
    biases move only with ``train_biases``."""
    req = body.model_dump()
    body_bytes = await compute.run(network_job, req, limits, inline=is_small(req))
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
