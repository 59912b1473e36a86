"""A PyTorch function or module, traced by torch.fx, as a Chainrule graph (the /api/graph form).

    graph, values = to_graph(gm, inputs)     # gm: torch.fx.GraphModule, shapes propagated

Every fx node becomes one Chainrule node with the fx node's name (an argument keeps its own
name, a parameter its qualified name: ``fc1.weight``), except three that are spelt out in
Chainrule's ops: ``Linear`` (``y = W x + b`` for one sample, ``y = X Wᵀ + b`` for a batch, the
bias added by broadcasting), a Python number (a const node per use) and the class indices of a
cross-entropy target (a const one-hot matrix: Chainrule's loss takes one row per sample).
Anything else is a :class:`chainrule.ChainruleError` of kind "unsupported" that names the op
and lists what is supported (chainrule.torch_ops). This module imports torch: only
:func:`chainrule.from_torch` imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import fx, nn

from chainrule.errors import ChainruleError
from chainrule.torch_ops import find, unsupported

Json = dict[str, Any]


class Translator:
    """Walks an fx graph in its (topological) order and writes Chainrule nodes."""

    def __init__(self, gm: fx.GraphModule, inputs: Sequence[object]) -> None:
        self.gm = gm
        self.inputs = iter(inputs)
        self.nodes: list[Json] = []
        self.values: dict[str, Any] = {}
        self.ids: dict[fx.Node, str] = {}
        self.indices: dict[fx.Node, torch.Tensor] = {}  # integer tensors: class indices
        self.params: dict[str, str] = {}  # qualified name -> node id

    # --- writing nodes --------------------------------------------------------------------

    def fresh(self, wanted: str) -> str:
        taken = {n["id"] for n in self.nodes}
        out, k = wanted, 1
        while out in taken:
            k += 1
            out = f"{wanted}_{k}"
        return out

    def add(self, wanted: str, op: str, *inputs: str, **params: float) -> str:
        nid = self.fresh(wanted)
        self.nodes.append({"id": nid, "op": op, "inputs": list(inputs),
                           **({"params": params} if params else {})})
        return nid

    def leaf(self, wanted: str, tensor: torch.Tensor, trainable: bool) -> str:
        """An input (its value in ``values``) or, when it takes no gradient, a const."""
        if tensor.dim() > 2:
            raise ChainruleError("unsupported", f"{wanted} has shape {list(tensor.shape)}: "
                                 "Chainrule's values are numbers, vectors and matrices")
        data = tensor.detach().to(torch.float64).tolist()
        nid = self.fresh(wanted)
        if trainable:
            self.nodes.append({"id": nid, "op": "input"})
            self.values[nid] = data
        else:
            self.nodes.append({"id": nid, "op": "const", "value": data})
        return nid

    def arg(self, node: fx.Node, a: object, slot: int) -> str:
        """The node id of one argument: an earlier node's, or a new const for a number."""
        if isinstance(a, fx.Node):
            if a in self.indices:
                raise unsupported(f"{a.name} (integer class indices) used by {node.name}",
                                  "integer tensors are cross-entropy targets only")
            return self.ids[a]
        if isinstance(a, bool) or not isinstance(a, int | float):
            raise unsupported(f"{type(a).__name__} argument {a!r} of {node.name}")
        self.nodes.append({"id": self.fresh(f"{node.name}/{slot}"), "op": "const",
                           "value": float(a)})
        return str(self.nodes[-1]["id"])

    def param(self, qualified: str) -> str:
        """The node of a module's parameter (one per parameter, however often it is used)."""
        if qualified not in self.params:
            p = self.gm.get_parameter(qualified)
            self.params[qualified] = self.leaf(qualified, p, p.requires_grad)
        return self.params[qualified]

    # --- the walk ---------------------------------------------------------------------------

    def run(self) -> Json:
        output: str | None = None
        for node in self.gm.graph.nodes:
            if node.op == "placeholder":
                self.placeholder(node, next(self.inputs))
            elif node.op == "get_attr":
                self.get_attr(node)
            elif node.op == "output":
                (result,) = node.args
                if not isinstance(result, fx.Node):
                    raise unsupported("returning " + type(result).__name__,
                                      "return one tensor")
                output = self.ids[result]
            else:
                handler, options = find(self.gm, node)
                self.ids[node] = handler(self, node, options)
        assert output is not None
        return {"nodes": self.nodes, "output": output}

    def placeholder(self, node: fx.Node, value: object) -> None:
        assert isinstance(value, torch.Tensor)
        if not value.is_floating_point():
            self.indices[node] = value
            return
        self.ids[node] = self.leaf(str(node.target), value, True)

    def get_attr(self, node: fx.Node) -> None:
        target = str(node.target)
        value = self.gm.get_parameter(target) if _is_param(self.gm, target) else \
            _attr(self.gm, target)
        if not isinstance(value, torch.Tensor):
            raise unsupported(f"attribute {target} ({type(value).__name__})")
        if isinstance(value, nn.Parameter):
            self.ids[node] = self.param(target)
        elif not value.is_floating_point():
            self.indices[node] = value
        else:
            self.ids[node] = self.leaf(node.name, value, False)

    def shape(self, a: object) -> tuple[int, ...]:
        if isinstance(a, fx.Node):
            meta = a.meta.get("tensor_meta")
            if meta is not None:
                return tuple(meta.shape)
        return ()


def _is_param(gm: fx.GraphModule, target: str) -> bool:
    return target in dict(gm.named_parameters())


def _attr(gm: fx.GraphModule, target: str) -> object:
    out: object = gm
    for part in target.split("."):
        out = getattr(out, part)
    return out


def to_graph(gm: fx.GraphModule, inputs: Sequence[object]) -> tuple[Json, dict[str, Any]]:
    """(the /api/graph "graph" form, the values of its inputs) of ``gm`` (shapes propagated
    into its nodes' meta) called with ``inputs`` (float64 tensors; integer tensors are class
    indices)."""
    t = Translator(gm, inputs)
    graph = t.run()
    return graph, t.values
