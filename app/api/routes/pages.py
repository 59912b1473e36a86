"""GET /: the page. A jinja2 template that loads the vendored libraries and the ES modules.

The page is static apart from the version string (a cache-buster on the module URLs); everything
it shows comes from the JSON API, so there is no server-side state here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import FileResponse, Response

from app import __version__
from app.paths import STATIC_DIR, TEMPLATES_DIR

router = APIRouter(tags=["pages"], include_in_schema=False)
templates = Jinja2Templates(directory=TEMPLATES_DIR)


@router.get("/")
def index(request: Request) -> Response:
    """The single-page app."""
    return templates.TemplateResponse(request, "index.html", {"version": __version__})


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says: answer with the SVG icon."""
    return FileResponse(STATIC_DIR / "img" / "favicon.svg", media_type="image/svg+xml")
