"""Sample rating tables for the Recommendation components, generated with a known structure.

Every rating is ``mean + user bias + movie bias + user factors . movie factors + noise``
with ``RANK`` latent factors per user and movie and Gaussian noise of standard deviation
``NOISE``, observed for a random ``DENSITY`` share of the user-movie pairs. A recommender that
recovers the planted factors predicts held-out ratings with an RMSE near ``NOISE`` (the noise
floor), and :func:`planted_ratings` gives the true ratings of every pair so tests can check
what a model ranks first. The user and movie feature tables are derived from the same factors
(a taste group from the strongest user factor, a genre from the strongest movie factor, and
noisy numeric readings of the factors), so features carry real signal for Wide and Deep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .samples import Sample

N_USERS = 400
N_MOVIES = 250
RANK = 3
NOISE = 0.3
DENSITY = 0.15
SEED = 20240
MEAN = 3.5

RATINGS = "Movie Ratings (planted factors)"
USER_FEATURES = "Movie Ratings user features"
MOVIE_FEATURES = "Movie Ratings movie features"

GENRES = ("Drama", "Comedy", "Action", "Documentary", "Animation", "Thriller")
TASTES = ("Critic", "Casual", "Fan", "Binger", "Explorer", "Classic")


@dataclass
class PlantedRatings:
    """A generated rating table and the truth behind it."""

    ratings: "object"           # DataFrame UserId, MovieId, Rating (the observed pairs)
    true_scores: np.ndarray     # users x movies, the noiseless rating of every pair
    user_factors: np.ndarray
    movie_factors: np.ndarray
    user_features: "object"     # DataFrame UserId, Taste, Activity, Factor readings
    movie_features: "object"    # DataFrame MovieId, Genre, Year, Factor readings
    noise: float


def planted_ratings(n_users: int = N_USERS, n_movies: int = N_MOVIES, rank: int = RANK,
                    noise: float = NOISE, density: float = DENSITY,
                    seed: int = SEED) -> PlantedRatings:
    """Ratings of ``n_users`` x ``n_movies`` from ``rank`` planted factors plus noise."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    users = rng.normal(0.0, 0.55, (n_users, rank))
    movies = rng.normal(0.0, 0.55, (n_movies, rank))
    user_bias = rng.normal(0.0, 0.3, n_users)
    movie_bias = rng.normal(0.0, 0.4, n_movies)
    true = MEAN + user_bias[:, None] + movie_bias[None, :] + users @ movies.T
    observed = rng.random((n_users, n_movies)) < density
    for u in range(n_users):  # every user and movie has a few ratings
        if observed[u].sum() < 5:
            observed[u, rng.choice(n_movies, 5, replace=False)] = True
    for m in range(n_movies):
        if observed[:, m].sum() < 3:
            observed[rng.choice(n_users, 3, replace=False), m] = True
    uu, mm = np.nonzero(observed)
    order = rng.permutation(len(uu))
    uu, mm = uu[order], mm[order]
    rating = true[uu, mm] + rng.normal(0.0, noise, len(uu))
    ratings = pd.DataFrame({"UserId": (uu + 1).astype("int64"),
                            "MovieId": (mm + 1001).astype("int64"),
                            "Rating": np.round(rating, 3)})

    taste = np.argmax(np.abs(users), axis=1) * 2 + (users[np.arange(n_users),
                                                          np.argmax(np.abs(users), axis=1)] > 0)
    user_features = pd.DataFrame({
        "UserId": np.arange(1, n_users + 1, dtype="int64"),
        "Taste": [TASTES[int(t) % len(TASTES)] for t in taste],
        "Activity": observed.sum(axis=1).astype("int64"),
        **{f"Taste reading {k + 1}": np.round(users[:, k] + rng.normal(0, 0.2, n_users), 3)
           for k in range(rank)},
    })
    genre = np.argmax(np.abs(movies), axis=1) * 2 + (movies[np.arange(n_movies),
                                                           np.argmax(np.abs(movies), axis=1)] > 0)
    movie_features = pd.DataFrame({
        "MovieId": np.arange(1001, 1001 + n_movies, dtype="int64"),
        "Genre": [GENRES[int(g) % len(GENRES)] for g in genre],
        "Year": rng.integers(1960, 2024, n_movies).astype("int64"),
        **{f"Style reading {k + 1}": np.round(movies[:, k] + rng.normal(0, 0.2, n_movies), 3)
           for k in range(rank)},
    })
    return PlantedRatings(ratings, true, users, movies, user_features, movie_features, noise)


_CACHE: dict = {}


def _default() -> PlantedRatings:
    if "default" not in _CACHE:
        _CACHE["default"] = planted_ratings()
    return _CACHE["default"]


SAMPLES = (
    Sample(RATINGS,
           f"{N_USERS} users' ratings of {N_MOVIES} movies (user-item-rating triples: UserId, "
           f"MovieId, Rating), generated from {RANK} planted taste factors plus Gaussian noise "
           f"of standard deviation {NOISE}: a recommender that recovers the factors predicts "
           f"held-out ratings with an RMSE near {NOISE}.", "regression", "Rating",
           lambda: _default().ratings.copy()),
    Sample(USER_FEATURES,
           f"Features of the {N_USERS} users of '{RATINGS}' (UserId first): a taste group, the "
           "number of movies rated and noisy readings of their planted taste factors.",
           "multiclass", "Taste", lambda: _default().user_features.copy()),
    Sample(MOVIE_FEATURES,
           f"Features of the {N_MOVIES} movies of '{RATINGS}' (MovieId first): a genre, a "
           "year and noisy readings of their planted style factors.",
           "multiclass", "Genre", lambda: _default().movie_features.copy()),
)
