"""GET /api/exercises, GET /api/exercises/{id}, POST /api/exercises/{id}/check: practice.

A teacher scripts a problem set with three calls (the seed makes a problem; the same seed gives
everyone the same numbers):

    curl -s localhost:8000/api/exercises
    curl -s 'localhost:8000/api/exercises/seed-network?seed=0'
    curl -s localhost:8000/api/exercises/seed-network/check -H 'content-type: application/json' \\
         -d '{"seed": 0, "answers": {"grad:o1": "0.7414", "grad:w5": "0.08"},
              "reveal": ["grad:h1"]}'

Problems are small by construction (at most a few dozen nodes), so they are traced right here,
with this server's limits, and cached (app.exercises.problems).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from app.api.deps import LimitsDep
from app.api.errors import error_response
from app.api.exercise_schemas import (
    EXERCISE_ID,
    CheckRequest,
    CheckResult,
    ExerciseKindPublic,
    ExerciseProblem,
)
from app.api.routes.graph import ERRORS
from app.exercises import KINDS, MAX_SEED, ExerciseError, check, problem
from app.serialize import dumps

router = APIRouter(prefix="/api/exercises", tags=["exercises"])

SeedQuery = Annotated[int, Query(ge=0, le=MAX_SEED, description="which problem")]
ExerciseId = Annotated[str, Path(pattern=EXERCISE_ID, description="one of: " + ", ".join(KINDS))]
_RESPONSES = {k: v for k, v in ERRORS.items() if k != 503}
_KINDS = [ExerciseKindPublic.model_validate(k.public()) for k in KINDS.values()]


def _refused(e: ExerciseError) -> Response:
    return error_response(422, "exercise", e.message, field=e.field)


@router.get("", response_model=list[ExerciseKindPublic], summary="The kinds of exercise")
def list_exercises() -> list[ExerciseKindPublic]:
    """Every kind, easiest first: ``{id, title, description, level}``.

        curl -s localhost:8000/api/exercises
    """
    return _KINDS


@router.get("/{exercise_id}", response_model=ExerciseProblem, responses=_RESPONSES,
            summary="One problem, the same for the same seed")
async def get_exercise(exercise_id: ExerciseId, limits: LimitsDep,
                       seed: SeedQuery = 0) -> Response:
    """One problem of the kind: ``request`` is what ``endpoint`` evaluates (POST it there to
    see the whole traced graph), ``blanks`` the numbers to predict, in the order one works
    them, each with its ``key``, a LaTeX ``prompt`` and its ``shape``. Keys name numbers of
    that endpoint's document: ``value:<node>``, ``grad:<node>``,
    ``local:<source>-><target>#<slot>`` (the edge's local gradient), ``carried:...`` (what the
    edge carries back), ``update:<parameter>`` (after one gradient-descent step). The same seed
    gives the same problem; seed 0 of seed-network, sigmoid-neuron and vectorized is the
    course's own numbers.

        curl -s 'localhost:8000/api/exercises/gates?seed=7'
    """
    try:
        found = problem(exercise_id, seed, limits)
    except ExerciseError as e:
        return _refused(e)
    return Response(dumps(found.public()), media_type="application/json")


@router.post("/{exercise_id}/check", response_model=CheckResult, responses=_RESPONSES,
             summary="Mark answers: right, hints, score")
async def check_exercise(exercise_id: ExerciseId, body: CheckRequest,
                         limits: LimitsDep) -> Response:
    """Marks the answers to the problem of ``seed``. An answer is a string of a decimal number
    (it keeps the digits typed), a number, or a list (of rows) of them. It is right within a
    relative 1e-3, or, with two significant digits or more, within half a unit of its last
    digit: for 0.08217, "0.082" and "0.0822" are right, "0.08" is not. An update must also be
    nearer to w+ than to w (for w1+ = 0.1498, "0.15" is w1 itself). A vector or matrix must
    have the expected shape. Each blank answered or revealed gets ``{correct, reason, expected,
    hint, worked}``: the hint names the gate pattern and gives the formula with the numbers to
    plug in, never the answer; ``expected`` and ``worked`` come once the answer is right or the
    blank is in ``reveal``. A key the problem does not have is a 422.

        curl -s localhost:8000/api/exercises/gates/check -H 'content-type: application/json' \\
             -d '{"seed": 7, "answers": {"grad:x": "-8"}}'
    """
    try:
        found = problem(exercise_id, body.seed, limits)
        result = check(found, body.answers, body.reveal)
    except ExerciseError as e:
        return _refused(e)
    return Response(dumps(result), media_type="application/json")
