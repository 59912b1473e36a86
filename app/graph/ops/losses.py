"""Loss ops: loss(output, target) -> scalar, one registry entry each.

A 0-d or 1-d output is one sample; a 2-d output is a batch, one sample per row, and the loss is
the mean over the rows of each row's loss (so a batch of one gives the single-sample loss).
The target is data: it takes part in the graph like any node, and its gradient is given where
it is defined (half_sse, mse, cross-entropy), 0 where the target only selects a class (hinge).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from app.graph.ops.core import Array, Ins, Op, Params, Shape, ShapeError, register


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
        forward=lambda ins, _p: np.asarray(
            0.5 * np.sum((ins[1] - ins[0]) ** 2) / _rows(ins[0]), dtype=np.float64
        ),
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
        forward=lambda ins, _p: np.asarray(np.mean((ins[1] - ins[0]) ** 2), dtype=np.float64),
        shape=_same_shape(0),
        vjp=_mse_vjp,
        note="the mean over every element (samples and outputs) of the squared error.",
    )
)


def _log_softmax(z: Array) -> Array:
    # Shift by the row maximum first so that exp never overflows: log softmax is unchanged.
    shifted = z - z.max(axis=-1, keepdims=True)
    out: Array = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return out


def _ce_vjp(g: Array, ins: Ins, _y: Array, _p: Params) -> tuple[Array, ...]:
    # L = -sum_j t_j log p_j with p = softmax(z): dL/dz_k = p_k sum_j t_j - t_k
    # (= p - t for a one-hot or probability target); dL/dt_j = -log p_j.
    z, t = ins
    logp = _log_softmax(z)
    scale = g / _rows(z)
    return (np.exp(logp) * t.sum(axis=-1, keepdims=True) - t) * scale, -logp * scale


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
        forward=lambda ins, _p: np.asarray(
            -np.sum(ins[1] * _log_softmax(ins[0])) / _rows(ins[0]), dtype=np.float64
        ),
        shape=_same_shape(1),
        vjp=_ce_vjp,
        note="the target is a one-hot (or probability) row per sample.",
    )
)


def _margins(s: Array, t: Array) -> tuple[Array, Array]:
    """Per-class hinge margins max(0, s_j - s_y + 1), j != y, with y = argmax of the target row."""
    s2, t2 = np.atleast_2d(s), np.atleast_2d(t)
    is_y = np.zeros_like(s2, dtype=bool)
    is_y[np.arange(s2.shape[0]), t2.argmax(axis=1)] = True
    correct = s2[is_y][:, None]
    return np.where(is_y, 0.0, np.maximum(0.0, s2 - correct + 1.0)), is_y


def _hinge_vjp(g: Array, ins: Ins, _y: Array, _p: Params) -> tuple[Array, ...]:
    # dL/ds_j = [margin_j > 0] for j != y and dL/ds_y = -(number of positive margins);
    # subgradient 0 at a margin of exactly 0. The target only picks y: its gradient is 0.
    s, t = ins
    m, is_y = _margins(s, t)
    active = (m > 0).astype(np.float64)
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
        note="multiclass SVM; y is the argmax of the target row; subgradient 0 at a zero margin.",
    )
)
