"""Builds the app: routers, error handlers, security headers, static files.

    uvicorn app.main:app        # or the console command: chainrule
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api import errors
from app.api.body_limit import BodyLimit
from app.api.compute import Compute
from app.api.routes import docs, exercises, graph, meta, network, pages
from app.api.security import SecurityHeaders
from app.limits import Limits
from app.paths import STATIC_DIR
from app.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Chainrule",
        version=__version__,
        summary="Forward and backward passes of computation graphs, node by node and edge by "
        "edge, as JSON.",
        # FastAPI's Swagger/ReDoc pages load their assets from a CDN: ours (routes/docs.py)
        # serves vendored ones.
        docs_url=None,
        redoc_url=None,
    )
    # One set of limits and one worker pool per app, read by the routes' dependencies.
    app.state.settings = settings
    app.state.limits = Limits.from_settings(settings)
    app.state.compute = Compute(workers=settings.compute_workers,
                                deadline=settings.deadline_seconds,
                                max_pending=settings.max_pending)
    errors.install(app)
    app.include_router(meta.router)
    app.include_router(graph.router)
    app.include_router(network.router)
    app.include_router(exercises.router)
    app.include_router(pages.router)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"]
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so every response has them
    return app


app = create_app()
