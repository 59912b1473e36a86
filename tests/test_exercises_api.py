"""GET /api/exercises, GET /api/exercises/{id}, POST /api/exercises/{id}/check through the app.

The expected answers are read here from what the problem's own ``request`` gives when POSTed to
its ``endpoint`` (a client's view of the engine), by this module's own reading of the keys;
tests/test_exercises_kinds.py checks them against closed forms.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app

KINDS = {"gates", "sigmoid-neuron", "seed-network", "vectorized", "activations"}
SEEDS = (0, 1, 2, 3, 17, 4_294_967_295)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def get_problem(client: TestClient, kind: str, seed: int) -> dict[str, Any]:
    r = client.get(f"/api/exercises/{kind}", params={"seed": seed})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def check(client: TestClient, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"/api/exercises/{kind}/check", json=body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def traced(client: TestClient, problem: dict[str, Any]) -> dict[str, Any]:
    r = client.post(problem["endpoint"], json=problem["request"])
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def read(doc: dict[str, Any], request: dict[str, Any], key: str) -> Any:
    """The number a key names in the document: node value or grad, edge local_grad or grad,
    and an update as w - alpha * grad with the request's learning rate."""
    kind, _, rest = key.partition(":")
    if kind in ("local", "carried"):
        m = re.fullmatch(r"(.+)->(.+)#(\d+)", rest)
        assert m, key
        edge = next(e for e in doc["edges"] if (e["source"], e["target"], e["slot"])
                    == (m[1], m[2], int(m[3])))
        return edge["local_grad" if kind == "local" else "grad"]
    node = next(n for n in doc["nodes"] if n["id"] == rest)
    if kind == "update":
        return node["value"] - request["learning_rate"] * node["grad"]
    return node[kind]


def answers_of(client: TestClient, problem: dict[str, Any]) -> dict[str, Any]:
    doc = traced(client, problem)
    return {b["key"]: read(doc, problem["request"], b["key"]) for b in problem["blanks"]}


def roundings(x: float) -> set[str]:
    """How a number could show up in a hint: its repr, 2 to 9 significant digits, and the
    fixed-point roundings that keep two significant digits (0.08 of 0.08217 would not)."""
    a = abs(x)
    out = {repr(a), f"{a:g}"}
    for k in range(2, 10):
        out.add(np.format_float_positional(a, precision=k, unique=False, fractional=False,
                                           trim="-"))
    for d in range(0, 9):
        s = f"{a:.{d}f}"
        if len(s.replace(".", "").lstrip("0")) >= 2 or a == round(a, d):
            out.add(s)
    if a == round(a):
        out.add(str(int(a)))
    return out


def numbers_in(text: str) -> set[str]:
    """The numbers a text shows, as plain decimals: digits that are not part of a name (w5,
    w_5, E_{o_1}, mul#1), with a power of ten applied (4.386 \\times 10^{-5}, 4.386×10⁻⁵)."""
    out = set()
    for mantissa, power, sup in re.findall(
            r"(?<![\w#.{])(?<!_\{)(\d+(?:\.\d+)?)"
            r"(?:\s*(?:\\times\s*|×)10(?:\^\{(-?\d+)\}|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?", text):
        k = power or sup.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
        out.add(format(Decimal(mantissa).scaleb(int(k)), "f") if k else mantissa)
    return out


def test_numbers_in() -> None:
    assert numbers_in("w_5 = 0.4, x = 4.386 \\times 10^{-5}, y = 2×10⁶, E_{o_1}") == {
        "0.4", "0.00004386", "2000000"}


def test_every_kind_is_listed(client: TestClient) -> None:
    kinds = client.get("/api/exercises").json()
    assert {k["id"] for k in kinds} == KINDS
    for k in kinds:
        assert set(k) == {"id", "title", "description", "level"}
        assert k["title"] and len(k["description"]) > 40 and k["level"] in (1, 2, 3)
    assert kinds[0]["id"] == "gates" and kinds[0]["level"] == 1


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_same_seed_same_problem_other_seed_other_numbers(client: TestClient, kind: str) -> None:
    first = client.get(f"/api/exercises/{kind}?seed=5")
    again = client.get(f"/api/exercises/{kind}?seed=5")
    assert first.content == again.content
    requests = [get_problem(client, kind, s)["request"] for s in range(6)]
    assert all(a != b for i, a in enumerate(requests) for b in requests[i + 1:])
    problem = first.json()
    assert problem["id"] == kind and problem["seed"] == 5
    assert problem["endpoint"] in ("/api/graph", "/api/network")
    assert get_problem(client, kind, 0) == client.get(f"/api/exercises/{kind}").json()


def test_a_shared_link_keeps_its_numbers(client: TestClient) -> None:
    # the seed's draws come from random.random() seeded with a string, which Python keeps
    # stable across versions: a teacher's link must open these very numbers next year
    assert get_problem(client, "gates", 1)["request"] == {
        "expression": "q = x + y\nm = max(q, z)\nf = m * x", "values": {"x": 4, "y": 2, "z": 5}}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_traced_values_score_full_marks(client: TestClient, kind: str, seed: int) -> None:
    problem = get_problem(client, kind, seed)
    answers = answers_of(client, problem)
    for blank in problem["blanks"]:
        assert list(np.shape(answers[blank["key"]])) == blank["shape"], blank
        assert blank["prompt"] and "#" not in blank["prompt"], blank
    # no two questions read the same (one use of x is not x's whole gradient)
    assert len({b["prompt"] for b in problem["blanks"]}) == len(problem["blanks"])
    result = check(client, kind, {"seed": seed, "answers": answers})
    assert result["score"] == {"right": len(answers), "total": len(answers)}
    for key, r in result["results"].items():
        assert r["correct"] and r["reason"] is None and r["hint"] is None
        np.testing.assert_array_equal(r["expected"], answers[key])
        assert r["worked"]
    # four significant digits typed as text are enough
    typed = {k: _map(v, lambda x: np.format_float_positional(
        x, precision=4, unique=False, fractional=False, trim="-")) for k, v in answers.items()}
    assert check(client, kind, {"seed": seed, "answers": typed})["score"]["right"] == len(typed)


def _map(v: Any, f: Any) -> Any:
    return [_map(x, f) for x in v] if isinstance(v, list) else f(v)


@pytest.mark.parametrize("seed", SEEDS[:4])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_wrong_answers_get_a_hint_without_the_answer(client: TestClient, kind: str,
                                                      seed: int) -> None:
    problem = get_problem(client, kind, seed)
    answers = answers_of(client, problem)
    wrong = {k: _map(v, lambda x: f"{x * 1.1 + 0.37:.6g}") for k, v in answers.items()}
    result = check(client, kind, {"seed": seed, "answers": wrong})
    assert result["score"]["right"] == 0
    for key, r in result["results"].items():
        assert not r["correct"] and r["reason"] == "value"
        assert r["expected"] is None and r["worked"] is None
        hint = r["hint"]
        assert hint["key"].startswith("hint.") and len(hint["text"]) > 30
        shown = numbers_in(hint["text"]) | numbers_in(hint["tex"])
        for x in np.ravel(answers[key]):
            assert not roundings(float(x)) & shown, (key, x, hint)


def test_hints_name_the_gate_patterns(client: TestClient) -> None:
    patterns: set[str] = set()
    for seed in range(4):  # the four circuits
        problem = get_problem(client, "gates", seed)
        bad = {b["key"]: "12345" for b in problem["blanks"] if b["key"].startswith(("grad",
                                                                                       "carried"))}
        for r in check(client, "gates", {"seed": seed, "answers": bad})["results"].values():
            patterns |= set(r["hint"]["patterns"])
    assert patterns == {"add-distributes", "mul-swaps", "max-routes", "fan-out"}
    problem = get_problem(client, "seed-network", 0)
    r = check(client, "seed-network", {"seed": 0, "answers": {"grad:h1": "1"}})["results"]
    assert r["grad:h1"]["hint"]["patterns"] == ["mul-swaps", "fan-out"]
    assert "\\frac{\\partial E_{total}}{\\partial h_1}" in r["grad:h1"]["hint"]["tex"]
    assert [b["prompt"] for b in problem["blanks"][4:6]] == [
        "\\frac{\\partial E_{o_1}}{\\partial h_1}", "\\frac{\\partial E_{o_2}}{\\partial h_1}"]


def test_the_digits_typed_decide(client: TestClient) -> None:
    # dE_total/dw5 of the seed is 0.0821670406
    def right(answer: Any) -> bool:
        body = {"seed": 0, "answers": {"grad:w5": answer}}
        return bool(check(client, "seed-network", body)["results"]["grad:w5"]["correct"])

    assert not right("0.08")  # one significant digit is too coarse
    assert right("0.082") and right("0.0822") and right(0.0822) and right("8.2e-2")
    assert right("0.08217") and right("+0.082167")
    assert not right("0.0820")  # the zero typed says 0.0820 +- 0.00005: too far
    assert right(0.0820)  # a JSON number cannot keep that zero: 0.082
    assert not right("0.0823") and not right("-0.0822") and not right("0.08228")
    assert right("0.08221") and right("0.0821")  # within the relative 1e-3 (8.2e-5)
    # w1+ = 0.1497807 is 0.15 to two digits, but so is w1: an update must show the step
    r = check(client, "seed-network", {"seed": 0, "answers": {"update:w1": "0.15"}})
    assert r["results"]["update:w1"]["reason"] == "value"
    r = check(client, "seed-network", {"seed": 0, "answers": {"update:w1": "0.1498"}})
    assert r["results"]["update:w1"]["correct"]


def test_shapes_must_match(client: TestClient) -> None:
    problem = get_problem(client, "vectorized", 0)
    answers = answers_of(client, problem)
    grad_w = np.array(answers["grad:W"])
    for bad in (grad_w.T.tolist() if grad_w.shape[0] != grad_w.shape[1] else None,
                grad_w.ravel().tolist(), grad_w[0].tolist(), [grad_w.tolist()[0]], 0.1):
        if bad is None:
            continue
        r = check(client, "vectorized", {"seed": 0, "answers": {"grad:W": bad}})
        assert r["results"]["grad:W"]["reason"] == "shape", bad
    r = check(client, "vectorized", {"seed": 0, "answers": {"value:f": [answers["value:f"]]}})
    assert r["results"]["value:f"]["reason"] == "shape"
    w = get_problem(client, "vectorized", 1)  # a 3x2 matrix: its transpose is not it
    answers = answers_of(client, w)
    flipped = np.array(answers["grad:W"]).T.tolist()
    r = check(client, "vectorized", {"seed": 1, "answers": {"grad:W": flipped}})
    assert np.shape(flipped) != tuple(w["blanks"][3]["shape"])
    assert r["results"]["grad:W"]["reason"] == "shape"


def test_giving_up_reveals_the_answer_and_its_working(client: TestClient) -> None:
    answers = answers_of(client, get_problem(client, "seed-network", 0))
    body = {"seed": 0, "answers": {"grad:w1": "0.5"}, "reveal": ["grad:w1", "update:w5"]}
    r = check(client, "seed-network", body)
    assert r["score"] == {"right": 0, "total": 12}
    w1, w5 = r["results"]["grad:w1"], r["results"]["update:w5"]
    assert w1["reason"] == "value" and w1["expected"] == answers["grad:w1"]
    assert w5["reason"] == "unanswered" and w5["expected"] == answers["update:w5"]
    assert w5["worked"].endswith("0.3589") or "= 0.3589" in w5["worked"]
    assert w5["hint"] is not None
    assert set(r["results"]) == {"grad:w1", "update:w5"}


def test_unknown_keys_ids_and_seeds_are_refused(client: TestClient) -> None:
    r = client.post("/api/exercises/gates/check", json={"seed": 1, "answers": {"grad:nope": 1}})
    assert r.status_code == 422 and r.json()["error"]["kind"] == "exercise"
    assert "grad:nope" in r.json()["error"]["message"]
    assert "value:q" in r.json()["error"]["message"]  # the blanks it does have
    r = client.post("/api/exercises/gates/check", json={"seed": 1, "reveal": ["value:zz"]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "reveal"
    for path in ("/api/exercises/nope", "/api/exercises/gates?seed=-1",
                 "/api/exercises/gates?seed=4294967296", "/api/exercises/gates?seed=x"):
        r = client.get(path)
        assert r.status_code == 422 and r.json()["error"]["message"], path
    assert client.get("/api/exercises/nope/check").status_code in (404, 405)


def test_a_small_server_refuses_a_problem_over_its_limits() -> None:
    from app.settings import Settings

    small = TestClient(create_app(Settings(max_nodes=20)))
    r = small.get("/api/exercises/seed-network?seed=0")
    assert r.status_code == 422 and r.json()["error"]["kind"] == "limit"
    assert small.get("/api/exercises/gates?seed=0").status_code == 200
