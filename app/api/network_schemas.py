"""Request and response models of /api/network and /api/activations.

Requests are strict like /api/graph's (app.api.schemas): unknown fields refused, finite JSON
numbers only, every list capped. The caps here are wide on purpose: the builder refuses a
network over its size limits with a message that says which limit (kind "limit").
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, Strict

from app.api.schemas import GraphResult, NodeId, Number, OutValue, Strict_, Value

ActivationName = Literal["sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout", "identity"]
LossName = Literal["half_sse", "mse", "softmax_cross_entropy", "hinge"]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Row = Annotated[list[Number], Field(min_length=1, max_length=10_000)]
Rows = Annotated[list[Row], Field(min_length=1, max_length=10_000)]


class NetworkRequest(Strict_):
    """A fully connected network, its data and how to train it (see app/builders/network.py
    for the names: w1.. numbered layer by layer, row by row, as the seed numbers them)."""

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
        None, max_length=10_000, description="starting values by name (w5: a number, or W2: a "
        "matrix, b2: its bias); the others come from the seeded initialisation")
    seed: Annotated[Int, Field(ge=0, le=2**32 - 1)] = Field(
        0, description="seed of the Glorot-normal initial weights (biases start at 0)")
    train_biases: Bool = Field(False, description="update the biases too (the seed holds "
                               "them fixed)")
    per_neuron_biases: Bool = Field(False, description="one bias per neuron (b1_1, b1_2...) "
                                    "instead of one per layer (b1)")
    learning_rate: Number = Field(0.5, ge=0, le=1_000)
    steps: Annotated[Int, Field(ge=0, le=1_000_000)] = Field(
        0, description="gradient-descent steps (the work is bounded: see the 422 message)")
    view: Literal["neurons", "layers"] = Field(
        "neurons", description="one scalar node per neuron, or one tensor node per layer")
    explain: list[NodeId] = Field(default_factory=list, max_length=50,
                                  description="node ids whose chain-rule derivation to return")


class NetworkResult(GraphResult):
    """The traced graph at the starting parameters, plus the loss, the parameters and their
    gradients by name, the parameters after training, the loss history and derivations."""

    view: str
    learning_rate: float
    loss: float
    params: dict[str, OutValue]
    grads: dict[str, OutValue]
    params_after: dict[str, OutValue]
    trainable: list[str]
    loss_history: list[float] = Field(description="before step 1, then after every step")
    network: dict[str, object]


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
