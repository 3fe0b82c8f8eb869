"""Train AutoML Model: FLAML searches the designer's own learners within a time budget.

Each learner family (Boosted Decision Tree, Decision Forest, Decision Forest with the
Replicate resampling, Logistic/Linear Regression) is a FLAML learner whose search space is
the designer learner's own parameters (the counterparts of FLAML's ``lgbm``, ``rf``,
``extra_tree`` and ``lrl1``/``lrl2``), and whose estimator is built by the learner component's
own factory on the features as Train Model encodes them. So the best configuration is a
setting of a palette learner: the output model is that learner trained by Train Model's
``fit_model`` on the whole dataset (it scores, evaluates, converts to inference pipelines and
deploys like any other), and "open best model as a draft" rebuilds exactly it.

Parallel trials. FLAML runs trials in parallel only on Ray or Spark. Here the families are
split into one group per slot of the node's compute target and each group is one FLAML
search with the whole time budget, fanned out with ``ctx.fan_out``: on a Dask cluster the
searches run side by side on its workers (one task each), on the kernel one search covers
every family and FLAML shares the budget between them.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
import time

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import Columns, Enum, Int, List, is_binding
from jupyter_designer.engine.ports import DATASET, TRAINED_MODEL, Port

from . import ml

CATEGORY = "Model Training"

TASK_CHOICES = {"Regression": "regression", "Binary classification": "binary",
                "Multiclass classification": "multiclass"}

#: learner family -> (FLAML counterpart, designer learner per task)
FAMILIES = {
    "Boosted Decision Tree": ("lgbm", {"regression": "Boosted Decision Tree Regression",
                                       "binary": "Two-Class Boosted Decision Tree",
                                       "multiclass": "Multiclass Boosted Decision Tree"}),
    "Decision Forest": ("rf", {"regression": "Decision Forest Regression",
                               "binary": "Two-Class Decision Forest",
                               "multiclass": "Multiclass Decision Forest"}),
    "Decision Forest (Replicate)": ("extra_tree", {"regression": "Decision Forest Regression",
                                                   "binary": "Two-Class Decision Forest",
                                                   "multiclass": "Multiclass Decision Forest"}),
    "Linear model": ("lrl1/lrl2", {"regression": "Linear Regression",
                                   "binary": "Two-Class Logistic Regression",
                                   "multiclass": "Multiclass Logistic Regression"}),
}

#: primary metrics as the reference's AutoML names them -> (FLAML metric, kind)
CLASSIFICATION_METRICS = {
    "Accuracy": "accuracy",
    "AUC weighted": "auc",
    "Average precision score weighted": "custom",
    "Norm macro recall": "custom",
    "Precision score weighted": "custom",
}
REGRESSION_METRICS = {
    "Normalized root mean squared error": "rmse",
    "R2 score": "r2",
    "Normalized mean absolute error": "mae",
    "Spearman correlation": "custom",
}
LOWER_IS_BETTER = {"Normalized root mean squared error", "Normalized mean absolute error"}

VALIDATION_CHOICES = ("Cross validation", "Train-validation split")
#: leaderboard columns that differ from run to run (timings and where a trial ran)
TIMING_COLUMNS = ("Duration (s)", "Started (s)", "Worker")


# -- search spaces: the designer learners' own parameters ---------------------------------
def search_space(family: str, task: str, n_rows: int) -> dict:
    from flaml import tune

    upper = max(5, min(1024, int(n_rows)))
    if family == "Boosted Decision Tree":
        return {
            "number_of_trees_constructed": {"domain": tune.lograndint(4, max(5, min(2000, 4 * n_rows))),
                                            "init_value": 4, "low_cost_init_value": 4},
            "maximum_number_of_leaves_per_tree": {"domain": tune.lograndint(4, upper),
                                                  "init_value": 4, "low_cost_init_value": 4},
            "minimum_number_of_samples_per_leaf_node": {"domain": tune.lograndint(2, 129),
                                                        "init_value": 20},
            "learning_rate": {"domain": tune.loguniform(1 / 1024, 1.0), "init_value": 0.1},
        }
    if family.startswith("Decision Forest"):
        return {
            "number_of_decision_trees": {"domain": tune.lograndint(4, 512),
                                         "init_value": 4, "low_cost_init_value": 4},
            "maximum_depth_of_the_decision_trees": {"domain": tune.lograndint(2, 64),
                                                    "init_value": 32},
            "minimum_number_of_samples_per_leaf_node": {"domain": tune.lograndint(1, 33),
                                                        "init_value": 1},
        }
    if task == "regression":
        return {"l2_regularization_weight": {"domain": tune.loguniform(1e-4, 100.0),
                                             "init_value": 1e-3}}
    return {
        "l2_regularization_weight": {"domain": tune.loguniform(1e-4, 100.0), "init_value": 1.0},
        "l1_regularization_weight": {"domain": tune.choice([0.0, 0.001, 0.01, 0.1, 1.0]),
                                     "init_value": 0.0},
    }


def learner_values(family: str, task: str, config: dict, seed: int) -> dict:
    """The designer learner's parameter values for a FLAML configuration of ``family``."""
    space = search_space(family, task, 1000)
    values = {k: _plain(v) for k, v in config.items() if k in space}
    if family == "Linear model" and task == "regression":
        values["solution_method"] = "Ordinary Least Squares"
    if family.startswith("Decision Forest"):
        values["resampling_method"] = "Replicate" if family.endswith("(Replicate)") else "Bagging"
    values["random_number_seed"] = int(seed)
    return values


def learner_for(family: str, task: str) -> str:
    return FAMILIES[family][1][task]


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


class _DesignerEstimator:
    """Builds the designer learner's estimator for FLAML's ``**params`` (a picklable
    callable; FLAML's own ``n_jobs`` and unknown keys are dropped)."""

    def __init__(self, family: str, task: str, seed: int):
        self.family, self.task, self.seed = family, task, seed

    def __call__(self, **params):
        from .ml_algorithms import make_untrained

        values = learner_values(self.family, self.task, params, self.seed)
        return make_untrained(learner_for(self.family, self.task), seed=self.seed, **values).make()


def _flaml_learner(family: str, seed: int):
    """A FLAML learner class searching ``family``'s designer parameters."""
    _automl_class()
    from flaml.automl.model import SKLearnEstimator

    fam = family

    class DesignerLearner(SKLearnEstimator):
        def __init__(self, task="binary", **config):
            super().__init__(task, **config)
            self.params.pop("n_jobs", None)
            t = task if isinstance(task, str) else getattr(task, "name", str(task))
            t = "regression" if t == "regression" else ("binary" if t == "binary" else "multiclass")
            self.estimator_class = _DesignerEstimator(fam, t, seed)

        @classmethod
        def search_space(cls, data_size, task, **_):
            t = task if isinstance(task, str) else getattr(task, "name", str(task))
            return search_space(fam, "regression" if t == "regression" else "binary",
                                int(data_size[0]))

        @classmethod
        def cost_relative2lgbm(cls):
            return 1.0 if fam != "Linear model" else 0.5

    DesignerLearner.__name__ = DesignerLearner.__qualname__ = "DesignerLearner_" + _flaml_name(family)
    return DesignerLearner


def _flaml_name(family: str) -> str:
    return "designer_" + "".join(ch if ch.isalnum() else "_" for ch in family.lower()).strip("_")


# -- metrics ---------------------------------------------------------------------------
class _CustomMetric:
    """A reference AutoML metric FLAML has no name for: ``(1 - score, {name: score})``."""

    def __init__(self, name: str, task: str):
        self.name, self.task = name, task

    def __call__(self, X_val, y_val, estimator, labels, X_train, y_train, *args, **kwargs):
        score = metric_score(self.name, self.task, np.asarray(y_val), estimator, X_val, labels)
        return 1.0 - score, {self.name: score}


def metric_score(name: str, task: str, y, estimator, X, labels=None) -> float:
    from sklearn import metrics

    if name == "Spearman correlation":
        from scipy.stats import spearmanr

        rho = spearmanr(y, estimator.predict(X)).statistic
        return 0.0 if rho is None or not np.isfinite(rho) else float(rho)
    if name == "Precision score weighted":
        return float(metrics.precision_score(y, estimator.predict(X), average="weighted",
                                             zero_division=0))
    if name == "Norm macro recall":
        k = len(labels) if labels is not None else len(np.unique(y))
        r = metrics.recall_score(y, estimator.predict(X), average="macro", zero_division=0)
        return float((r - 1.0 / k) / (1.0 - 1.0 / k)) if k > 1 else 0.0
    if name == "Average precision score weighted":
        proba = estimator.predict_proba(X)
        if task == "binary":
            return float(metrics.average_precision_score(y, proba[:, 1]))
        classes = list(labels) if labels is not None else list(range(proba.shape[1]))
        from sklearn.preprocessing import label_binarize

        return float(metrics.average_precision_score(label_binarize(y, classes=classes), proba,
                                                     average="weighted"))
    raise ValueError(f"unknown metric {name!r}")


def _flaml_metric(metric: str, task: str):
    kind = (REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS)[metric]
    if kind == "custom":
        return _CustomMetric(metric, task)
    if kind == "auc":
        return "roc_auc" if task == "binary" else "roc_auc_weighted"
    return kind


def metric_from_loss(metric: str, loss: float, label_range: float) -> float:
    """The primary metric's value from FLAML's validation loss."""
    if metric in LOWER_IS_BETTER:
        return float(loss) / label_range if label_range > 0 else float(loss)
    return 1.0 - float(loss)


# -- one FLAML search (a fan-out unit) --------------------------------------------------------
_IMPORT_LOCK = threading.Lock()


def _automl_class():
    """FLAML's ``AutoML``. FLAML imports MLflow when it is installed (seconds of import time,
    for autologging the designer does not use); unless MLflow is already loaded, it is hidden
    while FLAML loads so that FLAML runs without it."""
    import sys

    with _IMPORT_LOCK:
        if "flaml.automl" not in sys.modules and "mlflow" not in sys.modules:
            sys.modules["mlflow"] = None  # makes `import mlflow` fail inside FLAML
            try:
                from flaml import AutoML
            finally:
                if sys.modules.get("mlflow", 0) is None:
                    del sys.modules["mlflow"]
            return AutoML
        from flaml import AutoML
        return AutoML


def search_unit(families, X, y, task, metric, validation, folds, split_ratio, budget, seed,
                max_trials, t0):
    """One FLAML search over ``families``; its trials (with absolute start and end times
    and the worker that ran them) and its best family, configuration and loss."""
    import logging

    AutoML = _automl_class()
    logging.getLogger("flaml.automl.logger").setLevel(logging.ERROR)
    automl = AutoML()
    names = {}
    for fam in families:
        names[_flaml_name(fam)] = fam
        automl.add_learner(_flaml_name(fam), _flaml_learner(fam, seed))
    worker = f"{os.uname().nodename} pid {os.getpid()} {threading.current_thread().name}"
    with tempfile.TemporaryDirectory(prefix="designer-automl-") as tmp:
        log = os.path.join(tmp, "trials.jsonl")
        start = time.time()
        kw = dict(task=task, metric=_flaml_metric(metric, task), time_budget=float(budget),
                  estimator_list=list(names), seed=int(seed), log_file_name=log, log_type="all",
                  verbose=0, retrain_full=False, model_history=False, n_jobs=1,
                  eval_method="cv" if validation == VALIDATION_CHOICES[0] else "holdout",
                  auto_augment=False, early_stop=False, mlflow_logging=False)
        if kw["eval_method"] == "cv":
            kw["n_splits"] = int(folds)
        else:
            kw["split_ratio"] = float(split_ratio)
        if max_trials:
            kw["max_iter"] = int(max_trials)
        automl.fit(X_train=X, y_train=y, **kw)
        trials = []
        with open(log, encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if "learner" not in rec:  # a checkpoint line
                    continue
                end = start + float(rec["wall_clock_time"])
                trials.append({"family": names.get(rec["learner"], rec["learner"]),
                               "config": rec["config"], "loss": rec["validation_loss"],
                               "duration": float(rec["trial_time"]),
                               "started": end - float(rec["trial_time"]) - t0,
                               "worker": worker})
    best = None
    if automl.best_estimator:
        best = {"family": names[automl.best_estimator], "config": dict(automl.best_config),
                "loss": float(automl.best_loss)}
    return {"trials": trials, "best": best}


def _groups(families: list, slots: int) -> list[list]:
    """The families split over ``slots`` parallel searches (``slots`` < 1: as many as the
    target can run, as inside a Dask worker)."""
    n = len(families) if slots < 1 else max(1, min(slots, len(families)))
    return [families[i::n] for i in range(n)]


def _learner_label(family: str, task: str) -> str:
    name = learner_for(family, task)
    return name + (" (Replicate)" if family.endswith("(Replicate)") else "")


def _hyperparameters(family: str, task: str, config: dict, seed: int) -> str:
    from jupyter_designer.engine.component import REGISTRY

    spec = REGISTRY.get(learner_for(family, task))
    values = learner_values(family, task, config, seed)
    values.pop("random_number_seed", None)
    shown = {}
    for k, v in values.items():
        label = spec.param(k).label
        shown[label] = round(v, 6) if isinstance(v, float) else v
    return json.dumps(shown)


# -- the component --------------------------------------------------------------------------
LABEL = Columns("label_column", "Label column", single=True, port="dataset",
                description="The column the model learns to predict")


def _schema(inputs, params):
    schema = inputs.get("dataset")
    label = params.get("label_column")
    if schema is not None and label is not None and not is_binding(label):
        LABEL.resolve(label, schema, "Train AutoML Model")
    task = TASK_CHOICES.get(params.get("task_type"), "regression")
    metric = _metric_param(params, task)
    from jupyter_designer.engine.schema import Schema

    lb = Schema.of([("Rank", "integer", None), ("Trial", "integer", None), ("Learner", "string", None),
                    ("Hyperparameters", "string", None), (metric or "Metric", "double", None),
                    ("Duration (s)", "double", None), ("Started (s)", "double", None),
                    ("Worker", "string", None)])
    return {"trained_best_model": None, "leaderboard": lb if metric else None}


def _metric_param(params, task):
    if task == "regression":
        return params.get("primary_metric_for_regression")
    return params.get("primary_metric_for_classification")


@component(
    "Train AutoML Model", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("trained_best_model", TRAINED_MODEL, "Trained best model",
                  description="The best learner and setting found, trained on the whole dataset"),
             Port("leaderboard", DATASET, "Leaderboard",
                  description="One row per trial: learner, hyperparameters, metric, duration; "
                              "best first")],
    params=[
        Enum("task_type", "Task type", default="Binary classification", choices=list(TASK_CHOICES)),
        LABEL,
        Enum("primary_metric_for_classification", "Primary metric", default="AUC weighted",
             choices=list(CLASSIFICATION_METRICS),
             visible_if={"task_type": ["Binary classification", "Multiclass classification"]},
             description="What the search maximizes"),
        Enum("primary_metric_for_regression", "Primary metric for regression",
             default="Normalized root mean squared error", choices=list(REGRESSION_METRICS),
             visible_if={"task_type": ["Regression"]},
             description="What the search optimizes"),
        Int("time_budget_seconds", "Time budget in seconds", default=60, min=1,
            description="Wall-clock time the search may take (each parallel search on a "
                        "cluster gets all of it)"),
        List("allowed_learners", "Allowed learners", default=list(FAMILIES),
             item=Enum("learner", "Learner", choices=list(FAMILIES)), min_length=1,
             description="Learner families to try: " + ", ".join(
                 f"{k} (FLAML {v[0]})" for k, v in FAMILIES.items())),
        Enum("validation_type", "Validation type", default="Cross validation",
             choices=list(VALIDATION_CHOICES)),
        Int("number_of_cross_validation_folds", "Number of cross-validation folds", default=5,
            min=2, max=20, visible_if={"validation_type": ["Cross validation"]}),
        Enum("validation_fraction", "Validation fraction", default="0.2",
             choices=["0.1", "0.2", "0.3"], visible_if={"validation_type": ["Train-validation split"]},
             description="Share of the rows held out to score each trial"),
        Int("maximum_trials", "Maximum number of trials", default=None, required=False, min=1,
            description="Stop after this many trials per search even within the time budget; "
                        "empty: the budget alone decides"),
        Int("random_seed", "Random seed", default=0, min=0,
            description="Seeds the search, the folds and the learners"),
    ],
    schema=_schema, training_only=True, model_output="trained_best_model",
)
def train_automl_model(ctx, inputs, params):
    """Searches learners and their settings within a time budget (FLAML) and trains the best."""
    from .ml_algorithms import make_untrained

    df = inputs.get("dataset")
    if not isinstance(df, pd.DataFrame):
        raise ctx.error("connect a dataset to the 'Dataset' input.")
    if len(df) < 10:
        raise ctx.error(f"the dataset has {len(df)} rows; AutoML needs at least 10 to validate "
                        "its trials.")
    from jupyter_designer.engine.schema import Schema

    label = ctx.spec.param("label_column").resolve(params["label_column"], Schema.from_frame(df),
                                                   ctx.component)[0]
    task = TASK_CHOICES[params["task_type"]]
    metric = _metric_param(params, task)
    families = list(dict.fromkeys(params["allowed_learners"]))
    seed = int(params["random_seed"])

    # the features as Train Model encodes them: one-hot categories, numbers as they are
    features = ml._feature_columns(df, label, task)
    if not features:
        raise ctx.error("the dataset has no feature columns besides the label; add columns to "
                        "learn from.")
    kinds = ml._check_features(df, features, ctx.component)
    y_raw = df[label]
    if y_raw.isna().any():
        raise ctx.error(f"the label column {label!r} has missing values ({int(y_raw.isna().sum())} "
                        "rows). Add Clean Missing Data (Remove entire row) before Train AutoML Model.")
    label_range = 0.0
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y_raw) or pd.api.types.is_bool_dtype(y_raw):
            raise ctx.error(f"the task is Regression, but the label column {label!r} is not "
                            "numeric. Choose a numeric label or a classification task.")
        y = y_raw.to_numpy(dtype=np.float64)
        label_range = float(y.max() - y.min())
    else:
        classes = ml._sorted_classes(y_raw, label, ctx.component)
        if task == "binary" and len(classes) != 2:
            raise ctx.error(f"the task is Binary classification, but the label column {label!r} "
                            f"has {len(classes)} classes. Choose Multiclass classification, or "
                            "group the classes first.")
        if len(classes) < 2:
            raise ctx.error(f"the label column {label!r} has a single class; a classifier needs "
                            "at least 2.")
        y = ml._encode_labels(y_raw, classes)
    encoder = ml.build_pipeline("passthrough", kinds).steps[0][1]
    X = np.asarray(encoder.fit_transform(df[features]), dtype=np.float64)

    validation = params["validation_type"]
    folds = int(params["number_of_cross_validation_folds"])
    if validation == VALIDATION_CHOICES[0] and task != "regression":
        smallest = int(np.bincount(y).min())
        if smallest < folds:
            raise ctx.error(f"the rarest class of {label!r} has {smallest} rows, fewer than the "
                            f"{folds} cross-validation folds. Lower 'Number of cross-validation "
                            "folds' or use a Train-validation split.")
    groups = _groups(families, ctx.n_jobs())
    budget = int(params["time_budget_seconds"])
    t0 = time.time()
    ctx.log("Searching %s for %s by %s: %d search(es) of %d s each on %d rows, %d features.",
            ", ".join(families), params["task_type"], metric, len(groups), budget, len(df), X.shape[1])
    results = ctx.fan_out([(search_unit, g, X, y, task, metric, validation, folds,
                            float(params["validation_fraction"]), budget, seed,
                            params.get("maximum_trials"), t0) for g in groups])

    trials = sorted((t for r in results for t in r["trials"]), key=lambda t: t["started"])
    bests = [r["best"] for r in results if r["best"] is not None]
    if not trials or not bests:
        raise ctx.error(f"no trial finished within the {budget} s time budget. Give it a larger "
                        "'Time budget in seconds'.")
    best = min(bests, key=lambda b: b["loss"])
    rows = []
    for i, t in enumerate(trials, start=1):
        value = metric_from_loss(metric, t["loss"], label_range) \
            if t["loss"] is not None and math.isfinite(t["loss"]) else np.nan
        rows.append({"Trial": i, "Learner": _learner_label(t["family"], task),
                     "Hyperparameters": _hyperparameters(t["family"], task, t["config"], seed),
                     metric: value, "Duration (s)": round(t["duration"], 4),
                     "Started (s)": round(t["started"], 4), "Worker": t["worker"],
                     "_loss": t["loss"] if t["loss"] is not None else np.inf})
    board = pd.DataFrame(rows).sort_values(["_loss", "Trial"], kind="stable").drop(columns="_loss")
    board.insert(0, "Rank", np.arange(1, len(board) + 1, dtype=np.int64))
    board = board.reset_index(drop=True)
    board["Trial"] = board["Trial"].astype("int64")
    board[metric] = board[metric].astype("float64")

    learner = learner_for(best["family"], task)
    values = learner_values(best["family"], task, best["config"], seed)
    untrained = make_untrained(learner, seed=seed, **values)
    model = ml.fit_model(untrained, df, label, component=ctx.component)
    best_value = metric_from_loss(metric, best["loss"], label_range)
    model.info["automl"] = {"learner": learner, "family": best["family"],
                            "flaml_learner": FAMILIES[best["family"]][0],
                            "parameters": values, "metric": metric,
                            "metric_value": best_value, "validation": validation,
                            "trials": len(trials), "searches": len(groups)}
    ctx.log("Best of %d trials: %s %s, %s %.6g", len(trials), learner,
            _hyperparameters(best["family"], task, best["config"], seed), metric, best_value)
    ctx.log_metric(metric, best_value)
    ctx.log_metric("Trials", len(trials))
    return {"trained_best_model": model, "leaderboard": board}


train_automl_model.spec.extra["nondeterministic_columns"] = TIMING_COLUMNS


EXAMPLES = {
    "train_automl_model": lambda: (
        {"dataset": ml.example_frame("binary", n=80)},
        {"task_type": "Binary classification", "label_column": "income",
         "allowed_learners": ["Boosted Decision Tree"], "time_budget_seconds": 20,
         "maximum_trials": 3, "number_of_cross_validation_folds": 3}),
}
