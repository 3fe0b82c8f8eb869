"""``local-processes``: a pool of worker processes on this machine (joblib's loky)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback

from .base import ComputeError, _first_line, _is_worker_death, _register_cleanup, _RemoteTarget
from .worker import run_node_task, warm_worker


class ProcessPoolTarget(_RemoteTarget):
    """``local-processes``: a pool of worker processes on this machine (joblib's loky).

    Config: ``workers`` (or ``n_jobs``; default: the number of CPUs), ``retries`` (attempts
    after a worker process dies; default 0), ``timeout`` (seconds a node may take).
    """

    kind = "local-processes"

    def __init__(self, name: str = "local-processes", config: dict | None = None):
        super().__init__(name, config)
        self._executor = None
        self._lock = threading.Lock()

    @property
    def n_jobs(self) -> int:
        n = self.config.get("workers") or self.config.get("n_jobs")
        return int(n) if n else max(1, os.cpu_count() or 1)

    def joblib_backend(self):
        from joblib import parallel_config

        return parallel_config(backend="loky", n_jobs=self.n_jobs)

    def _inner(self) -> tuple:
        return ("loky", self.n_jobs)

    def executor(self):
        from joblib.externals.loky import ProcessPoolExecutor

        with self._lock:
            ex = self._executor
            flags = getattr(ex, "_flags", None)
            if ex is None or getattr(flags, "broken", None) is not None or getattr(flags, "shutdown", False):
                if ex is not None:
                    with contextlib.suppress(Exception):
                        ex.shutdown(wait=False, kill_workers=True)
                self._executor = ex = ProcessPoolExecutor(max_workers=self.n_jobs)
                _register_cleanup()
                for _ in range(self.n_jobs):  # start the workers' imports while the kernel plans
                    with contextlib.suppress(Exception):
                        ex.submit(warm_worker)
            return ex

    def check(self) -> None:
        try:
            self.executor()
        except Exception as exc:
            raise ComputeError(f"The compute target {self.name!r} cannot start its worker "
                               f"processes: {type(exc).__name__}: {exc}") from exc

    def worker_pids(self) -> list[int]:
        ex = self._executor
        return sorted(getattr(ex, "_processes", {}) or {}) if ex is not None else []

    def _attempt(self, plan, job: bytes) -> tuple[str, dict]:
        from concurrent.futures import TimeoutError as FutureTimeout

        t0 = time.time()
        ex = self.executor()
        try:
            fut = ex.submit(run_node_task, job)
        except Exception as exc:  # the pool broke between check and submit
            return "lost", {"error": f"{plan.title} could not be started on {self.name!r} "
                                     f"({type(exc).__name__}: {exc}).", "duration": time.time() - t0}
        try:
            return fut.result(timeout=self.timeout)
        except FutureTimeout:
            self._kill()
            return "failed", {"error": f"{plan.title} did not finish within {self.timeout:g} s on "
                                       f"the compute target {self.name!r}; it was stopped. Raise "
                                       "the target's 'timeout' or run it elsewhere.",
                              "duration": time.time() - t0}
        except Exception as exc:
            if _is_worker_death(exc):
                self._kill()  # a broken pool takes no more work: the next node gets a new one
                return "lost", {"error": f"The worker process running {plan.title} on {self.name!r} "
                                         f"died ({_first_line(exc)}), e.g. it ran out of memory or "
                                         "was killed.", "duration": time.time() - t0,
                                "log": ""}
            return "failed", {"error": f"{plan.title} failed on {self.name!r}: "
                                       f"{type(exc).__name__}: {exc}",
                              "log": traceback.format_exc(), "duration": time.time() - t0}

    def _kill(self):
        with self._lock:
            ex, self._executor = self._executor, None
        if ex is not None:
            with contextlib.suppress(Exception):
                ex.shutdown(wait=False, kill_workers=True)

    def close(self) -> None:
        self._kill()

