"""Requests per second and latency of the API under load, with wrk, on 127.0.0.1 only.

For 1 and 2 uvicorn workers (CHAINRULE_WORKERS), a real server (tests/servers.py) is started on
a free loopback port and wrk (``wrk -t2 -c16 -d4s --latency``) loads, one at a time:

- GET  /api/health                 the stack's ceiling: routing and a tiny JSON body
- POST /api/graph  cs231n-simple   (x + y) * z: parsed, computed in place (app.service.is_small)
- POST /api/graph  vectorized-norm f = ||W x||^2 with matrices, also in place
- POST /api/network seed-network   the 2-2-2 network, one training step and two derivations: a
                                   job for the worker pool (app.api.compute), every request

The bodies are the requests /api/examples serves, sent from a Lua script in a temporary file.
The runs are interleaved (health, graph, graph, network, then again) and each figure is the
median over the repetitions; every endpoint is printed as a fraction of health's requests/s
in the same server (target: >= 0.6). wrk and the server share this machine's cores, so the
absolute numbers say little; the fractions are the result. Every run is bounded (-d seconds)
and nothing leaves 127.0.0.1.

    .venv/bin/python bench/api_throughput.py                      # ~80 s
    .venv/bin/python bench/api_throughput.py --duration 5 --connections 32 --reps 3

wrk is Debian's package: ``apt-get install -y wrk``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from _common import ROOT

sys.path.insert(0, str(ROOT / "tests"))

import httpx
from servers import chainrule_server

GRAPH_EXAMPLES = ("cs231n-simple", "vectorized-norm")
NETWORK_EXAMPLES = ("seed-network",)


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int  # non-2xx responses, socket errors and timeouts


def lua_post(body: bytes) -> str:
    text = body.decode()
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return (f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = [{eq}[{text}]{eq}]\n")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def parse_wrk(out: str) -> Run:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    p50, p99 = (re.fullmatch(r"([\d.]+)(\w+)", lat[k]) for k in ("50", "99"))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    if errors:
        bad += sum(int(errors[i]) for i in range(1, 5))
    return Run(rps, _ms(p50[1], p50[2]), _ms(p99[1], p99[2]), bad)  # type: ignore[index]


def wrk(url: str, script: Path | None, args: argparse.Namespace) -> Run:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
           "--timeout", "10s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    res = subprocess.run([*cmd, url], capture_output=True, text=True, check=True,
                         timeout=args.duration + 30)
    return parse_wrk(res.stdout)


def bench_server(workers: int, args: argparse.Namespace, tmp: Path) -> dict[str, list[Run]]:
    env = {"CHAINRULE_WORKERS": str(workers)}
    with chainrule_server(env) as (url, _proc):
        examples = {e["id"]: e for e in httpx.get(f"{url}/api/examples", timeout=10).json()}
        targets: list[tuple[str, str, Path | None]] = [("GET /api/health", "/api/health", None)]
        for name in (*GRAPH_EXAMPLES, *NETWORK_EXAMPLES):
            ex = examples[name]
            body = json.dumps(ex["request"]).encode()
            # the body is right, and the server is warm (worker pools started, caches filled)
            for _ in range(20):
                r = httpx.post(f"{url}{ex['endpoint']}", content=body, timeout=30,
                               headers={"content-type": "application/json"})
                r.raise_for_status()
            script = tmp / f"{name}.lua"
            script.write_text(lua_post(body))
            targets.append((f"POST {ex['endpoint']} {name}", ex["endpoint"], script))
        runs: dict[str, list[Run]] = {label: [] for label, _, _ in targets}
        for _rep in range(args.reps):
            for label, path, script in targets:
                runs[label].append(wrk(f"{url}{path}", script, args))
        return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get update && apt-get install -y wrk")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency, "
          f"{args.reps} interleaved repetitions, medians; 127.0.0.1")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            runs = bench_server(workers, args, Path(tmp))
            ceiling = statistics.median(r.rps for r in runs["GET /api/health"])
            for label, rs in runs.items():
                rps = statistics.median(r.rps for r in rs)
                rows.append((workers, label, rps, statistics.median(r.p50_ms for r in rs),
                             statistics.median(r.p99_ms for r in rs), rps / ceiling,
                             sum(r.bad for r in rs)))
    print(f"\n{'workers':<9}{'request':<38}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'x health':>10}{'errors':>8}")
    for workers, label, rps, p50, p99, ratio, bad in rows:
        mark = "" if label.startswith("GET") else ("  ok" if ratio >= 0.6 else "  < 0.6")
        print(f"{workers:<9}{label:<38}{rps:>9.0f}{p50:>9.2f}{p99:>9.2f}{ratio:>10.2f}"
              f"{bad:>8}{mark}")
    print("\nx health: requests/s as a fraction of GET /api/health's in the same server "
          "(target >= 0.6)")


if __name__ == "__main__":
    main()
