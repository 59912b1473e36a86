"""The compute behind the routes: request data in, JSON bytes out.

Each job is a plain function of plain data (what pydantic validated, as dicts), so that it can
run in this process or in a worker process alike. This is the one place where the builders,
the engine and the serializer meet; the routes only validate and hand over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.builders.expression import parse_expression
from app.builders.graph_json import build_graph
from app.graph.engine import run
from app.graph.gradcheck import gradcheck
from app.graph.shapes import Budget
from app.serialize import Json, dumps, jsonable, trace_to_dict


@dataclass(frozen=True, slots=True)
class Limits:
    budget: Budget = field(default_factory=Budget)
    max_gradcheck_cost: int = 2_000_000


def _finite_or_none(x: float) -> float | None:
    return x if x == x and abs(x) != float("inf") else None


def graph_document(req: Mapping[str, Any], limits: Limits) -> Json:
    """The /api/graph result document for a validated request."""
    graph = (
        parse_expression(req["expression"])
        if req.get("expression") is not None
        else build_graph(req["graph"])
    )
    trace = run(graph, req.get("values") or {}, limits.budget)
    doc = trace_to_dict(trace)
    if req.get("gradcheck"):
        doc["gradcheck"] = [
            {
                "id": c.id,
                "analytic": jsonable(c.analytic),
                "numeric": jsonable(c.numeric) if c.rel_error != float("inf") else None,
                "rel_error": _finite_or_none(c.rel_error),
            }
            for c in gradcheck(trace, limits.max_gradcheck_cost)
        ]
    return doc


def graph_job(req: Mapping[str, Any], limits: Limits) -> bytes:
    return dumps(graph_document(req, limits))
