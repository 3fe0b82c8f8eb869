"""``dask``: a ``dask.distributed`` cluster (a running scheduler, or a LocalCluster started
on this machine when a node first needs it). Dask is imported inside functions only."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import traceback
from urllib.parse import urlparse

from ..errors import DesignerError
from .base import (LOCAL_CLUSTER_ADDRESSES, ComputeError, _first_line, _is_worker_death,
                   _register_cleanup, _RemoteTarget)
from .worker import run_node_task, warm_worker


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
                with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
                        _environ_kept():
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


@contextlib.contextmanager
def _environ_kept():
    """Dask's nanny sets OMP_NUM_THREADS=1 (and the other thread limits of its
    ``pre-spawn-environ``) in this process's environment for the worker processes it starts:
    put them back afterwards, so the user's process (a kernel, the Jupyter server) keeps its
    own thread counts, and so do the libraries and processes it starts later."""
    import dask

    keys = list(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    before = {k: os.environ.get(k) for k in keys}
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
