"""Draws are reproducible per (kind, seed), and different across kinds and seeds."""

from __future__ import annotations

from app.exercises.draw import Draw


def stream(kind: str, seed: int) -> list[float]:
    d = Draw(kind, seed)
    return [d.integer(-5, 5), d.grid(-0.9, 0.9, 1, nonzero=True), d.choice("abc"), d.index(7)]


def test_same_kind_and_seed_same_draws() -> None:
    assert stream("gates", 3) == stream("gates", 3)
    assert stream("gates", 3) != stream("gates", 4)
    assert stream("gates", 3) != stream("vectorized", 3)


def test_ranges() -> None:
    d = Draw("x", 0)
    ints = {d.integer(-2, 2) for _ in range(500)}
    assert ints == {-2, -1, 0, 1, 2}
    grid = {d.grid(-0.3, 0.3, 1, nonzero=True) for _ in range(500)}
    assert grid == {-0.3, -0.2, -0.1, 0.1, 0.2, 0.3}  # the floats nearest the decimals
    assert {d.grid(0.01, 0.03, 2) for _ in range(200)} == {0.01, 0.02, 0.03}
    assert {d.index(3) for _ in range(200)} == {0, 1, 2}
