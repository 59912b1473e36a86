"""Where the page's files are: ``STATIC_DIR`` and ``TEMPLATES_DIR``.

They live at the repository root (``static/``, ``templates/``), not inside the ``app`` package.

- From a checkout (``pip install -e .``, ``uvicorn app.main:app`` in the repo): ``<repo>/static``.
- From an installed wheel (Docker): the wheel ships them as data files
  (``[tool.setuptools.data-files]`` in pyproject.toml), which pip puts under
  ``<prefix>/share/chainrule/``; ``sys.prefix`` is the venv or ``/usr/local`` in the image.

``CHAINRULE_STATIC_DIR`` / ``CHAINRULE_TEMPLATES_DIR`` override both (for packagers).
"""

from __future__ import annotations

import os
import site
import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def _candidates(name: str) -> list[Path]:
    found: list[Path] = []
    env = os.environ.get(f"CHAINRULE_{name.upper()}_DIR")
    if env:
        found.append(Path(env))
    # A checkout: pyproject.toml beside the folder, so a stray site-packages/static never counts.
    if (_REPO / "pyproject.toml").is_file():
        found.append(_REPO / name)
    for prefix in (sys.prefix, sys.base_prefix, site.getuserbase()):
        found.append(Path(prefix) / "share" / "chainrule" / name)
    return found


def _locate(name: str) -> Path:
    candidates = _candidates(name)
    for path in candidates:
        if path.is_dir():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise RuntimeError(f"chainrule: no {name}/ directory found (tried {tried})")


STATIC_DIR: Path = _locate("static")
TEMPLATES_DIR: Path = _locate("templates")
