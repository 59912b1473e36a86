"""The API docs page: Swagger UI from vendored files, under the strict policy, really works."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_docs_page_lists_the_api_and_runs_a_request(page: Any, live_url: str) -> None:
    response = page.goto(f"{live_url}/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 6
    graph_op = page.locator(".opblock-post", has_text="/api/graph").first
    graph_op.locator(".opblock-summary").click()
    page.get_by_text("Try it out").first.click()
    page.locator(".execute").first.click()
    # the schema's first example, (x + y) * z, answered by the app itself
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    # the page fixture fails the test on any console error, failed request or CSP violation
