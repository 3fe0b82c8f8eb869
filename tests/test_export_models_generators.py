"""Export to Python of clustering, anomaly detection, Permutation Feature Importance, the text
features (Feature Hashing, Latent Dirichlet Allocation, Convert Word to Vector) and the Web
Service components: a real run, its exported script run by a fresh interpreter without
jupyter-designer, every node output and metric compared with the run's."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from test_export_python import _METRIC_LINE, _clean_env, _run_metrics, fresh_python  # noqa: F401

from jupyter_designer.app import submit_run
from jupyter_designer.app.export import export
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.ports import DATASET
from jupyter_designer.engine.schema import set_roles
from jupyter_designer.export.python_script import ExportError
from jupyter_designer.export.script_code import _var
from jupyter_designer.store import Workspace


def _clusters_data(n: int = 45) -> pd.DataFrame:
    rng = np.random.RandomState(1)
    centers = np.asarray([[-3.0, -3.0], [0.0, 3.0], [3.0, -1.0]])
    which = np.arange(n) % 3
    kind = pd.Series(np.asarray(["low", "mid", "high"], dtype=object)[which], dtype="str")
    kind[[1, 5, 9, 20]] = None  # missing labels: filled from their cluster
    df = pd.DataFrame({"x1": centers[which, 0] + rng.normal(scale=0.6, size=n),
                       "x2": centers[which, 1] + rng.normal(scale=0.6, size=n),
                       "color": pd.Series(np.asarray(["red", "blue"])[np.arange(n) % 2], dtype="str"),
                       "kind": kind})
    return set_roles(df, {"kind": "label"})


def _anomaly_data(n: int = 60) -> pd.DataFrame:
    rng = np.random.RandomState(2)
    t = rng.normal(size=n)
    x1 = t + rng.normal(scale=0.05, size=n)
    x2 = 2 * t + rng.normal(scale=0.05, size=n)
    odd = np.zeros(n, dtype=np.int64)
    odd[[3, 17, 40, 55]] = 1
    x2[odd == 1] += rng.choice([-3.0, 3.0], size=4)
    df = pd.DataFrame({"x1": x1, "x2": x2, "count": rng.randint(0, 5, size=n).astype(np.float64),
                       "odd": odd})
    return set_roles(df, {"odd": "label"})


def _text_data(n: int = 30) -> pd.DataFrame:
    from jupyter_designer.components.text_analytics.common import example_corpus

    df = example_corpus(n)
    df["Title"] = pd.Series([f"note {i % 4} about {t}" for i, t in enumerate(df["Topic"])],
                            dtype="str")
    return df


def _models_pipeline(ws) -> Pipeline:
    p = Pipeline("Export models", workspace=ws)
    clusters = p.add_dataset("clusters data", id="clusters").id
    odd = p.add_dataset("anomaly data", id="odd_rows").id

    def add(component, params=None, *, id, inputs=()):
        node = p.add_component(component, params or {}, id=id)
        for source, port, target_port in inputs:
            p.connect(source, port, node.id, target_port)
        return node.id

    # clustering: three initializations, label modes, appended and result-only outputs
    add("K-Means Clustering", {"number_of_centroids": 3, "assign_label_mode": "Fill missing values"},
        id="kmeans_pp")
    add("K-Means Clustering", {"number_of_centroids": 3, "initialization": "Random",
                               "normalize_features": False,
                               "assign_label_mode": "Overwrite from closest to center"},
        id="kmeans_random")
    add("K-Means Clustering", {"number_of_centroids": 2, "initialization": "First N",
                               "iterations": 5}, id="kmeans_first")
    add("Web Service Input", {"name": "rows"}, id="ws_input", inputs=[(clusters, None, None)])
    add("Train Clustering Model", {}, id="clusters_all",
        inputs=[("kmeans_pp", None, "untrained_model"), ("ws_input", None, "dataset")])
    add("Train Clustering Model", {"column_set": ["x1", "x2", "kind"]}, id="clusters_xy",
        inputs=[("kmeans_random", None, "untrained_model"), (clusters, None, "dataset")])
    add("Train Clustering Model",
        {"column_set": ["x1", "x2"], "check_for_append_or_uncheck_for_result_only": False},
        id="clusters_only", inputs=[("kmeans_first", None, "untrained_model"),
                                    (clusters, None, "dataset")])
    add("Assign Data to Clusters", {}, id="assign",
        inputs=[("clusters_all", "trained_model", "trained_model"), ("ws_input", None, "dataset")])
    add("Assign Data to Clusters", {"check_for_append_or_uncheck_for_result_only": False},
        id="assign_only", inputs=[("clusters_xy", "trained_model", "trained_model"),
                                  (clusters, None, "dataset")])
    add("Evaluate Model", id="evaluate_clusters", inputs=[("assign", None, "scored_dataset")])
    add("Web Service Output", {"name": "clusters"}, id="ws_output",
        inputs=[("assign", None, "dataset")])

    # anomaly detection: PCA and One-Class SVM, scored and evaluated side by side
    add("PCA-Based Anomaly Detection", {"number_of_components_to_use_in_pca": 1}, id="pca")
    add("One-Class Support Vector Machine", {"eta": 0.2}, id="svm")
    add("Train Anomaly Detection Model", id="train_pca",
        inputs=[("pca", None, "untrained_model"), (odd, None, "dataset")])
    add("Train Anomaly Detection Model", id="train_svm",
        inputs=[("svm", None, "untrained_model"), (odd, None, "dataset")])
    add("Score Model", id="score_pca", inputs=[("train_pca", None, None), (odd, None, "dataset")])
    add("Score Model", id="score_svm", inputs=[("train_svm", None, None), (odd, None, "dataset")])
    add("Score Model", {"append_score_columns_to_output": False}, id="score_svm_only",
        inputs=[("train_svm", None, None), (odd, None, "dataset")])
    add("Evaluate Model", id="evaluate_anomalies",
        inputs=[("score_pca", None, "scored_dataset"), ("score_svm", None, "scored_dataset_to_compare")])

    # Permutation Feature Importance of a two-class and a regression model
    add("Two-Class Logistic Regression", id="logistic")
    add("Linear Regression", id="linear")
    add("Train Model", {"label_column": "odd"}, id="train_logistic",
        inputs=[("logistic", None, "untrained_model"), (odd, None, "dataset")])
    add("Train Model", {"label_column": "x2"}, id="train_linear",
        inputs=[("linear", None, "untrained_model"), (odd, None, "dataset")])
    add("Permutation Feature Importance", {"metric_for_measuring_performance": "Precision",
                                           "random_seed": 4}, id="pfi_precision",
        inputs=[("train_logistic", None, None), (odd, None, "test_data")])
    add("Permutation Feature Importance",
        {"metric_for_measuring_performance": "Root Mean Squared Error", "number_of_repeats": 3},
        id="pfi_rmse", inputs=[("train_linear", None, None), (odd, None, "test_data")])
    return p


def _text_pipeline(ws, embedding) -> Pipeline:
    p = Pipeline("Export text features", workspace=ws)
    text = p.add_dataset("text data", id="texts").id
    nodes = [
        ("Feature Hashing", {"target_columns": ["Text"], "hashing_bitsize": 4}, "hashing"),
        ("Feature Hashing", {"target_columns": ["Text", "Title"], "hashing_bitsize": 3,
                             "n_grams": 1}, "hashing_two"),
        ("Latent Dirichlet Allocation", {"target_column_s": ["Text"], "number_of_topics_to_model": 3,
                                         "n_grams": 1}, "lda"),
        ("Latent Dirichlet Allocation", {"target_column_s": ["Text", "Title"], "normalize": False,
                                         "number_of_topics_to_model": 2,
                                         "number_of_training_iterations": 5,
                                         "size_of_the_batch": 8}, "lda_raw"),
        ("Convert Word to Vector", {"target_column": "Text", "length_of_word_embedding": 6,
                                    "minimum_word_count": 2, "number_of_epochs": 2}, "word2vec"),
        ("Convert Word to Vector", {"target_column": "Text", "word2vec_strategy": "Gensim FastText",
                                    "word2vec_training_algorithm": "CBOW",
                                    "length_of_word_embedding": 4, "minimum_word_count": 3,
                                    "number_of_epochs": 1, "maximum_vocabulary_size": 10},
         "fasttext"),
        ("Convert Word to Vector", {"target_column": "Text",
                                    "word2vec_strategy": "Pretrained embedding file",
                                    "pretrained_embedding_file": str(embedding),
                                    "maximum_vocabulary_size": 3}, "pretrained"),
    ]
    for component, params, nid in nodes:
        p.add_component(component, params, id=nid)
        p.connect(text, None, nid, None)
    return p


def _output_vars(p: Pipeline, rec) -> dict:
    """``{script variable: (node id, port)}`` of every component output that holds a table."""
    out = {}
    for nid, node in p.nodes.items():
        if node.kind == "dataset" or node.spec.learner:
            continue
        ports = node.spec.outputs
        for port in ports:
            if port.type != DATASET:
                continue
            digit = re.search(r"(\d+)$", port.key)
            var = _var(nid) if len(ports) == 1 else \
                f"{_var(nid)}_{digit.group(1) if digit else port.key}"
            if rec.nodes[nid].outputs.get(port.key):
                out[var] = (nid, port.key)
    return out


def _run_and_compare(ws, rec, p, python, folder):
    result = export(ws, rec.id, format="python", folder=folder)
    text = result.path.read_text(encoding="utf-8")
    assert "jupyter_designer" not in text
    wanted = _output_vars(p, rec)
    dump = folder / "outputs"
    dump.mkdir()
    code = ("import runpy, sys\n"
            "g = runpy.run_path(sys.argv[1], run_name='__main__')\n"
            "for var in sys.argv[3:]:\n"
            "    g[var].to_parquet(f'{sys.argv[2]}/{var}.parquet')\n")
    out = subprocess.run([python, "-c", code, str(result.path), str(dump), *wanted],
                         capture_output=True, text=True, cwd=result.path.parent, env=_clean_env(),
                         timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    for var, (nid, port) in wanted.items():
        want = ws.load_artifact(rec.nodes[nid].outputs[port])
        got = pd.read_parquet(dump / f"{var}.parquet")
        assert_frame_equal(got, want, check_exact=True, obj=f"{nid}.{port}")
    got_metrics = {}
    for line in out.stdout.splitlines():
        m = _METRIC_LINE.match(line)
        if m:
            got_metrics[(m["node"], m["name"])] = float(m["value"])
    return text, wanted, got_metrics


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("export-models") / "ws")
    ws.register_dataset("clusters data", _clusters_data())
    ws.register_dataset("anomaly data", _anomaly_data())
    ws.register_dataset("text data", _text_data())
    yield ws
    ws.close()


def test_clustering_anomaly_and_importance_scripts_reproduce_the_run(ws, fresh_python, tmp_path):
    p = _models_pipeline(ws)
    rec = ws.get_run(submit_run(ws, p, experiment="export").run_id)
    assert rec.status == "completed", rec.error
    text, compared, metrics = _run_and_compare(ws, rec, p, fresh_python, tmp_path)
    assert {nid for nid, _ in compared.values()} >= {
        "clusters_all", "clusters_xy", "clusters_only", "assign", "assign_only", "ws_input",
        "ws_output", "score_pca", "score_svm", "score_svm_only", "pfi_precision", "pfi_rmse"}
    want = _run_metrics(rec)
    assert {k for k in want if k[0] == "evaluate_clusters"} and \
        {k for k in want if k[0] == "evaluate_anomalies"}
    assert metrics == want
    # the label modes really changed the label column, and the K-Means inits are the module's
    fill = ws.load_artifact(rec.nodes["clusters_all"].outputs["results_dataset"])
    assert fill["kind"].notna().all()
    assert "def random_partition_init(" in text and "def first_n_init(" in text
    assert "class PCAAnomalyDetector(OutlierMixin, BaseEstimator):" in text


def test_text_feature_scripts_reproduce_the_run(ws, fresh_python, tmp_path):
    embedding = tmp_path / "tiny_vectors.txt"
    embedding.write_text("4 3\nteam 0.1 0.2 0.3\nrecipe -0.5 0.25 1.0\natom 2.0 0.0 -1.0\n"
                         "unseen 9.0 9.0 9.0\n", encoding="utf-8")
    p = _text_pipeline(ws, embedding)
    rec = ws.get_run(submit_run(ws, p, experiment="export").run_id)
    assert rec.status == "completed", rec.error
    text, compared, _ = _run_and_compare(ws, rec, p, fresh_python, tmp_path / "script")
    assert {nid for nid, _ in compared.values()} == {"hashing", "hashing_two", "lda", "lda_raw",
                                                     "word2vec", "fasttext", "pretrained"}
    assert (tmp_path / "script" / "pretrained_tiny_vectors.txt").exists()
    assert "lda_lda_transformation = lambda df: append_columns(" in text


def test_web_service_input_without_data_is_named(ws, tmp_path):
    p = Pipeline("Served", workspace=ws)
    wsi = p.add_component("Web Service Input", {"name": "rows"}, id="request")
    out = p.add_component("Web Service Output", id="response")
    p.connect(wsi.id, None, out.id, None)
    with pytest.raises(ExportError, match=r"Web Service Input \[request\].*no dataset is "
                                          r"connected to Web Service Input 'rows'"):
        export(ws, p, folder=tmp_path)


def test_missing_pretrained_embedding_is_named(ws, tmp_path):
    p = _text_pipeline(ws, tmp_path / "gone.txt")
    with pytest.raises(ExportError, match=r"Convert Word to Vector \[pretrained\].*pretrained "
                                          r"embedding file .*gone\.txt' does not exist"):
        export(ws, p, folder=tmp_path)


def test_a_model_scored_by_the_wrong_component_is_named(ws, tmp_path):
    """Score Model of a clustering model, Assign Data to Clusters of an anomaly detector: as the
    run refuses them, so does the export."""
    p = Pipeline("Wrong scorer", workspace=ws)
    data = p.add_dataset("anomaly data", id="rows").id
    for nid, component, params in [("kmeans", "K-Means Clustering", {}),
                                    ("pca", "PCA-Based Anomaly Detection", {}),
                                    ("train_kmeans", "Train Clustering Model", {}),
                                    ("train_pca", "Train Anomaly Detection Model", {}),
                                    ("score", "Score Model", {})]:
        p.add_component(component, params, id=nid)
    p.connect("kmeans", None, "train_kmeans", "untrained_model")
    p.connect(data, None, "train_kmeans", "dataset")
    p.connect("pca", None, "train_pca", "untrained_model")
    p.connect(data, None, "train_pca", "dataset")
    p.connect("train_kmeans", "trained_model", "score", "trained_model")
    p.connect(data, None, "score", "dataset")
    with pytest.raises(ExportError, match=r"Score Model \[score\].*clustering model; use Assign "
                                          r"Data to Clusters"):
        export(ws, p, folder=tmp_path)
    p.remove_node("score")
    p.add_component("Assign Data to Clusters", id="assign")
    p.connect("train_pca", "trained_model", "assign", "trained_model")
    p.connect(data, None, "assign", "dataset")
    with pytest.raises(ExportError, match=r"Assign Data to Clusters \[assign\].*not a clustering "
                                          r"model"):
        export(ws, p, folder=tmp_path)


def test_a_learner_of_another_kind_is_named(ws, tmp_path):
    p = Pipeline("Wrong learner", workspace=ws)
    data = p.add_dataset("anomaly data", id="rows").id
    p.add_component("K-Means Clustering", id="kmeans")
    p.add_component("Train Anomaly Detection Model", id="train")
    p.connect("kmeans", None, "train", "untrained_model")
    p.connect(data, None, "train", "dataset")
    with pytest.raises(ExportError, match=r"Train Anomaly Detection Model \[train\].*K-Means "
                                          r"Clustering is a clustering learner, which Train "
                                          r"Anomaly Detection Model cannot train"):
        export(ws, p, folder=tmp_path)
