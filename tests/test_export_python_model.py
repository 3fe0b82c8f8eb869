"""Export to Python of Create Python Model: the user's AzureMLModel script is inlined as
written, trained by Train Model, Cross Validate Model and Tune Model Hyperparameters and scored
by Score Model with the raw columns, as the designer does; the script run by a fresh
interpreter without jupyter-designer reproduces every output and metric of the run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from export_checks import assert_script_reproduces_run
from test_export_python import _run_metrics, fresh_python  # noqa: F401

from jupyter_designer.app import submit_run
from jupyter_designer.app.export import export
from jupyter_designer.components.python_language import DEFAULT_MODEL_SCRIPT
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.export.script_code import python_model_name
from jupyter_designer.store import Workspace

# a regression model doing its own encoding of a text column, returning Scored Labels only
_REGRESSION_SCRIPT = '''\
import pandas as pd
from sklearn.linear_model import Ridge


class AzureMLModel:
    def __init__(self):
        self.model = Ridge(alpha=0.5)
        self.columns = []

    def train(self, df_train, df_label):
        X = pd.get_dummies(df_train, columns=["shop"], dtype=float)
        self.columns = X.columns.tolist()
        self.model.fit(X, df_label.iloc[:, 0])

    def predict(self, df):
        X = pd.get_dummies(df, columns=["shop"], dtype=float).reindex(columns=self.columns,
                                                                       fill_value=0.0)
        return pd.DataFrame({"Scored Labels": self.model.predict(X)})
'''


def _data(n: int = 80) -> pd.DataFrame:
    rng = np.random.RandomState(7)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    outcome = np.where(x1 + 0.5 * x2 + rng.normal(scale=0.7, size=n) > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2,
                         "outcome": pd.Categorical(outcome, categories=["no", "yes"])})


def _sales(n: int = 60) -> pd.DataFrame:
    rng = np.random.RandomState(3)
    shop = np.asarray(["north", "south", "east"], dtype=object)[np.arange(n) % 3]
    units = rng.uniform(1, 10, size=n)
    price = 3.0 * units + np.where(shop == "north", 5.0, 0.0) + rng.normal(scale=0.5, size=n)
    return pd.DataFrame({"units": units, "shop": pd.Series(shop, dtype="str"), "price": price})


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("export-python-model") / "ws")
    ws.register_dataset("outcomes", _data())
    ws.register_dataset("sales", _sales())
    yield ws
    ws.close()


def _pipeline(ws) -> Pipeline:
    p = Pipeline("Export Python models", workspace=ws)
    outcomes = p.add_dataset("outcomes", id="outcomes").id
    sales = p.add_dataset("sales", id="sales").id

    def add(component, params=None, *, id, inputs=()):
        node = p.add_component(component, params or {}, id=id)
        for source, port, target_port in inputs:
            p.connect(source, port, node.id, target_port)
        return node.id

    add("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7, "random_seed": 2},
        id="split", inputs=[(outcomes, None, None)])
    add("Create Python Model", {"python_script": DEFAULT_MODEL_SCRIPT}, id="naive_bayes")
    add("Train Model", {"label_column": "outcome"}, id="train",
        inputs=[("naive_bayes", None, "untrained_model"), ("split", "results_dataset1", "dataset")])
    add("Score Model", id="score",
        inputs=[("train", None, "trained_model"), ("split", "results_dataset2", "dataset")])
    add("Evaluate Model", id="evaluate", inputs=[("score", None, "scored_dataset")])
    add("Cross Validate Model", {"label_column": "outcome", "random_seed": 5}, id="cv",
        inputs=[("naive_bayes", None, "untrained_model"), (outcomes, None, "dataset")])
    add("Tune Model Hyperparameters", {"label_column": "outcome", "random_seed": 1}, id="tune",
        inputs=[("naive_bayes", None, "untrained_model"), ("split", "results_dataset1",
                                                           "training_dataset")])

    add("Create Python Model", {"python_script": _REGRESSION_SCRIPT, "task": "Regression"},
        id="ridge")
    add("Train Model", {"label_column": "price"}, id="train_ridge",
        inputs=[("ridge", None, "untrained_model"), (sales, None, "dataset")])
    add("Score Model", {"append_score_columns_to_output": False}, id="score_ridge",
        inputs=[("train_ridge", None, "trained_model"), (sales, None, "dataset")])
    add("Score Model", id="score_ridge_all",
        inputs=[("train_ridge", None, "trained_model"), (sales, None, "dataset")])
    add("Evaluate Model", id="evaluate_ridge", inputs=[("score_ridge_all", None, "scored_dataset")])
    return p


def test_python_model_scripts_are_inlined_and_reproduce_the_run(ws, fresh_python, tmp_path):
    p = _pipeline(ws)
    rec = ws.get_run(submit_run(ws, p, experiment="export").run_id)
    assert rec.status == "completed", rec.error
    result = export(ws, rec.id, format="python", folder=tmp_path / "script")
    text = result.path.read_text(encoding="utf-8")
    assert "jupyter_designer" not in text
    # each script as the user wrote it, once, under its own name
    for script in (DEFAULT_MODEL_SCRIPT, _REGRESSION_SCRIPT):
        assert text.count(script.rstrip()) == 1
        assert f"{python_model_name(script)} = AzureMLModel" in text
    nodes = p.nodes
    assert_script_reproduces_run(
        fresh_python, ws, rec, result.path,
        {"scored": (nodes["score"], None), "ridge_only": (nodes["score_ridge"], None),
         "ridge_all": (nodes["score_ridge_all"], None)},
        tmp_path)
    # the metrics compared above include every fold, the sweep and both evaluations
    assert {nid for nid, _ in _run_metrics(rec)} >= {"evaluate", "evaluate_ridge", "cv", "tune"}
    scored = ws.load_artifact(rec.nodes["score"].outputs["scored_dataset"])
    assert isinstance(scored["Scored Labels"].dtype, pd.CategoricalDtype)
    assert list(ws.load_artifact(rec.nodes["score_ridge"].outputs["scored_dataset"]).columns) == \
        ["Scored Labels"]
