"""Compute targets: where a pipeline's nodes execute.

* ``local`` - the kernel's own process; independent branches run in threads.
* ``local-processes`` - a pool of worker processes on this machine (joblib's loky).
* ``dask`` - a ``dask.distributed`` cluster: ``{"address": "tcp://host:8786"}`` connects to a
  running scheduler; ``{"address": "local"}`` starts a LocalCluster on this machine the first
  time a node needs it and stops it when the kernel exits.

A target is chosen per pipeline (``Pipeline.default_compute``) and per node
(``Pipeline.set_compute``) by name; names are registered in the workspace
(``Workspace.register_compute``). ``local`` always exists; ``local-processes`` and
``dask-local`` resolve to default configurations when no target of that name is registered.

Nodes on a process pool or a Dask cluster do not receive their inputs through the kernel:
the worker opens the workspace folder itself, reads its inputs from the artifact store
(Parquet tables with column projection where the component needs only some columns) and
writes its outputs there, and the runner records their artifact ids. So the workspace folder
must be reachable at the same path from every worker (on one machine it is; on a cluster,
use a shared file system).

Fan-out components spread their inner work over the node's target: Tune Model
Hyperparameters and Cross Validate Model through :meth:`ComputeTarget.fan_out` (on a Dask
cluster, one task per unit, see :func:`dask_fan_out`), Permutation Feature Importance
through :meth:`ComputeTarget.joblib_backend` and :attr:`ComputeTarget.n_jobs`.

Dask and joblib are imported inside functions only, so importing the engine stays cheap.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlparse

from .errors import DesignerError, PipelineError
from .schema import Schema

log = logging.getLogger(__name__)

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


# -- column projection ----------------------------------------------------------------
#: component id -> {input port: parameter key of the column selection that port is read for}.
#: A table feeding such a port is read with only the selected columns.
COLUMN_READERS: dict[str, dict[str, str]] = {
    "select_columns_in_dataset": {"dataset": "select_columns"},
}


def needed_columns(plan, port: str, schema: Schema | Callable[[], Schema | None] | None) -> list | None:
    """The columns ``plan``'s component reads from input ``port``, or ``None`` for all.

    Components declare this with :data:`COLUMN_READERS` (or ``extra["input_columns"]``, a
    function ``(port, params, schema) -> list | None`` on their spec). A projection is used
    only when the component's own column selection, resolved on the projected table, picks
    the same columns (so rules by index or "all except" select exactly what they would on
    the whole table).
    """
    spec = getattr(plan, "spec", None)
    if spec is None:
        return None
    hook = (spec.extra or {}).get("input_columns")
    key = COLUMN_READERS.get(spec.id, {}).get(port)
    if hook is None and key is None:
        return None
    if callable(schema):
        try:
            schema = schema()
        except Exception:  # no schema: read everything, the component reports any problem
            return None
    if schema is None:
        return None
    try:
        if hook is not None:
            names = hook(port, plan.params, schema)
            if names is None:
                return None
            names = list(names)
        else:
            param = spec.param(key)
            value = plan.params.get(key)
            if value is None:
                return None
            names = list(param.resolve(value, schema, spec.name))
            again = list(param.resolve(value, schema.select(names), spec.name))
            if again != names:
                return None
    except Exception:  # let the component raise its own message on the whole table
        return None
    if not names or len(names) >= len(schema) or any(n not in schema for n in names):
        return None
    return names


def parquet_schema(path) -> Schema | None:
    """The designer schema of a Parquet file, from its footer (no data is read)."""
    try:
        import pyarrow.parquet as pq

        empty = pq.read_schema(path).empty_table().to_pandas()
        return Schema.from_frame(empty)
    except Exception:
        return None


class DatasetSource:
    """A dataset node's value, read when a consumer first needs it.

    A consumer that reads only some columns gets just those columns from the Parquet file;
    otherwise the whole table is read once and shared. Reused runs never read it at all.
    """

    def __init__(self, workspace, data: dict, loader: Callable[[], Any]):
        self.workspace = workspace
        self.data = dict(data)
        self._loader = loader
        self._lock = threading.Lock()
        self._value = None
        self._loaded = False
        self._artifact: str | None | bool = False  # False: not resolved yet

    @property
    def is_model(self) -> bool:
        return self.data.get("type", "dataset") == "model"

    def artifact_id(self) -> str | None:
        """The artifact holding the table or model, or ``None`` (built-in samples)."""
        if self._artifact is False:
            aid = self.data.get("artifact")
            if not aid:
                try:
                    if self.is_model:
                        info = self.workspace.model_info(self.data["name"], self.data.get("version"))
                    else:
                        info = self.workspace.dataset_info(self.data["name"], self.data.get("version"))
                    aid = getattr(info, "artifact_id", None)
                except Exception:
                    aid = None
            self._artifact = aid or None
        return self._artifact

    def schema(self) -> Schema | None:
        if self.is_model:
            return None
        if not self.data.get("artifact"):
            try:
                info = self.workspace.dataset_info(self.data["name"], self.data.get("version"))
                return Schema.of(info.schema)
            except Exception:
                pass
        aid = self.artifact_id()
        path = _artifact_path(self.workspace, aid) if aid else None
        return parquet_schema(path) if path is not None else None

    @property
    def loaded(self) -> bool:
        return self._loaded

    def get(self, columns: list | None = None):
        """The value (only ``columns`` of a table when given and not already in memory)."""
        if columns is not None and not self._loaded:
            aid = self.artifact_id()
            if aid and str(aid).startswith("pq-"):
                return self.workspace.load_artifact(aid, columns=list(columns))
        with self._lock:
            if not self._loaded:
                self._value = self._loader()
                self._loaded = True
            value = self._value
        if columns is not None:
            from .schema import get_roles, set_roles

            out = value[list(columns)]
            set_roles(out, get_roles(value))
            return out
        return value

    def ref(self, columns: list | None = None) -> "InputRef":
        """How a worker process reads this value itself (never through the kernel)."""
        aid = self.artifact_id()
        if aid:
            return InputRef(artifact=aid, columns=columns)
        if self.is_model:
            return InputRef(model=(self.data["name"], self.data.get("version")))
        return InputRef(dataset=(self.data["name"], self.data.get("version")), columns=columns)

    def __repr__(self) -> str:
        return f"DatasetSource({self.data!r}, loaded={self._loaded})"


def _artifact_path(workspace, artifact_id):
    getter = getattr(workspace, "artifact_path", None)
    if getter is None or not artifact_id:
        return None
    try:
        return getter(artifact_id)
    except Exception:
        return None


@dataclass
class InputRef:
    """An input of a node running in a worker: read by the worker, not sent by the kernel."""

    artifact: str | None = None          # an artifact of the workspace
    dataset: tuple | None = None         # (name, version) of a dataset without an artifact
    model: tuple | None = None           # (name, version) of a registered model
    value: Any = None                    # a value sent along (kept in memory by the kernel)
    columns: list | None = None          # read only these columns of a table

    def load(self, workspace):
        if self.artifact:
            return workspace.load_artifact(self.artifact, columns=self.columns)
        if self.dataset:
            name, version = self.dataset
            return workspace.get_dataset(name, version, columns=self.columns)
        if self.model:
            name, version = self.model
            return workspace.get_model(name, version)
        return self.value

    def describe(self) -> str:
        if self.artifact:
            return f"artifact {self.artifact}"
        if self.dataset:
            return f"dataset {self.dataset[0]!r}"
        if self.model:
            return f"model {self.model[0]!r}"
        return "a value sent by the kernel"


def input_ref(plan, port: str, value=None, artifact: str | None = None) -> InputRef:
    """The reference a worker uses to read ``plan``'s input ``port``.

    ``value`` is what the kernel holds for it (a :class:`DatasetSource`, stored outputs, an
    in-memory value or ``None``), ``artifact`` its artifact id if it is stored.
    """
    if isinstance(value, DatasetSource):
        return value.ref(needed_columns(plan, port, value.schema))
    if artifact is None:
        artifact = getattr(value, "artifact_id", None)  # a port of stored outputs
    if artifact:
        return InputRef(artifact=artifact)  # the worker projects it from the file's footer
    return InputRef(value=value)


def load_input(workspace, plan, port: str, value=None, artifact: str | None = None):
    """Read ``plan``'s input ``port`` in this process (only the columns it needs)."""
    if isinstance(value, DatasetSource):
        return value.get(needed_columns(plan, port, value.schema))
    if value is not None:
        return value
    if artifact is None:
        raise ComputeError(f"{plan.title}: its input {port!r} is neither in memory nor stored.")
    cols = None
    spec = getattr(plan, "spec", None)
    if spec is not None and (spec.id in COLUMN_READERS or (spec.extra or {}).get("input_columns")) \
            and str(artifact).startswith("pq-"):
        cols = needed_columns(plan, port, lambda: parquet_schema(_artifact_path(workspace, artifact)))
    return workspace.load_artifact(artifact, columns=cols) if cols else workspace.load_artifact(artifact)


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

    def execute(self, plan, inputs: dict, *, workspace) -> tuple[str, dict]:  # pragma: no cover
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

    def execute(self, plan, inputs: dict, *, workspace) -> tuple[str, dict]:
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


class DaskTarget(_RemoteTarget):
    """``dask``: a ``dask.distributed`` cluster.

    Config: ``address`` (``tcp://host:port`` of a running scheduler, or ``local`` to start a
    LocalCluster of worker processes on 127.0.0.1 when first needed), ``workers`` and
    ``threads_per_worker`` (LocalCluster; default 2 and 1), ``memory_limit`` (LocalCluster,
    per worker), ``connect_timeout`` (seconds, default 5), ``retries`` (attempts after a
    worker dies; default 0), ``timeout`` (seconds a node may take), ``no_worker_timeout``
    (seconds a node may wait while the cluster has no worker; default 60).
    """

    kind = "dask"

    def __init__(self, name: str = "dask", config: dict | None = None):
        super().__init__(name, config)
        self._client = None
        self._cluster = None
        self._warm_futures: list = []
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return str(self.config.get("address") or "local")

    @property
    def is_local_cluster(self) -> bool:
        return self.address.lower() in LOCAL_CLUSTER_ADDRESSES

    @property
    def connect_timeout(self) -> float:
        return float(self.config.get("connect_timeout") or 5.0)

    @property
    def n_jobs(self) -> int:
        client = self._client
        if client is not None:
            try:
                return max(1, sum(client.nthreads().values()))
            except Exception:
                pass
        return int(self.config.get("workers") or 2) * int(self.config.get("threads_per_worker") or 1)

    def joblib_backend(self):
        from joblib import parallel_config

        return parallel_config(backend="dask", client=self.client())

    def _inner(self) -> tuple:
        return ("dask", -1)

    # -- connection -----------------------------------------------------------------------
    def client(self):
        with self._lock:
            if self._client is not None and self._client.status in ("running", "connecting"):
                return self._client
            self._connect()
            return self._client

    def _connect(self):
        import dask
        from distributed import Client

        if self.is_local_cluster:
            from distributed import LocalCluster

            if self._cluster is None or self._cluster.status.name not in ("running", "created"):
                kw = {"n_workers": int(self.config.get("workers") or 2),
                      "threads_per_worker": int(self.config.get("threads_per_worker") or 1),
                      "processes": True, "host": "127.0.0.1", "dashboard_address": ":0",
                      "silence_logs": logging.ERROR}
                if self.config.get("memory_limit"):
                    kw["memory_limit"] = self.config["memory_limit"]
                # a dead worker fails its task at once: our own 'retries' decides what next
                with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                    try:
                        self._cluster = LocalCluster(**kw)
                    except Exception as exc:
                        raise ComputeError(f"The compute target {self.name!r} could not start a "
                                           f"local Dask cluster: {type(exc).__name__}: {exc}") from exc
                _register_cleanup()
            self._client = Client(self._cluster, set_as_default=False)
            self._warm()
            return
        self._probe()
        try:
            self._client = Client(self.address, timeout=self.connect_timeout, set_as_default=False)
        except Exception as exc:
            raise self._unreachable(exc) from exc
        _register_cleanup()
        self._warm()

    def _warm(self):
        """Start every worker's imports now (not when its first node arrives)."""
        with contextlib.suppress(Exception):
            client = self._client
            self._warm_futures = [client.submit(warm_worker, workers=[addr], pure=False,
                                                allow_other_workers=False)
                                  for addr in client.nthreads()]

    def _probe(self):
        """Fail in well under a second when nothing listens at the scheduler's address."""
        url = urlparse(self.address if "://" in self.address else f"tcp://{self.address}")
        if url.scheme not in ("tcp", "tls", ""):
            return  # other transports (inproc, ws): let the client try
        try:
            port = url.port or 8786
        except ValueError as exc:
            raise ComputeError(f"The compute target {self.name!r} has an invalid scheduler "
                               f"address {self.address!r} ({exc}).") from exc
        try:
            with socket.create_connection((url.hostname or "127.0.0.1", port),
                                          timeout=min(self.connect_timeout, 3.0)):
                pass
        except OSError as exc:
            raise self._unreachable(exc) from exc

    def _unreachable(self, exc) -> ComputeError:
        return ComputeError(
            f"The compute target {self.name!r} cannot reach the Dask scheduler at {self.address} "
            f"({type(exc).__name__}: {exc or 'timed out'}). Start the scheduler (`dask scheduler`) "
            f"and its workers, fix the address (`jupyter designer compute add {self.name} --kind "
            "dask --address tcp://HOST:PORT`), or run the pipeline on 'local'.")

    def check(self) -> None:
        if not self.is_local_cluster:
            self._probe()
        try:
            client = self.client()
        except ComputeError:
            raise
        except Exception as exc:
            raise self._unreachable(exc) from exc
        if not self.is_local_cluster:
            try:
                client.scheduler_info()
            except Exception as exc:
                raise self._unreachable(exc) from exc

    def worker_pids(self) -> dict:
        """worker address -> process id."""
        return self.client().run(os.getpid)

    def describe(self) -> dict:
        d = super().describe()
        d["address"] = self.address
        if self._client is not None:
            with contextlib.suppress(Exception):
                d["scheduler"] = self._client.scheduler.address
                d["dashboard"] = self._client.dashboard_link
        return d

    # -- execution ------------------------------------------------------------------------
    def _attempt(self, plan, job: bytes) -> tuple[str, dict]:
        import uuid

        t0 = time.time()
        try:
            client = self.client()
            fut = client.submit(run_node_task, job, key=f"designer-{plan.node_id}-{uuid.uuid4().hex[:12]}",
                                pure=False)
        except DesignerError as exc:
            return "failed", {"error": str(exc), "duration": time.time() - t0}
        except Exception as exc:
            return "lost", {"error": f"{plan.title} could not be sent to the Dask cluster of "
                                     f"{self.name!r} ({type(exc).__name__}: {exc}).",
                            "duration": time.time() - t0}
        no_workers_since = None
        no_worker_timeout = float(self.config.get("no_worker_timeout") or 60.0)
        try:
            while True:
                try:
                    return fut.result(timeout=1.0)
                except TimeoutError:
                    pass
                now = time.time()
                if self.timeout and now - t0 > self.timeout:
                    fut.cancel()
                    return "failed", {"error": f"{plan.title} did not finish within {self.timeout:g} s "
                                               f"on the compute target {self.name!r}; it was "
                                               "canceled. Raise the target's 'timeout' or run it "
                                               "elsewhere.", "duration": now - t0}
                try:
                    workers = len(client.nthreads())
                except Exception:
                    workers = 0
                if client.status not in ("running", "connecting"):
                    return "lost", {"error": f"The connection to the Dask scheduler of {self.name!r} "
                                             f"was lost while {plan.title} ran.",
                                    "duration": now - t0}
                if workers == 0:
                    no_workers_since = no_workers_since or now
                    if now - no_workers_since > no_worker_timeout:
                        fut.cancel()
                        return "failed", {"error": f"The Dask cluster of {self.name!r} has had no "
                                                   f"worker for {no_worker_timeout:g} s, so "
                                                   f"{plan.title} could not run. Start workers "
                                                   "or run it elsewhere.", "duration": now - t0}
                else:
                    no_workers_since = None
        except Exception as exc:
            if _is_worker_death(exc):
                return "lost", {"error": f"The Dask worker running {plan.title} on {self.name!r} "
                                         f"died ({_first_line(exc)}), e.g. it ran out of memory "
                                         "or was killed.", "duration": time.time() - t0, "log": ""}
            if type(exc).__name__ in ("CancelledError", "FutureCancelledError"):
                return "lost", {"error": f"{plan.title} was canceled by the Dask cluster of "
                                         f"{self.name!r} ({_first_line(exc)}).",
                                "duration": time.time() - t0}
            return "failed", {"error": f"{plan.title} failed on {self.name!r}: "
                                       f"{type(exc).__name__}: {exc}",
                              "log": traceback.format_exc(), "duration": time.time() - t0}
        finally:
            with contextlib.suppress(Exception):
                fut.release()

    def close(self) -> None:
        with self._lock:
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
            self._warm_futures = []
        for obj in (client, cluster):
            if obj is not None:
                with contextlib.suppress(Exception):
                    obj.close()


def _is_worker_death(exc) -> bool:
    names = {t.__name__ for t in type(exc).__mro__}
    return bool(names & {"KilledWorker", "TerminatedWorkerError", "BrokenProcessPool"})


def _first_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# -- fan-out units --------------------------------------------------------------------------
class SequentialInside:
    """A fan-out unit (one fit of a sweep, one fold) whose own inner joblib calls run
    sequentially.

    The fan-out already gives every unit a worker of its own. Without this, joblib's dask
    backend runs every nested ``joblib.Parallel`` of a unit on the cluster too (each
    ColumnTransformer fit and transform becomes tasks of its own, with a scheduler round
    trip each), which made a sweep on a 2-worker cluster several times slower than on the
    kernel.
    """

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        from joblib import parallel_config

        with parallel_config(backend="sequential"):
            return self.fn(*args, **kwargs)

    def __repr__(self) -> str:  # joblib and dask name tasks after it
        return getattr(self.fn, "__name__", repr(self.fn))


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


_CLASSES = {"local": ComputeTarget, "local-processes": ProcessPoolTarget, "dask": DaskTarget}
_TARGETS: dict[tuple, ComputeTarget] = {}
_TARGETS_LOCK = threading.Lock()


def make_target(record) -> ComputeTarget:
    """The target object for a workspace compute record (``ComputeInfo``, or a dict with
    ``name``, ``kind`` and ``config``). One object per name and configuration and process, so
    a Dask cluster or process pool is started once and reused by every run."""
    if isinstance(record, dict):
        name, kind, config = record.get("name"), record.get("kind"), record.get("config") or {}
    else:
        name, kind, config = record.name, record.kind, dict(record.config or {})
    if kind == "dask-local":
        kind, config = "dask", {"address": "local", **config}
    if kind not in _CLASSES:
        raise ComputeError(f"The compute target {name!r} has kind {kind!r}; the kinds are "
                           f"{', '.join(KINDS)}.")
    key = (name, kind, json.dumps(config, sort_keys=True, default=str))
    with _TARGETS_LOCK:
        target = _TARGETS.get(key)
        if target is None:
            target = _TARGETS[key] = _CLASSES[kind](name, config)
    return target


def resolve_target(workspace, name: str | None) -> ComputeTarget:
    """The target named ``name`` in ``workspace`` (registered, or one of the built-in names)."""
    name = name or "local"
    getter = getattr(workspace, "get_compute", None)
    record = None
    if getter is not None and name != "local":
        try:
            record = getter(name)
        except KeyError:  # NotFoundError
            record = None
    if record is None:
        if name not in BUILTIN_TARGETS:
            known = list_target_names(workspace)
            raise PipelineError(f"Unknown compute target {name!r}. Compute targets: "
                                f"{', '.join(known)}. Register it with `jupyter designer compute "
                                f"add {name} --kind KIND` (or Workspace.register_compute) or use "
                                "'local'.")
        kind, config = BUILTIN_TARGETS[name]
        return make_target({"name": name, "kind": kind, "config": config})
    return make_target(record)


def list_target_names(workspace) -> list[str]:
    names = []
    lister = getattr(workspace, "list_compute", None)
    if lister is not None:
        with contextlib.suppress(Exception):
            names = [c.name for c in lister()]
    return names + [n for n in BUILTIN_TARGETS if n not in names]


def list_targets(workspace) -> list[dict]:
    """Every target a node can use: the registered ones, then built-in names not registered."""
    out = []
    lister = getattr(workspace, "list_compute", None)
    if lister is not None:
        out = [{"name": c.name, "kind": c.kind, "config": dict(c.config or {}), "builtin": False}
               for c in lister()]
    have = {d["name"] for d in out}
    for n, (kind, config) in BUILTIN_TARGETS.items():
        if n not in have:
            out.append({"name": n, "kind": kind, "config": dict(config), "builtin": True})
    return out


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


# -- the worker side -----------------------------------------------------------------------
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


def warm_worker() -> int:
    """Import what nodes need, and take the first-use costs of storing and reading models and
    tables, so a worker's first node does not pay for them (importing skops and its first
    model round trip alone took about 2 s, on each worker, in a node's first run)."""
    import jupyter_designer.components  # noqa: F401
    import jupyter_designer.engine.runner  # noqa: F401
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
    import skops.io as sio
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

    from .runner import execute_component

    t0 = time.time()
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


__all__ = ["ComputeTarget", "LocalTarget", "ProcessPoolTarget", "DaskTarget", "ComputeError",
           "DatasetSource", "InputRef", "SequentialInside", "KINDS", "BUILTIN_TARGETS", "COLUMN_READERS",
           "dask_fan_out", "make_target", "resolve_target", "list_targets", "list_target_names",
           "needed_columns", "input_ref", "load_input", "run_node_task", "shutdown_all"]
