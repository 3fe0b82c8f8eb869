"""Export to Python of Normalize Data (every method, constant columns, its transformation
applied to new data), Filter Based Feature Selection (every scoring method, numeric and class
targets, feature columns only or not, both tables) and Tune Model Hyperparameters scored on a
validation dataset: one run of a pipeline holding them, exported, its script run in a fresh
environment without jupyter-designer, and every node output and printed metric compared with
the run's (values, dtypes, column order, index).
"""

from __future__ import annotations


import numpy as np
import pandas as pd
from export_checks import assert_script_reproduces_run
from test_export_python import fresh_python  # noqa: F401

from jupyter_designer.app import submit_run
from jupyter_designer.app.export import export
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.store import Workspace


def _frame(n: int, seed: int, spike: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.normal(10.0, 3.0, n).round(2)
    size[[1, 5]] = np.nan
    if spike:  # an infinite value counts as missing when normalizing
        size[3] = np.inf
    skew = rng.lognormal(1.0, 0.5, n).round(3)
    skew[[0, 4]] = [-1.0, 0.0]  # not positive: left out of the lognormal fit
    count = rng.integers(0, 6, n)
    grade = np.where(size > 10, "high", "low").astype(object)
    grade[[2, 9]] = "mid"
    color = rng.choice(["red", "blue", "green"], n).astype(object)
    color[[6]] = None
    price = (3.0 * np.nan_to_num(size, posinf=10.0) + count + rng.normal(0.0, 2.0, n)).round(2)
    return pd.DataFrame({
        "size": size, "skew": skew, "count": count,
        "steady": np.full(n, 4.0),                # a constant column
        "empty": np.full(n, np.nan),              # only missing values
        "negative": -np.abs(rng.normal(2.0, 1.0, n)).round(2),
        "flag": rng.random(n) > 0.5,
        "color": color, "grade": grade, "price": price,
        "passed": np.where(price > np.nanmedian(price), "yes", "no"),
    })


def _pipeline(ws: Workspace) -> tuple[Pipeline, dict]:
    ws.register_dataset("export features train", _frame(40, 1))
    ws.register_dataset("export features spiky", _frame(40, 1, spike=True))
    ws.register_dataset("export features new", _frame(12, 2, spike=True).drop(columns=["price"]))
    ws.register_dataset("export features validation", _frame(25, 3))
    p = Pipeline("Feature components", workspace=ws)
    train = p.add_dataset("export features train")
    new = p.add_dataset("export features new")
    valid = p.add_dataset("export features validation")
    spiky = p.add_dataset("export features spiky")
    outputs: dict = {}

    def add(name, component, params, source, out_ports=(None,)):
        node = p.add_component(component, params)
        p.connect(source, None, node, None)
        for out in out_ports:
            outputs[name if out is None else f"{name}:{out}"] = (node, out)
        return node

    numeric = ["size", "skew", "count", "steady", "empty", "negative"]
    for method in ("ZScore", "MinMax", "Logistic", "LogNormal", "TanH"):
        for zero in (True, False):
            norm = add(f"normalize {method} {zero}", "Normalize Data",
                       {"transformation_method": method, "columns_to_transform": numeric,
                        "use_0_for_constant_columns_when_checked": zero}, spiky,
                       out_ports=("transformed_dataset",))
            applied = p.add_component("Apply Transformation", {"label_columns": ["price"]})
            p.connect(norm, "transformation_function", applied, "transformation")
            p.connect(new, None, applied, "dataset")
            outputs[f"apply {method} {zero}"] = (applied, None)
    add("normalize all numeric", "Normalize Data", {}, train, out_ports=("transformed_dataset",))
    # Filter Based Feature Selection: every method, numeric and class targets
    labelled = add("labelled", "Edit Metadata", {"column": ["count"], "fields": "Label"}, train)
    fbfs = [("Pearson Correlation", "price"), ("Pearson Correlation", "grade"),
            ("Mutual Information", "price"), ("Mutual Information", "grade"),
            ("Kendall Correlation", "price"), ("Kendall Correlation", "grade"),
            ("Spearman Correlation", "price"), ("Spearman Correlation", "passed"),
            ("Chi Squared", "grade"), ("Chi Squared", "price"),
            ("Fisher Score", "grade"), ("Fisher Score", "count"),
            ("Count Based", None)]
    for i, (method, target) in enumerate(fbfs):
        params = {"feature_scoring_method": method, "number_of_desired_features": 1 + i % 4}
        if target is not None:
            params["target_column"] = target
        add(f"select {method} {target}", "Filter Based Feature Selection", params, train,
            out_ports=("filtered_dataset", "features"))
    for only in (True, False):
        add(f"select labelled {only}", "Filter Based Feature Selection",
            {"feature_scoring_method": "Spearman Correlation", "target_column": "price",
             "number_of_desired_features": 3, "operate_on_feature_columns_only": only},
            labelled, out_ports=("filtered_dataset", "features"))
    categories = add("categories", "Edit Metadata", {"column": ["grade", "color"],
                                                     "categorical": "Categorical"}, train)
    for method in ("Pearson Correlation", "Mutual Information", "Chi Squared", "Fisher Score"):
        add(f"select categorical {method}", "Filter Based Feature Selection",
            {"feature_scoring_method": method, "target_column": "grade",
             "number_of_desired_features": 4}, categories,
            out_ports=("filtered_dataset", "features"))
    add("select count with target", "Filter Based Feature Selection",
        {"feature_scoring_method": "Count Based", "target_column": "grade",
         "number_of_desired_features": 20}, train, out_ports=("filtered_dataset", "features"))
    # Tune Model Hyperparameters scored on a validation dataset: regression and two-class
    complete = {"select_columns": ["skew", "count", "flag", "grade", "price", "passed"]}
    train_rows = add("complete train", "Select Columns in Dataset", complete, train)
    valid_rows = add("complete validation", "Select Columns in Dataset", complete, valid)
    for learner, params, label, metric in (
            ("Decision Forest Regression",
             {"number_of_decision_trees_range": [1, 3],
              "maximum_depth_of_the_decision_trees_range": [2, 6],
              "minimum_number_of_samples_per_leaf_node_range": [1]},
             "price", {"metric_for_measuring_performance_for_regression":
                       "Root of mean squared error"}),
            ("Two-Class Logistic Regression",
             {"l2_regularization_weight_range": [0.01, 10.0],
              "optimization_tolerance_range": [1e-7], "l1_regularization_weight_range": [0.0],
              "memory_size_for_l_bfgs_range": [20]},
             "passed", {"metric_for_measuring_performance_for_classification": "AUC"})):
        untrained = p.add_component(learner, {"create_trainer_mode": "Parameter Range", **params})
        tune = p.add_component("Tune Model Hyperparameters",
                               {"label_column": label, "specify_parameter_sweeping_mode":
                                "Entire grid", **metric})
        p.connect(untrained, None, tune, "untrained_model")
        p.connect(train_rows, None, tune, "training_dataset")
        p.connect(valid_rows, None, tune, "optional_validation_dataset")
        scored = p.add_component("Score Model")
        p.connect(tune, "trained_best_model", scored, "trained_model")
        p.connect(valid_rows, None, scored, "dataset")
        outputs[f"scored {learner}"] = (scored, None)
        evaluation = p.add_component("Evaluate Model")
        p.connect(scored, None, evaluation, "scored_dataset")
    return p, outputs


def test_feature_components_export_reproduces_the_run(tmp_path, fresh_python):  # noqa: F811
    ws = Workspace(tmp_path / "ws")
    p, outputs = _pipeline(ws)
    run_id = submit_run(ws, p, experiment="export features").run_id
    rec = ws.get_run(run_id)
    failed = {nid: n.error for nid, n in rec.nodes.items() if n.status != "completed"}
    assert not failed, [e for e in failed.values() if not e.startswith("Not run")]
    script = export(ws, run_id, format="python", folder=tmp_path / "script").path
    text = script.read_text(encoding="utf-8")
    assert "jupyter_designer" not in text
    for name in ("normalize_stats", "normalize_frame", "score_features", "select_features",
                 "tune_on_validation"):
        assert f"def {name}(" in text  # the components' own code
    assert_script_reproduces_run(fresh_python, ws, rec, script, outputs, tmp_path)
    ws.close()
