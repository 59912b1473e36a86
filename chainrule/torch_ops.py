"""What each PyTorch operation becomes in Chainrule's ops, and the table of every spelling of
it that torch.fx records (a function, a Tensor method, an nn layer) with the options it accepts.

    handler, options = find(gm, node)        # or ChainruleError (kind "unsupported")
    node_id = handler(writer, node, options)

A handler writes the nodes of one fx node through a :class:`Writer` (chainrule.torch_graph's
Translator) and returns the id of the node that holds its result. ``SPELLINGS`` is what the
error of an op that is not here lists. This module imports torch: only
:func:`chainrule.from_torch` imports it.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

from chainrule.errors import ChainruleError

Json = dict[str, Any]
_KEEP = object()  # an option whose value is passed on (not fixed)


class Writer(Protocol):
    """Where handlers write nodes (chainrule.torch_graph.Translator)."""

    gm: fx.GraphModule
    nodes: list[Json]
    indices: dict[fx.Node, torch.Tensor]

    def fresh(self, wanted: str) -> str: ...

    def add(self, wanted: str, op: str, *inputs: str, **params: float) -> str: ...

    def arg(self, node: fx.Node, a: object, slot: int) -> str: ...

    def param(self, qualified: str) -> str: ...

    def shape(self, a: object) -> tuple[int, ...]: ...


def unsupported(what: str, hint: str = "") -> ChainruleError:
    return ChainruleError(
        "unsupported",
        f"{what} is not supported by chainrule.from_torch{': ' + hint if hint else ''}. "
        "It maps: " + ", ".join(SPELLINGS) + ".",
    )


# --- what each op becomes ----------------------------------------------------------------------

Handler = Callable[[Writer, fx.Node, Mapping[str, object]], str]


def direct(op: str, arity: int, **rename: str) -> Handler:
    """An op with ``arity`` tensor arguments and params passed on under Chainrule's names."""

    def handle(t: Writer, node: fx.Node, options: Mapping[str, object]) -> str:
        if len(node.args) != arity:
            raise unsupported(f"{describe(t.gm, node)} with {len(node.args)} arguments "
                              f"({node.name})", f"{op} takes {arity}")
        args = [t.arg(node, a, k) for k, a in enumerate(node.args)]
        params = {rename[k]: _number(v) for k, v in options.items() if k in rename}
        return t.add(node.name, op, *args, **params)

    return handle


def linear(t: Writer, node: fx.Node, x: object, weight: str, bias: str | None) -> str:
    """y = W x + b (x a vector), y = X Wᵀ + b (X a batch, one sample per row)."""
    xs = t.arg(node, x, 0)
    ndim = len(t.shape(x))
    if ndim not in (1, 2):
        raise unsupported(f"Linear {node.name} on an input of {ndim} dimensions",
                          "give one sample (a vector) or a batch (a matrix)")
    last = bias is None
    if ndim == 1:
        y = t.add(node.name if last else f"{weight}@{xs}", "matmul", weight, xs)
    else:
        wt = t.add(f"{weight}ᵀ", "transpose", weight)
        y = t.add(node.name if last else f"{xs}@{wt}", "matmul", xs, wt)
    return y if bias is None else t.add(node.name, "add", y, bias)


def linear_module(t: Writer, node: fx.Node, _o: Mapping[str, object]) -> str:
    name = str(node.target)
    layer = t.gm.get_submodule(name)
    weight = t.param(f"{name}.weight")
    bias = t.param(f"{name}.bias") if layer.bias is not None else None
    return linear(t, node, node.args[0], weight, bias)


def linear_function(t: Writer, node: fx.Node, options: Mapping[str, object]) -> str:
    x, w, *rest = node.args
    b = rest[0] if rest else options.get("bias")
    return linear(t, node, x, t.arg(node, w, 1), None if b is None else t.arg(node, b, 2))


def _number(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise unsupported(f"a parameter {v!r}", "give a number")
    return float(v)


def module_activation(op: str, **rename: str) -> Handler:
    def handle(t: Writer, node: fx.Node, _o: Mapping[str, object]) -> str:
        layer = t.gm.get_submodule(str(node.target))
        if getattr(layer, "inplace", False):
            raise unsupported(f"{type(layer).__name__}(inplace=True) at {node.target}")
        params = {mine: _number(getattr(layer, theirs)) for theirs, mine in rename.items()}
        return t.add(node.name, op, t.arg(node, node.args[0], 0), **params)

    return handle


def _axis(d: object, ndim: int) -> int | None:
    """A dimension argument counted from 0 (-1 is the last); None if it is not an int."""
    return d % max(ndim, 1) if isinstance(d, int) and not isinstance(d, bool) else None


def transpose(t: Writer, node: fx.Node, _o: Mapping[str, object]) -> str:
    x, *dims = node.args
    if dims and dims[0] == "T":  # getattr(x, "T")
        dims = []
    ndim = len(t.shape(x))
    if dims and {_axis(d, ndim) for d in dims} != {0, 1}:
        raise unsupported(f"transpose{tuple(dims)} of {ndim} dimensions")
    return t.add(node.name, "transpose", t.arg(node, x, 0))


def reduction(op: str) -> Handler:
    def handle(t: Writer, node: fx.Node, options: Mapping[str, object]) -> str:
        if len(node.args) > 1 or options.get("dim") is not None:
            raise unsupported(f"{op} over a dimension ({node.name})",
                              f"Chainrule's {op} takes every entry; use {op}() without dim")
        return t.add(node.name, op, t.arg(node, node.args[0], 0))

    return handle


def mse(t: Writer, node: fx.Node, _o: Mapping[str, object]) -> str:
    a, b = node.args[:2]
    if t.shape(a) != t.shape(b):
        raise unsupported(f"mse_loss of shapes {list(t.shape(a))} and {list(t.shape(b))}",
                          "give input and target one shape")
    return t.add(node.name, "mse", t.arg(node, a, 0), t.arg(node, b, 1))


def cross_entropy(t: Writer, node: fx.Node, logits: object, target: object) -> str:
    """softmax + cross-entropy, the mean over the samples: Chainrule's softmax_cross_entropy,
    whose target is a row per sample (class indices become one-hot rows)."""
    z = t.arg(node, logits, 0)
    shape = t.shape(logits)
    if not isinstance(target, fx.Node) or target not in t.indices:
        return t.add(node.name, "softmax_cross_entropy", z, t.arg(node, target, 1))
    index = t.indices[target]
    classes = shape[-1] if shape else 0
    flat = index.reshape(-1).tolist()
    if len(shape) not in (1, 2) or index.dim() != len(shape) - 1 or \
            not all(0 <= c < classes for c in flat):
        raise unsupported(f"cross-entropy of logits {list(shape)} and class indices "
                          f"{index.tolist()}", "one class in range per sample")
    one_hot = np.zeros((len(flat), classes))
    one_hot[np.arange(len(flat)), flat] = 1.0
    rows = one_hot.tolist() if len(shape) == 2 else one_hot[0].tolist()
    nid = t.fresh(target.name if target.op != "get_attr" else f"{node.name}/target")
    t.nodes.append({"id": nid, "op": "const", "value": rows})
    return t.add(node.name, "softmax_cross_entropy", z, nid)


def cross_entropy_call(t: Writer, node: fx.Node, _o: Mapping[str, object]) -> str:
    return cross_entropy(t, node, *node.args[:2])


_SOFTMAX = ("softmax is mapped inside the cross-entropy loss only: F.cross_entropy(logits, "
            "target), or F.nll_loss(F.log_softmax(logits, dim=-1), target)")


def log_softmax(t: Writer, node: fx.Node, options: Mapping[str, object]) -> str:
    """Only as the first half of nll_loss(log_softmax(z), y): there it is the cross-entropy."""
    users = list(node.users)
    dim: object = node.args[1] if len(node.args) > 1 else options.get("dim")
    if node.op == "call_module":
        dim = t.gm.get_submodule(str(node.target)).dim
    ndim = len(t.shape(node.args[0]))
    nll = len(users) == 1 and find(t.gm, users[0])[0] is nll_loss
    if not nll or _axis(dim, ndim) != ndim - 1:
        raise unsupported(f"log_softmax ({node.name})", _SOFTMAX)
    return t.arg(node, node.args[0], 0)  # the logits: nll_loss applies the cross-entropy


def nll_loss(t: Writer, node: fx.Node, _o: Mapping[str, object]) -> str:
    logp, target = node.args[:2]
    if not isinstance(logp, fx.Node) or find(t.gm, logp)[0] is not log_softmax:
        raise unsupported(f"nll_loss ({node.name}) of anything but log_softmax")
    return cross_entropy(t, node, logp.args[0], target)


# (what a learner writes, its Chainrule op) -> every spelling torch.fx records, and the options
# it accepts: _KEEP passes a value on, anything else is the only value allowed
Spelling = tuple[Handler, tuple[object, ...], Mapping[str, object]]
_TABLE: dict[str, Spelling] = {}


def _spell(name: str, handler: Handler, targets: Sequence[object],
           options: Mapping[str, object] | None = None) -> None:
    _TABLE[name] = (handler, tuple(targets), options or {})


_INPLACE = {"inplace": False}
_spell("Linear", linear_module, [nn.Linear])
_spell("F.linear", linear_function, [F.linear], {"bias": _KEEP})
_spell("matmul (@)", direct("matmul", 2),
       [operator.matmul, torch.matmul, torch.mm, torch.mv, "matmul", "mm", "mv"])
_spell("add (+)", direct("add", 2), [operator.add, torch.add, "add"], {"alpha": 1})
_spell("sub (-)", direct("sub", 2), [operator.sub, torch.sub, torch.subtract, "sub"],
       {"alpha": 1})
_spell("mul (*)", direct("mul", 2), [operator.mul, torch.mul, torch.multiply, "mul"])
_spell("div (/)", direct("div", 2),
       [operator.truediv, torch.div, torch.true_divide, torch.divide, "div", "true_divide"],
       {"rounding_mode": None})
_spell("pow (**)", direct("pow", 2), [operator.pow, torch.pow, "pow"])
_spell("neg (-x)", direct("neg", 1), [operator.neg, torch.neg, "neg"])
_spell("maximum", direct("max", 2), [torch.maximum, "maximum"])
_spell("minimum", direct("min", 2), [torch.minimum, "minimum"])
for _name in ("exp", "log", "sqrt", "abs"):
    _spell(_name, direct(_name, 1), [getattr(torch, _name), _name])
_spell("sigmoid", direct("sigmoid", 1), [torch.sigmoid, F.sigmoid, "sigmoid"])
_spell("nn.Sigmoid", module_activation("sigmoid"), [nn.Sigmoid])
_spell("tanh", direct("tanh", 1), [torch.tanh, F.tanh, "tanh"])
_spell("nn.Tanh", module_activation("tanh"), [nn.Tanh])
_spell("relu", direct("relu", 1), [torch.relu, F.relu, "relu"], _INPLACE)
_spell("nn.ReLU", module_activation("relu"), [nn.ReLU])
_spell("leaky_relu", direct("leaky_relu", 1, negative_slope="alpha"), [F.leaky_relu],
       {"negative_slope": _KEEP, **_INPLACE})
_spell("nn.LeakyReLU", module_activation("leaky_relu", negative_slope="alpha"), [nn.LeakyReLU])
_spell("elu", direct("elu", 1, alpha="alpha"), [F.elu], {"alpha": _KEEP, **_INPLACE})
_spell("nn.ELU", module_activation("elu", alpha="alpha"), [nn.ELU])
_spell("sum", reduction("sum"), [torch.sum, "sum"], {"dim": None, "dtype": None})
_spell("mean", reduction("mean"), [torch.mean, "mean"], {"dim": None, "dtype": None})
_spell("transpose (.T, .t(), transpose(0, 1))", transpose,
       [torch.t, torch.transpose, "t", "transpose", builtins.getattr])
_LOSS = {"size_average": None, "reduce": None, "reduction": "mean", "weight": None}
_spell("mse_loss", mse, [F.mse_loss, nn.MSELoss], _LOSS)
_CE = {**_LOSS, "ignore_index": -100, "label_smoothing": 0.0}
_spell("cross_entropy (softmax + cross-entropy)", cross_entropy_call,
       [F.cross_entropy, nn.CrossEntropyLoss], _CE)
_spell("nll_loss(log_softmax(z, dim=-1))", nll_loss, [F.nll_loss, nn.NLLLoss],
       {k: v for k, v in _CE.items() if k != "label_smoothing"})
_spell("log_softmax", log_softmax, [torch.log_softmax, F.log_softmax, "log_softmax",
                                    nn.LogSoftmax], {"dim": _KEEP, "_stacklevel": _KEEP,
                                                     "dtype": None})

SPELLINGS = tuple(name for name in _TABLE if name not in ("log_softmax",))
_BY_TARGET = {target: name for name, (_, targets, _) in _TABLE.items() for target in targets}


def describe(gm: fx.GraphModule, node: fx.Node) -> str:
    """How a learner wrote the op of ``node``: torch.nn.functional.softmax, Tensor.cumsum,
    nn.Softmax (at 'act')."""
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    if node.op == "call_module":
        return f"nn.{type(gm.get_submodule(str(node.target))).__name__} (at {node.target!r})"
    target: Any = node.target
    module = getattr(target, "__module__", None) or "torch"
    module = {"torch._C._nn": "torch.nn.functional", "_operator": "operator"}.get(module, module)
    return f"{module}.{getattr(target, '__name__', repr(target))}"


def find(gm: fx.GraphModule, node: fx.Node) -> tuple[Handler, Mapping[str, object]]:
    """The handler of ``node`` and its options, or ChainruleError (kind "unsupported")."""
    key: object = node.target
    if node.op == "call_module":
        key = type(gm.get_submodule(str(node.target)))
    name = _BY_TARGET.get(key)
    if name is None or (key is builtins.getattr and node.args[1:] != ("T",)):
        what = describe(gm, node)
        hint = _SOFTMAX if what.endswith("softmax") or "Softmax" in what else ""
        raise unsupported(f"{what} ({node.name})", hint)
    handler, _, allowed = _TABLE[name]
    if node.op == "call_module":  # a layer's options are its attributes
        layer = gm.get_submodule(str(node.target))
        given = {k: getattr(layer, k) for k in allowed if hasattr(layer, k)}
    else:
        given = dict(node.kwargs)
    for option, value in given.items():
        want = allowed.get(option, _KEEP if option in allowed else None)
        if option not in allowed or (want is not _KEEP and value != want):
            hint = f"only {option}={want!r}" if option in allowed else ""
            raise unsupported(f"{describe(gm, node)} with {option}={value!r} ({node.name})", hint)
    return handler, given
