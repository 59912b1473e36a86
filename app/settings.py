"""Settings from environment variables (prefix CHAINRULE_), with the defaults documented here.

    CHAINRULE_PORT=9000 chainrule          # or: chainrule --port 9000
    CHAINRULE_MAX_NODES=500 chainrule      # a smaller server: every cap is a setting

Every cap on the work one request may ask for lives here and nowhere else: ``create_app`` turns
the settings into one :class:`app.limits.Limits`, keeps it on the app, passes it down to the
builders and the engine, and serves it at ``GET /api/limits`` (the page's forms show it).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may tune. ``chainrule --help`` lists these with their defaults."""

    model_config = SettingsConfigDict(env_prefix="CHAINRULE_", extra="ignore")

    # --- the server ---------------------------------------------------------------------------
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
    cors_origins: list[str] = Field(
        default_factory=list, description="origins allowed by CORS (none: CORS off)"
    )

    # --- the work one request may ask for -----------------------------------------------------
    max_nodes: int = Field(20_000, ge=10, description="largest graph, in nodes")
    max_elements: int = Field(2_000_000, ge=100, description="float64 values in one graph")
    max_flops: int = Field(50_000_000, ge=100, description="matmul multiply-adds in one graph")
    max_dim: int = Field(10_000, ge=2, description="largest size of one axis")
    max_values: int = Field(
        10_000, ge=1, description="named values in one request (inputs, or a network's params)"
    )
    max_expression_chars: int = Field(10_000, ge=10, description="longest expression text")
    max_expression_terms: int = Field(
        5_000, ge=10, description="syntax-tree nodes of one expression program"
    )
    max_expression_depth: int = Field(
        200, ge=4, le=200, description="nesting of brackets and operators in an expression"
    )
    max_statements: int = Field(500, ge=1, description="lines (assignments) of one program")
    max_layers: int = Field(
        8, ge=2, le=64, description="layers of a network, the input and output layers included"
    )
    max_width: int = Field(256, ge=1, description="units in one layer of a network")
    max_neuron_nodes: int = Field(
        2_000, ge=10, description="nodes of a network drawn neuron by neuron (else: layers view)"
    )
    max_train_steps: int = Field(10_000, ge=0, description="gradient-descent steps of one call")
    max_train_cost: int = Field(
        50_000_000, ge=1, description="steps x parameters x samples of one training call"
    )
    max_train_node_steps: int = Field(
        300_000, ge=1, description="steps x nodes of the layers graph of one training call "
        "(the Python work, ~10-15 us each)"
    )
    max_explain: int = Field(50, ge=0, description="derivations asked for in one request")
    max_gradcheck_cost: int = Field(
        2_000_000, ge=0, description="node evaluations one numerical gradient check may take"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
