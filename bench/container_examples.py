"""Requests per second of every example, served by one running container (capacity for a class).

Start the image (README.md, "Serving a class"), then load it from the same host:

    docker run -d --name cr --network host -e CHAINRULE_WORKERS=2 chainrule
    .venv/bin/python bench/container_examples.py http://127.0.0.1:8000 --reps 3
    docker stats --no-stream cr          # the container's memory after the load

Each example of the server's /api/examples is posted with wrk (``-t2 -c16 -d<duration>s
--timeout 10s``, bodies from a Lua script), interleaved with GET /api/health, for --reps
repetitions, each run followed by one request that waits for the queue to drain; each figure is
the median. wrk shares the host's cores with the server, so on a small machine the figures are
a floor. Only the given URL is loaded (keep it local).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import urllib.request
from pathlib import Path

from api_throughput import Run, lua_post, wrk


def drain(url: str, body: bytes | None) -> None:
    """Requests that wrk stopped waiting for may still be queued for the compute workers: one
    more request of the same kind, answered, comes after them (the pool is first in, first out).
    """
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        r.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url", help="the container's base URL, e.g. http://127.0.0.1:8000")
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    with urllib.request.urlopen(f"{args.url}/api/examples", timeout=10) as r:
        examples = json.load(r)
    runs: dict[str, list[Run]] = {"GET /api/health": []}
    with tempfile.TemporaryDirectory() as tmp:
        targets: list[tuple[str, str, Path | None, bytes | None]] = [
            ("GET /api/health", "/api/health", None, None)]
        for ex in examples:
            script = Path(tmp) / f"{ex['id']}.lua"
            body = json.dumps(ex["request"]).encode()
            script.write_text(lua_post(body))
            targets.append((ex["id"], ex["endpoint"], script, body))
            runs[ex["id"]] = []
        for _ in range(args.reps):
            for label, path, script, body in targets:
                runs[label].append(wrk(args.url + path, script, args))
                drain(args.url + path, body)
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.reps} "
          f"interleaved repetitions, medians; {args.url}\n")
    print(f"{'request':<24}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for label, rs in runs.items():
        print(f"{label:<24}{statistics.median(r.rps for r in rs):>8.0f}"
              f"{statistics.median(r.p50_ms for r in rs):>9.1f}"
              f"{statistics.median(r.p99_ms for r in rs):>9.1f}{sum(r.bad for r in rs):>8}")


if __name__ == "__main__":
    main()
