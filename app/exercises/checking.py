"""Marking a learner's answers to one problem, with hints and the score.

    >>> from app.exercises.problems import problem
    >>> from app.limits import Limits
    >>> p = problem("gates", 1, Limits.defaults())
    >>> r = check(p, {p.blanks[0].key: "12345"}, [])
    >>> r["score"]["total"] == len(p.blanks), r["results"][p.blanks[0].key]["expected"]
    (True, None)

Only the blanks answered or revealed get a result: ``correct``, why not (``reason``: "value",
"shape" or "unanswered"), the ``hint`` (whenever not correct: it never shows the answer), and,
once the answer is right or revealed ("I give up"), ``expected`` (full precision) and
``worked`` (the whole line with its result). The score counts the right answers of this request
against every blank of the problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.exercises.grading import ExerciseError, RawAnswer, judge, parse
from app.exercises.problems import Problem
from app.graph.trace import jsonable

Json = dict[str, Any]


def check(problem: Problem, answers: Mapping[str, RawAnswer], reveal: Sequence[str]) -> Json:
    """``{results: {key: {correct, reason, expected, hint, worked}}, score: {right, total}}``;
    ExerciseError (naming the field) for a key the problem does not have or a malformed
    answer."""
    keys = {b.key for b in problem.blanks}
    for field, asked in (("answers", list(answers)), ("reveal", list(reveal))):
        unknown = [k for k in asked if k not in keys]
        if unknown:
            raise ExerciseError(f"{field}: this problem has no blank {unknown[0][:80]!r}; its "
                                "blanks are " + ", ".join(b.key for b in problem.blanks), field)
    parsed = {k: parse(v, f"answers.{k}") for k, v in answers.items()}
    shown = set(reveal)
    results: Json = {}
    for blank in problem.blanks:
        if blank.key not in parsed and blank.key not in shown:
            continue
        reason = (judge(parsed[blank.key], blank.expected, blank.before)
                  if blank.key in parsed else "unanswered")
        known = reason is None or blank.key in shown
        results[blank.key] = {
            "correct": reason is None,
            "reason": reason,
            "expected": jsonable(blank.expected) if known else None,
            "hint": None if reason is None else blank.hint.public(blank.expected),
            "worked": blank.hint.worked(blank.expected) if known else None,
        }
    right = sum(r["correct"] for r in results.values())
    return {"results": results, "score": {"right": right, "total": len(problem.blanks)}}
