"""Fixtures for compute-target tests: one workspace, one process pool and one Dask
LocalCluster (2 worker processes on 127.0.0.1) shared by the whole module set."""

from __future__ import annotations

import pytest

import _components as C  # noqa: F401  (registers the user components in this process)
from jupyter_designer.engine import compute


@pytest.fixture(scope="session")
def cws(tmp_path_factory):
    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path_factory.mktemp("compute-ws"))
    ws.register_dataset("numbers", C.frame(300))
    ws.register_compute("procs", "local-processes", {"workers": 2})
    ws.register_compute("cluster", "dask", {"address": "local", "workers": 2})
    ws.register_compute("procs-retry", "local-processes", {"workers": 2, "retries": 1})
    yield ws
    compute.shutdown_all()
    ws.close()


@pytest.fixture(scope="session")
def cluster(cws):
    """The Dask target (its LocalCluster is started once for the session)."""
    target = compute.resolve_target(cws, "cluster")
    target.check()
    return target


@pytest.fixture(scope="session")
def procs(cws):
    target = compute.resolve_target(cws, "procs")
    target.check()
    return target


@pytest.fixture(scope="session")
def cluster_address(cluster):
    """The scheduler address of the session's cluster, as an external cluster would give it."""
    return cluster._cluster.scheduler_address
