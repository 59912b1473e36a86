"""The compute behind the routes: request data in, JSON bytes out.

Each job is a plain function of plain data (what pydantic validated, as dicts), so that it can
run in this process or in a worker process alike. This is the one place where the builders,
the engine and the serializer meet; the routes only validate and hand over.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from app.builders.expression import parse_program
from app.builders.graph_json import build_graph
from app.builders.inputs import suggest_inputs
from app.explain.derivation import derivations
from app.graph.engine import check_values, run
from app.graph.gradcheck import gradcheck
from app.graph.ir import GraphError
from app.graph.trace import Trace, jsonable
from app.limits import Limits
from app.serialize import Json, dumps, trace_to_dict

# The IR is immutable, so a parsed expression can be shared between requests: the examples and a
# page replaying its animation send the same text again and again. Errors are not cached.
_parse = lru_cache(maxsize=512)(parse_program)

# Below these sizes a request's whole computation is bounded to about a millisecond (at most a few
# hundred nodes over at most this many numbers), so the server does it in place: a hop to a
# worker process would cost more than the work. Everything else goes to the worker pool, under
# its deadline.
INLINE_MAX_TEXT = 1_000
INLINE_MAX_NODES = 200
INLINE_MAX_NUMBERS = 1_000


def _count_numbers(value: object) -> int:
    return sum(_count_numbers(v) for v in value) if isinstance(value, list) else 1


def is_small(req: Mapping[str, Any]) -> bool:
    """Whether a validated /api/graph request is cheap enough to compute in place."""
    if req.get("gradcheck") or req.get("explain"):
        return False
    if req.get("expression") is not None:
        if len(req["expression"]) > INLINE_MAX_TEXT:
            return False
    elif len(req["graph"]["nodes"]) > INLINE_MAX_NODES:
        return False
    # the data: input values and the values of an explicit graph's constants (at most lists of
    # lists, validated: the recursion is two levels deep)
    consts = [n.get("value") for n in req["graph"]["nodes"]] if req.get("graph") else []
    budget = INLINE_MAX_NUMBERS
    for value in [*(req.get("values") or {}).values(), *consts]:
        budget -= 0 if value is None else _count_numbers(value)
        if budget < 0:
            return False
    return True


def check_request(req: Mapping[str, Any], limits: Limits) -> None:
    """Refuse (kind "limit") a request that names more values or derivations than allowed."""
    values, explain = req.get("values") or {}, req.get("explain") or []
    if len(values) > limits.max_values:
        raise GraphError(f"{len(values)} values given; the limit is {limits.max_values}",
                         kind="limit")
    if len(explain) > limits.max_explain:
        raise GraphError(f"{len(explain)} derivations asked for; the limit is "
                         f"{limits.max_explain}", kind="limit")


def graph_document(req: Mapping[str, Any], limits: Limits) -> Json:
    """The /api/graph result document for a validated request."""
    check_request(req, limits)
    values = req.get("values") or {}
    if req.get("expression") is not None:
        program = _parse(req["expression"], limits.expression)
        graph = program.graph
        warnings = [*program.warnings, *check_values(graph, values, program.assigned)]
    else:
        graph = build_graph(req["graph"], max_nodes=limits.max_nodes)
        warnings = check_values(graph, values)
    trace = run(graph, values, limits.budget)
    doc = trace_to_dict(trace)
    doc["warnings"] = [w.as_dict() for w in warnings]
    if req.get("explain"):
        doc["derivations"] = derivations(trace, req["explain"], req.get("learning_rate"))
    if req.get("gradcheck"):
        doc["gradcheck"] = gradcheck_rows(trace, limits)
    return doc


def gradcheck_rows(trace: Trace, limits: Limits) -> list[Json]:
    """The "gradcheck" field of a document: analytic against central differences per input."""
    return [
        {
            "id": c.id,
            "analytic": jsonable(c.analytic),
            # a step that left the function's domain makes the check inconclusive: null
            "numeric": jsonable(c.numeric) if math.isfinite(c.rel_error) else None,
            "rel_error": c.rel_error if math.isfinite(c.rel_error) else None,
            "status": c.status,
            "reason": c.reason,
        }
        for c in gradcheck(trace, limits.max_gradcheck_cost)
    ]


def inputs_document(expression: str, limits: Limits) -> Json:
    """The /api/inputs document: the expression's inputs with shapes and starting values."""
    graph = _parse(expression, limits.expression).graph
    return {"inputs": [{"id": s.id, "shape": None if s.shape is None else list(s.shape),
                        "value": s.value} for s in suggest_inputs(graph)]}


def graph_job(req: Mapping[str, Any], limits: Limits) -> bytes:
    return dumps(graph_document(req, limits))
