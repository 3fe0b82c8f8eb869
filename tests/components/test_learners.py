"""Machine Learning Algorithms: every learner declares, trains, scores, stores and is seeded."""

import importlib

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.cluster import KMeans
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import PoissonRegressor
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from jupyter_designer.components import ml
from jupyter_designer.components import ml_algorithms as mla
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, ParameterError
from jupyter_designer.engine.models import UntrainedModel

LEARNERS = [s for s in REGISTRY.all() if s.category == "Machine Learning Algorithms"]
LABELS = {"regression": "price", "binary": "income", "multiclass": "species"}

REFERENCE_PALETTE = {
    "Regression": {"Linear Regression", "Decision Forest Regression", "Boosted Decision Tree Regression",
                   "Neural Network Regression", "Poisson Regression", "Fast Forest Quantile Regression"},
    "Classification": {"Two-Class Logistic Regression", "Two-Class Decision Forest",
                       "Two-Class Boosted Decision Tree", "Two-Class Support Vector Machine",
                       "Two-Class Averaged Perceptron", "Two-Class Neural Network",
                       "Multiclass Logistic Regression", "Multiclass Decision Forest",
                       "Multiclass Boosted Decision Tree", "Multiclass Neural Network",
                       "One-vs-All Multiclass", "One-vs-One Multiclass"},
    "Clustering": {"K-Means Clustering"},
    "Anomaly Detection": {"PCA-Based Anomaly Detection", "One-Class Support Vector Machine"},
}


def _untrained(spec, seed=0, **values) -> UntrainedModel:
    if spec.inputs:
        base = mla.make_untrained("Two-Class Logistic Regression", seed=seed)
        return spec.run(RunContext(spec, seed=seed), {spec.inputs[0].key: base},
                        spec.resolve_params(values))["untrained_model"]
    return mla.make_untrained(spec.name, seed=seed, **values)


def _data(task, n=60, seed=0):
    df = ml.example_frame(task, n=n, seed=seed)
    return df


def _fit(spec, seed=0, df=None, **values):
    untrained = _untrained(spec, seed, **values)
    if df is None:
        df = _data(untrained.task)
    if spec.name == "Poisson Regression":
        df = df.assign(price=np.round(np.exp(df["price"] / 4)))
    return ml.fit_model(untrained, df, LABELS.get(untrained.task)), df


def test_palette_is_complete():
    by_sub = {}
    for s in LEARNERS:
        by_sub.setdefault(s.subcategory, set()).add(s.name)
    for sub, names in REFERENCE_PALETTE.items():
        assert names <= by_sub.get(sub, set()), names - by_sub.get(sub, set())


@pytest.mark.parametrize("spec", LEARNERS, ids=[s.id for s in LEARNERS])
def test_declaration(spec):
    assert spec.learner
    assert [p.key for p in spec.outputs] == ["untrained_model"]
    assert spec.outputs[0].label == "Untrained model"
    keys = [p.key for p in spec.params]
    if spec.inputs:
        assert spec.inputs[0].label == "Untrained binary classification model"
        return
    assert "create_trainer_mode" in keys and "random_number_seed" in keys
    mode = spec.param("create_trainer_mode")
    assert list(mode.choices) == ["Single Parameter", "Parameter Range"]
    assert spec.param("random_number_seed").label == "Random number seed"
    ranges = [k for k in keys if k.endswith("_range")]
    assert ranges, "a learner has something to sweep"
    for r in ranges:
        single = spec.param(r[:-len("_range")])
        assert single.visible_if["create_trainer_mode"] == ["Single Parameter"]
        assert spec.param(r).visible_if["create_trainer_mode"] == ["Parameter Range"]
        assert spec.param(r).label.startswith("Range for ")


@pytest.mark.parametrize("spec", LEARNERS, ids=[s.id for s in LEARNERS])
def test_untrained_model_value(spec):
    untrained = _untrained(spec, seed=7)
    assert untrained.learner == spec.name
    assert untrained.task in ("regression", "binary", "multiclass", "clustering", "anomaly")
    module, _, attr = untrained.factory.rpartition(".")
    assert callable(getattr(importlib.import_module(module), attr))
    assert untrained.grid == {}
    assert untrained.seed == 7
    assert untrained.make() is not None
    assert not any(k.endswith("_range") or k in ("create_trainer_mode", "random_number_seed")
                   for k in untrained.params)


@pytest.mark.parametrize("spec", LEARNERS, ids=[s.id for s in LEARNERS])
def test_every_learner_trains_scores_and_is_deterministic(spec):
    model, df = _fit(spec, seed=3)
    scored = ml.score_frame(model, df)
    expected = [n for n, _ in ml.model_score_columns(model)]
    assert [c for c in scored.columns if c not in df.columns] == expected
    assert scored[expected].notna().all().all()
    again, _ = _fit(spec, seed=3)
    pd.testing.assert_frame_equal(ml.score_frame(again, df), scored)
    if model.task not in ("anomaly",):
        result = ml.evaluate_scored(scored)
        assert result["metrics"]


@pytest.mark.parametrize("spec", LEARNERS, ids=[s.id for s in LEARNERS])
def test_trained_models_round_trip_through_skops(spec):
    model, df = _fit(spec)
    data = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=data)
    assert all(t.startswith(("jupyter_designer.", "sklearn.", "lightgbm.", "numpy.", "collections.",
                             "builtins.", "scipy.")) for t in untrusted), untrusted
    loaded = sio.loads(data, trusted=untrusted)
    pd.testing.assert_frame_equal(ml.score_frame(loaded, df), ml.score_frame(model, df))


def test_parameter_range_mode_fills_the_grid():
    untrained = mla.make_untrained("Two-Class Boosted Decision Tree", create_trainer_mode="Parameter Range",
                                   learning_rate_range=[0.1, 0.3])
    assert untrained.grid == {"maximum_number_of_leaves_per_tree": [2, 8, 32, 128],
                              "minimum_number_of_samples_per_leaf_node": [1, 10, 50],
                              "learning_rate": [0.1, 0.3],
                              "number_of_trees_constructed": [20, 100, 500]}
    # Train Model uses the single-parameter values, as the reference does
    assert untrained.params["learning_rate"] == 0.2
    model = ml.fit_model(untrained, _data("binary"), "income",
                          overrides={"learning_rate": 0.3, "number_of_trees_constructed": 20})
    est = model.estimator.named_steps["model"]
    assert (est.learning_rate, est.n_estimators) == (0.3, 20)


def test_parameters_not_applied_are_not_swept():
    forest = mla.make_untrained("Two-Class Decision Forest", create_trainer_mode="Parameter Range")
    assert "number_of_random_splits_per_node" not in forest.grid
    assert "number_of_decision_trees" in forest.grid
    ols = mla.make_untrained("Linear Regression", create_trainer_mode="Parameter Range")
    assert ols.grid == {}  # only Online Gradient Descent sweeps
    ogd = mla.make_untrained("Linear Regression", solution_method="Online Gradient Descent",
                             create_trainer_mode="Parameter Range")
    assert set(ogd.grid) == {"learning_rate", "number_of_training_epochs", "l2_regularization_weight"}


def test_seed_comes_from_the_parameter_or_the_run():
    spec = REGISTRY.get("Two-Class Decision Forest")
    ctx = RunContext(spec, seed=11)
    assert spec.run(ctx, {}, spec.resolve_params({}))["untrained_model"].seed == 11
    assert spec.run(ctx, {}, spec.resolve_params({"Random number seed": 5}))["untrained_model"].seed == 5
    a, df = _fit(spec, seed=1)
    b, _ = _fit(spec, seed=2)
    assert not np.allclose(ml.score_frame(a, df)["Scored Probabilities"],
                           ml.score_frame(b, df)["Scored Probabilities"])


def test_parameters_are_validated():
    with pytest.raises(ParameterError, match="The 'Number of decision trees' parameter of Two-Class "
                                             "Decision Forest must be an int >= 1"):
        mla.make_untrained("Two-Class Decision Forest", number_of_decision_trees=0)
    with pytest.raises(ParameterError, match="'Learning rate' parameter"):
        mla.make_untrained("Boosted Decision Tree Regression", learning_rate=1.5)
    with pytest.raises(ParameterError, match="'Number of hidden nodes'"):
        mla.make_untrained("Two-Class Neural Network", number_of_hidden_nodes="many")
    with pytest.raises(ComponentError, match=r"'Quantiles to be estimated' parameter must be quantiles "
                                             r"between 0 and 1 separated by semicolons"):
        mla.make_untrained("Fast Forest Quantile Regression", quantiles_to_be_estimated="0.5; 1.5")


# -- reference parameters map to the estimator ------------------------------------------------
def test_decision_forest_mapping_and_agreement():
    df = _data("regression", n=80)
    model, _ = _fit(REGISTRY.get("Decision Forest Regression"), seed=4, df=df,
                    number_of_decision_trees=5, maximum_depth_of_the_decision_trees=6,
                    minimum_number_of_samples_per_leaf_node=2)
    est = model.estimator.named_steps["model"]
    assert isinstance(est, RandomForestRegressor) and est.bootstrap
    assert (est.n_estimators, est.max_depth, est.min_samples_leaf) == (5, 6, 2)
    X = model.estimator.named_steps["encode"].transform(df[model.feature_columns])
    ref = RandomForestRegressor(n_estimators=5, max_depth=6, min_samples_leaf=2, random_state=4).fit(X, df["price"])
    np.testing.assert_allclose(ml.score_frame(model, df)["Scored Labels"], ref.predict(X))
    rep = mla.build_decision_forest_classifier({"resampling_method": "Replicate"}, 0)
    assert isinstance(rep, ExtraTreesClassifier) and not rep.bootstrap
    assert isinstance(mla.build_decision_forest_classifier({}, 0), RandomForestClassifier)


def test_boosted_trees_are_lightgbm_with_reference_names():
    from lightgbm import LGBMClassifier, LGBMRegressor

    est = mla.make_untrained("Boosted Decision Tree Regression", maximum_number_of_leaves_per_tree=8,
                             minimum_number_of_samples_per_leaf_node=3, learning_rate=0.1,
                             number_of_trees_constructed=30, seed=2).make()
    assert isinstance(est, LGBMRegressor)
    assert (est.num_leaves, est.min_child_samples, est.learning_rate, est.n_estimators, est.random_state) == \
        (8, 3, 0.1, 30, 2)
    assert isinstance(mla.make_untrained("Multiclass Boosted Decision Tree").make(), LGBMClassifier)
    df = _data("regression", n=80)
    model = ml.fit_model(mla.make_untrained("Boosted Decision Tree Regression", number_of_trees_constructed=30,
                                             seed=2), df, "price")
    X = model.estimator.named_steps["encode"].transform(df[model.feature_columns])
    ref = LGBMRegressor(num_leaves=20, min_child_samples=10, learning_rate=0.2, n_estimators=30, random_state=2,
                        deterministic=True, force_row_wise=True, n_jobs=1, verbose=-1).fit(X, df["price"])
    np.testing.assert_allclose(ml.score_frame(model, df)["Scored Labels"], ref.predict(X))


def test_logistic_regression_penalty_mapping():
    est = mla.make_untrained("Two-Class Logistic Regression", l1_regularization_weight=0.5,
                             l2_regularization_weight=1.5, optimization_tolerance=1e-4).make()
    lr = est.named_steps["model"]
    assert lr.C == pytest.approx(0.5) and lr.l1_ratio == pytest.approx(0.25) and lr.solver == "saga"
    assert lr.tol == 1e-4
    lr = mla.make_untrained("Multiclass Logistic Regression", l1_regularization_weight=0,
                            l2_regularization_weight=2).make().named_steps["model"]
    assert (lr.C, lr.l1_ratio, lr.solver) == (0.5, 0.0, "lbfgs")


def test_svm_perceptron_and_network_mapping():
    svm = mla.make_untrained("Two-Class Support Vector Machine", number_of_iterations=10, seed=3,
                             **{"lambda": 0.01}, project_to_the_unit_sphere=True).make()
    assert [n for n, _ in svm.steps] == ["normalize", "project", "model"]
    m = svm.named_steps["model"]
    assert (m.loss, m.alpha, m.max_iter, m.random_state) == ("hinge", 0.01, 10, 3)
    ap = mla.make_untrained("Two-Class Averaged Perceptron", learning_rate=0.5).make().named_steps["model"]
    assert (ap.loss, ap.average, ap.eta0, ap.learning_rate) == ("perceptron", True, 0.5, "constant")
    nn = mla.make_untrained("Multiclass Neural Network", number_of_hidden_nodes="20, 10", learning_rate=0.2,
                            number_of_learning_iterations=50, the_momentum=0.5).make()
    mlp = nn.named_steps["model"]
    assert isinstance(nn.named_steps["normalize"], MinMaxScaler)
    assert (mlp.hidden_layer_sizes, mlp.learning_rate_init, mlp.max_iter, mlp.momentum, mlp.solver) == \
        ((20, 10), 0.2, 50, 0.5, "sgd")


def test_linear_regression_solution_methods_both_fit():
    df = _data("regression", n=200)
    test = _data("regression", n=100, seed=1)
    for method in ("Ordinary Least Squares", "Online Gradient Descent"):
        model = ml.fit_model(mla.make_untrained("Linear Regression", solution_method=method,
                                                 number_of_training_epochs=50), df, "price")
        r2 = ml.evaluate_scored(ml.score_frame(model, test))["metrics"]["Coefficient of Determination"]
        assert r2 > 0.95, (method, r2)


def test_k_means_agrees_with_sklearn_and_initializations():
    df = _data("clustering", n=90)[["x1", "x2"]]
    model = ml.fit_model(mla.make_untrained("K-Means Clustering", number_of_centroids=3, seed=5), df, None)
    X = MinMaxScaler().fit_transform(df)
    ref = KMeans(n_clusters=3, n_init=1, random_state=5).fit(X)
    np.testing.assert_array_equal(ml.score_frame(model, df)["Assignments"], ref.labels_)
    first = ml.fit_model(mla.make_untrained("K-Means Clustering", number_of_centroids=3, iterations=1,
                                             initialization="First N", normalize_features=False), df, None)
    km = first.estimator.named_steps["model"] if hasattr(first.estimator, "named_steps") else first.estimator
    one_step = KMeans(n_clusters=3, init=df.to_numpy()[:3], n_init=1, max_iter=1).fit(df.to_numpy())
    np.testing.assert_allclose(km.cluster_centers_, one_step.cluster_centers_)
    rnd = ml.fit_model(mla.make_untrained("K-Means Clustering", number_of_centroids=3,
                                           initialization="Random"), df, None)
    assert sorted(np.bincount(ml.score_frame(rnd, df)["Assignments"])) == [30, 30, 30]


def test_poisson_regression():
    df = _data("regression", n=120)
    df = df.assign(price=np.round(np.exp(df["price"] / 4)))
    model = ml.fit_model(mla.make_untrained("Poisson Regression", l2_regularization_weight=2.0), df, "price")
    X = model.estimator.named_steps["encode"].transform(df[model.feature_columns])
    Xs = StandardScaler().fit_transform(X)
    ref = PoissonRegressor(alpha=2.0 / len(df), tol=1e-7, max_iter=1000).fit(Xs, df["price"])
    scored = ml.score_frame(model, df)
    np.testing.assert_allclose(scored["Scored Labels"], ref.predict(Xs), rtol=1e-6)
    assert (scored["Scored Labels"] > 0).all()
    with pytest.raises(ComponentError, match="negative values, but Poisson regression predicts counts"):
        ml.fit_model(mla.make_untrained("Poisson Regression"), _data("regression"), "price")


def test_quantile_forest_quantiles_are_ordered():
    df = _data("regression", n=150)
    model = ml.fit_model(mla.make_untrained("Fast Forest Quantile Regression", number_of_trees=20,
                                             quantiles_to_be_estimated="0.9;0.1, 0.5"), df, "price")
    scored = ml.score_frame(model, df)
    q = scored[["Quantile:0.100", "Quantile:0.500", "Quantile:0.900"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    y = df["price"].to_numpy()
    assert 0.6 < np.mean((y >= q[:, 0]) & (y <= q[:, 2])) <= 1.0
    assert model.info["quantiles"] == [0.1, 0.5, 0.9]


def test_pca_anomaly_detection_finds_outliers():
    rng = np.random.RandomState(0)
    t = rng.normal(size=300)
    df = pd.DataFrame({"a": t, "b": 2 * t + rng.normal(scale=0.05, size=300), "c": -t})
    model = ml.fit_model(mla.make_untrained("PCA-Based Anomaly Detection", number_of_components_to_use_in_pca=1),
                          df, None)
    test = pd.DataFrame({"a": [0.5, 1.0, 0.0], "b": [1.0, -2.0, 0.0], "c": [-0.5, 1.0, 0.0]})
    scored = ml.score_frame(model, test)
    assert list(scored["Scored Labels"]) == [0, 1, 0]
    assert scored["Scored Probabilities"].idxmax() == 1


def test_anomaly_training_leaves_the_label_out():
    df = ml.example_frame("anomaly").assign(is_fraud=0)
    from jupyter_designer.engine.schema import set_roles

    set_roles(df, {"is_fraud": "label"})
    model = ml.fit_model(mla.make_untrained("One-Class Support Vector Machine"), df, None)
    assert "is_fraud" not in model.feature_columns
    scored = ml.score_frame(model, df)
    out = ml.evaluate_scored(scored)
    assert out["task"] == "anomaly" and "AUC" in out["metrics"]


def test_one_vs_all_and_one_vs_one():
    from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier

    df = _data("multiclass", n=90)
    base = mla.make_untrained("Two-Class Support Vector Machine", number_of_iterations=5, seed=4)
    for spec, cls in ((mla.one_vs_all_multiclass.spec, OneVsRestClassifier),
                      (mla.one_vs_one_multiclass.spec, OneVsOneClassifier)):
        untrained = spec.run(RunContext(spec), {mla.BINARY_INPUT.key: base}, {})["untrained_model"]
        assert untrained.task == "multiclass" and untrained.seed == 4
        model = ml.fit_model(untrained, df, "species")
        est = model.estimator.named_steps["model"]
        assert isinstance(est, cls)
        assert est.estimator.named_steps["model"].max_iter == 5
        acc = ml.evaluate_scored(ml.score_frame(model, df))["metrics"]["Overall accuracy"]
        assert acc > 0.7
        with pytest.raises(ComponentError, match="not a two-class learner"):
            spec.run(RunContext(spec), {mla.BINARY_INPUT.key: mla.make_untrained("Linear Regression")}, {})
        with pytest.raises(ComponentError, match="connect an untrained two-class model"):
            spec.run(RunContext(spec), {}, {})


def test_one_vs_all_sweeps_the_binary_learners_grid():
    base = mla.make_untrained("Two-Class Decision Forest", create_trainer_mode="Parameter Range")
    spec = mla.one_vs_all_multiclass.spec
    untrained = spec.run(RunContext(spec), {mla.BINARY_INPUT.key: base}, {})["untrained_model"]
    assert untrained.grid == base.grid
    model = ml.fit_model(untrained, _data("multiclass"), "species", overrides={"number_of_decision_trees": 2})
    assert all(len(e.estimators_) == 2 for e in model.estimator.named_steps["model"].estimators_)
