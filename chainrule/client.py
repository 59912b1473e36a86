"""The REST API from Python: the requests :func:`chainrule.trace` makes, sent to a server.

    with chainrule.Client("http://127.0.0.1:8000") as api:
        r = api.trace("(x + y) * z", x=-2, y=5, z=-4)    # POST /api/graph
        r.grad, r.derivation("x")                        # explain: POST again with "explain"

It needs httpx (``pip install 'chainrule[client]'``): the server itself never makes a request,
so its install and its image do without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from chainrule.errors import ChainruleError
from chainrule.requests import Json, request_for
from chainrule.result import Result

if TYPE_CHECKING:
    import httpx


class Client:
    """A connection to a Chainrule server at ``base_url`` (``timeout`` in seconds per request;
    ``transport``: an httpx transport, e.g. for tests)."""

    def __init__(self, base_url: str = "http://127.0.0.1:8000", *, timeout: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        try:
            import httpx
        except ImportError:
            raise ImportError("chainrule.Client needs httpx: pip install 'chainrule[client]'")\
                from None
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def run(self, endpoint: str, request: Json) -> str:
        """POST ``request`` to ``endpoint``; the answer's JSON text, or ChainruleError with the
        server's error (its kind, message, location and HTTP status)."""
        response = self._http.post(endpoint, json=request)
        if response.status_code != 200:
            try:
                body: Any = response.json()
            except ValueError:
                body = None
            raise ChainruleError.from_response(response.status_code, body)
        return response.text

    def trace(self, source: object, values: Mapping[str, object] | None = None, /, *,
              learning_rate: float | None = None, **named: object) -> Result:
        """What :func:`chainrule.trace` computes, computed by the server (within its limits:
        ``limits()``)."""
        endpoint, request = request_for(source, {**(values or {}), **named}, learning_rate)
        return Result(self.run(endpoint, request), endpoint, request, self)

    def limits(self) -> dict[str, int]:
        """The server's caps (GET /api/limits)."""
        response = self._http.get("/api/limits")
        response.raise_for_status()
        caps: dict[str, int] = response.json()
        return caps

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
