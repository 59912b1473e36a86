"""Run compute jobs in worker processes, with a hard deadline and a bound on waiting work.

Pure-Python work holds the GIL, so a thread cannot be stopped when it overruns; a process can.
Each job runs in a pebble ProcessPool worker: when it passes its deadline the worker is killed
and replaced, and the caller gets :class:`Overloaded` (503). A worker that dies (killed from
outside, out of memory) is replaced too. The up-front work bounds (app.graph.shapes) are the
first line of defence; this is the second.

    compute = Compute(workers=2, deadline=10.0, max_pending=32)
    body = await compute.run(graph_job, request_dict, limits)
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pebble import ProcessExpired, ProcessPool


class Overloaded(Exception):
    """The job could not be done in time or at all: answer 503 with this message."""


class Compute:
    def __init__(self, workers: int, deadline: float, max_pending: int) -> None:
        self.workers = workers
        self.deadline = deadline
        self.max_pending = max_pending
        self._pending = 0
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()
        atexit.register(self.close)

    def _get_pool(self) -> ProcessPool:
        with self._lock:
            if self._pool is None:
                # forkserver: workers start from a clean process with the app preloaded, not
                # from a fork of a server process that holds sockets and threads.
                # One BLAS thread per worker: the pool already runs one worker per core, and
                # OpenBLAS's default (a thread per core in every worker) makes the workers fight
                # for the cores; measured on 2 busy cores, 100 150x150 matmuls took 1.96 s with
                # the default and 0.015 s with one thread. The forkserver starts with this
                # environment, before numpy is imported in it.
                for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                    os.environ.setdefault(var, "1")
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["app.service"])
                self._pool = ProcessPool(max_workers=self.workers, context=ctx)
            return self._pool

    async def run(self, fn: Callable[..., bytes], *args: Any, inline: bool = False) -> bytes:
        """Run ``fn(*args)`` in a worker; exceptions from ``fn`` (GraphError) propagate.

        ``inline=True`` is for jobs that the caller has bounded to about a millisecond: they run
        right here, where a round trip to a worker process would cost more than the work.
        """
        if inline:
            return fn(*args)
        if self._pending >= self.max_pending:
            raise Overloaded(
                f"the server is busy ({self._pending} requests in progress); try again shortly"
            )
        self._pending += 1
        try:
            try:
                future = self._get_pool().schedule(fn, args=args, timeout=self.deadline)
            except RuntimeError:
                # pebble marks the whole pool broken when its manager thread fails (seen when
                # workers die while others start, under heavy load): start a fresh pool.
                self.close()
                future = self._get_pool().schedule(fn, args=args, timeout=self.deadline)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self.close()
            raise Overloaded("the workers stopped and were restarted; try again") from None
        except FutureTimeout:
            raise Overloaded(
                f"the computation took longer than the {self.deadline:g} s deadline and was "
                "stopped; make the graph smaller"
            ) from None
        except ProcessExpired:
            raise Overloaded("the worker computing this request stopped; try again") from None
        finally:
            self._pending -= 1

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.stop()  # type: ignore[no-untyped-call]
                self._pool.join(timeout=5)
                self._pool = None
