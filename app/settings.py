"""Settings from environment variables (prefix CHAINRULE_), with the defaults documented here.

    CHAINRULE_PORT=9000 chainrule          # or: chainrule --port 9000
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may tune. ``chainrule --help`` lists these with their defaults."""

    model_config = SettingsConfigDict(env_prefix="CHAINRULE_", extra="ignore")

    host: str = Field("127.0.0.1", description="interface to listen on (0.0.0.0 in Docker)")
    port: int = Field(8000, ge=1, le=65535, description="TCP port")
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes")
    compute_workers: int = Field(
        2, ge=1, le=64, description="worker processes that compute graphs (per server worker)"
    )
    deadline_seconds: float = Field(
        10.0, gt=0, le=600, description="hard deadline of one computation; then 503"
    )
    max_pending: int = Field(
        32, ge=1, description="computations in progress or waiting before new ones get 503"
    )
    max_body_bytes: int = Field(1_000_000, ge=1024, description="largest request body accepted")
    max_nodes: int = Field(20_000, ge=10, description="largest graph, in nodes")
    max_elements: int = Field(2_000_000, ge=100, description="float64 values in one graph")
    max_flops: int = Field(50_000_000, ge=100, description="matmul multiply-adds in one graph")
    max_dim: int = Field(10_000, ge=2, description="largest size of one axis")
    max_gradcheck_cost: int = Field(
        2_000_000, ge=0, description="node evaluations one numerical gradient check may take"
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="origins allowed by CORS (none: CORS off)"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
