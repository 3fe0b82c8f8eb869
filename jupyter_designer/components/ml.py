"""Shared machinery of the learners: training, scoring and evaluation.

Train Model, Score Model, Evaluate Model, Tune Model Hyperparameters, Cross Validate Model,
Permutation Feature Importance and the real-time scoring core all go through these three
functions, so a model behaves the same wherever it is trained or scored:

``fit_model(untrained, df, label_column, *, overrides=None, component="Train Model") -> TrainedModel``
    Checks the data (label present, no missing values, no free text, not empty, the number of
    classes the task needs), builds ``untrained.make(overrides)`` and fits it inside an
    sklearn ``Pipeline([("encode", ColumnTransformer(...)), *learner steps])``: string,
    categorical and boolean features are one-hot encoded (``OneHotEncoder(handle_unknown=
    "ignore")``), numeric features pass through. Classifiers are fitted on label codes
    ``0..k-1`` of the sorted classes (``TrainedModel.classes``); the positive class of a
    two-class model is the second sorted class. ``label_column`` is ``None`` for clustering
    and anomaly detection (label-role columns are then left out of the features).
    ``overrides`` replace learner parameters (keys of ``UntrainedModel.params``, as swept
    from ``UntrainedModel.grid``).

``score_frame(model, df, *, append=True) -> DataFrame``
    Adds the reference product's score columns (see :func:`score_columns`): ``Scored Labels``;
    ``Scored Probabilities`` (two-class: probability of the positive class) or
    ``Scored Probabilities_<class>`` per class (multiclass); ``Assignments`` and
    ``DistancesToClusterCenter no.<i>`` (clustering); ``Scored Labels`` (1 = anomaly) and
    ``Scored Probabilities`` (anomaly detection); ``Quantile:<q>`` per quantile (quantile
    regression). Score columns get the ``score`` role and the model's label column keeps
    the ``label`` role. ``append=False`` returns the score columns only.

``evaluate_scored(df, *, threshold=0.5) -> dict``
    ``{"task", "metrics", "curves", "confusion_matrix", ...}`` with the reference metric
    names; every value is plain JSON data (``None`` where a metric is undefined).

Learners whose estimator sets ``accepts_dataframe = True`` (e.g. a Python model written by
the user) receive the raw feature DataFrame and the label Series in ``fit`` and the
feature DataFrame in ``predict``; ``predict`` may return a DataFrame whose columns are
the score columns themselves, or a 1-D array of labels. No encoding, no label codes.

(Over 700 lines on purpose: training, scoring and evaluation share the encoding and the
score-column contract above; kept in one module so they cannot drift apart.)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from jupyter_designer.engine.errors import ComponentError, DesignerError
from jupyter_designer.engine.models import TASKS, TrainedModel, UntrainedModel
from jupyter_designer.engine.schema import NUMERIC_KINDS, Schema, get_roles, kind_of_dtype, set_roles

SCORED_LABELS = "Scored Labels"
SCORED_PROBABILITIES = "Scored Probabilities"
ASSIGNMENTS = "Assignments"
DISTANCE_PREFIX = "DistancesToClusterCenter no."
QUANTILE_PREFIX = "Quantile:"
#: DataFrame.attrs key where Score Model records what it scored (task, classes, learner).
SCORING_ATTR = "designer_scoring"

CATEGORICAL_KINDS = ("string", "categorical", "boolean")
#: A string column with more distinct values than this (and than half its rows) is free text.
FREE_TEXT_MIN_DISTINCT = 50
MAX_CURVE_POINTS = 1000


def probability_column(cls) -> str:
    """Name of the multiclass probability column of class ``cls``."""
    return f"{SCORED_PROBABILITIES}_{cls}"


def distance_column(i: int) -> str:
    return f"{DISTANCE_PREFIX}{i}"


def quantile_column(q: float) -> str:
    return f"{QUANTILE_PREFIX}{q:.3f}"


def _fail(component: str, message: str) -> ComponentError:
    return ComponentError(f"{component}: {message}")


def _names(cols, limit: int = 6) -> str:
    cols = list(cols)
    text = ", ".join(repr(str(c)) for c in cols[:limit])
    return text + (f" and {len(cols) - limit} more" if len(cols) > limit else "")


def _native(v):
    """A numpy scalar as the equivalent Python value (JSON / skops friendly)."""
    return v.item() if isinstance(v, np.generic) else v


def _final_step(estimator):
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


# -- training -------------------------------------------------------------------------
def check_untrained(untrained, component: str = "Train Model") -> UntrainedModel:
    if not isinstance(untrained, UntrainedModel):
        raise _fail(component, f"the 'Untrained model' input must be an untrained model from "
                               f"a Machine Learning Algorithms component; got "
                               f"{type(untrained).__name__}.")
    if untrained.task not in TASKS:
        raise _fail(component, f"the learner {untrained.learner!r} has an unknown task "
                               f"{untrained.task!r}.")
    return untrained


def _is_free_text(col: pd.Series) -> bool:
    n = int(col.notna().sum())
    distinct = int(col.nunique(dropna=True))
    return distinct > FREE_TEXT_MIN_DISTINCT and distinct > 0.5 * n


#: The component that turns date and time columns into numeric features.
DATE_COMPONENT = "Extract Date Parts"
_ISO_DATE_TEXT = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"


def _dates_as_text(col: pd.Series) -> bool:
    """Whether a string column holds ISO 8601 dates (checked on its first values)."""
    values = col.dropna().head(200)
    if values.empty or not all(isinstance(v, str) for v in values):
        return False
    return bool(values.str.strip().str.fullmatch(_ISO_DATE_TEXT).all())


def design_check_learner(schema, label, source, component: str, label_param) -> list:
    """Design-time problems of training a learner on ``schema``: a label column of the wrong
    kind for the learner, date and time feature columns. ``[(parameter key, message)]``."""
    from jupyter_designer.engine.params import is_binding

    if schema is None:
        return []
    issues = []
    label_name = None
    if label is not None and not is_binding(label):
        try:
            label_name = label_param.resolve(label, schema, component)[0]
        except (DesignerError, IndexError):  # a missing column is reported by the column check
            label_name = None
    task = source.spec.extra.get("task") if source is not None else None
    learner = f"{source.title} [{source.node_id}]" if source is not None else "the learner"
    if label_name is not None:
        kind = schema.kind(label_name)
        if kind in ("datetime", "timespan"):
            issues.append((label_param.key, f"The 'Label column' parameter selects "
                           f"{label_name!r}, a {kind} column, which a model cannot predict. "
                           f"Choose another label column."))
        elif task == "regression" and kind not in NUMERIC_KINDS:
            issues.append((label_param.key, f"The 'Label column' parameter selects "
                           f"{label_name!r}, a {kind} column, but {learner} is a regression "
                           "learner, which predicts numbers. Choose a numeric label column, make "
                           "it numeric with Edit Metadata, or use a classification learner."))
    dates = [c.name for c in schema if c.name != label_name and c.role != "score"
             and c.kind in ("datetime", "timespan")]
    if dates:
        issues.append((None, f"Feature column(s) {_names(dates)} hold dates or times, which a "
                             f"learner cannot use directly. Add {DATE_COMPONENT} before "
                             f"{component} to turn them into numeric columns (year, month, day, "
                             "...), or remove them with Select Columns in Dataset."))
    return issues


def _feature_columns(df, label_column, task) -> list[str]:
    roles = get_roles(df)
    out = []
    for c in df.columns:
        if c == label_column or roles.get(c) == "score":
            continue
        if label_column is None and roles.get(c) == "label":
            continue  # unsupervised: the label is there for evaluation, not a feature
        out.append(c)
    return out


def _check_features(df, features, component) -> dict:
    kinds = {}
    bad_time, free_text, mixed, missing = [], [], [], []
    for c in features:
        kind = kind_of_dtype(df[c].dtype)
        kinds[c] = kind
        if kind in ("datetime", "timespan") or (kind == "string" and _dates_as_text(df[c])):
            bad_time.append(c)
        elif kind == "string" and _is_free_text(df[c]):
            free_text.append(c)
        elif kind == "string" and pd.api.types.infer_dtype(df[c], skipna=True).startswith("mixed"):
            mixed.append(c)
        if df[c].isna().any():
            missing.append(c)
    if bad_time:
        raise _fail(component, f"feature column(s) {_names(bad_time)} hold dates or time spans, "
                               f"which a learner cannot use directly (one category per date "
                               f"would learn nothing of dates it has not seen). Add "
                               f"{DATE_COMPONENT} before {component} to turn them into numeric "
                               "columns (year, month, day, ...), or remove them with Select "
                               "Columns in Dataset.")
    if free_text:
        raise _fail(component, f"feature column(s) {_names(free_text)} look like free text (many "
                               "distinct strings). Remove them with Select Columns in Dataset, or "
                               "turn them into categories with Edit Metadata (Categorical) or "
                               "Convert to Indicator Values.")
    if mixed:
        raise _fail(component, f"feature column(s) {_names(mixed)} mix text and numbers. Make each "
                               "column one type with Edit Metadata, or remove it with Select "
                               "Columns in Dataset.")
    if missing:
        n = int(df[missing].isna().any(axis=1).sum())
        raise _fail(component, f"feature column(s) {_names(missing)} have missing values "
                               f"({n} row{'s' if n != 1 else ''}). Add Clean Missing Data before "
                               f"{component}, or remove the column(s) with Select Columns in "
                               "Dataset.")
    return kinds


def _sorted_classes(values: pd.Series, label_column: str, component: str) -> list:
    try:
        classes = np.unique(values.to_numpy())
    except TypeError:
        raise _fail(component, f"the label column {label_column!r} mixes values of different "
                               "types; make it one type with Edit Metadata.") from None
    return [_native(c) for c in classes]


def _encode_labels(values: pd.Series, classes: list) -> np.ndarray:
    codes = pd.Categorical(values.to_numpy(), categories=classes).codes
    return np.asarray(codes, dtype=np.int64)


def build_pipeline(estimator, kinds: dict, *, handle_unknown: str = "ignore"):
    """The sklearn Pipeline fitting ``estimator`` on columns of the given kinds."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    cat = [c for c, k in kinds.items() if k in CATEGORICAL_KINDS]
    num = [c for c, k in kinds.items() if k in NUMERIC_KINDS]
    transformers = []
    if cat:
        transformers.append(("categorical", OneHotEncoder(handle_unknown=handle_unknown,
                                                          sparse_output=False), cat))
    if num:
        transformers.append(("numeric", "passthrough", num))
    encode = ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)
    steps = list(estimator.steps) if isinstance(estimator, Pipeline) else [("model", estimator)]
    return Pipeline([("encode", encode), *steps])


def fit_model(untrained: UntrainedModel, df, label_column: str | None, *, overrides=None,
              component: str = "Train Model") -> TrainedModel:
    """Fit ``untrained`` on ``df`` (see the module docstring for the checks and encoding)."""
    check_untrained(untrained, component)
    task = untrained.task
    if not isinstance(df, pd.DataFrame):
        raise _fail(component, f"the dataset input must be a table; got {type(df).__name__}.")
    if len(df) == 0:
        raise _fail(component, "the dataset is empty: it has no rows to train on. Check the "
                               "filters or splits upstream.")
    supervised = task in ("regression", "binary", "multiclass")
    if supervised:
        if not label_column:
            raise _fail(component, "set the 'Label column' parameter to the column to predict.")
        if label_column not in df.columns:
            raise _fail(component, f"the label column {label_column!r} is not in the dataset. "
                                   f"Available columns: {_names(df.columns, 20)}.")
    elif label_column is not None and label_column not in df.columns:
        label_column = None

    features = _feature_columns(df, label_column, task)
    if not features:
        raise _fail(component, "the dataset has no feature columns besides the label; add "
                               "columns to learn from.")
    params = {**untrained.params, **(overrides or {})}
    try:
        estimator = untrained.make(overrides)
    except DesignerError:
        raise
    except Exception as exc:
        raise _fail(component, f"cannot build the learner {untrained.learner!r} with parameters "
                               f"{overrides or untrained.params}: {exc}") from exc
    raw = bool(getattr(_final_step(estimator), "accepts_dataframe", False))
    if raw:  # the model does its own encoding and handling of missing values
        kinds = {c: kind_of_dtype(df[c].dtype) for c in features}
    else:
        kinds = _check_features(df, features, component)

    label_kind = None
    classes = None
    y = None
    if supervised:
        label = df[label_column]
        label_kind = kind_of_dtype(label.dtype)
        if label.isna().any():
            n = int(label.isna().sum())
            raise _fail(component, f"the label column {label_column!r} has missing values ({n} "
                                   f"row{'s' if n != 1 else ''}). Add Clean Missing Data (Remove "
                                   f"entire row) before {component}.")
        if task == "regression":
            if label_kind not in NUMERIC_KINDS and label_kind != "boolean":
                raise _fail(component, f"{untrained.learner} predicts numbers, but the label column "
                                       f"{label_column!r} is {label_kind}. Choose a numeric label "
                                       "column or a classification learner.")
            y = label if raw else label.to_numpy(dtype=np.float64)
        else:
            classes = _sorted_classes(label, label_column, component)
            if task == "binary" and len(classes) != 2:
                shown = ", ".join(repr(c) for c in classes[:10])
                raise _fail(component, f"{untrained.learner} needs exactly 2 classes in the label "
                                       f"column {label_column!r}; it has {len(classes)} ({shown}"
                                       f"{', ...' if len(classes) > 10 else ''}). Use a Multiclass "
                                       "learner, or group the classes first.")
            if len(classes) < 2:
                raise _fail(component, f"the label column {label_column!r} has a single class "
                                       f"({classes[0]!r}); a classifier needs at least 2.")
            y = label if raw else _encode_labels(label, classes)

    if raw:
        pipeline = estimator
    else:
        handle = "ignore" if params.get("allow_unknown_categorical_levels", True) else "error"
        pipeline = build_pipeline(estimator, kinds, handle_unknown=handle)
    X = df[features]  # copy-on-write: no copy
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if supervised:
                pipeline.fit(X, y)
            else:
                pipeline.fit(X)
    except DesignerError:
        raise
    except Exception as exc:
        raise _fail(component, f"{untrained.learner} failed to train: {exc}") from exc
    notes = []
    for w in caught:
        if issubclass(w.category, (UserWarning, RuntimeWarning)) and str(w.message) not in notes:
            notes.append(str(w.message))
    info: dict[str, Any] = {"params": params, "seed": untrained.seed, "n_rows": int(len(df)),
                            "label_kind": label_kind, "warnings": notes[:10]}
    if raw:
        info["accepts_dataframe"] = True
    final = _final_step(pipeline)
    if task == "clustering" and hasattr(final, "cluster_centers_"):
        info["n_clusters"] = int(len(final.cluster_centers_))
    if hasattr(final, "quantiles"):
        info["quantiles"] = [float(q) for q in final.quantiles]
    return TrainedModel(estimator=pipeline, task=task, feature_columns=list(features),
                        label_column=label_column, classes=classes, learner=untrained.learner,
                        feature_kinds=kinds, info=info)


# -- scoring --------------------------------------------------------------------------
def score_columns(task: str, *, classes=None, label_kind: str | None = None,
                  n_clusters: int | None = None, quantiles=None) -> list[tuple[str, str]] | None:
    """The (name, kind) of the score columns a model adds, or ``None`` if they are unknown."""
    if task == "regression":
        if quantiles:
            return [(quantile_column(q), "double") for q in quantiles]
        return [(SCORED_LABELS, "double")]
    if task == "binary":
        return [(SCORED_LABELS, label_kind or "string"), (SCORED_PROBABILITIES, "double")]
    if task == "multiclass":
        if classes is None:
            return None
        return [(SCORED_LABELS, label_kind or "string")] + \
            [(probability_column(c), "double") for c in classes]
    if task == "clustering":
        if n_clusters is None:
            return None
        return [(ASSIGNMENTS, "integer")] + [(distance_column(i), "double") for i in range(n_clusters)]
    if task == "anomaly":
        return [(SCORED_LABELS, "integer"), (SCORED_PROBABILITIES, "double")]
    return None


def model_score_columns(model: TrainedModel) -> list[tuple[str, str]] | None:
    return score_columns(model.task, classes=model.classes,
                         label_kind=model.info.get("label_kind"),
                         n_clusters=model.info.get("n_clusters"),
                         quantiles=model.info.get("quantiles"))


def scored_schema(schema: Schema | None, model, *, append: bool = True) -> Schema | None:
    """Design-time schema of ``score_frame``'s output, from what is known of the model.

    ``model`` may be a TrainedModel, its ``describe()`` dict, or anything with a ``task``.
    """
    if model is None:
        return None
    if isinstance(model, TrainedModel):
        cols = model_score_columns(model)
        label = model.label_column
    else:
        get = model.get if isinstance(model, dict) else (lambda k, d=None: getattr(model, k, d))
        info = get("info") or {}
        cols = score_columns(get("task"), classes=get("classes"), label_kind=info.get("label_kind"),
                             n_clusters=info.get("n_clusters"), quantiles=info.get("quantiles"))
        label = get("label") or get("label_column")
    if cols is None:
        return None
    new = Schema.of([(n, k, "score") for n, k in cols])
    if not append:
        return new
    if schema is None:
        return None
    if label and label in schema:
        schema = schema.replace(label, role="label")
    return schema.add(*new.columns)


def _check_scoring_input(model: TrainedModel, df, component: str):
    if not isinstance(model, TrainedModel):
        raise _fail(component, f"the 'Trained model' input must be a trained model (from Train "
                               f"Model, Tune Model Hyperparameters, ...); got {type(model).__name__}.")
    if not isinstance(df, pd.DataFrame):
        raise _fail(component, f"the dataset input must be a table; got {type(df).__name__}.")
    missing = [c for c in model.feature_columns if c not in df.columns]
    if missing:
        raise _fail(component, f"the dataset has no column(s) {_names(missing)}, which the model "
                               f"({model.learner or 'trained model'}) was trained on. Score data "
                               "with the same columns as the training data.")
    if model.info.get("accepts_dataframe"):
        return
    wrong, nan = [], []
    for c in model.feature_columns:
        was = model.feature_kinds.get(c)
        now = kind_of_dtype(df[c].dtype)
        if was in NUMERIC_KINDS and now not in NUMERIC_KINDS and now != "boolean":
            wrong.append(f"{c!r} (numeric at training, {now} now)")
        elif was in NUMERIC_KINDS and df[c].isna().any():
            nan.append(c)
    if wrong:
        raise _fail(component, f"column(s) {', '.join(wrong)} changed type since training; "
                               "convert them with Edit Metadata.")
    if nan:
        raise _fail(component, f"feature column(s) {_names(nan)} have missing values; add Clean "
                               f"Missing Data with the same settings as for training before "
                               f"{component}.")


def _sigmoid(x):
    from scipy.special import expit

    return expit(np.asarray(x, dtype=np.float64))


def _class_probabilities(estimator, X, k: int) -> np.ndarray:
    if hasattr(estimator, "predict_proba"):
        try:
            p = np.asarray(estimator.predict_proba(X), dtype=np.float64)
            if p.ndim == 2 and p.shape[1] == k:
                return p
        except AttributeError:  # e.g. a meta-estimator whose base has no predict_proba
            pass
    d = np.asarray(estimator.decision_function(X), dtype=np.float64)
    if d.ndim == 1:
        p1 = _sigmoid(d)
        return np.column_stack([1.0 - p1, p1])
    from scipy.special import softmax

    return softmax(d, axis=1)


def score_frame(model: TrainedModel, df, *, append: bool = True,
                component: str = "Score Model") -> pd.DataFrame:
    """Score ``df`` with ``model`` (see the module docstring for the columns added)."""
    _check_scoring_input(model, df, component)
    est = model.estimator
    X = df[model.feature_columns]
    task = model.task
    cols: dict[str, Any] = {}
    try:
        if model.info.get("accepts_dataframe"):
            pred = est.predict(X)
            if isinstance(pred, pd.DataFrame):
                if len(pred) != len(df):
                    raise _fail(component, f"the model returned {len(pred)} rows for {len(df)}.")
                for c in pred.columns:
                    cols[str(c)] = pred[c].to_numpy()
            else:
                pred = np.asarray(pred)
                if pred.ndim == 2 and pred.shape[1] == 1:
                    pred = pred[:, 0]
                cols[SCORED_LABELS] = pred
        elif task == "regression":
            final = _final_step(est)
            if hasattr(final, "predict_quantiles"):
                Xt = est[:-1].transform(X) if len(getattr(est, "steps", [])) > 1 else X
                qs = final.predict_quantiles(Xt)
                for j, q in enumerate(final.quantiles):
                    cols[quantile_column(q)] = qs[:, j]
            else:
                cols[SCORED_LABELS] = np.asarray(est.predict(X), dtype=np.float64).ravel()
        elif task in ("binary", "multiclass"):
            classes = np.asarray(model.classes)
            k = len(classes)
            proba = _class_probabilities(est, X, k)
            if task == "binary":
                p1 = proba[:, 1]
                cols[SCORED_LABELS] = classes[(p1 >= 0.5).astype(np.int64)]
                cols[SCORED_PROBABILITIES] = p1
            else:
                cols[SCORED_LABELS] = classes[np.argmax(proba, axis=1)]
                for j, c in enumerate(model.classes):
                    cols[probability_column(c)] = proba[:, j]
        elif task == "clustering":
            cols[ASSIGNMENTS] = np.asarray(est.predict(X), dtype=np.int64)
            dist = np.asarray(est.transform(X), dtype=np.float64)
            for i in range(dist.shape[1]):
                cols[distance_column(i)] = dist[:, i]
        elif task == "anomaly":
            d = np.asarray(est.decision_function(X), dtype=np.float64)
            cols[SCORED_LABELS] = (d < 0).astype(np.int64)
            cols[SCORED_PROBABILITIES] = _sigmoid(-d)
        else:
            raise _fail(component, f"cannot score a model of task {task!r}.")
    except DesignerError:
        raise
    except Exception as exc:
        raise _fail(component, f"the model ({model.learner or 'trained model'}) could not score "
                               f"the dataset: {exc}") from exc

    if (model.info.get("label_kind") == "categorical" and model.classes is not None
            and SCORED_LABELS in cols and task in ("binary", "multiclass")):
        cols[SCORED_LABELS] = pd.Categorical(cols[SCORED_LABELS], categories=model.classes)
    if append:
        out = df.copy(deep=False)
        for name, values in cols.items():
            out[name] = values
    else:
        out = pd.DataFrame(cols, index=df.index)
        out.attrs.clear()
    roles = {name: "score" for name in cols}
    if model.label_column and model.label_column in out.columns:
        roles[model.label_column] = "label"
    set_roles(out, roles)
    out.attrs[SCORING_ATTR] = {
        "task": task, "learner": model.learner,
        "classes": [_native(c) for c in model.classes] if model.classes is not None else None,
        "label": model.label_column}
    return out


# -- evaluation -----------------------------------------------------------------------
def label_column_of(df, component: str = "Evaluate Model", *, required: bool = True) -> str | None:
    """The label column of a scored dataset (by its ``label`` role)."""
    roles = get_roles(df)
    labels = [c for c, r in roles.items() if r == "label" and c in df.columns]
    if not labels:
        meta = df.attrs.get(SCORING_ATTR) or {}
        if meta.get("label") in df.columns:
            return meta["label"]
        if required:
            raise _fail(component, "there is no label column in the scored dataset. Keep the label "
                                   "column when scoring, or mark it with Edit Metadata (Fields: "
                                   "Label) before Evaluate Model.")
        return None
    return labels[0]


def _json_float(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _thin(*arrays, limit: int = MAX_CURVE_POINTS):
    n = len(arrays[0])
    if n <= limit:
        return [list(map(_json_float, a)) for a in arrays]
    idx = np.unique(np.linspace(0, n - 1, limit).round().astype(int))
    return [[_json_float(x) for x in np.asarray(a)[idx]] for a in arrays]


def detect_task(df) -> str:
    """The kind of scores a scored dataset holds."""
    cols = [str(c) for c in df.columns]
    meta = df.attrs.get(SCORING_ATTR) or {}
    if ASSIGNMENTS in cols and any(c.startswith(DISTANCE_PREFIX) for c in cols):
        return "clustering"
    if any(c.startswith(QUANTILE_PREFIX) for c in cols):
        return "quantile_regression"
    if any(c.startswith(SCORED_PROBABILITIES + "_") for c in cols):
        return "multiclass"
    if SCORED_PROBABILITIES in cols:
        return "anomaly" if meta.get("task") == "anomaly" else "binary"
    if SCORED_LABELS in cols:
        if meta.get("task") == "regression":
            return "regression"
        if meta.get("task") in ("binary", "multiclass"):
            return "multiclass"  # labels without probabilities: label-based metrics
        kind = kind_of_dtype(df[SCORED_LABELS].dtype)
        return "regression" if kind == "double" else "multiclass"
    raise ComponentError("Evaluate Model: there is no score column in the scored dataset "
                         "(Scored Labels, Scored Probabilities, Assignments ...). Connect the "
                         "output of Score Model or Assign Data to Clusters.")


def evaluate_scored(df, *, threshold: float = 0.5, component: str = "Evaluate Model") -> dict:
    """Metrics of a scored dataset, named as the reference product names them."""
    if not isinstance(df, pd.DataFrame):
        raise _fail(component, f"the scored dataset must be a table; got {type(df).__name__}.")
    if len(df) == 0:
        raise _fail(component, "the scored dataset is empty.")
    task = detect_task(df)
    if task == "clustering":
        return _evaluate_clustering(df)
    label = label_column_of(df, component)
    keep = df[label].notna()
    if not keep.all():
        df = df[keep]
        if len(df) == 0:
            raise _fail(component, f"the label column {label!r} has no values to compare with.")
    if task == "regression":
        return _evaluate_regression(df, label, component)
    if task == "quantile_regression":
        return _evaluate_quantiles(df, label, component)
    if task in ("binary", "anomaly"):
        out = _evaluate_binary(df, label, threshold, component)
        out["task"] = task
        return out
    return _evaluate_multiclass(df, label, component)


def _numeric(df, col, component) -> np.ndarray:
    try:
        return df[col].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(component, f"column {col!r} must be numeric to evaluate a regression model; "
                               f"it is {kind_of_dtype(df[col].dtype)}.") from None


def _evaluate_regression(df, label, component) -> dict:
    y = _numeric(df, label, component)
    s = _numeric(df, SCORED_LABELS, component)
    if np.isnan(s).any():
        raise _fail(component, "the Scored Labels column has missing values.")
    err = y - s
    dev = y - y.mean()
    sae, sse = float(np.abs(err).sum()), float((err ** 2).sum())
    dae, dse = float(np.abs(dev).sum()), float((dev ** 2).sum())
    rse = sse / dse if dse > 0 else None
    metrics = {
        "Mean Absolute Error": float(np.abs(err).mean()),
        "Root Mean Squared Error": float(np.sqrt((err ** 2).mean())),
        "Relative Absolute Error": sae / dae if dae > 0 else None,
        "Relative Squared Error": rse,
        "Coefficient of Determination": 1.0 - rse if rse is not None else None,
    }
    return {"task": "regression", "label": str(label), "metrics": metrics, "curves": {},
            "confusion_matrix": None}


def _evaluate_quantiles(df, label, component) -> dict:
    y = _numeric(df, label, component)
    metrics: dict[str, Any] = {}
    losses = []
    for c in df.columns:
        c = str(c)
        if not c.startswith(QUANTILE_PREFIX):
            continue
        q = float(c[len(QUANTILE_PREFIX):])
        pred = _numeric(df, c, component)
        diff = y - pred
        loss = float(np.mean(np.maximum(q * diff, (q - 1) * diff)))
        metrics[f"Quantile Loss:{q:.3f}"] = loss
        losses.append(loss)
    metrics = {"Average Quantile Loss": float(np.mean(losses)), **metrics}
    return {"task": "quantile_regression", "label": str(label), "metrics": metrics, "curves": {},
            "confusion_matrix": None}


def _binary_classes(df, label) -> list:
    meta = df.attrs.get(SCORING_ATTR) or {}
    if meta.get("classes") and len(meta["classes"]) == 2:
        return list(meta["classes"])
    values = pd.unique(pd.concat([df[label], df[SCORED_LABELS]], ignore_index=True).dropna())
    try:
        values = sorted(_native(v) for v in values)
    except TypeError:
        values = sorted((_native(v) for v in values), key=str)
    if set(values) <= {0, 1}:
        return [0, 1] if not any(isinstance(v, (bool, np.bool_)) for v in values) else [False, True]
    return values


def _same(values: pd.Series, target) -> np.ndarray:
    """``values == target``, tolerating a label read back as str or as another number type."""
    eq = (values == target).to_numpy(dtype=bool, na_value=False)
    if not eq.any() and not isinstance(target, str):
        eq = (values.astype(str) == str(target)).to_numpy(dtype=bool, na_value=False)
    return eq


def _evaluate_binary(df, label, threshold, component) -> dict:
    from sklearn import metrics as skm

    classes = _binary_classes(df, label)
    if len(classes) > 2:
        raise _fail(component, f"a two-class model was scored, but the label column {label!r} has "
                               f"{len(classes)} classes ({', '.join(map(repr, classes[:6]))}).")
    positive = classes[-1]
    negative = classes[0] if len(classes) == 2 else None
    y = _same(df[label], positive).astype(np.int64)
    p = _numeric(df, SCORED_PROBABILITIES, component)
    pred = (p >= threshold).astype(np.int64)
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    n = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    both = 0 < y.sum() < len(y)
    auc = float(skm.roc_auc_score(y, p)) if both else None
    pc = np.clip(p, 1e-15, 1 - 1e-15)
    log_loss = float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
    metrics = {"Accuracy": (tp + tn) / n, "Precision": precision, "Recall": recall,
               "F1 Score": f1, "AUC": auc, "Average Log Loss": log_loss,
               "Threshold": float(threshold), "True Positive": tp, "False Negative": fn,
               "False Positive": fp, "True Negative": tn}
    curves: dict[str, Any] = {}
    if both:
        fpr, tpr, thr = skm.roc_curve(y, p)
        thr = np.where(np.isfinite(thr), thr, np.nextafter(float(p.max()), np.inf))
        fpr, tpr, thr = _thin(fpr, tpr, thr)
        curves["roc"] = {"fpr": fpr, "tpr": tpr, "thresholds": thr}
        prec, rec, pthr = skm.precision_recall_curve(y, p, drop_intermediate=True)
        prec, rec = _thin(prec, rec)
        (pthr,) = _thin(pthr)
        curves["precision_recall"] = {"precision": prec, "recall": rec, "thresholds": pthr}
    cm_labels = [_native(negative), _native(positive)] if negative is not None else [_native(positive)]
    return {"task": "binary", "label": str(label), "metrics": metrics, "curves": curves,
            "positive_label": _native(positive),
            "confusion_matrix": {"labels": cm_labels, "matrix": [[tn, fp], [fn, tp]]}}


def _evaluate_multiclass(df, label, component) -> dict:
    from sklearn import metrics as skm

    y_true = df[label]
    y_pred = df[SCORED_LABELS]
    if kind_of_dtype(y_true.dtype) != kind_of_dtype(y_pred.dtype):
        y_true, y_pred = y_true.astype(str), y_pred.astype(str)
    yt = np.asarray([_native(v) for v in y_true.to_numpy()], dtype=object)
    yp = np.asarray([_native(v) for v in y_pred.to_numpy()], dtype=object)
    present = pd.unique(np.concatenate([yt, yp]))
    try:
        labels = sorted(present)
    except TypeError:
        labels = sorted(present, key=str)
    cm = skm.confusion_matrix(yt, yp, labels=labels)
    n = int(cm.sum())
    tp = np.diag(cm).astype(np.float64)
    per_true = cm.sum(axis=1).astype(np.float64)
    per_pred = cm.sum(axis=0).astype(np.float64)
    prec_c = np.divide(tp, per_pred, out=np.zeros_like(tp), where=per_pred > 0)
    rec_c = np.divide(tp, per_true, out=np.zeros_like(tp), where=per_true > 0)
    class_acc = (n - per_true - per_pred + 2 * tp) / n  # (TP + TN) / N per class
    metrics = {
        "Overall accuracy": float(tp.sum() / n),
        "Average accuracy": float(class_acc.mean()),
        "Micro-averaged precision": float(tp.sum() / per_pred.sum()),
        "Macro-averaged precision": float(prec_c.mean()),
        "Micro-averaged recall": float(tp.sum() / per_true.sum()),
        "Macro-averaged recall": float(rec_c.mean()),
    }
    prob_cols = {str(c)[len(SCORED_PROBABILITIES) + 1:]: c for c in df.columns
                 if str(c).startswith(SCORED_PROBABILITIES + "_")}
    truth = [str(v) for v in yt]
    if prob_cols and all(t in prob_cols for t in set(truth)):
        order = list(prob_cols)
        P = df[[prob_cols[k] for k in order]].to_numpy(dtype=np.float64)
        idx = np.asarray([order.index(t) for t in truth])
        pt = np.clip(P[np.arange(len(idx)), idx], 1e-15, 1.0)
        metrics["Average Log Loss"] = float(-np.mean(np.log(pt)))
    per_class = [{"label": _native(lab), "Precision": float(prec_c[i]), "Recall": float(rec_c[i]),
                  "Number of rows": int(per_true[i])} for i, lab in enumerate(labels)]
    return {"task": "multiclass", "label": str(label), "metrics": metrics, "curves": {},
            "per_class": per_class,
            "confusion_matrix": {"labels": [_native(v) for v in labels],
                                 "matrix": cm.astype(int).tolist()}}


def _evaluate_clustering(df) -> dict:
    dist_cols = sorted((c for c in df.columns if str(c).startswith(DISTANCE_PREFIX)),
                       key=lambda c: int(str(c)[len(DISTANCE_PREFIX):]))
    D = df[dist_cols].to_numpy(dtype=np.float64)
    a = df[ASSIGNMENTS].to_numpy()
    k = D.shape[1]
    rows = np.arange(len(a))
    valid = (a >= 0) & (a < k)
    own = np.full(len(a), np.nan)
    own[valid] = D[rows[valid], a[valid].astype(int)]
    other = (D.sum(axis=1) - np.nan_to_num(own)) / max(k - 1, 1)
    clusters = []
    for j in range(k):
        m = valid & (a == j)
        cnt = int(m.sum())
        clusters.append({
            "Result Description": f"Evaluation For Cluster No.{j}",
            "Average Distance to Cluster Center": _json_float(own[m].mean()) if cnt else None,
            "Average Distance to Other Center": _json_float(other[m].mean()) if cnt and k > 1 else None,
            "Number of Points": cnt,
            "Maximal Distance to Cluster Center": _json_float(own[m].max()) if cnt else None,
        })
    any_ = bool(valid.any())
    metrics = {
        "Average Distance to Cluster Center": _json_float(own[valid].mean()) if any_ else None,
        "Average Distance to Other Center": _json_float(other[valid].mean()) if any_ and k > 1 else None,
        "Number of Points": int(valid.sum()),
        "Maximal Distance to Cluster Center": _json_float(own[valid].max()) if any_ else None,
    }
    return {"task": "clustering", "metrics": metrics, "clusters": clusters, "curves": {},
            "confusion_matrix": None}


# -- small generated data for examples and tests -------------------------------------------
def example_frame(task: str = "binary", n: int = 60, seed: int = 0) -> pd.DataFrame:
    """A small deterministic table for ``task`` with numeric, categorical and integer features.

    Label columns (role ``label``): ``price`` (regression), ``income`` (binary: "<=50K" /
    ">50K"), ``species`` (multiclass: "a", "b", "c"); clustering/anomaly tables have none.
    """
    rng = np.random.RandomState(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    color = np.asarray(["red", "green", "blue"])[np.arange(n) % 3]
    count = rng.randint(0, 10, size=n)
    df = pd.DataFrame({"x1": x1, "x2": x2, "color": color, "count": count})
    shift = np.where(color == "red", 1.0, np.where(color == "green", -1.0, 0.0))
    if task == "regression":
        df["price"] = 3.0 * x1 - 2.0 * x2 + shift + 0.1 * count + rng.normal(scale=0.3, size=n)
        set_roles(df, {"price": "label"})
    elif task == "binary":
        score = 2.0 * x1 - x2 + 0.5 * shift + rng.normal(scale=0.5, size=n)
        df["income"] = np.where(score > 0, ">50K", "<=50K")
        set_roles(df, {"income": "label"})
    elif task == "multiclass":
        score = x1 + 0.5 * shift + rng.normal(scale=0.3, size=n)
        df["species"] = np.where(score > 0.5, "c", np.where(score > -0.5, "b", "a"))
        set_roles(df, {"species": "label"})
    elif task == "clustering":
        centers = np.asarray([[-3.0, -3.0], [0.0, 3.0], [3.0, -1.0]])
        which = np.arange(n) % 3
        df["x1"] = centers[which, 0] + rng.normal(scale=0.5, size=n)
        df["x2"] = centers[which, 1] + rng.normal(scale=0.5, size=n)
    elif task == "anomaly":
        t = rng.normal(size=n)
        df["x1"] = t + rng.normal(scale=0.05, size=n)
        df["x2"] = 2 * t + rng.normal(scale=0.05, size=n)
        df = df[["x1", "x2", "count"]].astype({"count": np.float64})
    else:
        raise ValueError(f"unknown task {task!r}")
    return df
