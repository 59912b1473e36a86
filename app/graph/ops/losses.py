"""Loss ops: loss(output, target) -> scalar, one registry entry each.

A 0-d or 1-d output is one sample; a 2-d output is a batch, one sample per row, and the loss is
the mean over the rows of each row's loss (so a batch of one gives the single-sample loss).
The target is data: it takes part in the graph like any node, and its gradient is given where
it is defined (half_sse, mse, cross-entropy), 0 where the target only selects a class (hinge).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.graph.ops import careful
from app.graph.ops.core import (
    Array,
    Convention,
    Ins,
    Op,
    Params,
    Shape,
    ShapeError,
    register,
)


def _rows(x: Array) -> int:
    return x.shape[0] if x.ndim == 2 else 1


def _same_shape(min_ndim: int) -> Callable[[Sequence[Shape], Params], Shape]:
    def rule(shapes: Sequence[Shape], _p: Params) -> Shape:
        out, target = shapes
        if out != target:
            raise ShapeError(f"output {list(out)} and target {list(target)} must have one shape")
        if not min_ndim <= len(out) <= 2:
            raise ShapeError(f"needs a vector or a matrix of samples, got shape {list(out)}")
        return ()

    return rule


def _squares(d: Array, total: Callable[[Array], Any]) -> Array:
    """``total(d ** 2)`` (a sum or a mean), also where d ** 2 overflows but the total does
    not: then d is scaled by a power of two, 2^-k, so that the squares are exact to the same
    bits, and the total by 4^k back (ldexp: exact, or an overflow only where the total is
    not a float64)."""
    out = np.asarray(total(d ** 2), dtype=np.float64)
    if np.isfinite(out) or not np.isfinite(d).all():
        return out
    k = int(np.frexp(np.abs(d).max())[1])
    return np.asarray(np.ldexp(total(np.ldexp(d, -k) ** 2), 2 * k), dtype=np.float64)


def _half_sse_vjp(g: Array, ins: Ins, _y: Array, _p: Params) -> tuple[Array, ...]:
    o, t = ins
    r = (t - o) * (g / _rows(o))
    return -r, r


register(
    Op(
        name="half_sse",
        arity=2,
        category="loss",
        noun="the squared-error loss",
        text="½Σ({1} − {0})²",
        symbol="½Σ(t−o)²",
        latex="\\sum_j \\tfrac{1}{2} (#1_j - #0_j)^2",
        dlatex=("-(#1 - #0)", "#1 - #0"),
        forward=lambda ins, _p: _squares(ins[1] - ins[0],
                                         lambda sq: 0.5 * np.sum(sq) / _rows(ins[0])),
        shape=_same_shape(0),
        vjp=_half_sse_vjp,
        note="the seed's E = sum 1/2 (target - output)^2; averaged over the rows of a batch.",
    )
)


def _mse_vjp(g: Array, ins: Ins, _y: Array, _p: Params) -> tuple[Array, ...]:
    o, t = ins
    r = 2.0 * (t - o) * (g / o.size)
    return -r, r


register(
    Op(
        name="mse",
        arity=2,
        category="loss",
        noun="the mean squared error",
        text="MSE({0}, {1})",
        symbol="MSE",
        latex="\\frac{1}{n} \\sum_j (#1_j - #0_j)^2",
        dlatex=("-\\frac{2}{n}(#1 - #0)", "\\frac{2}{n}(#1 - #0)"),
        forward=lambda ins, _p: _squares(ins[1] - ins[0], np.mean),
        shape=_same_shape(0),
        vjp=_mse_vjp,
        note="the mean over every element (samples and outputs) of the squared error.",
    )
)


def _ce_forward(ins: Ins, _p: Params) -> Array:
    z, t = ins
    logp, _, _ = careful.softmax_rows(z)
    # a class with target 0 adds nothing, even where its log p is -inf (a spread beyond 1e308)
    return np.asarray(-np.sum(np.where(t == 0, 0.0, t * logp)) / _rows(z), dtype=np.float64)


def _ce_vjp(g: Array, ins: Ins, _y: Array, _p: Params) -> tuple[Array, ...]:
    # L = -sum_j t_j log p_j with p = softmax(z): dL/dz_k = p_k S - t_k with S = sum_j t_j,
    # written p_k (S - t_k) - t_k (1 - p_k) so that the one-hot case p_k - 1 is -(1 - p_k),
    # each of S - t_k and 1 - p_k as the sum of the row's other entries where k is its
    # largest (1 - p_k would round to 0 there); dL/dt_j = -log p_j.
    z, t = ins
    logp, p, top = careful.softmax_rows(z)
    dz = p * careful.sum_of_others(t) - t * careful.sum_of_others(p, top)
    scale = g / _rows(z)
    return dz * scale, -logp * scale


register(
    Op(
        name="softmax_cross_entropy",
        arity=2,
        category="loss",
        noun="the cross-entropy loss",
        text="CE({0}, {1})",
        symbol="CE",
        latex="-\\sum_j #1_j \\log \\operatorname{softmax}(#0)_j",
        dlatex=("\\operatorname{softmax}(#0) - #1", "-\\log \\operatorname{softmax}(#0)"),
        forward=_ce_forward,
        shape=_same_shape(1),
        vjp=_ce_vjp,
        note="the target is a one-hot (or probability) row per sample.",
    )
)


def _correct(s: Array, t: Array) -> tuple[Array, Array, Array]:
    """The scores as rows, each row's correct class score s_y (y = argmax of the target row)
    as a column, and where j = y."""
    s2, t2 = np.atleast_2d(s), np.atleast_2d(t)
    is_y = np.zeros_like(s2, dtype=bool)
    is_y[np.arange(s2.shape[0]), t2.argmax(axis=1)] = True
    return s2, s2[is_y][:, None], is_y


def _margins(s: Array, t: Array) -> tuple[Array, Array]:
    """Per-class hinge margins max(0, s_j - s_y + 1), j != y (0 for j = y)."""
    s2, sy, is_y = _correct(s, t)
    return np.where(is_y, 0.0, np.maximum(0.0, s2 - sy + 1.0)), is_y


def _margin_piece(ins: Ins, _p: Params) -> Array:
    """Which side of its kink each margin is on, exactly (1 for j = y, which has none)."""
    s2, sy, is_y = _correct(ins[0], ins[1])
    return np.where(is_y, 1.0, careful.margin_sign(s2, sy))


def _hinge_vjp(g: Array, ins: Ins, _y: Array, _p: Params) -> tuple[Array, ...]:
    # dL/ds_j = [margin_j > 0] for j != y and dL/ds_y = -(number of positive margins);
    # subgradient 0 at a margin of exactly 0. The target only picks y: its gradient is 0.
    s, t = ins
    _, _, is_y = _correct(s, t)
    active = np.where(is_y, 0.0, _margin_piece(ins, _p) > 0)
    ds = np.where(is_y, -active.sum(axis=1, keepdims=True), active) * (g / _rows(s))
    return ds.reshape(s.shape), np.zeros_like(t)


register(
    Op(
        name="hinge",
        arity=2,
        category="loss",
        noun="the hinge loss",
        text="SVM({0}, {1})",
        symbol="SVM",
        latex="\\sum_{j \\ne y} \\max(0, #0_j - #0_y + 1)",
        dlatex=("[#0_j - #0_y + 1 > 0]", "0"),
        forward=lambda ins, _p: np.asarray(
            _margins(ins[0], ins[1])[0].sum() / _rows(ins[0]), dtype=np.float64
        ),
        shape=_same_shape(1),
        vjp=_hinge_vjp,
        note="multiclass SVM; y is the argmax of the target row.",
        piece=_margin_piece,
        conventions=(Convention("a margin of exactly 0", "that class's derivative is taken as "
                                "0 (the subgradient of max(0, m) at m = 0)",
                                lambda ins, p: _margin_piece(ins, p) == 0),),
    )
)
