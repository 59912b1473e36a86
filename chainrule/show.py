"""``Result.show()``: the result as one self-contained HTML file.

The interactive graph and its backward animation come with the notebook widget (issue 14,
item 2: an anywidget built from the page's own modules). Until then ``show()`` writes a file
that needs nothing else: a note saying so, a table of every node's value and gradient in
forward order, and the whole result document as JSON (the same text the REST API returns), in
a ``<script type="application/json" id="chainrule-document">`` element for any script to read.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chainrule.result import Number, Result

NOTE = ("The interactive graph, with its backward animation, comes with Chainrule's notebook "
        "widget, which is not part of this version yet. This file holds the result document "
        "(the same JSON as the REST API) and every node's value and gradient.")


def _text(x: Number | None) -> str:
    if x is None:
        return "none"
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x.round(6).tolist())


def page(result: Result) -> str:
    """The HTML text (every value from the document is escaped)."""
    rows = "\n".join(
        f"<tr><td>{html.escape(n.name or n.id)}</td><td><code>{html.escape(n.id)}</code></td>"
        f"<td>{html.escape(n.op)}</td><td>{_text(n.value)}</td><td>{_text(n.grad)}</td></tr>"
        for n in result.nodes.values()
    )
    # inside <script>, "</" would end the element (and "<!--" open a comment): \u003c is the
    # same character to a JSON parser
    data = result.to_json().replace("<", "\\u003c")
    title = html.escape(f"Chainrule: {result.output_name} = {_text(result.value)}")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2rem; color: #1d2430; }}
table {{ border-collapse: collapse; }}
th, td {{ border-bottom: 1px solid #d8dde6; padding: 0.25rem 0.75rem; text-align: left; }}
.note {{ background: #f3f6fb; border-left: 4px solid #3b6fb6; padding: 0.5rem 1rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="note">{html.escape(NOTE)}</p>
<table>
<thead><tr><th>node</th><th>id</th><th>op</th><th>value</th>
<th>gradient of {html.escape(result.output_name)}</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<script type="application/json" id="chainrule-document">{data}</script>
</body>
</html>
"""


def default_path(result: Result) -> Path:
    """chainrule-<output's name>.html in the current folder (reduced to safe letters)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", result.output_name).strip("_")[:60] or "graph"
    return Path(f"chainrule-{slug}.html")


def write_html(result: Result, path: str | Path | None) -> Path:
    """Write :func:`page` to ``path`` (see :func:`default_path`), print where, return it."""
    target = Path(path) if path is not None else default_path(result)
    target.write_text(page(result), encoding="utf-8")
    print(f"Wrote {target}: open it in a browser. The interactive view comes with the "
          "notebook widget (not in this version).")
    return target.resolve()
