"""Ops the network builder needs: ``stack`` (scalars into a vector) and ``maxout``.

- ``stack(a, b, ...)`` puts two or more same-shaped values side by side along a new first axis:
  in the neurons view the scalar outputs o1, o2, o3 become the logit vector that
  softmax_cross_entropy and hinge take. Its VJP hands each input its own slice of the upstream
  gradient (a selector: d y / d a_i is the i-th unit vector).
- ``maxout(z)`` with k = 2 pieces: the last axis holds 2m values, neuron j's two pieces side by
  side (z[..., 2j] and z[..., 2j+1]), and the output holds m values,
  ``maxout(z)_j = max(z_2j, z_2j+1)`` (Goodfellow et al. 2013, with k = 2). Like ``max`` it routes
  the whole gradient to the larger piece; at a tie, to the first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.graph.ops.core import (
    VARIADIC,
    Array,
    Convention,
    Ins,
    Op,
    Params,
    Shape,
    ShapeError,
    register,
)


def _stack_shape(shapes: Sequence[Shape], _p: Params) -> Shape:
    first = shapes[0]
    if any(s != first for s in shapes):
        raise ShapeError("stack needs inputs of one shape, got "
                         + ", ".join(str(list(s)) for s in shapes))
    if len(first) > 1:
        raise ShapeError(f"stack takes scalars or vectors, got shape {list(first)}")
    return (len(shapes), *first)


register(
    Op(
        name="stack",
        arity=VARIADIC,
        category="structure",
        symbol="[·]",
        noun="the vector",
        text="[{0}, {1}]",
        latex="\\left[#0, #1\\right]",
        vjp_latex=("\\bar{y}_{i}",),
        forward=lambda ins, _p: np.stack([np.asarray(x, dtype=np.float64) for x in ins]),
        shape=_stack_shape,
        vjp=lambda g, ins, _y, _p: tuple(g[i].copy() for i in range(len(ins))),
        note="each input receives its own component of the upstream gradient.",
    )
)


def _maxout_shape(shapes: Sequence[Shape], _p: Params) -> Shape:
    (s,) = shapes
    if not s or len(s) > 2 or s[-1] % 2:
        raise ShapeError(f"maxout needs a vector or matrix with an even last axis (2 pieces per "
                         f"neuron), got shape {list(s)}")
    return (*s[:-1], s[-1] // 2)


def _pieces(z: Array) -> tuple[Array, Array]:
    return z[..., 0::2], z[..., 1::2]


def _maxout_vjp(g: Array, ins: Ins, _y: Array, _p: Params) -> tuple[Array, ...]:
    # NOTE: at a tie the gradient goes to the first piece, as the max op does.
    a, b = _pieces(ins[0])
    first = a >= b
    out = np.zeros_like(ins[0])
    out[..., 0::2] = np.where(first, g, 0.0)
    out[..., 1::2] = np.where(first, 0.0, g)
    return (out,)


register(
    Op(
        name="maxout",
        arity=1,
        category="activation",
        symbol="maxout",
        noun="",
        text="maxout({0})",
        latex="\\max(#0_{2j}, #0_{2j+1})",
        dlatex=("[#0_{2j} \\ge #0_{2j+1}] \\text{ or } [#0_{2j} < #0_{2j+1}]",),
        gate="max-routes",
        forward=lambda ins, _p: np.maximum(*_pieces(ins[0])).astype(np.float64),
        shape=_maxout_shape,
        vjp=_maxout_vjp,
        note="k = 2 pieces per neuron, side by side on the last axis; the gradient goes to the "
        "larger piece.",
        piece=lambda ins, _p: np.sign(np.subtract(*_pieces(ins[0]))),
        conventions=(Convention("a tie between a neuron's two pieces", "the gradient goes to "
                                "the first piece", lambda ins, _p: np.equal(*_pieces(ins[0]))),),
    )
)
