"""Helpers shared by the benchmarks: the repository on sys.path, medians, the BLAS in use."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median_ms(xs: list[float]) -> float:
    return statistics.median(xs) * 1e3


def blas_note() -> str:
    """Which OpenBLAS kernel numpy runs, and whether OPENBLAS_CORETYPE/L2_SIZE pin it.

    On some machines here those variables are set (older OpenBLAS builds misbehave without
    them); they slow a current numpy. To compare against numpy at full speed, unset both in the
    benchmark's command alone: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python
    bench/training.py``.
    """
    pinned = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
              if k in os.environ}
    try:
        from threadpoolctl import threadpool_info

        kernels = ", ".join(f"{i.get('internal_api')} {i.get('version')} "
                            f"{i.get('architecture')} ({i.get('num_threads')} threads)"
                            for i in threadpool_info())
    except ImportError:
        kernels = "unknown (pip install threadpoolctl to see the kernel)"
    env = (", ".join(f"{k}={v}" for k, v in pinned.items()) + " SET: numpy is slowed; "
           "rerun with env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE") if pinned else \
        "OPENBLAS_CORETYPE/L2_SIZE not set"
    return f"BLAS: {kernels}; {env}"
