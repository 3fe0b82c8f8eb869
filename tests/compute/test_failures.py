"""A worker dying mid-node fails that node (or retries it) and never hangs the run; an
unreachable scheduler fails the submit before any node runs."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from _helpers import chain_pipeline, run, wait_for_file
from jupyter_designer.engine.compute import ComputeError
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner


def _sleep_pipeline(target, pid_file, seconds=60.0):
    p = Pipeline("sleepy")
    d = p.add_dataset("numbers")
    s = p.add_component("Compute Sleep", {"seconds": seconds, "pid_file": str(pid_file)},
                        compute=target, id="sleep")
    p.connect(d, "dataset", s, "data")
    after = p.add_component("Compute Add Column", compute=target, id="after")
    p.connect(s, "results_dataset", after, "data")
    return p


def _kill_during_node(ws, target, tmp_path):
    pid_file = tmp_path / "pid"
    events = []
    t0 = time.time()
    handle = Runner(ws).submit(_sleep_pipeline(target, pid_file), regenerate=True,
                               background=True, on_event=events.append)
    pid = wait_for_file(pid_file)
    assert pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    record = handle.wait(timeout=60)  # never hangs
    return handle, record, events, time.time() - t0


@pytest.mark.parametrize("target", ["cluster", "procs"])
def test_killed_worker_fails_the_node(cws, target, tmp_path, request):
    request.getfixturevalue(target)
    handle, record, events, elapsed = _kill_during_node(cws, target, tmp_path)
    assert elapsed < 50
    assert record.status == "failed"
    node = record.nodes["sleep"]
    assert node.status == "failed"
    assert "died" in node.error and "Compute Sleep" in node.error
    assert record.nodes["after"].status == "skipped"
    failed = [e for e in events if e.kind == "node_failed"]
    assert [e.node_id for e in failed] == ["sleep"] and failed[0].target == target
    assert events[-1].kind == "run_finished" and events[-1].status == "failed"


def test_killed_dask_worker_is_retried_when_configured(cws, cluster, cluster_address, tmp_path):
    cws.register_compute("cluster-retry", "dask", {"address": cluster_address, "retries": 1})
    handle, record, events, _ = _kill_during_node(cws, "cluster-retry", tmp_path)
    assert record.status == "completed", record.nodes["sleep"].error
    node = record.nodes["sleep"]
    assert "died" in node.log and "Retrying (1 of 1)" in node.log
    out = cws.run_output(handle.run_id, "sleep", "results_dataset")
    assert set(out["attempt"]) == {2}


def test_killed_pool_worker_is_retried_when_configured(cws, tmp_path):
    cws.register_compute("procs-retry", "local-processes", {"workers": 1, "retries": 1})
    handle, record, events, _ = _kill_during_node(cws, "procs-retry", tmp_path)
    assert record.status == "completed", record.nodes["sleep"].error
    assert "Retrying (1 of 1)" in record.nodes["sleep"].log
    # the pool was replaced and still works
    h = run(cws, chain_pipeline("procs-retry", amount=0.25), regenerate=True)
    assert h.status == "completed"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_fails_fast_before_any_node_runs(cws):
    import _components

    address = f"tcp://127.0.0.1:{_free_port()}"
    cws.register_compute("gone", "dask", {"address": address})
    before = len(cws.list_runs(limit=10_000))
    p = Pipeline("far")
    d = p.add_dataset("numbers")
    t = p.add_component("Compute Track", {"tag": "never"}, id="local-first")  # would run locally
    p.connect(d, "dataset", t, "data")
    far = p.add_component("Compute Add Column", compute="gone", id="far")
    p.connect(t, "results_dataset", far, "data")
    t0 = time.time()
    with pytest.raises(ComputeError) as err:
        Runner(cws).submit(p)
    assert time.time() - t0 < 5
    msg = str(err.value)
    assert "'gone'" in msg and address in msg and "cannot reach the Dask scheduler" in msg
    assert len(cws.list_runs(limit=10_000)) == before  # no run was created
    assert "never" not in _components.ALIVE_AT_START  # and no node ran


def test_scheduler_that_does_not_answer_times_out(cws):
    # a non-routable address: the connection attempt hangs until the connect timeout
    cws.register_compute("blackhole", "dask", {"address": "tcp://10.255.255.1:8786",
                                               "connect_timeout": 1})
    t0 = time.time()
    with pytest.raises(ComputeError, match="cannot reach the Dask scheduler"):
        Runner(cws).submit(chain_pipeline("blackhole"))
    assert time.time() - t0 < 5


def test_unreachable_default_compute_fails_too(cws):
    cws.register_compute("gone2", "dask", {"address": f"127.0.0.1:{_free_port()}"})
    p = chain_pipeline(None)
    p.default_compute = "gone2"
    with pytest.raises(ComputeError, match="gone2"):
        Runner(cws).submit(p)


def test_bad_target_configuration(cws):
    from jupyter_designer.engine import compute

    with pytest.raises(ComputeError, match=r"'workers' setting .* integer >= 1. Got 0"):
        compute.make_target({"name": "bad", "kind": "local-processes", "config": {"workers": 0}})
    with pytest.raises(ComputeError, match="unknown setting"):
        compute.make_target({"name": "bad", "kind": "dask", "config": {"adress": "x"}})
    with pytest.raises(ComputeError, match="kind 'gpu'"):
        compute.make_target({"name": "bad", "kind": "gpu", "config": {}})
    cws.register_compute("typo", "local-processes", {"wrkers": 2})
    with pytest.raises(ComputeError, match="'wrkers'"):
        Runner(cws).submit(chain_pipeline("typo"))
