"""Training the seed network: Chainrule's training path vs a numpy loop vs PyTorch eager.

The seed's 2-2-2 sigmoid network (app/network_examples.py "seed-network": x = (0.05, 0.10),
targets (0.01, 0.99), half_sse, learning rate 0.5, biases held fixed) for 10,000 steps of
gradient descent, each loop recording the loss before every step and after the last:

- chainrule   app.train.train(), what POST /api/network/train runs: the layers-view graph
              through the engine's own forward and backward passes, every step
- numpy       a hand-written closed-form forward/backward of the 2-2-2 net (below)
- torch       PyTorch eager, float64, autograd, one thread (torch==2.13.0 CPU; skipped with the
              command to install it when it is not importable)

All three must end with the same parameters (to 1e-9) and the same final loss. Times are CPU
time of this process (time.process_time: a busy machine's other work is not counted), medians
of interleaved repetitions; the table prints each as a multiple of the numpy loop's.

    .venv/bin/python bench/training.py                 # 10,000 steps, 3 repetitions
    .venv/bin/python bench/training.py --steps 2000 --reps 5
    .venv/bin/python bench/training.py --profile       # + a pyinstrument profile of chainrule
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import blas_note, median_ms

from app.builders.network import apply_params, init_params, make_spec
from app.network_examples import NETWORK_EXAMPLES
from app.train import train

SEED = next(e for e in NETWORK_EXAMPLES if e["id"] == "seed-network")["request"]
TORCH_INSTALL = ".venv/bin/pip install torch==2.13.0  # the CPU wheel on this machine's disk"

Params = list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]


def seed_setup() -> tuple[Any, Params, np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
    spec = make_spec(SEED["layers"], SEED["activation"], SEED["loss"], False)
    params = apply_params(spec, init_params(spec, 0), SEED["params"])
    inputs = np.asarray(SEED["inputs"], dtype=np.float64)
    targets = np.asarray(SEED["targets"], dtype=np.float64)
    return spec, params, inputs, targets, float(SEED["learning_rate"])


def run_chainrule(steps: int) -> tuple[Params, list[float]]:
    spec, params, inputs, targets, lr = seed_setup()
    after, history = train(spec, params, inputs, targets, lr, steps, train_biases=False)
    return [(np.asarray(w), np.asarray(b)) for w, b in after], history


def run_numpy(steps: int) -> tuple[Params, list[float]]:
    """Closed form: z1 = W1 x + b1, h = s(z1), z2 = W2 h + b2, o = s(z2), E = 1/2 |t - o|^2."""
    _, params, inputs, targets, lr = seed_setup()
    (w1, b1), (w2, b2) = params
    x, t = inputs[0], targets[0]
    history = []
    for step in range(steps + 1):
        h = 1.0 / (1.0 + np.exp(-(w1 @ x + b1)))
        o = 1.0 / (1.0 + np.exp(-(w2 @ h + b2)))
        history.append(float(0.5 * np.sum((t - o) ** 2)))
        if step == steps:
            break
        d2 = (o - t) * o * (1.0 - o)  # dE/dz2
        d1 = (w2.T @ d2) * h * (1.0 - h)  # dE/dz1, with W2 before its update
        w2 = w2 - lr * np.outer(d2, h)
        w1 = w1 - lr * np.outer(d1, x)
    return [(w1, b1), (w2, b2)], history


def run_torch(steps: int) -> tuple[Params, list[float]]:
    import torch

    _, params, inputs, targets, lr = seed_setup()
    (w1n, b1n), (w2n, b2n) = params
    w1 = torch.tensor(w1n, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(w2n, dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor(b1n, dtype=torch.float64)
    b2 = torch.tensor(b2n, dtype=torch.float64)
    x = torch.tensor(inputs[0], dtype=torch.float64)
    t = torch.tensor(targets[0], dtype=torch.float64)
    history = []
    for step in range(steps + 1):
        o = torch.sigmoid(w2 @ torch.sigmoid(w1 @ x + b1) + b2)
        loss = 0.5 * torch.sum((t - o) ** 2)
        history.append(loss.item())
        if step == steps:
            break
        loss.backward()
        with torch.no_grad():
            w1 -= lr * w1.grad  # type: ignore[operator]
            w2 -= lr * w2.grad  # type: ignore[operator]
        w1.grad = None
        w2.grad = None
    return [(w1.detach().numpy(), b1.numpy()), (w2.detach().numpy(), b2.numpy())], history


def torch_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    torch.set_num_threads(1)
    return True


def max_diff(a: Params, b: Params) -> float:
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y))))
               for (wa, ba), (wb, bb) in zip(a, b, strict=True) for x, y in ((wa, wb), (ba, bb)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="pyinstrument chainrule's loop")
    args = ap.parse_args()
    print(blas_note())
    runners: dict[str, Callable[[int], tuple[Params, list[float]]]] = {
        "chainrule": run_chainrule, "numpy": run_numpy}
    if torch_available():
        import torch

        runners["torch"] = run_torch
        print(f"torch {torch.__version__}, 1 thread")
    else:
        print(f"torch is not installed: skipped. To include it: {TORCH_INSTALL}")

    # the same end point first
    results = {name: fn(args.steps) for name, fn in runners.items()}
    ref_params, _ = results["numpy"]
    print(f"\nseed network, {args.steps} steps of gradient descent (lr 0.5, biases fixed):")
    print(f"{'loop':<12}{'final loss':>16}{'max |param - numpy|':>22}")
    ok = True
    for name, (params, hist) in results.items():
        d = max_diff(params, ref_params)
        ok &= d < 1e-9 and len(hist) == args.steps + 1
        print(f"{name:<12}{hist[-1]:>16.10f}{d:>22.2e}")
    w5 = float(results["chainrule"][0][1][0][0, 0]) if args.steps == 1 else None
    if w5 is not None:
        print(f"w5 after one step: {w5:.10f} (the seed: 0.3589164797)")
    if not ok:
        sys.exit("the loops disagree")

    times: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for rep in range(args.reps):
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            gc.collect()
            t0 = time.process_time()
            runners[name](args.steps)
            times[name].append(time.process_time() - t0)
    base = median_ms(times["numpy"])
    print(f"\nCPU time, medians of {args.reps} interleaved repetitions")
    print(f"{'loop':<12}{'total ms':>12}{'us/step':>12}{'x numpy':>10}")
    for name in names:
        ms = median_ms(times[name])
        print(f"{name:<12}{ms:>12.1f}{1e3 * ms / args.steps:>12.1f}{ms / base:>10.2f}")
    if "torch" in times:
        print(f"chainrule / torch: {median_ms(times['chainrule']) / median_ms(times['torch']):.2f}")

    if args.profile:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
        run_chainrule(min(args.steps, 2000))
        prof.stop()
        print(prof.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
