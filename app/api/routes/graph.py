"""POST /api/graph: evaluate an expression or an explicit graph, forward and backward."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app.api.deps import ComputeDep, LimitsDep
from app.api.schemas import ErrorResponse, GraphRequest, GraphResult
from app.service import graph_job, is_small

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
