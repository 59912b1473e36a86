"""POST /api/graph: evaluate an expression or an explicit graph, forward and backward;
POST /api/inputs: what an expression's inputs need before its first run."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app.api.deps import ComputeDep, LimitsDep
from app.api.schemas import (
    ErrorResponse,
    GraphRequest,
    GraphResult,
    InputsRequest,
    InputsResult,
)
from app.service import graph_job, inputs_document, is_small

router = APIRouter(prefix="/api", tags=["graph"])

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorResponse, "description": "the body is not UTF-8 JSON"},
    413: {"model": ErrorResponse, "description": "the body is too large"},
    422: {"model": ErrorResponse, "description": "the request or its graph is invalid"},
    503: {"model": ErrorResponse, "description": "busy, or the computation overran its deadline"},
}


@router.post(
    "/graph",
    response_model=GraphResult,
    responses=ERRORS,
    summary="Forward and backward pass of a computation graph",
)
async def post_graph(body: GraphRequest, limits: LimitsDep, compute: ComputeDep) -> Response:
    """Every node's value and gradient, every edge's local gradient and the gradient it
    carries, and the forward and backward orders (the backward order is the animation's
    script)."""
    req = body.model_dump()
    body_bytes = await compute.run(graph_job, req, limits, inline=is_small(req))
    return Response(body_bytes, media_type="application/json")


@router.post(
    "/inputs",
    response_model=InputsResult,
    responses={k: v for k, v in ERRORS.items() if k != 503},
    summary="The inputs of an expression, with starting values of the shapes it needs",
)
async def post_inputs(body: InputsRequest, limits: LimitsDep) -> InputsResult:
    """Every input of the expression in order, with the shape it needs (``W @ x``: W a 2 x 2
    matrix, x a 2-vector; otherwise a scalar) and a starting value; shape and value are null
    where no simple guess fits the expression's shape rules. Parsing is bounded by the
    expression caps (``GET /api/limits``), so this is answered in place."""
    return InputsResult.model_validate(inputs_document(body.expression, limits))
