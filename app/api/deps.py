"""Dependencies shared by the routes, as Annotated aliases.

Both come from the app the request reached (``create_app`` puts them on ``app.state``), never
from module globals, so that ``create_app(Settings(max_nodes=10))`` is honoured everywhere.
They are ``async def`` because they do no I/O: FastAPI would send a plain ``def`` to a thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.api.compute import Compute
from app.limits import Limits


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


async def get_compute(request: Request) -> Compute:
    """The app's worker pool (started on first use, one per server process)."""
    compute: Compute = request.app.state.compute
    return compute


LimitsDep = Annotated[Limits, Depends(get_limits)]
ComputeDep = Annotated[Compute, Depends(get_compute)]
