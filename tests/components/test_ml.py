"""The shared training / scoring / evaluation machinery (components.ml)."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from jupyter_designer.components import ml
from jupyter_designer.components.ml_algorithms import make_untrained
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.schema import Schema, get_roles, set_roles


def _encoded(df, cat, num):
    ct = ColumnTransformer([("c", OneHotEncoder(sparse_output=False), cat), ("n", "passthrough", num)])
    return ct.fit_transform(df), ct


@pytest.fixture
def reg():
    return ml.example_frame("regression", n=80)


@pytest.fixture
def binary():
    return ml.example_frame("binary", n=80)


@pytest.fixture
def multi():
    return ml.example_frame("multiclass", n=90)


# -- fit_model -------------------------------------------------------------------------------
def test_ols_agrees_with_sklearn_linear_regression(reg):
    model = ml.fit_model(make_untrained("Linear Regression", l2_regularization_weight=0.0), reg, "price")
    X, _ = _encoded(reg, ["color"], ["x1", "x2", "count"])
    ref = LinearRegression().fit(X, reg["price"])
    est = model.estimator.named_steps["model"]
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-8)
    scored = ml.score_frame(model, reg)
    np.testing.assert_allclose(scored["Scored Labels"], ref.predict(X), rtol=1e-10)


def test_ols_with_l2_weight_is_ridge(reg):
    model = ml.fit_model(make_untrained("Linear Regression", l2_regularization_weight=0.5,
                                         include_intercept_term=False), reg, "price")
    X, _ = _encoded(reg, ["color"], ["x1", "x2", "count"])
    ref = Ridge(alpha=0.5, fit_intercept=False).fit(X, reg["price"])
    np.testing.assert_allclose(model.estimator.named_steps["model"].coef_, ref.coef_, rtol=1e-8)


def test_pipeline_encodes_categoricals_and_passes_numbers(binary):
    df = binary.assign(flag=np.arange(len(binary)) % 2 == 0,
                       shape=pd.Categorical(np.where(np.arange(len(binary)) % 3 == 0, "a", "b")))
    model = ml.fit_model(make_untrained("Two-Class Logistic Regression"), df, "income")
    encode = model.estimator.steps[0][1]
    assert model.estimator.steps[0][0] == "encode"
    assert isinstance(encode, ColumnTransformer)
    by_name = {name: (t, cols) for name, t, cols in encode.transformers}
    onehot, cat_cols = by_name["categorical"]
    assert isinstance(onehot, OneHotEncoder) and onehot.handle_unknown == "ignore"
    assert set(cat_cols) == {"color", "flag", "shape"}
    assert by_name["numeric"][0] == "passthrough"
    assert set(by_name["numeric"][1]) == {"x1", "x2", "count"}
    assert model.feature_kinds == {"x1": "double", "x2": "double", "color": "string", "count": "integer",
                                   "flag": "boolean", "shape": "categorical"}
    assert model.label_column == "income" and "income" not in model.feature_columns


def test_logistic_regression_agrees_with_sklearn(binary):
    model = ml.fit_model(make_untrained("Two-Class Logistic Regression", l1_regularization_weight=0.0,
                                         l2_regularization_weight=1.0), binary, "income")
    X, _ = _encoded(binary, ["color"], ["x1", "x2", "count"])
    y = (binary["income"] == ">50K").astype(int)
    ref = Pipeline([("s", StandardScaler()), ("m", LogisticRegression(C=1.0, tol=1e-7, max_iter=1000))]).fit(X, y)
    scored = ml.score_frame(model, binary)
    np.testing.assert_allclose(scored["Scored Probabilities"], ref.predict_proba(X)[:, 1], rtol=1e-5, atol=1e-7)


def test_classes_sorted_and_positive_class_is_second(binary):
    model = ml.fit_model(make_untrained("Two-Class Decision Forest"), binary, "income")
    assert model.classes == ["<=50K", ">50K"]
    scored = ml.score_frame(model, binary)
    proba = model.estimator.predict_proba(binary[model.feature_columns])[:, 1]
    np.testing.assert_allclose(scored["Scored Probabilities"], proba)
    expected = np.where(proba >= 0.5, ">50K", "<=50K")
    assert list(scored["Scored Labels"]) == list(expected)


def test_integer_and_boolean_labels_keep_their_type(binary):
    df = binary.assign(income=(binary["income"] == ">50K").astype(int))
    model = ml.fit_model(make_untrained("Two-Class Logistic Regression"), df, "income")
    assert model.classes == [0, 1] and all(type(c) is int for c in model.classes)
    scored = ml.score_frame(model, df)
    assert scored["Scored Labels"].dtype.kind == "i"
    df = binary.assign(income=binary["income"] == ">50K")
    scored = ml.score_frame(ml.fit_model(make_untrained("Two-Class Logistic Regression"), df, "income"), df)
    assert scored["Scored Labels"].dtype == bool


def test_binary_learner_needs_exactly_two_classes(multi):
    with pytest.raises(ComponentError, match=r"needs exactly 2 classes in the label column 'species'; "
                                             r"it has 3 \('a', 'b', 'c'\)\. Use a Multiclass learner"):
        ml.fit_model(make_untrained("Two-Class Logistic Regression"), multi, "species")


def test_classifier_needs_two_classes(multi):
    one = multi.assign(species="a")
    with pytest.raises(ComponentError, match="has a single class"):
        ml.fit_model(make_untrained("Multiclass Decision Forest"), one, "species")


def test_missing_label_column_names_it(reg):
    with pytest.raises(ComponentError, match=r"Train Model: the label column 'cost' is not in the "
                                             r"dataset\. Available columns: 'x1', 'x2'"):
        ml.fit_model(make_untrained("Linear Regression"), reg, "cost")
    with pytest.raises(ComponentError, match="set the 'Label column' parameter"):
        ml.fit_model(make_untrained("Linear Regression"), reg, None)


def test_missing_feature_values_ask_for_clean_missing_data(reg):
    df = reg.copy()
    df.loc[[3, 5], "x2"] = np.nan
    with pytest.raises(ComponentError, match=r"feature column\(s\) 'x2' have missing values \(2 rows\)\. "
                                             r"Add Clean Missing Data before Train Model"):
        ml.fit_model(make_untrained("Linear Regression"), df, "price")


def test_missing_label_values_ask_for_clean_missing_data(reg):
    df = reg.copy()
    df.loc[0, "price"] = np.nan
    with pytest.raises(ComponentError, match=r"label column 'price' has missing values \(1 row\)\. "
                                             r"Add Clean Missing Data"):
        ml.fit_model(make_untrained("Linear Regression"), df, "price", component="Tune Model Hyperparameters")


def test_free_text_is_refused(reg):
    df = reg.assign(note=[f"customer wrote comment number {i}" for i in range(len(reg))])
    with pytest.raises(ComponentError, match=r"'note' look like free text.*Edit Metadata \(Categorical\) "
                                             r"or Convert to Indicator Values"):
        ml.fit_model(make_untrained("Linear Regression"), df, "price")


def test_dates_are_refused(reg):
    df = reg.assign(when=pd.date_range("2024-01-01", periods=len(reg)))
    with pytest.raises(ComponentError, match="'when' hold dates"):
        ml.fit_model(make_untrained("Linear Regression"), df, "price")


def test_empty_dataset_and_no_features(reg):
    with pytest.raises(ComponentError, match="the dataset is empty"):
        ml.fit_model(make_untrained("Linear Regression"), reg.iloc[:0], "price")
    with pytest.raises(ComponentError, match="no feature columns"):
        ml.fit_model(make_untrained("Linear Regression"), reg[["price"]], "price")


def test_regression_needs_a_numeric_label(binary):
    with pytest.raises(ComponentError, match=r"Linear Regression predicts numbers, but the label column "
                                             r"'income' is string"):
        ml.fit_model(make_untrained("Linear Regression"), binary, "income")


def test_untrained_input_must_be_a_learner(reg):
    with pytest.raises(ComponentError, match="must be an untrained model"):
        ml.fit_model("not a model", reg, "price")


def test_score_columns_are_not_features_and_unsupervised_skips_label(binary):
    scored = ml.score_frame(ml.fit_model(make_untrained("Two-Class Logistic Regression"), binary, "income"),
                             binary)
    again = ml.fit_model(make_untrained("Two-Class Decision Forest"), scored, "income")
    assert "Scored Probabilities" not in again.feature_columns
    km = ml.fit_model(make_untrained("K-Means Clustering"), binary, None)
    assert "income" not in km.feature_columns  # it has the label role


def test_overrides_replace_learner_parameters(binary):
    untrained = make_untrained("Two-Class Decision Forest")
    model = ml.fit_model(untrained, binary, "income", overrides={"number_of_decision_trees": 3})
    assert len(model.estimator.named_steps["model"].estimators_) == 3
    assert model.info["params"]["number_of_decision_trees"] == 3
    assert untrained.params["number_of_decision_trees"] == 8


def test_convergence_warnings_are_kept_in_info(binary):
    model = ml.fit_model(make_untrained("Two-Class Neural Network", number_of_learning_iterations=1,
                                         number_of_hidden_nodes="4"), binary, "income")
    assert any("iterations" in w for w in model.info["warnings"])


def test_unknown_categories_ignored_or_refused(binary):
    new = binary.assign(color="purple")
    model = ml.fit_model(make_untrained("Two-Class Logistic Regression"), binary, "income")
    assert len(ml.score_frame(model, new)) == len(new)
    strict = ml.fit_model(make_untrained("Two-Class Logistic Regression",
                                          allow_unknown_categorical_levels=False), binary, "income")
    with pytest.raises(ComponentError, match="could not score the dataset.*purple"):
        ml.score_frame(strict, new)


class FrameModel:
    """An estimator that works on DataFrames (like a user's Python model)."""

    accepts_dataframe = True

    def fit(self, X, y):
        assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
        self.columns = list(X.columns)
        self.mean = float(y.mean())
        return self

    def predict(self, X):
        return pd.DataFrame({"Scored Labels": np.full(len(X), self.mean)})


def build_frame_model(params, seed):
    return FrameModel()


def test_estimators_accepting_dataframes_get_raw_columns(reg):
    untrained = make_untrained("Linear Regression")
    untrained.factory = f"{__name__}.build_frame_model"
    model = ml.fit_model(untrained, reg, "price")
    assert model.estimator.columns == ["x1", "x2", "color", "count"]
    assert model.info["accepts_dataframe"]
    scored = ml.score_frame(model, reg)
    np.testing.assert_allclose(scored["Scored Labels"], reg["price"].mean())


# -- score_frame ----------------------------------------------------------------------------
def test_score_frame_roles_append_and_input_untouched(binary):
    model = ml.fit_model(make_untrained("Two-Class Logistic Regression"), binary, "income")
    before = binary.copy()
    scored = ml.score_frame(model, binary)
    pd.testing.assert_frame_equal(binary, before)
    assert list(scored.columns) == list(binary.columns) + ["Scored Labels", "Scored Probabilities"]
    roles = get_roles(scored)
    assert roles["income"] == "label"
    assert roles["Scored Labels"] == roles["Scored Probabilities"] == "score"
    assert scored.attrs[ml.SCORING_ATTR]["classes"] == ["<=50K", ">50K"]
    only = ml.score_frame(model, binary, append=False)
    assert list(only.columns) == ["Scored Labels", "Scored Probabilities"]
    assert only.index.equals(binary.index)


def test_score_frame_sets_label_role_even_without_roles(binary):
    model = ml.fit_model(make_untrained("Two-Class Logistic Regression"), binary, "income")
    plain = pd.DataFrame(binary)  # same data
    plain.attrs.clear()
    assert get_roles(ml.score_frame(model, plain))["income"] == "label"


def test_multiclass_probability_columns(multi):
    model = ml.fit_model(make_untrained("Multiclass Logistic Regression"), multi, "species")
    scored = ml.score_frame(model, multi)
    cols = ["Scored Probabilities_a", "Scored Probabilities_b", "Scored Probabilities_c"]
    assert list(scored.columns[-4:]) == ["Scored Labels", *cols]
    P = scored[cols].to_numpy()
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P, model.estimator.predict_proba(multi[model.feature_columns]))
    assert list(scored["Scored Labels"]) == list(np.asarray(["a", "b", "c"])[P.argmax(axis=1)])


def test_multiclass_without_predict_proba_uses_decision_function(multi):
    base = make_untrained("Two-Class Support Vector Machine")
    from jupyter_designer.components.ml_algorithms import one_vs_one_multiclass, BINARY_INPUT
    from jupyter_designer.engine.component import RunContext

    spec = one_vs_one_multiclass.spec
    untrained = spec.run(RunContext(spec), {BINARY_INPUT.key: base}, {})["untrained_model"]
    scored = ml.score_frame(ml.fit_model(untrained, multi, "species"), multi)
    P = scored[[c for c in scored.columns if c.startswith("Scored Probabilities_")]].to_numpy()
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


def test_categorical_label_gives_categorical_scored_labels(multi):
    df = multi.astype({"species": "category"})
    model = ml.fit_model(make_untrained("Multiclass Decision Forest"), df, "species")
    scored = ml.score_frame(model, df)
    assert isinstance(scored["Scored Labels"].dtype, pd.CategoricalDtype)
    assert Schema.from_frame(scored).names == ml.scored_schema(Schema.from_frame(df), model).names
    assert Schema.from_frame(scored) == ml.scored_schema(Schema.from_frame(df), model)


def test_clustering_columns_agree_with_kmeans():
    df = ml.example_frame("clustering")[["x1", "x2"]]
    model = ml.fit_model(make_untrained("K-Means Clustering", number_of_centroids=3,
                                         normalize_features=False), df, None)
    scored = ml.score_frame(model, df)
    km = model.estimator.named_steps["model"]
    assert list(scored.columns) == ["x1", "x2", "Assignments", "DistancesToClusterCenter no.0",
                                    "DistancesToClusterCenter no.1", "DistancesToClusterCenter no.2"]
    np.testing.assert_array_equal(scored["Assignments"], km.predict(df.to_numpy()))
    np.testing.assert_allclose(scored.iloc[:, 3:].to_numpy(), km.transform(df.to_numpy()))
    assert model.info["n_clusters"] == 3


def test_anomaly_labels_follow_probabilities():
    df = ml.example_frame("anomaly", n=100)
    model = ml.fit_model(make_untrained("PCA-Based Anomaly Detection"), df, None)
    odd = pd.DataFrame({"x1": [0.0, 3.0], "x2": [0.0, -6.0], "count": [4.0, 4.0]})
    scored = ml.score_frame(model, odd)
    assert list(scored["Scored Labels"]) == [0, 1]
    assert scored["Scored Probabilities"].iloc[1] > 0.5 > scored["Scored Probabilities"].iloc[0]
    normal = ml.score_frame(model, df)
    assert normal["Scored Labels"].mean() < 0.1
    assert ((normal["Scored Probabilities"] > 0.5) == (normal["Scored Labels"] == 1)).all()


def test_scoring_errors_name_the_column(reg):
    model = ml.fit_model(make_untrained("Linear Regression"), reg, "price")
    with pytest.raises(ComponentError, match=r"Score Model: the dataset has no column\(s\) 'x2'"):
        ml.score_frame(model, reg.drop(columns="x2"))
    with pytest.raises(ComponentError, match=r"'x1' \(numeric at training, string now\)"):
        ml.score_frame(model, reg.assign(x1=reg["x1"].astype(str)))
    with pytest.raises(ComponentError, match=r"'count' have missing values; add Clean Missing Data"):
        ml.score_frame(model, reg.assign(count=np.where(reg["count"] > 5, np.nan, reg["count"])))
    with pytest.raises(ComponentError, match="must be a trained model"):
        ml.score_frame("model", reg)


def test_scored_schema_matches_scores(reg, binary, multi):
    for df, learner, label in ((reg, "Linear Regression", "price"),
                               (binary, "Two-Class Logistic Regression", "income"),
                               (multi, "Multiclass Decision Forest", "species")):
        model = ml.fit_model(make_untrained(learner), df, label)
        plain = df.copy()
        plain.attrs.clear()
        for append in (True, False):
            got = Schema.from_frame(ml.score_frame(model, plain, append=append))
            assert ml.scored_schema(Schema.from_frame(plain), model, append=append) == got
            assert ml.scored_schema(Schema.from_frame(plain), model.describe() | {"info": model.info},
                                     append=append) == got
    assert ml.scored_schema(Schema.from_frame(reg), None) is None
    assert ml.scored_schema(Schema.from_frame(reg), {"task": "regression"}).names[-1] == "Scored Labels"
    assert ml.scored_schema(Schema.from_frame(reg), {"task": "multiclass"}) is None


# -- evaluate_scored ------------------------------------------------------------------------
def _json_ready(result):
    json.dumps(result, allow_nan=False)


def test_regression_metrics_agree_with_sklearn(reg):
    model = ml.fit_model(make_untrained("Decision Forest Regression"), reg.iloc[:50], "price")
    scored = ml.score_frame(model, reg.iloc[50:])
    out = ml.evaluate_scored(scored)
    _json_ready(out)
    y, s = scored["price"].to_numpy(), scored["Scored Labels"].to_numpy()
    m = out["metrics"]
    assert out["task"] == "regression"
    assert m["Mean Absolute Error"] == pytest.approx(skm.mean_absolute_error(y, s))
    assert m["Root Mean Squared Error"] == pytest.approx(skm.root_mean_squared_error(y, s))
    assert m["Coefficient of Determination"] == pytest.approx(skm.r2_score(y, s))
    assert m["Relative Absolute Error"] == pytest.approx(np.abs(y - s).sum() / np.abs(y - y.mean()).sum())
    assert m["Relative Squared Error"] == pytest.approx(((y - s) ** 2).sum() / ((y - y.mean()) ** 2).sum())


@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.8])
def test_binary_metrics_agree_with_sklearn(binary, threshold):
    model = ml.fit_model(make_untrained("Two-Class Logistic Regression"), binary.iloc[:50], "income")
    scored = ml.score_frame(model, binary.iloc[50:])
    out = ml.evaluate_scored(scored, threshold=threshold)
    _json_ready(out)
    y = (scored["income"] == ">50K").astype(int).to_numpy()
    p = scored["Scored Probabilities"].to_numpy()
    pred = (p >= threshold).astype(int)
    m = out["metrics"]
    assert out["task"] == "binary" and out["positive_label"] == ">50K"
    assert m["Accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["Precision"] == pytest.approx(skm.precision_score(y, pred, zero_division=0))
    assert m["Recall"] == pytest.approx(skm.recall_score(y, pred, zero_division=0))
    assert m["F1 Score"] == pytest.approx(skm.f1_score(y, pred, zero_division=0))
    assert m["AUC"] == pytest.approx(skm.roc_auc_score(y, p))
    assert m["Average Log Loss"] == pytest.approx(skm.log_loss(y, p))
    assert m["Threshold"] == threshold
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    assert (m["True Positive"], m["False Positive"], m["False Negative"], m["True Negative"]) == (tp, fp, fn, tn)
    assert out["confusion_matrix"] == {"labels": ["<=50K", ">50K"], "matrix": [[tn, fp], [fn, tp]]}
    fpr, tpr, _ = skm.roc_curve(y, p)
    np.testing.assert_allclose(out["curves"]["roc"]["fpr"], fpr)
    np.testing.assert_allclose(out["curves"]["roc"]["tpr"], tpr)
    assert np.isfinite(out["curves"]["roc"]["thresholds"]).all()
    prec, rec, _ = skm.precision_recall_curve(y, p, drop_intermediate=True)
    np.testing.assert_allclose(out["curves"]["precision_recall"]["precision"], prec)
    np.testing.assert_allclose(out["curves"]["precision_recall"]["recall"], rec)


def test_binary_positive_class_without_scoring_metadata():
    df = pd.DataFrame({"y": [0, 1, 1, 0, 1], "Scored Labels": [0, 1, 0, 0, 1],
                       "Scored Probabilities": [0.1, 0.9, 0.4, 0.2, 0.7]})
    set_roles(df, {"y": "label"})
    m = ml.evaluate_scored(df)["metrics"]
    assert (m["True Positive"], m["False Negative"], m["True Negative"]) == (2, 1, 2)
    assert m["AUC"] == pytest.approx(skm.roc_auc_score(df["y"], df["Scored Probabilities"]))


def test_binary_single_class_has_no_auc(binary):
    model = ml.fit_model(make_untrained("Two-Class Logistic Regression"), binary, "income")
    scored = ml.score_frame(model, binary[binary["income"] == ">50K"])
    out = ml.evaluate_scored(scored)
    _json_ready(out)
    assert out["metrics"]["AUC"] is None and out["curves"] == {}


def test_multiclass_metrics_agree_with_sklearn(multi):
    model = ml.fit_model(make_untrained("Multiclass Logistic Regression"), multi.iloc[:60], "species")
    scored = ml.score_frame(model, multi.iloc[60:])
    out = ml.evaluate_scored(scored)
    _json_ready(out)
    y, s = scored["species"], scored["Scored Labels"]
    m = out["metrics"]
    assert out["task"] == "multiclass"
    assert m["Overall accuracy"] == pytest.approx(skm.accuracy_score(y, s))
    for avg in ("micro", "macro"):
        assert m[f"{avg.capitalize()}-averaged precision"] == pytest.approx(
            skm.precision_score(y, s, average=avg, zero_division=0))
        assert m[f"{avg.capitalize()}-averaged recall"] == pytest.approx(
            skm.recall_score(y, s, average=avg, zero_division=0))
    labels = sorted(set(y) | set(s))
    cm = skm.confusion_matrix(y, s, labels=labels)
    assert out["confusion_matrix"] == {"labels": labels, "matrix": cm.tolist()}
    per_class_acc = [(len(y) - cm[i].sum() - cm[:, i].sum() + 2 * cm[i, i]) / len(y) for i in range(len(labels))]
    assert m["Average accuracy"] == pytest.approx(np.mean(per_class_acc))
    P = scored[[f"Scored Probabilities_{c}" for c in model.classes]].to_numpy()
    assert m["Average Log Loss"] == pytest.approx(skm.log_loss(y, P, labels=model.classes))


def test_clustering_metrics_by_hand():
    df = ml.example_frame("clustering")[["x1", "x2"]]
    model = ml.fit_model(make_untrained("K-Means Clustering", number_of_centroids=3), df, None)
    scored = ml.score_frame(model, df)
    out = ml.evaluate_scored(scored)
    _json_ready(out)
    D = scored[[f"DistancesToClusterCenter no.{i}" for i in range(3)]].to_numpy()
    a = scored["Assignments"].to_numpy()
    own = D[np.arange(len(a)), a]
    assert out["metrics"]["Average Distance to Cluster Center"] == pytest.approx(own.mean())
    assert out["metrics"]["Maximal Distance to Cluster Center"] == pytest.approx(own.max())
    assert out["metrics"]["Number of Points"] == len(df)
    other = (D.sum(axis=1) - own) / 2
    assert out["metrics"]["Average Distance to Other Center"] == pytest.approx(other.mean())
    assert [c["Number of Points"] for c in out["clusters"]] == np.bincount(a, minlength=3).tolist()
    assert out["clusters"][1]["Average Distance to Cluster Center"] == pytest.approx(own[a == 1].mean())


def test_quantile_losses_agree_with_sklearn(reg):
    model = ml.fit_model(make_untrained("Fast Forest Quantile Regression", number_of_trees=10,
                                         quantiles_to_be_estimated="0.1; 0.9"), reg, "price")
    scored = ml.score_frame(model, reg)
    assert [c for c in scored.columns if c.startswith("Quantile:")] == ["Quantile:0.100", "Quantile:0.900"]
    out = ml.evaluate_scored(scored)
    l1 = skm.mean_pinball_loss(reg["price"], scored["Quantile:0.100"], alpha=0.1)
    l9 = skm.mean_pinball_loss(reg["price"], scored["Quantile:0.900"], alpha=0.9)
    assert out["metrics"]["Quantile Loss:0.100"] == pytest.approx(l1)
    assert out["metrics"]["Average Quantile Loss"] == pytest.approx((l1 + l9) / 2)


def test_evaluation_errors(reg):
    model = ml.fit_model(make_untrained("Linear Regression"), reg, "price")
    scored = ml.score_frame(model, reg)
    scored.attrs.clear()
    with pytest.raises(ComponentError, match="there is no label column in the scored dataset.*Edit Metadata"):
        ml.evaluate_scored(scored)
    with pytest.raises(ComponentError, match="there is no score column"):
        ml.evaluate_scored(reg)
    with pytest.raises(ComponentError, match="empty"):
        ml.evaluate_scored(reg.iloc[:0])


def test_rows_without_label_are_not_evaluated(reg):
    model = ml.fit_model(make_untrained("Linear Regression"), reg, "price")
    scored = ml.score_frame(model, reg)
    holes = scored.copy()
    holes.loc[:9, "price"] = np.nan
    assert ml.evaluate_scored(holes)["metrics"] == ml.evaluate_scored(scored.iloc[10:])["metrics"]


class LabelOnlyModel:
    """A DataFrame model that predicts labels but no probabilities."""

    accepts_dataframe = True

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.where(X["x1"] > 0, ">50K", "<=50K")


def build_label_only(params, seed):
    return LabelOnlyModel()


def test_labels_without_probabilities_get_label_metrics(binary):
    untrained = make_untrained("Two-Class Logistic Regression")
    untrained.factory = f"{__name__}.build_label_only"
    model = ml.fit_model(untrained, binary, "income")
    scored = ml.score_frame(model, binary)
    out = ml.evaluate_scored(scored)
    assert out["task"] == "multiclass"
    assert out["metrics"]["Overall accuracy"] == pytest.approx(
        skm.accuracy_score(binary["income"], scored["Scored Labels"]))
