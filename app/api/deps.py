"""Dependencies shared by the routes, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.graph.shapes import Budget
from app.service import Limits
from app.settings import Settings, get_settings


def get_limits() -> Limits:
    s: Settings = get_settings()
    return Limits(
        budget=Budget(max_nodes=s.max_nodes, max_elements=s.max_elements,
                      max_flops=s.max_flops, max_dim=s.max_dim),
        max_gradcheck_cost=s.max_gradcheck_cost,
    )


LimitsDep = Annotated[Limits, Depends(get_limits)]
