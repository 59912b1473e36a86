"""Request and response models of /api/network, /api/network/train and /api/activations.

Requests are strict like /api/graph's (app.api.schemas): unknown fields refused, finite JSON
numbers only, every list capped. The caps here are wide on purpose: the builder refuses a
network over its size limits (the app's NetworkLimits) with a message that says which limit
(kind "limit").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    Strict,
    WithJsonSchema,
)

from app.api.schemas import GraphResult, NodeId, Number, OutValue, Strict_, Value
from app.builders.network import ACTIVATIONS, LOSSES


def _member_of(names: tuple[str, ...], what: str) -> Callable[[str], str]:
    """A check that a string is one of ``names`` (the builder's own list, not a copy)."""

    def check(value: str) -> str:
        if value not in names:
            raise ValueError(f"unknown {what} {value!r}; choose from {', '.join(names)}")
        return value

    return check


ActivationName = Annotated[str, Strict(), AfterValidator(_member_of(ACTIVATIONS, "activation")),
                           WithJsonSchema({"type": "string", "enum": list(ACTIVATIONS)})]
LossName = Annotated[str, Strict(), AfterValidator(_member_of(LOSSES, "loss")),
                     WithJsonSchema({"type": "string", "enum": list(LOSSES)})]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Row = Annotated[list[Number], Field(min_length=1, max_length=10_000)]
Rows = Annotated[list[Row], Field(min_length=1, max_length=10_000)]

SEED_REQUEST: dict[str, JsonValue] = {
    "layers": [2, 2, 2], "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]],
    "params": {"W1": [[0.15, 0.2], [0.25, 0.3]], "b1": 0.35, "W2": [[0.4, 0.45], [0.5, 0.55]],
               "b2": 0.6}}


class NetworkFields(Strict_):
    """A fully connected network, its data, its parameters and the view to draw (see
    app/builders/network.py for the names: w1.. numbered layer by layer, row by row, as the
    seed numbers them)."""

    layers: list[Annotated[Int, Field(ge=1, le=100_000)]] = Field(
        min_length=2, max_length=64, examples=[[2, 2, 2]],
        description="units per layer, input layer first")
    activation: ActivationName | Annotated[list[ActivationName], Field(max_length=64)] = Field(
        "sigmoid", description="one for every non-input layer, or one per non-input layer; "
        "maxout has 2 pieces per neuron")
    loss: LossName = "half_sse"
    inputs: Rows = Field(description="samples x n_in", examples=[[[0.05, 0.1]]])
    targets: Rows = Field(description="samples x n_out (one-hot rows for softmax_cross_entropy "
                          "and hinge)", examples=[[[0.01, 0.99]]])
    params: dict[NodeId, Value] | None = Field(
        None, max_length=10_000, description="values by name (w5: a number, or W2: a matrix, "
        "b2: its bias); the others come from the seeded initialisation")
    seed: Annotated[Int, Field(ge=0, le=2**32 - 1)] = Field(
        0, description="seed of the Glorot-normal initial weights (biases start at 0)")
    train_biases: Bool = Field(False, description="gradient descent updates the biases too "
                               "(the seed holds them fixed)")
    per_neuron_biases: Bool = Field(False, description="one bias per neuron (b1_1, b1_2...) "
                                    "instead of one per layer (b1)")
    learning_rate: Number = Field(0.5, ge=0, le=1_000, description="alpha of w+ = w - alpha "
                                  "dE/dw: the training's step and the derivations' update line")
    view: Literal["neurons", "layers"] = Field(
        "neurons", description="one scalar node per neuron, or one tensor node per layer")


class NetworkRequest(NetworkFields):
    """POST /api/network: the traced graph at these parameters; never trains."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {**SEED_REQUEST, "explain": ["w5", "w1"]}]})

    explain: list[NodeId] = Field(default_factory=list, max_length=50,
                                  description="node ids whose chain-rule derivation to return")
    gradcheck: Bool = Field(False, description="also compare every input's gradient (weights, "
                            "biases, data) with central differences")


class NetworkTrainRequest(NetworkFields):
    """POST /api/network/train: ``steps`` of gradient descent from these parameters."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {**SEED_REQUEST, "steps": 1}]})

    steps: Annotated[Int, Field(ge=1, le=1_000_000)] = Field(
        description="gradient-descent steps (the work is bounded: see the 422 message)")


class FigureUnit(BaseModel):
    """A unit of the figure: a neuron (neurons view) or a whole layer (layers view)."""

    node: str = Field(description="the node whose value and gradient the unit shows")
    size: int | None = Field(None, description="layers view: the layer's number of neurons")
    z: list[str] | None = Field(None, description="its pre-activation(s): two for maxout")
    bias: list[str] | None = Field(None, description="the bias(es) added into its z")
    gates: list[str] | None = Field(None, description="its computation graph, in topological "
                                    "order: what the page opens when the unit is clicked")
    target: str | None = Field(None, description="a loss unit's target node")
    from_: list[str] | None = Field(None, alias="from", description="the units a loss unit "
                                    "reads")


class FigureLayer(BaseModel):
    id: str = Field(description="input, hidden1, ..., output, loss: the nodes' group")
    kind: Literal["input", "hidden", "output", "loss"]
    index: int
    activation: str | None = None
    loss: str | None = None
    units: list[FigureUnit]


class FigureConnection(BaseModel):
    """A weight on the connection from a unit to the next layer's unit (the seed's w1: x1 ->
    h1), the gate that multiplies by it and the pre-activation it enters."""

    weight: str
    from_: str = Field(alias="from")
    to: str
    gate: str
    z: str
    shape: list[int] | None = Field(None, description="layers view: the matrix's shape")


class FigureBias(BaseModel):
    id: str
    to: list[str] = Field(description="the units it feeds")
    z: list[str] = Field(description="the pre-activations it is added into")


class FigurePublic(BaseModel):
    """The lecture's picture of the network (docs/design/plan.md, "figure")."""

    view: str
    samples: int
    layers: list[FigureLayer]
    connections: list[FigureConnection]
    biases: list[FigureBias]


class TrainingPublic(BaseModel):
    steps: int
    learning_rate: float
    train_biases: bool
    params_before: dict[str, OutValue]
    loss_history: list[float] = Field(description="before step 1, then after every step")


class NetworkResult(GraphResult):
    """The traced graph, plus the loss, the parameters and their gradients by the view's
    names, what gradient descent updates, the figure and ``spec``: the /api/network request
    that rebuilds this graph (send it back with explain, gradcheck, or steps to /train)."""

    view: str
    learning_rate: float
    loss: float
    params: dict[str, OutValue]
    grads: dict[str, OutValue]
    trainable: list[str]
    figure: FigurePublic
    spec: dict[str, object]
    training: TrainingPublic | None = Field(None, description="/api/network/train only")


class ActivationPoint(BaseModel):
    x: float
    f: float
    df: float


class ActivationPublic(BaseModel):
    """One activation: LaTeX of f(x) and f'(x) from the op registry, sampled on [-5, 5]."""

    name: str
    symbol: str
    latex: str
    dlatex: str
    params: dict[str, float]
    note: str
    points: list[ActivationPoint]
