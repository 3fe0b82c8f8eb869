"""Recommendation components: Train / Score SVD Recommender, Train / Score Wide and Deep
Recommender, Evaluate Recommender.

Input contract (the reference product's): a training or test dataset is a table of
user-item-rating triples, the first column the user, the second the item, the third the
numeric rating, and nothing else. Data to score gives users and items the same way (the
rating column may be absent).

The SVD recommender is scikit-surprise's ``SVD`` (biased matrix factorisation trained by
stochastic gradient descent). Its learned factors and biases are kept as plain arrays, so
the stored model needs no scikit-surprise class to load and predicts with numpy. Wide and
Deep runs on PyTorch (a GPU when one is present, the CPU otherwise): a wide linear part over
one-hot user, item, categorical features and the hashed user x item cross, plus a deep part
of embeddings and numeric features through hidden layers; its weights are kept as numpy
arrays as well and the network is rebuilt to score.

Scored columns: rating prediction gives the user column, the item column and
``Scored Rating``; item recommendation gives ``User``, ``Item 1`` .. ``Item K`` and, when
asked, ``Rating 1`` .. ``Rating K``. Evaluate Recommender reads either shape.

Longer than 700 lines because the five components share one input contract, one scoring
routine (the reference's prediction kinds) and one evaluation; the Wide and Deep network and
the SVD arrays they score with sit beside them.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.models import EvaluationResult, TrainedModel
from jupyter_designer.engine.params import Bool, Enum, Float, Int, String
from jupyter_designer.engine.ports import DATASET, EVALUATION, TRAINED_MODEL, Port

CATEGORY = "Recommendation"
EXTRA = "recommenders"
TASK = "recommendation"
SCORED_RATING = "Scored Rating"

RATING_PREDICTION = "Rating Prediction"
ITEM_RECOMMENDATION = "Item Recommendation"
FROM_ALL = "From All Items"
FROM_RATED = "From Rated Items (for model evaluation)"
FROM_UNRATED = "From Unrated Items (to suggest new items to users)"

TRIPLES_HELP = ("The first column must hold the user, the second the item and the third the "
                "numeric rating; use Select Columns in Dataset to keep exactly those three, in "
                "that order.")


# -- the user-item-rating contract ------------------------------------------------------------
def _key(value):
    """A user or item id as a dictionary key: integral numbers as int, the rest as str."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(value)
    return str(value)


def _frame(ctx, inputs, key, label) -> pd.DataFrame:
    df = inputs.get(key)
    if not isinstance(df, pd.DataFrame):
        raise ctx.error(f"connect a dataset to the '{label}' input.")
    return df


def check_triples(ctx, df: pd.DataFrame, label: str) -> pd.DataFrame:
    """``df`` as user, item, float rating; a clear error when it is not three such columns."""
    if df.shape[1] != 3:
        raise ctx.error(f"the '{label}' dataset must have exactly three columns (user, item, "
                        f"rating); it has {df.shape[1]}: "
                        f"{', '.join(repr(str(c)) for c in df.columns[:8])}. {TRIPLES_HELP}")
    if len(df) == 0:
        raise ctx.error(f"the '{label}' dataset has no rows.")
    user, item, rating = df.columns
    _check_ids(ctx, df, label)
    values = df[rating]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ctx.error(f"the third column of '{label}', {str(rating)!r}, must be the numeric "
                        f"rating; it holds {values.dtype} values. {TRIPLES_HELP}")
    if values.isna().any():
        raise ctx.error(f"the rating column {str(rating)!r} of '{label}' has "
                        f"{int(values.isna().sum())} missing values; remove those rows (Clean "
                        "Missing Data) first.")
    return df


def _check_ids(ctx, df, label, n=2):
    for pos, what in list(enumerate(("user", "item")))[:n]:
        col = df.columns[pos]
        missing = int(df[col].isna().sum())
        if missing:
            raise ctx.error(f"the {'first' if pos == 0 else 'second'} column of '{label}', "
                            f"{str(col)!r}, is the {what} and must not have missing values; it "
                            f"has {missing}. {TRIPLES_HELP}")


class RecommenderModel:
    """What both recommenders share: the known users and items, each user's rated items,
    and scoring in the reference product's prediction kinds. Subclasses give
    :meth:`predict_pairs` (index arrays -> predicted ratings)."""

    learner = ""

    def _remember(self, df: pd.DataFrame):
        user, item, rating = df.columns
        self.user_column, self.item_column, self.rating_column = str(user), str(item), str(rating)
        u_codes, users = pd.factorize(df[user].map(_key), sort=False)
        i_codes, items = pd.factorize(df[item].map(_key), sort=False)
        self.users = [_key(u) for u in users]
        self.items = [_key(i) for i in items]
        order = np.lexsort((i_codes, u_codes))
        self.rated_user = u_codes[order].astype("int64")
        self.rated_item = i_codes[order].astype("int64")
        r = df[rating].to_numpy(dtype="float64")
        self.rating_range = [float(r.min()), float(r.max())]
        return u_codes.astype("int64"), i_codes.astype("int64"), r

    # index lookups, rebuilt after loading (not stored)
    def _index(self, which):
        cache = self.__dict__.setdefault("_cache", {})
        if which not in cache:
            cache[which] = {k: n for n, k in enumerate(getattr(self, which))}
        return cache[which]

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_cache"}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def codes(self, values, which) -> np.ndarray:
        """Indices of user or item ids (-1 for ids the model has not seen)."""
        index = self._index(which)
        return np.fromiter((index.get(_key(v), -1) for v in values), dtype="int64",
                           count=len(values))

    def rated_items_of(self, user_code: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.rated_user, [user_code, user_code + 1])
        return self.rated_item[lo:hi]

    def predict_pairs(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def predict_ids(self, users, items) -> np.ndarray:
        return self.predict_pairs(self.codes(list(users), "users"), self.codes(list(items), "items"))


# -- scoring (both recommenders) ------------------------------------------------------------------
SCORE_PARAMS = [
    Enum("recommender_prediction_kind", "Recommender prediction kind", default=ITEM_RECOMMENDATION,
         choices=(RATING_PREDICTION, ITEM_RECOMMENDATION),
         description="Predict the ratings of given user-item pairs, or recommend items to users"),
    Enum("recommended_item_selection", "Recommended item selection", default=FROM_RATED,
         choices=(FROM_ALL, FROM_RATED, FROM_UNRATED),
         visible_if={"recommender_prediction_kind": ITEM_RECOMMENDATION},
         description="Where recommended items come from: every item the model knows, the items "
                     "paired with the user in the dataset to score (to evaluate the model), or "
                     "the items the user did not rate in training (to suggest new ones)"),
    Int("maximum_number_of_items_to_recommend_to_a_user", "Maximum number of items to recommend "
        "to a user", default=5, min=1, max=1000,
        visible_if={"recommender_prediction_kind": ITEM_RECOMMENDATION}),
    Int("minimum_size_of_the_recommendation_pool_for_a_single_user", "Minimum size of the "
        "recommendation pool for a single user", default=2, min=1,
        visible_if={"recommender_prediction_kind": ITEM_RECOMMENDATION},
        description="Users with fewer candidate items than this get no recommendations"),
    Bool("whether_to_return_the_predicted_ratings_of_the_items_along_with_the_labels",
         "Whether to return the predicted ratings of the items along with the labels",
         default=False, visible_if={"recommender_prediction_kind": ITEM_RECOMMENDATION}),
]


TO_SCORE = Port("dataset", DATASET, "Dataset to score",
                description="Users (first column) and items (second column) to score")
SCORED = Port("scored_dataset", DATASET, "Scored dataset")


def _model_input(ctx, inputs, kind: type, trainer: str) -> RecommenderModel:
    model = inputs.get("trained_model")
    rec = getattr(model, "estimator", None) if isinstance(model, TrainedModel) else None
    if not isinstance(rec, kind):
        got = getattr(model, "learner", "") or type(model).__name__
        raise ctx.error(f"connect the output of {trainer} to the trained model input; got "
                        f"{got}.")
    return rec


def score_recommender(ctx, rec: RecommenderModel, df: pd.DataFrame, params: dict) -> pd.DataFrame:
    kind = params["recommender_prediction_kind"]
    if kind == RATING_PREDICTION:
        if df.shape[1] not in (2, 3):
            raise ctx.error(f"to predict ratings, the dataset to score must have the user in its "
                            f"first column and the item in its second (a third, the rating, is "
                            f"ignored); it has {df.shape[1]} columns: "
                            f"{', '.join(repr(str(c)) for c in df.columns[:8])}.")
        _check_ids(ctx, df, "Dataset to score")
        users, items = df.iloc[:, 0], df.iloc[:, 1]
        pred = rec.predict_ids(users.tolist(), items.tolist())
        out = pd.DataFrame({rec.user_column: users.to_numpy(), rec.item_column: items.to_numpy(),
                            SCORED_RATING: pred})
        ctx.log("Predicted %d ratings", len(out))
        return out
    selection = params["recommended_item_selection"]
    k = params["maximum_number_of_items_to_recommend_to_a_user"]
    min_pool = params["minimum_size_of_the_recommendation_pool_for_a_single_user"]
    with_ratings = params["whether_to_return_the_predicted_ratings_of_the_items_along_with_the_labels"]
    if df.shape[1] < 1 or (selection == FROM_RATED and df.shape[1] < 2):
        raise ctx.error("to recommend from rated items, the dataset to score must give user-item "
                        "pairs: the user in its first column and the item in its second.")
    _check_ids(ctx, df, "Dataset to score", 2 if selection == FROM_RATED else 1)
    users = pd.unique(df.iloc[:, 0].map(_key))
    if selection == FROM_RATED:
        pairs = pd.DataFrame({"u": df.iloc[:, 0].map(_key), "i": df.iloc[:, 1].map(_key)})
        pools_by_user = {u: list(pd.unique(g["i"])) for u, g in pairs.groupby("u", sort=False)}
    all_items = np.arange(len(rec.items))
    rows = []
    for user in users:
        ucode = rec.codes([user], "users")[0]
        if selection == FROM_RATED:
            pool_ids = pools_by_user[user]
            pool = rec.codes(pool_ids, "items")
        elif selection == FROM_ALL:
            pool = all_items
        else:
            pool = np.setdiff1d(all_items, rec.rated_items_of(ucode) if ucode >= 0 else [])
        row = {"User": user}
        chosen, scores = [], []
        if len(pool) >= min_pool:
            scores_all = rec.predict_pairs(np.full(len(pool), ucode, dtype="int64"), pool)
            order = np.argsort(-scores_all, kind="stable")[:k]
            if selection == FROM_RATED:
                chosen = [pool_ids[j] for j in order]
            else:
                chosen = [rec.items[pool[j]] for j in order]
            scores = [float(scores_all[j]) for j in order]
        for n in range(k):
            row[f"Item {n + 1}"] = chosen[n] if n < len(chosen) else None
        if with_ratings:
            for n in range(k):
                row[f"Rating {n + 1}"] = scores[n] if n < len(scores) else np.nan
        rows.append(row)
    columns = ["User", *[f"Item {n + 1}" for n in range(k)],
               *([f"Rating {n + 1}" for n in range(k)] if with_ratings else [])]
    out = pd.DataFrame(rows, columns=columns)
    for c in columns:  # integer ids stay integers where a user got fewer items
        if c.startswith("Item ") and out[c].dtype == float:
            values = out[c].dropna()
            if len(values) and (values == values.round()).all():
                out[c] = out[c].astype("Int64")
    ctx.log("Recommended up to %d items to each of %d users (%s)", k, len(users), selection)
    return out


# -- SVD ------------------------------------------------------------------------------------
class SVDRecommender(RecommenderModel):
    """Biased matrix factorisation learned by scikit-surprise's SVD, kept as arrays:
    ``rating = mean + user bias + item bias + user factors . item factors``, clipped to the
    training ratings' range (as surprise does). An unseen user or item contributes no bias
    and no factors."""

    learner = "Train SVD Recommender"

    def fit(self, df: pd.DataFrame, n_factors: int, n_epochs: int, lr: float, seed: int):
        from surprise import SVD, Dataset, Reader

        u, i, r = self._remember(df)
        frame = pd.DataFrame({"u": u, "i": i, "r": r})
        reader = Reader(rating_scale=tuple(self.rating_range))
        trainset = Dataset.load_from_df(frame, reader).build_full_trainset()
        algo = SVD(n_factors=n_factors, n_epochs=n_epochs, lr_all=lr, random_state=seed)
        algo.fit(trainset)
        # surprise numbers users and items in order of appearance; put them in ours
        uo = np.array([trainset.to_inner_uid(x) for x in range(len(self.users))])
        io = np.array([trainset.to_inner_iid(x) for x in range(len(self.items))])
        self.global_mean = float(trainset.global_mean)
        self.user_bias = np.asarray(algo.bu)[uo].copy()
        self.item_bias = np.asarray(algo.bi)[io].copy()
        self.user_factors = np.asarray(algo.pu)[uo].copy()
        self.item_factors = np.asarray(algo.qi)[io].copy()
        self._surprise = algo  # for checks in this process only; not stored
        return self

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_surprise", None)
        return state

    def predict_pairs(self, u, i):
        u, i = np.asarray(u), np.asarray(i)
        ku, ki = u >= 0, i >= 0
        est = np.full(len(u), self.global_mean)
        est[ku] += self.user_bias[u[ku]]
        est[ki] += self.item_bias[i[ki]]
        both = ku & ki
        est[both] += np.einsum("ij,ij->i", self.user_factors[u[both]], self.item_factors[i[both]])
        return np.clip(est, *self.rating_range)


def _trained(rec: RecommenderModel, info: dict) -> TrainedModel:
    return TrainedModel(estimator=rec, task=TASK, feature_columns=[rec.user_column, rec.item_column],
                        label_column=rec.rating_column, learner=rec.learner, info=info)


@component(
    "Train SVD Recommender", category=CATEGORY,
    inputs=[Port("training_dataset", DATASET, "Training dataset of user-item-rating triples",
                 description="User, item and rating, in that order")],
    outputs=[Port("trained_model", TRAINED_MODEL, "Trained SVD recommendation")],
    params=[Int("number_of_factors", "Number of factors", default=200, min=1, max=1000,
                description="Latent factors per user and item"),
            Int("number_of_recommendation_algorithm_iterations",
                "Number of recommendation algorithm iterations", default=30, min=1, max=10000,
                description="Passes of stochastic gradient descent over the ratings"),
            Float("learning_rate", "Learning rate", default=0.005, min=0.0, max=2.0,
                  min_exclusive=True, description="Step size of each gradient update")],
    training_only=True, model_output="trained_model", requires=("surprise",),
    install_extra=EXTRA,
)
def train_svd_recommender(ctx, inputs, params):
    """Trains a matrix-factorisation (SVD) recommender on user-item-rating triples."""
    ctx.spec.check_available()
    df = check_triples(ctx, _frame(ctx, inputs, "training_dataset",
                                   "Training dataset of user-item-rating triples"),
                       "Training dataset of user-item-rating triples")
    rec = SVDRecommender().fit(df, params["number_of_factors"],
                               params["number_of_recommendation_algorithm_iterations"],
                               params["learning_rate"], ctx.seed)
    ctx.log("Trained SVD on %d ratings of %d users and %d items", len(df), len(rec.users),
            len(rec.items))
    return {"trained_model": _trained(rec, {"n_factors": params["number_of_factors"],
                                            "users": len(rec.users), "items": len(rec.items)})}


@component(
    "Score SVD Recommender", category=CATEGORY,
    inputs=[Port("trained_model", TRAINED_MODEL, "Trained SVD recommendation"),
            TO_SCORE],
    outputs=[SCORED], params=SCORE_PARAMS, requires=("surprise",), install_extra=EXTRA,
)
def score_svd_recommender(ctx, inputs, params):
    """Predicts ratings or recommends items with a trained SVD recommender."""
    rec = _model_input(ctx, inputs, SVDRecommender, "Train SVD Recommender")
    df = _frame(ctx, inputs, "dataset", "Dataset to score")
    return {"scored_dataset": score_recommender(ctx, rec, df, params)}


# -- Wide and Deep ------------------------------------------------------------------------
OPTIMIZERS = ("Adagrad", "Adam", "RMSProp", "SGD", "Adadelta")
ACTIVATIONS = ("ReLU", "Sigmoid", "Tanh", "Linear", "LeakyReLU")


class _Features:
    """A feature table (id first) encoded per user or item index: categorical columns as
    vocabulary indices (0 = unknown), numeric ones standardised (missing -> 0)."""

    @staticmethod
    def encode(table: pd.DataFrame | None, ids: list, label: str, ctx):
        n = len(ids) + 1  # row 0: an unknown id
        if table is None:
            return {"cat_names": [], "num_names": [], "vocab": [], "cats": np.zeros((n, 0), "int64"),
                    "nums": np.zeros((n, 0), "float32"), "mean": [], "std": []}
        if table.shape[1] < 2:
            raise ctx.error(f"the '{label}' dataset must have the id in its first column and at "
                            f"least one feature column after it; it has {table.shape[1]} column.")
        idcol = table.columns[0]
        if table[idcol].isna().any():
            raise ctx.error(f"the first column of '{label}', {str(idcol)!r}, holds the ids and "
                            "must not have missing values.")
        keys = table[idcol].map(_key)
        if keys.duplicated().any():
            dup = keys[keys.duplicated()].tolist()[0]
            raise ctx.error(f"'{label}' lists the id {dup!r} more than once; give one row per id.")
        pos = {k: n for n, k in enumerate(ids)}
        rows = np.array([pos.get(k, -1) + 1 for k in keys])
        keep = rows > 0
        cat_names, num_names, vocab, cats, nums, mean, std = [], [], [], [], [], [], []
        for col in table.columns[1:]:
            s = table[col]
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                v = s.to_numpy(dtype="float64")
                m, sd = float(np.nanmean(v)) if np.isfinite(v).any() else 0.0, float(np.nanstd(v))
                sd = sd or 1.0
                full = np.zeros(n, "float32")
                full[rows[keep]] = np.nan_to_num((v[keep] - m) / sd)
                num_names.append(str(col)), nums.append(full), mean.append(m), std.append(sd)
            else:
                values = s.astype("string").fillna("")
                words = sorted(set(values[values != ""]))
                index = {w: j + 1 for j, w in enumerate(words)}
                full = np.zeros(n, "int64")
                full[rows[keep]] = [index.get(w, 0) for w in values[keep]]
                cat_names.append(str(col)), vocab.append(words), cats.append(full)
        return {"cat_names": cat_names, "num_names": num_names, "vocab": vocab,
                "cats": np.stack(cats, 1) if cats else np.zeros((n, 0), "int64"),
                "nums": np.stack(nums, 1) if nums else np.zeros((n, 0), "float32"),
                "mean": mean, "std": std}


def _network(cfg: dict):
    import torch
    from torch import nn

    act = {"ReLU": nn.ReLU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh, "Linear": nn.Identity,
           "LeakyReLU": nn.LeakyReLU}[cfg["activation"]]

    class WideAndDeep(nn.Module):
        def __init__(self):
            super().__init__()
            cat_sizes = cfg["cat_sizes"]
            self.wide_user = nn.Embedding(cfg["n_users"] + 1, 1)
            self.wide_item = nn.Embedding(cfg["n_items"] + 1, 1)
            self.wide_cross = nn.Embedding(cfg["cross_dim"], 1)
            self.wide_cats = nn.ModuleList(nn.Embedding(s, 1) for s in cat_sizes)
            self.wide_nums = nn.Linear(cfg["n_nums"], 1) if cfg["n_nums"] else None
            for m in (self.wide_user, self.wide_item, self.wide_cross, *self.wide_cats):
                nn.init.zeros_(m.weight)
            self.bias = nn.Parameter(torch.tensor([cfg["mean"]], dtype=torch.float32))
            self.deep_user = nn.Embedding(cfg["n_users"] + 1, cfg["user_dim"])
            self.deep_item = nn.Embedding(cfg["n_items"] + 1, cfg["item_dim"])
            self.deep_cats = nn.ModuleList(nn.Embedding(s, cfg["cat_dim"]) for s in cat_sizes)
            width = cfg["user_dim"] + cfg["item_dim"] + cfg["cat_dim"] * len(cat_sizes) + cfg["n_nums"]
            layers = []
            for h in cfg["hidden"]:
                layers.append(nn.Linear(width, h))
                if cfg["batch_norm"]:
                    layers.append(nn.BatchNorm1d(h))
                layers += [act(), nn.Dropout(cfg["dropout"])]
                width = h
            layers.append(nn.Linear(width, 1))
            self.deep = nn.Sequential(*layers)

        def wide_parameters(self):
            return [p for n, p in self.named_parameters() if n.startswith(("wide", "bias"))]

        def deep_parameters(self):
            return [p for n, p in self.named_parameters() if n.startswith("deep")]

        def forward(self, u, i, cats, nums):
            cross = (u * (cfg["n_items"] + 1) + i) % cfg["cross_dim"]
            wide = self.bias + self.wide_user(u)[:, 0] + self.wide_item(i)[:, 0] + \
                self.wide_cross(cross)[:, 0]
            parts = [self.deep_user(u), self.deep_item(i)]
            for j, (we, de) in enumerate(zip(self.wide_cats, self.deep_cats)):
                wide = wide + we(cats[:, j])[:, 0]
                parts.append(de(cats[:, j]))
            if self.wide_nums is not None:
                wide = wide + self.wide_nums(nums)[:, 0]
                parts.append(nums)
            return wide + self.deep(torch.cat(parts, 1))[:, 0]

    return WideAndDeep()


class WideAndDeepRecommender(RecommenderModel):
    """A Wide and Deep rating model (PyTorch) over user, item and their features, stored as
    numpy weights plus the encoding of the feature tables."""

    learner = "Train Wide and Deep Recommender"

    def _inputs(self, u, i):
        uf, itf = self.user_features, self.item_features
        cats = np.concatenate([uf["cats"][u + 1], itf["cats"][i + 1]], 1)
        nums = np.concatenate([uf["nums"][u + 1], itf["nums"][i + 1]], 1).astype("float32")
        return u + 1, i + 1, cats, nums

    def fit(self, ctx, df, user_features, item_features, p, seed):
        import torch

        u, i, r = self._remember(df)
        self.user_features = _Features.encode(user_features, self.users, "User features", ctx)
        self.item_features = _Features.encode(item_features, self.items, "Item features", ctx)
        cat_sizes = [len(v) + 1 for v in self.user_features["vocab"] + self.item_features["vocab"]]
        hidden = _hidden_units(ctx, p["hidden_units"])
        self.config = {"n_users": len(self.users), "n_items": len(self.items),
                       "cross_dim": p["crossed_feature_dimension"], "cat_sizes": cat_sizes,
                       "n_nums": len(self.user_features["num_names"]) + len(self.item_features["num_names"]),
                       "user_dim": p["user_embedding_dimension"], "item_dim": p["item_embedding_dimension"],
                       "cat_dim": p["categorical_features_embedding_dimension"], "hidden": hidden,
                       "activation": p["activation_function"], "dropout": p["dropout"],
                       "batch_norm": p["batch_normalization"], "mean": float(r.mean())}
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        threads = torch.get_num_threads()
        # these networks are small: on a CPU, one thread beats several contending ones
        torch.set_num_threads(1)
        try:
            self._train(ctx, u, i, r, p, seed, device)
        finally:
            torch.set_num_threads(threads)
        self.device_used = device.type
        return self

    def _train(self, ctx, u, i, r, p, seed, device):
        import torch

        torch.manual_seed(seed)
        net = _network(self.config).to(device)
        wide_opt = _optimizer(p["wide_part_optimizer"], net.wide_parameters(),
                              p["wide_optimizer_learning_rate"])
        deep_opt = _optimizer(p["deep_part_optimizer"], net.deep_parameters(),
                              p["deep_optimizer_learning_rate"])
        tensors = [torch.tensor(x).to(device) for x in self._inputs(u, i)]
        target = torch.tensor(r, dtype=torch.float32).to(device)
        gen = torch.Generator().manual_seed(seed)
        batch = p["batch_size"]
        net.train()
        for epoch in range(p["epochs"]):
            order = torch.randperm(len(r), generator=gen).to(device)
            total = 0.0
            for start in range(0, len(r), batch):
                idx = order[start:start + batch]
                if len(idx) < 2 and p["batch_normalization"]:
                    continue  # batch normalisation needs two rows
                pred = net(*(t[idx] for t in tensors))
                loss = torch.mean((pred - target[idx]) ** 2)
                wide_opt.zero_grad(), deep_opt.zero_grad()
                loss.backward()
                wide_opt.step(), deep_opt.step()
                total += loss.item() * len(idx)
            ctx.log("Epoch %d/%d: training RMSE %.4f", epoch + 1, p["epochs"],
                    (total / len(r)) ** 0.5)
        self.weights = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}

    def _net(self):
        cache = self.__dict__.setdefault("_cache", {})
        if "net" not in cache:
            import torch

            net = _network(self.config)
            net.load_state_dict({k: torch.as_tensor(v) for k, v in self.weights.items()})
            cache["net"] = net.eval()
        return cache["net"]

    def predict_pairs(self, u, i):
        import torch

        u, i = np.asarray(u, "int64"), np.asarray(i, "int64")
        if len(u) == 0:
            return np.zeros(0)
        with torch.no_grad():
            out = self._net()(*(torch.as_tensor(x) for x in self._inputs(u, i)))
        return out.numpy().astype("float64")


def _hidden_units(ctx, text: str) -> list[int]:
    try:
        units = [int(x) for x in str(text).replace(" ", "").split(",") if x]
    except ValueError:
        units = []
    if not units or any(n < 1 for n in units):
        raise ctx.error(f"'Hidden units' must be a comma-separated list of positive layer sizes, "
                        f"e.g. 256,128; got {text!r}.")
    return units


def _optimizer(name, params, lr):
    import torch

    cls = {"Adagrad": torch.optim.Adagrad, "Adam": torch.optim.Adam,
           "RMSProp": torch.optim.RMSprop, "SGD": torch.optim.SGD,
           "Adadelta": torch.optim.Adadelta}[name]
    return cls(params, lr=lr)


@component(
    "Train Wide and Deep Recommender", category=CATEGORY,
    inputs=[Port("training_dataset", DATASET, "Training dataset of user-item-rating triples"),
            Port("user_features", DATASET, "User features", optional=True,
                 description="One row per user: the user id first, then its features"),
            Port("item_features", DATASET, "Item features", optional=True,
                 description="One row per item: the item id first, then its features")],
    outputs=[Port("trained_model", TRAINED_MODEL, "Trained Wide and Deep recommendation model")],
    params=[Int("epochs", "Epochs", default=15, min=1, max=1000),
            Int("batch_size", "Batch size", default=64, min=1, max=100000),
            Enum("wide_part_optimizer", "Wide part optimizer", default="Adagrad", choices=OPTIMIZERS),
            Float("wide_optimizer_learning_rate", "Wide optimizer learning rate", default=0.1,
                  min=0.0, max=10.0, min_exclusive=True),
            Int("crossed_feature_dimension", "Crossed feature dimension", default=1000, min=1,
                max=10_000_000, description="Hash buckets of the user x item crossed feature"),
            Enum("deep_part_optimizer", "Deep part optimizer", default="Adagrad", choices=OPTIMIZERS),
            Float("deep_optimizer_learning_rate", "Deep optimizer learning rate", default=0.001,
                  min=0.0, max=10.0, min_exclusive=True),
            Int("user_embedding_dimension", "User embedding dimension", default=16, min=1, max=1024),
            Int("item_embedding_dimension", "Item embedding dimension", default=16, min=1, max=1024),
            Int("categorical_features_embedding_dimension", "Categorical features embedding "
                "dimension", default=4, min=1, max=1024),
            String("hidden_units", "Hidden units", default="256,128", allow_empty=False,
                   description="Sizes of the deep part's hidden layers, comma separated"),
            Enum("activation_function", "Activation function", default="ReLU", choices=ACTIVATIONS),
            Float("dropout", "Dropout", default=0.8, min=0.0, max=1.0, max_exclusive=True,
                  description="Probability that a hidden unit's output is dropped in training"),
            Bool("batch_normalization", "Batch Normalization", default=True)],
    training_only=True, model_output="trained_model", requires=("torch",), install_extra=EXTRA,
)
def train_wide_and_deep_recommender(ctx, inputs, params):
    """Trains a Wide and Deep recommender (PyTorch) on ratings and user/item features."""
    ctx.spec.check_available()
    label = "Training dataset of user-item-rating triples"
    df = check_triples(ctx, _frame(ctx, inputs, "training_dataset", label), label)
    for key, what in (("user_features", "User features"), ("item_features", "Item features")):
        if inputs.get(key) is not None and not isinstance(inputs[key], pd.DataFrame):
            raise ctx.error(f"the '{what}' input must be a dataset.")
    rec = WideAndDeepRecommender().fit(ctx, df, inputs.get("user_features"),
                                       inputs.get("item_features"), params, ctx.seed)
    ctx.log("Trained Wide and Deep on %d ratings (%s)", len(df), rec.device_used)
    return {"trained_model": _trained(rec, {"users": len(rec.users), "items": len(rec.items),
                                            "device": rec.device_used})}


@component(
    "Score Wide and Deep Recommender", category=CATEGORY,
    inputs=[Port("trained_model", TRAINED_MODEL, "Trained Wide and Deep recommendation model"),
            TO_SCORE],
    outputs=[SCORED], params=SCORE_PARAMS, requires=("torch",), install_extra=EXTRA,
)
def score_wide_and_deep_recommender(ctx, inputs, params):
    """Predicts ratings or recommends items with a trained Wide and Deep recommender; the
    user and item features are those it was trained with."""
    ctx.spec.check_available()
    rec = _model_input(ctx, inputs, WideAndDeepRecommender, "Train Wide and Deep Recommender")
    df = _frame(ctx, inputs, "dataset", "Dataset to score")
    return {"scored_dataset": score_recommender(ctx, rec, df, params)}


# -- Evaluate Recommender -----------------------------------------------------------------------
def rating_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict:
    err = predicted - actual
    var = float(np.var(actual))
    return {"Mean Absolute Error": float(np.mean(np.abs(err))),
            "Root Mean Squared Error": float(np.sqrt(np.mean(err ** 2))),
            "Coefficient of Determination": float(1 - np.mean(err ** 2) / var) if var else float("nan"),
            "Explained Variance": float(1 - np.var(err) / var) if var else float("nan")}


def ndcg(recommended: list, relevance: dict) -> float | None:
    """NDCG of one user's recommended items, with the test ratings as gains (0 if unrated)."""
    gains = [relevance.get(x, 0.0) for x in recommended]
    ideal = sorted(relevance.values(), reverse=True)[:len(recommended)]
    idcg = sum(g / np.log2(n + 2) for n, g in enumerate(ideal))
    if idcg <= 0:
        return None
    return sum(g / np.log2(n + 2) for n, g in enumerate(gains)) / idcg


@component(
    "Evaluate Recommender", category=CATEGORY,
    inputs=[Port("test_dataset", DATASET, "Test dataset",
                 description="User-item-rating triples the model did not train on"),
            Port("scored_dataset", DATASET, "Scored dataset",
                 description="The output of Score SVD / Wide and Deep Recommender on the test data")],
    outputs=[Port("metric", EVALUATION, "Metric")],
    training_only=True,
)
def evaluate_recommender(ctx, inputs, params):
    """Evaluates predicted ratings (MAE, RMSE, R2, explained variance) or recommended items
    (NDCG) against a test dataset."""
    test = check_triples(ctx, _frame(ctx, inputs, "test_dataset", "Test dataset"), "Test dataset")
    scored = _frame(ctx, inputs, "scored_dataset", "Scored dataset")
    user, item, rating = test.columns
    truth = {(_key(a), _key(b)): float(r) for a, b, r in zip(test[user], test[item], test[rating])}
    if SCORED_RATING in scored.columns:
        if scored.shape[1] != 3:
            raise ctx.error("the scored dataset of a rating prediction must be the user, item and "
                            f"'{SCORED_RATING}' columns Score ... Recommender gives.")
        pairs = [(_key(a), _key(b)) for a, b in zip(scored.iloc[:, 0], scored.iloc[:, 1])]
        unknown = [p for p in pairs if p not in truth]
        if unknown:
            raise ctx.error(f"{len(unknown)} scored user-item pairs (e.g. {unknown[0]}) are not in "
                            "the test dataset; score the test dataset itself and connect it here.")
        actual = np.array([truth[p] for p in pairs])
        metrics = rating_metrics(actual, scored[SCORED_RATING].to_numpy(dtype="float64"))
        kind = "rating prediction"
    elif "Item 1" in scored.columns and "User" in scored.columns:
        if (test[rating] < 0).any():
            raise ctx.error("NDCG takes the test ratings as gains, which must not be negative; "
                            f"{int((test[rating] < 0).sum())} are.")
        by_user: dict = {}
        for (u, i), r in truth.items():
            by_user.setdefault(u, {})[i] = r
        item_cols = [c for c in scored.columns if str(c).startswith("Item ")]
        values = []
        for _, row in scored.iterrows():
            recommended = [_key(row[c]) for c in item_cols if pd.notna(row[c])]
            rel = by_user.get(_key(row["User"]))
            if recommended and rel:
                v = ndcg(recommended, rel)
                if v is not None:
                    values.append(v)
        if not values:
            raise ctx.error("no scored user has recommended items that can be checked against the "
                            "test dataset; score the test dataset's users.")
        metrics = {"NDCG": float(np.mean(values)), "Users evaluated": len(values)}
        kind = "item recommendation"
    else:
        raise ctx.error(f"the scored dataset must come from Score SVD Recommender or Score Wide "
                        f"and Deep Recommender: a '{SCORED_RATING}' column (rating prediction) or "
                        "'User', 'Item 1', ... columns (item recommendation).")
    for name, value in metrics.items():
        ctx.log_metric(name, value)
    ctx.log("Evaluated %s: %s", kind, ", ".join(f"{k}={v:.4g}" for k, v in metrics.items()))
    return {"metric": EvaluationResult(results=[{"task": TASK, "kind": kind, "metrics": metrics}])}


# -- examples -------------------------------------------------------------------------------
class _ExampleData:
    """40 users' ratings of 30 movies from 2 latent factors, with user and movie features
    (the sample datasets' "Movie Ratings (planted factors)" in small)."""

    def __init__(self, seed: int = 7):
        rng = np.random.default_rng(seed)
        users, movies = rng.normal(0, 0.6, (40, 2)), rng.normal(0, 0.6, (30, 2))
        u, m = np.nonzero(rng.random((40, 30)) < 0.4)
        self.ratings = pd.DataFrame({"UserId": u + 1, "MovieId": m + 1001,
                                     "Rating": 3.5 + np.einsum("ij,ij->i", users[u], movies[m])
                                     + rng.normal(0, 0.3, len(u))})
        self.user_features = pd.DataFrame({"UserId": np.arange(1, 41),
                                           "Taste": np.where(users[:, 0] > 0, "Fan", "Critic"),
                                           "Reading": users[:, 1]})
        self.movie_features = pd.DataFrame({"MovieId": np.arange(1001, 1031),
                                            "Genre": np.where(movies[:, 0] > 0, "Drama", "Comedy"),
                                            "Year": rng.integers(1960, 2024, 30)})


def _example_data():
    return _ExampleData()


def _example_svd():
    from jupyter_designer.engine.component import REGISTRY, RunContext

    data = _example_data()
    spec = REGISTRY.get("train_svd_recommender")
    params = spec.resolve_params({"number_of_factors": 2, "number_of_recommendation_algorithm_iterations": 20})
    return spec.run(RunContext(spec), {"training_dataset": data.ratings}, params)["trained_model"], data


def _example_wide_deep():
    from jupyter_designer.engine.component import REGISTRY, RunContext

    data = _example_data()
    spec = REGISTRY.get("train_wide_and_deep_recommender")
    params = spec.resolve_params(_SMALL_WIDE_DEEP)
    out = spec.run(RunContext(spec), {"training_dataset": data.ratings,
                                      "user_features": data.user_features,
                                      "item_features": data.movie_features}, params)
    return out["trained_model"], data


_SMALL_WIDE_DEEP = {"epochs": 2, "batch_size": 64, "hidden_units": "8", "dropout": 0.1}


def _example_evaluate():
    model, data = _example_svd()
    spec_params = {"recommender_prediction_kind": RATING_PREDICTION}
    from jupyter_designer.engine.component import REGISTRY, RunContext

    spec = REGISTRY.get("score_svd_recommender")
    scored = spec.run(RunContext(spec), {"trained_model": model, "dataset": data.ratings},
                      spec.resolve_params(spec_params))["scored_dataset"]
    return {"test_dataset": data.ratings, "scored_dataset": scored}, {}


EXAMPLES = {
    "train_svd_recommender": lambda: ({"training_dataset": _example_data().ratings},
                                      {"number_of_factors": 2,
                                       "number_of_recommendation_algorithm_iterations": 20}),
    "score_svd_recommender": lambda: ({"trained_model": _example_svd()[0],
                                       "dataset": _example_data().ratings}, {}),
    "train_wide_and_deep_recommender": lambda: (
        {"training_dataset": _example_data().ratings, "user_features": _example_data().user_features,
         "item_features": _example_data().movie_features}, dict(_SMALL_WIDE_DEEP)),
    "score_wide_and_deep_recommender": lambda: (
        {"trained_model": _example_wide_deep()[0], "dataset": _example_data().ratings},
        {"recommender_prediction_kind": RATING_PREDICTION}),
    "evaluate_recommender": _example_evaluate,
}
