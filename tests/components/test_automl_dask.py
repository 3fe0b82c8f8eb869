"""Train AutoML Model on a Dask target: one FLAML search per worker slot, side by side on a
real dask.distributed LocalCluster (2 worker processes of 2 threads on 127.0.0.1)."""

from __future__ import annotations

import pytest

from jupyter_designer.engine import compute
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner
from jupyter_designer.store import Workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    w = Workspace(tmp_path_factory.mktemp("automl-dask") / "ws")
    w.register_compute("cluster", "dask", {"address": "local", "workers": 2,
                                           "threads_per_worker": 2})
    yield w
    compute.shutdown_all()
    w.close()


def test_trials_run_in_parallel_on_the_cluster(ws):
    target = compute.resolve_target(ws, "cluster")
    target.check()
    assert target.n_jobs == 4
    p = Pipeline("automl on dask", workspace=ws)
    data = p.add_dataset("Breast Cancer Data")
    node = p.add_component("Train AutoML Model", {
        "task_type": "Binary classification", "label_column": "Class", "time_budget_seconds": 8,
        "allowed_learners": ["Boosted Decision Tree", "Decision Forest"]},
        compute="cluster", id="automl")
    p.connect(data, "dataset", node, "dataset")
    h = Runner(ws).submit(p, "dask")
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", rec.nodes["automl"].error
    board = ws.run_output(h.run_id, "automl", "leaderboard")
    # two searches (one per learner family), each on a worker thread of its own
    by_worker = {w: g for w, g in board.groupby("Worker")}
    assert len(by_worker) == 2, board[["Learner", "Worker"]]
    for g in by_worker.values():
        assert g["Learner"].nunique() == 1
    # their trials overlap in time: the searches ran side by side (a budget of 8 s leaves room
    # for one search starting a few seconds after the other on a busy machine)
    (a, b) = [list(zip(g["Started (s)"], g["Started (s)"] + g["Duration (s)"]))
              for g in by_worker.values()]
    span_a = (min(s for s, _ in a), max(e for _, e in a))
    span_b = (min(s for s, _ in b), max(e for _, e in b))
    assert span_a[0] < span_b[1] and span_b[0] < span_a[1], (span_a, span_b)
    model = ws.run_output(h.run_id, "automl", "trained_best_model")
    assert model.info["automl"]["searches"] == 2
    assert model.info["automl"]["trials"] == len(board)
