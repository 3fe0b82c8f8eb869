"""The recommendation and R samples from the CLI by name: each runs, a second run reuses every
node, and the two recommenders deploy as real-time endpoints that score one row as the trained
model does."""

import json

import pytest

from jupyter_designer.api import load_sample
from jupyter_designer.cli import main
from jupyter_designer.store import Workspace


def run_cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    return tmp_path_factory.mktemp("recommend-samples-ws")


def _run_twice(capsys, ws_path, name):
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "run", name, "--json")
    assert code == 0, err + out
    first = json.loads(out)
    assert first["status"] == "completed", first
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "run", name, "--json")
    second = json.loads(out)
    components = {nid for nid, n in load_sample(name).nodes.items() if n.kind == "component"}
    assert {second["nodes"][nid]["status"] for nid in components} == {"reused"}, second["nodes"]
    return first


@pytest.mark.parametrize("name,trainer,scorer", [
    ("SVD recommendation", "train_svd_recommender", "score_svd_recommender"),
    ("Wide and Deep recommendation", "train_wide_and_deep_recommender",
     "score_wide_and_deep_recommender"),
])
def test_recommender_sample_runs_reuses_deploys_and_scores_one_row(name, trainer, scorer, ws_path,
                                                                  capsys):
    first = _run_twice(capsys, ws_path, name)
    rmse = first["metrics"]["Root Mean Squared Error"]
    assert 0.3 <= rmse < 0.5, first["metrics"]  # the planted noise is 0.3
    endpoint = scorer.replace("_", "-")
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "deploy", first["id"],
                             "--name", endpoint, "--json")
    assert code == 0, err
    row = {"UserId": 7, "MovieId": 1042}
    body = {"Inputs": {"WebServiceInput0": [row]}, "GlobalParameters": {}}
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "endpoint", "score", endpoint,
                             "--data", json.dumps(body))
    assert code == 0, err
    answer = json.loads(out)["Results"]["WebServiceOutput0"]
    model = Workspace(ws_path).run_output(first["id"], trainer, "trained_model")
    want = model.estimator.predict_ids([7], [1042])[0]
    assert len(answer) == 1 and answer[0]["UserId"] == 7 and answer[0]["MovieId"] == 1042
    assert answer[0]["Scored Rating"] == pytest.approx(want, rel=1e-6)
    # a request without the item is refused with a message naming it
    bad = {"Inputs": {"WebServiceInput0": [{"UserId": 7}]}, "GlobalParameters": {}}
    code, out, err = run_cli(capsys, "--workspace", str(ws_path), "endpoint", "score", endpoint,
                             "--data", json.dumps(bad))
    assert code != 0 and "MovieId" in err + out


def test_execute_r_script_sample_runs_and_reuses(ws_path, capsys):
    first = _run_twice(capsys, ws_path, "Execute R Script")
    assert first["metrics"]["Coefficient of Determination"] > 0.8
    ws = Workspace(ws_path)
    engineered = ws.run_output(first["id"], "r_script", "result_dataset")
    assert {"power-to-weight", "mean-mpg"} <= set(engineered.columns)
    assert engineered["mean-mpg"].tolist() == \
        ((engineered["city-mpg"] + engineered["highway-mpg"]) / 2).tolist()
