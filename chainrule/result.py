"""A traced graph as Python objects: what :func:`chainrule.trace`, :func:`chainrule.from_torch`
and :class:`chainrule.Client` return.

A :class:`Result` wraps the result document exactly as the REST API returns it (version 2,
docs/document.md): ``to_json()`` is that text, ``document`` the parsed JSON, and the
attributes read it. Numbers are float64 throughout: a scalar is a float, a vector or matrix a
numpy array of the variable's shape (JSON numbers round-trip float64 exactly).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import orjson

Json = dict[str, Any]
Number = float | npt.NDArray[np.float64]


class Backend(Protocol):
    """What computes a document: this process (:mod:`chainrule.local`) or a server
    (:class:`chainrule.Client`). ``run`` takes an API endpoint and its request and returns the
    JSON text of the answer, or raises :class:`chainrule.ChainruleError`."""

    def run(self, endpoint: str, request: Json) -> str: ...


def number(x: object) -> Number:
    """A JSON number or nested list as a float or a float64 array."""
    if isinstance(x, list):
        return np.asarray(x, dtype=np.float64)
    return float(x)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Node:
    """A node: its value and its gradient (d output / d node; None where no input reaches it),
    ``name`` as a learner reads it ("w5", "the product w5·h1")."""

    id: str
    op: str
    inputs: tuple[str, ...]
    name: str | None
    shape: tuple[int, ...]
    value: Number
    grad: Number | None


@dataclass(frozen=True, slots=True)
class Edge:
    """source -> target into input ``slot``: ``local_grad`` = d target / d source (None for a
    Jacobian that is not elementwise), ``grad`` = what flows back to the source along it."""

    source: str
    target: str
    slot: int
    local_grad: Number | None
    grad: Number | None


class Derivation(Mapping[str, Any]):
    """The chain-rule derivation of one node, as the API's ``explain`` gives it (the factored
    ``lines``, every ``paths``, ``update``...; docs/document.md). A notebook shows it typeset
    (``latex``: the factored derivation as one formula)."""

    def __init__(self, data: Json) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    @property
    def latex(self) -> str:
        return str(self._data["latex"])

    def _repr_latex_(self) -> str:
        return f"$$ {self.latex} $$"

    def __repr__(self) -> str:
        return f"<Derivation of {self._data['node']}: {self._data['total']!r}>"


class Result:
    """The forward and backward pass of one request (see the module doc).

    ``request`` is the REST request that gives this very document (POST it to ``endpoint``);
    ``torch_check`` is set by :func:`chainrule.from_torch`: per input, the largest difference
    from PyTorch's gradient relative to that gradient's largest entry.
    """

    def __init__(self, text: str, endpoint: str, request: Json, backend: Backend) -> None:
        self._text = text
        self.endpoint = endpoint
        self.request = request
        self._backend = backend
        self.torch_check: Mapping[str, float] | None = None
        self._derivations: dict[str, Derivation] = {}

    @cached_property
    def document(self) -> Json:
        """The result document (parsed JSON; the same for every caller of the API)."""
        doc: Json = orjson.loads(self._text)
        return doc

    def to_json(self) -> str:
        """The document as the REST API writes it."""
        return self._text

    @property
    def output(self) -> str:
        return str(self.document["output"])

    @property
    def output_name(self) -> str:
        """The output as a learner reads it (its display name: "E_total", "f"; never an id
        such as mul#1)."""
        return self.nodes[self.output].name or self.output

    @cached_property
    def nodes(self) -> dict[str, Node]:
        """Every node by id, in forward (topological) order."""
        return {
            n["id"]: Node(n["id"], n["op"], tuple(n["inputs"]), n.get("name"), tuple(n["shape"]),
                          number(n["value"]), None if n["grad"] is None else number(n["grad"]))
            for n in self.document["nodes"]
        }

    @cached_property
    def edges(self) -> list[Edge]:
        """Every edge, node by node in forward order, slot by slot (the document's order)."""
        return [Edge(e["source"], e["target"], e["slot"],
                     None if e["local_grad"] is None else number(e["local_grad"]),
                     None if e["grad"] is None else number(e["grad"]))
                for e in self.document["edges"]]

    @property
    def value(self) -> Number:
        """The output's value."""
        return self.nodes[self.output].value

    @cached_property
    def grad(self) -> dict[str, Number]:
        """d output / d input for every input that reaches the output, by id, shaped like the
        input (as PyTorch fills ``.grad`` of leaf tensors; every node's is in ``nodes``). A
        non-scalar output is differentiated as the sum of its entries (``seeded_with_ones``)."""
        return {i: n.grad for i, n in self.nodes.items() if n.op == "input" and n.grad is not None}

    def derivation(self, node_id: str) -> Derivation:
        """The chain-rule derivation of ``node_id``: the same request with ``explain`` (one
        more forward and backward pass; the answer is kept). ChainruleError (kind "explain")
        for a name that is not a node of the graph."""
        found = self._derivations.get(node_id)
        if found is None:
            given = self.document.get("derivations") or {}
            if node_id in given:
                found = Derivation(given[node_id])
            else:
                text = self._backend.run(self.endpoint, {**self.request, "explain": [node_id]})
                found = Derivation(orjson.loads(text)["derivations"][node_id])
            self._derivations[node_id] = found
        return found

    def show(self, path: str | Path | None = None) -> Path:
        """Write the result as a self-contained HTML file (default: chainrule-<output's
        name>.html in the current folder), say where, and return its path."""
        from chainrule.show import write_html

        return write_html(self, path)

    def __repr__(self) -> str:
        grads = ", ".join(f"{k}: {_short(v)}" for k, v in list(self.grad.items())[:6])
        more = ", ..." if len(self.grad) > 6 else ""
        return (f"<chainrule.Result {self.output_name} = {_short(self.value)}; "
                f"gradients {{{grads}{more}}}>")


def _short(x: Number) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return f"array of shape {list(x.shape)}"
