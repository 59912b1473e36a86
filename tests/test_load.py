"""Many concurrent clients against a real server (2 uvicorn workers), mixing every example with
hostile requests: zero 5xx, and every answer right.

Each 200 is compared with the answer the same request gets from the app in-process before the
load starts (the engine is deterministic, so under load the bytes must not change), and the
examples with published numbers are checked against those numbers too. Bounded: a fixed number
of requests, 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.servers import chainrule_server

CLIENTS = 32
REQUESTS_PER_CLIENT = 25

HOSTILE: list[dict[str, Any]] = [
    {"expression": "__import__('os').system('id')", "values": {}},
    {"expression": "(" * 3000 + "x" + ")" * 3000, "values": {"x": 1}},
    {"expression": "exp(exp(x))", "values": {"x": 100}},
    {"expression": "A @ B", "values": {"A": [[1, 2]], "B": [[1, 2]]}},
    {"expression": "x", "values": {"x": True}},
    {"graph": {"nodes": [{"id": "a", "op": "neg", "inputs": ["a"]}], "output": "a"}},
    {"expression": "x", "values": {"x": 1}, "unknown": 1},
]
PUBLISHED = {
    "cs231n-simple": {"x": -4.0, "y": -4.0, "z": 3.0},
    "sigmoid-neuron": {"w0": -0.19661193324148185, "x1": -0.5898357997244456},
    "gates": {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0},
}


@pytest.fixture(scope="module")
def reference() -> list[tuple[str, str, dict[str, Any], bytes | None]]:
    """(name, endpoint, request, expected body or None for a 4xx) for the whole mix."""
    client = TestClient(create_app())
    mix = []
    for ex in client.get("/api/examples").json():
        r = client.post(ex["endpoint"], json=ex["request"])
        assert r.status_code == 200, (ex["id"], r.text[:200])
        mix.append((ex["id"], ex["endpoint"], ex["request"], r.content))
    for i, body in enumerate(HOSTILE):
        mix.append((f"hostile-{i}", "/api/graph", body, None))
    return mix


def test_published_numbers_in_the_reference(
    reference: list[tuple[str, str, dict[str, Any], bytes | None]]
) -> None:
    for name, _, _, body in reference:
        if name in PUBLISHED:
            assert body is not None
            grads = {n["id"]: n["grad"] for n in json.loads(body)["nodes"]}
            for var, want in PUBLISHED[name].items():
                assert grads[var] == want, (name, var)


def test_concurrent_clients_get_no_5xx_and_only_right_answers(
    reference: list[tuple[str, str, dict[str, Any], bytes | None]]
) -> None:
    async def client(url: str, k: int, tally: Counter[str]) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as c:
            for i in range(REQUESTS_PER_CLIENT):
                name, endpoint, request, expected = reference[(k * 7 + i) % len(reference)]
                r = await c.post(endpoint, json=request)
                if r.status_code >= 500:
                    tally[f"5xx {name}"] += 1
                elif expected is None:
                    tally["4xx ok" if 400 <= r.status_code < 500 else f"hostile {name} got "
                          f"{r.status_code}"] += 1
                elif r.status_code != 200 or r.content != expected:
                    tally[f"wrong {name} ({r.status_code})"] += 1
                else:
                    tally["200 ok"] += 1

    async def swarm(url: str) -> Counter[str]:
        tally: Counter[str] = Counter()
        await asyncio.gather(*(client(url, k, tally) for k in range(CLIENTS)))
        return tally

    with chainrule_server({"CHAINRULE_WORKERS": "2", "CHAINRULE_MAX_PENDING": "256"}) as (url, _):
        tally = asyncio.run(swarm(url))
    total = CLIENTS * REQUESTS_PER_CLIENT
    assert sum(tally.values()) == total
    assert tally["200 ok"] + tally["4xx ok"] == total, tally
