"""Dependencies shared by the routes, as Annotated aliases."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from app.api.compute import Compute
from app.graph.shapes import Budget
from app.service import Limits
from app.settings import Settings, get_settings


@lru_cache
def _limits() -> Limits:
    s: Settings = get_settings()
    return Limits(
        budget=Budget(max_nodes=s.max_nodes, max_elements=s.max_elements,
                      max_flops=s.max_flops, max_dim=s.max_dim),
        max_gradcheck_cost=s.max_gradcheck_cost,
    )


async def get_limits() -> Limits:
    return _limits()


@lru_cache
def _compute() -> Compute:
    s = get_settings()
    return Compute(workers=s.compute_workers, deadline=s.deadline_seconds,
                   max_pending=s.max_pending)


async def get_compute() -> Compute:
    """One worker pool per server process, started on first use. The dependencies are
    ``async def`` because they do no I/O: FastAPI would send a plain ``def`` to a thread."""
    return _compute()


LimitsDep = Annotated[Limits, Depends(get_limits)]
ComputeDep = Annotated[Compute, Depends(get_compute)]
