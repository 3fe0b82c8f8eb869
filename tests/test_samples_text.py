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


def _score(ws, run_id, rows):
    from jupyter_designer.engine.inference import create_realtime_inference
    from jupyter_designer.serving import protocols
    from jupyter_designer.serving.compiled import CompiledPipeline

    inf = create_realtime_inference(ws, run_id)
    assert inf.validate() == []
    kinds = {n.data.get("type") for n in inf.nodes.values() if n.kind == "dataset"}
    assert "transformation" in kinds  # the fitted vocabulary / topics became TD- nodes
    body = {"Inputs": {"WebServiceInput0": rows}, "GlobalParameters": {}}
    status, out = protocols.score_reference(CompiledPipeline(inf, ws), json.dumps(body).encode())
    assert status == 200, out
    return out["Results"]["WebServiceOutput0"]


def test_read_only_vocabulary_and_lda_pipelines_serve_new_text(tmp_path):
    """Train on a vocabulary built from the training rows, score the test rows with it in
    ReadOnly mode; and classify by LDA topic shares. Both serve new text."""
    from jupyter_designer.engine.pipeline import Pipeline
    from jupyter_designer.engine.runner import Runner

    ws = Workspace(tmp_path / "ws")
    p = Pipeline(name="read-only vocabulary")
    p.add_dataset("News Articles by Topic (generated)", id="news")
    p.add_component("split_data", {"fraction_of_rows_in_the_first_output_dataset": 0.6,
                                   "random_seed": 1}, id="split")
    grams = {"text_column": "Text", "minimum_n_gram_document_absolute_frequency": 3}
    p.add_component("extract_n_gram_features_from_text", grams, id="train_grams")
    p.add_component("extract_n_gram_features_from_text", {**grams, "vocabulary_mode": "ReadOnly"},
                    id="test_grams")
    p.add_component("multiclass_logistic_regression", {"l1_regularization_weight": 0.0}, id="lr")
    p.add_component("train_model", {"label_column": "Category"}, id="train")
    p.add_component("score_model", {}, id="score")
    p.add_component("evaluate_model", {}, id="evaluate")
    for edge in [("news", "dataset", "split", "dataset"),
                 ("split", "results_dataset1", "train_grams", "dataset"),
                 ("split", "results_dataset2", "test_grams", "dataset"),
                 ("train_grams", "result_vocabulary", "test_grams", "input_vocabulary"),
                 ("train_grams", "results_dataset", "train", "dataset"),
                 ("lr", "untrained_model", "train", "untrained_model"),
                 ("train", "trained_model", "score", "trained_model"),
                 ("test_grams", "results_dataset", "score", "dataset"),
                 ("score", "scored_dataset", "evaluate", "scored_dataset")]:
        p.connect(*edge)
    rec = ws.get_run(Runner(ws).submit(p, "text").run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    assert rec.metrics["Overall accuracy"] > 0.9
    rows = _score(ws, rec.id, [{"Text": "The chef roasted garlic and onion for the soup"}])
    assert rows[0]["Scored Labels"] == "Cooking"

    q = Pipeline(name="topics")
    q.add_dataset("News Articles by Topic (generated)", id="news")
    q.add_component("latent_dirichlet_allocation", {
        "target_column_s": ["Text"], "number_of_topics_to_model": 4, "n_grams": 1,
        "show_all_options": True, "alpha_parameter": 0.1, "number_of_training_iterations": 10},
        id="lda")
    q.add_component("select_columns_in_dataset", {"select_columns": {
        "begin_with": "all", "rules": [{"action": "exclude", "by": "names", "values": ["Text"]}]}},
        id="topics_only")
    q.add_component("multiclass_decision_forest", {}, id="forest")
    q.add_component("train_model", {"label_column": "Category"}, id="train")
    q.add_component("score_model", {}, id="score")
    for edge in [("news", "dataset", "lda", "dataset"),
                 ("lda", "transformed_dataset", "topics_only", "dataset"),
                 ("topics_only", "results_dataset", "train", "dataset"),
                 ("forest", "untrained_model", "train", "untrained_model"),
                 ("train", "trained_model", "score", "trained_model"),
                 ("topics_only", "results_dataset", "score", "dataset")]:
        q.connect(*edge)
    rec = ws.get_run(Runner(ws).submit(q, "text").run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    scored = ws.run_output(rec.id, "score", "scored_dataset")
    assert (scored["Scored Labels"] == scored["Category"]).mean() > 0.8
    text = ws.get_dataset("News Articles by Topic (generated)")["Text"].iloc[0]
    rows = _score(ws, rec.id, [{"Text": text}])
    assert rows[0]["Scored Labels"] == scored["Scored Labels"].iloc[0]
    assert rows[0]["Topic 1"] == pytest.approx(scored["Topic 1"].iloc[0], rel=1e-9)
