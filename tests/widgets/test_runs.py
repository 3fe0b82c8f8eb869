"""Run history: list, open read-only, clone, compare; a full training pipeline's metrics."""

import time

import pytest

from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner
from jupyter_designer.widgets import Designer

from widget_helpers import PROBE, custom_messages


def two_runs(ws):
    p = Pipeline("history", workspace=ws)
    data = p.add_dataset("probe data")
    probe = p.add_component(PROBE)
    p.connect(data, None, probe, "dataset")
    runner = Runner(ws)
    first = runner.submit(p, experiment="exp-a")
    p.set_param(probe.id, "count", 2)
    second = runner.submit(p, experiment="exp-b")
    return p, probe.id, first.run_id, second.run_id


def wait_finished(d, timeout=60):
    d.wait(timeout)
    deadline = time.time() + 10
    while d.run_state.get("status") == "running" and time.time() < deadline:
        time.sleep(0.05)


def test_runs_panel_lists_filters_and_compares(ws):
    p, nid, r1, r2 = two_runs(ws)
    d = Designer(workspace=ws)
    panel = d.runs_panel
    runs = panel.refresh()
    assert [r.id for r in runs] == [r2, r1]
    rows = panel.list.children
    assert "jd-run" in rows[0]._dom_classes and r2 in rows[0].children[-1].value
    assert "completed" in rows[0].children[-1].value
    panel.filter.value = "exp-a"
    assert [r.id for r in panel.refresh()] == [r1]
    panel.filter.value = ""
    panel.refresh()
    panel.checks[r1].value = panel.checks[r2].value = True
    df = panel.compare()
    assert list(df.columns) == list(ws.compare_runs([r1, r2]).columns)
    assert "Comparing 2 runs" in panel.detail.children[0].value
    panel.checks[r1].value = False
    assert panel.compare() is None


def test_from_run_is_read_only_with_statuses(ws):
    p, nid, r1, r2 = two_runs(ws)
    view = Designer.from_run(r2, ws)
    view.canvas.handle_message({"type": "ready", "view": "v"})
    snap = next(m for m in reversed(custom_messages(view.canvas)) if m["type"] == "snapshot")
    node = next(n for n in snap["nodes"] if n["id"] == nid)
    assert node["status"] in ("completed", "reused")
    # the run colours follow the snapshot on their own too
    assert custom_messages(view.canvas)[-1]["type"] == "status"
    assert custom_messages(view.canvas)[-1]["nodes"][nid]["status"] in ("completed", "reused")
    assert view.readonly and view.canvas.readonly
    assert view.buttons["clone"].layout.display is None
    assert view.pipeline.nodes[nid].params["count"] == 2
    assert "completed" in view.status_text and "1/1 nodes" in view.status_text
    view.canvas.handle_message({"type": "delete", "nodes": [nid], "edges": []})
    assert nid in view.pipeline.nodes
    # outputs of the run are there to look at
    view.canvas.handle_message({"type": "port_click", "node": nid, "port": "results_dataset",
                                "direction": "out"})
    assert "2 rows" in view.outputs.preview.value


def test_clone_turns_a_run_into_an_editable_draft(ws):
    p, nid, r1, r2 = two_runs(ws)
    view = Designer.from_run(r1, ws)
    view.canvas.handle_message({"type": "ready", "view": "v"})
    new = view.clone()
    assert view.pipeline is new and not view.readonly and not view.canvas.readonly
    assert new.name.endswith("(clone)") and view.canvas.statuses == {}
    assert custom_messages(view.canvas)[-1]["type"] == "snapshot"
    view.pipeline.set_param(nid, "count", 4)          # editable now
    assert view.buttons["clone"].layout.display == "none"


def test_open_and_clone_from_the_runs_panel(ws):
    p, nid, r1, r2 = two_runs(ws)
    d = Designer(workspace=ws)
    d.runs_panel.refresh()
    opened = d.runs_panel.open_run(r1)
    assert opened.readonly and opened in d.runs_panel.detail.children
    d.runs_panel.clone_run(r1)
    assert d.pipeline.nodes[nid].params.get("count", 3) == 3 and not d.readonly


def test_finished_run_appears_in_the_history(ws):
    d = Designer(workspace=ws)
    data = d.add_dataset("probe data")
    probe = d.add_component(PROBE)
    d.pipeline.connect(data, None, probe, "dataset")
    d.experiment.value = "from-designer"
    d.submit()
    wait_finished(d)
    runs = d.runs_panel.refresh()
    assert runs[0].experiment == "from-designer" and runs[0].id == d.run_id


@pytest.mark.slow
def test_training_pipeline_metrics_tab(ws):
    from jupyter_designer.engine.component import REGISTRY

    for name in ("Split Data", "Train Model", "Score Model", "Evaluate Model", "Two-Class Logistic Regression"):
        assert name in REGISTRY, f"{name} is missing from the palette"
    d = Designer(workspace=ws)
    d.canvas.handle_message({"type": "ready"})
    p = d.pipeline
    data = p.add_dataset("Breast Cancer Data")
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7})
    learner = p.add_component("Two-Class Logistic Regression")
    train = p.add_component("Train Model", {"label_column": "Class"})
    score = p.add_component("Score Model")
    ev = p.add_component("Evaluate Model")
    p.connect(data, None, split, None)
    p.connect(learner, None, train, "untrained_model")
    p.connect(split, "results_dataset1", train, "dataset")
    p.connect(train, None, score, "trained_model")
    p.connect(split, "results_dataset2", score, "dataset")
    p.connect(score, None, ev, "scored_dataset")
    p.auto_layout()
    assert d.submit() is not None
    wait_finished(d, 120)
    assert d.run_state["status"] == "completed", d.status_text
    assert set(d.canvas.statuses.values()) <= {"completed", "reused"}
    d.canvas.handle_message({"type": "port_click", "node": ev.id, "port": "evaluation_results",
                             "direction": "out"})
    assert d.outputs.selected_index == 2
    metrics = d.outputs.metrics
    assert metrics.sliders and metrics.sliders[0].value == 0.5
    html = " ".join(getattr(w, "value", "") for w in metrics.children)
    assert "AUC" in html
    metrics.sliders[0].value = 0.3


def test_run_list_shows_both_sides_of_a_two_model_evaluation():
    from jupyter_designer.widgets.designer import _metric_summary

    text = _metric_summary({"left: Mean Absolute Error": 1.234, "left: Root Mean Squared Error": 2.0,
                            "right: Mean Absolute Error": 1.5, "right: Root Mean Squared Error": 2.5})
    assert text == ("Mean Absolute Error: left 1.23 / right 1.5, "
                    "Root Mean Squared Error: left 2 / right 2.5")
    assert _metric_summary({"Accuracy": 0.9}) == "Accuracy=0.9"
