"""The one error type of the Python API, in process and over HTTP alike.

Its fields are those of the REST API's error body ``{"error": {"kind", "message", "node",
"field", "line", "column"}}``, so a script handles a refused request the same way whether it
ran here or on a server: ``kind`` is the stage that refused it ("expression", "graph", "value",
"limit", "numeric", "explain", "validation"...; "unsupported" and "mismatch" come from
:func:`chainrule.from_torch`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from app.graph.ir import GraphError


class ChainruleError(ValueError):
    """A request Chainrule refused, or a PyTorch function it cannot map or does not agree with.

    ``status`` is the HTTP status when the error came from a server (422, 413, 503...), None
    when it was raised in this process.
    """

    def __init__(self, kind: str, message: str, *, node: str | None = None,
                 field: str | None = None, line: int | None = None, column: int | None = None,
                 status: int | None = None) -> None:
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")
        self.kind = kind
        self.message = message
        self.node = node
        self.field = field
        self.line = line
        self.column = column
        self.status = status

    @classmethod
    def from_graph_error(cls, e: GraphError) -> ChainruleError:
        return cls(e.kind, e.message, node=e.node, field=e.field, line=e.line, column=e.column)

    @classmethod
    def from_validation(cls, e: ValidationError, body: Mapping[str, Any]) -> ChainruleError:
        """The API's 422 of kind "validation" for the same request ``body``."""
        from app.api.errors import validation_message  # here: it imports the web framework

        field, message = validation_message(e.errors(), body)
        return cls("validation", message, field=field)

    @classmethod
    def from_response(cls, status: int, body: object) -> ChainruleError:
        """The error of a server's answer: its JSON error body, or the status alone."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls("http", f"the server answered {status} without a JSON error body",
                       status=status)
        return cls(str(error.get("kind", "http")), str(error.get("message", "")),
                   node=error.get("node"), field=error.get("field"), line=error.get("line"),
                   column=error.get("column"), status=status)
