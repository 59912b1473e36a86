"""The REST API's work done in this process: the same validation, the same job functions.

A request is checked by the very models the routes use (app.api.schemas,
app.api.network_schemas), then handed to the server's jobs (app.service.graph_job,
app.network_service.network_job), which return the bytes the server would send. Nothing here
computes anything: ``trace(...).to_json()`` is the API's answer to ``result.request``.
The one difference: the server runs big requests in a worker process under a deadline, and
here they run in the caller's process, bounded by the same :class:`app.limits.Limits`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from app.api.network_schemas import NetworkRequest
from app.api.schemas import GraphRequest
from app.graph.ir import GraphError
from app.limits import Limits
from app.network_service import network_job
from app.service import graph_job
from chainrule.errors import ChainruleError
from chainrule.requests import GRAPH, NETWORK, Json, request_for
from chainrule.result import Result

_ENDPOINTS: dict[str, tuple[type[BaseModel], Callable[[Mapping[str, Any], Limits], bytes]]] = {
    GRAPH: (GraphRequest, graph_job),
    NETWORK: (NetworkRequest, network_job),
}

LimitsLike = Limits | Mapping[str, int] | None


def limits_of(given: LimitsLike) -> Limits:
    """The documented defaults (``Limits.defaults()``, whatever the environment says), with the
    caps in ``given`` (a Limits, or a mapping of overrides by the cap's name, e.g.
    ``{"max_nodes": 50_000}``; ``GET /api/limits`` lists the names) instead."""
    if isinstance(given, Limits):
        return given
    overrides = dict(given or {})
    names = {f.name for f in fields(Limits)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(f"unknown limit {unknown[0]!r}; the limits are " + ", ".join(sorted(names)))
    return replace(Limits.defaults(), **overrides)


class InProcess:
    """The backend of :func:`trace`: the API's validation and jobs, called here."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def run(self, endpoint: str, request: Json) -> str:
        model, job = _ENDPOINTS[endpoint]
        try:
            validated = model.model_validate(request).model_dump()
        except ValidationError as e:
            raise ChainruleError.from_validation(e, request) from None
        try:
            return job(validated, self.limits).decode("utf-8")
        except GraphError as e:
            raise ChainruleError.from_graph_error(e) from None


def trace(source: object, values: Mapping[str, object] | None = None, /, *,
          limits: LimitsLike = None, learning_rate: float | None = None,
          **named: object) -> Result:
    """Forward and backward pass of ``source`` in this process, no server needed.

        >>> r = trace("(x + y) * z", x=-2, y=5, z=-4)
        >>> r.value, r.grad
        (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})

    ``source``: an expression or staged program, a graph ``{"nodes": [...], "output": id}``, a
    /api/graph request, or a /api/network request (chainrule.requests says more); the values
    of its inputs (a network's: its parameters) by keyword, or in the dict ``values`` for names
    that are not Python identifiers or that clash with ``limits`` and ``learning_rate``.
    ``learning_rate``: alpha of the update line w+ = w - alpha grad in derivations.
    ``limits``: see :func:`limits_of`. Numbers: floats, nested lists, numpy arrays.

    Raises :class:`chainrule.ChainruleError` where the API answers 422 (same kind, message and
    location), TypeError for a source of no known form.
    """
    endpoint, request = request_for(source, {**(values or {}), **named}, learning_rate)
    backend = InProcess(limits_of(limits))
    return Result(backend.run(endpoint, request), endpoint, request, backend)
