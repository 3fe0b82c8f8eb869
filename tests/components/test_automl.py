"""Train AutoML Model on the samples with a short budget: the leaderboard, the best model
(scores, evaluates, converts to a real-time inference pipeline and deploys: one row scored
through the endpoint over HTTP), "open best model as draft" from the CLI (the draft runs and
reaches the AutoML metric), and the output view's leaderboard chart and button."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.app import automl as app_automl
from jupyter_designer.catalog import load_sample
from jupyter_designer.cli import main
from jupyter_designer.components import automl
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.models import TrainedModel
from jupyter_designer.engine.runner import Runner
from jupyter_designer.store import Workspace

BUDGET = 3  # seconds: a short search still tries every learner family once or more
LEARNERS = set(automl.FAMILIES)


@pytest.fixture(scope="module")
def wpath(tmp_path_factory):
    return tmp_path_factory.mktemp("automl") / "ws"


@pytest.fixture(scope="module")
def ws(wpath):
    w = Workspace(wpath)
    yield w
    w.close()


@pytest.fixture(scope="module")
def sample_run(ws):
    p = load_sample("AutoML", workspace=ws)
    p.set_param("train_automl_model", "time_budget_seconds", BUDGET)
    h = Runner(ws).submit(p, "automl")
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    return h.run_id


def test_sample_is_openable_by_name():
    p = load_sample("automl")
    assert p.name == "AutoML"
    assert p.validate() == []
    node = p.nodes["train_automl_model"]
    assert node.params["label_column"] == "Class"


def test_leaderboard_and_best_model(ws, sample_run):
    board = ws.run_output(sample_run, "train_automl_model", "leaderboard")
    assert list(board.columns) == ["Rank", "Trial", "Learner", "Hyperparameters", "AUC weighted",
                                   "Duration (s)", "Started (s)", "Worker"]
    assert len(board) >= 1
    assert board["Rank"].tolist() == list(range(1, len(board) + 1))
    assert sorted(board["Trial"]) == list(range(1, len(board) + 1))
    assert board["AUC weighted"].dropna().is_monotonic_decreasing
    assert (board["Duration (s)"] > 0).all()
    for h in board["Hyperparameters"]:
        assert isinstance(json.loads(h), dict)
    model = ws.run_output(sample_run, "train_automl_model", "trained_best_model")
    assert isinstance(model, TrainedModel)
    info = model.info["automl"]
    assert info["family"] in LEARNERS
    assert model.learner == info["learner"] in {automl.learner_for(f, "binary") for f in LEARNERS}
    assert info["metric_value"] == pytest.approx(board["AUC weighted"].iloc[0])
    assert board["Learner"].iloc[0].startswith(info["learner"])
    # the best model scored and evaluated on the held-out 30% of the breast-cancer data
    rec = ws.get_run(sample_run)
    assert rec.metrics["AUC"] > 0.95
    assert rec.metrics["AUC weighted"] == pytest.approx(info["metric_value"])


def _cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_leaderboard_and_best_draft_reaches_the_automl_metric(wpath, ws, sample_run, capsys):
    code, out, err = _cli(capsys, "--workspace", str(wpath), "automl", "leaderboard", sample_run)
    assert code == 0, err
    assert "AUC weighted" in out and "Learner" in out
    code, out, err = _cli(capsys, "--workspace", str(wpath), "automl", "best-draft", sample_run,
                          "--json")
    assert code == 0, err
    made = json.loads(out)
    draft = ws.load_draft(made["draft"])
    kinds = {n["component"] for n in draft["nodes"] if n.get("component")}
    assert "train_automl_model" not in kinds and "train_model" in kinds
    learner = next(n for n in draft["nodes"] if n.get("component_name") == made["learner"])
    for k, v in made["parameters"].items():
        assert learner["params"][k] == v
    code, out, err = _cli(capsys, "--workspace", str(wpath), "run", made["draft"], "--json")
    assert code == 0, err + out
    rec = json.loads(out)
    assert rec["status"] == "completed"
    # the same learner and settings on the same rows: the AutoML run's held-out metrics
    automl_metrics = ws.get_run(sample_run).metrics
    assert rec["metrics"]["AUC"] == pytest.approx(automl_metrics["AUC"], abs=1e-9)
    assert rec["metrics"]["Accuracy"] == pytest.approx(automl_metrics["Accuracy"], abs=1e-9)


def test_best_draft_errors_name_the_problem(ws, sample_run, capsys, wpath):
    with pytest.raises(app_automl.AutoMLError, match="not a Train AutoML Model node"):
        app_automl.best_model_info(ws, sample_run, "score_model")
    h = Runner(ws).submit(load_sample("Multiclass classification", workspace=ws), "other")
    code, out, err = _cli(capsys, "--workspace", str(wpath), "automl", "best-draft", h.run_id)
    assert code == 2 and "has no Train AutoML Model node" in err


def test_best_model_deploys_and_scores_one_row_over_http(wpath, ws, sample_run):
    from jupyter_designer import serving
    from jupyter_designer.engine.inference import create_realtime_inference

    inf = create_realtime_inference(ws, sample_run)
    assert inf.validate() == []
    kinds = {n.data.get("type") for n in inf.nodes.values() if n.kind == "dataset"}
    assert "model" in kinds  # the trained best model became an MD- node
    serving.deploy(ws, "automl-best", run_id=sample_run)
    key = serving.endpoint_keys(ws, "automl-best")["primaryKey"]
    row = ws.get_dataset("Breast Cancer Data").drop(columns=["Class"]).iloc[[0]]
    body_row = {c: float(v) for c, v in row.iloc[0].items()}

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
    from live_servers import LiveServer

    server = LiveServer("serve", wpath, wpath.parent)
    try:
        server.wait_ready()
        code, data, _ = server.call("POST", "/designer/endpoints/automl-best/score",
                                    {"Inputs": {"WebServiceInput0": [body_row]},
                                     "GlobalParameters": {}}, key=key)
    finally:
        server.stop()
    assert code == 200, data
    (out,) = data["Results"]["WebServiceOutput0"]
    model = ws.run_output(sample_run, "train_automl_model", "trained_best_model")
    from jupyter_designer.components import ml

    want = ml.score_frame(model, row)
    assert out["Scored Labels"] == want["Scored Labels"].iloc[0]
    assert out["Scored Probabilities"] == pytest.approx(float(want["Scored Probabilities"].iloc[0]),
                                                        rel=1e-4, abs=1e-6)


def test_regression_on_the_automobile_sample(ws):
    p = app_automl.automl_in_place_of(load_sample("Automobile price prediction (basic)", workspace=ws),
                                      "train_model", task="Regression", metric="R2 score",
                                      budget=BUDGET, learners=["Boosted Decision Tree", "Linear model"])
    h = Runner(ws).submit(p, "automl autos")
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    board = ws.run_output(h.run_id, "train_automl_model", "leaderboard")
    assert "R2 score" in board.columns
    assert set(board["Learner"]) <= {"Boosted Decision Tree Regression", "Linear Regression"}
    assert board["R2 score"].iloc[0] == board["R2 score"].max()
    assert rec.metrics["Coefficient of Determination"] > 0.6


def _run(params, df):
    spec = REGISTRY.get("Train AutoML Model")
    return spec.run(RunContext(spec, seed=0), {"dataset": df}, spec.resolve_params(params))


def test_bad_input_gets_a_clear_error():
    df = pd.DataFrame({"x": np.arange(40.0), "y": ["a", "b", "c", "d"] * 10})
    with pytest.raises(ComponentError, match="Binary classification, but the label column 'y' has 4 classes"):
        _run({"task_type": "Binary classification", "label_column": "y", "time_budget_seconds": 1}, df)
    with pytest.raises(ComponentError, match="is not numeric"):
        _run({"task_type": "Regression", "label_column": "y", "time_budget_seconds": 1}, df)
    with pytest.raises(ComponentError, match="fewer than the 20 cross-validation folds"):
        _run({"task_type": "Multiclass classification", "label_column": "y",
              "number_of_cross_validation_folds": 20, "time_budget_seconds": 1}, df)
    from jupyter_designer.engine.errors import ParameterError

    with pytest.raises(ParameterError, match="Allowed learners"):
        _run({"task_type": "Regression", "label_column": "x", "allowed_learners": ["SVM"]}, df)


def test_custom_metrics_and_holdout():
    """A metric FLAML has no name for (the reference's Norm macro recall) on a holdout."""
    from sklearn.datasets import load_iris

    raw = load_iris(as_frame=True)
    df = raw.data.assign(species=raw.target.map(dict(enumerate(raw.target_names))))
    out = _run({"task_type": "Multiclass classification", "label_column": "species",
                "primary_metric_for_classification": "Norm macro recall",
                "validation_type": "Train-validation split", "allowed_learners": ["Linear model"],
                "time_budget_seconds": 10, "maximum_trials": 3}, df)
    board = out["leaderboard"]
    assert len(board) == 3 and "Norm macro recall" in board.columns
    assert 0.5 < board["Norm macro recall"].iloc[0] <= 1.0
    assert out["trained_best_model"].learner == "Multiclass Logistic Regression"


def test_output_view_charts_the_leaderboard_and_opens_the_best_draft(ws, sample_run):
    from jupyter_designer.widgets.outputs import OutputViews

    views = OutputViews()
    views.automl.workspace_of = lambda: ws
    board = ws.run_output(sample_run, "train_automl_model", "leaderboard")
    assert views.show_output(board, "AutoML \u203a Leaderboard",
                             source=(sample_run, "train_automl_model")) == "Preview"
    chart = views.automl.chart.value
    assert chart.startswith("<svg") and chart.count('class="jd-trial"') == len(board)
    assert "AUC weighted by trial" in chart and "jd-best-so-far" in chart
    for learner in set(board["Learner"]):
        assert f">{learner}</text>" in chart  # the legend names every learner tried
    assert not views.automl.button.disabled
    views.automl.button.click()
    made = views.automl.last_draft
    assert made and made["draft"] in views.automl.message.value
    assert ws.load_draft(made["draft"])["name"] == made["draft"]
    # any other table: no chart, no button
    views.show_output(pd.DataFrame({"a": [1]}), "other")
    assert views.automl.children == ()
    assert re.search(r"1 rows? \u00d7 1 column", views.preview.value)
