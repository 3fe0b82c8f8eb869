"""Cleaning components of the Data Transformation category: Clean Missing Data and Clip Values,
with the reference product's names, parameters, defaults and output column names.

Components that output a fitted transformation compute it first and then apply it to their
own input, so the transformation applied to new data (Apply Transformation, inference
pipelines) gives exactly what the component gave on its training data. Fitted state is plain
Python / numpy / scikit-learn data, so the store can save it with skops.

Apply Math Operation is in :mod:`.math_operations`; Normalize Data and Group Data into Bins in
:mod:`.scaling`.
"""

from __future__ import annotations

import copy
from math import isnan

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.params import Bool, Columns, Float, Int, String
from jupyter_designer.engine.ports import DATASET, TRANSFORMATION, Port
from jupyter_designer.engine.schema import NUMERIC_KINDS, Schema, get_roles, kind_of_dtype, set_roles

from .. import fast_steps as fs
from .common import (ALL_NUMERIC, CATEGORY, Choice, _as_float, _check_numeric, _example_frame,
                     _is_numeric_series, _missing_columns_error, _plain, _resolve, _unique_name,
                     _unplain)


# =========================================================================================
# Clean Missing Data
# =========================================================================================
CUSTOM = "Custom substitution value"
MEAN = "Replace with mean"
MEDIAN = "Replace with median"
MODE = "Replace with mode"
REMOVE_ROW = "Remove entire row"
REMOVE_COLUMN = "Remove entire column"
MICE = "Replace using MICE"
CLEANING_MODES = (CUSTOM, MEAN, MEDIAN, MODE, REMOVE_ROW, REMOVE_COLUMN, MICE)
_REPLACE_MODES = (CUSTOM, MEAN, MEDIAN, MODE, MICE)
_STAT_MODES = (MEAN, MEDIAN, MODE, MICE)
INDICATOR_SUFFIX = "_IsMissing"

_CMD_COLUMNS = Columns(
    "columns_to_be_cleaned", "Columns to be cleaned", port="dataset",
    description="Columns whose missing values are cleaned, all with the same method")
_CMD_PARAMS = [
    _CMD_COLUMNS,
    Float("minimum_missing_value_ratio", "Minimum missing value ratio", default=0.0, min=0.0,
          max=1.0, description="Clean only columns whose ratio of missing values is at least this"),
    Float("maximum_missing_value_ratio", "Maximum missing value ratio", default=1.0, min=0.0,
          max=1.0, description="Clean only columns whose ratio of missing values is at most this"),
    Choice("cleaning_mode", "Cleaning mode", default=CUSTOM, choices=CLEANING_MODES,
           description="How missing values are cleaned"),
    String("replacement_value", "Replacement value", default="0",
           visible_if={"cleaning_mode": [CUSTOM]},
           description="The value that takes the place of missing values (converted to each "
                       "column's type)"),
    Choice("cols_with_all_missing_values", "Cols with all missing values", default="Remove",
           choices=("Propagate", "Remove"), visible_if={"cleaning_mode": list(_STAT_MODES)},
           description="Remove cleaned columns whose values are all missing, or leave them as "
                       "they are"),
    Bool("generate_missing_value_indicator_column", "Generate missing value indicator column",
         default=False, visible_if={"cleaning_mode": list(_REPLACE_MODES)},
         description="Append a boolean '<column>_IsMissing' column per cleaned column"),
    Int("number_of_iterations", "Number of Iterations", default=5, min=1, max=10,
        visible_if={"cleaning_mode": [MICE]},
        description="Number of imputation rounds of MICE"),
]


class CleaningTransformation(Transformation):
    """Clean Missing Data's fitted cleaning: the same substitutions, removals and indicator
    columns on new data.

    The columns to clean (those whose missing-value ratio was within the limits) and every
    replacement value (mean, median, mode, ...) are fixed when fitting, on the training data;
    new data is not re-measured. (The reference product re-evaluates the ratio limits on each
    dataset it is applied to; fixing them makes new data cleaned exactly as training data was.)
    """

    source = "Clean Missing Data"

    def __init__(self, mode: str, columns: list, *, fill: dict | None = None,
                 drop: list | None = None, indicators: list | None = None,
                 imputer=None, imputer_columns: list | None = None,
                 integer_columns: list | None = None):
        self.mode = mode
        self.columns = list(columns)              # cleaned columns (kept in the output)
        self.fill = dict(fill or {})              # column -> plain replacement value
        self.drop = list(drop or [])              # columns removed from the output
        self.indicators = [list(p) for p in (indicators or [])]  # [column, indicator name]
        self.imputer = imputer                    # fitted IterativeImputer (MICE)
        self.imputer_columns = list(imputer_columns or [])
        self.integer_columns = list(integer_columns or [])

    #: columns passed through as they come (see :meth:`for_scoring`)
    label_columns: tuple = ()

    def for_scoring(self, label_columns) -> "CleaningTransformation":
        """This cleaning as an inference pipeline applies it to data to score (a copy): the
        label columns pass through as they come. They may be absent; present, they are not
        cleaned, and a missing label removes no row, so every row is scored as training
        would have scored it. An absent label gets no missing-value indicator."""
        labels = tuple(dict.fromkeys([*self.label_columns, *map(str, label_columns)]))
        t = copy.copy(self)
        t.label_columns = labels
        t.columns = [c for c in self.columns if c not in labels]
        t.fill = {c: v for c, v in self.fill.items() if c not in labels}
        return t

    def settings(self) -> dict:
        """The fitted cleaning as :func:`clean_frame`'s keyword arguments."""
        return {"mode": self.mode, "columns": self.columns, "fill": self.fill, "drop": self.drop,
                "indicators": self.indicators, "imputer": self.imputer,
                "imputer_columns": self.imputer_columns, "integer_columns": self.integer_columns}

    def transform(self, df):
        roles = get_roles(df)
        out = clean_frame(df, **self.settings(), label_columns=self.label_columns)
        set_roles(out, roles, replace=True)
        return out

    def output_schema(self, schema):
        out = schema.drop(self.drop)
        if self.indicators:
            out = out.add(*[(name, "boolean") for _, name in self.indicators])
        return out

    def describe(self) -> dict:
        return {**super().describe(), "mode": self.mode, "columns": self.columns,
                "fill": self.fill, "drop": self.drop,
                "indicators": [name for _, name in self.indicators]}

    def fast_step(self):
        """This cleaning on a scoring request's columns (see :mod:`..fast_steps`), or ``None``
        for MICE and date or time span replacements."""
        if self.mode == MICE or self.imputer is not None:
            return None
        step = CleaningStep(self)
        if any(isinstance(v, (pd.Timestamp, pd.Timedelta)) for v in step.fill.values()):
            return None
        return step


def clean_frame(df: pd.DataFrame, mode: str, columns: list, fill: dict, drop: list,
                indicators: list, imputer, imputer_columns: list, integer_columns: list,
                label_columns=()) -> pd.DataFrame:
    """Clean Missing Data's fitted cleaning (see :func:`fit_cleaning`) applied to ``df``: the
    same substitutions, row removals, dropped columns and indicator columns. The columns of
    ``label_columns`` pass through as they come (data to score may lack them)."""
    labels = tuple(label_columns)
    cleaned = [c for c in columns if c not in labels]
    missing = [c for c in cleaned if c not in df.columns]
    if missing:
        raise _missing_columns_error("Clean Missing Data", missing, df, labels)
    indicator_values = {name: df[col].isna().to_numpy() for col, name in indicators
                        if col in df.columns}
    out = df
    if mode == REMOVE_ROW:
        if cleaned:
            keep = ~df[cleaned].isna().any(axis=1).to_numpy()
            if not keep.all():
                out = df[keep].reset_index(drop=True)
    elif mode == MICE and imputer is not None and imputer_columns:
        absent = [c for c in imputer_columns if c not in df.columns and c not in labels]
        if absent:
            raise _missing_columns_error("Clean Missing Data", absent, df, labels)
        # an absent label enters the imputer as unknown, as a missing value would
        n = len(df)
        x = np.column_stack([_as_float(df[c]) if c in df.columns else np.full(n, np.nan)
                             for c in imputer_columns])
        filled = imputer.transform(x)
        new = {}
        for j, c in enumerate(imputer_columns):
            if c in labels:
                continue
            values = filled[:, j]
            if c in integer_columns:
                values = np.round(values)
            new[c] = _fill_column(df[c], None, values)
        out = out.assign(**new)
    elif fill:
        new = {c: _fill_column(df[c], _unplain(v)) for c, v in fill.items()
               if v is not None and c in df.columns and c not in labels}
        if new:
            out = out.assign(**new)
    if drop:
        out = out.drop(columns=[c for c in drop if c in out.columns])
    if indicator_values:
        out = out.assign(**indicator_values)
    if out is df:
        out = df[list(df.columns)]  # a new frame sharing data (copy-on-write)
    return out


class CleaningStep:
    """:class:`CleaningTransformation`'s fast step: the fitted substitutions, row removals,
    dropped columns and indicator columns on numpy columns and on one row."""

    def __init__(self, tr: CleaningTransformation):
        self.remove_rows = tr.mode == REMOVE_ROW
        self.columns = list(tr.columns)
        self.fill = {c: _unplain(v) for c, v in tr.fill.items() if v is not None}
        self.drop = set(tr.drop)
        self.indicators = [(c, name) for c, name in tr.indicators]

    def __call__(self, t: dict, n: int, known: set):
        for c in self.columns:
            if c not in t:
                raise fs.Fallback("column")
        ind = {name: np.zeros(n, dtype=bool) if c in known else fs.isna(t[c])
               for c, name in self.indicators}
        if self.remove_rows:
            bad = None
            for c in self.columns:
                if c not in known:
                    m = fs.isna(t[c])
                    bad = m if bad is None else bad | m
            if bad is not None and bad.any():
                keep = ~bad
                t = {c: a[keep] for c, a in t.items()}
                ind = {k: v[keep] for k, v in ind.items()}
                n = int(keep.sum())
        elif self.fill:
            t = dict(t)
            for c, v in self.fill.items():
                if c in t and c not in known:
                    t[c] = fs.fill(t[c], v)
        if self.drop:
            t = {c: a for c, a in t.items() if c not in self.drop}
        if ind:
            t = dict(t)
            t.update(ind)
            known.update(ind)
        return t, n

    def row_function(self, kinds: dict):
        if any(c not in kinds for c in self.columns):
            return fs.refuse("column")
        if any(c not in kinds for c, _ in self.indicators):
            return fs.refuse("indicator column")
        indicators, drop = self.indicators, self.drop
        # what can be missing: NaN in a float column, None or a float NaN in an object column
        floats = [c for c in self.columns if kinds[c] == "f"]
        objects = [c for c in self.columns if kinds[c] == "O"]
        fill = {c: (kinds[c], v) for c, v in self.fill.items() if c in kinds}
        remove_rows, missing, strings = self.remove_rows, fs.row_missing, fs.STR_TYPES

        def row(r):
            ind = {name: missing(r[c]) for c, name in indicators}
            if remove_rows:
                if any(map(isnan, [r[c] for c in floats])):
                    raise fs.RowRemoved
                values = [r[c] for c in objects]
                if not set(map(type, values)) <= strings and any(map(missing, values)):
                    raise fs.RowRemoved
            elif fill:
                r = dict(r)
                for c, (kind, v) in fill.items():
                    if missing(r[c]):
                        r[c] = fs.fill_value(kind, v)
            if drop:
                r = {c: v for c, v in r.items() if c not in drop}
            if ind:
                r = dict(r)
                r.update(ind)
            return r
        return row


def _fill_column(series: pd.Series, value, values: np.ndarray | None = None) -> pd.Series:
    """``series`` with missing values replaced by ``value`` (or by ``values`` row-wise)."""
    mask = series.isna()
    if not mask.any():
        return series
    if values is not None:
        if kind_of_dtype(series.dtype) == "integer":
            return series.where(~mask, pd.Series(values, index=series.index).astype(series.dtype))
        return series.where(~mask, pd.Series(values, index=series.index))
    if isinstance(series.dtype, pd.CategoricalDtype) and value not in series.cat.categories:
        series = series.cat.add_categories([value])
    try:
        return series.fillna(value)
    except (TypeError, ValueError):
        # new data of another type than the training data (e.g. integers to fill with 2.5)
        wider = "float64" if _is_numeric_series(series) and isinstance(value, (int, float)) \
            else object
        return series.astype(wider).fillna(value)


def _convert_replacement(text: str, series: pd.Series, column: str, ctx):
    """The custom replacement value converted to the column's type, or a clear error."""
    kind = kind_of_dtype(series.dtype)

    def fail(what):
        return ctx.error(f"the 'Replacement value' {text!r} cannot be stored in column "
                         f"{column!r}, which holds {what}. Enter a value of that type, or clean "
                         f"that column with a separate Clean Missing Data.")

    stripped = str(text).strip()
    if kind == "integer":
        try:
            f = float(stripped)
        except ValueError:
            raise fail("integers") from None
        if not f.is_integer():
            raise fail("integers")
        return int(f)
    if kind == "double":
        try:
            return float(stripped)
        except ValueError:
            raise fail("numbers") from None
    if kind == "boolean":
        low = stripped.lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
        raise fail("booleans (True or False)")
    if kind == "categorical":
        cats = series.cat.categories
        if len(cats) and pd.api.types.is_numeric_dtype(cats.dtype):
            try:
                f = float(stripped)
            except ValueError:
                raise fail("numeric categories") from None
            return int(f) if pd.api.types.is_integer_dtype(cats.dtype) and f.is_integer() else f
        return text
    if kind == "datetime":
        try:
            ts = pd.Timestamp(stripped)
        except (ValueError, TypeError):
            raise fail("dates and times") from None
        tz = getattr(series.dtype, "tz", None)
        if tz is not None and ts.tzinfo is None:
            ts = ts.tz_localize(tz)
        return _plain(ts)
    if kind == "timespan":
        try:
            return _plain(pd.Timedelta(stripped))
        except (ValueError, TypeError):
            raise fail("time spans") from None
    return text


def _fit_cleaning(ctx, df: pd.DataFrame, params: dict) -> CleaningTransformation:
    selected = _resolve(_CMD_COLUMNS, params["columns_to_be_cleaned"], Schema.from_frame(df),
                        ctx.component)
    return CleaningTransformation(**fit_cleaning(ctx, df, selected, params))


def fit_cleaning(ctx, df: pd.DataFrame, selected: list, params: dict) -> dict:
    """Clean Missing Data fitted on ``df`` for the columns ``selected``: which columns are
    cleaned, replaced, removed or get an indicator column, and the replacement values (or the
    MICE imputer), as :func:`clean_frame`'s keyword arguments."""
    lo = params["minimum_missing_value_ratio"]
    hi = params["maximum_missing_value_ratio"]
    if lo > hi:
        raise ctx.error(f"the 'Minimum missing value ratio' ({lo}) is greater than the "
                        f"'Maximum missing value ratio' ({hi}); no column can be cleaned. "
                        f"Lower the minimum or raise the maximum.")
    mode = params["cleaning_mode"]
    n = len(df)
    counts = {c: int(df[c].isna().sum()) for c in selected}
    to_clean = [c for c in selected if lo <= (counts[c] / n if n else 0.0) <= hi]
    skipped = [c for c in selected if c not in to_clean]
    if skipped:
        ctx.log("Not cleaned (missing-value ratio outside the limits): %s", ", ".join(skipped))

    settings = {"mode": mode, "columns": to_clean, "fill": {}, "drop": [], "indicators": [],
                "imputer": None, "imputer_columns": [], "integer_columns": []}
    if mode == REMOVE_ROW:
        return settings
    if mode == REMOVE_COLUMN:
        drop = [c for c in to_clean if counts[c] > 0]
        ctx.log("Removing columns with missing values: %s", ", ".join(drop) or "(none)")
        return {**settings, "columns": [], "drop": drop}

    drop = []
    if mode in _STAT_MODES and params["cols_with_all_missing_values"] == "Remove":
        drop = [c for c in to_clean if n and counts[c] == n]
        to_clean = [c for c in to_clean if c not in drop]
    all_missing = [c for c in to_clean if n and counts[c] == n]
    if mode in (MEAN, MEDIAN, MICE):
        _check_numeric(ctx, df, to_clean, "Columns to be cleaned")

    indicators = []
    if params["generate_missing_value_indicator_column"]:
        taken = [c for c in df.columns if c not in drop]
        for c in to_clean:
            name = _unique_name(f"{c}{INDICATOR_SUFFIX}", taken)
            taken.append(name)
            indicators.append([c, name])

    integer_columns = [c for c in to_clean if kind_of_dtype(df[c].dtype) == "integer"]
    fill: dict = {}
    if mode == CUSTOM:
        for c in to_clean:
            fill[c] = _convert_replacement(params["replacement_value"], df[c], c, ctx)
    elif mode in (MEAN, MEDIAN):
        for c in to_clean:
            if c in all_missing:
                fill[c] = None
                continue
            s = df[c]
            value = float(s.mean()) if mode == MEAN else float(s.median())
            # integer columns keep their type: the statistic is rounded to the nearest integer
            fill[c] = int(round(value)) if c in integer_columns else value
    elif mode == MODE:
        for c in to_clean:
            modes = df[c].mode(dropna=True)
            # ties: the smallest of the most frequent values (as scikit-learn's
            # SimpleImputer(strategy="most_frequent"))
            fill[c] = _plain(modes.iloc[0]) if len(modes) else None
    elif mode == MICE:
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer

        cols = [c for c in to_clean if c not in all_missing]
        imputer = None
        if cols and n:
            x = np.column_stack([_as_float(df[c]) for c in cols])
            imputer = IterativeImputer(max_iter=params["number_of_iterations"], random_state=0)
            import warnings
            from sklearn.exceptions import ConvergenceWarning
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                imputer.fit(x)
        return {**settings, "columns": to_clean, "drop": drop, "indicators": indicators,
                "imputer": imputer, "imputer_columns": cols, "integer_columns": integer_columns}
    return {**settings, "columns": to_clean, "fill": fill, "drop": drop, "indicators": indicators}


def _clean_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    cols = _resolve(_CMD_COLUMNS, params["columns_to_be_cleaned"], schema, "Clean Missing Data")
    mode = params["cleaning_mode"]
    out = {"cleaning_transformation": None}
    if mode == REMOVE_COLUMN:
        out["cleaned_dataset"] = schema if not cols else None  # depends on the data
        return out
    if mode == REMOVE_ROW:
        out["cleaned_dataset"] = schema
        return out
    if params["generate_missing_value_indicator_column"]:
        if params["minimum_missing_value_ratio"] > 0 or params["maximum_missing_value_ratio"] < 1:
            out["cleaned_dataset"] = None  # which columns qualify depends on the data
            return out
        taken = list(schema.names)
        new = []
        for c in cols:
            name = _unique_name(f"{c}{INDICATOR_SUFFIX}", taken)
            taken.append(name)
            new.append((name, "boolean"))
        schema = schema.add(*new)
    # Columns whose values are all missing are removed in the mean/median/mode modes; that
    # depends on the data, so the design-time schema assumes there are none.
    out["cleaned_dataset"] = schema
    return out


def _clean_check(inputs, params, upstream):
    """Mean, median and MICE need numeric columns: known from the schema before a run."""
    schema = inputs.get("dataset")
    mode = params.get("cleaning_mode")
    if schema is None or mode not in (MEAN, MEDIAN, MICE) \
            or params.get("minimum_missing_value_ratio", 0.0) > 0:  # which are cleaned: data
        return []
    cols = _resolve(_CMD_COLUMNS, params["columns_to_be_cleaned"], schema, "Clean Missing Data")
    bad = [c for c in cols if schema.kind(c) not in NUMERIC_KINDS]
    if not bad:
        return []
    kinds = ", ".join(f"{c!r} ({schema.kind(c)})" for c in bad)
    return [("columns_to_be_cleaned",
             f"The 'Cleaning mode' {mode!r} applies to numeric columns only, but the 'Columns to "
             f"be cleaned' parameter selects non-numeric column(s) {kinds}. Exclude them from "
             f"the selection (e.g. a rule excluding column type String), or clean them in "
             f"another Clean Missing Data with 'Replace with mode' or 'Custom substitution "
             f"value'.")]


@component(
    "Clean Missing Data", category=CATEGORY, subcategory="Manipulation",
    inputs=[Port("dataset", DATASET, "Dataset", description="Dataset to be cleaned")],
    outputs=[Port("cleaned_dataset", DATASET, "Cleaned dataset"),
             Port("cleaning_transformation", TRANSFORMATION, "Cleaning transformation",
                  description="Transformation to pass to Apply Transformation to clean new data")],
    params=_CMD_PARAMS, schema=_clean_schema,
    transformation_output="cleaning_transformation", extra={"design_check": _clean_check},
)
def clean_missing_data(ctx, inputs, params):
    """Specifies how to handle the values missing from a dataset.

    Replace missing values with a custom value, the column mean, median or mode (or impute
    them with MICE), or remove the rows or columns that have them. Only columns whose ratio of
    missing values lies within the minimum and maximum ratios are cleaned. Mean and median
    replace missing values of integer columns with the statistic rounded to an integer, so
    column types never change; the mode breaks ties by taking the smallest value.
    """
    df = inputs["dataset"]
    transformation = _fit_cleaning(ctx, df, params)
    cleaned = transformation.transform(df)
    ctx.log("Cleaned %d column(s) with '%s'; %d -> %d rows", len(transformation.columns),
            transformation.mode, len(df), len(cleaned))
    return {"cleaned_dataset": cleaned, "cleaning_transformation": transformation}


# =========================================================================================
# Clip Values
# =========================================================================================
CLIP_PEAKS = "ClipPeaks"
CLIP_SUBPEAKS = "ClipSubpeaks"
CLIP_BOTH = "ClipPeaksAndSubpeaks"
_UPPER = [CLIP_PEAKS, CLIP_BOTH]
_LOWER = [CLIP_SUBPEAKS, CLIP_BOTH]
SUBSTITUTES = ("Threshold", "Mean", "Median", "Missing")

_CLIP_COLUMNS = Columns("list_of_columns", "List of columns", default=ALL_NUMERIC, port="dataset",
                        description="Numeric columns to clip (all numeric columns by default)")
_CLIP_PARAMS = [
    Choice("set_of_thresholds", "Set of thresholds", default=CLIP_PEAKS,
           choices=(CLIP_PEAKS, CLIP_SUBPEAKS, CLIP_BOTH),
           description="Clip values above an upper threshold (peaks), below a lower threshold "
                       "(subpeaks), or both"),
    Choice("threshold", "Threshold", default="Constant", choices=("Constant", "Percentile"),
           description="Whether the thresholds are constants or percentiles of each column"),
    Float("constant_value_for_upper_threshold", "Constant value for upper threshold",
          default=99.0, visible_if={"set_of_thresholds": _UPPER, "threshold": ["Constant"]}),
    Float("percentile_value_for_upper_threshold", "Percentile value for upper threshold",
          default=99.0, min=0.0, max=100.0,
          visible_if={"set_of_thresholds": _UPPER, "threshold": ["Percentile"]}),
    Float("constant_value_for_lower_threshold", "Constant value for lower threshold",
          default=1.0, visible_if={"set_of_thresholds": _LOWER, "threshold": ["Constant"]}),
    Float("percentile_value_for_lower_threshold", "Percentile value for lower threshold",
          default=1.0, min=0.0, max=100.0,
          visible_if={"set_of_thresholds": _LOWER, "threshold": ["Percentile"]}),
    Choice("substitute_value_for_peaks", "Substitute value for peaks", default="Threshold",
           choices=SUBSTITUTES, aliases={"Missing Value": "Missing"},
           visible_if={"set_of_thresholds": _UPPER},
           description="What replaces values above the upper threshold"),
    Choice("substitute_value_for_subpeaks", "Substitute value for subpeaks", default="Threshold",
           choices=SUBSTITUTES, aliases={"Missing Value": "Missing"},
           visible_if={"set_of_thresholds": _LOWER},
           description="What replaces values below the lower threshold"),
    _CLIP_COLUMNS,
    Bool("overwrite_flag", "Overwrite flag", default=True,
         description="Replace the columns in place; when off, append '<column>_clipped_value'"),
    Bool("add_indicator_columns", "Add indicator columns", default=False,
         description="Add a boolean '<column>_clipped' column telling which values were clipped"),
]


def _clip_layout(schema_names: list, cols: list, overwrite: bool, indicators: bool):
    """Output column order: clipped copies and indicators right after their source column."""
    order = []
    for name in schema_names:
        order.append(name)
        if name in cols:
            if not overwrite:
                order.append(f"{name}_clipped_value")
            if indicators:
                order.append(f"{name}_clipped")
    return order


def _clip_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    cols = _resolve(_CLIP_COLUMNS, params["list_of_columns"], schema, "Clip Values")
    by = {c.name: c for c in schema.columns}
    out = []
    for name in _clip_layout(schema.names, cols, params["overwrite_flag"],
                             params["add_indicator_columns"]):
        if name in by and name not in cols:
            out.append(by[name])
        elif name in cols:
            out.append((name, "double", by[name].role) if params["overwrite_flag"] else by[name])
        elif name.endswith("_clipped_value"):
            out.append((name, "double"))
        else:
            out.append((name, "boolean"))
    return {"result_dataset": Schema.of(out)}


def clip_frame(ctx, df: pd.DataFrame, cols: list, params: dict) -> pd.DataFrame:
    """Clip Values on the columns ``cols`` of ``df`` with the component's ``params``."""
    mode = params["set_of_thresholds"]
    percentile = params["threshold"] == "Percentile"
    overwrite = params["overwrite_flag"]
    indicators = params["add_indicator_columns"]

    def substitute(choice, threshold, x):
        if choice == "Threshold":
            return threshold
        if choice == "Missing":
            return np.nan
        if np.isnan(x).all():
            return np.nan
        return float(np.nanmean(x)) if choice == "Mean" else float(np.nanmedian(x))

    new_columns = {}
    for c in cols:
        x = _as_float(df[c])
        has_values = not np.isnan(x).all()
        result = x.copy()
        clipped = np.zeros(len(x), dtype=bool)
        upper_mask = np.zeros(len(x), dtype=bool)
        if mode in _UPPER:
            up = (float(np.nanpercentile(x, params["percentile_value_for_upper_threshold"]))
                  if has_values else np.nan) if percentile else \
                params["constant_value_for_upper_threshold"]
            with np.errstate(invalid="ignore"):
                upper_mask = x > up
            result[upper_mask] = substitute(params["substitute_value_for_peaks"], up, x)
            clipped |= upper_mask
        if mode in _LOWER:
            low = (float(np.nanpercentile(x, params["percentile_value_for_lower_threshold"]))
                   if has_values else np.nan) if percentile else \
                params["constant_value_for_lower_threshold"]
            with np.errstate(invalid="ignore"):
                lower_mask = (x < low) & ~upper_mask
            result[lower_mask] = substitute(params["substitute_value_for_subpeaks"], low, x)
            clipped |= lower_mask
        ctx.log("Column %r: %d value(s) clipped", c, int(clipped.sum()))
        new_columns[c if overwrite else f"{c}_clipped_value"] = result
        if indicators:
            new_columns[f"{c}_clipped"] = clipped

    data = {}
    for name in _clip_layout(list(df.columns), cols, overwrite, indicators):
        data[name] = new_columns[name] if name in new_columns else df[name]
    out = pd.DataFrame(data, index=df.index)
    return out


@component(
    "Clip Values", category=CATEGORY, subcategory="Scale and Reduce",
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("result_dataset", DATASET, "Result dataset")],
    params=_CLIP_PARAMS, schema=_clip_schema,
)
def clip_values(ctx, inputs, params):
    """Detects outliers and clips or replaces their values.

    Values above the upper threshold (peaks) or below the lower threshold (subpeaks) are
    replaced by the threshold, the column mean or median (computed before clipping) or a
    missing value; values equal to a threshold are kept. Percentile thresholds use linear
    interpolation (as numpy.percentile). Clipped columns are doubles.
    """
    df = inputs["dataset"]
    cols = _resolve(_CLIP_COLUMNS, params["list_of_columns"], Schema.from_frame(df), ctx.component)
    _check_numeric(ctx, df, cols, "List of columns")
    out = clip_frame(ctx, df, cols, params)
    set_roles(out, get_roles(df))
    return {"result_dataset": out}



# Normalize and binning transformations stored before they moved to .scaling name this module.
from .scaling import BinningTransformation, NormalizeTransformation  # noqa: E402,F401


# =========================================================================================
# Examples run by the component contract tests
# =========================================================================================
EXAMPLES = {
    "clean_missing_data": lambda: (
        {"dataset": _example_frame()},
        {"columns_to_be_cleaned": ["age", "income"], "cleaning_mode": MEAN,
         "generate_missing_value_indicator_column": True}),
    "clip_values": lambda: (
        {"dataset": _example_frame()},
        {"set_of_thresholds": CLIP_BOTH, "threshold": "Percentile",
         "percentile_value_for_upper_threshold": 90, "percentile_value_for_lower_threshold": 10,
         "list_of_columns": ["income", "visits"], "overwrite_flag": False,
         "add_indicator_columns": True}),
}
