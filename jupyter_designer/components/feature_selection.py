"""Feature Selection components: Filter Based Feature Selection and Permutation Feature
Importance.

Filter Based Feature Selection scores every candidate column against the target column
and keeps the best ones. Scores (larger = more predictive) follow these definitions,
computed on the rows where both the feature and the target are present (booleans count as
0/1; a feature with no usable value scores 0):

* Pearson Correlation: ``|r|`` (scikit-learn's ``r_regression``) for a numeric target. For a
  target with classes (text, categorical) the reference's rule: correlate the feature with
  its conditional mean per class (the correlation ratio).
* Kendall Correlation, Spearman Correlation: ``|tau|`` and ``|rho|`` (``scipy.stats``);
  a target with classes is ranked by its sorted class values.
* Mutual Information: scikit-learn's ``mutual_info_classif`` (target with classes) or
  ``mutual_info_regression`` (continuous target), text/categorical/boolean features as
  discrete, ``random_state=0``.
* Chi Squared: the two-way chi-squared statistic of the feature/target contingency table
  (``scipy.stats.chi2_contingency(..., correction=False)``); numeric columns with more than
  10 distinct values are first put into 10 equal-frequency bins. For a one-hot coded
  feature this equals the sum of scikit-learn's ``chi2`` over its indicator columns.
* Fisher Score: between-class over within-class variance,
  ``sum_k n_k (mean_k - mean)^2 / sum_k n_k var_k``; needs a target with classes.
* Count Based: the number of values that are neither missing nor zero (nor empty text);
  the target column is not used.

Pearson, Kendall, Spearman and Fisher need numeric (or boolean) features: any other column
scores 0 and is named in the node log. Mutual information and chi squared take any column.

A target "has classes" unless it is a floating point column with more than 20 distinct
values or with non-integral values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import ComponentError, DesignerError
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.params import Bool, Columns, Enum, Int
from jupyter_designer.engine.ports import DATASET, TRAINED_MODEL, TRANSFORMATION, Port
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

from . import fast_steps as fs

CATEGORY = "Feature Selection"

SCORING_METHODS = ("Pearson Correlation", "Mutual Information", "Kendall Correlation",
                   "Spearman Correlation", "Chi Squared", "Fisher Score", "Count Based")
_NEEDS_TARGET = tuple(m for m in SCORING_METHODS if m != "Count Based")
_NUMERIC_ONLY = ("Pearson Correlation", "Kendall Correlation", "Spearman Correlation",
                 "Fisher Score")
_CHI2_BINS = 10


# -- column helpers -------------------------------------------------------------------
def _is_numeric(series) -> bool:
    dtype = series.dtype
    return (pdt.is_numeric_dtype(dtype) or pdt.is_bool_dtype(dtype)) and \
        not isinstance(dtype, pd.CategoricalDtype)


def _float_values(series) -> np.ndarray:
    """A numeric/boolean column as float64 with NaN for missing values."""
    return series.astype("float64").to_numpy(dtype="float64", na_value=np.nan)


def _codes(series) -> np.ndarray:
    """Any column as integer codes of its sorted distinct values (-1 = missing)."""
    values = series.astype("object") if isinstance(series.dtype, pd.CategoricalDtype) else series
    codes, _ = pd.factorize(values, sort=True, use_na_sentinel=True)
    return codes


def has_classes(series) -> bool:
    """Whether a target column is a class label (else a continuous value)."""
    if not pdt.is_float_dtype(series.dtype):
        return True
    values = series.dropna().to_numpy(dtype="float64")
    if len(values) == 0:
        return True
    return bool(np.all(values == np.round(values))) and len(np.unique(values)) <= 20


def _binned(series, bins: int = _CHI2_BINS) -> np.ndarray:
    """Codes for the chi-squared table: numeric columns with many values in quantile bins."""
    if _is_numeric(series) and series.nunique(dropna=True) > bins:
        b = pd.qcut(series.astype("float64"), q=bins, labels=False, duplicates="drop")
        return b.fillna(-1).to_numpy(dtype="int64")
    return _codes(series)


# -- scores of one feature against the target -----------------------------------------
def _pearson(x, y, y_classes):
    if y_classes is not None:  # correlate with the feature's conditional mean per class
        means = np.zeros(y_classes.max() + 1)
        for k in range(len(means)):
            sel = y_classes == k
            means[k] = x[sel].mean() if sel.any() else 0.0
        y = means[y_classes]
    if np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    return abs(float(np.corrcoef(x, y)[0, 1]))


def _rank_corr(fn, x, y):
    if np.all(x == x[0]) or np.all(y == y[0]):
        return 0.0
    stat = fn(x, y).statistic
    return 0.0 if not np.isfinite(stat) else abs(float(stat))


def _fisher(x, y_classes):
    mean = x.mean()
    between = within = 0.0
    for k in np.unique(y_classes):
        xk = x[y_classes == k]
        between += len(xk) * (xk.mean() - mean) ** 2
        within += len(xk) * xk.var()
    if within == 0:
        return 0.0 if between == 0 else float("inf")
    return float(between / within)


def _chi2(xc, yc):
    from scipy.stats.contingency import crosstab

    if len(np.unique(xc)) < 2 or len(np.unique(yc)) < 2:
        return 0.0
    table = crosstab(xc, yc).count
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    return float(((table - expected) ** 2 / expected).sum())


def _count_based(series) -> float:
    present = series.notna()
    if pdt.is_string_dtype(series.dtype) or pdt.is_object_dtype(series.dtype):
        present &= series.astype("string").str.len().fillna(0) > 0
    else:
        with np.errstate(invalid="ignore"):
            present &= series.astype("object") != 0
    return float(present.sum())


def score_features(df, features: list[str], target: str | None, method: str,
                   component: str = "Filter Based Feature Selection", log=None) -> dict:
    """Scores of ``features`` against ``target`` by ``method`` ({column: float}, input order)."""
    from scipy import stats

    if method == "Count Based":
        return {f: _count_based(df[f]) for f in features}
    ycol = df[target]
    if ycol.isna().all():
        raise ComponentError(f"{component}: the target column {target!r} has only missing "
                             "values; choose a column holding the label.")
    classes = has_classes(ycol)
    if method == "Fisher Score" and not classes:
        raise ComponentError(
            f"{component}: Fisher Score needs a target column with classes, but {target!r} "
            "holds continuous values. Choose another scoring method (e.g. Pearson "
            "Correlation), or make it categorical with Edit Metadata / Group Data into Bins.")
    y_numeric = _is_numeric(ycol)
    scores, unsupported = {}, []
    if method == "Mutual Information":
        return _mutual_information(df, features, ycol, classes)
    for f in features:
        col = df[f]
        if method in _NUMERIC_ONLY and not _is_numeric(col):
            unsupported.append(f)
            scores[f] = 0.0
            continue
        if method == "Chi Squared":
            xc, yc = _binned(col), _binned(ycol)
            ok = (xc >= 0) & (yc >= 0)
            scores[f] = _chi2(xc[ok], yc[ok])
            continue
        x = _float_values(col)
        if method == "Pearson Correlation" and not y_numeric:
            yk = _codes(ycol)
            ok = ~np.isnan(x) & (yk >= 0)
            scores[f] = _pearson(x[ok], None, yk[ok]) if ok.sum() > 1 else 0.0
            continue
        y = _float_values(ycol) if y_numeric else _codes(ycol).astype("float64")
        if not y_numeric:
            y[y < 0] = np.nan
        ok = ~np.isnan(x) & ~np.isnan(y)
        x, y = x[ok], y[ok]
        if len(x) < 2:
            scores[f] = 0.0
        elif method == "Pearson Correlation":
            scores[f] = _pearson(x, y, None)
        elif method == "Kendall Correlation":
            scores[f] = _rank_corr(stats.kendalltau, x, y)
        elif method == "Spearman Correlation":
            scores[f] = _rank_corr(stats.spearmanr, x, y)
        elif method == "Fisher Score":
            scores[f] = _fisher(x, _codes(ycol)[ok])
    if unsupported and log is not None:
        log(f"{method} needs numeric features; these columns scored 0: "
            + ", ".join(repr(u) for u in unsupported))
    return scores


def _mutual_information(df, features, ycol, classes) -> dict:
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    scores = {}
    for f in features:  # one column at a time: missing values are dropped per pair
        col = df[f]
        discrete = not _is_numeric(col) or str(col.dtype) in ("bool", "boolean")
        x = _codes(col).astype("float64") if not _is_numeric(col) else _float_values(col)
        if not _is_numeric(col):
            x[x < 0] = np.nan
        if classes:
            y = _codes(ycol)
            ok = ~np.isnan(x) & (y >= 0)
        else:
            y = _float_values(ycol)
            ok = ~np.isnan(x) & ~np.isnan(y)
        if ok.sum() < 4 or np.all(x[ok] == x[ok][0]):
            scores[f] = 0.0
            continue
        fn = mutual_info_classif if classes else mutual_info_regression
        scores[f] = float(fn(x[ok].reshape(-1, 1), y[ok], discrete_features=[discrete],
                             n_neighbors=3, random_state=0)[0])
    return scores


def select_features(df, candidates: list, target, method: str, n: int,
                    component: str = "Filter Based Feature Selection", log=None):
    """The target and the ``n`` best of ``candidates`` by ``method`` (best first), the scores
    of every candidate as one row (best first), and the chosen features' names."""
    scores = score_features(df, candidates, target, method, component, log=log)
    scores = {k: (0.0 if v is None or np.isnan(v) else float(v)) for k, v in scores.items()}
    ranked = sorted(candidates, key=lambda c: -scores[c])  # stable: ties keep dataset order
    chosen = ranked[:n]
    keep = ([target] if target is not None else []) + chosen
    features = pd.DataFrame({c: [scores[c]] for c in ranked}, columns=ranked).astype("float64")
    return df[keep], features, chosen


# -- the component ------------------------------------------------------------------------
class FeatureSelectionTransformation(Transformation):
    """Keeps the columns Filter Based Feature Selection chose (the target when present)."""

    source = "Filter Based Feature Selection"

    def __init__(self, columns: list, target: str | None = None):
        self.columns = [str(c) for c in columns]
        self.target = target

    def _kept(self, names) -> list:
        missing = [c for c in self.columns if c not in names and c != self.target]
        if missing:
            raise ComponentError(
                f"{self.source}: the data lacks the selected feature column(s) "
                f"{', '.join(repr(m) for m in missing)}; it must have the columns the "
                "selection was trained on.")
        return [c for c in self.columns if c in names]

    def transform(self, df):
        out = df[self._kept(set(df.columns))]
        set_roles(out, get_roles(df))
        return out

    def output_schema(self, schema):
        return schema.select(self._kept(set(schema.names)))

    def describe(self) -> dict:
        return {**super().describe(), "columns": list(self.columns), "target": self.target}

    def fast_step(self):
        """The chosen columns on a scoring request's columns (see :mod:`.fast_steps`)."""
        return fs.KeepColumns(self.columns, self.target)


def _candidates(schema: Schema, target: str | None, feature_columns_only: bool) -> list[str]:
    out = []
    for c in schema.columns:
        if c.name == target:
            continue
        if feature_columns_only and c.role in ("label", "score"):
            continue
        out.append(c.name)
    return out


def _fbfs_target(params, schema: Schema, component: str) -> str | None:
    """The target column's name; ``None`` for Count Based without a (valid) target."""
    method = params["feature_scoring_method"]
    value = params.get("target_column")
    if value is None:
        if method in _NEEDS_TARGET:
            raise ComponentError(f"{component}: {method} needs a 'Target column' (the label "
                                 "the features are scored against). Choose one.")
        return None
    spec = Columns("target_column", "Target column", single=True)
    if method in _NEEDS_TARGET:
        return spec.resolve(value, schema, component)[0]  # names a missing column
    try:
        return spec.resolve(value, schema, component)[0]
    except DesignerError:  # Count Based does not use the target: keep it only if present
        return None


def _fbfs_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    target = _fbfs_target(params, schema, "Filter Based Feature Selection")
    cands = _candidates(schema, target, params["operate_on_feature_columns_only"])
    if not cands:
        raise ValueError("no candidate feature columns")
    # Which columns win depends on the data, so the output columns are known only at run time.
    return {"filtered_dataset": None, "features": None, "feature_selection_transformation": None}


@component(
    "Filter Based Feature Selection", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("filtered_dataset", DATASET, "Filtered dataset",
                  description="The target column and the best feature columns, best first"),
             Port("features", DATASET, "Features",
                  description="One row: the score of every candidate feature, best first"),
             Port("feature_selection_transformation", TRANSFORMATION,
                  "Feature selection transformation",
                  description="Selects the same columns on new data (used by inference "
                              "pipelines in place of this component)")],
    params=[Enum("feature_scoring_method", "Feature scoring method", default="Pearson Correlation",
                 choices=SCORING_METHODS,
                 description="The statistic scoring each feature against the target"),
            Bool("operate_on_feature_columns_only", "Operate on feature columns only", default=True,
                 description="Score only feature columns (not label or score columns); "
                             "unchecked, every column but the target is scored"),
            Columns("target_column", "Target column", single=True, port="dataset", required=False,
                    description="The label column (not used by Count Based)"),
            Int("number_of_desired_features", "Number of desired features", default=1, min=1,
                description="How many of the best features to keep")],
    schema=_fbfs_schema,
    transformation_output="feature_selection_transformation",
)
def filter_based_feature_selection(ctx, inputs, params):
    """Identifies the features in a dataset with the greatest predictive power."""
    df = inputs["dataset"]
    schema = Schema.from_frame(df)
    method = params["feature_scoring_method"]
    target = _fbfs_target(params, schema, ctx.component)
    candidates = _candidates(schema, target, params["operate_on_feature_columns_only"])
    if not candidates:
        raise ctx.error("the dataset has no feature columns to score besides the target "
                        f"{target!r}. Connect a dataset with feature columns, or uncheck "
                        "'Operate on feature columns only' if they are marked as label or score.")
    if len(df) == 0:
        raise ctx.error("the dataset has no rows; feature scores need data.")
    filtered, features, chosen = select_features(df, candidates, target, method,
                                                 params["number_of_desired_features"],
                                                 ctx.component, log=ctx.warn)
    keep = list(filtered.columns)
    set_roles(filtered, get_roles(df))
    ctx.log(f"{method}: kept {len(chosen)} of {len(candidates)} features: {', '.join(chosen)}")
    return {"filtered_dataset": filtered, "features": features,
            "feature_selection_transformation": FeatureSelectionTransformation(keep, target)}


# -- Permutation Feature Importance ----------------------------------------------------------
CLASSIFICATION_PFI_METRICS = ("Accuracy", "Precision", "Recall")
REGRESSION_PFI_METRICS = ("Mean Absolute Error", "Root Mean Squared Error",
                          "Relative Absolute Error", "Relative Squared Error",
                          "Coefficient of Determination")


class PerformanceScorer:
    """``scorer(model, X, y)``: the model's performance on ``X`` (larger is better: errors
    are negated), as scikit-learn's ``permutation_importance`` expects.

    Precision and recall are those of the positive (second sorted) class for a two-class
    model and macro-averaged for a multiclass one, as Evaluate Model reports them.
    """

    def __init__(self, metric: str, task: str, classes=None,
                 component: str = "Permutation Feature Importance"):
        self.metric = metric
        self.task = task
        self.classes = list(classes) if classes is not None else None
        self.component = component

    def __call__(self, model, X, y) -> float:
        from . import ml

        model = getattr(model, "model", model)
        pred = ml.score_frame(model, X, append=False, component=self.component)
        return performance(self.metric, self.task, self.classes, y,
                           pred[ml.SCORED_LABELS].to_numpy())


def performance(m: str, task: str, classes, y, pred) -> float:
    """The metric ``m`` of predictions ``pred`` of labels ``y`` (larger is better: errors
    negated)."""
    from sklearn import metrics as skm

    y = np.asarray(y)
    if m == "Accuracy":
        return float(skm.accuracy_score(y, pred))
    if m in ("Precision", "Recall"):
        fn = skm.precision_score if m == "Precision" else skm.recall_score
        if task == "binary":
            return float(fn(y, pred, pos_label=classes[-1], average="binary", zero_division=0))
        return float(fn(y, pred, average="macro", zero_division=0))
    y = y.astype("float64")
    pred = pred.astype("float64")
    err = y - pred
    dev = y - y.mean()
    if m == "Mean Absolute Error":
        return -float(np.abs(err).mean())
    if m == "Root Mean Squared Error":
        return -float(np.sqrt((err ** 2).mean()))
    if m == "Relative Absolute Error":
        return -float(np.abs(err).sum() / np.abs(dev).sum())
    if m == "Relative Squared Error":
        return -float((err ** 2).sum() / (dev ** 2).sum())
    return 1.0 - float((err ** 2).sum() / (dev ** 2).sum())  # Coefficient of Determination


class _FittedModel:
    """A trained model seen as a fitted scikit-learn estimator by permutation_importance."""

    def __init__(self, model):
        self.model = model

    def fit(self, X, y=None):  # already fitted: permutation_importance only checks it exists
        return self


def _pfi_schema(inputs, params):
    return {"feature_importance": Schema.of([("Feature", "string"), ("Score", "double")])}


@component(
    "Permutation Feature Importance", category=CATEGORY,
    inputs=[Port("trained_model", TRAINED_MODEL, "Trained model"),
            Port("test_data", DATASET, "Test data",
                 description="Labeled data, preferably not the training data")],
    outputs=[Port("feature_importance", DATASET, "Feature importance",
                  description="Each feature and the drop in performance when its values are "
                              "shuffled, largest first")],
    params=[Int("random_seed", "Random seed", default=0, min=0,
                description="Seeds the shuffling of the feature values"),
            Enum("metric_for_measuring_performance", "Metric for measuring performance",
                 default="Accuracy", choices=CLASSIFICATION_PFI_METRICS + REGRESSION_PFI_METRICS,
                 description="Accuracy, Precision, Recall for classification models; the error "
                             "metrics and Coefficient of Determination for regression models"),
            Int("number_of_repeats", "Number of repeats", default=1, min=1,
                description="How many times each feature is shuffled; the score is the mean "
                            "change over the repeats")],
    schema=_pfi_schema,
    training_only=True,
)
def permutation_feature_importance(ctx, inputs, params):
    """Computes permutation feature importance scores given a trained model and a test dataset.

    The scores follow ``sklearn.inspection.permutation_importance`` with ``random_state`` set
    to the random seed and ``n_repeats`` to the number of repeats: each feature column is
    shuffled in turn and the score is the baseline performance minus the performance after
    shuffling (for error metrics: the error after minus the error before).
    """
    from sklearn.inspection import permutation_importance

    from . import ml

    model = inputs["trained_model"]
    df = inputs["test_data"]
    ml._check_scoring_input(model, df, ctx.component)
    metric = params["metric_for_measuring_performance"]
    if model.task in ("binary", "multiclass"):
        allowed = CLASSIFICATION_PFI_METRICS
    elif model.task == "regression" and not model.info.get("quantiles"):
        allowed = REGRESSION_PFI_METRICS
    else:
        raise ctx.error(f"works with classification and regression models; the connected model "
                        f"({model.learner or 'trained model'}) is a "
                        f"{'quantile regression' if model.info.get('quantiles') else model.task} "
                        "model.")
    if metric not in allowed:
        kind = "classification" if allowed is CLASSIFICATION_PFI_METRICS else "regression"
        raise ctx.error(f"the 'Metric for measuring performance' {metric!r} does not apply to a "
                        f"{kind} model ({model.learner or 'trained model'}). Choose one of "
                        f"{', '.join(allowed)}.")
    label = model.label_column
    if not label or label not in df.columns:
        raise ctx.error(f"the test data has no label column {label!r}, which the model was "
                        "trained to predict; performance cannot be measured without it.")
    keep = df[label].notna()
    if not keep.all():
        ctx.warn(f"{int((~keep).sum())} row(s) without a label are left out.")
        df = df[keep]
    if len(df) == 0:
        raise ctx.error("the test data has no rows with a label.")
    X = df[list(model.feature_columns)]
    scorer = PerformanceScorer(metric, model.task, model.classes, ctx.component)
    with ctx.parallel():
        result = permutation_importance(_FittedModel(model), X, df[label].to_numpy(),
                                        scoring=scorer,
                                        n_repeats=params["number_of_repeats"],
                                        n_jobs=ctx.n_jobs(), random_state=params["random_seed"])
    scores = result.importances_mean.astype("float64")
    order = np.argsort(-scores, kind="stable")
    table = pd.DataFrame({"Feature": pd.array([str(X.columns[i]) for i in order], dtype="str"),
                          "Score": scores[order]})
    ctx.log(f"Baseline {metric}: {abs(scorer(model, X, df[label].to_numpy())):.6g}")
    return {"feature_importance": table}


# -- examples -----------------------------------------------------------------------------------
def _example_frame(n: int = 60):
    rng = np.random.RandomState(0)
    x1, x2, noise = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green"], size=n)
    y = 3 * x1 - x2 + (color == "red") + 0.1 * rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "noise": noise, "color": color, "y": y})


def _example_model():
    from jupyter_designer.engine.component import REGISTRY, RunContext

    from . import ml

    spec = REGISTRY.get("Linear Regression")
    untrained = spec.run(RunContext(spec), {}, spec.resolve_params({}))["untrained_model"]
    return ml.fit_model(untrained, _example_frame(), "y")


EXAMPLES = {
    "filter_based_feature_selection": lambda: (
        {"dataset": _example_frame()},
        {"feature_scoring_method": "Spearman Correlation", "target_column": "y",
         "number_of_desired_features": 2}),
    "permutation_feature_importance": lambda: (
        {"trained_model": _example_model(), "test_data": _example_frame()},
        {"metric_for_measuring_performance": "Coefficient of Determination", "random_seed": 3,
         "number_of_repeats": 2}),
}
