"""No import cycle anywhere in app/, between modules or between the packages of app/.

Every import statement counts, wherever it is (inside a function, under TYPE_CHECKING): a cycle
hidden in a function is still two modules that cannot be understood one without the other.
``from a.b import c`` is an import of the module a.b.c when that is a module, else of a.b.
Packages: app.graph, app.explain, app.builders, app.api and each top-level module of app/ are
the units of the second check (app.serialize importing app.explain while app.explain imports
app.serialize is a cycle even when no two modules form one).
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def _modules() -> dict[str, Path]:
    out = {}
    for path in APP.rglob("*.py"):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in modules else node.module)
    return {m for m in found if m in modules}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member, or a self-loop (Tarjan,
    iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in edges[v]:
                    out.append(sorted(comp))
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _unit(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_cycle_between_modules() -> None:
    edges = _graph()
    assert len(edges) > 40 and edges["app.graph.engine"], "the walk found the modules"
    assert _cycles(edges) == []


def test_no_cycle_between_the_packages_of_app() -> None:
    units: dict[str, set[str]] = {}
    for module, imported in _graph().items():
        units.setdefault(_unit(module), set()).update(
            _unit(m) for m in imported if _unit(m) != _unit(module))
    assert {"app.graph", "app.explain", "app.builders", "app.api"} <= set(units)
    assert _cycles(units) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"a"}}) == [["a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
