"""Every error is a JSON body ``{"error": {"kind", "message", "node", "field", "line", "column"}}``.

FastAPI's own 422 handler echoes the offending input, and crashes with a 500 when that input is
NaN or a lone surrogate (it cannot be encoded): ours never echoes input, only where it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.api.compute import Overloaded
from app.graph.ir import GraphError

log = logging.getLogger("chainrule")


def _clean(v: Any) -> Any:
    # a lone surrogate cannot be written as UTF-8: replace it rather than fail the error itself
    return v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v


def error_response(status: int, kind: str, message: str, **where: Any) -> Response:
    error = {"kind": kind, "message": message, **where}
    try:
        content = orjson.dumps({"error": error})
    except TypeError:
        content = orjson.dumps({"error": {k: _clean(v) for k, v in error.items()}})
    return Response(content, status_code=status, media_type="application/json")


def _loc(loc: tuple[Any, ...], body: Any, missing: bool = False) -> str:
    """Where in the request the problem is, as a dotted path of the body's own keys and list
    indices. Pydantic's location also names the members of a union it tried ("float",
    "function-after[check(), str]"): those are not in the body, so walking the body drops them
    (and a key that happens to be called "float" is kept, because it is there). A ``missing``
    field is named although it is not in the body: that is the problem."""
    parts: list[str] = []
    at = body
    path = loc[1:] if loc[:1] == ("body",) else loc
    for p in path:
        in_dict = isinstance(at, dict) and p in at
        in_list = isinstance(at, list) and isinstance(p, int) and 0 <= p < len(at)
        if in_dict or in_list:
            at = at[p]
            parts.append(str(p))
        elif missing and p is path[-1] and isinstance(at, dict):
            parts.append(str(p))
    return ".".join(p if len(p) <= 40 else p[:37] + "..." for p in parts) or "body"


def validation_message(errors: Sequence[Any], body: Any) -> tuple[str, str]:
    """(field, message) of a 422 of kind "validation": the first of pydantic's ``errors`` (of
    the request ``body``), where it is, and how many more there are. chainrule's in-process
    calls word their validation errors with this too."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _loc(tuple(first.get("loc", ())), body, first.get("type") == "missing")
    msg = str(first.get("msg", "invalid request"))
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    return field, f"{field}: {msg}{suffix}"


async def _validation(_req: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if exc.errors() and exc.errors()[0].get("type") == "json_invalid":
        return error_response(422, "json", "the body is not valid JSON", field="body")
    field, message = validation_message(exc.errors(), exc.body)
    return error_response(422, "validation", message, field=field)


async def _graph(_req: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphError)
    return error_response(
        422, exc.kind, exc.message, node=exc.node, line=exc.line, column=exc.column,
        field=exc.field,
    )


async def _http(_req: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    response = error_response(exc.status_code, "http", detail)
    response.headers.update(exc.headers or {})
    return response


async def _overloaded(_req: Request, exc: Exception) -> Response:
    response = error_response(503, "overloaded", str(exc))
    response.headers["retry-after"] = "1"
    return response


async def _unexpected(_req: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "internal", "internal error; the server keeps running")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(GraphError, _graph)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Overloaded, _overloaded)
    app.add_exception_handler(Exception, _unexpected)
