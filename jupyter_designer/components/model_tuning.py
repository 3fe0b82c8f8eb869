"""Tune Model Hyperparameters and Cross Validate Model.

Both train a learner many times (one fit per setting and fold) through the shared
``fit_model`` / ``score_frame`` / ``evaluate_scored`` of :mod:`.ml`, so a model behaves as
it does in Train Model, Score Model and Evaluate Model. The fits are independent: they are
fanned out with ``ctx.fan_out`` over the node's compute target, so a ``local-processes``
pool or a ``dask`` cluster runs them side by side (on Dask, one task per fit). Every fit is seeded
by the learner's own random seed and the results are collected in submission order, so the
outputs are identical whatever the backend.

Folds. A dataset with a "Fold Assignments" column (Partition and Sample, Assign to Folds)
is split along it, and that column is never used as a feature. Otherwise rows are shuffled
with the "Random seed" into 10 folds (Cross Validate Model, as the reference) or 5 folds
(Tune Model Hyperparameters without a validation dataset); for classification the folds are
stratified by class when every class has a row in every fold, so that each training part
sees every class.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import REGISTRY, component
from jupyter_designer.engine.errors import ComponentError, a_or_an
from jupyter_designer.engine.params import Columns, Enum, Int
from jupyter_designer.engine.ports import DATASET, TRAINED_MODEL, UNTRAINED_MODEL, Port
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

from . import ml

FOLD_COLUMN = "Fold Assignments"
CV_FOLDS = 10
TUNE_FOLDS = 5

CLASSIFICATION_METRICS = ("Accuracy", "Precision", "Recall", "F-score", "AUC", "Average log loss")
REGRESSION_METRICS = ("Mean absolute error", "Root of mean squared error",
                      "Relative absolute error", "Relative squared error",
                      "Coefficient of determination")
#: Sweep-results column of each ranking metric choice.
METRIC_COLUMNS = {
    "Accuracy": "Accuracy", "Precision": "Precision", "Recall": "Recall", "F-score": "F-Score",
    "AUC": "AUC", "Average log loss": "Average Log Loss",
    "Mean absolute error": "Mean Absolute Error",
    "Root of mean squared error": "Root Mean Squared Error",
    "Relative absolute error": "Relative Absolute Error",
    "Relative squared error": "Relative Squared Error",
    "Coefficient of determination": "Coefficient of Determination",
}
LOWER_IS_BETTER = {"Average Log Loss", "Mean Absolute Error", "Root Mean Squared Error",
                   "Relative Absolute Error", "Relative Squared Error", "Average Quantile Loss"}
_COUNTS = {"Threshold", "True Positive", "False Negative", "False Positive", "True Negative"}
SUPERVISED = ("regression", "binary", "multiclass")


# -- metrics ----------------------------------------------------------------------------
def _macro_auc(scored, label, classes) -> float | None:
    from sklearn.metrics import roc_auc_score

    cols = [ml.probability_column(c) for c in classes]
    if any(c not in scored.columns for c in cols):
        return None
    y = scored[label].to_numpy()
    present = [i for i, c in enumerate(classes) if (y == c).any()]
    if len(present) < 2:
        return None
    P = scored[cols].to_numpy(dtype=np.float64)
    aucs = [roc_auc_score((y == classes[i]).astype(int), P[:, i]) for i in present
            if 0 < (y == classes[i]).sum() < len(y)]
    return float(np.mean(aucs)) if aucs else None


def sweep_metrics(scored, model) -> dict:
    """The reference's sweep metrics of a scored dataset (``None`` where undefined).

    Binary: Evaluate Model's metrics. Multiclass: overall accuracy, macro-averaged precision,
    recall and F-score, the mean one-vs-rest AUC and the average log loss. Regression:
    Evaluate Model's five metrics; quantile regression: the average quantile loss.
    """
    ev = ml.evaluate_scored(scored, component="Tune Model Hyperparameters")
    m = ev["metrics"]
    task = ev["task"]
    if task == "binary":
        return {"Accuracy": m.get("Accuracy"), "Precision": m.get("Precision"),
                "Recall": m.get("Recall"), "F-Score": m.get("F1 Score"), "AUC": m.get("AUC"),
                "Average Log Loss": m.get("Average Log Loss")}
    if task == "multiclass":
        per = ev.get("per_class") or []
        f1 = [2 * c["Precision"] * c["Recall"] / (c["Precision"] + c["Recall"])
              if c["Precision"] + c["Recall"] else 0.0 for c in per]
        return {"Accuracy": m.get("Overall accuracy"),
                "Precision": m.get("Macro-averaged precision"),
                "Recall": m.get("Macro-averaged recall"),
                "F-Score": float(np.mean(f1)) if f1 else None,
                "AUC": _macro_auc(scored, ev["label"], list(model.classes or [])),
                "Average Log Loss": m.get("Average Log Loss")}
    if task == "quantile_regression":
        return {"Average Quantile Loss": m.get("Average Quantile Loss")}
    return {k: m.get(k) for k in ("Mean Absolute Error", "Root Mean Squared Error",
                                  "Relative Absolute Error", "Relative Squared Error",
                                  "Coefficient of Determination")}


def fold_metrics(scored) -> dict:
    """Evaluate Model's scalar metrics of one fold (without threshold and counts)."""
    m = ml.evaluate_scored(scored, component="Cross Validate Model")["metrics"]
    return {k: v for k, v in m.items()
            if k not in _COUNTS and (v is None or isinstance(v, (int, float)))}


def _mean(values) -> float | None:
    vals = [float(v) for v in values if v is not None and not
            (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(vals)) if vals else None


# -- folds ----------------------------------------------------------------------------------
def make_folds(df, label: str | None, task: str, n_folds: int, seed: int,
               component: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``[(fold name, train positions, test positions)]``: the "Fold Assignments" column's
    folds when the dataset has one, else ``n_folds`` shuffled (stratified) folds."""
    n = len(df)
    if FOLD_COLUMN in df.columns:
        col = df[FOLD_COLUMN]
        if col.isna().any():
            raise ComponentError(f"{component}: the {FOLD_COLUMN!r} column has missing values; "
                                 "assign every row to a fold with Partition and Sample.")
        values = col.to_numpy()
        try:
            names = sorted(pd.unique(values))
        except TypeError:
            names = sorted(pd.unique(values), key=str)
        if len(names) < 2:
            raise ComponentError(f"{component}: the {FOLD_COLUMN!r} column puts every row in one "
                                 "fold; cross validation needs at least 2 folds.")
        pos = np.arange(n)
        return [(str(ml._native(f)), pos[values != f], pos[values == f]) for f in names]
    if n < 2:
        raise ComponentError(f"{component}: the dataset has {n} row(s); cross validation needs "
                             "at least 2.")
    k = min(n_folds, n)
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
    y = None
    if task in ("binary", "multiclass") and label is not None:
        counts = df[label].value_counts(dropna=True)
        if len(counts) >= 2 and counts.min() >= k:
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            y = df[label].astype(str).to_numpy()
    X = np.zeros((n, 1))
    return [(str(i), tr, te) for i, (tr, te) in enumerate(splitter.split(X, y))]


def _without_folds(df):
    if FOLD_COLUMN not in df.columns:
        return df
    out = df.drop(columns=[FOLD_COLUMN])
    set_roles(out, get_roles(df))
    return out


def _rows(df, positions):
    part = df.iloc[positions]
    set_roles(part, get_roles(df))
    return part


def _check_supervised(untrained, component):
    ml.check_untrained(untrained, component)
    if untrained.task not in SUPERVISED:
        raise ComponentError(
            f"{component}: works with classification and regression learners; "
            f"{untrained.learner!r} is {a_or_an(untrained.task)} learner. Use Train Clustering Model / "
            "Train Anomaly Detection Model for it.")


def _label(params, key, df, component) -> str:
    if params.get(key) is None:
        raise ComponentError(f"{component}: set the 'Label column' parameter to the column to "
                             "predict.")
    spec = Columns(key, "Label column", single=True)
    return spec.resolve(params[key], Schema.from_frame(df), component)[0]


# -- work units (module level, so process and Dask backends can run them) -----------------
def _fit_and_score(untrained, overrides, train, test, label, component):
    model = ml.fit_model(untrained, train, label, overrides=overrides, component=component)
    return model, ml.score_frame(model, test, component=component)


def _sweep_unit(untrained, overrides, df, train_pos, test_pos, validation, label, component):
    train = _rows(df, train_pos) if train_pos is not None else df
    test = validation if validation is not None else _rows(df, test_pos)
    model, scored = _fit_and_score(untrained, overrides, train, test, label, component)
    return sweep_metrics(scored, model)


def _cv_unit(untrained, df, train_pos, test_pos, label, component):
    _, scored = _fit_and_score(untrained, None, _rows(df, train_pos), _rows(df, test_pos),
                               label, component)
    return scored, fold_metrics(scored)


# -- Tune Model Hyperparameters ------------------------------------------------------------
def sweep_settings(grid: dict, mode: str, max_runs: int, seed: int) -> list[dict]:
    """The settings a sweep tries: every combination of the grid ("Entire grid"), or
    ``max_runs`` distinct combinations drawn with ``RandomState(seed)`` ("Random sweep";
    the whole grid when it is not larger)."""
    keys = list(grid)
    values = [list(grid[k]) for k in keys]
    if not keys:
        return [{}]
    sizes = [len(v) for v in values]
    total = int(np.prod(sizes))
    if mode == "Entire grid" or total <= max_runs:
        return [dict(zip(keys, combo)) for combo in itertools.product(*values)]
    rng = np.random.RandomState(seed)
    picks = rng.choice(total, size=max_runs, replace=False)
    out = []
    for flat in picks:
        idx = np.unravel_index(int(flat), sizes)
        out.append({k: values[j][int(i)] for j, (k, i) in enumerate(zip(keys, idx))})
    return out


def default_grid(untrained) -> dict:
    """The default ranges of a learner's component (what its Parameter Range mode sweeps
    unless told other values); empty for a learner with nothing to sweep."""
    from jupyter_designer.engine.component import RunContext

    try:
        spec = REGISTRY.get(untrained.learner)
        mode = spec.param("create_trainer_mode")
        values = {k: v for k, v in untrained.params.items()
                  if any(p.key == k for p in spec.params)}
        values[mode.key] = "Parameter Range"
        resolved = spec.resolve_params(values)
        out = spec.run(RunContext(spec, seed=untrained.seed), {}, resolved)
        grid = out["untrained_model"].grid
        return dict(grid) if isinstance(grid, dict) else {}
    except Exception:  # a learner without ranges (or needing inputs): its single setting
        return {}


def _param_label(learner: str, key: str) -> str:
    try:
        return REGISTRY.get(learner).param(key).label
    except Exception:
        return key


def _plain(v):
    v = ml._native(v)
    return v if isinstance(v, (int, float, str, bool)) or v is None else str(v)


def _tune_schema(inputs, params):
    schema = inputs.get("training_dataset")
    if schema is not None and params.get("label_column") is not None:
        Columns("label_column", "Label column", single=True).resolve(
            params["label_column"], schema, "Tune Model Hyperparameters")
    return {"sweep_results": None, "trained_best_model": None}


_TUNE_LABEL = Columns("label_column", "Label column", single=True, port="training_dataset")


def _single_mode_message(learner: str) -> str:
    return (f"{learner} is in 'Single Parameter' mode, but Tune Model Hyperparameters sweeps a "
            "learner's parameter ranges. Set the learner's 'Create trainer mode' to 'Parameter "
            "Range' and give the values to try, or train its single setting with Train Model.")


def _tune_check(inputs, params, upstream):
    source = upstream.get("untrained_model")
    issues = ml.design_check_learner(inputs.get("training_dataset"), params.get("label_column"),
                                      source, "Tune Model Hyperparameters", _TUNE_LABEL)
    if source is not None and source.params.get("create_trainer_mode") == "Single Parameter" \
            and _sweepable(source):
        issues.append((None, _single_mode_message(f"The learner {source.title} [{source.node_id}]")))
    return issues


def _sweepable(source) -> bool:
    """Whether a learner node has parameter ranges to sweep (OLS Linear Regression has none)."""
    from jupyter_designer.engine.component import RunContext

    try:
        untrained = source.spec.run(RunContext(source.spec), {}, dict(source.params))["untrained_model"]
    except Exception:
        return True
    return bool(default_grid(untrained))


def _cv_check(inputs, params, upstream):
    return ml.design_check_learner(inputs.get("dataset"), params.get("label_column"),
                                    upstream.get("untrained_model"), "Cross Validate Model",
                                    Columns("label_column", "Label column", single=True))


@component(
    "Tune Model Hyperparameters", category="Model Training",
    inputs=[Port("untrained_model", UNTRAINED_MODEL, "Untrained model"),
            Port("training_dataset", DATASET, "Training dataset"),
            Port("optional_validation_dataset", DATASET, "Optional validation dataset",
                 optional=True,
                 description="Scores each setting; without it the training dataset is "
                             "cross-validated")],
    outputs=[Port("sweep_results", DATASET, "Sweep results",
                  description="One row per setting tried with its metrics, best first"),
             Port("trained_best_model", TRAINED_MODEL, "Trained best model",
                  description="The best setting trained on the whole training dataset")],
    params=[Enum("specify_parameter_sweeping_mode", "Specify parameter sweeping mode",
                 default="Random sweep", choices=("Entire grid", "Random sweep"),
                 description="Try every combination of the learner's parameter ranges, or a "
                             "random subset of them"),
            Int("maximum_number_of_runs_on_random_sweep", "Maximum number of runs on random sweep",
                default=5, min=1,
                visible_if={"specify_parameter_sweeping_mode": ["Random sweep"]}),
            Int("random_seed", "Random seed", default=0, min=0,
                description="Seeds the random sweep and the cross-validation folds"),
            Columns("label_column", "Label column", single=True, port="training_dataset"),
            Enum("metric_for_measuring_performance_for_classification",
                 "Metric for measuring performance for classification", default="Accuracy",
                 choices=CLASSIFICATION_METRICS),
            Enum("metric_for_measuring_performance_for_regression",
                 "Metric for measuring performance for regression", default="Mean absolute error",
                 choices=REGRESSION_METRICS)],
    schema=_tune_schema,
    training_only=True,
    model_output="trained_best_model",
    extra={"design_check": _tune_check},
)
def tune_model_hyperparameters(ctx, inputs, params):
    """Performs a parameter sweep on a model to determine the optimum parameter settings."""
    component_name = ctx.component
    untrained = inputs["untrained_model"]
    _check_supervised(untrained, component_name)
    train_df = inputs["training_dataset"]
    validation = inputs.get("optional_validation_dataset")
    label = _label(params, "label_column", train_df, component_name)
    if validation is not None and label not in validation.columns:
        raise ctx.error(f"the validation dataset has no label column {label!r}; connect a "
                        "validation dataset with the same columns as the training dataset.")
    seed = params["random_seed"]
    mode = params["specify_parameter_sweeping_mode"]
    grid = untrained.grid
    if not grid:
        if default_grid(untrained):  # it has ranges: it was left in Single Parameter mode
            raise ctx.error(_single_mode_message(f"the learner {untrained.learner}"))
        ctx.log(f"{untrained.learner} has no parameter ranges: training its single setting.")
    settings = sweep_settings(grid, mode, params["maximum_number_of_runs_on_random_sweep"], seed)
    if untrained.task == "regression":
        metric = METRIC_COLUMNS[params["metric_for_measuring_performance_for_regression"]]
    else:
        metric = METRIC_COLUMNS[params["metric_for_measuring_performance_for_classification"]]

    data = _without_folds(train_df)
    if validation is not None:
        validation = _without_folds(validation)
        calls = [(_sweep_unit, untrained, s, data, None, None, validation, label,
                  component_name) for s in settings]
        n_parts = 1
        ctx.log(f"Trying {len(settings)} setting(s), each scored on the validation dataset.")
    else:
        folds = make_folds(train_df, label, untrained.task, TUNE_FOLDS, seed, component_name)
        calls = [(_sweep_unit, untrained, s, data, tr, te, None, label, component_name)
                 for s in settings for _, tr, te in folds]
        n_parts = len(folds)
        ctx.log(f"Trying {len(settings)} setting(s) with {n_parts}-fold cross validation "
                f"({len(calls)} fits).")
    results = ctx.fan_out(calls)

    rows = []
    for i, setting in enumerate(settings):
        parts = results[i * n_parts:(i + 1) * n_parts]
        rows.append({name: _mean(p.get(name) for p in parts) for name in parts[0]})
    if metric not in rows[0]:  # quantile regression reports its own loss
        metric = next(iter(rows[0]))
    lower = metric in LOWER_IS_BETTER

    def rank(i):
        v = rows[i][metric]
        if v is None:
            return (1, 0.0, i)
        return (0, v if lower else -v, i)

    order = sorted(range(len(settings)), key=rank)
    best = order[0]
    if rows[best][metric] is None:
        raise ctx.error(f"the metric {metric!r} could not be computed for any setting (e.g. a "
                        "validation part with a single class). Choose another metric or "
                        "provide more data.")
    labels = {k: _param_label(untrained.learner, k) for k in grid}
    table = pd.DataFrame([{**{labels[k]: _plain(settings[i][k]) for k in labels},
                           **{m: (np.nan if v is None else float(v)) for m, v in rows[i].items()}}
                          for i in order])
    for m in rows[0]:
        table[m] = table[m].astype("float64")

    model = ml.fit_model(untrained, data, label, overrides=settings[best],
                          component=component_name)
    model.info["tuned_parameters"] = {k: _plain(v) for k, v in settings[best].items()}
    model.info["tuning_metric"] = {metric: float(rows[best][metric])}
    ctx.log(f"Best setting by {metric} ({rows[best][metric]:.6g}): "
            + (", ".join(f"{labels[k]}={settings[best][k]!r}" for k in labels) or "(single setting)"))
    for m, v in rows[best].items():
        if v is not None:
            ctx.log_metric(m, float(v))
    return {"sweep_results": table, "trained_best_model": model}


# -- Cross Validate Model -------------------------------------------------------------------
def _cv_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is not None and params.get("label_column") is not None:
        Columns("label_column", "Label column", single=True).resolve(
            params["label_column"], schema, "Cross Validate Model")
    return {"scored_results": None, "evaluation_results_by_fold": None}


@component(
    "Cross Validate Model", category="Model Scoring & Evaluation",
    inputs=[Port("untrained_model", UNTRAINED_MODEL, "Untrained model"),
            Port("dataset", DATASET, "Dataset")],
    outputs=[Port("scored_results", DATASET, "Scored results",
                  description="Every row scored by the model trained without its fold, with "
                              "its fold in 'Fold Assignments'"),
             Port("evaluation_results_by_fold", DATASET, "Evaluation results by fold",
                  description="Metrics of each fold, then their mean and standard deviation")],
    params=[Columns("label_column", "Label column", single=True, port="dataset"),
            Int("random_seed", "Random seed", default=0, min=0,
                description="Seeds the division of the rows into folds")],
    schema=_cv_schema,
    training_only=True,
    extra={"design_check": _cv_check},
)
def cross_validate_model(ctx, inputs, params):
    """Cross-validates a learner: trains and scores it once per fold of the dataset."""
    component_name = ctx.component
    untrained = inputs["untrained_model"]
    _check_supervised(untrained, component_name)
    df = inputs["dataset"]
    label = _label(params, "label_column", df, component_name)
    folds = make_folds(df, label, untrained.task, CV_FOLDS, params["random_seed"], component_name)
    data = _without_folds(df)
    ctx.log(f"{len(folds)}-fold cross validation of {untrained.learner} on {len(df)} rows.")
    results = ctx.fan_out([(_cv_unit, untrained, data, tr, te, label, component_name)
                                  for _, tr, te in folds])

    # Scored results: every row in its input position, with the fold it was scored in.
    parts = [scored for scored, _ in results]
    roles = get_roles(parts[0])
    positions = np.concatenate([te for _, _, te in folds])
    scored = pd.concat(parts, axis=0, ignore_index=True)
    scored = scored.iloc[np.argsort(positions, kind="stable")]
    scored.index = df.index
    fold_of = np.empty(len(df), dtype=object)
    for name, _, te in folds:
        fold_of[te] = name
    if FOLD_COLUMN in df.columns:
        scored[FOLD_COLUMN] = df[FOLD_COLUMN].to_numpy()
    else:
        scored[FOLD_COLUMN] = pd.array(fold_of.astype(np.int64), dtype="int64")
    set_roles(scored, roles, replace=True)

    table = pd.DataFrame([{"Fold Number": name, "Number of examples in fold": len(te),
                           "Model": untrained.learner,
                           **{k: (np.nan if v is None else float(v)) for k, v in m.items()}}
                          for (name, _, te), (_, m) in zip(folds, results)])
    numeric = [c for c in table.columns if c not in ("Fold Number", "Model")]
    table[numeric] = table[numeric].astype("float64")
    summary = pd.DataFrame([
        {"Fold Number": "Mean", "Model": untrained.learner, **table[numeric].mean().to_dict()},
        {"Fold Number": "Standard Deviation", "Model": untrained.learner,
         **table[numeric].std(ddof=1).to_dict()}])
    table = pd.concat([table, summary[table.columns]], ignore_index=True)
    for k, v in table.iloc[len(folds)][numeric].items():
        if k != "Number of examples in fold" and pd.notna(v):
            ctx.log_metric(f"Mean {k}", float(v))
    return {"scored_results": scored, "evaluation_results_by_fold": table}


# -- examples -------------------------------------------------------------------------
def _example_learner(name: str, values: dict):
    from jupyter_designer.engine.component import RunContext

    spec = REGISTRY.get(name)
    resolved = spec.resolve_params(values)
    return spec.run(RunContext(spec, seed=0), {}, resolved)["untrained_model"]


def _example_binary(n: int = 80):
    rng = np.random.RandomState(3)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    y = np.where(x1 + 0.5 * x2 + (color == "red") + rng.normal(scale=0.5, size=n) > 0.3,
                 "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "color": color, "label": y})


def _example_regression(n: int = 60):
    rng = np.random.RandomState(4)
    a, b = rng.uniform(0, 10, size=n), rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "price": 3.0 * a - 2.0 * b + rng.normal(size=n)})


EXAMPLES = {
    "tune_model_hyperparameters": lambda: (
        {"untrained_model": _example_learner("Two-Class Logistic Regression",
                                             {"create_trainer_mode": "Parameter Range"}),
         "training_dataset": _example_binary()},
        {"specify_parameter_sweeping_mode": "Random sweep",
         "maximum_number_of_runs_on_random_sweep": 3, "label_column": "label",
         "metric_for_measuring_performance_for_classification": "AUC"}),
    "cross_validate_model": lambda: (
        {"untrained_model": _example_learner("Linear Regression", {}),
         "dataset": _example_regression()},
        {"label_column": "price", "random_seed": 7}),
}
