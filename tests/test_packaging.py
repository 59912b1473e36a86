"""The Docker recipe without Docker: build the wheel from exactly what the Dockerfile's builder
stage copies, install it into a fresh virtualenv outside the repository, start ``chainrule`` there
and fetch the page, every file the page loads, and the API.

This is what the image does (``pip wheel`` then ``pip install dist/*.whl``), so a file left out of
the wheel (static/, templates/ are data files, see pyproject.toml) fails here, not in production.
Dependencies come from the package index or pip's cache; it takes 20-60 s.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_PREFIX = "share/chainrule/"

pytestmark = pytest.mark.timeout(900)


def _builder_copies() -> list[str]:
    """The sources of the builder stage's COPY lines: what goes into the image's wheel."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    stages = re.split(r"(?im)^FROM\s", text)
    builder = stages[1]  # stages[0] is what precedes the first FROM
    sources: list[str] = []
    for line in builder.splitlines():
        words = line.split()
        if words and words[0].upper() == "COPY" and not words[1].startswith("--"):
            sources += words[1:-1]
    assert sources, "no COPY in the Dockerfile's builder stage"
    return sources


def _run(cmd: list[str | Path], cwd: Path, timeout: float = 600) -> str:
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _clean_env() -> dict[str, str]:
    """No CHAINRULE_* settings, no PYTHONPATH, no venv of ours: the installed app stands alone."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINRULE_") and k not in drop}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("content-type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the fresh venv it is installed in)."""
    base = tmp_path_factory.mktemp("packaging")
    src = base / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in _builder_copies():
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, "."], cwd=src)
    (wheel,) = dist.glob("chainrule-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=base)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], cwd=base)
    return wheel, venv


def _repo_files(folder: str) -> set[str]:
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    }


def test_wheel_carries_every_static_and_template_file(built: tuple[Path, Path]) -> None:
    wheel, _ = built
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    shipped = {n.split(DATA_PREFIX, 1)[1] for n in names if DATA_PREFIX in n}
    missing = (_repo_files("static") | _repo_files("templates")) - shipped
    assert not missing, (
        f"not in the wheel (add the folder to [tool.setuptools.data-files]): {sorted(missing)}"
    )
    assert any(n.startswith("app/") and n.endswith("main.py") for n in names)
    assert "chainrule/__init__.py" in names and "chainrule/torch_graph.py" in names
    assert not any(n.startswith(("tests/", "node_modules/")) for n in names)


def test_installed_app_finds_its_files_outside_the_repo(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    _, venv = built
    out = _run(
        [
            venv / "bin" / "python",
            "-c",
            "import json, app, app.paths as p; print(json.dumps([app.__file__, "
            "str(p.STATIC_DIR), str(p.TEMPLATES_DIR)]))",
        ],
        cwd=tmp_path,
    )
    module, static, templates = json.loads(out)
    for path in (module, static, templates):
        assert Path(path).is_relative_to(venv), f"{path} is not inside the fresh venv {venv}"
    assert (Path(templates) / "index.html").is_file()


def test_import_chainrule_works_from_the_wheel_without_torch(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """The Python API from the installed wheel, in process; torch and httpx are extras, so the
    plain install has neither, and the calls that need them say which extra to install."""
    _, venv = built
    code = """
import importlib.util, json, sys
import chainrule
r = chainrule.trace("(x + y) * z", x=-2, y=5, z=-4)
said = []
for call in (lambda: chainrule.from_torch(lambda a: a, 1.0), lambda: chainrule.Client()):
    try:
        call()
    except ImportError as e:
        said.append(str(e))
print(json.dumps({"grad": r.grad, "module": chainrule.__file__, "said": said,
                  "torch": importlib.util.find_spec("torch") is not None,
                  "httpx": importlib.util.find_spec("httpx") is not None}))
"""
    out = json.loads(_run([venv / "bin" / "python", "-c", code], cwd=tmp_path))
    assert out["grad"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert Path(out["module"]).is_relative_to(venv)
    assert not out["torch"] and not out["httpx"]
    assert len(out["said"]) == 2
    assert "pip install 'chainrule[torch]'" in out["said"][0]
    assert "pip install 'chainrule[client]'" in out["said"][1]


def test_the_image_installs_no_torch() -> None:
    """The image installs exactly requirements.lock (the runtime dependencies): no torch, and
    nothing of the extras."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    locked = {m.group(1).lower() for m in re.finditer(r"(?m)^([A-Za-z0-9_.-]+)==", text)}
    assert locked, "no pinned package in requirements.lock"
    assert not {"torch", "httpx", "nbclient", "ipykernel"} & locked
    assert "requirements.lock" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


@pytest.fixture
def server(built: tuple[Path, Path], tmp_path: Path) -> Iterator[str]:
    _, venv = built
    port = _free_port()
    log = (tmp_path / "server.log").open("w+")
    proc = subprocess.Popen(
        [str(venv / "bin" / "chainrule"), "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,  # not the repo: nothing there to pick up by accident
        env=_clean_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its worker processes too are ended at teardown
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"chainrule exited with {proc.returncode}:\n{log.read()}")
            try:
                if _get(base + "/api/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"/api/health not up after 60 s:\n{log.read()}")
            time.sleep(0.25)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
        log.close()


def _assets(base: str, html: str) -> set[str]:
    """Every /static URL the page loads: its tags, ES imports between modules, CSS url()s."""
    todo = {m.split("?")[0] for m in re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", html)}
    seen: set[str] = set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        status, _, body = _get(base + url)
        if status != 200 or not url.endswith((".js", ".mjs", ".css")):
            continue
        text = body.decode("utf-8", "replace")
        folder = url.rsplit("/", 1)[0]
        if url.endswith(".css"):
            refs = re.findall(r"url\(\s*[\"']?([^\"')]+)", text)
        elif "/vendor/" in url:
            refs = []  # minified bundles: no imports
        else:
            refs = re.findall(r"""(?:from|import)\s*\(?\s*["'](\.{1,2}/[^"']+)["']""", text)
        for ref in refs:
            if ref.startswith("data:"):
                continue
            resolved = os.path.normpath(f"{folder}/{ref.split('?')[0]}")
            todo.add(resolved)
    return seen


def test_installed_server_serves_page_assets_and_api(server: str) -> None:
    status, ctype, body = _get(server + "/")
    assert status == 200, status
    assert ctype.startswith("text/html"), ctype
    html = body.decode("utf-8")
    assert "Chainrule" in html

    status, ctype, body = _get(server + "/static/vendor/d3.min.js")
    assert status == 200
    assert len(body) > 100_000 and b"d3" in body[:2000]

    status, ctype, body = _get(server + "/api/examples")
    assert status == 200, body[:500]
    assert ctype.startswith("application/json")
    examples = json.loads(body)
    assert isinstance(examples, list) and examples

    assets = _assets(server, html)
    assert "/static/vendor/katex.min.css" in assets
    assert any(a.endswith(".woff2") for a in assets), "KaTeX's CSS names no woff2 font"
    broken = sorted(a for a in assets if _get(server + a)[0] != 200)
    assert not broken, f"the installed app does not serve: {broken}"
