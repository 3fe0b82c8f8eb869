"""Pipelines on a process pool and on a Dask cluster give what the kernel gives, with the
data read and written by the workers themselves."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from _helpers import chain_pipeline, run
from jupyter_designer.engine import compute
from jupyter_designer.engine.pipeline import Pipeline

TARGETS = ["procs", "cluster"]


@pytest.fixture(params=TARGETS)
def target(request):
    request.getfixturevalue(request.param)  # start the pool / cluster once
    return request.param


def _outputs(ws, handle, node, port="results_dataset"):
    return handle.runner.workspace.run_output(handle.run_id, node, port)


def test_chain_matches_local(cws, target):
    local = run(cws, chain_pipeline("local"), regenerate=True)
    remote = run(cws, chain_pipeline(target), regenerate=True)
    assert local.status == remote.status == "completed", remote.record().nodes
    for node in ("add", "select", "add2"):
        assert_frame_equal(_outputs(cws, remote, node), _outputs(cws, local, node))
    out = _outputs(cws, remote, "add2")
    assert list(out.columns) == ["x", "s"]
    np.testing.assert_allclose(out["x"], cws.get_dataset("numbers")["x"] + 12.0)


def test_nodes_run_in_workers_and_report_target(cws, target):
    p = Pipeline("where")
    d = p.add_dataset("numbers")
    w = p.add_component("Compute Which Process", compute=target, id="which")
    p.connect(d, "dataset", w, "data")
    h = run(cws, p, regenerate=True)
    assert h.status == "completed"
    out = _outputs(cws, h, "which")
    assert int(out["pid"][0]) != os.getpid()
    assert int(out["rows"][0]) == 300
    node_events = [e for e in h.events if e.node_id == "which"]
    assert [e.kind for e in node_events] == ["node_queued", "node_running", "node_completed"]
    assert {e.target for e in node_events} == {target}
    rec = h.record().nodes["which"]
    assert rec.outputs["results_dataset"].startswith("pq-")  # stored by the worker


def test_worker_logs_and_failures_reach_events(cws, target):
    p = Pipeline("fails")
    d = p.add_dataset("numbers")
    a = p.add_component("Compute Add Column", {"amount": 1.0}, compute=target, id="add")
    p.connect(d, "dataset", a, "data")
    f = p.add_component("Compute Fail", compute=target, id="fail")
    p.connect(a, "results_dataset", f, "data")
    after = p.add_component("Compute Add Column", compute=target, id="after")
    p.connect(f, "results_dataset", after, "data")
    h = run(cws, p, regenerate=True)
    assert h.status == "failed"
    nodes = h.record().nodes
    assert nodes["add"].status == "completed"
    assert "added 1.0 to x" in nodes["add"].log
    assert nodes["fail"].status == "failed"
    assert "column 'x' has a value this component does not accept" in nodes["fail"].error
    assert "about to fail in a worker" in nodes["fail"].log
    assert nodes["after"].status == "skipped"
    failed = [e for e in h.events if e.kind == "node_failed"]
    assert len(failed) == 1 and failed[0].node_id == "fail" and failed[0].target == target
    assert "does not accept" in failed[0].error
    completed = next(e for e in h.events if e.kind == "node_completed" and e.node_id == "add")
    assert "added 1.0 to x" in completed.log


def test_mixed_targets_and_reuse(cws, target):
    """A remote node feeding a local one and the other way round; then everything reused."""
    p = Pipeline("mixed")
    d = p.add_dataset("numbers")
    a = p.add_component("Compute Add Column", {"amount": 3.0}, compute="local", id="a")
    p.connect(d, "dataset", a, "data")
    b = p.add_component("Compute Add Column", {"amount": 4.0}, compute=target, id="b")
    p.connect(a, "results_dataset", b, "data")
    c = p.add_component("Compute Add Column", {"amount": 5.0}, compute="local", id="c")
    p.connect(b, "results_dataset", c, "data")
    h = run(cws, p, regenerate=True)
    assert h.status == "completed", h.record().nodes
    np.testing.assert_allclose(_outputs(cws, h, "c")["x"], cws.get_dataset("numbers")["x"] + 12.0)
    again = run(cws, p)
    assert {n: r.status for n, r in again.record().nodes.items() if n != "numbers_1"} == \
        {"a": "reused", "b": "reused", "c": "reused"}
    p.set_param("c", "amount", 6.0 + TARGETS.index(target))  # not computed by another test
    third = run(cws, p)
    statuses = {n: r.status for n, r in third.record().nodes.items()}
    assert statuses["a"] == statuses["b"] == "reused" and statuses["c"] == "completed"


def test_pipeline_default_compute(cws, target):
    p = chain_pipeline(None)
    p.default_compute = target
    h = run(cws, p, regenerate=True)
    assert h.status == "completed"
    assert {e.target for e in h.events if e.node_id == "add"} == {target}


def test_builtin_components_match_local(cws, target):
    """Clean, normalize, split, train, score, evaluate: same numbers wherever they run."""
    from jupyter_designer.engine.component import REGISTRY

    needed = ["Clean Missing Data", "Normalize Data", "Split Data", "Linear Regression",
              "Train Model", "Score Model", "Evaluate Model"]
    assert all(n in REGISTRY for n in needed), [n for n in needed if n not in REGISTRY]
    rng = np.random.default_rng(1)
    n = 400
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "c": rng.choice(["u", "v", "w"], size=n)})
    df.loc[rng.choice(n, 40, replace=False), "a"] = np.nan
    df["price"] = 3 * df["a"].fillna(0) - 2 * df["b"] + (df["c"] == "u") * 1.5 + rng.normal(0, .1, n)
    cws.register_dataset("priced", df)

    def build(t):
        p = Pipeline("model")
        d = p.add_dataset("priced")
        clean = p.add_component("Clean Missing Data", {"columns_to_be_cleaned": ["a"],
                                                       "cleaning_mode": "Replace with mean"},
                                compute=t, id="clean")
        p.connect(d, "dataset", clean, "dataset")
        norm = p.add_component("Normalize Data", {"columns_to_transform": ["a", "b"]}, compute=t,
                               id="norm")
        p.connect(clean, "cleaned_dataset", norm, "dataset")
        split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7},
                                compute=t, id="split")
        p.connect(norm, "transformed_dataset", split, "dataset")
        lr = p.add_component("Linear Regression", compute=t, id="lr")
        train = p.add_component("Train Model", {"label_column": "price"}, compute=t, id="train")
        p.connect(lr, "untrained_model", train, "untrained_model")
        p.connect(split, "results_dataset1", train, "dataset")
        score = p.add_component("Score Model", compute=t, id="score")
        p.connect(train, "trained_model", score, "trained_model")
        p.connect(split, "results_dataset2", score, "dataset")
        ev = p.add_component("Evaluate Model", compute=t, id="eval")
        p.connect(score, "scored_dataset", ev, "scored_dataset")
        return p

    local = run(cws, build("local"), regenerate=True)
    remote = run(cws, build(target), regenerate=True)
    assert local.status == "completed", local.record().nodes
    assert remote.status == "completed", remote.record().nodes
    assert_frame_equal(_outputs(cws, remote, "score", "scored_dataset"),
                       _outputs(cws, local, "score", "scored_dataset"))
    lm, rm = local.record().metrics, remote.record().metrics
    assert lm and set(lm) == set(rm)
    for k in lm:
        if isinstance(lm[k], float):
            assert rm[k] == pytest.approx(lm[k], rel=1e-12, abs=1e-12), k


def test_select_columns_reads_only_selected_columns(cws, target, monkeypatch):
    """A dataset feeding Select Columns in Dataset is read with only the chosen columns, in
    the kernel and in the workers."""
    from jupyter_designer.engine.compute import DatasetSource, input_ref

    p = Pipeline("projection")
    d = p.add_dataset("numbers")
    s = p.add_component("Select Columns in Dataset", {"select_columns": ["y", "x"]}, compute=target,
                        id="select")
    p.connect(d, "dataset", s, "dataset")
    seen = p.add_component("Compute Columns Seen", compute=target, id="seen")
    p.connect(s, "results_dataset", seen, "data")
    from jupyter_designer.engine.runner import Runner

    plans, _ = Runner(cws).plan(p)
    plan = next(x for x in plans if x.node_id == "select")
    source = DatasetSource(cws, {"name": "numbers"}, lambda: cws.get_dataset("numbers"))
    ref = input_ref(plan, "dataset", source)
    assert ref.artifact and ref.columns == ["y", "x"]
    assert list(ref.load(cws).columns) == ["y", "x"]
    assert not source.loaded
    h = run(cws, p, regenerate=True)
    assert h.status == "completed"
    assert list(_outputs(cws, h, "select").columns) == ["y", "x"]
    assert list(_outputs(cws, h, "seen")["column"]) == ["y", "x"]


def test_unknown_target_fails_before_running(cws):
    before = len(cws.list_runs(limit=10_000))
    with pytest.raises(Exception) as err:
        run(cws, chain_pipeline("nowhere"))
    assert "Unknown compute target 'nowhere'" in str(err.value)
    assert "procs" in str(err.value) and "local" in str(err.value)
    assert len(cws.list_runs(limit=10_000)) == before


def test_builtin_names_resolve_without_registration(cws):
    t = compute.resolve_target(cws, "local-processes")
    assert isinstance(t, compute.ProcessPoolTarget) and t.n_jobs >= 1
    d = compute.resolve_target(cws, "dask-local")
    assert isinstance(d, compute.DaskTarget) and d.is_local_cluster
    names = [x["name"] for x in compute.list_targets(cws)]
    assert names[0] == "local" and {"procs", "cluster", "local-processes", "dask-local"} <= set(names)
