"""Recommendation components on the planted-factor ratings: SVD recovers the factors (RMSE near
the noise floor, planted favourites ranked first), Wide and Deep learns, the scoring modes and
Evaluate Recommender's metrics, the user-item-rating contract's errors, and stored models."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (explained_variance_score, mean_absolute_error, mean_squared_error,
                             r2_score)

from jupyter_designer.components import recommendation as rc
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.store.artifacts import ArtifactStore
from jupyter_designer.store.samples_ratings import NOISE, planted_ratings

RATING = {"recommender_prediction_kind": "Rating Prediction"}


def _run(name, inputs, params=None):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec, seed=0), inputs, spec.resolve_params(params or {}))


@pytest.fixture(scope="module")
def planted():
    p = planted_ratings()
    n = int(len(p.ratings) * 0.75)
    return p, p.ratings.iloc[:n].reset_index(drop=True), p.ratings.iloc[n:].reset_index(drop=True)


@pytest.fixture(scope="module")
def svd(planted):
    _, train, _ = planted
    return _run("Train SVD Recommender", {"training_dataset": train},
                {"number_of_factors": 3, "number_of_recommendation_algorithm_iterations": 100,
                 "learning_rate": 0.02})["trained_model"]


@pytest.fixture(scope="module")
def small():
    p = planted_ratings(n_users=60, n_movies=40, rank=2, density=0.5, seed=3)
    n = int(len(p.ratings) * 0.8)
    return p, p.ratings.iloc[:n].reset_index(drop=True), p.ratings.iloc[n:].reset_index(drop=True)


def test_palette_entries():
    names = {s.name: s for s in REGISTRY.all() if s.category == "Recommendation"}
    assert set(names) == {"Train SVD Recommender", "Score SVD Recommender",
                          "Train Wide and Deep Recommender", "Score Wide and Deep Recommender",
                          "Evaluate Recommender"}
    assert names["Train SVD Recommender"].install_extra == "recommenders"
    assert names["Train Wide and Deep Recommender"].requires == ("torch",)
    kinds = names["Score SVD Recommender"].param("recommended_item_selection").choices
    assert kinds == ("From All Items", "From Rated Items (for model evaluation)",
                     "From Unrated Items (to suggest new items to users)")


def test_svd_rmse_on_held_out_ratings_is_near_the_noise_floor(planted, svd):
    _, _, test = planted
    scored = _run("Score SVD Recommender", {"trained_model": svd, "dataset": test},
                  RATING)["scored_dataset"]
    assert list(scored.columns) == ["UserId", "MovieId", "Scored Rating"]
    metrics = _run("Evaluate Recommender", {"test_dataset": test, "scored_dataset": scored}
                   )["metric"].metrics()
    assert NOISE <= metrics["Root Mean Squared Error"] < 1.25 * NOISE, metrics
    # a model that knew nothing (the mean rating) is far worse
    assert metrics["Root Mean Squared Error"] < 0.5 * test["Rating"].std()


def test_svd_predicts_as_scikit_surprise_does(planted, svd):
    _, _, test = planted
    rec = svd.estimator
    mine = rec.predict_ids(test["UserId"].tolist(), test["MovieId"].tolist())
    algo = rec._surprise
    u = rec.codes(test["UserId"].tolist(), "users")
    i = rec.codes(test["MovieId"].tolist(), "items")
    theirs = np.array([algo.predict(a, b).est for a, b in zip(u, i)])
    np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-9)


def test_planted_favourites_are_recommended_first(planted, svd):
    """From Unrated Items, each user's top 10 by the model against the 10 unrated movies the
    planted factors rate highest: NDCG near 1, far above a random pick."""
    p, _, _ = planted
    users = pd.DataFrame({"UserId": np.arange(1, 201)})
    scored = _run("Score SVD Recommender", {"trained_model": svd, "dataset": users},
                  {"recommended_item_selection": "From Unrated Items (to suggest new items to users)",
                   "maximum_number_of_items_to_recommend_to_a_user": 10})["scored_dataset"]
    assert list(scored.columns) == ["User", *[f"Item {k}" for k in range(1, 11)]]
    rec = svd.estimator
    rng = np.random.default_rng(0)
    got, chance = [], []
    for _, row in scored.iterrows():
        ucode = rec.codes([row["User"]], "users")[0]
        rated = {rec.items[j] for j in rec.rated_items_of(ucode)}
        recommended = [row[f"Item {k}"] for k in range(1, 11)]
        assert not rated & set(recommended), "an unrated-items recommendation repeats a rated movie"
        pool = [m for m in range(1001, 1001 + p.true_scores.shape[1]) if m not in rated]
        truth = p.true_scores[row["User"] - 1, np.array(pool) - 1001]
        favourites = {pool[j]: 1.0 for j in np.argsort(-truth)[:10]}
        got.append(rc.ndcg(recommended, favourites))
        chance.append(rc.ndcg(list(rng.choice(pool, 10, replace=False)), favourites))
    assert np.mean(got) > 0.7 and np.mean(got) > 5 * np.mean(chance), (np.mean(got), np.mean(chance))


def test_evaluate_recommender_ndcg_of_rated_items(planted, svd):
    _, _, test = planted
    scored = _run("Score SVD Recommender", {"trained_model": svd, "dataset": test},
                  {"whether_to_return_the_predicted_ratings_of_the_items_along_with_the_labels": True,
                   "maximum_number_of_items_to_recommend_to_a_user": 3,
                   "minimum_size_of_the_recommendation_pool_for_a_single_user": 4}
                  )["scored_dataset"]
    assert list(scored.columns) == ["User", "Item 1", "Item 2", "Item 3",
                                    "Rating 1", "Rating 2", "Rating 3"]
    pool = test.groupby("UserId").size()
    small_pool = scored["User"].map(pool) < 4
    assert small_pool.any() and scored.loc[small_pool, "Item 1"].isna().all()
    full = scored[~small_pool]
    assert (full["Rating 1"] >= full["Rating 2"]).all() and (full["Rating 2"] >= full["Rating 3"]).all()
    metrics = _run("Evaluate Recommender", {"test_dataset": test, "scored_dataset": scored}
                   )["metric"].metrics()
    # the same users with their items in reverse order of the model's preference
    reverse = full.copy()
    reverse[["Item 1", "Item 3"]] = full[["Item 3", "Item 1"]].to_numpy()
    worse = _run("Evaluate Recommender", {"test_dataset": test, "scored_dataset": reverse}
                 )["metric"].metrics()
    assert metrics["Users evaluated"] == len(full)
    assert 0 < worse["NDCG"] < metrics["NDCG"] <= 1


def test_rating_metrics_match_scikit_learn(planted, svd):
    _, _, test = planted
    scored = _run("Score SVD Recommender", {"trained_model": svd, "dataset": test.iloc[:500]},
                  RATING)["scored_dataset"]
    m = _run("Evaluate Recommender", {"test_dataset": test, "scored_dataset": scored}
             )["metric"].metrics()
    y, p = test["Rating"].iloc[:500], scored["Scored Rating"]
    assert m["Mean Absolute Error"] == pytest.approx(mean_absolute_error(y, p))
    assert m["Root Mean Squared Error"] == pytest.approx(mean_squared_error(y, p) ** 0.5)
    assert m["Coefficient of Determination"] == pytest.approx(r2_score(y, p))
    assert m["Explained Variance"] == pytest.approx(explained_variance_score(y, p))


def test_all_items_and_unknown_users(planted, svd):
    users = pd.DataFrame({"UserId": [1, 99999]})
    scored = _run("Score SVD Recommender", {"trained_model": svd, "dataset": users},
                  {"recommended_item_selection": "From All Items"})["scored_dataset"]
    assert scored["Item 1"].notna().all()  # a new user gets the movies rated best overall
    pairs = pd.DataFrame({"UserId": [99999], "MovieId": [123456]})
    out = _run("Score SVD Recommender", {"trained_model": svd, "dataset": pairs}, RATING)
    assert out["scored_dataset"]["Scored Rating"].iloc[0] == pytest.approx(svd.estimator.global_mean)


@pytest.mark.parametrize("frame,needle", [
    (pd.DataFrame({"u": [1], "i": [2]}), "must have exactly three columns (user, item, rating); it has 2"),
    (pd.DataFrame({"u": [1], "i": [2], "r": [3.0], "t": [4]}), "it has 4: 'u', 'i', 'r', 't'"),
    (pd.DataFrame({"u": [1], "i": [2], "r": ["good"]}), "the third column of 'Training dataset of "
                                                        "user-item-rating triples', 'r', must be the numeric rating"),
    (pd.DataFrame({"u": [1, None], "i": [2, 3], "r": [3.0, 4.0]}), "'u', is the user and must not have missing values"),
    (pd.DataFrame({"u": [1, 2], "i": [2, 3], "r": [3.0, None]}), "has 1 missing values"),
])
def test_triple_contract_errors(frame, needle):
    with pytest.raises(ComponentError) as err:
        _run("Train SVD Recommender", {"training_dataset": frame})
    assert needle in str(err.value) and "Select Columns in Dataset" in str(err.value) \
        or "missing" in needle


def test_scoring_errors(svd, small):
    with pytest.raises(ComponentError, match="the user in its first column and the item in its second"):
        _run("Score SVD Recommender", {"trained_model": svd,
                                       "dataset": pd.DataFrame({"a": [1], "b": [2], "c": [3], "d": [4]})},
             RATING)
    with pytest.raises(ComponentError, match="connect the output of Train Wide and Deep Recommender"):
        _run("Score Wide and Deep Recommender", {"trained_model": svd, "dataset": small[2]})
    with pytest.raises(ComponentError, match="not in the test dataset"):
        scored = pd.DataFrame({"UserId": [1], "MovieId": [1], "Scored Rating": [3.0]})
        _run("Evaluate Recommender", {"test_dataset": small[2], "scored_dataset": scored})
    with pytest.raises(ComponentError, match="must come from Score SVD Recommender or Score Wide"):
        _run("Evaluate Recommender", {"test_dataset": small[2], "scored_dataset": small[2]})


WIDE_DEEP = {"epochs": 8, "batch_size": 128, "deep_part_optimizer": "Adam",
             "deep_optimizer_learning_rate": 0.01, "hidden_units": "16", "dropout": 0.1,
             "user_embedding_dimension": 4, "item_embedding_dimension": 4}


@pytest.fixture(scope="module")
def wide_deep(small):
    p, train, _ = small
    return _run("Train Wide and Deep Recommender",
                {"training_dataset": train, "user_features": p.user_features,
                 "item_features": p.movie_features}, WIDE_DEEP)["trained_model"]


def test_wide_and_deep_learns_and_is_deterministic(small, wide_deep):
    p, train, test = small
    scored = _run("Score Wide and Deep Recommender", {"trained_model": wide_deep, "dataset": test},
                  RATING)["scored_dataset"]
    rmse = mean_squared_error(test["Rating"], scored["Scored Rating"]) ** 0.5
    baseline = mean_squared_error(test["Rating"], np.full(len(test), train["Rating"].mean())) ** 0.5
    assert rmse < 0.85 * baseline, (rmse, baseline)
    rec = wide_deep.estimator
    assert rec.user_features["cat_names"] == ["Taste"] and rec.item_features["cat_names"] == ["Genre"]
    assert rec.config["hidden"] == [16] and wide_deep.info["device"] in ("cpu", "cuda")
    again = _run("Train Wide and Deep Recommender",
                 {"training_dataset": train, "user_features": p.user_features,
                  "item_features": p.movie_features}, WIDE_DEEP)["trained_model"]
    if wide_deep.info["device"] == "cpu":
        for k, v in rec.weights.items():
            np.testing.assert_array_equal(v, again.estimator.weights[k])


def test_wide_and_deep_errors(small):
    _, train, _ = small
    with pytest.raises(ComponentError, match="'Hidden units' must be a comma-separated list"):
        _run("Train Wide and Deep Recommender", {"training_dataset": train},
             {**WIDE_DEEP, "hidden_units": "big"})
    dup = pd.DataFrame({"UserId": [1, 1], "Age": [3, 4]})
    with pytest.raises(ComponentError, match="lists the id 1 more than once"):
        _run("Train Wide and Deep Recommender", {"training_dataset": train, "user_features": dup},
             WIDE_DEEP)


def test_models_are_stored_and_loaded_by_the_workspace(tmp_path, svd, wide_deep, small):
    from jupyter_designer.store import Workspace

    _, _, test = small
    ws = Workspace(tmp_path / "ws")
    formats = []
    for model in (svd, wide_deep):
        aid = ws.put_artifact(model)
        formats.append(ArtifactStore.format_of(aid))
        loaded = Workspace(tmp_path / "ws").load_artifact(aid)
        want = model.estimator.predict_ids(test["UserId"].tolist(), test["MovieId"].tolist())
        got = loaded.estimator.predict_ids(test["UserId"].tolist(), test["MovieId"].tolist())
        np.testing.assert_allclose(got, want, rtol=1e-6)
        assert loaded.label_column == "Rating"
    assert formats == ["sk", "sk"]  # plain arrays: skops stores them, no pickle


def test_a_missing_library_is_named_with_the_install_command(monkeypatch, small):
    from jupyter_designer.engine import component as component_module

    monkeypatch.setitem(component_module._IMPORTABLE, "surprise", False)
    spec = REGISTRY.get("Train SVD Recommender")
    assert spec.as_dict()["available"] is False
    assert spec.as_dict()["install"] == "pip install 'jupyter-designer[recommenders]'"
    with pytest.raises(ComponentError, match=r"Train SVD Recommender needs surprise, which is not "
                                             r"installed. Install it with `pip install "
                                             r"'jupyter-designer\[recommenders\]'`"):
        _run("Train SVD Recommender", {"training_dataset": small[1]})
