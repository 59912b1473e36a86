"""GET /api/ops, /api/examples, /api/limits, /api/health: what the page builds its menus and
forms from."""

from __future__ import annotations

from fastapi import APIRouter

from app import __version__
from app.api.deps import LimitsDep
from app.api.schemas import ConventionPublic, ExamplePublic, Health, OpPublic
from app.examples import EXAMPLES
from app.graph import REGISTRY

router = APIRouter(prefix="/api", tags=["meta"])

_OPS = [
    OpPublic(
        name=op.name,
        arity=op.arity,
        category=op.category,
        symbol=op.symbol,
        display=op.display,
        text=op.text,
        operator=op.operator,
        function=op.function,
        gate=op.gate,
        exact_vectorized=op.exact_vectorized,
        latex=op.latex,
        dlatex=list(op.dlatex),
        vjp_latex=list(op.vjp_latex),
        params=dict(op.params or {}),
        note=op.note,
        conventions=[ConventionPublic(where=c.where, rule=c.rule) for c in op.conventions],
    )
    for op in REGISTRY.values()
]


@router.get("/ops", response_model=list[OpPublic], summary="The op registry")
def get_ops() -> list[OpPublic]:
    """Every op and its properties: arity (-1: two or more), category, symbol, display-name
    template, how a learner types it, gate pattern, LaTeX of the forward, of the local
    derivative and of the VJP per input (#0, #1 are the inputs, #y the output), parameters and
    the conventions at kinks and special points."""
    return _OPS


@router.get("/examples", response_model=list[ExamplePublic], summary="Ready, named requests")
def get_examples() -> list[dict[str, object]]:
    return EXAMPLES


@router.get("/limits", summary="The caps on one request's work")
async def get_limits(limits: LimitsDep) -> dict[str, int]:
    """Every cap this server applies, by its setting's name (``chainrule --help`` says what
    each bounds; ``CHAINRULE_<NAME>`` sets it): a request over one gets a 422 of kind "limit"
    that names it. The page shows these in its forms."""
    return limits.public()


@router.get("/health", response_model=Health, summary="Liveness")
def get_health() -> Health:
    return Health(status="ok", version=__version__)
