"""The activation gallery: LaTeX and curves from the registry, checked against the formulas."""

from __future__ import annotations

import math

import pytest

from app.activations import GALLERY, SAMPLES, activations
from app.builders.network import ACTIVATIONS


def _by_name() -> dict[str, dict]:
    return {a["name"]: a for a in activations()}


def test_every_gallery_entry_has_201_points_on_minus_5_to_5() -> None:
    acts = _by_name()
    assert list(acts) == list(ACTIVATIONS) and acts["maxout"]["points"] == []
    acts = {n: a for n, a in acts.items() if n in GALLERY}
    for a in acts.values():
        xs = [p["x"] for p in a["points"]]
        assert len(xs) == SAMPLES == 201 and xs[0] == -5.0 and xs[-1] == 5.0 and xs[100] == 0.0
        assert "#" not in a["latex"] and "#" not in a["dlatex"]


def test_sigmoid_latex_and_points_match_the_seed() -> None:
    s = _by_name()["sigmoid"]
    assert s["latex"] == "\\sigma(x) = \\frac{1}{1 + e^{-x}}"
    assert s["dlatex"] == "f(x)(1 - f(x))"
    for p in s["points"][::20]:
        f = 1 / (1 + math.exp(-p["x"]))
        assert p["f"] == pytest.approx(f, rel=1e-14)
        assert p["df"] == pytest.approx(f * (1 - f), rel=1e-12)


@pytest.mark.parametrize(
    ("name", "f", "df"),
    [
        ("tanh", math.tanh, lambda x: 1 - math.tanh(x) ** 2),
        ("relu", lambda x: max(0.0, x), lambda x: 1.0 if x > 0 else 0.0),
        ("leaky_relu", lambda x: x if x > 0 else 0.01 * x, lambda x: 1.0 if x > 0 else 0.01),
        ("elu", lambda x: x if x > 0 else math.expm1(x), lambda x: 1.0 if x > 0 else math.exp(x)),
        ("identity", lambda x: x, lambda x: 1.0),
    ],
)
def test_curves(name: str, f: object, df: object) -> None:
    for p in _by_name()[name]["points"]:
        assert p["f"] == pytest.approx(f(p["x"]), rel=1e-12, abs=1e-15)  # type: ignore[operator]
        assert p["df"] == pytest.approx(df(p["x"]), rel=1e-12, abs=1e-15)  # type: ignore[operator]
