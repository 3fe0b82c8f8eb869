"""MLflow tracking against a real MLflow tracking server started on loopback: designer runs
logged with their parameters, metrics, per-node durations and pipeline file, under the MLflow
experiment named as the designer's; registered models pushed to the MLflow model registry."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from jupyter_designer import app
from jupyter_designer.catalog import load_sample
from jupyter_designer.cli import main as cli_main
from jupyter_designer.store import Workspace
from jupyter_designer.tracking import mlflow_tracking as mt

mlflow = pytest.importorskip("mlflow")  # the test extras install it: this never skips in CI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``mlflow server`` on 127.0.0.1 with a SQLite backend and a local artifact root."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    cli = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or shutil.which("mlflow")
    log_path = root / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [cli, "server", "--host", "127.0.0.1", "--port", str(port),
             "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
             "--default-artifact-root", str(root / "artifacts"), "--workers", "1"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    uri = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 240
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(uri + "/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > end:
                    raise RuntimeError(f"mlflow server did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield uri
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait(5)


@pytest.fixture
def ws(tmp_path):
    return Workspace(tmp_path / "ws")


def _client(uri):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _logged(uri, experiment, run_id):
    client = _client(uri)
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None, f"no MLflow experiment {experiment!r}"
    found = client.search_runs([exp.experiment_id], f"tags.`designer.run_id` = '{run_id}'")
    assert len(found) == 1, found
    return client, found[0]


def test_a_run_is_logged_with_params_metrics_durations_and_pipeline_file(server, ws, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server)
    h = app.submit_run(ws, load_sample("multiclass_classification", workspace=ws),
                       experiment="iris tracking")
    assert h.status == "completed", h.error
    rec = ws.get_run(h.run_id)
    assert rec.lineage["mlflow"]["tracking_uri"] == server, rec.lineage
    client, run = _logged(server, "iris tracking", h.run_id)
    assert run.info.run_id == rec.lineage["mlflow"]["run_id"]
    assert run.info.status == "FINISHED"
    # parameters: every component's, as "<node title>.<parameter>"
    params = run.data.params
    train = next(n for n in rec.snapshot["nodes"] if n.get("component") == "train_model")
    assert params[f"{rec.nodes[train['id']].title}.label_column"] == train["params"]["label_column"]
    split = next(n for n in rec.snapshot["nodes"] if n.get("component") == "split_data")
    assert float(params[f"{rec.nodes[split['id']].title}.fraction_of_rows_in_the_first_output_dataset"]) == \
        float(split["params"]["fraction_of_rows_in_the_first_output_dataset"])
    # metrics: the run's (Evaluate Model's), the run's duration and each node's
    metrics = run.data.metrics
    for k in ("Overall accuracy", "Micro-averaged precision"):
        assert k in rec.metrics and metrics[k] == pytest.approx(rec.metrics[k]), k
    assert metrics["duration"] == pytest.approx(rec.duration)
    for nid, node in rec.nodes.items():
        if node.duration is not None:
            assert metrics[f"duration.{node.title}"] == pytest.approx(node.duration), node.title
    # the pipeline file, and the evaluation's results
    arts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert "pipeline.json" in arts and "evaluation" in arts
    local = Path(client.download_artifacts(run.info.run_id, "pipeline.json", str(ws.path)))
    assert json.loads(local.read_text()) == json.loads(json.dumps(rec.snapshot, default=str))
    evaluation = {Path(a.path).name for a in client.list_artifacts(run.info.run_id, "evaluation")}
    assert any(n.endswith(".json") for n in evaluation), evaluation


def test_unreachable_server_is_a_warning_in_the_run_log_not_a_failure(ws, monkeypatch):
    port = _free_port()  # nothing listens there
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    h = app.submit_run(ws, load_sample("multiclass_classification", workspace=ws),
                       experiment="offline")
    assert h.status == "completed", h.error
    rec = ws.get_run(h.run_id)
    warning = rec.lineage["mlflow"]["warning"]
    assert f"127.0.0.1:{port}" in warning and "cannot be reached" in warning
    assert any("WARNING: MLflow tracking" in n.log for n in rec.nodes.values())


def test_workspace_setting_turns_tracking_on_and_off(server, ws, monkeypatch, capsys):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert mt.tracking_uri(ws) is None
    assert cli_main(["--workspace", str(ws.path), "mlflow", "tracking", "--uri", server]) == 0
    assert server in capsys.readouterr().out
    assert mt.tracking_uri(ws) == server
    p = load_sample("multiclass_classification", workspace=ws)
    h = app.submit_run(ws, p, experiment="from the setting")
    _logged(server, "from the setting", h.run_id)
    assert cli_main(["--workspace", str(ws.path), "mlflow", "tracking", "--off"]) == 0
    h2 = app.submit_run(ws, p, experiment="from the setting")
    assert "mlflow" not in ws.get_run(h2.run_id).lineage
    # a run logged afterwards, by hand
    assert cli_main(["--workspace", str(ws.path), "mlflow", "log-run", h2.run_id,
                     "--tracking-uri", server]) == 0
    _logged(server, "from the setting", h2.run_id)
    with pytest.raises(mt.TrackingError, match="no scheme"):
        mt.set_tracking_uri(ws, "127.0.0.1:5000")


def test_registered_model_pushed_to_the_registry_loads_and_predicts_the_same(server, ws,
                                                                              monkeypatch, capsys):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    h = app.submit_run(ws, load_sample("binary_classification_feature_selection", workspace=ws),
                       experiment="cancer")
    assert h.status == "completed", h.error
    ws.register_output_as_model(h.run_id, "train_model", "trained_model", "cancer-model")
    assert cli_main(["--workspace", str(ws.path), "mlflow", "push-model", "cancer-model",
                     "--tracking-uri", server]) == 0
    assert "models:/cancer-model/1" in capsys.readouterr().out
    mlflow.set_tracking_uri(server)
    try:
        loaded = mlflow.pyfunc.load_model("models:/cancer-model/1")
    finally:
        mlflow.set_tracking_uri(None)
    # the rows Score Model scored in the run, and its scores
    scored = h.output("Score Model")
    model = ws.get_model("cancer-model")
    rows = scored[[str(c) for c in model.feature_columns]].head(20)
    got = loaded.predict(rows)
    want = scored.head(20)
    assert list(got["Scored Labels"]) == list(want["Scored Labels"])
    np.testing.assert_allclose(got["Scored Probabilities"], want["Scored Probabilities"], rtol=1e-9)
    # a second push is version 2
    info = mt.push_model(ws, "cancer-model", uri=server)
    assert info["version"] == 2


def test_clear_errors(ws, monkeypatch, capsys):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    # no tracking server set
    assert cli_main(["--workspace", str(ws.path), "mlflow", "push-model", "m"]) == 2
    assert "No MLflow tracking server is set" in capsys.readouterr().err
    # an unreachable server
    port = _free_port()
    with pytest.raises(mt.TrackingError, match="cannot be reached"):
        mt.push_model(ws, "m", uri=f"http://127.0.0.1:{port}")
    # MLflow missing: the install command is named
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(mt.TrackingError, match=r"pip install \"jupyter-designer\[mlflow\]\""):
        mt.push_model(ws, "m", uri="http://127.0.0.1:1")
