"""GET /docs: the OpenAPI docs (Swagger UI), served from this origin with vendored assets."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.paths import TEMPLATES_DIR

router = APIRouter(tags=["docs"], include_in_schema=False)
_templates = Jinja2Templates(directory=TEMPLATES_DIR)


@router.get("/docs", response_class=HTMLResponse)
def get_docs(request: Request) -> HTMLResponse:
    return _templates.TemplateResponse(request, "docs.html")
