"""What every compute target shares; the ``local`` target (the kernel's own process).

Target objects are kept one per name and configuration and process (see
:mod:`.registry`); :func:`shutdown_all` stops the pools and clusters they started.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time

from ..errors import DesignerError
from ..fanout import SequentialInside
from ..workspace import EngineWorkspace

log = logging.getLogger("jupyter_designer.engine.compute")

#: Kinds of compute target (as stored in the workspace).
KINDS = ("local", "local-processes", "dask")
#: Names that resolve without being registered, and the configuration they stand for.
BUILTIN_TARGETS = {
    "local": ("local", {}),
    "local-processes": ("local-processes", {}),
    "dask-local": ("dask", {"address": "local"}),
}
#: Dask addresses meaning "start a LocalCluster on this machine".
LOCAL_CLUSTER_ADDRESSES = ("local", "localcluster", "local-cluster")


class ComputeError(DesignerError):
    """A compute target cannot be used (unknown kind, bad configuration, unreachable)."""


# -- targets --------------------------------------------------------------------------
class ComputeTarget:
    """Where nodes execute. This base class is the ``local`` target: the kernel's process.

    ``remote`` targets run a node in another process through :meth:`execute`; the local
    target runs it in the runner's own threads. Every target offers :meth:`joblib_backend`
    and :attr:`n_jobs` for components fanning inner work out.
    """

    kind = "local"
    remote = False

    def __init__(self, name: str = "local", config: dict | None = None):
        self.name = name
        self.config = dict(config or {})
        _check_config(self.kind, self.config, name)

    # -- fan-out --------------------------------------------------------------------------
    @property
    def n_jobs(self) -> int:
        return int(self.config.get("n_jobs") or self.config.get("workers") or 1)

    def joblib_backend(self):
        """A context in which ``joblib.Parallel`` fans out over this target."""
        if self.n_jobs <= 1:
            return contextlib.nullcontext()
        from joblib import parallel_config

        return parallel_config(backend="threading", n_jobs=self.n_jobs)

    def fan_out(self, calls: list) -> list:
        """Run independent units ``[(fn, *args), ...]`` over this target; their results in
        order. Each unit's own joblib calls run sequentially inside it (see
        :class:`SequentialInside`). An exception of a unit is raised as it is."""
        from joblib import Parallel, delayed

        with self.joblib_backend():
            return Parallel(n_jobs=self.n_jobs)(delayed(SequentialInside(fn))(*args)
                                                for fn, *args in calls)

    # -- lifecycle ----------------------------------------------------------------------------
    def check(self) -> None:
        """Make sure nodes can run here; raises :class:`ComputeError` quickly if not."""

    def close(self) -> None:
        """Release pools, clients and clusters this target started."""

    def describe(self) -> dict:
        return {"name": self.name, "kind": self.kind, "config": dict(self.config),
                "n_jobs": self.n_jobs}

    def execute(self, plan, inputs: dict, *, workspace: EngineWorkspace) -> tuple[str, dict]:  # pragma: no cover
        raise NotImplementedError("the local target runs nodes in the runner's threads")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.config}>"


LocalTarget = ComputeTarget


class _RemoteTarget(ComputeTarget):
    remote = True

    @property
    def retries(self) -> int:
        return int(self.config.get("retries", 0) or 0)

    @property
    def timeout(self) -> float | None:
        t = self.config.get("timeout")
        return float(t) if t else None

    def _job(self, plan, inputs: dict, workspace, inner: tuple) -> bytes:
        import cloudpickle

        path = getattr(workspace, "path", None)
        if path is None:
            raise ComputeError(f"The compute target {self.name!r} runs nodes in other processes, "
                               "which open the workspace folder themselves; this workspace has "
                               "no folder. Use the 'local' target.")
        job = {"workspace": (type(workspace), str(path)), "plan": plan, "inputs": inputs,
               "inner": inner, "target": self.name}
        try:
            return cloudpickle.dumps(job)
        except Exception as exc:
            raise ComputeError(f"{plan.title} cannot be sent to the compute target {self.name!r}: "
                               f"{type(exc).__name__}: {exc}. Run it on 'local'.") from exc

    def execute(self, plan, inputs: dict, *, workspace: EngineWorkspace) -> tuple[str, dict]:
        """Run ``plan`` in a worker; returns what :func:`execute_component` does, with
        ``artifacts`` (port -> artifact id) instead of ``outputs``. Never hangs: a dead worker
        or a lost cluster fails the node (after ``retries`` further attempts)."""
        t0 = time.time()
        try:
            job = self._job(plan, inputs, workspace, self._inner())
        except DesignerError as exc:
            return "failed", {"error": str(exc), "log": "", "duration": time.time() - t0}
        notes = []
        attempt = 0
        while True:
            attempt += 1
            outcome, payload = self._attempt(plan, job)
            if outcome != "lost" or attempt > self.retries:
                break
            notes.append(f"{payload['error']} Retrying ({attempt} of {self.retries}).")
            log.warning("%s: %s", plan.title, notes[-1])
        if outcome == "lost":
            outcome = "failed"
        if notes:
            payload["log"] = "\n".join(notes) + "\n" + (payload.get("log") or "")
        payload.setdefault("duration", time.time() - t0)
        return outcome, payload

    def _inner(self) -> tuple:
        return ("sequential", 1)

    def _attempt(self, plan, job: bytes) -> tuple[str, dict]:  # pragma: no cover
        raise NotImplementedError


def _is_worker_death(exc) -> bool:
    names = {t.__name__ for t in type(exc).__mro__}
    return bool(names & {"KilledWorker", "TerminatedWorkerError", "BrokenProcessPool"})


def _first_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# -- configuration ----------------------------------------------------------------------
_INT_KEYS = ("workers", "n_jobs", "threads_per_worker", "retries")
_FLOAT_KEYS = ("timeout", "connect_timeout", "no_worker_timeout")
_KNOWN = {
    "local": {"n_jobs"},
    "local-processes": {"workers", "n_jobs", "retries", "timeout"},
    "dask": {"address", "workers", "threads_per_worker", "memory_limit", "connect_timeout",
             "retries", "timeout", "no_worker_timeout"},
}


def _check_config(kind: str, config: dict, name: str) -> None:
    unknown = sorted(set(config) - _KNOWN.get(kind, set()))
    if unknown:
        raise ComputeError(f"The compute target {name!r} ({kind}) has unknown setting(s) "
                           f"{', '.join(map(repr, unknown))}. Its settings are: "
                           f"{', '.join(sorted(_KNOWN.get(kind, ())))}.")
    for k in _INT_KEYS:
        if k in config and config[k] is not None:
            v = config[k]
            if isinstance(v, bool) or not isinstance(v, int) or v < (0 if k == "retries" else 1):
                low = 0 if k == "retries" else 1
                raise ComputeError(f"The {k!r} setting of the compute target {name!r} must be an "
                                   f"integer >= {low}. Got {v!r} instead.")
    for k in _FLOAT_KEYS:
        if k in config and config[k] is not None:
            v = config[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise ComputeError(f"The {k!r} setting of the compute target {name!r} must be a "
                                   f"number of seconds > 0. Got {v!r} instead.")
    if kind == "dask" and "address" in config and not isinstance(config["address"], str):
        raise ComputeError(f"The 'address' of the compute target {name!r} must be a string such "
                           f"as 'tcp://127.0.0.1:8786' or 'local'. Got {config['address']!r}.")


_TARGETS: dict[tuple, ComputeTarget] = {}
_TARGETS_LOCK = threading.Lock()


def shutdown_all() -> None:
    """Stop every pool and cluster this process started (runs at exit)."""
    with _TARGETS_LOCK:
        # clients of other clusters first, then the clusters this process started
        targets = sorted(_TARGETS.values(), key=lambda t: getattr(t, "_cluster", None) is not None)
        _TARGETS.clear()
    for t in targets:
        with contextlib.suppress(Exception):
            t.close()


_cleanup_registered = False


def _register_cleanup():
    global _cleanup_registered
    if not _cleanup_registered:
        _cleanup_registered = True
        atexit.register(shutdown_all)

