"""Machine Learning Algorithms: the learners of the reference palette.

Each learner is a component with no inputs (One-vs-All / One-vs-One take a two-class
learner) whose output is an :class:`~jupyter_designer.engine.models.UntrainedModel`:
the learner's name and task, its single-parameter values (``params``), the value lists of
"Parameter Range" mode (``grid``, keyed like ``params``; what Tune Model Hyperparameters
sweeps), its random seed and the dotted path of the ``build_*`` function below that turns
``(params, seed)`` into a scikit-learn / LightGBM estimator. Train Model then fits it inside
the encoding pipeline of :mod:`jupyter_designer.components.ml`.

As in the reference product, Train Model uses the single-parameter values even when the
learner is in "Parameter Range" mode. A learner in "Single Parameter" mode has an empty
``grid``; the default ranges (which the reference sweeps in that case) are the defaults of
the ``*_range`` parameters of the learner's component. Parameters kept for reference but not
applied by the estimator are left out of ``grid``. An empty "Random number seed" means the
run's seed.

Reference parameters are mapped to estimator arguments as faithfully as scikit-learn and
LightGBM allow; where an option has no counterpart the docstring of the builder says so.

(Over 700 lines on purpose: the palette's learners are declared side by side, each next to
its builder, and the custom estimators stay here because stored models name this module.)
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, RegressorMixin

from jupyter_designer.engine.component import REGISTRY, RunContext, component, slug
from jupyter_designer.engine.models import UntrainedModel
from jupyter_designer.engine.params import Bool, Enum, Float, Int, String, tunable_range
from jupyter_designer.engine.ports import UNTRAINED_MODEL, Port

CATEGORY = "Machine Learning Algorithms"
MODE_KEY = "create_trainer_mode"
SEED_KEY = "random_number_seed"
SINGLE = "Single Parameter"
RANGE = "Parameter Range"
OUTPUT = Port("untrained_model", UNTRAINED_MODEL, "Untrained model")

EXAMPLES: dict = {}


# -- custom estimators (plain numpy state: stored with skops) ----------------------------
class QuantileForestRegressor(RegressorMixin, BaseEstimator):
    """A quantile regression forest (Meinshausen, 2006).

    A random forest whose leaves keep (up to ``quantile_sample_count``) training labels; the
    conditional quantiles of a new row are the weighted quantiles of the labels sharing its
    leaves. ``predict`` gives the median, :meth:`predict_quantiles` every requested quantile.
    """

    def __init__(self, n_estimators=100, max_leaf_nodes=20, min_samples_leaf=10, max_samples=0.7,
                 max_features=0.7, quantiles=(0.25, 0.5, 0.75), quantile_sample_count=100,
                 random_state=None):
        self.n_estimators = n_estimators
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.max_samples = max_samples
        self.max_features = max_features
        self.quantiles = quantiles
        self.quantile_sample_count = quantile_sample_count
        self.random_state = random_state

    def fit(self, X, y):
        from sklearn.ensemble import RandomForestRegressor

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        frac = float(self.max_samples)
        self.forest_ = RandomForestRegressor(
            n_estimators=self.n_estimators, max_leaf_nodes=max(2, int(self.max_leaf_nodes)),
            min_samples_leaf=self.min_samples_leaf, max_features=self.max_features,
            max_samples=frac if 0 < frac < 1 else None, bootstrap=True,
            random_state=self.random_state, n_jobs=1).fit(X, y)
        leaves = self.forest_.apply(X)
        rng = np.random.default_rng(self.random_state)
        m = max(1, int(self.quantile_sample_count))
        self.leaf_ids_, self.leaf_offsets_, self.leaf_values_ = [], [], []
        for t in range(leaves.shape[1]):
            order = np.argsort(leaves[:, t], kind="stable")
            ids, starts, counts = np.unique(leaves[order, t], return_index=True, return_counts=True)
            values, offsets = [], [0]
            for s, c in zip(starts, counts):
                v = y[order[s:s + c]]
                if c > m:
                    v = rng.choice(v, m, replace=False)
                values.append(np.sort(v))
                offsets.append(offsets[-1] + len(v))
            self.leaf_ids_.append(ids)
            self.leaf_offsets_.append(np.asarray(offsets, dtype=np.int64))
            self.leaf_values_.append(np.concatenate(values))
        self.n_features_in_ = X.shape[1]
        return self

    def predict_quantiles(self, X, quantiles=None) -> np.ndarray:
        qs = np.asarray(self.quantiles if quantiles is None else quantiles, dtype=np.float64)
        leaves = self.forest_.apply(np.asarray(X, dtype=np.float64))
        n, T = leaves.shape
        idx = np.column_stack([np.searchsorted(self.leaf_ids_[t], leaves[:, t]) for t in range(T)])
        out = np.empty((n, len(qs)))
        for i in range(n):
            parts, weights = [], []
            for t in range(T):
                j = idx[i, t]
                s, e = self.leaf_offsets_[t][j], self.leaf_offsets_[t][j + 1]
                parts.append(self.leaf_values_[t][s:e])
                weights.append(np.full(e - s, 1.0 / (e - s)))
            v = np.concatenate(parts)
            w = np.concatenate(weights)
            order = np.argsort(v, kind="stable")
            cw = np.cumsum(w[order])
            pos = np.minimum(np.searchsorted(cw, qs * cw[-1] - 1e-12), len(v) - 1)
            out[i] = v[order][pos]
        return out

    def predict(self, X):
        return self.predict_quantiles(X, [0.5])[:, 0]


class PCAAnomalyDetector(OutlierMixin, BaseEstimator):
    """Anomaly detection by PCA reconstruction error (randomized PCA, Halko et al.).

    The normal subspace is spanned by the top ``n_components`` principal directions of the
    training data; a row's anomaly score is its squared distance to that subspace. Scores
    are compared on a log scale with the training rows' (robust z-score): ``decision_function``
    is ``3 - z`` (negative = anomaly), following scikit-learn's outlier-detector convention.
    """

    def __init__(self, n_components=2, oversampling=2, center=True, random_state=None):
        self.n_components = n_components
        self.oversampling = oversampling
        self.center = center
        self.random_state = random_state

    def fit(self, X, y=None):
        from sklearn.utils.extmath import randomized_svd

        X = np.asarray(X, dtype=np.float64)
        n, d = X.shape
        self.mean_ = X.mean(axis=0) if self.center else np.zeros(d)
        Xc = X - self.mean_
        k = max(1, min(int(self.n_components), d, n))
        _, _, vt = randomized_svd(Xc, k, n_oversamples=max(1, int(self.oversampling)) * k,
                                  random_state=self.random_state)
        self.components_ = vt
        self.eps_ = 1e-9 * (float(np.mean(np.sum(Xc ** 2, axis=1))) + 1e-300)
        le = np.log(self._errors(X) + self.eps_)
        self.log_center_ = float(np.median(le))
        self.log_scale_ = max(1.4826 * float(np.median(np.abs(le - self.log_center_))), 0.25)
        self.threshold_ = 3.0
        self.n_features_in_ = d
        return self

    def _errors(self, X):
        Xc = np.asarray(X, dtype=np.float64) - self.mean_
        r = Xc - (Xc @ self.components_.T) @ self.components_
        return np.sum(r ** 2, axis=1)

    def score_samples(self, X):
        return -self._errors(X)

    def decision_function(self, X):
        z = (np.log(self._errors(X) + self.eps_) - self.log_center_) / self.log_scale_
        return self.threshold_ - z

    def predict(self, X):
        return np.where(self.decision_function(X) >= 0, 1, -1)

    @classmethod
    def register_onnx_converter(cls):
        """Teach skl2onnx this detector (for the fast scoring path): its one output is
        :meth:`decision_function`, computed by the same formula."""
        from skl2onnx import update_registered_converter

        update_registered_converter(cls, "DesignerPCAAnomalyDetector", _outlier_shapes,
                                    _pca_anomaly_to_onnx)


class PoissonRegression(RegressorMixin, BaseEstimator):
    """Poisson regression with an L2 weight on the summed log-likelihood (the reference's form).

    scikit-learn's ``PoissonRegressor`` penalizes the *mean* deviance, so ``alpha`` is the
    weight divided by the number of training rows.
    """

    def __init__(self, l2_weight=1.0, tol=1e-7, max_iter=1000):
        self.l2_weight = l2_weight
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y):
        from sklearn.linear_model import PoissonRegressor

        y = np.asarray(y, dtype=np.float64)
        if (y < 0).any():
            raise ValueError("the label column has negative values, but Poisson regression "
                             "predicts counts (0, 1, 2, ...)")
        self.model_ = PoissonRegressor(alpha=float(self.l2_weight) / max(len(y), 1), tol=self.tol,
                                       max_iter=self.max_iter).fit(X, y)
        self.n_features_in_ = self.model_.n_features_in_
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def onnx_estimator(self):
        """The fitted estimator giving the same predictions that skl2onnx converts (for the
        fast scoring path): scikit-learn's Poisson GLM."""
        return self.model_


# -- ONNX conversion of the custom estimators (the fast scoring path; skl2onnx is imported
# only when an endpoint compiles a model) ---------------------------------------------------
def _outlier_shapes(operator):
    """An outlier detector's outputs, as skl2onnx names them: ``label`` and ``scores``."""
    from skl2onnx.common.data_types import Int64TensorType

    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = Int64TensorType([n])
    operator.outputs[1].type = operator.inputs[0].type.__class__([n, 1])


def _pca_anomaly_to_onnx(scope, operator, container):
    from skl2onnx.algebra.onnx_ops import (OnnxAdd, OnnxCast, OnnxDiv, OnnxLess, OnnxLog,
                                           OnnxMatMul, OnnxMul, OnnxReduceSumApi11, OnnxReshapeApi13,
                                           OnnxSub, OnnxWhere)
    from onnx import TensorProto
    from skl2onnx.common.data_types import guess_numpy_type

    op, opv = operator.raw_operator, container.target_opset
    X = operator.inputs[0]
    dtype = guess_numpy_type(X.type)
    const = lambda v: np.asarray(v, dtype=dtype)  # noqa: E731
    xc = OnnxSub(X, const(op.mean_), op_version=opv)
    back = OnnxMatMul(OnnxMatMul(xc, const(op.components_.T), op_version=opv),
                      const(op.components_), op_version=opv)
    r = OnnxSub(xc, back, op_version=opv)
    err = OnnxReduceSumApi11(OnnxMul(r, r, op_version=opv), axes=[1], keepdims=1, op_version=opv)
    z = OnnxDiv(OnnxSub(OnnxLog(OnnxAdd(err, const([op.eps_]), op_version=opv), op_version=opv),
                        const([op.log_center_]), op_version=opv),
                const([op.log_scale_]), op_version=opv)
    d = OnnxSub(const([op.threshold_]), z, op_version=opv)
    OnnxCast(d, to=TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT,
             op_version=opv, output_names=[operator.outputs[1].full_name]).add_to(scope, container)
    label = OnnxWhere(OnnxLess(d, const([0.0]), op_version=opv), np.array([-1], dtype=np.int64),
                      np.array([1], dtype=np.int64), op_version=opv)
    OnnxReshapeApi13(label, np.array([-1], dtype=np.int64), op_version=opv,
                     output_names=[operator.outputs[0].full_name]).add_to(scope, container)


def first_n_init(X, n_clusters, random_state):
    """K-Means "First N" initialization (Forgy): the first rows are the initial centers."""
    return np.array(X[:n_clusters], dtype=np.float64)


def random_partition_init(X, n_clusters, random_state):
    """K-Means "Random" initialization: random partition of the rows, centers = part means."""
    rng = random_state if isinstance(random_state, np.random.RandomState) else \
        np.random.RandomState(random_state)
    X = np.asarray(X, dtype=np.float64)
    parts = rng.randint(n_clusters, size=len(X))
    centers = np.empty((n_clusters, X.shape[1]))
    for j in range(n_clusters):
        members = X[parts == j]
        centers[j] = members.mean(axis=0) if len(members) else X[rng.randint(len(X))]
    return centers


# -- builders: (params, seed) -> estimator -------------------------------------------------
def _pipe(*steps):
    from sklearn.pipeline import Pipeline

    steps = [s for s in steps if s is not None]
    return steps[0][1] if len(steps) == 1 else Pipeline(steps)


def _scaled_target(regressor):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler

    return TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())


def _minmax():
    from sklearn.preprocessing import MinMaxScaler

    return ("normalize", MinMaxScaler())


def _standard():
    from sklearn.preprocessing import StandardScaler

    return ("normalize", StandardScaler())


def build_linear_regression(p, seed):
    """Ordinary Least Squares: ``LinearRegression`` (L2 weight 0) or ``Ridge(alpha=L2 weight)``.

    Online Gradient Descent: ``SGDRegressor`` run for exactly "Number of training epochs",
    ``invscaling`` learning rate when "Decrease learning rate", ``average`` for "Average
    final hypothesis", [0, 1] feature scaling for "Normalize features"; the label is
    standardized during training so that the step size does not depend on its scale.
    """
    from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor

    l2 = float(p.get("l2_regularization_weight", 0.001))
    intercept = bool(p.get("include_intercept_term", True))
    if p.get("solution_method", "Ordinary Least Squares") == "Ordinary Least Squares":
        return LinearRegression(fit_intercept=intercept) if l2 == 0 else \
            Ridge(alpha=l2, fit_intercept=intercept)
    sgd = SGDRegressor(loss="squared_error", penalty="l2", alpha=l2,
                       learning_rate="invscaling" if p.get("decrease_learning_rate", True) else "constant",
                       eta0=float(p.get("learning_rate", 0.1)),
                       max_iter=int(p.get("number_of_training_epochs", 10)), tol=None,
                       average=bool(p.get("average_final_hypothesis", True)),
                       fit_intercept=intercept, shuffle=True, random_state=seed)
    return _scaled_target(_pipe(_minmax() if p.get("normalize_features", True) else None,
                                ("model", sgd)))


def _forest(p, seed, classifier):
    from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                                  RandomForestClassifier, RandomForestRegressor)

    bagging = p.get("resampling_method", "Bagging") == "Bagging"
    cls = (RandomForestClassifier if bagging else ExtraTreesClassifier) if classifier else \
        (RandomForestRegressor if bagging else ExtraTreesRegressor)
    return cls(n_estimators=int(p.get("number_of_decision_trees", 8)),
               max_depth=int(p.get("maximum_depth_of_the_decision_trees", 32)),
               min_samples_leaf=int(p.get("minimum_number_of_samples_per_leaf_node", 1)),
               bootstrap=bagging, random_state=seed, n_jobs=1)


def build_decision_forest_regression(p, seed):
    """Bagging: ``RandomForestRegressor`` (bootstrap samples). Replicate: every tree sees all
    rows and splits are drawn at random (``ExtraTreesRegressor``). "Number of random splits
    per node" has no scikit-learn counterpart (every candidate threshold is evaluated)."""
    return _forest(p, seed, classifier=False)


def build_decision_forest_classifier(p, seed):
    """As :func:`build_decision_forest_regression`, with the classifier forests."""
    return _forest(p, seed, classifier=True)


def _lightgbm_args(p, seed):
    return dict(num_leaves=max(2, int(p.get("maximum_number_of_leaves_per_tree", 20))),
                min_child_samples=int(p.get("minimum_number_of_samples_per_leaf_node", 10)),
                learning_rate=float(p.get("learning_rate", 0.2)),
                n_estimators=int(p.get("number_of_trees_constructed", 100)),
                random_state=seed, deterministic=True, force_row_wise=True, n_jobs=1, verbose=-1)


def build_boosted_decision_tree_regression(p, seed):
    """LightGBM (as the reference): leaves, min samples per leaf, learning rate, trees."""
    from lightgbm import LGBMRegressor

    return LGBMRegressor(**_lightgbm_args(p, seed))


def build_boosted_decision_tree_classifier(p, seed):
    """LightGBM classifier (binary or multiclass objective chosen from the label)."""
    from lightgbm import LGBMClassifier

    return LGBMClassifier(**_lightgbm_args(p, seed))


#: The reference learns online (row by row); small mini-batches keep its step sizes meaningful
#: at a fraction of the cost of one update per row in scikit-learn.
MLP_BATCH_SIZE = 8


def _hidden_layers(text) -> tuple:
    return tuple(int(v) for v in re.split(r"[,;\s]+", str(text).strip()) if v)


def _mlp_args(p, seed, default_rate):
    return dict(hidden_layer_sizes=_hidden_layers(p.get("number_of_hidden_nodes", "100")),
                solver="sgd", learning_rate_init=float(p.get("learning_rate", default_rate)),
                max_iter=int(p.get("number_of_learning_iterations", 100)),
                momentum=float(p.get("the_momentum", 0.0)), nesterovs_momentum=False,
                shuffle=bool(p.get("shuffle_examples", True)), random_state=seed,
                batch_size=MLP_BATCH_SIZE)


def build_neural_network_classifier(p, seed):
    """``MLPClassifier`` trained by SGD in mini-batches of 8 rows on [0, 1]-scaled features
    (the reference's default min-max normalizer). "The initial learning weights diameter"
    has no scikit-learn counterpart (Glorot initialization is used)."""
    from sklearn.neural_network import MLPClassifier

    return _pipe(_minmax(), ("model", MLPClassifier(**_mlp_args(p, seed, 0.1))))


def build_neural_network_regression(p, seed):
    """``MLPRegressor`` trained by SGD on [0, 1]-scaled features and a standardized label."""
    from sklearn.neural_network import MLPRegressor

    return _scaled_target(_pipe(_minmax(), ("model", MLPRegressor(**_mlp_args(p, seed, 0.005)))))


def build_poisson_regression(p, seed):
    """:class:`PoissonRegression` on standardized features. scikit-learn's Poisson GLM has
    no L1 penalty and no L-BFGS memory setting: "L1 regularization weight" and "Memory size
    for L-BFGS" are kept for reference but not applied."""
    return _pipe(_standard(), ("model", PoissonRegression(
        l2_weight=float(p.get("l2_regularization_weight", 1.0)),
        tol=float(p.get("optimization_tolerance", 1e-7)))))


def build_fast_forest_quantile_regression(p, seed):
    """:class:`QuantileForestRegressor`. "Split fraction" has no scikit-learn counterpart."""
    return QuantileForestRegressor(
        n_estimators=int(p.get("number_of_trees", 100)),
        max_leaf_nodes=int(p.get("number_of_leaves", 20)),
        min_samples_leaf=int(p.get("minimum_number_of_training_instances_required_to_form_a_leaf", 10)),
        max_samples=float(p.get("bagging_fraction", 0.7)),
        max_features=float(p.get("feature_fraction", 0.7)),
        quantiles=tuple(parse_quantiles(p.get("quantiles_to_be_estimated", "0.25; 0.5; 0.75"))),
        quantile_sample_count=int(p.get("quantile_sample_count", 100)),
        random_state=seed)


def build_logistic_regression(p, seed):
    """``LogisticRegression`` on standardized features, minimizing
    ``sum(log loss) + L1 * |w|_1 + L2 / 2 * |w|^2``: ``C = 1 / (L1 + L2)``,
    ``l1_ratio = L1 / (L1 + L2)`` (L-BFGS without L1, SAGA with it). "Memory size for L-BFGS"
    has no scikit-learn counterpart."""
    from sklearn.linear_model import LogisticRegression

    l1 = float(p.get("l1_regularization_weight", 1.0))
    l2 = float(p.get("l2_regularization_weight", 1.0))
    total = l1 + l2
    C = 1.0 / total if total > 0 else np.inf
    ratio = l1 / total if total > 0 else 0.0
    solver = "saga" if l1 > 0 else "lbfgs"
    model = LogisticRegression(C=C, l1_ratio=ratio, solver=solver,
                               tol=float(p.get("optimization_tolerance", 1e-7)),
                               max_iter=300 if solver == "saga" else 1000, random_state=seed)
    return _pipe(_standard(), ("model", model))


def build_support_vector_machine(p, seed):
    """A linear SVM trained by Pegasos-style SGD: ``SGDClassifier(loss="hinge",
    alpha=Lambda)`` for "Number of iterations" epochs; "Normalize features" standardizes,
    "Project to the unit-sphere" scales each row to unit norm."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.preprocessing import Normalizer

    svm = SGDClassifier(loss="hinge", penalty="l2", alpha=float(p.get("lambda", 0.001)),
                        max_iter=int(p.get("number_of_iterations", 1)), tol=None,
                        learning_rate="optimal", random_state=seed)
    return _pipe(_standard() if p.get("normalize_features", True) else None,
                 ("project", Normalizer()) if p.get("project_to_the_unit_sphere", False) else None,
                 ("model", svm))


def build_averaged_perceptron(p, seed):
    """``SGDClassifier(loss="perceptron", average=True)`` with a constant learning rate, on
    [0, 1]-scaled features; probabilities are the logistic function of the margin."""
    from sklearn.linear_model import SGDClassifier

    model = SGDClassifier(loss="perceptron", penalty=None, learning_rate="constant",
                          eta0=float(p.get("learning_rate", 1.0)),
                          max_iter=int(p.get("maximum_number_of_iterations", 10)), tol=None,
                          average=True, random_state=seed)
    return _pipe(_minmax(), ("model", model))


def _binary_base(p, seed):
    p = dict(p)
    factory = p.pop("binary_factory")
    learner = p.pop("binary_learner", "")
    return UntrainedModel(learner=learner, task="binary", params=p, seed=seed, factory=factory).make()


def build_one_vs_all(p, seed):
    """``OneVsRestClassifier`` around the connected two-class learner."""
    from sklearn.multiclass import OneVsRestClassifier

    return OneVsRestClassifier(_binary_base(p, seed))


def build_one_vs_one(p, seed):
    """``OneVsOneClassifier`` around the connected two-class learner (probabilities: softmax
    of the pairwise vote scores)."""
    from sklearn.multiclass import OneVsOneClassifier

    return OneVsOneClassifier(_binary_base(p, seed))


def build_k_means(p, seed):
    """``KMeans`` run once from the chosen initialization ("K-Means++", "Random": random
    partition, "First N": the first rows), on [0, 1]-scaled features if "Normalize features"."""
    from sklearn.cluster import KMeans

    init = {"K-Means++": "k-means++", "Random": random_partition_init,
            "First N": first_n_init}[p.get("initialization", "K-Means++")]
    km = KMeans(n_clusters=int(p.get("number_of_centroids", 2)), init=init, n_init=1,
                max_iter=int(p.get("iterations", 100)), random_state=seed)
    return _pipe(_minmax() if p.get("normalize_features", True) else None, ("model", km))


def build_pca_anomaly_detection(p, seed):
    """:class:`PCAAnomalyDetector`."""
    return PCAAnomalyDetector(
        n_components=int(p.get("number_of_components_to_use_in_pca", 2)),
        oversampling=int(p.get("oversampling_parameter_for_randomized_pca", 2)),
        center=bool(p.get("enable_input_feature_mean_normalization", True)), random_state=seed)


def build_one_class_svm(p, seed):
    """``OneClassSVM`` with an RBF kernel: ``nu = η``, ``tol = ε``, on standardized features."""
    from sklearn.svm import OneClassSVM

    return _pipe(_standard(), ("model", OneClassSVM(kernel="rbf", gamma="scale",
                                                     nu=float(p.get("eta", 0.1)),
                                                     tol=float(p.get("epsilon", 0.001)))))


def parse_quantiles(text) -> list[float]:
    """Parse "0.25; 0.5; 0.75" (semicolons or commas) into floats in (0, 1)."""
    if isinstance(text, (list, tuple)):
        parts = list(text)
    else:
        parts = [t for t in re.split(r"[;,\s]+", str(text).strip()) if t]
    out = []
    for t in parts:
        q = float(t)
        if not 0 < q < 1:
            raise ValueError(f"{t} is not between 0 and 1")
        if q not in out:
            out.append(q)
    if not out:
        raise ValueError("no quantile given")
    return sorted(out)


# -- parameter declarations ---------------------------------------------------------------
def _mode(label="Create trainer mode", **visible):
    return Enum(MODE_KEY, label, default=SINGLE, choices=[SINGLE, RANGE], visible_if=visible,
                description="Single Parameter: train with one setting (Train Model). Parameter "
                            "Range: give value lists to sweep (Tune Model Hyperparameters).")


def _single(param, **visible):
    param.visible_if = {MODE_KEY: [SINGLE], **visible}
    return param


def _tunable(param, values, **visible):
    return [_single(param, **visible), _range_only(param, values, **visible)]


def _range_only(param, values, **visible):
    rng = tunable_range(param, values)
    rng.visible_if = {MODE_KEY: [RANGE], **visible}
    return rng


def _seed():
    return Int(SEED_KEY, "Random number seed", default=None, required=False, min=0,
               description="Seed for reproducible results; empty: the run's seed")


def _unknown_levels():
    return Bool("allow_unknown_categorical_levels", "Allow unknown categorical levels", default=True,
                description="Score rows whose categorical values were not seen in training "
                            "(they add nothing to the score) instead of failing")


def _forest_params():
    return [
        Enum("resampling_method", "Resampling method", default="Bagging", choices=["Bagging", "Replicate"],
             description="Bagging: each tree sees a bootstrap sample. Replicate: each tree sees "
                         "all rows"),
        _mode(),
        *_tunable(Int("number_of_decision_trees", "Number of decision trees", default=8, min=1), [1, 8, 32]),
        *_tunable(Int("maximum_depth_of_the_decision_trees", "Maximum depth of the decision trees",
                      default=32, min=1), [1, 16, 64]),
        *_tunable(Int("number_of_random_splits_per_node", "Number of random splits per node",
                      default=128, min=1), [1, 128, 1024]),
        *_tunable(Int("minimum_number_of_samples_per_leaf_node", "Minimum number of samples per leaf node",
                      default=1, min=1), [1, 4, 16]),
        _seed(), _unknown_levels(),
    ]


def _boosted_params():
    return [
        _mode(),
        *_tunable(Int("maximum_number_of_leaves_per_tree", "Maximum number of leaves per tree",
                      default=20, min=2), [2, 8, 32, 128]),
        *_tunable(Int("minimum_number_of_samples_per_leaf_node", "Minimum number of samples per leaf node",
                      default=10, min=1), [1, 10, 50]),
        *_tunable(Float("learning_rate", "Learning rate", default=0.2, min=0, max=1, min_exclusive=True),
                  [0.025, 0.05, 0.1, 0.2, 0.4]),
        *_tunable(Int("number_of_trees_constructed", "Number of trees constructed", default=100, min=1),
                  [20, 100, 500]),
        _seed(), _unknown_levels(),
    ]


def _logistic_params(memory=True):
    out = [
        _mode(),
        *_tunable(Float("optimization_tolerance", "Optimization tolerance", default=1e-7, min=0,
                        min_exclusive=True), [0.0001, 0.0000001]),
        *_tunable(Float("l1_regularization_weight", "L1 regularization weight", default=1.0, min=0),
                  [0.0, 0.01, 0.1, 1.0]),
        *_tunable(Float("l2_regularization_weight", "L2 regularization weight", default=1.0, min=0),
                  [0.01, 0.1, 1.0]),
    ]
    if memory:
        out += _tunable(Int("memory_size_for_l_bfgs", "Memory size for L-BFGS", default=20, min=1),
                        [5, 20, 50])
    return out + [_seed(), _unknown_levels()]


_HIDDEN = r"\s*\d+(\s*[,;]\s*\d+)*\s*"


def _neural_params(rate, rate_range):
    return [
        _mode(),
        Enum("hidden_layer_specification", "Hidden layer specification", default="Fully-connected case",
             choices=["Fully-connected case"]),
        String("number_of_hidden_nodes", "Number of hidden nodes", default="100", pattern=_HIDDEN,
               description="Nodes of the hidden layer (comma-separated for several layers)"),
        *_tunable(Float("learning_rate", "Learning rate", default=rate, min=0, min_exclusive=True),
                  rate_range),
        *_tunable(Int("number_of_learning_iterations", "Number of learning iterations", default=100,
                      min=1), [20, 40, 80, 160]),
        Float("the_initial_learning_weights_diameter", "The initial learning weights diameter",
              default=0.1, min=0),
        Float("the_momentum", "The momentum", default=0.0, min=0, max=1),
        Bool("shuffle_examples", "Shuffle examples", default=True),
        _seed(), _unknown_levels(),
    ]


# -- component factory -------------------------------------------------------------------
def _untrained(ctx, name, task, values, factory, unswept=()) -> UntrainedModel:
    keys = [p.key for p in ctx.spec.params]
    tunable = [k[:-len("_range")] for k in keys if k.endswith("_range") and k[:-len("_range")] in keys]
    single = {k: values.get(k) for k in keys
              if k not in (MODE_KEY, SEED_KEY) and not (k.endswith("_range") and k[:-len("_range")] in keys)}
    grid = {}
    if values.get(MODE_KEY) == RANGE:
        grid = {k: list(values[f"{k}_range"]) for k in tunable if values.get(f"{k}_range") is not None
                and k not in unswept and _param_visible(ctx, f"{k}_range", values)}
    seed = values.get(SEED_KEY)
    return UntrainedModel(learner=name, task=task, params=single, grid=grid,
                          seed=int(ctx.seed if seed is None else seed),
                          factory=f"{__name__}.{factory}")


def _param_visible(ctx, key, values) -> bool:
    return ctx.spec.param(key).is_visible(values)


def _learner(name, task, subcategory, params, factory, doc, *, check=None, example=None,
             unswept=()):
    """Declare a learner component. ``unswept``: parameters kept for reference but not
    applied by the estimator, so a sweep does not multiply its runs over them."""
    def run(ctx, inputs, values):
        if check is not None:
            check(ctx, values)
        return {"untrained_model": _untrained(ctx, name, task, values, factory, unswept)}

    run.__name__ = slug(name)
    run.__qualname__ = run.__name__
    component(name, category=CATEGORY, subcategory=subcategory, outputs=[OUTPUT], params=params,
              learner=True, description=doc, extra={"task": task})(run)
    EXAMPLES[run.spec.id] = example or (lambda: ({}, {}))
    return run


# Regression ------------------------------------------------------------------------------
_FOREST_UNSWEPT = ("number_of_random_splits_per_node",)
_OLS, _OGD = "Ordinary Least Squares", "Online Gradient Descent"


def _ogd(param, values=None):
    if values is None:
        return _single(param, solution_method=[_OGD])
    return _tunable(param, values, solution_method=[_OGD])


linear_regression = _learner(
    "Linear Regression", "regression", "Regression", [
        Enum("solution_method", "Solution method", default=_OLS, choices=[_OGD, _OLS],
             description="How the regression line is fitted"),
        _mode(solution_method=[_OGD]),
        *_ogd(Float("learning_rate", "Learning rate", default=0.1, min=0, min_exclusive=True),
              [0.025, 0.05, 0.1, 0.2]),
        *_ogd(Int("number_of_training_epochs", "Number of training epochs", default=10, min=1),
              [1, 10, 100]),
        # both methods use the L2 weight; only Online Gradient Descent sweeps it
        _single(Float("l2_regularization_weight", "L2 regularization weight", default=0.001, min=0)),
        _range_only(Float("l2_regularization_weight", "L2 regularization weight", min=0),
                    [0.001, 0.01, 0.1], solution_method=[_OGD]),
        _ogd(Bool("normalize_features", "Normalize features", default=True)),
        _ogd(Bool("average_final_hypothesis", "Average final hypothesis", default=True)),
        _ogd(Bool("decrease_learning_rate", "Decrease learning rate", default=True)),
        _single(Bool("include_intercept_term", "Include intercept term", default=True)),
        _seed(), _unknown_levels(),
    ], "build_linear_regression",
    "Creates a linear regression model (ordinary least squares or online gradient descent).",
    example=lambda: ({}, {"solution_method": _OGD, "number_of_training_epochs": 20}))

decision_forest_regression = _learner(
    "Decision Forest Regression", "regression", "Regression", _forest_params(),
    "build_decision_forest_regression",
    "Creates a regression model using the decision forest algorithm.", unswept=_FOREST_UNSWEPT,
    example=lambda: ({}, {"number_of_decision_trees": 4}))

boosted_decision_tree_regression = _learner(
    "Boosted Decision Tree Regression", "regression", "Regression", _boosted_params(),
    "build_boosted_decision_tree_regression",
    "Creates a regression model using the boosted decision tree algorithm (LightGBM).",
    example=lambda: ({}, {"number_of_trees_constructed": 20}))

neural_network_regression = _learner(
    "Neural Network Regression", "regression", "Regression",
    _neural_params(0.005, [0.005, 0.01, 0.02]), "build_neural_network_regression",
    "Creates a regression model using a neural network algorithm.",
    example=lambda: ({}, {"number_of_hidden_nodes": "8", "number_of_learning_iterations": 20}))

poisson_regression = _learner(
    "Poisson Regression", "regression", "Regression", [
        _mode(),
        *_tunable(Float("optimization_tolerance", "Optimization tolerance", default=1e-7, min=0,
                        min_exclusive=True), [0.00001, 0.00000001]),
        *_tunable(Float("l1_regularization_weight", "L1 regularization weight", default=1.0, min=0),
                  [0.0, 0.01, 0.1, 1.0]),
        *_tunable(Float("l2_regularization_weight", "L2 regularization weight", default=1.0, min=0),
                  [0.01, 0.1, 1.0]),
        *_tunable(Int("memory_size_for_l_bfgs", "Memory size for L-BFGS", default=20, min=1), [5, 20, 50]),
        _seed(), _unknown_levels(),
    ], "build_poisson_regression",
    "Creates a regression model that assumes the label has a Poisson distribution (counts).",
    unswept=("l1_regularization_weight", "memory_size_for_l_bfgs"))


def _check_quantiles(ctx, values):
    try:
        parse_quantiles(values.get("quantiles_to_be_estimated"))
    except ValueError as exc:
        raise ctx.error(f"the 'Quantiles to be estimated' parameter must be quantiles between 0 "
                        f"and 1 separated by semicolons, like '0.25; 0.5; 0.75'. Got "
                        f"{values.get('quantiles_to_be_estimated')!r} ({exc}).") from None


fast_forest_quantile_regression = _learner(
    "Fast Forest Quantile Regression", "regression", "Regression", [
        _mode(),
        *_tunable(Int("number_of_trees", "Number of Trees", default=100, min=1), [16, 32, 64]),
        *_tunable(Int("number_of_leaves", "Number of Leaves", default=20, min=2), [16, 32, 64]),
        *_tunable(Int("minimum_number_of_training_instances_required_to_form_a_leaf",
                      "Minimum number of training instances required to form a leaf", default=10, min=1),
                  [1, 5, 10]),
        *_tunable(Float("bagging_fraction", "Bagging fraction", default=0.7, min=0, max=1,
                        min_exclusive=True), [0.25, 0.5, 0.75]),
        *_tunable(Float("feature_fraction", "Feature fraction", default=0.7, min=0, max=1,
                        min_exclusive=True), [0.25, 0.5, 0.75]),
        *_tunable(Float("split_fraction", "Split fraction", default=0.7, min=0, max=1,
                        min_exclusive=True), [0.25, 0.5, 0.75]),
        *_tunable(Int("quantile_sample_count", "Quantile sample count", default=100, min=1), [100]),
        String("quantiles_to_be_estimated", "Quantiles to be estimated", default="0.25; 0.5; 0.75",
               allow_empty=False, description="Semicolon-separated quantiles, e.g. 0.25; 0.5; 0.75"),
        _seed(),
    ], "build_fast_forest_quantile_regression",
    "Creates a quantile regression model (a quantile regression forest): scores give the "
    "predicted value at each requested quantile.",
    check=_check_quantiles, unswept=("split_fraction",),
    example=lambda: ({}, {"number_of_trees": 10}))

# Classification --------------------------------------------------------------------------
two_class_logistic_regression = _learner(
    "Two-Class Logistic Regression", "binary", "Classification", _logistic_params(),
    "build_logistic_regression", "Creates a two-class logistic regression model.",
    unswept=("memory_size_for_l_bfgs",))

two_class_decision_forest = _learner(
    "Two-Class Decision Forest", "binary", "Classification", _forest_params(),
    "build_decision_forest_classifier", "Creates a two-class classifier using the decision forest algorithm.",
    unswept=_FOREST_UNSWEPT)

two_class_boosted_decision_tree = _learner(
    "Two-Class Boosted Decision Tree", "binary", "Classification", _boosted_params(),
    "build_boosted_decision_tree_classifier",
    "Creates a binary classifier using the boosted decision tree algorithm (LightGBM).",
    example=lambda: ({}, {"number_of_trees_constructed": 20}))

two_class_support_vector_machine = _learner(
    "Two-Class Support Vector Machine", "binary", "Classification", [
        _mode(),
        *_tunable(Int("number_of_iterations", "Number of iterations", default=1, min=1), [1, 10, 100]),
        *_tunable(Float("lambda", "Lambda", default=0.001, min=0, min_exclusive=True),
                  [0.00001, 0.0001, 0.001, 0.01, 0.1]),
        Bool("normalize_features", "Normalize features", default=True),
        Bool("project_to_the_unit_sphere", "Project to the unit-sphere", default=False),
        _seed(), _unknown_levels(),
    ], "build_support_vector_machine",
    "Creates a binary classification model using the support vector machine algorithm.",
    example=lambda: ({}, {"number_of_iterations": 10}))

two_class_averaged_perceptron = _learner(
    "Two-Class Averaged Perceptron", "binary", "Classification", [
        _mode(),
        *_tunable(Float("learning_rate", "Learning rate", default=1.0, min=0, min_exclusive=True),
                  [0.1, 0.5, 1.0]),
        *_tunable(Int("maximum_number_of_iterations", "Maximum number of iterations", default=10, min=1),
                  [1, 10]),
        _seed(), _unknown_levels(),
    ], "build_averaged_perceptron",
    "Creates an averaged perceptron binary classification model.")

two_class_neural_network = _learner(
    "Two-Class Neural Network", "binary", "Classification", _neural_params(0.1, [0.1, 0.2, 0.4]),
    "build_neural_network_classifier", "Creates a binary classifier using a neural network algorithm.",
    example=lambda: ({}, {"number_of_hidden_nodes": "8", "number_of_learning_iterations": 20}))

multiclass_logistic_regression = _learner(
    "Multiclass Logistic Regression", "multiclass", "Classification", _logistic_params(memory=False),
    "build_logistic_regression", "Creates a multiclass logistic regression classification model.")

multiclass_decision_forest = _learner(
    "Multiclass Decision Forest", "multiclass", "Classification", _forest_params(),
    "build_decision_forest_classifier",
    "Creates a multiclass classification model using the decision forest algorithm.",
    unswept=_FOREST_UNSWEPT)

multiclass_boosted_decision_tree = _learner(
    "Multiclass Boosted Decision Tree", "multiclass", "Classification", _boosted_params(),
    "build_boosted_decision_tree_classifier",
    "Creates a multiclass classifier using the boosted decision tree algorithm (LightGBM).",
    example=lambda: ({}, {"number_of_trees_constructed": 20}))

multiclass_neural_network = _learner(
    "Multiclass Neural Network", "multiclass", "Classification", _neural_params(0.1, [0.1, 0.2, 0.4]),
    "build_neural_network_classifier",
    "Creates a multiclass classification model using a neural network algorithm.",
    example=lambda: ({}, {"number_of_hidden_nodes": "8", "number_of_learning_iterations": 20}))

BINARY_INPUT = Port("untrained_binary_classification_model", UNTRAINED_MODEL,
                    "Untrained binary classification model")


def _multiclass_from_binary(name, factory, doc):
    def run(ctx, inputs, values):
        base = inputs.get(BINARY_INPUT.key)
        if not isinstance(base, UntrainedModel):
            raise ctx.error("connect an untrained two-class model (e.g. Two-Class Support Vector "
                            "Machine) to the 'Untrained binary classification model' input.")
        if base.task != "binary":
            raise ctx.error(f"the connected model {base.learner!r} is not a two-class learner "
                            f"(its task is {base.task}); connect a Two-Class learner.")
        params = {**base.params, "binary_learner": base.learner, "binary_factory": base.factory}
        return {"untrained_model": UntrainedModel(
            learner=name, task="multiclass", params=params, grid=dict(base.grid), seed=base.seed,
            factory=f"{__name__}.{factory}")}

    run.__name__ = slug(name)
    run.__qualname__ = run.__name__
    component(name, category=CATEGORY, subcategory="Classification", inputs=[BINARY_INPUT],
              outputs=[OUTPUT], learner=True, description=doc)(run)
    EXAMPLES[run.spec.id] = lambda: ({BINARY_INPUT.key: make_untrained("Two-Class Logistic Regression")}, {})
    return run


one_vs_all_multiclass = _multiclass_from_binary(
    "One-vs-All Multiclass", "build_one_vs_all",
    "Creates a multiclass classification model from an ensemble of two-class models, one per "
    "class against all others.")

one_vs_one_multiclass = _multiclass_from_binary(
    "One-vs-One Multiclass", "build_one_vs_one",
    "Creates a multiclass classification model from an ensemble of two-class models, one per "
    "pair of classes.")

# Clustering ------------------------------------------------------------------------------
k_means_clustering = _learner(
    "K-Means Clustering", "clustering", "Clustering", [
        _mode(),
        *_tunable(Int("number_of_centroids", "Number of centroids", default=2, min=1), [2, 3, 4, 5, 6]),
        Enum("initialization", "Initialization", default="K-Means++",
             choices=["First N", "Random", "K-Means++"],
             description="How the initial centers are chosen"),
        _seed(),
        Enum("metric", "Metric", default="Euclidean", choices=["Euclidean"]),
        Bool("normalize_features", "Normalize features", default=True,
             description="Scale features to [0, 1] (min-max) before clustering"),
        *_tunable(Int("iterations", "Iterations", default=100, min=1), [50, 100, 200]),
        Enum("assign_label_mode", "Assign label mode", default="Ignore label column",
             choices=["Ignore label column", "Fill missing values", "Overwrite from closest to center"],
             description="What Train Clustering Model does with a label column of the dataset"),
    ], "build_k_means",
    "Configures and initializes a K-means clustering model.",
    example=lambda: ({}, {"number_of_centroids": 3}))

# Anomaly Detection -----------------------------------------------------------------------
pca_based_anomaly_detection = _learner(
    "PCA-Based Anomaly Detection", "anomaly", "Anomaly Detection", [
        _mode("Training mode"),
        *_tunable(Int("number_of_components_to_use_in_pca", "Number of components to use in PCA",
                      default=2, min=1), [2, 4, 6, 8, 10]),
        *_tunable(Int("oversampling_parameter_for_randomized_pca",
                      "Oversampling parameter for randomized PCA", default=2, min=1), [2, 4, 8]),
        Bool("enable_input_feature_mean_normalization", "Enable input feature mean normalization",
             default=True),
        _seed(),
    ], "build_pca_anomaly_detection",
    "Creates an anomaly detection model using principal component analysis.")

one_class_support_vector_machine = _learner(
    "One-Class Support Vector Machine", "anomaly", "Anomaly Detection", [
        _mode(),
        *_tunable(Float("eta", "η", default=0.1, min=0, max=1, min_exclusive=True), [0.01, 0.1, 0.5]),
        *_tunable(Float("epsilon", "ε", default=0.001, min=0, min_exclusive=True), [0.001, 0.01, 0.1]),
        _seed(),
    ], "build_one_class_svm",
    "Creates a one-class support vector machine model for anomaly detection.")


def make_untrained(learner: str, seed: int = 0, **values) -> UntrainedModel:
    """The untrained model a learner component gives for parameter ``values`` (by key or label)."""
    spec = REGISTRY.get(learner)
    params = spec.resolve_params(values)
    return spec.run(RunContext(spec, seed=seed), {}, params)["untrained_model"]
