"""The worker side: what runs inside a worker process or a Dask worker.

:func:`run_node_task` opens the workspace folder, reads the node's inputs from it, runs the
node (:func:`~jupyter_designer.engine.execution.task.execute_component`) and stores its
outputs there; :func:`dask_fan_out` spreads a node's inner work over the cluster from inside
one of its workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import traceback
from typing import Any

from ..errors import DesignerError
from ..execution.inputs import InputRef, needed_columns, parquet_schema
from ..execution.task import execute_component
from ..fanout import IMPORT_LOCK, SequentialInside
from .base import ComputeTarget

log = logging.getLogger("jupyter_designer.engine.compute")

_WORKER_WORKSPACES: dict[str, Any] = {}
_WORKER_LOCK = threading.Lock()


class _InWorkerTarget(ComputeTarget):
    """What ``ctx.compute`` is for a node running in a worker: fan-out goes back to the
    same pool (loky) or cluster (dask, from inside the worker)."""

    remote = False

    def __init__(self, name: str, backend: str, n_jobs: int):
        self.name = name
        self.config = {}
        self.backend = backend
        self._n_jobs = n_jobs

    @property
    def n_jobs(self) -> int:
        return self._n_jobs

    def joblib_backend(self):
        if self.backend == "sequential":
            return contextlib.nullcontext()
        from joblib import parallel_config

        return parallel_config(backend=self.backend, n_jobs=self._n_jobs)

    def fan_out(self, calls: list) -> list:
        if self.backend == "dask":
            return dask_fan_out(calls)
        return super().fan_out(calls)


def dask_fan_out(calls: list) -> list:
    """Fan units out over the Dask cluster from inside one of its workers.

    Every unit becomes a task of its own, all submitted at once: the scheduler hands them to
    workers as they free up (the waiting node gives its worker thread up meanwhile). Large
    arguments shared by the units (the training table, the learner, the fold indices) are
    scattered to every worker once, not sent with each task. This keeps both workers busy
    where joblib's dask backend, which dispatches a few units at a time and the next only
    when one comes back, left them waiting on round trips through the scheduler.
    """
    import uuid

    from dask.sizeof import sizeof
    from distributed import worker_client

    if not calls:
        return []
    with worker_client(separate_thread=True) as client:
        shared: dict = {}   # id -> future; ``calls`` keeps the objects alive, so ids stay theirs

        def arg(a):
            k = id(a)
            fut = shared.get(k)
            if fut is None and not isinstance(a, (int, float, str, bool, type(None))) and sizeof(a) > 10_000:
                fut = shared[k] = client.scatter(a, hash=False, broadcast=True)
            return a if fut is None else fut

        tag = uuid.uuid4().hex[:10]
        futures = [client.submit(SequentialInside(fn), *[arg(a) for a in args], pure=False,
                                 key=f"{getattr(fn, '__name__', 'unit')}-{tag}-{i}")
                   for i, (fn, *args) in enumerate(calls)]
        try:
            return client.gather(futures)
        finally:
            for f in futures:
                f.release()
            for f in shared.values():
                f.release()


def _import_components() -> None:
    """Import every component module, one thread at a time (see :data:`IMPORT_LOCK`)."""
    with IMPORT_LOCK:
        import jupyter_designer.components  # noqa: F401


def warm_worker() -> int:
    """Import what nodes need, and take the first-use costs of storing and reading models and
    tables, so a worker's first node does not pay for them (importing skops and its first
    model round trip alone took about 2 s, on each worker, in a node's first run)."""
    _import_components()
    try:
        _warm_serialization()
    except Exception:  # only a warm-up: the node itself reports real problems
        log.debug("worker warm-up of the model and table formats failed", exc_info=True)
    return os.getpid()


def _warm_serialization() -> None:
    import io
    import warnings
    import zipfile

    import numpy as np
    import pandas as pd
    from jupyter_designer.skops_io import skops_io
    sio = skops_io()
    from lightgbm import LGBMRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.arange(40, dtype=float).reshape(20, 2)
    model = make_pipeline(StandardScaler(), LGBMRegressor(n_estimators=2, min_child_samples=2,
                                                          n_jobs=1, verbose=-1)).fit(X, X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = sio.dumps(model, compression=zipfile.ZIP_DEFLATED)
        sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    buf = io.BytesIO()
    pd.DataFrame({"a": [1.0], "b": ["x"]}).to_parquet(buf, engine="pyarrow", index=None)
    pd.read_parquet(io.BytesIO(buf.getvalue()), engine="pyarrow")


def _worker_workspace(cls, path: str):
    with _WORKER_LOCK:
        ws = _WORKER_WORKSPACES.get(path)
        if ws is None:
            try:
                ws = cls(path, recover=False)
            except TypeError:
                ws = cls(path)
            _WORKER_WORKSPACES[path] = ws
        return ws


def run_node_task(job: bytes) -> tuple[str, dict]:
    """Runs in a worker process: read the inputs from the workspace, run the component,
    store its outputs; returns ``(outcome, payload)`` with ``artifacts`` instead of outputs."""
    import cloudpickle

    t0 = time.time()
    _import_components()
    with IMPORT_LOCK:
        job = cloudpickle.loads(job)
    plan = job["plan"]
    where = f"{socket.gethostname()} pid {os.getpid()}"
    try:
        ws = _worker_workspace(*job["workspace"])
    except Exception as exc:
        return "failed", {"error": f"{plan.title}: the worker ({where}) cannot open the workspace "
                                   f"{job['workspace'][1]} ({type(exc).__name__}: {exc}). Workers "
                                   "must see the workspace folder at the same path.",
                          "log": traceback.format_exc(), "duration": time.time() - t0}
    inputs = {}
    for port, ref in job["inputs"].items():
        try:
            if ref.artifact and ref.columns is None and str(ref.artifact).startswith("pq-"):
                cols = needed_columns(plan, port, lambda a=ref.artifact: parquet_schema(ws.artifact_path(a)))
                if cols:
                    ref = InputRef(artifact=ref.artifact, columns=cols)
            inputs[port] = ref.load(ws)
        except Exception as exc:
            msg = str(exc) if isinstance(exc, DesignerError) else f"{type(exc).__name__}: {exc}"
            return "failed", {"error": f"{plan.title}: could not read its input {port!r} "
                                       f"({ref.describe()}) on the worker ({where}): {msg}",
                              "log": "", "duration": time.time() - t0}
    backend, n = job["inner"]
    inner = _InWorkerTarget(job.get("target", ""), backend, n)
    outcome, payload = execute_component(plan, inputs, workspace=ws, t0=t0, compute=inner)
    del inputs
    if outcome == "completed":
        outputs = payload.pop("outputs")
        t1 = time.time()
        try:
            payload["artifacts"] = ws.put_outputs(plan.key, outputs)
        except Exception as exc:
            msg = str(exc) if isinstance(exc, DesignerError) else f"{type(exc).__name__}: {exc}"
            return "failed", {"error": f"{plan.title}: its outputs could not be stored in the "
                                       f"workspace ({msg}).", "log": payload.get("log", ""),
                              "duration": time.time() - t0}
        payload["store_seconds"] = time.time() - t1
    payload["worker"] = where
    return outcome, payload

