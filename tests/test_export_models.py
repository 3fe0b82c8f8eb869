"""Model export: a training run to a scikit-learn Pipeline (skops), an ONNX file and an MLflow
model directory, each predicting what the run's deployed real-time endpoint answers."""

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
import pandas as pd
import pytest

from jupyter_designer import app
from jupyter_designer.catalog import load_sample
from jupyter_designer.cli import main as cli_main
from jupyter_designer.export import ExportError, FORMATS
from jupyter_designer.export import models as em
from jupyter_designer.serving import RealtimeEndpoints
from jupyter_designer.store import Workspace

SAMPLES = {
    "autos": "automobile_price_basic",                          # regression, Clean Missing Data
    "cancer": "binary_classification_feature_selection",        # binary, LightGBM, feature selection
    "iris": "multiclass_classification",                        # multiclass decision forest
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A workspace with one completed run per sample and its deployed endpoint."""
    ws = Workspace(tmp_path_factory.mktemp("export-ws"))
    runs = {}
    for key, sample in SAMPLES.items():
        h = app.submit_run(ws, load_sample(sample, workspace=ws), experiment=f"export {key}")
        assert h.status == "completed", h.error
        app.deploy(ws, f"ep-{key}", run_id=h.run_id)
        runs[key] = h.run_id
    return ws, runs


_COMPILED: dict = {}


def endpoint_answer(ws, key, rows: pd.DataFrame) -> pd.DataFrame:
    """What the deployed endpoint answers for ``rows`` (its compiled pipeline, fast path on)."""
    if (ws.path, key) not in _COMPILED:
        _COMPILED[(ws.path, key)] = RealtimeEndpoints(ws).compile(f"ep-{key}")
    compiled = _COMPILED[(ws.path, key)]
    name = next(iter(compiled.input_nodes))
    return compiled.score_frames({name: rows})[next(iter(compiled.output_nodes))]


def request_rows(ws, run_id, n=12) -> pd.DataFrame:
    """Rows of the training data as a request sends them: the label left out, some missing
    values where the data has them."""
    ex = em.ExportedModel(ws, run_id)
    spec = ex.compiled.specs[ex.input_name]
    df = ex.compiled.samples[ex.input_name]
    return df[[c.name for c in spec.request_columns]].head(n).reset_index(drop=True)


def test_formats_are_in_the_export_table():
    assert {"skops", "onnx", "mlflow", "python"} <= set(FORMATS)
    assert FORMATS["skops"].suffix == ".skops" and FORMATS["onnx"].suffix == ".onnx"


@pytest.mark.parametrize("key", list(SAMPLES))
def test_skops_file_is_one_sklearn_pipeline_predicting_as_the_endpoint(trained, tmp_path, key):
    import skops.io as sio
    from sklearn.pipeline import Pipeline

    ws, runs = trained
    res = app_export(ws, runs[key], "skops", tmp_path / "model.skops")
    path = Path(res["path"])
    untrusted = sio.get_untrusted_types(file=str(path))
    assert all(t.split(".")[0] in em.TRUSTED_PREFIXES for t in untrusted), untrusted
    pipe = sio.load(str(path), trusted=untrusted)
    assert isinstance(pipe, Pipeline)
    rows = request_rows(ws, runs[key])
    want = endpoint_answer(ws, key, rows)
    got = pipe.predict(rows)
    if key == "autos":
        assert rows.isna().any().any()  # missing values: Clean Missing Data does its part
        np.testing.assert_allclose(got.astype(float), want["Scored Labels"].astype(float),
                                   rtol=1e-9)
    else:
        assert list(got) == list(want["Scored Labels"])
        proba = pipe.predict_proba(rows)
        if key == "cancer":
            np.testing.assert_allclose(proba[:, 1], want["Scored Probabilities"], rtol=1e-6)
        else:
            cols = [c for c in want.columns if c.startswith("Scored Probabilities")]
            np.testing.assert_allclose(proba, want[cols].to_numpy(dtype=float), rtol=1e-6)
    # the endpoint's whole answer, column for column
    out = pipe.transform(rows)
    for col in want.columns:
        assert col in out.columns, col
    # a wrong request is refused as the endpoint refuses it
    with pytest.raises(Exception, match="has no column"):
        pipe.predict(rows.drop(columns=[rows.columns[0]]))


def app_export(ws, run_id, fmt, output):
    from jupyter_designer.app.export import export

    return export(ws, run_id, format=fmt, output=output).as_dict()


@pytest.mark.parametrize("key", list(SAMPLES))
def test_onnx_file_gives_the_endpoint_predictions_in_onnxruntime(trained, tmp_path, key):
    import onnx
    import onnxruntime as ort

    ws, runs = trained
    path = tmp_path / "model.onnx"
    info = em.export_model(ws, runs[key], "onnx", path)
    m = onnx.load(str(path))
    meta = {p.key: p.value for p in m.metadata_props}
    assert json.loads(meta["designer_features"]) == info["features"]
    assert [i.name for i in m.graph.input] == info["features"]   # named as the columns
    rows = request_rows(ws, runs[key])
    want = endpoint_answer(ws, key, rows)
    # the steps before the model (listed in the metadata) as the skops pipeline runs them
    pipe = em.ExportedModel(ws, runs[key]).sklearn_pipeline()
    features = pipe[:-1].transform(rows)
    if key == "autos":
        before = json.loads(meta["designer_steps_before_model"])
        assert any("Clean Missing Data" in step for step in before), before
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    res = sess.run(None, em.onnx_feed(path, features))
    if key == "autos":
        np.testing.assert_allclose(res[0].ravel(), want["Scored Labels"].astype(float), rtol=1e-6)
    else:
        classes = json.loads(meta["designer_classes"])
        labels = [classes[i] if isinstance(i, (int, np.integer)) and i < len(classes) and
                  not isinstance(classes[0], (int, float)) else i for i in res[0].ravel()]
        assert [str(x) for x in labels] == [str(x) for x in want["Scored Labels"]]
        proba = np.asarray(res[1], dtype=float)
        if key == "cancer":
            np.testing.assert_allclose(proba[:, 1], want["Scored Probabilities"], atol=1e-6)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url, proc, log_path, timeout=180):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{Path(log_path).read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{Path(log_path).read_text()[-3000:]}")


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


def mlflow_cli() -> str:
    return shutil.which("mlflow", path=str(Path(sys.executable).parent)) or shutil.which("mlflow")


@pytest.mark.slow
def test_mlflow_models_serve_answers_as_the_endpoint(trained, tmp_path):
    """The exported MLflow model, served by `mlflow models serve` on loopback, answers the
    endpoint's predictions for the same rows (regression with missing values; a binary
    classifier loaded by MLflow in this process)."""
    import mlflow.pyfunc

    ws, runs = trained
    out = tmp_path / "mlflow-cancer"
    em.export_model(ws, runs["cancer"], "mlflow", out)
    rows = request_rows(ws, runs["cancer"], n=8)
    want = endpoint_answer(ws, "cancer", rows)
    answer = mlflow.pyfunc.load_model(str(out)).predict(rows)
    assert list(answer.columns) == list(want.columns)
    assert list(answer["Scored Labels"]) == list(want["Scored Labels"])
    np.testing.assert_allclose(answer["Scored Probabilities"], want["Scored Probabilities"],
                               rtol=1e-6)
    for key in ("autos",):
        out = tmp_path / f"mlflow-{key}"
        # through the command line, as a user exports it
        assert cli_main(["--workspace", str(ws.path), "export", runs[key], "--format", "mlflow",
                         "--output", str(out)]) == 0
        mlmodel = (out / "MLmodel").read_text()
        assert "python_function" in mlmodel and "signature" in mlmodel
        assert (out / "input_example.json").exists()
        rows = request_rows(ws, runs[key], n=8)
        want = endpoint_answer(ws, key, rows)
        port = _free_port()
        log_path = tmp_path / f"serve-{key}.log"
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                [mlflow_cli(), "models", "serve", "-m", str(out), "-h", "127.0.0.1", "-p",
                 str(port), "--env-manager", "local", "--workers", "1"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            _wait_http(f"http://127.0.0.1:{port}/ping", proc, log_path)
            body = json.dumps({"dataframe_split": json.loads(rows.to_json(orient="split",
                                                                          index=False))})
            req = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body.encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=60) as r:
                answer = pd.DataFrame(json.loads(r.read())["predictions"])
        finally:
            _stop(proc)
        assert list(answer.columns) == list(want.columns)
        np.testing.assert_allclose(answer["Scored Labels"].astype(float),
                                   want["Scored Labels"].astype(float), rtol=1e-9)


def test_cli_writes_skops_and_onnx(trained, tmp_path, capsys):
    ws, runs = trained
    for fmt in ("skops", "onnx"):
        out = tmp_path / f"m.{fmt}"
        assert cli_main(["--workspace", str(ws.path), "export", runs["iris"], "--format", fmt,
                         "--output", str(out)]) == 0
        assert out.stat().st_size > 0
    pipe = em.load_skops(tmp_path / "m.skops")
    rows = request_rows(ws, runs["iris"], n=5)
    assert list(pipe.predict(rows)) == list(endpoint_answer(ws, "iris", rows)["Scored Labels"])


def test_clear_errors(trained, tmp_path, capsys, monkeypatch):
    ws, runs = trained
    # a run that trained no model
    from jupyter_designer.engine.pipeline import Pipeline

    p = Pipeline("just data", workspace=ws)
    select = p.add_component("Select Columns in Dataset", {"select_columns": ["sepal-length"]})
    p.connect(p.add_dataset("Iris Data"), None, select, None)
    h = app.submit_run(ws, p, experiment="no model")
    assert h.status == "completed", h.error
    with pytest.raises(ExportError, match=f"Run {h.run_id} cannot be exported as a model"):
        em.export_model(ws, h.run_id, "skops", tmp_path / "x.skops")
    assert not (tmp_path / "x.skops").exists()
    # the CLI says it in one line and exits 2
    assert cli_main(["--workspace", str(ws.path), "export", h.run_id, "--format", "onnx",
                     "--output", str(tmp_path / "x.onnx")]) == 2
    assert "cannot be exported as a model" in capsys.readouterr().err
    # an unknown run or pipeline
    with pytest.raises(Exception, match="no-such-run"):
        em.export_model(ws, "no-such-run", "skops", tmp_path / "y.skops")
    # an unknown format
    with pytest.raises(ExportError, match="skops, onnx, mlflow"):
        em.export_model(ws, runs["iris"], "pmml", tmp_path / "y.pmml")
    # an MLflow directory that exists already
    (tmp_path / "taken").mkdir()
    with pytest.raises(ExportError, match="already exists"):
        em.export_model(ws, runs["iris"], "mlflow", tmp_path / "taken")
    # no MLflow installed: the install command is named
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ExportError, match=r"pip install \"jupyter-designer\[mlflow\]\""):
        em.export_model(ws, runs["iris"], "mlflow", tmp_path / "new")
