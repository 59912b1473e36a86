"""docs/notebooks/ run from the first cell to the last in a real Jupyter kernel (nbclient with
ipykernel: this venv's Python), as a learner would run them; their cells assert the seed's
numbers against the note's formulas. Each runs in a fresh folder, so nothing is written into the
repository (the notebooks are committed without outputs)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "docs" / "notebooks"


def _run(name: str, folder: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        f"{name} is committed with outputs: clear them"
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


def test_every_notebook_is_tested() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == \
        ["pytorch-mlp.ipynb", "seed-network.ipynb"]


def test_the_seed_network_notebook_runs(tmp_path: Path) -> None:
    nb = _run("seed-network.ipynb", tmp_path)
    text = _text(nb)
    assert "w5+ = 0.4 - 0.5 * 0.082167041 = 0.358916480" in text
    assert "w7+ = 0.5 - 0.5 * (-0.022602540) = 0.511301270" in text
    assert "dE_total/dh1 = 0.055399 + (-0.019049) = 0.036350" in text
    assert (tmp_path / "seed-network.html").is_file()


def test_the_pytorch_notebook_runs(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="PyTorch is not installed (scripts/test installs the CPU "
                        "wheel from /opt/wheels where it is on disk): the PyTorch notebook "
                        "needs it")
    nb = _run("pytorch-mlp.ipynb", tmp_path)
    text = _text(nb)
    assert "fc1.weight  shape [3, 2]  agrees with PyTorch to 1e-12: True" in text
    assert (tmp_path / "pytorch-mlp.html").is_file()
