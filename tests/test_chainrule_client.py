"""chainrule.Client against a real server (tests/servers.py): the same results as trace()."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
import pytest

import chainrule
from tests.servers import chainrule_server

SEED = {"layers": [2, 2, 2], "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]],
        "params": {"W1": [[0.15, 0.2], [0.25, 0.3]], "b1": 0.35,
                   "W2": [[0.4, 0.45], [0.5, 0.55]], "b2": 0.6}}


@pytest.fixture(scope="module")
def client() -> Iterator[chainrule.Client]:
    with chainrule_server() as (url, _proc), chainrule.Client(url + "/") as api:
        yield api


@pytest.mark.parametrize(
    ("source", "values"),
    [
        ("(x + y) * z", {"x": -2, "y": 5, "z": -4}),
        ("q = W @ x\nf = sum(q ** 2)", {"W": np.array([[0.1, 0.5], [-0.3, 0.8]]),
                                        "x": np.array([0.2, 0.4])}),
        ({"nodes": [{"id": "a", "op": "input"}, {"id": "b", "op": "sigmoid", "inputs": ["a"]}],
          "output": "b"}, {"a": 0.5}),
        (SEED, {"w5": 0.45}),
    ],
)
def test_the_client_gives_what_trace_gives(client: chainrule.Client, source: object,
                                           values: dict[str, object]) -> None:
    here = chainrule.trace(source, values)
    there = client.trace(source, values)
    assert there.to_json() == here.to_json()
    assert there.request == here.request and there.endpoint == here.endpoint
    assert there.grad.keys() == here.grad.keys()
    for k, g in here.grad.items():
        assert np.array_equal(there.grad[k], g), k


def test_the_lectures_example_over_http(client: chainrule.Client) -> None:
    r = client.trace("(x + y) * z", x=-2, y=5, z=-4)
    assert r.grad == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert dict(r.derivation("x")) == dict(chainrule.trace("(x + y) * z", x=-2, y=5,
                                                           z=-4).derivation("x"))


def test_a_derivation_over_http_is_the_local_one(client: chainrule.Client) -> None:
    there = client.trace(SEED).derivation("w1")
    assert dict(there) == dict(chainrule.trace(SEED).derivation("w1"))


def test_server_errors_keep_their_kind_place_and_status(client: chainrule.Client) -> None:
    with pytest.raises(chainrule.ChainruleError) as caught:
        client.trace("(x + ", x=1.0)
    e = caught.value
    assert e.status == 422 and e.kind == "expression" and e.line == 1
    with pytest.raises(chainrule.ChainruleError) as local:
        chainrule.trace("(x + ", x=1.0)
    assert (local.value.kind, local.value.message, local.value.column) == \
        (e.kind, e.message, e.column)
    with pytest.raises(chainrule.ChainruleError) as caught:
        client.trace(SEED).derivation("w99")
    assert caught.value.kind == "explain" and caught.value.status == 422
    assert client.limits()["max_nodes"] > 0


def test_without_httpx_the_client_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)  # import httpx now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[client\]'"):
        chainrule.Client("http://127.0.0.1:9")
