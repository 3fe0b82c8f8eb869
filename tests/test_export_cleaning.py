"""Export to Python of Clean Missing Data and Split Data: one run of a pipeline holding every
cleaning mode (custom value, mean, median, mode, MICE, removed rows or columns), the
missing-value ratio limits, indicator columns, the cleaning transformation applied to new data
(with and without label columns) and every splitting mode, exported, its script run in a fresh
environment without jupyter-designer, and every node output and printed metric compared with
the run's (values, dtypes, column order, index).
"""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest
from export_checks import assert_script_reproduces_run
from test_export_python import _clean_env, fresh_python  # noqa: F401

from jupyter_designer.app import submit_run
from jupyter_designer.app.export import export
from jupyter_designer.engine.errors import DesignerError
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.store import Workspace


def _train() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 40
    amount = rng.normal(20.0, 8.0, n).round(2)
    amount[[1, 6, 9, 30]] = np.nan
    count = pd.array(rng.integers(0, 9, n), dtype="Int64")
    count[[2, 3, 17]] = pd.NA
    color = rng.choice(["red", "blue", "black", "blue"], n).astype(object)
    color[[4, 11, 12]] = None
    when = pd.Series(pd.date_range("2024-01-01", periods=n, freq="7D"))
    when[[5, 8]] = pd.NaT
    score = rng.normal(0.0, 1.0, n).round(3)
    score[:14] = np.nan  # a ratio of missing values above the others
    return pd.DataFrame({
        "amount": amount, "count": count, "color": color, "when": when,
        "empty": np.full(n, np.nan), "score": score,
        "price": (rng.normal(100.0, 30.0, n) + 2 * np.nan_to_num(amount)).round(1),
    })


def _new_data() -> pd.DataFrame:
    """Data to apply the fitted cleanings to: no price, a colour not seen in training."""
    return pd.DataFrame({
        "amount": [5.0, np.nan, 60.0, np.nan],
        "count": pd.array([1, pd.NA, 3, 4], dtype="Int64"),
        "color": ["red", None, "green", "blue"],
        "when": pd.to_datetime(["2025-01-01", None, "2025-03-01", "2025-04-01"]),
        "empty": [np.nan, 1.0, np.nan, np.nan],
        "score": [0.5, np.nan, -1.0, np.nan],
    })


def _pipeline(ws: Workspace) -> tuple[Pipeline, dict]:
    """The pipeline; ``{name: (node, output port)}`` of the outputs to compare."""
    ws.register_dataset("export cleaning train", _train())
    ws.register_dataset("export cleaning new", _new_data())
    p = Pipeline("Cleaning and splitting", workspace=ws)
    train, new = p.add_dataset("export cleaning train"), p.add_dataset("export cleaning new")
    outputs: dict = {}

    def clean(name, params, labels=None):
        node = p.add_component("Clean Missing Data", params)
        p.connect(train, None, node, None)
        outputs[name] = (node, "cleaned_dataset")
        applied = p.add_component("Apply Transformation",
                                  {"label_columns": labels} if labels else {})
        p.connect(node, "cleaning_transformation", applied, "transformation")
        p.connect(new, None, applied, "dataset")
        outputs[f"{name}: applied"] = (applied, None)
        return node

    clean("custom", {"columns_to_be_cleaned": ["amount", "count", "color"],
                     "cleaning_mode": "Custom substitution value", "replacement_value": "7",
                     "generate_missing_value_indicator_column": True})
    clean("custom date", {"columns_to_be_cleaned": ["when"],
                          "cleaning_mode": "Custom substitution value",
                          "replacement_value": "2024-02-29"})
    mean = clean("mean", {"columns_to_be_cleaned": ["amount", "count", "empty"],
                          "cleaning_mode": "Replace with mean",
                          "generate_missing_value_indicator_column": True})
    clean("median", {"columns_to_be_cleaned": ["amount", "count", "empty"],
                     "cleaning_mode": "Replace with median",
                     "cols_with_all_missing_values": "Propagate"})
    clean("mode in ratio limits", {"columns_to_be_cleaned": ["amount", "count", "color", "score"],
                                   "cleaning_mode": "Replace with mode",
                                   "minimum_missing_value_ratio": 0.06,
                                   "maximum_missing_value_ratio": 0.2,
                                   "generate_missing_value_indicator_column": True})
    clean("mice", {"columns_to_be_cleaned": ["amount", "count", "score", "price"],
                   "cleaning_mode": "Replace using MICE", "number_of_iterations": 3,
                   "generate_missing_value_indicator_column": True}, labels=["price"])
    clean("remove rows", {"columns_to_be_cleaned": ["amount", "color", "price"],
                          "cleaning_mode": "Remove entire row",
                          "maximum_missing_value_ratio": 0.09}, labels=["price"])
    clean("remove columns", {"columns_to_be_cleaned": ["amount", "count", "score", "price"],
                             "cleaning_mode": "Remove entire column",
                             "minimum_missing_value_ratio": 0.01})

    def split(name, params, source=train, port=None):
        node = p.add_component("Split Data", params)
        p.connect(source, port, node, None)
        outputs[f"{name} 1"] = (node, "results_dataset1")
        outputs[f"{name} 2"] = (node, "results_dataset2")
        return node

    split("stratified", {"fraction_of_rows_in_the_first_output_dataset": 0.6,
                         "random_seed": 42, "stratified_split": "True",
                         "stratification_key_column": "color"})
    split("in order", {"fraction_of_rows_in_the_first_output_dataset": 0.25,
                       "randomized_split": False})
    split("regex", {"splitting_mode": "Regular Expression",
                    "regular_expression": '\\"color" ^bl'})
    split("regex by index", {"splitting_mode": "Regular Expression",
                             "regular_expression": "(\\4) -0[3-5]-"})
    split("relative", {"splitting_mode": "Relative Expression",
                       "relational_expression": '\\"amount" > 15 & <= 30 | == 7'})
    split("relative dates", {"splitting_mode": "Relative Expression",
                             "relational_expression": '\\"when" >= 2024-05-01'})
    # a model trained on one split and scored on the other: the script prints its metrics
    chosen = p.add_component("Select Columns in Dataset",
                             {"select_columns": ["amount", "count", "price"]})
    p.connect(mean, "cleaned_dataset", chosen, None)
    parts = split("randomized", {"fraction_of_rows_in_the_first_output_dataset": 0.7,
                                 "random_seed": 7}, chosen)
    learner = p.add_component("Linear Regression")
    model = p.add_component("Train Model", {"label_column": "price"})
    p.connect(learner, None, model, "untrained_model")
    p.connect(parts, "results_dataset1", model, "dataset")
    scored = p.add_component("Score Model")
    p.connect(model, None, scored, "trained_model")
    p.connect(parts, "results_dataset2", scored, "dataset")
    evaluation = p.add_component("Evaluate Model")
    p.connect(scored, None, evaluation, "scored_dataset")
    return p, outputs


def test_cleaning_and_splitting_export_reproduces_the_run(tmp_path, fresh_python):  # noqa: F811
    ws = Workspace(tmp_path / "ws")
    p, outputs = _pipeline(ws)
    run_id = submit_run(ws, p, experiment="export cleaning").run_id
    rec = ws.get_run(run_id)
    failed = {nid: n.error for nid, n in rec.nodes.items() if n.status != "completed"}
    assert not failed, failed
    script = export(ws, run_id, format="python", folder=tmp_path / "script").path
    text = script.read_text(encoding="utf-8")
    assert "jupyter_designer" not in text
    for name in ("fit_cleaning", "clean_frame", "split_positions"):  # the components' own code
        assert f"def {name}(" in text
    assert_script_reproduces_run(fresh_python, ws, rec, script, outputs, tmp_path)
    # the settings vary what the outputs hold (the test compares something)
    shapes = {name: ws.load_artifact(rec.nodes[n.id].outputs[port or n.spec.outputs[0].key]).shape
              for name, (n, port) in outputs.items()}
    assert shapes["remove rows"][0] < 40 and shapes["remove columns"][1] < 7
    assert "amount_IsMissing" in ws.load_artifact(
        rec.nodes[outputs["mean"][0].id].outputs["cleaned_dataset"]).columns
    assert 0 < shapes["regex 1"][0] < 40 and 0 < shapes["relative 1"][0] < 40
    ws.close()


def test_a_split_with_a_bad_expression_stops_the_script_with_the_components_error(
        tmp_path, fresh_python):  # noqa: F811
    ws = Workspace(tmp_path / "ws")
    ws.register_dataset("export cleaning train", _train())
    p = Pipeline("Bad split", workspace=ws)
    data = p.add_dataset("export cleaning train")
    node = p.add_component("Split Data", {"splitting_mode": "Relative Expression",
                                          "relational_expression": '\\"color" > red'})
    p.connect(data, None, node, None)
    script = export(ws, p, format="python", folder=tmp_path / "script").path
    out = subprocess.run([fresh_python, str(script)], cwd=script.parent, env=_clean_env(),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode != 0
    assert "ValueError: the 'Relational expression' compares text column 'color'" in out.stderr
    ws.close()


def test_a_stratified_split_without_key_column_is_named(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.register_dataset("export cleaning train", _train())
    p = Pipeline("Stratified without key", workspace=ws)
    data = p.add_dataset("export cleaning train")
    node = p.add_component("Split Data", {"stratified_split": "True"})
    p.connect(data, None, node, None)
    with pytest.raises(DesignerError, match=r"'Stratification key column' parameter of Split "
                                            r"Data is required"):
        export(ws, p, format="python", folder=tmp_path / "script")
    assert not list(tmp_path.glob("script/*.py")), "nothing is written when the export fails"
    ws.close()
