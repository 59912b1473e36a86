"""The op record, the registry, and the one function that applies an op's rule backward.

Every value is a float64 numpy array (a scalar is a 0-d array). An op is one :class:`Op`: its
forward, its shape rule, its vector-Jacobian product (VJP) and what the page and the parser need
to know about it, as data:

- ``vjp(g, ins, out, params) -> grads``: one gradient per input, shaped like that input, for
  the upstream gradient ``g`` (shaped like ``out``). Every op has one.
- ``partials(ins, out, params) -> d out / d in_i`` (elementwise ops only), broadcastable to the
  output's shape. An elementwise op's VJP is built from them (``g * partial_i`` summed back to
  the input's shape, :func:`unbroadcast`), and they stay on the op as display data: the
  document shows each edge's local gradient.

:func:`gate_backward` applies a node's rule during a backward pass: the sequential and the
levelized executors and the derivations all call it, so there is no gradient code anywhere but
the ops of this package.

    >>> import numpy as np
    >>> mul = REGISTRY["mul"]
    >>> r = gate_backward(mul, np.asarray(2.0), [np.asarray(3.0), np.asarray(-4.0)],
    ...                   np.asarray(-12.0), {})
    >>> [float(x) for x in r.local], [float(x) for x in r.downstream]   # mul swaps
    ([-4.0, 3.0], [-8.0, 6.0])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.graph.ir import GraphError

Array = npt.NDArray[np.float64]
Shape = tuple[int, ...]
Params = Mapping[str, Any]
Ins = Sequence[Array]
Forward = Callable[[Ins, Params], Array]
ShapeRule = Callable[[Sequence[Shape], Params], Shape]
Partials = Callable[[Ins, Array, Params], tuple[Array, ...]]
Vjp = Callable[[Array, Ins, Array, Params], tuple[Array, ...]]
Where = Callable[[Ins, Params], Any]  # a bool, or an array of bools, per element

VARIADIC = -1  # arity of an op that takes two or more inputs (add, stack)

CATEGORIES = ("arithmetic", "activation", "loss", "structure", "reduction", "linear algebra")
# The course's gate patterns: add distributes the upstream gradient unchanged to every input,
# mul swaps (each input gets the upstream gradient times the OTHER input), max routes it whole
# to the larger input. (Fan-out is a property of a source node, not of an op.)
GATES = ("add-distributes", "mul-swaps", "max-routes")


@dataclass(frozen=True, slots=True)
class Convention:
    """What an op takes at a special point, where the textbook formula is silent, is 0 · inf,
    or has no value: ``where`` the inputs are ("x = 0", "a tie a = b"), the ``rule``, and
    ``applies(ins, params)``, true where the inputs are at that point."""

    where: str
    rule: str
    applies: Where


@dataclass(frozen=True, slots=True)
class Op:
    """One registry entry. Templates: ``#0``, ``#1``... are the inputs and ``#y`` the output in
    LaTeX (``latex``, ``dlatex``, ``vjp_latex``, where ``\\bar{y}`` is the upstream gradient);
    ``{0}``, ``{1}``... the inputs' names in plain text (``text``). A variadic op's templates
    show two inputs; a filler repeats what stands between them for every input."""

    name: str
    arity: int  # VARIADIC: two or more
    category: str  # one of CATEGORIES
    symbol: str  # the short text drawn on an unnamed node
    noun: str  # what prose calls a result: "the product"; "" where text says it ("σ(z)")
    text: str  # the result in plain text: "{0}·{1}", "σ({0})"
    latex: str  # the forward formula
    forward: Forward
    shape: ShapeRule
    vjp: Vjp
    partials: Partials | None = None  # elementwise ops: d out / d in_i, broadcastable
    # per input (one entry serves every input): d out / d in_i for an elementwise op or a
    # scalar output; empty for an op whose Jacobian is not shown as a formula (matmul...)
    dlatex: tuple[str, ...] = ()
    vjp_latex: tuple[str, ...] = ()  # per input: the VJP, where dlatex is empty
    operator: str | None = None  # how a learner types it: "a + b", "-a", "a.T"
    function: bool = True  # a learner calls it by name, as in exp(x)
    gate: str | None = None  # one of GATES
    exact_vectorized: bool = False  # one numpy call on a vector gives each scalar result exactly
    note: str = ""  # what the op does, in words
    conventions: tuple[Convention, ...] = ()  # its values at kinks and special points
    # a piecewise op: which piece each element is on (-1, 1...), 0 exactly at a kink, where
    # the derivative is a convention and numerical differences cannot check it
    piece: Where | None = None
    # plain-text partials for messages, per input, where one can be infinite or undefined at
    # finite inputs ({0}, {1}: the inputs' names): sqrt "1/(2√{0})"
    dtext: tuple[str, ...] = ()
    params: Mapping[str, float] | None = None  # accepted parameters and their defaults

    @property
    def elementwise(self) -> bool:
        """Each output element depends on the same element of each input (broadcast)."""
        return self.partials is not None

    @property
    def display(self) -> str:
        """The name template a learner reads: "the product {0}·{1}", "σ({0})"."""
        return f"{self.noun} {self.text}" if self.noun else self.text

    def bind(self, params: Params) -> dict[str, Any]:
        """A node's parameters over the op's defaults (leaky_relu without alpha: 0.01)."""
        return {**(self.params or {}), **params}

    def dlatex_for(self, i: int) -> str:
        """The LaTeX of input i's local gradient as a document shows it on the edge: the
        partial derivative, or the VJP where the op has no partial to show."""
        forms = self.dlatex or self.vjp_latex
        return forms[min(i, len(forms) - 1)]

    def check_arity(self, n: int, node: str) -> None:
        ok = n >= 2 if self.arity == VARIADIC else n == self.arity
        if not ok:
            want = "two or more" if self.arity == VARIADIC else str(self.arity)
            s = "" if self.arity == 1 else "s"
            raise GraphError(f"node {node!r}: {self.name} takes {want} input{s}, got {n}", node)


def conventions_at(op: Op, ins: Ins, params: Params) -> list[Convention]:
    """The op's conventions that apply at these input values (for a derivation card)."""
    p = op.bind(params)
    return [c for c in op.conventions if np.any(c.applies(ins, p))]


REGISTRY: dict[str, Op] = {}


def register(op: Op) -> Op:
    assert op.name not in REGISTRY, op.name
    assert op.category in CATEGORIES, (op.name, op.category)
    assert op.gate is None or op.gate in GATES, (op.name, op.gate)
    assert op.dlatex or op.vjp_latex, f"{op.name}: no LaTeX for its local gradient"
    assert op.partials is None or op.dlatex, f"{op.name}: partials without their LaTeX"
    assert not op.exact_vectorized or op.partials is not None, op.name
    REGISTRY[op.name] = op
    return op


def unbroadcast(g: Array, shape: Shape) -> Array:
    """Sum a gradient over the axes that broadcasting added or stretched, back to ``shape``.

    If x of shape (2, 1) was broadcast to (3, 2, 4), each x[i, 0] fed 3 * 4 outputs: its gradient
    is the sum of theirs (the sum over paths of the seed, done by the array).
    """
    if g.shape == shape:
        return g
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return np.asarray(g, dtype=np.float64).reshape(shape)


class ShapeError(ValueError):
    """Raised by a shape rule; the caller names the node."""


def broadcast_shape(shapes: Sequence[Shape], _params: Params) -> Shape:
    first = shapes[0]
    if all(s == first for s in shapes):  # the common case; np.broadcast_shapes costs ~2 us
        return first
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(
            "shapes " + " and ".join(str(list(s)) for s in shapes) + " do not broadcast"
        ) from None


def downstream(g: Array, partial: Array, shape: Shape) -> Array:
    """The chain rule along one elementwise edge: upstream times local, summed back to the
    input's ``shape`` (an elementwise op's VJP is this, input by input)."""
    return unbroadcast(np.asarray(g * partial, dtype=np.float64), shape)


@dataclass(frozen=True, slots=True)
class GateGrads:
    """What :func:`gate_backward` gives for each input edge of a node, in slot order.

    ``local``: the local gradient a document shows on the edge: the partial d out / d in_i
    (shaped like the output) for an elementwise op; for a scalar output of any op, vjp(1), which
    is d out / d in_i (shaped like the input); None for a Jacobian edge with a non-scalar
    output. ``downstream``: what flows back to the input, shaped like the input.
    """

    local: tuple[Array | None, ...]
    downstream: tuple[Array, ...]


def gate_backward(op: Op, upstream: Array, ins: Ins, out: Array, params: Params) -> GateGrads:
    """Apply ``op``'s rule at one node: the local gradient and the downstream gradient of each
    input edge, for the upstream gradient ``upstream`` (shaped like ``out``). ``params`` are the
    node's own (bound to the op's defaults here). Inputs may be vectors of the scalars of many
    nodes at once (the levelized executor does that for elementwise ops): each element then
    gets exactly its scalar result."""
    p = op.bind(params)
    if op.partials is not None:
        parts = op.partials(ins, out, p)
        return GateGrads(
            tuple(_broadcast(d, out.shape) for d in parts),
            tuple(downstream(upstream, d, x.shape) for d, x in zip(parts, ins, strict=True)),
        )
    if out.ndim == 0:
        # A scalar output: by linearity vjp(g) = g * vjp(1), and vjp(1) IS d out / d input.
        local = tuple(np.asarray(d, dtype=np.float64) for d in op.vjp(_ONE, ins, out, p))
        return GateGrads(local, tuple(np.asarray(upstream * d, dtype=np.float64) for d in local))
    return GateGrads(
        (None,) * len(ins),
        tuple(np.asarray(d, dtype=np.float64) for d in op.vjp(upstream, ins, out, p)),
    )


_ONE = np.ones(())
_SMALL_RESULT = 256  # elements: below, a broadcast partial is copied (see _broadcast)


def _broadcast(p: Array, shape: Shape) -> Array:
    """``p`` with the shape ``shape``: a copy for a small result (~10x cheaper than
    np.broadcast_to, the same numbers), a read-only broadcast view otherwise."""
    if p.shape == shape:
        return p
    if math.prod(shape) <= _SMALL_RESULT:
        out = np.empty(shape)
        out[...] = p
        return out
    return np.broadcast_to(p, shape)
