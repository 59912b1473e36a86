"""Request and response models of /api/exercises (practice mode, issue 11).

An answer keeps the digits the learner typed, because they decide how close it must be (see
app.exercises.grading): send it as a string of a decimal number (``"0.0820"``, ``"-4"``,
``"8.2e-2"``), or as a JSON number (then trailing zeros are lost: 0.080 reads as 0.08), or as a
list of them for a vector, a list of rows for a matrix. Booleans, NaN, Infinity, and strings
that are not decimal numbers are refused (422).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AllowInfNan,
    BaseModel,
    Field,
    Strict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from app.api.schemas import OutValue, Strict_
from app.exercises import KINDS, MAX_SEED

# the path's exercise id: exactly one of the kinds (the schema lists them)
EXERCISE_ID = "^(" + "|".join(re.escape(k) for k in KINDS) + ")$"
MAX_ANSWERS = 64  # more than any problem's blanks: a longer object is refused unread
MAX_SIDE = 32  # entries along one axis of an answer

Seed = Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)]
BlankKey = Annotated[str, Field(min_length=1, max_length=300)]
DECIMAL = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$"  # 0.0822, -4, .5, 8.2e-2
Decimal = Annotated[str, Field(max_length=40, pattern=DECIMAL)]
Scalar = Annotated[int, Strict()] | Annotated[float, Strict(), AllowInfNan(False)] | Decimal
Answer = (Scalar | Annotated[list[Scalar], Field(min_length=1, max_length=MAX_SIDE)]
          | Annotated[list[Annotated[list[Scalar], Field(min_length=1, max_length=MAX_SIDE)]],
                      Field(min_length=1, max_length=MAX_SIDE)])


class ExerciseKindPublic(BaseModel):
    """One kind of exercise; level 1 is worked by hand, 3 takes several chained steps."""

    id: str
    title: str
    description: str
    level: int


class BlankPublic(BaseModel):
    """A number to predict: ``key`` names it in the document (value:, grad:, local:, carried:,
    update:), ``prompt`` asks for it in LaTeX, ``shape`` is [] for a scalar."""

    key: str
    prompt: str
    shape: list[int]


class ExerciseProblem(BaseModel):
    """One problem: POST ``request`` to ``endpoint`` to see the whole traced graph."""

    id: str
    seed: int
    title: str
    level: int
    endpoint: str
    request: dict[str, object]
    blanks: list[BlankPublic]


class CheckRequest(Strict_):
    """The answers to some or all blanks of the problem of ``seed``, by key; ``reveal``: the
    blanks the learner gives up on (their expected values are sent back)."""

    model_config = Strict_.model_config | {
        "json_schema_extra": {"examples": [
            {"seed": 0, "answers": {"grad:o1": "0.7414", "local:z3->o1#0": "0.19"},
             "reveal": ["grad:w5"]}]}}

    seed: Seed
    answers: dict[BlankKey, Answer] = Field(default_factory=dict, max_length=MAX_ANSWERS)
    reveal: list[BlankKey] = Field(default_factory=list, max_length=MAX_ANSWERS)

    @field_validator("answers", mode="wrap")
    @classmethod
    def _one_clear_message(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # pydantic reports a bad answer once per branch of the union ("should be a valid
        # integer", "... a valid number", "... match pattern"): say it once, with the key
        try:
            return handler(value)
        except ValidationError as e:
            first = e.errors()[0]
            loc = first.get("loc", ())
            if first.get("type") in ("dict_type", "too_long") or not loc or "[key]" in loc:
                raise  # not about one answer: the object itself, or a key
            raise ValueError(f"the answer to {str(loc[0])[:80]!r} must be a number, a string "
                             "of a decimal number (\"0.0822\"), or a list (of rows) of them, "
                             f"at most {MAX_SIDE} a side") from None


class HintPublic(BaseModel):
    """What to think of, without the answer: ``key`` (hint.value, hint.local, hint.carried,
    hint.grad, hint.update), the gate ``patterns`` involved (add-distributes, mul-swaps,
    max-routes, fan-out), an English ``text`` and a LaTeX ``tex`` with the formula and the
    numbers to plug in."""

    key: str
    patterns: list[str]
    text: str
    tex: str


class BlankResult(BaseModel):
    """``reason``: null when correct, else "value", "shape" or "unanswered" (revealed without
    an answer). ``expected`` and ``worked`` (the line with its result) only once the answer is
    right or revealed; ``hint`` whenever it is not right."""

    correct: bool
    reason: str | None
    expected: OutValue | None
    hint: HintPublic | None
    worked: str | None


class Score(BaseModel):
    right: int
    total: int


class CheckResult(BaseModel):
    """A result for every blank answered or revealed; the score out of all the blanks."""

    results: dict[str, BlankResult]
    score: Score
