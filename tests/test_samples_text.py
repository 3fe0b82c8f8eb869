"""The Text classification and Vowpal Wabbit samples from the command line: they run, their
metrics show the model learned, and each deploys as a real-time endpoint that scores a new
row correctly."""

import json

import numpy as np
import pytest

from jupyter_designer.cli import main
from jupyter_designer.store import Workspace


def cli(capsys, ws_path, *argv):
    code = main(["--workspace", str(ws_path), *argv])
    out = capsys.readouterr()
    assert code == 0, out.err + out.out
    return out.out


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    return tmp_path_factory.mktemp("text-samples")


def test_text_classification_learns_the_planted_topics_and_serves_them(ws_path, capsys):
    rec = json.loads(cli(capsys, ws_path, "run", "Text classification", "--json"))
    assert rec["status"] == "completed"
    assert rec["metrics"]["Overall accuracy"] >= 0.95
    info = json.loads(cli(capsys, ws_path, "deploy", rec["id"], "--name", "news", "--json"))
    assert info["primaryKey"]
    body = {"Inputs": {"WebServiceInput0": [
        {"Text": "The coach said the team's players will win the league match, https://x.example"},
        {"Text": "Investors watched the stock market as inflation hit bond prices"},
    ]}, "GlobalParameters": {}}
    out = json.loads(cli(capsys, ws_path, "endpoint", "score", "news", "--data", json.dumps(body)))
    rows = out["Results"]["WebServiceOutput0"]
    assert [r["Scored Labels"] for r in rows] == ["Sports", "Finance"]
    assert rows[0]["Scored Probabilities_Sports"] > 0.5
    assert "Category" not in rows[0]  # the request had no label, and none is made up


def test_vowpal_wabbit_sample_serves_the_scores_of_its_run(ws_path, capsys):
    rec = json.loads(cli(capsys, ws_path, "run", "Vowpal Wabbit binary classification", "--json"))
    assert rec["status"] == "completed"
    assert rec["metrics"]["AUC"] > 0.9
    ws = Workspace(ws_path)
    scored = ws.run_output(rec["id"], "score_vw", "scored_dataset")
    row = scored[scored["Class"] == 1].iloc[0]
    cli(capsys, ws_path, "deploy", rec["id"], "--name", "vw-cancer", "--json")
    body = {"Inputs": {"WebServiceInput0": [{"Features": row["Features"]}]}, "GlobalParameters": {}}
    out = json.loads(cli(capsys, ws_path, "endpoint", "score", "vw-cancer", "--data", json.dumps(body)))
    got = out["Results"]["WebServiceOutput0"][0]
    assert got["Scored Labels"] == row["Scored Labels"]
    np.testing.assert_allclose(got["Scored Probabilities"], row["Scored Probabilities"], rtol=1e-9)
