"""End to end: every sample pipeline runs from its file through the CLI; a second run reuses
every node; changing one parameter re-runs only that node and its dependents."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_designer import api
from jupyter_designer.cli import main
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.store import Workspace

SAMPLES = sorted((Path(api.__file__).parent / "samples").glob("*.json"))


def run_cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    return tmp_path_factory.mktemp("samples-ws")


def test_there_are_seven_samples():
    names = {s["name"] for s in api.sample_pipelines()}
    assert {"Automobile price prediction (basic)", "Automobile price prediction (advanced)",
            "Binary classification with feature selection", "Multiclass classification",
            "Cross validation for binary classification", "Hyperparameter tuning",
            "Custom Python script"} <= names


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_sample_runs_then_reuses_everything(sample, ws_path, capsys):
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "run", str(sample), "--experiment", "samples", "--json")
    assert code == 0, err + out
    rec = json.loads(out)
    assert rec["status"] == "completed"
    assert rec["metrics"], "every sample reports metrics"
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "run", str(sample), "--json")
    rec2 = json.loads(out)
    comp = {nid: n for nid, n in rec2["nodes"].items() if n["status"] != "completed" or n["duration"]}
    statuses = {n["status"] for nid, n in rec2["nodes"].items()
                if Pipeline.load(sample).nodes[nid].kind == "component"}
    assert statuses == {"reused"}, rec2["nodes"]


def test_changing_one_parameter_reruns_only_dependents(ws_path, capsys, tmp_path):
    sample = next(s for s in SAMPLES if s.stem == "automobile_price_basic")
    run_cli(capsys, "--workspace", str(ws_path), "run", str(sample))
    p = Pipeline.load(sample)
    p.set_param("split_data", "fraction_of_rows_in_the_first_output_dataset", 0.8)
    f = tmp_path / "changed.json"
    p.save(f)
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "run", str(f), "--json")
    assert code == 0, err
    nodes = json.loads(out)["nodes"]
    ran = {nid for nid, n in nodes.items() if n["status"] == "completed" and p.nodes[nid].kind == "component"}
    reused = {nid for nid, n in nodes.items() if n["status"] == "reused"}
    assert ran == {"split_data", "train_model", "score_model", "evaluate_model"}
    assert reused == {"select_columns", "clean_missing_data", "learner"}


def test_progress_counts_up_once_per_node_on_a_partly_reused_run(ws_path, capsys, tmp_path):
    import re

    sample = next(s for s in SAMPLES if s.stem == "automobile_price_advanced")
    run_cli(capsys, "--workspace", str(ws_path), "run", str(sample))
    p = Pipeline.load(sample)
    p.set_param("split_data", "random_seed", 7)
    f = tmp_path / "reseeded.json"
    p.save(f)
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "run", str(f))
    assert code == 0, err
    counters = [tuple(map(int, m)) for m in re.findall(r"^\[\s*(\d+)/(\d+)\]", out, re.M)]
    total = counters[0][1]
    assert counters == [(i, total) for i in range(1, total + 1)], out
    assert "reused" in out and "completed" in out


def test_cli_as_a_real_process_shows_progress_and_metrics(tmp_path):
    env = {**os.environ, "JUPYTER_DESIGNER_WORKSPACE": str(tmp_path / "ws")}
    proc = subprocess.run(["jupyter", "designer", "run", "Automobile price prediction (basic)",
                           "--experiment", "autos"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Train Model" in proc.stdout and "completed" in proc.stdout
    assert "Coefficient of Determination" in proc.stdout
    proc = subprocess.run(["jupyter", "designer", "list", "runs"], capture_output=True, text=True, env=env, timeout=120)
    assert "autos" in proc.stdout and "completed" in proc.stdout


def test_two_scored_inputs_show_both_result_sets(ws_path, capsys):
    """Evaluate Model with two scored inputs: both metric sets, left and right, in the run's
    metrics, the printed run result and the run listing (also when every node is reused)."""
    name = "Automobile price prediction (advanced)"
    for _ in range(2):
        code, out, err = run_cli(capsys, "--workspace", str(ws_path), "run", name, "-e", "two-models")
        assert code == 0, err
        for side in ("left", "right"):
            assert f"{side}: Coefficient of Determination" in out
            assert f"{side}: Mean Absolute Error" in out
    ws = Workspace(ws_path)
    rec = ws.list_runs(experiment="two-models", limit=1)[0]
    assert all(n.status == "reused" for n in rec.nodes.values() if n.title != "Automobile price data (Raw)")
    left, right = rec.metrics["left: Mean Absolute Error"], rec.metrics["right: Mean Absolute Error"]
    assert left != right
    ev = ws.run_output(rec.id, "evaluate_model", "evaluation_results")
    assert left == ev.metrics(0)["Mean Absolute Error"] and right == ev.metrics(1)["Mean Absolute Error"]
    code, out, _ = run_cli(capsys, "--workspace", str(ws_path), "list", "runs", "--experiment", "two-models")
    line = next(line for line in out.splitlines() if rec.id in line)
    assert "Mean Absolute Error left=" in line and " right=" in line


def test_list_components_json_gives_ports_and_parameters(capsys):
    code, out, _ = run_cli(capsys, "list", "components", "--json")
    comps = json.loads(out)
    train = next(c for c in comps if c["name"] == "Train Model")
    assert train["category"] == "Model Training"
    assert [p["label"] for p in train["inputs"]] == ["Untrained model", "Dataset"]
    assert any(p["label"] == "Label column" for p in train["parameters"])
    assert len(comps) >= 60


def test_list_show_export(ws_path, capsys, tmp_path):
    code, out, _ = run_cli(capsys, "--workspace", str(ws_path), "list", "runs", "--json")
    runs = json.loads(out)
    assert runs
    rid = runs[0]["id"]
    code, out, _ = run_cli(capsys, "--workspace", str(ws_path), "show", "run", rid)
    assert rid in out and "Evaluate Model" in out
    f = tmp_path / "exported.json"
    code, out, _ = run_cli(capsys, "--workspace", str(ws_path), "export", rid, "-o", str(f))
    assert code == 0 and Pipeline.load(f).nodes
    for what in ("datasets", "samples", "models", "pipelines"):
        code, out, _ = run_cli(capsys, "--workspace", str(ws_path), "list", what, "--json")
        assert code == 0
        json.loads(out)
    code, out, _ = run_cli(capsys, "--workspace", str(ws_path), "list", "samples", "--json")
    assert "Automobile price data (Raw)" in json.loads(out)["datasets"]


@pytest.mark.parametrize("argv,needle", [
    (["run", "no-such-pipeline"], "No pipeline file, draft or sample named 'no-such-pipeline'"),
    (["show", "run", "nope"], "nope"),
    (["run", "Automobile price prediction (basic)", "--param", "x=1"], "Unknown pipeline parameter 'x'"),
])
def test_cli_errors_are_one_line(argv, needle, ws_path, capsys):
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), *argv)
    assert code == 2
    assert err.startswith("error: ") and needle in err and "Traceback" not in err


def test_bad_pipeline_file_names_json_path(tmp_path, capsys, ws_path):
    f = tmp_path / "bad.json"
    f.write_text('{"schema_version": 1, "nodes": [{"id": "a", "component": "Train Modle"}]}')
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "run", str(f))
    assert code == 2 and "$.nodes[0].component" in err and "Did you mean 'Train Model'" in err


def test_register_csv_keeps_words_and_takes_missing_value_markers(tmp_path, capsys):
    f = tmp_path / "cars.csv"
    f.write_text("Model,AirBags,Price\nIntegra,None,15.9\nLegend,Driver only,\n90,NA,29.1\n")
    wsp = str(tmp_path / "ws")
    code, out, err = run_cli(capsys, "--workspace", wsp, "register", "dataset", "cars", str(f))
    assert code == 0, err
    assert "3 rows, 3 columns" in out and "Missing values (empty fields): Price (1)." in out
    assert list(Workspace(wsp).get_dataset("cars")["AirBags"]) == ["None", "Driver only", "NA"]
    code, out, err = run_cli(capsys, "--workspace", wsp, "register", "dataset", "cars", str(f),
                             "--na-values", "NA,None", "--json")
    info = json.loads(out)
    assert info["version"] == 2 and info["missing_values"] == {"AirBags": 2, "Price": 1}
    b = tmp_path / "image.csv"
    b.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, out, err = run_cli(capsys, "--workspace", wsp, "register", "dataset", "img", str(b))
    assert code == 2 and "the file is not text" in err and "a PNG image" in err
