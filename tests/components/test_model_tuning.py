"""Tune Model Hyperparameters and Cross Validate Model."""

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from jupyter_designer.components import ml
from jupyter_designer.components import model_tuning as mt
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, DesignerError
from jupyter_designer.engine.models import TrainedModel
from jupyter_designer.engine.schema import get_roles


class Threads:
    """A compute target fanning work out on threads (the contract ctx.parallel() uses)."""

    n_jobs = 2

    def joblib_backend(self):
        from joblib import parallel_config

        return parallel_config(backend="threading", n_jobs=2)


class Processes(Threads):
    def joblib_backend(self):
        from joblib import parallel_config

        return parallel_config(backend="loky", n_jobs=2)


def _run(name, inputs, params, compute=None):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec, compute=compute), inputs, spec.resolve_params(params))


def _learner(name, values=None):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec), {}, spec.resolve_params(values or {}))["untrained_model"]


def _binary(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    color = rng.choice(["red", "green", "blue"], size=n)
    y = np.where(X[:, 0] - 0.5 * X[:, 1] + (color == "red") + 0.7 * rng.normal(size=n) > 0.2,
                 "yes", "no")
    return pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "color": color, "label": y})


def _regression(n=90, seed=1):
    rng = np.random.RandomState(seed)
    a, b = rng.uniform(0, 10, size=n), rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "price": 3 * a - 2 * b + rng.normal(scale=2, size=n)})


def _multiclass(n=150, seed=2):
    rng = np.random.RandomState(seed)
    y = rng.choice(["a", "b", "c"], size=n)
    x1 = np.where(y == "a", 0.0, np.where(y == "b", 1.5, 3.0)) + rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": rng.normal(size=n), "y": y})


def _tune(untrained, train, label, validation=None, compute=None, **params):
    inputs = {"untrained_model": untrained, "training_dataset": train}
    if validation is not None:
        inputs["optional_validation_dataset"] = validation
    return _run("Tune Model Hyperparameters", inputs, {"label_column": label, **params}, compute)


LOGISTIC_RANGES = {"create_trainer_mode": "Parameter Range",
                   "l2_regularization_weight_range": [0.01, 1.0, 100.0],
                   "optimization_tolerance_range": [1e-4, 1e-7],
                   "l1_regularization_weight_range": [0.0],
                   "memory_size_for_l_bfgs_range": [20]}


# -- declarations -----------------------------------------------------------------------------
def test_declarations():
    tune = REGISTRY.get("Tune Model Hyperparameters")
    assert tune.category == "Model Training" and tune.training_only
    assert tune.model_output == "trained_best_model"
    assert [p.label for p in tune.inputs] == ["Untrained model", "Training dataset",
                                              "Optional validation dataset"]
    assert tune.input("optional_validation_dataset").optional
    assert [p.label for p in tune.outputs] == ["Sweep results", "Trained best model"]
    assert tune.param("specify_parameter_sweeping_mode").choices == ("Entire grid", "Random sweep")
    assert tune.param("maximum_number_of_runs_on_random_sweep").default == 5
    assert tune.param("metric_for_measuring_performance_for_classification").choices == (
        "Accuracy", "Precision", "Recall", "F-score", "AUC", "Average log loss")
    assert tune.param("metric_for_measuring_performance_for_regression").choices == (
        "Mean absolute error", "Root of mean squared error", "Relative absolute error",
        "Relative squared error", "Coefficient of determination")
    cv = REGISTRY.get("Cross Validate Model")
    assert cv.category == "Model Scoring & Evaluation" and cv.training_only
    assert [p.label for p in cv.outputs] == ["Scored results", "Evaluation results by fold"]
    assert cv.param("random_seed").default == 0


# -- sweep settings ---------------------------------------------------------------------------
def test_entire_grid_is_every_combination():
    grid = {"a": [1, 2, 3], "b": [0.1, 0.2], "c": ["x", "y"]}
    settings = mt.sweep_settings(grid, "Entire grid", 5, 0)
    assert len(settings) == 12
    assert settings == [dict(zip("abc", combo)) for combo in itertools.product(*grid.values())]


def test_random_sweep_draws_distinct_settings_of_the_grid_by_seed():
    grid = {"a": list(range(10)), "b": list(range(10))}
    s1 = mt.sweep_settings(grid, "Random sweep", 7, 42)
    assert len(s1) == 7
    assert len({tuple(s.items()) for s in s1}) == 7
    assert all(s["a"] in grid["a"] and s["b"] in grid["b"] for s in s1)
    assert s1 == mt.sweep_settings(grid, "Random sweep", 7, 42)
    assert s1 != mt.sweep_settings(grid, "Random sweep", 7, 43)
    # a grid no larger than the number of runs is swept entirely
    assert len(mt.sweep_settings({"a": [1, 2]}, "Random sweep", 5, 0)) == 2
    assert mt.sweep_settings({}, "Entire grid", 5, 0) == [{}]


def test_single_parameter_learner_sweeps_its_default_ranges():
    untrained = _learner("Two-Class Boosted Decision Tree")
    assert untrained.grid == {}
    grid = mt.default_grid(untrained)
    spec = REGISTRY.get("Two-Class Boosted Decision Tree")
    for key, values in grid.items():
        assert values == spec.param(f"{key}_range").default
    assert "learning_rate" in grid
    assert mt.default_grid(_learner("Linear Regression")) == {}  # OLS has nothing to sweep


# -- Tune Model Hyperparameters -------------------------------------------------------------
def test_tune_with_validation_agrees_with_fitting_each_setting_by_hand():
    train, valid = _binary(120, 0), _binary(80, 7)
    untrained = _learner("Two-Class Logistic Regression", LOGISTIC_RANGES)
    out = _tune(untrained, train, "label", valid, specify_parameter_sweeping_mode="Entire grid",
                metric_for_measuring_performance_for_classification="Accuracy")
    table = out["sweep_results"]
    spec = REGISTRY.get("Two-Class Logistic Regression")
    labels = {spec.param(k).label: k for k in untrained.grid}
    assert len(table) == int(np.prod([len(v) for v in untrained.grid.values()])) == 6
    assert list(table.columns)[:len(labels)] == list(labels)  # the swept parameters ...
    assert list(table.columns)[len(labels):] == ["Accuracy", "Precision", "Recall", "F-Score",
                                                 "AUC", "Average Log Loss"]  # ... their metrics
    assert table["Accuracy"].is_monotonic_decreasing
    for _, row in table.iterrows():
        setting = {key: row[label] for label, key in labels.items()}
        model = ml.fit_model(untrained, train, "label", overrides=setting)
        scored = ml.score_frame(model, valid)
        y = (valid["label"] == "yes").astype(int)
        p = scored["Scored Probabilities"]
        pred = (p >= 0.5).astype(int)
        assert row["Accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
        assert row["Precision"] == pytest.approx(skm.precision_score(y, pred, zero_division=0))
        assert row["Recall"] == pytest.approx(skm.recall_score(y, pred))
        assert row["F-Score"] == pytest.approx(skm.f1_score(y, pred))
        assert row["AUC"] == pytest.approx(skm.roc_auc_score(y, p))
        assert row["Average Log Loss"] == pytest.approx(skm.log_loss(y, p))
    best = out["trained_best_model"]
    assert isinstance(best, TrainedModel)
    top = table.iloc[0]
    assert best.info["tuned_parameters"]["l2_regularization_weight"] == top["L2 regularization weight"]
    assert best.info["tuning_metric"] == {"Accuracy": pytest.approx(top["Accuracy"])}
    # the best model is the best setting trained on the whole training dataset
    by_hand = ml.fit_model(untrained, train, "label", overrides=best.info["tuned_parameters"])
    pd.testing.assert_frame_equal(ml.score_frame(best, valid), ml.score_frame(by_hand, valid))


def test_tune_regression_ranks_errors_lowest_first():
    train, valid = _regression(90, 1), _regression(40, 5)
    untrained = _learner("Decision Forest Regression", {
        "create_trainer_mode": "Parameter Range", "number_of_decision_trees_range": [1, 4],
        "maximum_depth_of_the_decision_trees_range": [1, 2, 8],
        "minimum_number_of_samples_per_leaf_node_range": [1]})
    out = _tune(untrained, train, "price", valid, specify_parameter_sweeping_mode="Entire grid",
                metric_for_measuring_performance_for_regression="Root of mean squared error")
    table = out["sweep_results"]
    assert len(table) == 6
    assert table["Root Mean Squared Error"].is_monotonic_increasing
    assert list(table.columns)[-5:] == ["Mean Absolute Error", "Root Mean Squared Error",
                                        "Relative Absolute Error", "Relative Squared Error",
                                        "Coefficient of Determination"]
    row = table.iloc[0]
    setting = {"number_of_decision_trees": int(row["Number of decision trees"]),
               "maximum_depth_of_the_decision_trees": int(row["Maximum depth of the decision trees"]),
               "minimum_number_of_samples_per_leaf_node": 1}
    pred = ml.score_frame(ml.fit_model(untrained, train, "price", overrides=setting),
                           valid)["Scored Labels"]
    assert row["Root Mean Squared Error"] == pytest.approx(
        skm.root_mean_squared_error(valid["price"], pred))
    assert row["Coefficient of Determination"] == pytest.approx(skm.r2_score(valid["price"], pred))
    assert row["Mean Absolute Error"] == pytest.approx(skm.mean_absolute_error(valid["price"], pred))


def test_tune_without_validation_cross_validates_with_five_folds():
    train = _regression(60, 3)
    untrained = _learner("Linear Regression", {
        "solution_method": "Online Gradient Descent", "create_trainer_mode": "Parameter Range",
        "learning_rate_range": [0.01, 0.1], "number_of_training_epochs_range": [5],
        "l2_regularization_weight_range": [0.001]})
    out = _tune(untrained, train, "price", specify_parameter_sweeping_mode="Entire grid",
                random_seed=11)
    table = out["sweep_results"]
    folds = mt.make_folds(train, "price", "regression", mt.TUNE_FOLDS, 11, "t")
    assert len(folds) == 5
    for _, row in table.iterrows():
        setting = {"learning_rate": row["Learning rate"], "number_of_training_epochs": 5,
                   "l2_regularization_weight": 0.001}
        maes = []
        for _, tr, te in folds:
            model = ml.fit_model(untrained, train.iloc[tr], "price", overrides=setting)
            pred = ml.score_frame(model, train.iloc[te])["Scored Labels"]
            maes.append(skm.mean_absolute_error(train["price"].iloc[te], pred))
        assert row["Mean Absolute Error"] == pytest.approx(np.mean(maes))
    assert table["Mean Absolute Error"].is_monotonic_increasing


def test_tune_uses_fold_assignments_and_never_as_a_feature():
    train = _binary(100, 4)
    train["Fold Assignments"] = np.arange(100) % 3
    untrained = _learner("Two-Class Logistic Regression", LOGISTIC_RANGES)
    out = _tune(untrained, train, "label", specify_parameter_sweeping_mode="Random sweep",
                maximum_number_of_runs_on_random_sweep=2)
    best = out["trained_best_model"]
    assert "Fold Assignments" not in best.feature_columns
    assert len(out["sweep_results"]) == 2
    folds = mt.make_folds(train, "label", "binary", 5, 0, "t")
    assert [name for name, _, _ in folds] == ["0", "1", "2"]


def test_tune_multiclass_metrics():
    train, valid = _multiclass(150, 2), _multiclass(90, 8)
    untrained = _learner("Multiclass Logistic Regression", {
        "create_trainer_mode": "Parameter Range", "l2_regularization_weight_range": [0.01, 10.0],
        "optimization_tolerance_range": [1e-7], "l1_regularization_weight_range": [0.0]})
    out = _tune(untrained, train, "y", valid, specify_parameter_sweeping_mode="Entire grid",
                metric_for_measuring_performance_for_classification="Average log loss")
    table = out["sweep_results"]
    assert table["Average Log Loss"].is_monotonic_increasing
    row = table.iloc[0]
    setting = {"l2_regularization_weight": row["L2 regularization weight"],
               "optimization_tolerance": 1e-7, "l1_regularization_weight": 0.0}
    scored = ml.score_frame(ml.fit_model(untrained, train, "y", overrides=setting), valid)
    P = scored[[f"Scored Probabilities_{c}" for c in "abc"]].to_numpy()
    assert row["Average Log Loss"] == pytest.approx(skm.log_loss(valid["y"], P, labels=list("abc")))
    assert row["Accuracy"] == pytest.approx(skm.accuracy_score(valid["y"], scored["Scored Labels"]))
    assert row["F-Score"] == pytest.approx(skm.f1_score(valid["y"], scored["Scored Labels"],
                                                         average="macro"))
    assert row["AUC"] == pytest.approx(skm.roc_auc_score(valid["y"], P, multi_class="ovr",
                                                          average="macro"))


def test_tune_is_identical_across_backends():
    train = _binary(90, 6)
    untrained = _learner("Two-Class Decision Forest", {
        "create_trainer_mode": "Parameter Range", "number_of_decision_trees_range": [2, 5],
        "maximum_depth_of_the_decision_trees_range": [4],
        "minimum_number_of_samples_per_leaf_node_range": [1]})
    params = dict(specify_parameter_sweeping_mode="Entire grid",
                  metric_for_measuring_performance_for_classification="AUC", random_seed=5)
    local = _tune(untrained, train, "label", **params)
    assert len(local["sweep_results"]) == 2
    again = _tune(untrained, train, "label", **params)
    threads = _tune(untrained, train, "label", compute=Threads(), **params)
    pd.testing.assert_frame_equal(local["sweep_results"], again["sweep_results"])
    pd.testing.assert_frame_equal(local["sweep_results"], threads["sweep_results"])
    pd.testing.assert_frame_equal(ml.score_frame(local["trained_best_model"], train),
                                  ml.score_frame(threads["trained_best_model"], train))


@pytest.mark.slow
def test_a_process_pool_gives_the_same_results():
    """Sweep settings and folds run in worker processes (a local-processes compute target)."""
    train = _binary(90, 6)
    untrained = _learner("Two-Class Decision Forest", {
        "create_trainer_mode": "Parameter Range", "number_of_decision_trees_range": [2, 5],
        "maximum_depth_of_the_decision_trees_range": [4],
        "minimum_number_of_samples_per_leaf_node_range": [1]})
    params = dict(specify_parameter_sweeping_mode="Entire grid",
                  metric_for_measuring_performance_for_classification="AUC", random_seed=5)
    local = _tune(untrained, train, "label", **params)
    procs = _tune(untrained, train, "label", compute=Processes(), **params)
    pd.testing.assert_frame_equal(local["sweep_results"], procs["sweep_results"])
    pd.testing.assert_frame_equal(ml.score_frame(local["trained_best_model"], train),
                                  ml.score_frame(procs["trained_best_model"], train))
    a = _cv(untrained, train, "label", seed=2)
    b = _cv(untrained, train, "label", seed=2, compute=Processes())
    for key in ("scored_results", "evaluation_results_by_fold"):
        pd.testing.assert_frame_equal(a[key], b[key])


def test_tune_bad_input():
    train = _binary(40)
    untrained = _learner("Two-Class Logistic Regression")
    with pytest.raises(DesignerError, match=r"'Label column'.*'nope'"):
        _tune(untrained, train, "nope")
    with pytest.raises(ComponentError, match="validation dataset has no label column 'label'"):
        _tune(untrained, train, "label", train.drop(columns=["label"]))
    km = _learner("K-Means Clustering")
    with pytest.raises(ComponentError, match="works with classification and regression learners"):
        _tune(km, train, "label")
    with pytest.raises(ComponentError, match="'Untrained model' input must be an untrained model"):
        _tune(train, train, "label")
    with pytest.raises(ComponentError, match="needs exactly 2 classes"):
        _tune(_learner("Two-Class Logistic Regression", LOGISTIC_RANGES), _multiclass(60), "y")


def test_tune_refuses_a_learner_in_single_parameter_mode_instead_of_sweeping():
    train = _binary(40)
    single = _learner("Two-Class Boosted Decision Tree")
    with pytest.raises(ComponentError, match="^Tune Model Hyperparameters: the learner Two-Class "
                       "Boosted Decision Tree is in 'Single Parameter' mode.*'Create trainer "
                       "mode' to 'Parameter Range'.*or train its single setting with Train Model"):
        _tune(single, train, "label")


# -- Cross Validate Model -----------------------------------------------------------------------
def _cv(untrained, df, label, seed=0, compute=None):
    return _run("Cross Validate Model", {"untrained_model": untrained, "dataset": df},
                {"label_column": label, "random_seed": seed}, compute)


def test_cross_validation_regression_agrees_with_sklearn_by_fold():
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold

    df = _regression(95, 9)
    out = _cv(_learner("Linear Regression"), df, "price", seed=3)
    scored, table = out["scored_results"], out["evaluation_results_by_fold"]
    # every row, in input order, scored by a model that did not see it
    assert list(scored.columns) == ["a", "b", "price", "Scored Labels", "Fold Assignments"]
    pd.testing.assert_frame_equal(scored[["a", "b", "price"]], df)
    assert get_roles(scored) == {"price": "label", "Scored Labels": "score"}
    splits = list(KFold(10, shuffle=True, random_state=3).split(df))
    for fold, (tr, te) in enumerate(splits):
        assert (scored["Fold Assignments"].iloc[te] == fold).all()
        # Linear Regression, Ordinary Least Squares with the default L2 weight 0.001
        lr = Ridge(alpha=0.001).fit(df[["a", "b"]].iloc[tr], df["price"].iloc[tr])
        pred = lr.predict(df[["a", "b"]].iloc[te])
        np.testing.assert_allclose(scored["Scored Labels"].iloc[te], pred, rtol=1e-9)
        row = table.iloc[fold]
        assert row["Fold Number"] == str(fold)
        assert row["Number of examples in fold"] == len(te)
        assert row["Model"] == "Linear Regression"
        y = df["price"].iloc[te]
        assert row["Mean Absolute Error"] == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-6)
        assert row["Root Mean Squared Error"] == pytest.approx(skm.root_mean_squared_error(y, pred), rel=1e-6)
        assert row["Coefficient of Determination"] == pytest.approx(skm.r2_score(y, pred), rel=1e-5)
    assert list(table["Fold Number"]) == [str(i) for i in range(10)] + ["Mean", "Standard Deviation"]
    folds = table.iloc[:10]
    assert table.iloc[10]["Mean Absolute Error"] == pytest.approx(folds["Mean Absolute Error"].mean())
    assert table.iloc[11]["Mean Absolute Error"] == pytest.approx(folds["Mean Absolute Error"].std(ddof=1))
    assert table.iloc[10]["Number of examples in fold"] == pytest.approx(9.5)


def test_cross_validation_classification_is_stratified_and_reports_metrics():
    df = _binary(100, 2)
    out = _cv(_learner("Two-Class Logistic Regression"), df, "label", seed=1)
    scored, table = out["scored_results"], out["evaluation_results_by_fold"]
    assert {"Scored Labels", "Scored Probabilities", "Fold Assignments"} <= set(scored.columns)
    for fold in range(10):
        part = scored[scored["Fold Assignments"] == fold]
        assert set(part["label"]) == {"yes", "no"}  # stratified: both classes in every fold
        y = (part["label"] == "yes").astype(int)
        row = table.iloc[fold]
        assert row["Accuracy"] == pytest.approx(skm.accuracy_score(y, part["Scored Probabilities"] >= 0.5))
        assert row["AUC"] == pytest.approx(skm.roc_auc_score(y, part["Scored Probabilities"]))
    assert {"Accuracy", "Precision", "Recall", "F1 Score", "AUC", "Average Log Loss"} <= set(table.columns)
    assert "True Positive" not in table.columns and "Threshold" not in table.columns


def test_cross_validation_uses_partition_and_sample_folds():
    df = _regression(60, 4)
    df["Fold Assignments"] = np.arange(60) % 4
    out = _cv(_learner("Linear Regression"), df, "price")
    table = out["evaluation_results_by_fold"]
    assert list(table["Fold Number"]) == ["0", "1", "2", "3", "Mean", "Standard Deviation"]
    assert list(table["Number of examples in fold"][:4]) == [15, 15, 15, 15]
    scored = out["scored_results"]
    assert scored["Fold Assignments"].tolist() == df["Fold Assignments"].tolist()
    # the fold column was not a feature: same predictions as without it
    from sklearn.linear_model import Ridge

    te = np.flatnonzero(df["Fold Assignments"] == 2)
    tr = np.flatnonzero(df["Fold Assignments"] != 2)
    lr = Ridge(alpha=0.001).fit(df[["a", "b"]].iloc[tr], df["price"].iloc[tr])
    np.testing.assert_allclose(scored["Scored Labels"].iloc[te], lr.predict(df[["a", "b"]].iloc[te]),
                               rtol=1e-9)


def test_cross_validation_is_deterministic_across_backends():
    df = _binary(80, 3)
    untrained = _learner("Two-Class Decision Forest", {"number_of_decision_trees": 3})
    a = _cv(untrained, df, "label", seed=2)
    b = _cv(untrained, df, "label", seed=2, compute=Threads())
    for key in ("scored_results", "evaluation_results_by_fold"):
        pd.testing.assert_frame_equal(a[key], b[key])
    other = _cv(untrained, df, "label", seed=3)
    assert not other["scored_results"]["Fold Assignments"].equals(a["scored_results"]["Fold Assignments"])


def test_cross_validation_small_and_bad_input():
    small = _regression(6, 1)
    out = _cv(_learner("Linear Regression"), small, "price")
    assert len(out["evaluation_results_by_fold"]) == 6 + 2  # as many folds as rows
    with pytest.raises(ComponentError, match=r"has 1 row\(s\); cross validation needs at least 2"):
        _cv(_learner("Linear Regression"), small.iloc[:1], "price")
    df = _regression(30)
    with pytest.raises(ComponentError, match="works with classification and regression learners"):
        _cv(_learner("K-Means Clustering"), df, "price")
    with pytest.raises(ComponentError, match="label column 'price' has missing values"):
        _cv(_learner("Linear Regression"), df.assign(price=np.where(df.index == 3, np.nan, df["price"])), "price")
    one_fold = df.assign(**{"Fold Assignments": 0})
    with pytest.raises(ComponentError, match="puts every row in one fold"):
        _cv(_learner("Linear Regression"), one_fold, "price")
    with pytest.raises(DesignerError, match=r"'Label column'.*'nope'"):
        _cv(_learner("Linear Regression"), df, "nope")
