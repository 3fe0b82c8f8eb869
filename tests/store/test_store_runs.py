"""Runs and experiments: records, node states, listing, comparing, cloning, outputs."""

import json
import os
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from jupyter_designer.engine.errors import DatasetError, NotFoundError
from jupyter_designer.engine.models import TrainedModel
from jupyter_designer.engine.params import PIPELINE_PARAMETER
from jupyter_designer.store import ExperimentInfo, NodeRecord, RunRecord, WorkspaceError


def snapshot(fraction=0.7, bound=False, seed=1):
    return {
        "schema_version": 1, "name": "price", "parameters": [{"name": "frac", "type": "float",
                                                              "default": 0.5}],
        "nodes": [
            {"id": "data", "kind": "dataset", "data": {"name": "Automobile price data (Raw)",
                                                        "type": "dataset"}, "params": {}},
            {"id": "split", "kind": "component", "component": "split_data",
             "component_name": "Split Data",
             "params": {"fraction": {PIPELINE_PARAMETER: "frac"} if bound else fraction,
                        "seed": seed, "columns": ["a", "b"]}},
            {"id": "train", "kind": "component", "component": "train_model",
             "component_name": "Train Model", "params": {"label": "price"}},
            {"id": "eval1", "kind": "component", "component_name": "Evaluate Model", "params": {}},
            {"id": "eval2", "kind": "component", "component_name": "Evaluate Model", "params": {}},
        ],
        "edges": [],
    }


def new_run(ws, experiment="exp", pipeline="price", **kw):
    return ws.create_run(experiment=experiment, pipeline_name=pipeline,
                         snapshot=kw.pop("snapshot", snapshot()), parameters=kw.pop("parameters", {}),
                         compute="local", pid=kw.pop("pid", os.getpid()))


def test_create_update_and_get(ws):
    before = time.time()
    rid = new_run(ws, parameters={"frac": np.float64(0.25)})
    run = ws.get_run(rid)
    assert isinstance(run, RunRecord)
    assert (run.id, run.experiment, run.pipeline_name, run.status, run.compute) == \
        (rid, "exp", "price", "running", "local")
    assert before <= run.created <= time.time() and run.finished is None and run.duration is None
    assert run.parameters == {"frac": 0.25} and run.snapshot == snapshot()
    assert run.pid == os.getpid() and run.nodes == {} and run.metrics == {} and not run.done

    ws.update_run(rid, metrics={"rows": 10})
    ws.update_run(rid, metrics={"cols": 3})
    ws.update_run(rid, status="completed")
    run = ws.get_run(rid)
    assert run.status == "completed" and run.done and run.finished >= run.created
    assert run.duration == pytest.approx(run.finished - run.created)
    assert run.metrics == {"rows": 10, "cols": 3}
    ws.update_run(rid, status="failed", error="boom", finished=run.created + 5)
    run = ws.get_run(rid)
    assert (run.status, run.error, run.duration) == ("failed", "boom", pytest.approx(5))
    json.dumps(run.as_dict())


def test_run_ids_sort_by_creation(ws):
    ids = [new_run(ws) for _ in range(20)]
    assert ids == sorted(ids) and len(set(ids)) == 20
    assert [r.id for r in ws.list_runs()] == ids[::-1]


def test_set_node_merges_fields(ws):
    rid = new_run(ws)
    ws.set_node(rid, "split", status="not_started", title="Split Data")
    ws.set_node(rid, "train", status="queued", title="Train Model")
    ws.set_node(rid, "split", status="running", started=100.0)
    ws.set_node(rid, "split", status="completed", finished=102.5, cache_key="k1",
                outputs={"results_dataset1": "pq-" + "1" * 32}, log=["line 1", "line 2"],
                metrics={"rows": 7})
    ws.set_node(rid, "split", status="completed", metrics={"cols": 2})
    ws.append_log(rid, "split", "\nline 3")
    run = ws.get_run(rid)
    assert list(run.nodes) == ["split", "train"]
    split = run.nodes["split"]
    assert isinstance(split, NodeRecord)
    assert (split.status, split.title, split.started, split.finished, split.cache_key) == \
        ("completed", "Split Data", 100.0, 102.5, "k1")
    assert split.duration == pytest.approx(2.5)
    assert split.outputs == {"results_dataset1": "pq-" + "1" * 32}
    assert split.log == "line 1\nline 2\nline 3"
    assert split.metrics == {"rows": 7, "cols": 2}
    assert run.nodes["train"].status == "queued" and run.nodes["train"].duration is None
    ws.set_node(rid, "train", status="failed", error="label column missing", duration=0.5)
    assert ws.get_run(rid).nodes["train"].error == "label column missing"


def test_node_metrics_merge_into_the_run(ws):
    rid = new_run(ws)
    ws.set_node(rid, "train", status="completed", title="Train Model", metrics={"Training rows": 50})
    ws.set_node(rid, "eval1", status="completed", title="Evaluate Model", metrics={"RMSE": 1.5, "MAE": 1.0})
    ws.set_node(rid, "eval2", status="completed", title="Evaluate Model", metrics={"RMSE": 2.5})
    ws.update_run(rid, metrics={"Total seconds": 3})
    assert ws.get_run(rid).metrics == {
        "Training rows": 50, "Evaluate Model [eval1]: RMSE": 1.5, "MAE": 1.0,
        "Evaluate Model [eval2]: RMSE": 2.5, "Total seconds": 3}


def test_bad_values(ws):
    rid = new_run(ws)
    with pytest.raises(WorkspaceError, match="run status must be one of running, completed"):
        ws.update_run(rid, status="done")
    with pytest.raises(WorkspaceError, match="node status must be one of not_started"):
        ws.set_node(rid, "n", status="ok")
    with pytest.raises(NotFoundError, match="no run 'nope'"):
        ws.update_run("nope", status="completed")
    with pytest.raises(NotFoundError):
        ws.set_node("nope", "n", status="queued")
    with pytest.raises(NotFoundError):
        ws.append_log(rid, "never-set", "x")
    with pytest.raises(WorkspaceError, match="snapshot must be a pipeline document"):
        ws.create_run(experiment="e", pipeline_name="p", snapshot=[], parameters={}, compute="local")
    with pytest.raises(WorkspaceError, match="must be JSON data"):
        ws.create_run(experiment="e", pipeline_name="p", snapshot={"x": object()}, parameters={},
                      compute="local")
    with pytest.raises(WorkspaceError, match="experiment name"):
        ws.create_run(experiment="", pipeline_name="p", snapshot={}, parameters={}, compute="local")
    with pytest.raises(WorkspaceError):
        ws.list_runs(status="finished")
    assert [r.id for r in ws.list_runs()] == [rid]


def test_list_runs_and_experiments(ws):
    a1 = new_run(ws, "A", "p1")
    b1 = new_run(ws, "B", "p2")
    a2 = new_run(ws, "A", "p2")
    ws.update_run(a1, status="completed")
    ws.update_run(b1, status="failed")
    ws.set_node(a2, "n", status="running")
    assert [r.id for r in ws.list_runs()] == [a2, b1, a1]
    assert [r.id for r in ws.list_runs(experiment="A")] == [a2, a1]
    assert [r.id for r in ws.list_runs(status="completed")] == [a1]
    assert [r.id for r in ws.list_runs(status=["completed", "failed"])] == [b1, a1]
    assert [r.id for r in ws.list_runs(pipeline="p2")] == [a2, b1]
    assert [r.id for r in ws.list_runs(experiment="A", pipeline="p2", status="running")] == [a2]
    assert [r.id for r in ws.list_runs(limit=1)] == [a2]
    assert ws.list_runs()[0].nodes["n"].status == "running"
    exps = ws.list_experiments()
    assert all(isinstance(e, ExperimentInfo) for e in exps)
    assert [(e.name, e.runs, e.last_run) for e in exps] == [("A", 2, a2), ("B", 1, b1)]
    assert exps[0].statuses == {"completed": 1, "running": 1}


def test_run_outputs_and_registering_them(ws):
    rid = new_run(ws)
    df = pd.DataFrame({"x": np.arange(5.0), "y": np.arange(5.0) * 2})
    model = TrainedModel(LinearRegression().fit(df[["x"]], df["y"]), "regression", ["x"], "y")
    ids = ws.put_outputs("key-split", {"results_dataset1": df})
    mids = ws.put_outputs("key-train", {"trained_model": model})
    ws.set_node(rid, "split", status="completed", title="Split Data", outputs=ids)
    ws.set_node(rid, "train", status="completed", title="Train Model", outputs=mids)
    ws.set_node(rid, "eval1", status="skipped", title="Evaluate Model")
    pd.testing.assert_frame_equal(ws.run_output(rid, "split", "results_dataset1"), df)
    assert ws.run_output(rid, "split", "Results_Dataset1").shape == (5, 2)
    with pytest.raises(NotFoundError, match="has no output 'nope'. Its outputs are: 'results_dataset1'"):
        ws.run_output(rid, "split", "nope")
    with pytest.raises(NotFoundError, match="has no node 'ghost'"):
        ws.run_output(rid, "ghost", "x")
    with pytest.raises(NotFoundError, match="has no stored outputs"):
        ws.run_output(rid, "eval1", "x")

    info = ws.register_output_as_dataset(rid, "split", "results_dataset1", "Split rows")
    assert info.version == 1 and info.rows == 5 and "Split Data" in info.description
    pd.testing.assert_frame_equal(ws.get_dataset("split rows"), df)
    with pytest.raises(DatasetError, match="not a table"):
        ws.register_output_as_dataset(rid, "train", "trained_model", "nope")

    m = ws.register_output_as_model(rid, "train", "trained_model", "Price model")
    assert (m.name, m.version, m.type, m.task, m.source_run, m.source_node) == \
        ("Price model", 1, "TrainedModel", "regression", rid, "train")
    assert m.artifact_id == mids["trained_model"]  # shared, not copied
    back = ws.get_model("price model")
    np.testing.assert_allclose(back.estimator.predict(df[["x"]]), df["y"])


def test_clone_and_delete(ws):
    rid = new_run(ws)
    ws.set_node(rid, "split", status="completed")
    doc = ws.clone_run(rid)
    assert doc == snapshot()
    doc["nodes"].clear()
    assert ws.clone_run(rid) == snapshot()
    ws.delete_run(rid)
    with pytest.raises(NotFoundError):
        ws.get_run(rid)
    assert ws._db.query("SELECT * FROM nodes") == []
    with pytest.raises(NotFoundError):
        ws.delete_run(rid)


def test_compare_runs(ws):
    r1 = new_run(ws, snapshot=snapshot(0.7), parameters={"frac": 0.5})
    r2 = new_run(ws, snapshot=snapshot(0.8, seed=1), parameters={"frac": 0.5})
    r3 = new_run(ws, snapshot=snapshot(bound=True), parameters={"frac": 0.6})
    for rid, rmse in ((r1, 1.0), (r2, 0.8), (r3, np.float64(0.9))):
        ws.set_node(rid, "train", status="completed", title="Train Model", metrics={"rows": 10})
        ws.set_node(rid, "eval1", status="completed", title="Evaluate Model",
                    metrics={"RMSE": rmse, "Confusion": [[1, 2], [3, 4]]})
    table = ws.compare_runs([r1, r2, r3])
    assert list(table.columns) == [r1, r2, r3]
    assert table.index.names == ["kind", "name"]
    assert table.loc[("parameter", "Split Data: fraction")].tolist() == [0.7, 0.8, 0.6]
    assert table.loc[("parameter", "Pipeline parameter: frac")].tolist() == [0.5, 0.5, 0.6]
    assert table.loc[("parameter", "Split Data: columns")].tolist() == ['["a", "b"]'] * 3
    assert table.loc[("metric", "RMSE")].tolist() == [1.0, 0.8, 0.9]
    assert ("metric", "Confusion") not in table.index  # not a scalar
    kinds = table.index.get_level_values("kind").tolist()
    assert kinds == sorted(kinds, key=lambda k: k != "parameter")  # parameters first
    diff = ws.compare_runs([r1, r2, r3], differences_only=True)
    assert ("parameter", "Split Data: seed") not in diff.index
    assert ("metric", "rows") not in diff.index
    assert ("metric", "RMSE") in diff.index and ("parameter", "Split Data: fraction") in diff.index
    with pytest.raises(NotFoundError):
        ws.compare_runs([r1, "missing"])
    assert ws.compare_runs([]).empty


def test_interrupted_runs_are_marked_on_open(tmp_path):
    from jupyter_designer.store import Workspace

    with Workspace(tmp_path / "w") as ws:
        alive = new_run(ws)
        dead = new_run(ws, pid=2 ** 22 + 12345)
        reused = new_run(ws)
        ws._db.execute("UPDATE runs SET pid_start = 'not-the-same' WHERE id = ?", (reused,))
        for rid in (alive, dead, reused):
            ws.set_node(rid, "split", status="completed")
            ws.set_node(rid, "train", status="running")
            ws.set_node(rid, "eval1", status="queued")
            ws.set_node(rid, "eval2", status="not_started")
    with Workspace(tmp_path / "w") as ws:
        assert ws.get_run(alive).status == "running"
        for rid in (dead, reused):
            run = ws.get_run(rid)
            assert run.status == "interrupted" and "interrupted" in run.error and run.finished
            assert {k: n.status for k, n in run.nodes.items()} == {
                "split": "completed", "train": "interrupted", "eval1": "interrupted",
                "eval2": "not_started"}
        assert ws.mark_interrupted_runs() == []
