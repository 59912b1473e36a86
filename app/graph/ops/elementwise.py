"""Elementwise ops: each output element depends on the same element of each input (broadcast).

Each is written as ``forward(*ins, **params)`` and ``partials(*ins, y, **params)``, one partial
derivative d y / d in_i per input, broadcastable to the output's shape; the op's VJP is built
from them (:func:`app.graph.ops.core.downstream`), and they stay on the op for display.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from app.graph.ops.core import (
    VARIADIC,
    Array,
    Ins,
    Op,
    Params,
    broadcast_shape,
    downstream,
    register,
)


def _elementwise(
    name: str,
    category: str,
    symbol: str,
    noun: str,
    text: str,
    latex: str,
    dlatex: tuple[str, ...],
    forward: Callable[..., Array],
    partials: Callable[..., tuple[Array, ...]],
    *,
    arity: int,
    operator: str | None = None,
    gate: str | None = None,
    exact: bool = False,
    note: str = "",
    params: Mapping[str, float] | None = None,
) -> Op:
    """Register an elementwise op; ``exact``: it is a fixed composition of correctly rounded
    IEEE-754 operations (+ - * /, sqrt, comparison, select, sign), so a numpy call on a vector
    gives each element bit for bit its scalar result (the levelized executor relies on it)."""

    def parts(ins: Ins, y: Array, p: Params) -> tuple[Array, ...]:
        return tuple(partials(*ins, y, **p))

    def vjp(g: Array, ins: Ins, y: Array, p: Params) -> tuple[Array, ...]:
        return tuple(downstream(g, d, x.shape) for d, x in zip(parts(ins, y, p), ins, strict=True))

    def fwd(ins: Ins, p: Params) -> Array:
        return np.asarray(forward(*ins, **p), dtype=np.float64)

    return register(Op(
        name=name, arity=arity, category=category, symbol=symbol, noun=noun, text=text,
        latex=latex, forward=fwd, shape=broadcast_shape, vjp=vjp, partials=parts, dlatex=dlatex,
        operator=operator, function=operator is None and name != "identity", gate=gate,
        exact_vectorized=exact, note=note, params=params,
    ))


def _one(x: Array) -> Array:
    return np.ones_like(x)


def _sum(*xs: Any) -> Any:
    return sum(xs[1:], start=xs[0])


# --- arithmetic, two inputs -------------------------------------------------------------------

_elementwise(
    "add", "arithmetic", "+", "the sum", "{0} + {1}", "#0 + #1", ("1",),
    _sum, lambda *a: tuple(_one(x) for x in a[:-1]),
    arity=VARIADIC, operator="a + b", gate="add-distributes", exact=True,
    note="add distributes: every input receives the upstream gradient unchanged.",
)
_elementwise(
    "sub", "arithmetic", "−", "the difference", "{0} − {1}", "#0 - #1", ("1", "-1"),
    lambda a, b: a - b, lambda a, b, y: (_one(a), -_one(b)),
    arity=2, operator="a - b", exact=True,
)
_elementwise(
    "mul", "arithmetic", "×", "the product", "{0}·{1}", "#0 \\cdot #1", ("#1", "#0"),
    lambda a, b: a * b, lambda a, b, y: (b, a),
    arity=2, operator="a * b", gate="mul-swaps", exact=True,
    note="mul swaps: each input's local gradient is the other input's value.",
)
_elementwise(
    "div", "arithmetic", "÷", "the quotient", "{0}/{1}", "\\frac{#0}{#1}",
    ("\\frac{1}{#1}", "-\\frac{#0}{#1^2}"),
    lambda a, b: a / b, lambda a, b, y: (1.0 / b, -a / (b * b)),
    arity=2, operator="a / b", exact=True,
)
_elementwise(
    "pow", "arithmetic", "^", "the power", "{0}^{1}", "#0^{#1}",
    ("#1 \\, #0^{#1 - 1}", "#0^{#1} \\ln #0"),
    np.power,
    # d/db a^b = a^b ln a is real only for a > 0; at a = 0 we take its limit 0 (for b > 0), and
    # for a < 0 it is NaN, which the engine reports (a constant exponent never asks for it).
    lambda a, b, y: (b * np.power(a, b - 1.0), np.where(a == 0, 0.0, y * np.log(np.abs(a)))
                     + np.where(a < 0, np.nan, 0.0)),
    arity=2, operator="a ** b",
    note="d/db a^b = a^b ln a is defined for a > 0 only (0 at a = 0 when b > 0).",
)
_elementwise(
    "max", "arithmetic", "max", "", "max({0}, {1})", "\\max(#0, #1)",
    ("[#0 \\ge #1]", "[#0 < #1]"),
    np.maximum, lambda a, b, y: ((a >= b).astype(np.float64), (a < b).astype(np.float64)),
    arity=2, gate="max-routes", exact=True,
    # at a tie the whole gradient goes to the FIRST input, so max(0, x) at x = 0 gives x the
    # gradient 0, the same subgradient as relu
    note="max routes the gradient to the larger input; at a tie, to the first input.",
)
_elementwise(
    "min", "arithmetic", "min", "", "min({0}, {1})", "\\min(#0, #1)",
    ("[#0 \\le #1]", "[#0 > #1]"),
    np.minimum, lambda a, b, y: ((a <= b).astype(np.float64), (a > b).astype(np.float64)),
    arity=2, gate="max-routes", exact=True,
    note="min routes the gradient to the smaller input; at a tie, to the first input.",
)

# --- one input --------------------------------------------------------------------------------

_elementwise(
    "neg", "arithmetic", "−", "", "−{0}", "-#0", ("-1",),
    lambda a: -a, lambda a, y: (-_one(a),), arity=1, operator="-a", exact=True,
)
_elementwise(
    "identity", "activation", "id", "", "{0}", "#0", ("1",),
    lambda a: a + 0.0, lambda a, y: (_one(a),), arity=1, exact=True,
    note="a copy: a = x names x's value; the identity activation of a network's output layer.",
)
_elementwise(
    "exp", "arithmetic", "exp", "", "exp({0})", "e^{#0}", ("e^{#0}",),
    np.exp, lambda a, y: (y,), arity=1,
)
_elementwise(
    "log", "arithmetic", "ln", "", "ln({0})", "\\ln #0", ("\\frac{1}{#0}",),
    np.log, lambda a, y: (1.0 / a,), arity=1,
)
_elementwise(
    "sqrt", "arithmetic", "√", "", "√({0})", "\\sqrt{#0}", ("\\frac{1}{2\\sqrt{#0}}",),
    np.sqrt, lambda a, y: (0.5 / y,), arity=1, exact=True,
)
_elementwise(
    "abs", "arithmetic", "|·|", "", "|{0}|", "|#0|", ("\\operatorname{sign}(#0)",),
    np.abs, lambda a, y: (np.sign(a),), arity=1, exact=True,
    note="subgradient 0 at 0 (sign(0) = 0).",
)
_elementwise(
    # 1 / (1 + e^-a) exactly as the seed writes it; for very negative a, e^-a overflows to inf
    # and the quotient is the correct limit 0 (the engine silences that overflow warning).
    "sigmoid", "activation", "σ", "", "σ({0})", "\\sigma(#0) = \\frac{1}{1 + e^{-#0}}",
    ("#y(1 - #y)",),
    lambda a: 1.0 / (1.0 + np.exp(-a)), lambda a, y: (y * (1.0 - y),), arity=1,
)
_elementwise(
    "tanh", "activation", "tanh", "", "tanh({0})", "\\tanh #0", ("1 - #y^2",),
    np.tanh, lambda a, y: (1.0 - y * y,), arity=1,
)
_elementwise(
    "relu", "activation", "ReLU", "", "ReLU({0})", "\\max(0, #0)", ("[#0 > 0]",),
    lambda a: np.maximum(a, 0.0), lambda a, y: ((a > 0).astype(np.float64),),
    arity=1, gate="max-routes", exact=True,
    note="subgradient 0 at 0 (as in PyTorch and JAX).",
)
_elementwise(
    "leaky_relu", "activation", "LReLU", "", "LReLU({0})", "\\max(\\alpha #0, #0)",
    ("[#0 > 0] + \\alpha [#0 \\le 0]",),
    lambda a, alpha: np.where(a > 0, a, alpha * a),
    lambda a, y, alpha: (np.where(a > 0, 1.0, alpha),), arity=1, exact=True,
    note="derivative alpha at 0 (the left side).", params={"alpha": 0.01},
)
_elementwise(
    "elu", "activation", "ELU", "", "ELU({0})",
    "\\begin{cases} #0 & #0 > 0 \\\\ \\alpha (e^{#0} - 1) & #0 \\le 0 \\end{cases}",
    ("\\begin{cases} 1 & #0 > 0 \\\\ #y + \\alpha & #0 \\le 0 \\end{cases}",),
    lambda a, alpha: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0.0))),
    # for a <= 0, d/da alpha (e^a - 1) = alpha e^a = y + alpha
    lambda a, y, alpha: (np.where(a > 0, 1.0, y + alpha),), arity=1,
    note="derivative alpha at 0 (the left side; equal to 1 when alpha = 1).",
    params={"alpha": 1.0},
)
