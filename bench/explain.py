"""Explaining one weight of a trained network: by its spec, against re-sending the training.

The XOR example (app/network_examples.py: 2-3-1 sigmoid, 4 samples) trained 2,000 steps, then
the learner clicks w1. Timed, interleaved, medians of CPU time over the repetitions:

- re-post with training   what the page paid while /api/network trained and explained in one
                          call: the 2,000 steps again (train_document), then the explanation
- explain by spec         POST /api/network {...spec, "explain": ["w1"]}: the document of the
                          trained graph with w1's derivation (app.network_service)
- forward + backward      the trained graph's forward and backward pass alone (engine.run), the
                          floor an explanation cannot go under

Explaining by spec should cost about one forward + backward (plus the derivation and the
document), whatever the training before it. Checks first that both ways give the same
derivation of w1.

    .venv/bin/python bench/explain.py
    .venv/bin/python bench/explain.py --reps 15 --steps 2000
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable

from _common import median_ms

from app.limits import Limits
from app.network_examples import NETWORK_EXAMPLES
from app.network_service import network_document, parse, trace_network, train_document
from app.serialize import dumps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    limits = Limits.defaults()
    ex = next(e for e in NETWORK_EXAMPLES if e["id"] == "xor")
    start = network_document({**ex["request"], "explain": []}, limits)
    trained = train_document({**start["spec"], "steps": args.steps}, limits)
    spec = trained["spec"]

    def repost() -> dict[str, object]:  # train again from the start, then explain
        again = train_document({**start["spec"], "steps": args.steps}, limits)
        return network_document({**again["spec"], "explain": ["w1"]}, limits)

    def by_spec() -> dict[str, object]:
        return network_document({**spec, "explain": ["w1"]}, limits)

    def forward_backward() -> None:
        trace_network(parse(spec, limits), limits)

    same = dumps(repost()["derivations"]) == dumps(by_spec()["derivations"])  # type: ignore[arg-type]
    assert same, "the two ways disagree"
    print(f"XOR 2-3-1, 4 samples, trained {args.steps} steps: explaining w1 "
          f"(the same derivation both ways)")

    jobs: dict[str, Callable[[], object]] = {
        "re-post with training": repost, "explain by spec": by_spec,
        "forward + backward": forward_backward}
    times: dict[str, list[float]] = {k: [] for k in jobs}
    names = list(jobs)
    for rep in range(args.reps):
        for name in names[rep % 3:] + names[:rep % 3]:  # rotate who goes first
            gc.collect()
            t0 = time.process_time()
            jobs[name]()
            times[name].append(time.process_time() - t0)
    base = median_ms(times["forward + backward"])
    print(f"\nCPU time (time.process_time), medians of {args.reps} interleaved repetitions")
    print(f"{'what':<26}{'ms':>10}{'x forward+backward':>22}")
    for name in names:
        ms = median_ms(times[name])
        print(f"{name:<26}{ms:>10.2f}{ms / base:>21.1f}x")
    gain = median_ms(times["re-post with training"]) / median_ms(times["explain by spec"])
    print(f"\nexplain by spec is {gain:.0f}x faster than re-posting the training")


if __name__ == "__main__":
    main()
