"""The network examples: what their descriptions say is what the API computes, in plain numbers.

Every number a description quotes after "about" is checked here against the computation, to
the digits it shows; expected values come from the closed form (tests/test_network.py) or from
the API's own loss history, whose correctness tests/test_train.py establishes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.examples import EXAMPLES
from app.main import create_app
from app.network_examples import NETWORK_EXAMPLES
from app.settings import Settings
from tests.test_network import seed_closed_form
from tests.test_train import MAZUR

ABOUT = re.compile(r"about (\d+\.\d+)")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


def _quoted(ex_id: str) -> list[str]:
    ex = next(e for e in NETWORK_EXAMPLES if e["id"] == ex_id)
    return ABOUT.findall(ex["description"])


def _shown(text: str, value: float) -> bool:
    """Does ``text`` show ``value`` rounded to its digits?"""
    decimals = len(text.split(".")[1])
    return round(value, decimals) == pytest.approx(float(text), abs=1e-12)


def test_the_seeds_description_quotes_its_numbers() -> None:
    ref = seed_closed_form()
    loss, grad_w5, w5, w1 = _quoted("seed-network")
    assert _shown(loss, ref["E_total"]) and _shown(grad_w5, ref["dw5"])
    assert _shown(w5, MAZUR["w5"]) and _shown(w1, MAZUR["w1"])


@pytest.mark.parametrize("ex_id", ["xor", "softmax-3-classes"])
def test_trained_examples_quote_their_losses(client: TestClient, ex_id: str) -> None:
    ex = next(e for e in NETWORK_EXAMPLES if e["id"] == ex_id)
    before, after = _quoted(ex_id)
    doc = client.post(ex["endpoint"], json=ex["request"]).json()
    train = ex["train"]
    assert f"{train['steps']:,}" in ex["description"]
    trained = client.post(train["endpoint"], json={**doc["spec"], "steps": train["steps"]}).json()
    history = trained["training"]["loss_history"]
    assert _shown(before, doc["loss"]) and history[0] == doc["loss"]
    assert _shown(after, history[-1])


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: str(e["id"]))
def test_descriptions_are_plain(ex: dict[str, Any]) -> None:
    text = ex["description"]
    # rounded numbers: at most 4 significant digits; no ids of the graph's insides
    for number in re.findall(r"\d+\.\d+", text):
        assert len(number.replace(".", "").lstrip("0")) <= 4, (ex["id"], number)
    assert not re.search(r"@\d|#\d|\bconst\b|\bsum#|E_total@", text), ex["id"]
