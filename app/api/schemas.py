"""Request and response models of the REST API.

Requests are validated strictly: unknown fields are refused, numbers must be real finite JSON
numbers (no booleans, strings, NaN or Infinity), strings must be valid UTF-8 (no lone
surrogates). Sizes are bounded by the body limit here and by the settings' caps (app.limits)
in the jobs, which name the cap they hit: no cap is written twice.
Response models document the JSON in OpenAPI; the routes write the bytes with orjson.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    model_validator,
)


def _utf8(s: str) -> str:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid unicode (no lone surrogates)") from None
    return s


Number = Annotated[float, Strict(), AllowInfNan(False)]
# a scalar, a vector or a matrix (list of rows); ragged rows are refused by the engine
Value = Number | list[Number] | list[list[Number]]
Text = Annotated[str, AfterValidator(_utf8)]
NodeId = Annotated[Text, Field(min_length=1, max_length=100)]
OpName = Annotated[str, Field(min_length=1, max_length=40)]


class Strict_(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeSpec(Strict_):
    """One node of an explicit graph: inputs by id, in order (ids may repeat)."""

    id: NodeId
    op: OpName
    inputs: list[NodeId] = Field(default_factory=list, max_length=64)
    value: Value | None = Field(None, description="the value of a const node")
    params: dict[OpName, Number] = Field(default_factory=dict, max_length=8)
    label: Annotated[Text, Field(max_length=100)] | None = None


class GraphSpec(Strict_):
    """An explicit graph: nodes (any order) and the id of the output node."""

    nodes: list[NodeSpec] = Field(min_length=1)
    output: NodeId


class GraphRequest(Strict_):
    """What /api/graph evaluates: an expression or a graph, with the values of its inputs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"expression": "q = x + y; f = q * z", "values": {"x": -2, "y": 5, "z": -4}},
                {"graph": {"nodes": [{"id": "x", "op": "input"},
                                     {"id": "y", "op": "mul", "inputs": ["x", "x"]}],
                           "output": "y"}, "values": {"x": 3}},
            ]
        },
    )

    expression: Text | None = None
    graph: GraphSpec | None = None
    values: dict[NodeId, Value] = Field(default_factory=dict)
    explain: list[NodeId] = Field(
        default_factory=list, description="node ids whose derivation to return"
    )
    learning_rate: Number | None = Field(
        None, ge=0, le=1e6, description="alpha for the update w+ = w - alpha * grad in derivations"
    )
    gradcheck: StrictBool = Field(False, description="also compare every input's gradient with "
                            "central differences")

    @model_validator(mode="after")
    def _one_source(self) -> GraphRequest:
        if (self.expression is None) == (self.graph is None):
            raise ValueError("give exactly one of 'expression' or 'graph'")
        return self


class InputsRequest(Strict_):
    """An expression whose inputs need starting values."""

    expression: Text


# --- responses (documentation of the JSON the routes write) -----------------------------------


OutValue = float | list[float] | list[list[float]]


class InputSuggestion(BaseModel):
    """An input of the expression: the shape it needs and a starting value (both null where no
    simple guess fits: ask the learner)."""

    id: str
    shape: list[int] | None
    value: OutValue | None


class InputsResult(BaseModel):
    inputs: list[InputSuggestion]


class NodePublic(BaseModel):
    """A node with its forward value and its gradient (null if no input reaches it), its names
    and formula (LaTeX from the server's one renderer) and its place in the animation (those
    absent above the document's script_max_nodes)."""

    id: str
    op: str
    label: str
    named: bool
    role: str | None
    group: str | None
    inputs: list[str]
    params: dict[str, float]
    shape: list[int]
    value: OutValue
    grad: OutValue | None
    name: str | None = Field(None, description="display name: 'w5', '2', 'the product w5·h1'")
    tex: str | None = Field(None, description="LaTeX name: w_5, E_{total}; w_5 h_1 (a gate)")
    formula: str | None = Field(None, description="forward formula in LaTeX (null for a leaf)")
    value_tex: str | None = Field(None, description="the forward step with its numbers")
    depth: int | None = Field(None, description="0 for a leaf, else 1 + the deepest input")
    fan_out: int | None = Field(None, description="edges leaving the node")
    final_step: int | None = Field(None, description="the backward step in which its gradient "
                                   "becomes final (null: it gets none)")


class EdgePublic(BaseModel):
    """source -> target (into input ``slot``): ``grad`` is what flows back to the source along
    it, shaped like the source; ``local_grad`` is d target / d source where that is a scalar or
    elementwise, else null. A node's grad is the sum of the grads of its outgoing edges."""

    source: str
    target: str
    slot: int
    local_grad: OutValue | None
    grad: OutValue | None
    patterns: list[str]
    local_tex: str | None = Field(None, description="symbol = formula = value; a Jacobian "
                                  "edge: the VJP with names and what it carries")
    chain_tex: str | None = Field(None, description="upstream × local = carried")
    step: int | None = Field(None, description="the backward step in which it fires (null: it "
                             "carries nothing)")


class SayPublic(BaseModel):
    """One sentence of narration: a message key and its params (node ids, numbers as text)."""

    key: str
    params: dict[str, object]


class SayingPublic(BaseModel):
    say: list[SayPublic]


class LevelPublic(BaseModel):
    """A forward level: the nodes of one depth."""

    nodes: list[str]
    say: list[SayPublic]


class StepPublic(BaseModel):
    """A backward step: ``node``'s gradient is complete and ``edges`` fire; ``final`` lists
    every node whose gradient becomes final now; ``tex`` is the current-step strip."""

    node: str
    edges: list[int]
    final: list[str]
    tex: str | None
    say: list[SayPublic]


class PhasePublic(BaseModel):
    """A run of backward steps: the seed's step1 (output layer) or step2 (hidden layers)."""

    key: str
    first: int
    last: int


class ScriptPublic(BaseModel):
    """The animation: frame 0 shows forward level 0, frame k levels 0..k, then one frame per
    backward step."""

    start: SayingPublic
    forward: list[LevelPublic]
    backward: list[StepPublic]
    done: SayingPublic
    phases: list[PhasePublic]


class LeafCheckPublic(BaseModel):
    """Analytic against central-difference gradient of one input."""

    id: str
    analytic: OutValue
    numeric: OutValue | None
    rel_error: float | None
    status: Literal["ok", "bad", "inconclusive"]  # see app/graph/gradcheck.py
    reason: str | None  # why, where the status is not "ok"


class WarningPublic(BaseModel):
    """Accepted, but worth a word: a staged line that does not reach the output (kind
    "unused-line", with its line and column), a value for a name that is not an input
    ("unused-value", with its field)."""

    kind: str
    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None


class GraphResult(BaseModel):
    """The traced graph: every node's value and grad, every edge's local grad and grad, and
    the animation's script (result document version 2, docs/design/plan.md)."""

    version: int
    output: str
    seeded_with_ones: bool
    nodes: list[NodePublic]
    edges: list[EdgePublic]
    forward_order: list[str]
    backward_order: list[str]
    tex_edges: bool = Field(description="false above tex_max_edges edges: the edges' LaTeX and "
                            "the steps' strips are then null")
    tex_max_edges: int
    script_max_nodes: int
    script: ScriptPublic | None = Field(description="null above script_max_nodes nodes, and "
                                        "then the nodes and edges have no v2 field")
    warnings: list[WarningPublic] = []
    gradcheck: list[LeafCheckPublic] | None = None
    derivations: dict[str, dict[str, object]] | None = None


class ErrorDetail(BaseModel):
    """What was wrong: which stage (kind), which node, field or position in the expression."""

    kind: str
    message: str
    node: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ConventionPublic(BaseModel):
    """What an op takes at a special point: where ("x = 0", "a tie a = b") and the rule."""

    where: str
    rule: str


class OpPublic(BaseModel):
    """One registry entry, its properties as data. LaTeX templates use #0, #1 for the inputs, #y
    for the output and \\bar{y} for the upstream gradient; plain-text templates {0}, {1}; a
    variadic op's templates show two inputs (repeat what stands between them)."""

    name: str
    arity: int  # -1: two or more
    category: str  # arithmetic, activation, loss, structure, reduction, linear algebra
    symbol: str  # the short text drawn on an unnamed node
    display: str  # how prose names a result: "the product {0}·{1}", "σ({0})"
    text: str  # the result in plain text, inside another's name: "{0}·{1}"
    operator: str | None  # how a learner types it ("a + b", "-a", "a.T"); null: by name
    function: bool  # a learner calls it by name, as in exp(x)
    gate: str | None  # add-distributes, mul-swaps, max-routes
    exact_vectorized: bool  # one numpy call on a vector gives each scalar result exactly
    latex: str  # the forward formula
    dlatex: list[str]  # per input: d out / d in (elementwise partial, or of a scalar output)
    vjp_latex: list[str]  # per input: the VJP, for ops whose Jacobian has no dlatex
    params: dict[str, float]
    note: str  # what the op does, in words
    conventions: list[ConventionPublic]  # its values at kinks and special points


class ExamplePublic(BaseModel):
    """A ready request: POST ``request`` to ``endpoint``."""

    id: str
    title: str
    description: str
    endpoint: str
    request: dict[str, object]
    train: dict[str, object] | None = Field(
        None, description="a network meant to be trained: POST the result's spec with these "
        "steps to this endpoint")


class Health(BaseModel):
    status: str
    version: str
