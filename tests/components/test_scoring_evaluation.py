"""Model Training and Model Scoring & Evaluation components, run through their specs."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from jupyter_designer.components import ml
from jupyter_designer.components.ml_algorithms import make_untrained
from jupyter_designer.components.scoring_evaluation import _ExampleScale
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, DesignerError, ParameterError
from jupyter_designer.engine.models import EvaluationResult, Transformation, TrainedModel
from jupyter_designer.engine.params import PIPELINE_PARAMETER
from jupyter_designer.engine.schema import Schema, get_roles, set_roles


def run(name, inputs, seed=0, **params):
    spec = REGISTRY.get(name)
    ctx = RunContext(spec, seed=seed)
    out = spec.run(ctx, inputs, spec.resolve_params(params))
    return out, ctx


def split(df, n):
    return df.iloc[:n], df.iloc[n:]


# -- declarations -----------------------------------------------------------------------------
def test_declarations():
    train = REGISTRY.get("Train Model")
    assert [p.label for p in train.inputs] == ["Untrained model", "Dataset"]
    assert train.outputs[0].label == "Trained model" and train.model_output == "trained_model"
    assert train.training_only and train.category == "Model Training"
    assert train.param("Label column").single
    clus = REGISTRY.get("Train Clustering Model")
    assert [p.label for p in clus.outputs] == ["Trained model", "Results dataset"]
    assert [p.label for p in clus.params] == ["Column set", "Check for Append or Uncheck for Result Only"]
    assert REGISTRY.get("Train Anomaly Detection Model").model_output == "trained_model"
    score = REGISTRY.get("Score Model")
    assert [p.label for p in score.inputs] == ["Trained model", "Dataset"]
    assert score.outputs[0].label == "Scored dataset" and not score.training_only
    assert score.param("append_score_columns_to_output").default is True
    ev = REGISTRY.get("Evaluate Model")
    assert [p.label for p in ev.inputs] == ["Scored dataset", "Scored dataset to compare"]
    assert ev.inputs[1].optional and ev.training_only
    assert ev.outputs[0].type == "EvaluationResultsDirectory"
    apply = REGISTRY.get("Apply Transformation")
    assert [p.label for p in apply.inputs] == ["Transformation", "Dataset"]
    assert apply.outputs[0].label == "Transformed dataset"
    for name in ("Score Model", "Assign Data to Clusters", "Apply Transformation", "Evaluate Model"):
        assert REGISTRY.get(name).category == "Model Scoring & Evaluation"


# -- Train Model --------------------------------------------------------------------------------
def test_train_model_component():
    df = ml.example_frame("binary")
    out, ctx = run("Train Model", {"untrained_model": make_untrained("Two-Class Decision Forest"), "dataset": df},
                   label_column="income")
    model = out["trained_model"]
    assert isinstance(model, TrainedModel) and model.task == "binary" and model.label_column == "income"
    assert model.learner == "Two-Class Decision Forest"
    # the label may be given as a one-name selection too
    out, _ = run("Train Model", {"untrained_model": make_untrained("Two-Class Decision Forest"), "dataset": df},
                 label_column={"begin_with": "none", "rules": [{"action": "include", "by": "names",
                                                                "values": ["income"]}]})
    assert out["trained_model"].label_column == "income"


def test_train_model_errors():
    df = ml.example_frame("binary")
    lr = make_untrained("Two-Class Logistic Regression")
    with pytest.raises(ParameterError, match="'Label column' parameter of Train Model names column"):
        run("Train Model", {"untrained_model": lr, "dataset": df}, label_column="salary")
    with pytest.raises(ParameterError, match="'Label column' parameter of Train Model is required"):
        run("Train Model", {"untrained_model": lr, "dataset": df})
    with pytest.raises(ComponentError, match="K-Means Clustering is a clustering learner.*Use Train "
                                             "Clustering Model instead"):
        run("Train Model", {"untrained_model": make_untrained("K-Means Clustering"), "dataset": df},
            label_column="income")
    with pytest.raises(ComponentError, match="Use Train Anomaly Detection Model instead"):
        run("Train Model", {"untrained_model": make_untrained("PCA-Based Anomaly Detection"), "dataset": df},
            label_column="income")
    with pytest.raises(ComponentError, match="connect an untrained model"):
        run("Train Model", {"untrained_model": None, "dataset": df}, label_column="income")
    with pytest.raises(ComponentError, match="^Train Model: the dataset is empty"):
        run("Train Model", {"untrained_model": lr, "dataset": df.iloc[:0]}, label_column="income")


def test_train_model_design_time_label_check():
    spec = REGISTRY.get("Train Model")
    schema = Schema.from_frame(ml.example_frame("binary"))
    assert spec.schema({"dataset": schema}, {"label_column": "income"}) == {"trained_model": None}
    with pytest.raises(ParameterError, match="names column\\(s\\) 'salary'"):
        spec.schema({"dataset": schema}, {"label_column": "salary"})
    # unknown upstream schema, or a pipeline-parameter binding: nothing to check yet
    assert spec.schema({"dataset": None}, {"label_column": "salary"}) == {"trained_model": None}
    assert spec.schema({"dataset": schema}, {"label_column": {PIPELINE_PARAMETER: "label"}}) == \
        {"trained_model": None}
    assert spec.infer_schema({"dataset": schema}, {"label_column": "salary"}) == {"trained_model": None}


# -- Train Clustering Model ---------------------------------------------------------------------
def test_train_clustering_model_results():
    df = ml.example_frame("clustering")
    untrained = make_untrained("K-Means Clustering", number_of_centroids=3)
    out, _ = run("Train Clustering Model", {"untrained_model": untrained, "dataset": df}, column_set=["x1", "x2"])
    model, res = out["trained_model"], out["results_dataset"]
    assert model.feature_columns == ["x1", "x2"] and model.task == "clustering"
    new = ["Assignments", "DistancesToClusterCenter no.0", "DistancesToClusterCenter no.1",
           "DistancesToClusterCenter no.2"]
    assert list(res.columns) == list(df.columns) + new
    assert get_roles(res)["Assignments"] == "score"
    assert sorted(np.bincount(res["Assignments"])) == [20, 20, 20]
    only, _ = run("Train Clustering Model", {"untrained_model": untrained, "dataset": df},
                  column_set=["x1", "x2"], check_for_append_or_uncheck_for_result_only=False)
    assert list(only["results_dataset"].columns) == new
    pd.testing.assert_frame_equal(only["results_dataset"], res[new])


def test_train_clustering_schema_when_the_model_is_known():
    spec = REGISTRY.get("Train Clustering Model")
    df = ml.example_frame("clustering")
    untrained = make_untrained("K-Means Clustering", number_of_centroids=3)
    out, _ = run("Train Clustering Model", {"untrained_model": untrained, "dataset": df}, column_set=["x1", "x2"])
    params = spec.resolve_params({"column_set": ["x1", "x2"]})
    predicted = spec.infer_schema({"dataset": Schema.from_frame(df), "untrained_model": untrained}, params)
    assert predicted["results_dataset"] == Schema.from_frame(out["results_dataset"])
    assert spec.infer_schema({"dataset": Schema.from_frame(df)}, params)["results_dataset"] is None


def test_train_clustering_label_modes():
    df = ml.example_frame("clustering").assign(group=np.tile(["p", "q", "r"], 20))
    df.loc[[0, 1, 2], "group"] = None
    set_roles(df, {"group": "label"})
    base = dict(number_of_centroids=3, normalize_features=False)
    ignore, _ = run("Train Clustering Model", {"untrained_model": make_untrained("K-Means Clustering", **base),
                                               "dataset": df})
    assert ignore["trained_model"].feature_columns == ["x1", "x2", "color", "count"]
    assert ignore["results_dataset"]["group"].isna().sum() == 3
    fill, _ = run("Train Clustering Model", {"untrained_model": make_untrained(
        "K-Means Clustering", assign_label_mode="Fill missing values", **base), "dataset": df},
        column_set=["x1", "x2"])
    res = fill["results_dataset"]
    assert res["group"].notna().all()
    assert list(res["group"].iloc[3:]) == list(df["group"].iloc[3:])
    assert get_roles(res)["group"] == "label"
    over, _ = run("Train Clustering Model", {"untrained_model": make_untrained(
        "K-Means Clustering", assign_label_mode="Overwrite from closest to center", **base), "dataset": df},
        column_set=["x1", "x2"])
    res = over["results_dataset"]
    assert res.groupby("Assignments")["group"].nunique().eq(1).all()


def test_train_clustering_errors():
    df = ml.example_frame("clustering")
    with pytest.raises(ComponentError, match="Use Train Model instead"):
        run("Train Clustering Model", {"untrained_model": make_untrained("Linear Regression"), "dataset": df})
    with pytest.raises(ComponentError, match="feature column\\(s\\) 'x1' have missing values"):
        run("Train Clustering Model", {"untrained_model": make_untrained("K-Means Clustering"),
                                       "dataset": df.assign(x1=np.nan)})


# -- Train Anomaly Detection Model ---------------------------------------------------------------
def test_train_anomaly_detection_model():
    df = ml.example_frame("anomaly").assign(label=0)
    set_roles(df, {"label": "label"})
    out, _ = run("Train Anomaly Detection Model", {"untrained_model": make_untrained("PCA-Based Anomaly Detection"),
                                                   "dataset": df})
    model = out["trained_model"]
    assert model.task == "anomaly" and "label" not in model.feature_columns
    scored, _ = run("Score Model", {"trained_model": model, "dataset": df})
    assert {"Scored Labels", "Scored Probabilities"} <= set(scored["scored_dataset"].columns)
    with pytest.raises(ComponentError, match="Use Train Model instead"):
        run("Train Anomaly Detection Model", {"untrained_model": make_untrained("Linear Regression"), "dataset": df})


# -- Score Model ----------------------------------------------------------------------------------
def test_score_model_component_and_schema():
    df = ml.example_frame("multiclass")
    train, test = split(df, 40)
    model = ml.fit_model(make_untrained("Multiclass Decision Forest"), train, "species")
    spec = REGISTRY.get("Score Model")
    for append in (True, False):
        out, ctx = run("Score Model", {"trained_model": model, "dataset": test},
                       append_score_columns_to_output=append)
        scored = out["scored_dataset"]
        pd.testing.assert_frame_equal(scored, ml.score_frame(model, test, append=append))
        params = spec.resolve_params({"append_score_columns_to_output": append})
        predicted = spec.infer_schema({"dataset": Schema.from_frame(test), "trained_model": model}, params)
        assert predicted["scored_dataset"] == Schema.from_frame(scored)
    # at design time the model is not known yet
    assert spec.infer_schema({"dataset": Schema.from_frame(test), "trained_model": None},
                             spec.resolve_params({})) == {"scored_dataset": None}


def test_score_model_refuses_clustering_models():
    df = ml.example_frame("clustering")
    km = ml.fit_model(make_untrained("K-Means Clustering"), df, None)
    with pytest.raises(ComponentError, match="is a clustering model; use Assign Data to Clusters"):
        run("Score Model", {"trained_model": km, "dataset": df})
    with pytest.raises(ComponentError, match="connect a trained model"):
        run("Score Model", {"trained_model": make_untrained("Linear Regression"), "dataset": df})


def test_score_model_names_missing_columns():
    df = ml.example_frame("regression")
    model = ml.fit_model(make_untrained("Linear Regression"), df, "price")
    with pytest.raises(ComponentError, match=r"^Score Model: the dataset has no column\(s\) 'color'"):
        run("Score Model", {"trained_model": model, "dataset": df.drop(columns=["color"])})
    # the label is not needed to score
    out, _ = run("Score Model", {"trained_model": model, "dataset": df.drop(columns=["price"])})
    assert "Scored Labels" in out["scored_dataset"]


# -- Assign Data to Clusters -------------------------------------------------------------------------
def test_assign_data_to_clusters():
    df = ml.example_frame("clustering")
    train, test = split(df, 30)
    km = ml.fit_model(make_untrained("K-Means Clustering", number_of_centroids=3), train[["x1", "x2"]], None)
    out, _ = run("Assign Data to Clusters", {"trained_model": km, "dataset": test})
    res = out["results_dataset"]
    assert list(res.columns) == list(test.columns) + ["Assignments"] + \
        [f"DistancesToClusterCenter no.{i}" for i in range(3)]
    spec = REGISTRY.get("Assign Data to Clusters")
    pred = spec.infer_schema({"dataset": Schema.from_frame(test), "trained_model": km}, spec.resolve_params({}))
    assert pred["results_dataset"] == Schema.from_frame(res)
    only, _ = run("Assign Data to Clusters", {"trained_model": km, "dataset": test},
                  check_for_append_or_uncheck_for_result_only=False)
    assert list(only["results_dataset"].columns)[0] == "Assignments"
    lr = ml.fit_model(make_untrained("Linear Regression"), ml.example_frame("regression"), "price")
    with pytest.raises(ComponentError, match="is a regression model, not a clustering model"):
        run("Assign Data to Clusters", {"trained_model": lr, "dataset": test})


# -- Apply Transformation --------------------------------------------------------------------------
class Broken(Transformation):
    source = "Normalize Data"

    def transform(self, df):
        return df["missing_column"]


def test_apply_transformation():
    df = ml.example_frame("regression")
    t = _ExampleScale().fit(df, ["x1"])
    out, _ = run("Apply Transformation", {"transformation": t, "dataset": df})
    res = out["transformed_dataset"]
    assert res["x1"].mean() == pytest.approx(0) and res["x1"].std(ddof=0) == pytest.approx(1)
    pd.testing.assert_series_equal(res["x2"], df["x2"])
    spec = REGISTRY.get("Apply Transformation")
    assert spec.infer_schema({"transformation": None, "dataset": Schema.from_frame(df)}, {}) == \
        {"transformed_dataset": None}
    assert spec.infer_schema({"transformation": t, "dataset": Schema.from_frame(df)}, {}) == \
        {"transformed_dataset": Schema.from_frame(df)}
    with pytest.raises(ComponentError, match="from Normalize Data could not be applied.*missing_column"):
        run("Apply Transformation", {"transformation": Broken(), "dataset": df})
    with pytest.raises(ComponentError, match="connect a transformation"):
        run("Apply Transformation", {"transformation": df, "dataset": df})


# -- Evaluate Model -------------------------------------------------------------------------------------
def _scored(task, learner, n_train=60, **values):
    df = ml.example_frame(task, n=100)
    train, test = split(df, n_train)
    label = {"regression": "price", "binary": "income", "multiclass": "species"}[task]
    model = ml.fit_model(make_untrained(learner, **values), train, label)
    return ml.score_frame(model, test)


def test_evaluate_model_regression_pipeline_matches_sklearn():
    left = _scored("regression", "Linear Regression")
    right = _scored("regression", "Boosted Decision Tree Regression", number_of_trees_constructed=20)
    out, ctx = run("Evaluate Model", {"scored_dataset": left, "scored_dataset_to_compare": right})
    ev = out["evaluation_results"]
    assert isinstance(ev, EvaluationResult) and len(ev.results) == 2
    json.dumps(ev.describe(), allow_nan=False)
    y, s = left["price"], left["Scored Labels"]
    assert ev.metrics(0)["Mean Absolute Error"] == pytest.approx(skm.mean_absolute_error(y, s))
    assert ev.metrics(0)["Coefficient of Determination"] == pytest.approx(skm.r2_score(y, s))
    assert ev.metrics(1)["Root Mean Squared Error"] == pytest.approx(
        skm.root_mean_squared_error(right["price"], right["Scored Labels"]))
    # every scalar metric of both inputs is logged, labelled with its side
    assert ctx.metrics == {**{f"left: {k}": v for k, v in ev.metrics(0).items()},
                           **{f"right: {k}": v for k, v in ev.metrics(1).items()}}
    assert ctx.metrics["right: Mean Absolute Error"] == pytest.approx(
        skm.mean_absolute_error(right["price"], right["Scored Labels"]))
    table = ev.metrics_table()
    assert list(table["Scored dataset"]) == ["left", "right"]


def test_evaluate_model_logs_binary_metrics():
    left = _scored("binary", "Two-Class Logistic Regression")
    out, ctx = run("Evaluate Model", {"scored_dataset": left})
    metrics = out["evaluation_results"].metrics()
    for name in ("Accuracy", "Precision", "Recall", "F1 Score", "AUC", "Threshold", "True Positive"):
        assert ctx.metrics[name] == metrics[name]
    y = (left["income"] == ">50K").astype(int)
    assert ctx.metrics["AUC"] == pytest.approx(skm.roc_auc_score(y, left["Scored Probabilities"]))


def test_evaluate_model_refuses_mixed_model_kinds():
    with pytest.raises(ComponentError, match="different kinds of model \\(regression and binary\\)"):
        run("Evaluate Model", {"scored_dataset": _scored("regression", "Linear Regression"),
                               "scored_dataset_to_compare": _scored("binary", "Two-Class Logistic Regression")})


def test_evaluate_model_without_label_or_scores():
    left = _scored("regression", "Linear Regression")
    left.attrs.clear()
    with pytest.raises(ComponentError, match="^Evaluate Model: there is no label column.*Edit Metadata"):
        run("Evaluate Model", {"scored_dataset": left})
    with pytest.raises(ComponentError, match="there is no score column"):
        run("Evaluate Model", {"scored_dataset": ml.example_frame("regression")})
    set_roles(left, {"price": "label"})  # Edit Metadata fixes it
    out, _ = run("Evaluate Model", {"scored_dataset": left})
    assert out["evaluation_results"].results[0]["task"] == "regression"


def test_evaluate_model_clustering_and_multiclass():
    df = ml.example_frame("clustering")
    km = ml.fit_model(make_untrained("K-Means Clustering", number_of_centroids=3), df[["x1", "x2"]], None)
    assigned = ml.score_frame(km, df)
    out, ctx = run("Evaluate Model", {"scored_dataset": assigned})
    res = out["evaluation_results"].results[0]
    assert res["task"] == "clustering" and len(res["clusters"]) == 3
    assert ctx.metrics["Number of Points"] == len(df)
    multi = _scored("multiclass", "Multiclass Boosted Decision Tree", number_of_trees_constructed=20)
    out, ctx = run("Evaluate Model", {"scored_dataset": multi})
    res = out["evaluation_results"].results[0]
    assert res["confusion_matrix"]["labels"] == ["a", "b", "c"]
    assert ctx.metrics["Overall accuracy"] == pytest.approx(skm.accuracy_score(multi["species"], multi["Scored Labels"]))


def test_errors_are_designer_errors():
    """Front ends show DesignerError messages as they are; nothing leaks as a bare traceback."""
    df = ml.example_frame("binary")
    bad_inputs = [
        ("Train Model", {"untrained_model": make_untrained("Linear Regression"), "dataset": df},
         {"label_column": "income"}),
        ("Train Model", {"untrained_model": make_untrained("Two-Class Logistic Regression"),
                         "dataset": df.assign(x1=pd.Series(["a", 1] * 30, dtype=object))},
         {"label_column": "income"}),
        ("Score Model", {"trained_model": None, "dataset": df}, {}),
        ("Evaluate Model", {"scored_dataset": None}, {}),
    ]
    for name, inputs, params in bad_inputs:
        with pytest.raises(DesignerError):
            run(name, inputs, **params)
