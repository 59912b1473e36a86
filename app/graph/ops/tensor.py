"""Ops whose Jacobian is not diagonal: matmul, transpose and the full reductions sum and mean.

Their VJPs are written out; the seed's vectorized example is the model:
q = W x has grad_W = g x^T and grad_x = W^T g, and every gradient has its variable's shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.graph.ops import careful
from app.graph.ops.core import Array, Ins, Op, Params, Shape, ShapeError, register


def _matmul_shape(shapes: Sequence[Shape], _p: Params) -> Shape:
    a, b = shapes
    if not a or not b or len(a) > 2 or len(b) > 2:
        raise ShapeError(
            f"@ needs vectors or matrices, got shapes {list(a)} and {list(b)} (use * for scalars)"
        )
    if a[-1] != b[0]:
        raise ShapeError(f"@ needs matching inner sizes, got shapes {list(a)} and {list(b)}")
    return a[:-1] + b[1:]


def _matmul_vjp(g: Array, ins: Ins, _y: Array, _p: Params) -> tuple[Array, ...]:
    # y = a @ b. With 1-d operands numpy treats a as a row and b as a column; the outer products
    # below are the same rule (grad_a = g b^T, grad_b = a^T g) with those shapes put back.
    a, b = ins
    if a.ndim == 2 and b.ndim == 2:
        return careful.matmul(g, b.T), careful.matmul(a.T, g)
    if a.ndim == 2:  # (n, k) @ (k,) -> (n,)
        return np.outer(g, b), careful.matmul(a.T, g)
    if b.ndim == 2:  # (k,) @ (k, m) -> (m,)
        return careful.matmul(b, g), np.outer(a, g)
    return g * b, g * a  # (k,) @ (k,) -> ()


register(
    Op(
        name="matmul",
        arity=2,
        category="linear algebra",
        symbol="@",
        noun="the matrix product",
        text="{0} @ {1}",
        latex="#0 #1",
        vjp_latex=("\\bar{y} \\, #1^T", "#0^T \\bar{y}"),
        operator="a @ b",
        function=False,
        forward=lambda ins, _p: careful.matmul(ins[0], ins[1]),
        shape=_matmul_shape,
        vjp=_matmul_vjp,
        note="grad_a = g b^T, grad_b = a^T g (the seed's q = W x: grad_W = g x^T, grad_x = W^T g).",
    )
)

register(
    Op(
        name="transpose",
        arity=1,
        category="linear algebra",
        symbol="ᵀ",
        noun="the transpose",
        text="{0}ᵀ",
        latex="#0^T",
        vjp_latex=("\\bar{y}^T",),
        operator="a.T",
        function=False,
        forward=lambda ins, _p: ins[0].T.copy(),  # copy: C-contiguous, and ndim kept (0-d too)
        shape=lambda shapes, _p: tuple(reversed(shapes[0])),
        vjp=lambda g, _ins, _y, _p: (g.T.copy(),),
        note="a vector or a scalar is its own transpose.",
    )
)

register(
    Op(
        name="sum",
        arity=1,
        category="reduction",
        symbol="Σ",
        noun="the sum",
        text="Σ({0})",
        latex="\\sum_i #0_i",
        dlatex=("1",),
        forward=lambda ins, _p: careful.total(ins[0]),
        shape=lambda _s, _p: (),
        vjp=lambda g, ins, _y, _p: (np.broadcast_to(g, ins[0].shape).copy(),),
        note="sum distributes the upstream gradient to every element.",
    )
)

register(
    Op(
        name="mean",
        arity=1,
        category="reduction",
        symbol="mean",
        noun="the mean",
        text="mean({0})",
        latex="\\frac{1}{n} \\sum_i #0_i",
        dlatex=("\\frac{1}{n}",),
        forward=lambda ins, _p: careful.total(ins[0], mean=True),
        shape=lambda _s, _p: (),
        vjp=lambda g, ins, _y, _p: (np.full(ins[0].shape, g / max(ins[0].size, 1)),),
    )
)
