"""Filter Based Feature Selection and Permutation Feature Importance."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jupyter_designer.components import ml
from jupyter_designer.components import feature_selection as fs
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, DesignerError
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.schema import Schema, get_roles, set_roles


def _run(name, inputs, params=None, compute=None):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec, compute=compute), inputs, spec.resolve_params(params or {}))


def _fbfs(df, method, target="y", n=1, **extra):
    params = {"feature_scoring_method": method, "number_of_desired_features": n, **extra}
    if target is not None:
        params["target_column"] = target
    return _run("Filter Based Feature Selection", {"dataset": df}, params)


def _scores(out) -> dict:
    row = out["features"]
    assert len(row) == 1
    return {c: float(row[c].iloc[0]) for c in row.columns}


@pytest.fixture
def regression_frame():
    rng = np.random.RandomState(0)
    n = 120
    x1, x2, x3 = rng.normal(size=n), rng.uniform(0, 5, size=n), rng.normal(size=n)
    y = 2.0 * x1 - 0.7 * x2 + 0.1 * rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "flag": x3 > 0, "y": y})


@pytest.fixture
def class_frame():
    rng = np.random.RandomState(1)
    n = 150
    y = rng.choice(["a", "b", "c"], size=n)
    x1 = np.where(y == "a", 0.0, np.where(y == "b", 1.0, 3.0)) + rng.normal(size=n)
    x2 = rng.normal(size=n)
    x3 = rng.randint(0, 6, size=n).astype(float)
    color = np.where(rng.uniform(size=n) < 0.7, np.where(y == "a", "red", "blue"),
                     rng.choice(["red", "blue", "green"], size=n))
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "color": color, "y": y})


# -- declaration ---------------------------------------------------------------------------
def test_declaration():
    spec = REGISTRY.get("Filter Based Feature Selection")
    assert spec.category == "Feature Selection"
    assert spec.param("feature_scoring_method").choices == (
        "Pearson Correlation", "Mutual Information", "Kendall Correlation", "Spearman Correlation",
        "Chi Squared", "Fisher Score", "Count Based")
    assert spec.param("feature_scoring_method").default == "Pearson Correlation"
    assert spec.param("operate_on_feature_columns_only").default is True
    assert spec.param("number_of_desired_features").default == 1
    assert [p.label for p in spec.outputs] == ["Filtered dataset", "Features",
                                               "Feature selection transformation"]
    assert spec.transformation_output == "feature_selection_transformation"
    pfi = REGISTRY.get("Permutation Feature Importance")
    assert pfi.category == "Feature Selection" and pfi.training_only
    assert [p.label for p in pfi.inputs] == ["Trained model", "Test data"]


# -- agreement of the scores with the libraries --------------------------------------------
def test_pearson_is_the_absolute_r_of_sklearn(regression_frame):
    from sklearn.feature_selection import r_regression

    df = regression_frame
    scores = _scores(_fbfs(df, "Pearson Correlation", n=4))
    X = df[["x1", "x2", "x3", "flag"]].astype(float)
    expected = np.abs(r_regression(X, df["y"]))
    np.testing.assert_allclose([scores[c] for c in X.columns], expected, rtol=1e-10)


def test_pearson_with_a_class_target_correlates_with_conditional_means(class_frame):
    df = class_frame
    scores = _scores(_fbfs(df, "Pearson Correlation", n=3))
    for col in ("x1", "x2", "x3"):
        cond_mean = df.groupby("y")[col].transform("mean")
        expected = abs(np.corrcoef(df[col], cond_mean)[0, 1])
        # ... which is the correlation ratio eta = sqrt(SS_between / SS_total)
        ss_between = ((cond_mean - df[col].mean()) ** 2).sum()
        eta = np.sqrt(ss_between / ((df[col] - df[col].mean()) ** 2).sum())
        assert scores[col] == pytest.approx(expected, rel=1e-10)
        assert scores[col] == pytest.approx(eta, rel=1e-10)
    assert scores["color"] == 0.0  # text features are not scored by a correlation


@pytest.mark.parametrize("method,fn", [("Kendall Correlation", stats.kendalltau),
                                       ("Spearman Correlation", stats.spearmanr)])
def test_rank_correlations_agree_with_scipy(regression_frame, method, fn):
    df = regression_frame
    scores = _scores(_fbfs(df, method, n=4))
    for col in ("x1", "x2", "x3", "flag"):
        assert scores[col] == pytest.approx(abs(fn(df[col].astype(float), df["y"]).statistic), rel=1e-10)


def test_mutual_information_agrees_with_sklearn(regression_frame, class_frame):
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    df = regression_frame
    scores = _scores(_fbfs(df, "Mutual Information", n=4))
    for col in ("x1", "x2", "x3"):
        expected = mutual_info_regression(df[[col]], df["y"], n_neighbors=3, random_state=0)[0]
        assert scores[col] == pytest.approx(expected, rel=1e-10)
    assert scores["x1"] > scores["x3"]
    df = class_frame
    scores = _scores(_fbfs(df, "Mutual Information", n=4))
    y = pd.factorize(df["y"], sort=True)[0]
    expected = mutual_info_classif(df[["x1"]], y, n_neighbors=3, random_state=0)[0]
    assert scores["x1"] == pytest.approx(expected, rel=1e-10)
    codes = pd.factorize(df["color"], sort=True)[0].reshape(-1, 1)
    expected = mutual_info_classif(codes, y, discrete_features=True, random_state=0)[0]
    assert scores["color"] == pytest.approx(expected, rel=1e-10)
    assert scores["x1"] > scores["x2"]


def test_chi_squared_is_the_contingency_statistic(class_frame):
    from sklearn.feature_selection import chi2

    df = class_frame
    scores = _scores(_fbfs(df, "Chi Squared", n=4))
    table = pd.crosstab(df["color"], df["y"])
    expected = stats.chi2_contingency(table, correction=False).statistic
    assert scores["color"] == pytest.approx(expected, rel=1e-10)
    # for a one-hot coded feature it is the sum of sklearn's chi2 over the indicator columns
    onehot = pd.get_dummies(df["color"]).astype(float)
    assert scores["color"] == pytest.approx(chi2(onehot, df["y"])[0].sum(), rel=1e-10)
    # x3 has 6 distinct values: used as they are; x1 (continuous): 10 equal-frequency bins
    assert scores["x3"] == pytest.approx(
        stats.chi2_contingency(pd.crosstab(df["x3"], df["y"]), correction=False).statistic)
    bins = pd.qcut(df["x1"], 10, labels=False)
    assert scores["x1"] == pytest.approx(
        stats.chi2_contingency(pd.crosstab(bins, df["y"]), correction=False).statistic)
    assert scores["x1"] > scores["x2"]


def test_fisher_score_by_hand(class_frame):
    df = class_frame
    scores = _scores(_fbfs(df, "Fisher Score", n=3))
    for col in ("x1", "x2", "x3"):
        g = df.groupby("y")[col]
        n_k, mean_k, var_k = g.size(), g.mean(), g.var(ddof=0)
        expected = (n_k * (mean_k - df[col].mean()) ** 2).sum() / (n_k * var_k).sum()
        assert scores[col] == pytest.approx(expected, rel=1e-10)
    assert scores["color"] == 0.0


def test_count_based_counts_present_non_zero_values():
    df = pd.DataFrame({"a": [0.0, 1.0, np.nan, 2.0], "b": [1, 1, 1, 0], "c": ["x", "", None, "y"],
                       "d": [True, False, True, True]})
    out = _fbfs(df, "Count Based", target=None, n=2)
    assert _scores(out) == {"b": 3.0, "d": 3.0, "a": 2.0, "c": 2.0}
    assert list(out["filtered_dataset"].columns) == ["b", "d"]


def test_count_based_keeps_a_given_target():
    df = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1, 1, 1], "y": [0, 1, 0]})
    out = _fbfs(df, "Count Based", target="y", n=1)
    assert list(out["filtered_dataset"].columns) == ["y", "b"]
    assert "y" not in _scores(out)


# -- outputs ------------------------------------------------------------------------------------
def test_outputs_rank_best_first_and_keep_the_target(regression_frame):
    df = regression_frame
    out = _fbfs(df, "Pearson Correlation", n=2)
    scores = _scores(out)
    assert list(scores) == sorted(scores, key=lambda c: -scores[c])
    assert list(scores)[:2] == ["x1", "x2"]
    filtered = out["filtered_dataset"]
    assert list(filtered.columns) == ["y", "x1", "x2"]
    pd.testing.assert_frame_equal(filtered, df[["y", "x1", "x2"]])
    assert out["features"].dtypes.eq("float64").all()


def test_more_desired_features_than_columns_returns_all(regression_frame):
    out = _fbfs(regression_frame, "Spearman Correlation", n=50)
    assert set(out["filtered_dataset"].columns) == set(regression_frame.columns)
    assert len(_scores(out)) == 4


def test_label_and_score_columns_are_not_scored_unless_asked(regression_frame):
    df = regression_frame.assign(**{"Scored Labels": regression_frame["y"] + 0.01})
    set_roles(df, {"Scored Labels": "score", "x3": "label"})
    scores = _scores(_fbfs(df, "Pearson Correlation", n=10))
    assert set(scores) == {"x1", "x2", "flag"}
    all_cols = _scores(_fbfs(df, "Pearson Correlation", n=10, operate_on_feature_columns_only=False))
    assert set(all_cols) == {"x1", "x2", "x3", "flag", "Scored Labels"}
    assert next(iter(all_cols)) == "Scored Labels"


def test_roles_are_kept_on_the_filtered_dataset(regression_frame):
    df = regression_frame
    set_roles(df, {"y": "label"})
    out = _fbfs(df, "Pearson Correlation", n=1)
    assert get_roles(out["filtered_dataset"]) == {"y": "label"}


def test_missing_values_are_ignored_pairwise(regression_frame):
    df = regression_frame.copy()
    df.loc[::7, "x1"] = np.nan
    df.loc[::5, "y"] = np.nan
    df["empty"] = np.nan
    scores = _scores(_fbfs(df, "Pearson Correlation", n=5))
    ok = df["x1"].notna() & df["y"].notna()
    assert scores["x1"] == pytest.approx(abs(np.corrcoef(df.loc[ok, "x1"], df.loc[ok, "y"])[0, 1]))
    assert scores["empty"] == 0.0


def test_transformation_selects_the_same_columns_on_new_data(regression_frame):
    out = _fbfs(regression_frame, "Pearson Correlation", n=2)
    t = out["feature_selection_transformation"]
    assert isinstance(t, Transformation)
    new = regression_frame.drop(columns=["y"]).iloc[:5]  # inference data has no label
    got = t.transform(new)
    assert list(got.columns) == ["x1", "x2"]
    assert t.output_schema(Schema.from_frame(new)).names == ["x1", "x2"]
    assert list(t.transform(regression_frame).columns) == ["y", "x1", "x2"]
    with pytest.raises(ComponentError, match=r"lacks the selected feature column\(s\) 'x2'"):
        t.transform(new.drop(columns=["x2"]))
    # plain state only (stored with skops)
    assert t.describe()["columns"] == ["y", "x1", "x2"]
    import skops.io as sio

    data = sio.dumps(t)
    back = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert list(back.transform(new).columns) == ["x1", "x2"]


# -- bad input ------------------------------------------------------------------------------
def test_correlation_needs_a_target(regression_frame):
    with pytest.raises(ComponentError, match=r"Pearson Correlation needs a 'Target column'"):
        _fbfs(regression_frame, "Pearson Correlation", target=None)


def test_unknown_target_names_the_column(regression_frame):
    with pytest.raises(DesignerError, match=r"'Target column'.*'nope'.*Available columns: x1"):
        _fbfs(regression_frame, "Pearson Correlation", target="nope")


def test_fisher_score_needs_classes(regression_frame):
    with pytest.raises(ComponentError, match=r"Fisher Score needs a target column with classes, "
                                             r"but 'y' holds continuous values"):
        _fbfs(regression_frame, "Fisher Score")


def test_all_missing_target_and_no_features():
    df = pd.DataFrame({"a": [1.0, 2.0], "y": [np.nan, np.nan]})
    with pytest.raises(ComponentError, match="target column 'y' has only missing values"):
        _fbfs(df, "Pearson Correlation")
    with pytest.raises(ComponentError, match="no feature columns to score besides the target 'y'"):
        _fbfs(df[["y"]], "Pearson Correlation")


def test_has_classes_rule():
    assert fs.has_classes(pd.Series(["a", "b"]))
    assert fs.has_classes(pd.Series([0, 1, 2]))
    assert fs.has_classes(pd.Series([0.0, 1.0, 1.0]))
    assert not fs.has_classes(pd.Series([0.5, 1.0]))
    assert not fs.has_classes(pd.Series(np.arange(30, dtype=float)))


# -- Permutation Feature Importance -----------------------------------------------------------
def _learner(name, values=None):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec), {}, spec.resolve_params(values or {}))["untrained_model"]


@pytest.fixture
def regression_model(regression_frame):
    df = regression_frame
    train, test = df.iloc[:80], df.iloc[80:]
    return ml.fit_model(_learner("Linear Regression"), train, "y"), test


@pytest.fixture
def binary_model():
    rng = np.random.RandomState(5)
    n = 200
    X = rng.normal(size=(n, 3))
    color = rng.choice(["red", "blue"], size=n)
    y = np.where(2 * X[:, 0] - X[:, 1] + (color == "red") + 0.5 * rng.normal(size=n) > 0.5,
                 "yes", "no")
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "color": color, "label": y})
    model = ml.fit_model(_learner("Two-Class Logistic Regression"), df.iloc[:120], "label")
    return model, df.iloc[120:]


def _pfi(model, test, metric, seed=0, repeats=1, compute=None):
    out = _run("Permutation Feature Importance", {"trained_model": model, "test_data": test},
               {"metric_for_measuring_performance": metric, "random_seed": seed,
                "number_of_repeats": repeats}, compute=compute)
    return out["feature_importance"]


@pytest.mark.parametrize("metric,scoring", [
    ("Mean Absolute Error", "neg_mean_absolute_error"),
    ("Root Mean Squared Error", "neg_root_mean_squared_error"),
    ("Coefficient of Determination", "r2"),
])
def test_pfi_agrees_with_sklearn_permutation_importance(regression_model, metric, scoring):
    from sklearn.inspection import permutation_importance

    model, test = regression_model
    table = _pfi(model, test, metric, seed=4, repeats=3)
    X = test[model.feature_columns]
    ref = permutation_importance(model.estimator, X, test["y"], scoring=scoring, n_repeats=3,
                                 random_state=4)
    expected = dict(zip(X.columns, ref.importances_mean))
    assert list(table.columns) == ["Feature", "Score"]
    assert set(table["Feature"]) == set(X.columns)
    for feat, score in zip(table["Feature"], table["Score"]):
        assert score == pytest.approx(expected[feat], rel=1e-9, abs=1e-12)
    assert table["Score"].is_monotonic_decreasing
    assert table["Feature"].iloc[0] == "x1"


def test_pfi_relative_errors_by_hand(regression_model):
    model, test = regression_model
    X, y = test[model.feature_columns], test["y"].to_numpy()
    rng = np.random.RandomState(np.random.RandomState(2).randint(np.iinfo(np.int32).max + 1))
    table = _pfi(model, test, "Relative Absolute Error", seed=2)
    base = model.estimator.predict(X)

    def rae(pred):
        return np.abs(y - pred).sum() / np.abs(y - y.mean()).sum()

    got = dict(zip(table["Feature"], table["Score"]))
    # the first feature's shuffle is the first draw of sklearn's per-feature generator
    idx = np.arange(len(X))
    rng.shuffle(idx)
    Xp = X.copy()
    Xp["x1"] = X["x1"].to_numpy()[idx]
    assert got["x1"] == pytest.approx(rae(model.estimator.predict(Xp)) - rae(base), rel=1e-9)


def test_pfi_classification_agrees_with_sklearn(binary_model):
    from sklearn.inspection import permutation_importance

    model, test = binary_model
    X = test[model.feature_columns]
    codes = ml._encode_labels(test["label"], model.classes)  # the pipeline predicts codes
    for metric, scoring in (("Accuracy", "accuracy"), ("Precision", "precision"),
                            ("Recall", "recall")):
        table = _pfi(model, test, metric, seed=1, repeats=2)
        ref = permutation_importance(model.estimator, X, codes, scoring=scoring, n_repeats=2,
                                     random_state=1)
        expected = dict(zip(X.columns, ref.importances_mean))
        for feat, score in zip(table["Feature"], table["Score"]):
            assert score == pytest.approx(expected[feat], abs=1e-12), (metric, feat)
    assert _pfi(model, test, "Accuracy", seed=1, repeats=2)["Feature"].iloc[0] == "a"


def test_pfi_is_deterministic_and_backend_independent(binary_model):
    from joblib import parallel_config

    class Threads:
        n_jobs = 2

        def joblib_backend(self):
            return parallel_config(backend="threading", n_jobs=2)

    model, test = binary_model
    a = _pfi(model, test, "Accuracy", seed=9, repeats=3)
    b = _pfi(model, test, "Accuracy", seed=9, repeats=3)
    c = _pfi(model, test, "Accuracy", seed=9, repeats=3, compute=Threads())
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert not _pfi(model, test, "Accuracy", seed=10, repeats=3).equals(a)


def test_pfi_schema():
    spec = REGISTRY.get("Permutation Feature Importance")
    sch = spec.infer_schema({"trained_model": None, "test_data": None}, spec.resolve_params({}))
    assert sch["feature_importance"].as_list() == [{"name": "Feature", "kind": "string"},
                                                   {"name": "Score", "kind": "double"}]


def test_pfi_bad_input(binary_model, regression_model):
    model, test = binary_model
    with pytest.raises(ComponentError, match=r"'Mean Absolute Error' does not apply to a "
                                             r"classification model.*Accuracy, Precision, Recall"):
        _pfi(model, test, "Mean Absolute Error")
    rmodel, rtest = regression_model
    with pytest.raises(ComponentError, match="'Accuracy' does not apply to a regression model"):
        _pfi(rmodel, rtest, "Accuracy")
    with pytest.raises(ComponentError, match="no label column 'label'"):
        _pfi(model, test.drop(columns=["label"]), "Accuracy")
    with pytest.raises(ComponentError, match=r"has no column\(s\) 'b'"):
        _pfi(model, test.drop(columns=["b"]), "Accuracy")
    km = ml.fit_model(_learner("K-Means Clustering"), test.drop(columns=["label", "color"]), None)
    with pytest.raises(ComponentError, match="works with classification and regression models"):
        _pfi(km, test, "Accuracy")


def test_pfi_ignores_rows_without_label(binary_model):
    model, test = binary_model
    holed = test.copy()
    holed.loc[holed.index[:5], "label"] = None
    table = _pfi(model, holed, "Accuracy", seed=3)
    expected = _pfi(model, test.iloc[5:], "Accuracy", seed=3)
    pd.testing.assert_frame_equal(table, expected)
