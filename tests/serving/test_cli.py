"""`jupyter designer` subcommands for inference pipelines and endpoints."""

import json

import pytest

from jupyter_designer.cli import main


def run(capsys, ws, *args):
    code = main(["--workspace", str(ws.path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_inference_command(trained, capsys, tmp_path):
    ws, run_id = trained
    target = tmp_path / "inference.json"
    code, out, err = run(capsys, ws, "inference", run_id, "-o", str(target))
    assert code == 0 and "Wrote" in err
    doc = json.loads(target.read_text())
    assert any(n.get("component") == "web_service_input" for n in doc["nodes"])
    code, out, err = run(capsys, ws, "inference", run_id, "--batch", "--save-as", "batch")
    assert code == 0 and ws.load_draft("batch")["parameters"][0]["name"] == "input_data"
    code, out, err = run(capsys, ws, "inference", "no-such-run")
    assert code == 2 and err.startswith("error:")


def test_deploy_and_endpoint_commands(trained, capsys):
    ws, run_id = trained
    code, out, _ = run(capsys, ws, "deploy", run_id, "--name", "autos", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["version"] == 1 and info["primaryKey"]
    code, out, err = run(capsys, ws, "deploy", run_id, "--name", "autos")
    assert code == 2 and "exists already" in err
    code, out, _ = run(capsys, ws, "deploy", run_id, "--name", "autos", "--replace")
    assert code == 0 and "version 2" in out
    code, out, _ = run(capsys, ws, "endpoint", "list")
    assert code == 0 and "autos" in out
    code, out, _ = run(capsys, ws, "endpoint", "show", "autos")
    assert "input WebServiceInput0" in out and "v2" in out
    code, out, _ = run(capsys, ws, "endpoint", "keys", "autos", "--json")
    keys = json.loads(out)
    code, out, _ = run(capsys, ws, "endpoint", "regenerate", "autos", "--key", "secondary", "--json")
    new = json.loads(out)
    assert new["primaryKey"] == keys["primaryKey"] and new["secondaryKey"] != keys["secondaryKey"]
    code, out, _ = run(capsys, ws, "endpoint", "show", "autos", "--json")
    example = json.loads(out)["example_request"]
    code, out, _ = run(capsys, ws, "endpoint", "score", "autos", "--data", json.dumps(example))
    assert code == 0 and json.loads(out)["Results"]["WebServiceOutput0"][0]["Scored Labels"] > 0
    code, out, _ = run(capsys, ws, "endpoint", "swagger", "autos")
    assert json.loads(out)["openapi"].startswith("3.")
    code, out, _ = run(capsys, ws, "endpoint", "snippets", "autos", "--base-url", "http://h:1")
    assert "http://h:1/designer/endpoints/autos/score" in out
    code, out, _ = run(capsys, ws, "endpoint", "delete", "autos")
    assert code == 0
    code, out, err = run(capsys, ws, "endpoint", "keys", "autos")
    assert code == 2 and "no real-time endpoint 'autos'" in err


def test_publish_submit_and_pipeline_endpoint_commands(trained, capsys):
    ws, run_id = trained
    code, out, _ = run(capsys, ws, "publish", run_id, "--endpoint", "retrain")
    assert code == 0 and "version 1 of pipeline endpoint 'retrain'" in out
    code, out, _ = run(capsys, ws, "publish", run_id, "--endpoint", "retrain", "--set-default", "--json")
    assert json.loads(out)["default_version"] == "2"
    code, out, _ = run(capsys, ws, "pipeline-endpoint", "show", "retrain")
    assert "*v2" in out
    code, out, _ = run(capsys, ws, "pipeline-endpoint", "set-default", "retrain", "1")
    assert "default version 1" in out
    code, out, _ = run(capsys, ws, "submit", "retrain", "--wait", "--experiment", "cli", "--json")
    assert code == 0 and json.loads(out)["status"] == "completed"
    code, out, err = run(capsys, ws, "submit", "retrain", "-p", "nope=1")
    assert code == 2 and "Unknown pipeline parameter 'nope'" in err
    run(capsys, ws, "pipeline-endpoint", "disable", "retrain")
    code, out, err = run(capsys, ws, "submit", "retrain", "--wait")
    assert code == 2 and "disabled" in err
    run(capsys, ws, "pipeline-endpoint", "enable", "retrain")
    code, out, _ = run(capsys, ws, "pipeline-endpoint", "list", "--json")
    assert json.loads(out)[0]["enabled"] is True
    code, out, _ = run(capsys, ws, "pipeline-endpoint", "delete", "retrain")
    assert code == 0


def test_serve_help_mentions_workers():
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
