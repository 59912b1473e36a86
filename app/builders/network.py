"""A fully connected network as a graph: its spec, its parameters and their names.

    >>> spec = NetworkSpec((2, 2, 2), ("sigmoid", "sigmoid"), "half_sse")
    >>> neuron_names(spec)[:3], layer_names(spec)
    (('w1', 'w2', 'w3'), ('W1', 'b1', 'W2', 'b2'))

Parameters are held per weight layer l (l = 1..L) as a matrix W_l with one row per unit of the
next layer and one column per unit of the previous one (the seed's W x), and a bias b_l that is
one number shared by the layer (as in the seed: z1 and z2 both add b1) or, with
``per_neuron_biases``, one number per row.

Names in the neurons view follow the seed: weights w1, w2, ... numbered layer by layer, then row
by row (the next layer's neuron), then column by column (its input), which is W_l flattened row
by row, so w1: x1->h1, w2: x2->h1, w3: x1->h2, w4: x2->h2, w5: h1->o1, ... Biases are b1, b2, ...
(per-neuron: b1_1, b1_2, ... = layer_row). In the layers view they are W1, b1, W2, b2, ...

Maxout (k = 2 pieces) doubles a layer's rows: neuron j's pieces are rows 2j and 2j+1 of W_l,
each with its own pre-activation z (and its own bias b{l}_{row} with per-neuron biases), and the
neuron's activation is the larger of the two. So with maxout hidden neurons h1, h2 of a 2-2-...
network: z1, z2 are h1's pieces (weights w1, w2 and w3, w4), z3, z4 are h2's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from app.graph.engine import ValueInput, as_array
from app.graph.ir import GraphError
from app.graph.ops import REGISTRY, Array

# What a layer may use and what the network may minimize: the registry's categories, in the
# registry's order (no list of op names here)
ACTIVATIONS = tuple(name for name, op in REGISTRY.items() if op.category == "activation")
LOSSES = tuple(name for name, op in REGISTRY.items() if op.category == "loss")
CLASS_LOSSES = ("softmax_cross_entropy", "hinge")  # the target is a one-hot row per sample

# one weight layer: W (rows x n_in) and b (a 0-d shared bias, or one per row)
LayerParams = tuple[Array, Array]


@dataclass(frozen=True, slots=True)
class NetworkLimits:
    """The caps on a network request (``app.limits.Limits.network`` builds them from the
    settings of the same names, where their defaults are documented).

    ``max_layers`` counts the input layer; ``max_width`` bounds every layer; the neurons view is
    drawn up to ``max_neuron_nodes`` nodes (the layers view draws anything larger). Training is
    bounded by ``max_train_steps``, by steps x parameters x samples multiply-adds
    (``max_train_cost``, the numpy work) and by steps x graph nodes (``max_train_node_steps``,
    the Python work: ~10-15 us per node and step, so ~4 s).
    """

    max_layers: int = 8
    max_width: int = 256
    max_neuron_nodes: int = 2_000
    max_train_steps: int = 10_000
    max_train_cost: int = 50_000_000
    max_train_node_steps: int = 300_000


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    layers: tuple[int, ...]  # units per layer, input layer first
    activations: tuple[str, ...]  # one per non-input layer
    loss: str
    per_neuron_biases: bool = False

    @property
    def depth(self) -> int:
        """Number of weight layers L."""
        return len(self.layers) - 1

    def pieces(self, lay: int) -> int:
        """Pre-activations per neuron of weight layer lay (1-based): 2 for maxout, else 1."""
        return 2 if self.activations[lay - 1] == "maxout" else 1

    def rows(self, lay: int) -> int:
        return self.layers[lay] * self.pieces(lay)

    def layer_id(self, lay: int) -> str:
        """The figure's id of layer lay (0 = input): input, hidden1, hidden2, ..., output. It is
        also the ``group`` of every node of that layer, its incoming weights and biases too."""
        if lay == 0:
            return "input"
        return "output" if lay == self.depth else f"hidden{lay}"

    def n_params(self) -> int:
        return sum(
            self.rows(lay) * (self.layers[lay - 1] + (1 if self.per_neuron_biases else 0))
            + (0 if self.per_neuron_biases else 1)
            for lay in range(1, self.depth + 1)
        )


def make_spec(
    layers: Sequence[int],
    activation: str | Sequence[str],
    loss: str,
    per_neuron_biases: bool,
    limits: NetworkLimits | None = None,
) -> NetworkSpec:
    """Check the request's network shape; GraphError(kind="limit" or "value") otherwise."""
    limits = limits or NetworkLimits()
    if not 2 <= len(layers) <= limits.max_layers:
        raise GraphError(f"a network has 2 to {limits.max_layers} layers (input and output "
                         f"included), got {len(layers)}", kind="limit")
    if any(not 1 <= n <= limits.max_width for n in layers):
        raise GraphError(f"every layer has 1 to {limits.max_width} units, got {list(layers)}",
                         kind="limit")
    acts = [activation] * (len(layers) - 1) if isinstance(activation, str) else list(activation)
    if len(acts) != len(layers) - 1:
        raise GraphError(f"give one activation per non-input layer ({len(layers) - 1}), "
                         f"got {len(acts)}", kind="value")
    for a in acts:
        if a not in ACTIVATIONS:
            raise GraphError(f"unknown activation {a!r}; choose from {', '.join(ACTIVATIONS)}",
                             kind="value")
    if loss not in LOSSES:
        raise GraphError(f"unknown loss {loss!r}; choose from {', '.join(LOSSES)}", kind="value")
    if loss in CLASS_LOSSES and layers[-1] < 2:
        raise GraphError(f"{loss} needs at least 2 output units (one per class)", kind="value")
    return NetworkSpec(tuple(layers), tuple(acts), loss, per_neuron_biases)


# --- names --------------------------------------------------------------------------------------


def weight_name(spec: NetworkSpec, lay: int, r: int, c: int) -> str:
    """The seed's number of W_l[r, c] (0-based r, c): layers before, then row-major."""
    before = sum(spec.rows(k) * spec.layers[k - 1] for k in range(1, lay))
    return f"w{before + r * spec.layers[lay - 1] + c + 1}"


def locate_weight(spec: NetworkSpec, name: str) -> tuple[int, int, int] | None:
    """(layer, row, column) of the neurons view's weight ``name`` (w5 -> (2, 0, 0) in the seed),
    or None if this network has no such weight: the inverse of :func:`weight_name`."""
    m = re.fullmatch(r"w([1-9][0-9]*)", name)
    if not m:
        return None
    k = int(m[1]) - 1
    for lay in range(1, spec.depth + 1):
        size = spec.rows(lay) * spec.layers[lay - 1]
        if 0 <= k < size:
            return lay, k // spec.layers[lay - 1], k % spec.layers[lay - 1]
        k -= size
    return None


def bias_name(spec: NetworkSpec, lay: int, r: int) -> str:
    return f"b{lay}_{r + 1}" if spec.per_neuron_biases else f"b{lay}"


def neuron_names(spec: NetworkSpec) -> tuple[str, ...]:
    """Every parameter's name in the neurons view: the weights first, then the biases."""
    ws = [weight_name(spec, lay, r, c) for lay in range(1, spec.depth + 1)
          for r in range(spec.rows(lay)) for c in range(spec.layers[lay - 1])]
    bs = dict.fromkeys(bias_name(spec, lay, r) for lay in range(1, spec.depth + 1)
                       for r in range(spec.rows(lay)))
    return (*ws, *bs)


def layer_names(spec: NetworkSpec) -> tuple[str, ...]:
    return tuple(n for lay in range(1, spec.depth + 1) for n in (f"W{lay}", f"b{lay}"))


def pre_activation_name(spec: NetworkSpec, lay: int, r: int) -> str:
    """z1, z2, ... numbered across all layers, as the seed numbers z3, z4 in the output layer."""
    return f"z{sum(spec.rows(k) for k in range(1, lay)) + r + 1}"


def activation_name(spec: NetworkSpec, lay: int, j: int) -> str:
    """o1, o2, ... for the output layer; h1, h2 with one hidden layer; h{layer}_{j} beyond."""
    if lay == spec.depth:
        return f"o{j + 1}"
    return f"h{j + 1}" if spec.depth == 2 else f"h{lay}_{j + 1}"


# --- values -------------------------------------------------------------------------------------


def init_params(spec: NetworkSpec, seed: int) -> list[LayerParams]:
    """Glorot/Xavier normal weights, std = sqrt(2 / (fan_in + fan_out)), and zero biases."""
    rng = np.random.default_rng(seed)
    out: list[LayerParams] = []
    for lay in range(1, spec.depth + 1):
        n_in, rows = spec.layers[lay - 1], spec.rows(lay)
        w = rng.normal(0.0, math.sqrt(2.0 / (n_in + spec.layers[lay])), size=(rows, n_in))
        b = np.zeros(rows if spec.per_neuron_biases else ())
        out.append((w, b))
    return out


def apply_params(
    spec: NetworkSpec, base: list[LayerParams], given: Mapping[str, ValueInput]
) -> list[LayerParams]:
    """``base`` with the given values put in: by neuron name (w5: a number) or layer name (W2:
    a matrix, b2: its bias). A parameter not given keeps its value in ``base``."""
    params = [(w.copy(), b.copy()) for w, b in base]
    for name, value in given.items():
        arr = as_array(value, name)
        where = _locate(spec, name)
        if where is not None:
            lay, row, col = where
            if arr.ndim:
                raise GraphError(f"parameter {name!r} is one number", name, kind="value")
            w, b = params[lay - 1]
            if col is None:
                b[row] = arr
            else:
                w[row, col] = arr
        elif (m := re.fullmatch(r"([Wb])([1-9][0-9]*)", name)) and 1 <= int(m[2]) <= spec.depth:
            lay = int(m[2])
            slot = 0 if m[1] == "W" else 1
            want = params[lay - 1][slot].shape
            if arr.shape != want:
                raise GraphError(f"parameter {name!r} has shape {list(arr.shape)}; this network "
                                 f"needs {list(want)}", name, kind="value")
            params[lay - 1] = (arr, params[lay - 1][1]) if slot == 0 else (params[lay - 1][0], arr)
        else:
            raise GraphError(f"unknown parameter {name!r}: this network's are "
                             f"{_summary(neuron_names(spec))} or W1, b1, ... W{spec.depth}, "
                             f"b{spec.depth}", name, kind="value")
    return params


def _locate(spec: NetworkSpec, name: str) -> tuple[int, int, int | None] | None:
    """Where a neurons-view parameter sits: (layer, row, column), column None for a per-neuron
    bias b{layer}_{row}; None for any other name (a shared bias b1 is a layer name too)."""
    if (m := re.fullmatch(r"b([1-9][0-9]*)_([1-9][0-9]*)", name)) and spec.per_neuron_biases:
        lay, row = int(m[1]), int(m[2]) - 1
        return (lay, row, None) if lay <= spec.depth and row < spec.rows(lay) else None
    return locate_weight(spec, name)


def by_neuron_name(spec: NetworkSpec, params: Sequence[LayerParams]) -> dict[str, Array]:
    """Every parameter as a 0-d array under its neurons-view name."""
    out: dict[str, Array] = {}
    for lay, (w, _b) in enumerate(params, start=1):
        for r in range(w.shape[0]):
            for c in range(w.shape[1]):
                out[weight_name(spec, lay, r, c)] = np.asarray(w[r, c])
    for lay, (w, b) in enumerate(params, start=1):
        for r in range(w.shape[0]):
            out[bias_name(spec, lay, r)] = np.asarray(b[r] if b.ndim else b)
    return out


def by_layer_name(params: Sequence[LayerParams]) -> dict[str, Array]:
    out: dict[str, Array] = {}
    for lay, (w, b) in enumerate(params, start=1):
        out[f"W{lay}"], out[f"b{lay}"] = w, b
    return out


def from_layer_names(spec: NetworkSpec, values: Mapping[str, Array]) -> list[LayerParams]:
    return [(values[f"W{lay}"], values[f"b{lay}"]) for lay in range(1, spec.depth + 1)]


def _summary(names: Sequence[str]) -> str:
    return ", ".join(names) if len(names) <= 12 else ", ".join((*names[:6], "...", *names[-3:]))
