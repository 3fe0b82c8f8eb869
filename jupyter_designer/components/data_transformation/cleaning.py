"""Cleaning, scaling and binning components of the Data Transformation category.

Clean Missing Data, Clip Values, Apply Math Operation, Normalize Data and Group Data into
Bins, with the reference product's names, parameters, defaults and output column names.

Components that output a fitted transformation compute it first and then apply it to their
own input, so the transformation applied to new data (Apply Transformation, inference
pipelines) gives exactly what the component gave on its training data. Fitted state is plain
Python / numpy / scikit-learn data, so the store can save it with skops.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.params import Bool, Columns, Enum, Float, Int, String
from jupyter_designer.engine.ports import DATASET, TRANSFORMATION, Port
from jupyter_designer.engine.schema import NUMERIC_KINDS, Schema, get_roles, kind_of_dtype, set_roles

CATEGORY = "Data Transformation"

#: Column selection picking every numeric column (the reference default of several components).
ALL_NUMERIC = {"begin_with": "none",
               "rules": [{"action": "include", "by": "type", "values": ["Numeric"]}]}


# -- shared helpers ----------------------------------------------------------------------
@dataclass
class Choice(Enum):
    """An Enum that also accepts alternative spellings of its choices.

    ``aliases`` maps another spelling (matched case-insensitively) to a choice; a bool is
    accepted for "True"/"False" choices (the reference product's True/False drop-downs).
    """

    aliases: dict = field(default_factory=dict)

    def coerce(self, value):
        if isinstance(value, bool) and "True" in self.choices and "False" in self.choices:
            return "True" if value else "False"
        if isinstance(value, str):
            key = value.strip().lower()
            for alias, choice in self.aliases.items():
                if alias.lower() == key:
                    return choice
        return super().coerce(value)


def _resolve(param: Columns, value, schema: Schema, component_name: str) -> list[str]:
    return param.resolve(value, schema, component_name)


def _unique_name(base: str, taken, *, style: str = "paren-space", start: int = 1) -> str:
    """``base`` or, if taken, a numbered variant in one of the reference's numbering styles."""
    taken = set(taken)
    if base not in taken:
        return base
    i = start
    while True:
        if style == "paren-space":      # Clean Missing Data: "x_IsMissing (1)"
            name = f"{base} ({i})"
        elif style == "paren":          # Apply Math Operation: "Abs(x)(2)"
            name = f"{base}({i})"
        else:                           # Group Data into Bins: "x_quantized_2"
            name = f"{base}_{i}"
        if name not in taken:
            return name
        i += 1


def _plain(value):
    """A scalar as plain Python data (what a Transformation may hold)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return {"$datetime": value.isoformat()}
    if isinstance(value, pd.Timedelta):
        return {"$timedelta": int(value.value)}
    if isinstance(value, np.datetime64):
        return {"$datetime": pd.Timestamp(value).isoformat()}
    if isinstance(value, np.timedelta64):
        return {"$timedelta": int(pd.Timedelta(value).value)}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _unplain(value):
    if isinstance(value, dict):
        if "$datetime" in value:
            return pd.Timestamp(value["$datetime"])
        if "$timedelta" in value:
            return pd.Timedelta(value["$timedelta"], unit="ns")
    return value


def _missing_columns_error(source: str, missing: list[str], df, label_columns=()) -> ComponentError:
    todo = "Apply the transformation to data with the same columns as the training data"
    if label_columns:
        todo = ("Score data with the columns of the training data (only the label column"
                f"{'s' if len(label_columns) > 1 else ''} "
                f"{', '.join(repr(c) for c in label_columns)} may be left out)")
    return ComponentError(
        f"{source}: the dataset has no column {', '.join(repr(m) for m in missing)}, which the "
        f"transformation was fitted on. Available columns: "
        f"{', '.join(map(str, df.columns)) or '(none)'}. {todo}.")


def _is_numeric_series(s: pd.Series) -> bool:
    return kind_of_dtype(s.dtype) in NUMERIC_KINDS


def _as_float(s: pd.Series) -> np.ndarray:
    """Values of a numeric (or boolean) column as float64, missing values as NaN."""
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _check_numeric(ctx, df, columns, label, *, allow_all_missing=True):
    bad = [c for c in columns
           if not _is_numeric_series(df[c]) and not (allow_all_missing and df[c].isna().all())]
    if bad:
        kinds = ", ".join(f"{c!r} ({kind_of_dtype(df[c].dtype)})" for c in bad)
        raise ctx.error(
            f"the '{label}' parameter selects non-numeric column(s) {kinds}; this operation "
            f"applies to numeric columns only. Exclude them from the selection, or convert them "
            f"with Edit Metadata.")


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

    def transform(self, df):
        labels = self.label_columns
        cleaned = self.columns
        missing = [c for c in cleaned if c not in df.columns]
        if missing:
            raise _missing_columns_error(self.source, missing, df, labels)
        roles = get_roles(df)
        indicator_values = {name: df[col].isna().to_numpy() for col, name in self.indicators
                            if col in df.columns}
        out = df
        if self.mode == REMOVE_ROW:
            if cleaned:
                keep = ~df[cleaned].isna().any(axis=1).to_numpy()
                if not keep.all():
                    out = df[keep].reset_index(drop=True)
        elif self.mode == MICE and self.imputer is not None and self.imputer_columns:
            absent = [c for c in self.imputer_columns if c not in df.columns and c not in labels]
            if absent:
                raise _missing_columns_error(self.source, absent, df, labels)
            # an absent label enters the imputer as unknown, as a missing value would
            n = len(df)
            x = np.column_stack([_as_float(df[c]) if c in df.columns else np.full(n, np.nan)
                                 for c in self.imputer_columns])
            filled = self.imputer.transform(x)
            new = {}
            for j, c in enumerate(self.imputer_columns):
                if c in labels:
                    continue
                values = filled[:, j]
                if c in self.integer_columns:
                    values = np.round(values)
                new[c] = _fill_column(df[c], None, values)
            out = out.assign(**new)
        elif self.fill:
            new = {c: _fill_column(df[c], _unplain(v)) for c, v in self.fill.items()
                   if v is not None and c in df.columns}
            if new:
                out = out.assign(**new)
        if self.drop:
            out = out.drop(columns=[c for c in self.drop if c in out.columns])
        if indicator_values:
            out = out.assign(**indicator_values)
        if out is df:
            out = df[list(df.columns)]  # a new frame sharing data (copy-on-write)
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
    lo = params["minimum_missing_value_ratio"]
    hi = params["maximum_missing_value_ratio"]
    if lo > hi:
        raise ctx.error(f"the 'Minimum missing value ratio' ({lo}) is greater than the "
                        f"'Maximum missing value ratio' ({hi}); no column can be cleaned. "
                        f"Lower the minimum or raise the maximum.")
    mode = params["cleaning_mode"]
    schema = Schema.from_frame(df)
    selected = _resolve(_CMD_COLUMNS, params["columns_to_be_cleaned"], schema, ctx.component)
    n = len(df)
    counts = {c: int(df[c].isna().sum()) for c in selected}
    to_clean = [c for c in selected if lo <= (counts[c] / n if n else 0.0) <= hi]
    skipped = [c for c in selected if c not in to_clean]
    if skipped:
        ctx.log("Not cleaned (missing-value ratio outside the limits): %s", ", ".join(skipped))

    if mode == REMOVE_ROW:
        return CleaningTransformation(mode, to_clean)
    if mode == REMOVE_COLUMN:
        drop = [c for c in to_clean if counts[c] > 0]
        ctx.log("Removing columns with missing values: %s", ", ".join(drop) or "(none)")
        return CleaningTransformation(mode, [], drop=drop)

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
        return CleaningTransformation(mode, to_clean, drop=drop, indicators=indicators,
                                      imputer=imputer, imputer_columns=cols,
                                      integer_columns=integer_columns)
    return CleaningTransformation(mode, to_clean, fill=fill, drop=drop, indicators=indicators)


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
    set_roles(out, get_roles(df))
    return {"result_dataset": out}


# =========================================================================================
# Apply Math Operation
# =========================================================================================
MATH_CATEGORIES = ("Basic", "Compare", "Operations", "Rounding", "Special", "Trigonometric")
OUTPUT_MODES = ("Append", "Inplace", "ResultOnly")


def _nan_where(cond, values):
    values = np.asarray(values, dtype="float64")
    return np.where(cond, np.nan, values)


def _factorial(x):
    from scipy.special import gamma
    n = np.floor(x)
    with np.errstate(over="ignore", invalid="ignore"):
        out = gamma(n + 1)
    return np.where(x < 0, np.nan, np.where(n > 170, np.inf, out))


def _double_factorial(x):
    from scipy.special import factorial2
    n = np.floor(np.nan_to_num(x, nan=0.0, posinf=0.0))
    out = np.asarray(factorial2(np.clip(n, 0, 300).astype("int64"), exact=False), dtype="float64")
    out = np.where(n <= 1, 1.0, out)
    out = np.where(n > 300, np.inf, out)
    return np.where(np.isnan(x) | (x < 0), np.nan, out)


def _ein(x):
    """Ein(x) = integral from 0 to x of (1 - exp(-t)) / t dt (the modified exponential integral)."""
    from scipy.special import exp1, expi
    x = np.asarray(x, dtype="float64")
    out = np.zeros_like(x)
    with np.errstate(all="ignore"):
        pos = x > 0
        neg = x < 0
        out = np.where(pos, np.euler_gamma + np.log(np.where(pos, x, 1.0)) + exp1(np.where(pos, x, 1.0)), out)
        out = np.where(neg, np.euler_gamma + np.log(np.where(neg, -x, 1.0)) - expi(np.where(neg, -x, 1.0)), out)
    return np.where(np.isnan(x), np.nan, out)


def _log_base(x, base):
    with np.errstate(all="ignore"):
        out = np.log(x) / np.log(base)
    return np.where((base <= 0) | (base == 1), np.nan, out)


def _round_half_away(x, digits):
    scale = np.power(10.0, np.trunc(digits))
    return np.trunc(x * scale + np.copysign(0.5, x)) / scale


def _significance(y):
    # a significance of 0 means "to the nearest integer" (the reference returns 0/NaN there)
    return np.where(y == 0, 1.0, y)


def _ceiling(x, y):
    s = _significance(y)
    with np.errstate(all="ignore"):
        return np.where((x > 0) & (s < 0), np.nan, np.ceil(x / s) * s)


def _floor(x, y):
    s = _significance(y)
    with np.errstate(all="ignore"):
        return np.where((x > 0) & (s < 0), np.nan, np.floor(x / s) * s)


def _to_multiple(x, y):
    with np.errstate(all="ignore"):
        r = np.mod(x, y)
        out = np.where(r + r >= y, x + y - r, x - r)
    return np.where(y < 0, np.nan, np.where(y == 0, 0.0, out))


def _arg(x):
    return np.where(np.isnan(x), np.nan, np.where(x < 0, np.pi, 0.0))


def _sp(name):
    def f(*args):
        import scipy.special as sc
        return getattr(sc, name)(*args)
    return f


# name -> (number of arguments, function of float arrays). Results are doubles, except the
# comparisons (booleans). Domain edges follow numpy (log(0) = -inf, log(-1) = NaN, x/0 = inf).
_UNARY_BASIC = {
    "Abs": np.abs, "Conj": lambda x: x, "Cuberoot": np.cbrt, "DoubleFactorial": _double_factorial,
    "Eps": lambda x: np.abs(np.spacing(x)), "Exp": np.exp, "ExpMinus1": np.expm1,
    "Factorial": _factorial, "ImaginaryPart": np.zeros_like, "Ln": np.log, "LnPlus1": np.log1p,
    "Log10": np.log10, "Log2": np.log2, "RealPart": lambda x: x, "Sqrt": np.sqrt,
    "SqrtPi": lambda x: np.sqrt(x * np.pi), "Square": np.square, "Sign": np.sign,
}
_BINARY_BASIC = {
    "Atan2": lambda x, y: np.arctan2(y, x),
    "Exp2": lambda x, y: np.exp2(x) * y,
    "Hypotenuse": np.hypot,
    "Log": _log_base,
    "NthRoot": lambda x, y: _nan_where(x < 0, np.power(x, 1.0 / y)),
    "Pow": np.power,
}
_COMPARE = {
    "EqualTo": np.equal, "GreaterThan": np.greater, "GreaterThanOrEqualTo": np.greater_equal,
    "LessThan": np.less, "LessThanOrEqualTo": np.less_equal,
    "NotEqualTo": lambda x, y: ~np.equal(x, y) & ~np.isnan(x) & ~np.isnan(y),
    "PairMax": np.maximum, "PairMin": np.minimum,
}
_OPERATIONS = {"Add": np.add, "Divide": np.divide, "Multiply": np.multiply,
               "Subtract": np.subtract}
_UNARY_ROUNDING = {
    "CeilingPower2": lambda x: np.square(np.ceil(x)),
    "ToEven": lambda x: np.round(x / 2.0) * 2.0,
    "ToOdd": lambda x: np.floor(x / 2.0) * 2.0 + 1.0,
}
_BINARY_ROUNDING = {
    "Ceiling": _ceiling, "Floor": _floor,
    "Mod": lambda x, y: _nan_where(y == 0, np.mod(x, y)),
    "Quotient": lambda x, y: np.trunc(x / y),
    "Remainder": lambda x, y: _nan_where(y == 0, np.fmod(x, y)),
    "RoundDigits": _round_half_away,
    "RoundDown": lambda x, y: np.trunc(x * np.power(10.0, np.trunc(y))) / np.power(10.0, np.trunc(y)),
    "RoundUp": lambda x, y: np.sign(x) * np.ceil(np.abs(x) * np.power(10.0, np.trunc(y)))
    / np.power(10.0, np.trunc(y)),
    "ToMultiple": _to_multiple,
    "Truncate": lambda x, y: np.trunc(x * np.power(10.0, np.trunc(y))) / np.power(10.0, np.trunc(y)),
}
_UNARY_SPECIAL = {
    "EllipticIntegralE": lambda x: _nan_where(x < 0, _sp("ellipe")(x)),
    "EllipticIntegralK": lambda x: _nan_where(x < 0, _sp("ellipk")(x)),
    "Erf": _sp("erf"), "Erfc": _sp("erfc"), "ErfcScaled": _sp("erfcx"), "ErfInverse": _sp("erfinv"),
    "ExponentialIntegralEin": _ein, "Gamma": _sp("gamma"),
    "GammaLn": lambda x: _nan_where(x < 0, _sp("gammaln")(x)),
}
_BINARY_SPECIAL = {
    "Beta": lambda x, y: _nan_where((x < 0) | (y < 0), _sp("beta")(x, y)),
    "BetaLn": lambda x, y: _nan_where((x < 0) | (y < 0), _sp("betaln")(x, y)),
    "GammaRegularizedP": lambda x, y: _sp("gammainc")(x, y),
    "GammaRegularizedPInverse": lambda x, y: _sp("gammaincinv")(x, y),
    "GammaRegularizedQ": lambda x, y: _sp("gammaincc")(x, y),
    "GammaRegularizedQInverse": lambda x, y: _sp("gammainccinv")(x, y),
    "Polygamma": lambda x, y: _nan_where(y < 0, _sp("polygamma")(np.clip(np.nan_to_num(np.trunc(y)), 0, None).astype("int64"), x)),
}
_deg, _rad = np.degrees, np.radians
_TRIG = {
    "Acos": np.arccos, "AcosDegrees": lambda x: _deg(np.arccos(x)), "Acosh": np.arccosh,
    "Acot": lambda x: np.arctan(1.0 / x), "AcotDegrees": lambda x: _deg(np.arctan(1.0 / x)),
    "Acoth": lambda x: np.arctanh(1.0 / x), "Acsc": lambda x: np.arcsin(1.0 / x),
    "AcscDegrees": lambda x: _deg(np.arcsin(1.0 / x)), "Acsch": lambda x: np.arcsinh(1.0 / x),
    "Arg": _arg, "Asec": lambda x: np.arccos(1.0 / x),
    "AsecDegrees": lambda x: _deg(np.arccos(1.0 / x)), "Asech": lambda x: np.arccosh(1.0 / x),
    "Asin": np.arcsin, "AsinDegrees": lambda x: _deg(np.arcsin(x)), "Asinh": np.arcsinh,
    "Atan": np.arctan, "AtanDegrees": lambda x: _deg(np.arctan(x)), "Atanh": np.arctanh,
    "Cos": np.cos, "CosDegrees": lambda x: np.cos(_rad(x)), "Cosh": np.cosh,
    "Cot": lambda x: 1.0 / np.tan(x), "CotDegrees": lambda x: 1.0 / np.tan(_rad(x)),
    "Coth": lambda x: 1.0 / np.tanh(x), "Csc": lambda x: 1.0 / np.sin(x),
    "CscDegrees": lambda x: 1.0 / np.sin(_rad(x)), "Csch": lambda x: 1.0 / np.sinh(x),
    "DegreesToRadians": _rad, "RadiansToDegrees": _deg,
    "Sec": lambda x: 1.0 / np.cos(x), "SecDegrees": lambda x: 1.0 / np.cos(_rad(x)),
    "Sech": lambda x: 1.0 / np.cosh(x), "Sign": np.sign, "Sin": np.sin, "Sinc": np.sinc,
    "SinDegrees": lambda x: np.sin(_rad(x)), "Sinh": np.sinh, "Tan": np.tan,
    "TanDegrees": lambda x: np.tan(_rad(x)), "Tanh": np.tanh,
}

_BASIC_FUNCS = ("Abs", "Atan2", "Conj", "Cuberoot", "DoubleFactorial", "Eps", "Exp", "Exp2",
                "ExpMinus1", "Factorial", "Hypotenuse", "ImaginaryPart", "Ln", "LnPlus1", "Log",
                "Log10", "Log2", "NthRoot", "Pow", "RealPart", "Sign", "Sqrt", "SqrtPi", "Square")
_ROUNDING_FUNCS = ("Ceiling", "CeilingPower2", "Floor", "Mod", "Quotient", "Remainder",
                   "RoundDigits", "RoundDown", "RoundUp", "ToEven", "ToMultiple", "ToOdd",
                   "Truncate")
_SPECIAL_FUNCS = ("Beta", "BetaLn", "EllipticIntegralE", "EllipticIntegralK", "Erf", "Erfc",
                  "ErfcScaled", "ErfInverse", "ExponentialIntegralEin", "Gamma", "GammaLn",
                  "GammaRegularizedP", "GammaRegularizedPInverse", "GammaRegularizedQ",
                  "GammaRegularizedQInverse", "Polygamma")

#: category -> (function parameter key, its label, its choices, default, binary functions,
#:              argument-type label)
_MATH = {
    "Basic": ("basic_math_function", "Basic math function", _BASIC_FUNCS, "Abs",
              tuple(_BINARY_BASIC), "Second argument type"),
    "Compare": ("comparison_function", "Comparison function", tuple(_COMPARE), "EqualTo",
                tuple(_COMPARE), "Value to compare type"),
    "Operations": ("arithmetic_operation", "Arithmetic operation", tuple(_OPERATIONS), "Add",
                   tuple(_OPERATIONS), "Second argument type"),
    "Rounding": ("rounding_operation", "Rounding operation", _ROUNDING_FUNCS, "Ceiling",
                 tuple(_BINARY_ROUNDING), "Precision type"),
    "Special": ("special_function", "Special function", _SPECIAL_FUNCS, "Beta",
                tuple(_BINARY_SPECIAL), "Second argument type"),
    "Trigonometric": ("trigonometric_function", "Trigonometric function", tuple(_TRIG), "Acos",
                      (), ""),
}


def _math_function(category: str, name: str):
    """(arity, function, result kind) of a math operation."""
    if category == "Basic":
        if name in _BINARY_BASIC:
            return 2, _BINARY_BASIC[name], "double"
        return 1, _UNARY_BASIC[name], "double"
    if category == "Compare":
        return 2, _COMPARE[name], "double" if name in ("PairMax", "PairMin") else "boolean"
    if category == "Operations":
        return 2, _OPERATIONS[name], "double"
    if category == "Rounding":
        if name in _BINARY_ROUNDING:
            return 2, _BINARY_ROUNDING[name], "double"
        return 1, _UNARY_ROUNDING[name], "double"
    if category == "Special":
        if name in _BINARY_SPECIAL:
            return 2, _BINARY_SPECIAL[name], "double"
        return 1, _UNARY_SPECIAL[name], "double"
    return 1, _TRIG[name], "double"


_MATH_COLUMNS = Columns("column_set", "Column set", default=ALL_NUMERIC, port="dataset",
                        description="Numeric columns the operation applies to")


def _math_params():
    params = [
        Choice("category", "Category", default="Basic", choices=MATH_CATEGORIES,
               description="The kind of math operation"),
    ]
    for cat, (key, label, choices, default, _binary, _type_label) in _MATH.items():
        params.append(Choice(key, label, default=default, choices=choices,
                             visible_if={"category": [cat]}))
    params.append(_MATH_COLUMNS)
    for cat, (key, _label, _choices, _default, binary, type_label) in _MATH.items():
        if not binary:
            continue
        prefix = cat.lower()
        cond = {"category": [cat], key: list(binary)}
        params += [
            Choice(f"{prefix}_argument_type", type_label, default="Constant",
                   choices=("Constant", "ColumnSet"), visible_if=cond,
                   description="Whether the second argument is a constant or columns"),
            Float(f"{prefix}_constant", "Second argument", default=0.0,
                  visible_if={**cond, f"{prefix}_argument_type": ["Constant"]},
                  description="The constant second argument"),
            Columns(f"{prefix}_column_set", "Second argument", port="dataset",
                    visible_if={**cond, f"{prefix}_argument_type": ["ColumnSet"]},
                    description="The column(s) holding the second argument"),
        ]
    params.append(Choice("output_mode", "Output mode", default="Append", choices=OUTPUT_MODES,
                         aliases={"Result Only": "ResultOnly", "In place": "Inplace"},
                         description="Append result columns, replace the columns in place, "
                                     "or output the results only"))
    return params


_MATH_PARAMS = _math_params()
_MATH_PARAM_BY_KEY = {p.key: p for p in _MATH_PARAMS}


def _num_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _math_plan(schema: Schema, params: dict, component_name: str = "Apply Math Operation"):
    """What to compute: [(result name, data column, arg column or constant or None)], kind."""
    category = params["category"]
    key = _MATH[category][0]
    op = params[key]
    arity, fn, kind = _math_function(category, op)
    cols = _resolve(_MATH_COLUMNS, params["column_set"], schema, component_name)
    if not cols:
        raise ComponentError(f"{component_name}: the 'Column set' parameter selects no column. "
                             f"Select at least one numeric column.")
    plan = []
    if arity == 1:
        plan = [(f"{op}({c})", c, None) for c in cols]
    else:
        prefix = category.lower()
        if params[f"{prefix}_argument_type"] == "Constant":
            const = params[f"{prefix}_constant"]
            plan = [(f"{op}({c}_${_num_text(const)})", c, float(const)) for c in cols]
        else:
            arg_param = _MATH_PARAM_BY_KEY[f"{prefix}_column_set"]
            value = params.get(f"{prefix}_column_set")
            if value is None:
                raise ComponentError(
                    f"{component_name}: the 'Second argument' column set is required when the "
                    f"argument type is ColumnSet. Select the column(s) holding the second "
                    f"argument.")
            args = _resolve(arg_param, value, schema, component_name)
            if not args:
                raise ComponentError(f"{component_name}: the 'Second argument' column set selects "
                                     f"no column. Select at least one numeric column.")
            if len(cols) == 1 or len(args) == 1:
                if len(cols) == 1 and len(args) > 1 and params["output_mode"] == "Inplace":
                    raise ComponentError(
                        f"{component_name}: 'Inplace' output needs one result per column of the "
                        f"'Column set', but {len(args)} second-argument columns give "
                        f"{len(args)} results for {cols[0]!r}. Use 'Append' or 'ResultOnly', "
                        f"or select one second-argument column.")
                plan = [(f"{op}({c}_{a})", c, ("column", a)) for c in cols for a in args]
            elif len(cols) == len(args):
                plan = [(f"{op}({c}_{a})", c, ("column", a)) for c, a in zip(cols, args)]
            else:
                raise ComponentError(
                    f"{component_name}: the 'Column set' selects {len(cols)} columns and the "
                    f"'Second argument' selects {len(args)}; they must select the same number of "
                    f"columns, or one of them a single column.")
    return plan, cols, kind


def _math_layout(names: list, plan: list, cols: list, mode: str):
    """[(output name, source)]: source is an input column name or an index into ``plan``."""
    if mode == "ResultOnly":
        taken: list = []
        out = []
        for i, (name, _c, _a) in enumerate(plan):
            name = _unique_name(name, taken, style="paren", start=2)
            taken.append(name)
            out.append((name, i))
        return out
    if mode == "Inplace":
        by_col = {}
        for i, (_name, c, _a) in enumerate(plan):
            by_col.setdefault(c, i)
        return [(n, by_col[n] if n in by_col else n) for n in names]
    out = [(n, n) for n in names]
    taken = list(names)
    for i, (name, _c, _a) in enumerate(plan):
        name = _unique_name(name, taken, style="paren", start=2)
        taken.append(name)
        out.append((name, i))
    return out


def _math_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    plan, cols, kind = _math_plan(schema, params)
    by = {c.name: c for c in schema.columns}
    out = []
    for name, src in _math_layout(schema.names, plan, cols, params["output_mode"]):
        if isinstance(src, int):
            role = by[name].role if params["output_mode"] == "Inplace" else None
            out.append((name, kind, role))
        else:
            out.append(by[src])
    return {"result_dataset": Schema.of(out)}


@component(
    "Apply Math Operation", category=CATEGORY, subcategory="Manipulation",
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("result_dataset", DATASET, "Result dataset")],
    params=_MATH_PARAMS, schema=_math_schema,
)
def apply_math_operation(ctx, inputs, params):
    """Applies a mathematical operation to column values.

    Result columns are named as the reference product names them: "Abs(x)" for a function
    of one column, "Add(x_$5)" with a constant, "Add(x_y)" with a second column. With a
    second column set, a single column on either side pairs with every column of the other,
    otherwise columns pair up in order. Values at the edges of a function's domain follow
    numpy (log(0) = -inf, sqrt(-1) = NaN, 1/0 = inf); Ceiling and Floor take the precision as
    a significance (a multiple), 0 meaning whole numbers.
    """
    df = inputs["dataset"]
    schema = Schema.from_frame(df)
    plan, cols, kind = _math_plan(schema, params, ctx.component)
    arg_cols = sorted({a[1] for _n, _c, a in plan if isinstance(a, tuple)})
    for what, names in (("Column set", cols), ("Second argument", arg_cols)):
        bad = [c for c in names if kind_of_dtype(df[c].dtype) not in (*NUMERIC_KINDS, "boolean")
               and not df[c].isna().all()]
        if bad:
            raise ctx.error(
                f"the '{what}' parameter selects non-numeric column(s) "
                f"{', '.join(f'{c!r} ({kind_of_dtype(df[c].dtype)})' for c in bad)}; math "
                f"operations apply to numeric columns only. Exclude them from the selection.")
    category = params["category"]
    op = params[_MATH[category][0]]
    _arity, fn, kind = _math_function(category, op)
    results = []
    with np.errstate(all="ignore"):
        for _name, c, arg in plan:
            x = _as_float(df[c])
            if arg is None:
                r = fn(x)
            elif isinstance(arg, tuple):
                r = fn(x, _as_float(df[arg[1]]))
            else:
                r = fn(x, np.full_like(x, arg))
            r = np.asarray(r)
            r = r.astype(bool) if kind == "boolean" else r.astype("float64")
            results.append(r)
    data = {}
    for name, src in _math_layout(list(df.columns), plan, cols, params["output_mode"]):
        data[name] = results[src] if isinstance(src, int) else df[src]
    out = pd.DataFrame(data, index=df.index)
    roles = get_roles(df)
    set_roles(out, roles if params["output_mode"] != "ResultOnly" else {})
    ctx.log("%s %s on %d column(s)", category, op, len(cols))
    return {"result_dataset": out}


# =========================================================================================
# Normalize Data
# =========================================================================================
NORMALIZE_METHODS = ("ZScore", "MinMax", "Logistic", "LogNormal", "TanH")
_CONSTANT_TOL = 1e-9

_NORM_COLUMNS = Columns("columns_to_transform", "Columns to transform", default=ALL_NUMERIC,
                        port="dataset", kinds=NUMERIC_KINDS,
                        description="Numeric columns to normalize (all numeric columns by "
                                    "default)")
_NORM_PARAMS = [
    Choice("transformation_method", "Transformation method", default="ZScore",
           choices=NORMALIZE_METHODS, aliases={"Tanh": "TanH", "Zscore": "ZScore"},
           description="The mathematical method used for scaling"),
    _NORM_COLUMNS,
    Bool("use_0_for_constant_columns_when_checked", "Use 0 for constant columns when checked",
         default=True, visible_if={"transformation_method": ["ZScore", "MinMax", "LogNormal"]},
         description="Output 0 for a column with a single value; NaN when unchecked"),
]


class NormalizeTransformation(Transformation):
    """Normalize Data's fitted scaling, applied with the training data's statistics.

    ``stats`` holds per column: ZScore ``mean``/``std`` (population standard deviation, as
    scikit-learn's StandardScaler), MinMax ``min``/``max``, LogNormal ``shape``/``scale`` (the
    maximum-likelihood lognormal fit of the positive values, as scipy.stats.lognorm.fit with
    floc=0), and ``constant`` when the column had a single value.
    """

    source = "Normalize Data"

    def __init__(self, method: str, columns: list, stats: dict, use_zero_for_constant: bool):
        self.method = method
        self.columns = list(columns)
        self.stats = dict(stats)
        self.use_zero_for_constant = bool(use_zero_for_constant)

    def transform(self, df):
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise _missing_columns_error(self.source, missing, df)
        bad = [c for c in self.columns if not _is_numeric_series(df[c]) and not df[c].isna().all()]
        if bad:
            raise ComponentError(
                f"{self.source}: column(s) {', '.join(repr(c) for c in bad)} must be numeric to "
                f"be normalized, but are {', '.join(kind_of_dtype(df[c].dtype) for c in bad)}.")
        new = {}
        with np.errstate(all="ignore"):
            for c in self.columns:
                st = self.stats.get(c)
                if st is None:  # all values were missing when fitting: left as is
                    continue
                new[c] = self._scale(_as_float(df[c]), st)
        out = df.assign(**new) if new else df[list(df.columns)]
        set_roles(out, get_roles(df), replace=True)
        return out

    def _scale(self, x: np.ndarray, st: dict) -> np.ndarray:
        m = self.method
        if m == "Logistic":
            return 1.0 / (1.0 + np.exp(-x))
        if m == "TanH":
            return np.tanh(x)
        x = np.where(np.isinf(x), np.nan, x) if m != "LogNormal" else x
        if st.get("invalid"):
            return np.full_like(x, np.nan)
        if st.get("constant"):
            fill = 0.0 if self.use_zero_for_constant else np.nan
            return np.where(np.isnan(x), np.nan, fill)
        if m == "ZScore":
            return (x - st["mean"]) / st["std"]
        if m == "MinMax":
            scale = 1.0 / (st["max"] - st["min"])
            return x * scale - st["min"] * scale
        # LogNormal: the lognormal cumulative distribution function
        from scipy.stats import lognorm
        return lognorm.cdf(x, st["shape"], loc=0.0, scale=st["scale"])

    def output_schema(self, schema):
        out = schema
        for c in self.columns:
            if c in schema and c in self.stats:
                out = out.replace(c, kind="double")
        return out

    def describe(self) -> dict:
        return {**super().describe(), "method": self.method, "columns": self.columns,
                "stats": self.stats}


def _fit_normalize(method: str, df: pd.DataFrame, columns: list, use_zero: bool):
    stats = {}
    for c in columns:
        x = _as_float(df[c])
        if method in ("Logistic", "TanH"):
            stats[c] = {}
            continue
        if method == "LogNormal":
            x = x[np.isfinite(x) & (x > 0)]
        else:
            x = x[np.isfinite(x)]
        if len(x) == 0:
            if method == "LogNormal" and not df[c].isna().all():
                stats[c] = {"invalid": True}  # no positive value to fit a lognormal to
            continue  # all missing: not normalized
        std = float(np.std(x))
        if std < _CONSTANT_TOL:
            stats[c] = {"constant": True}
        elif method == "ZScore":
            stats[c] = {"mean": float(np.mean(x)), "std": std}
        elif method == "MinMax":
            stats[c] = {"min": float(np.min(x)), "max": float(np.max(x))}
        else:
            logs = np.log(x)
            stats[c] = {"shape": float(np.std(logs)), "scale": float(np.exp(np.mean(logs)))}
    return NormalizeTransformation(method, columns, stats, use_zero)


def _normalize_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    cols = _resolve(_NORM_COLUMNS, params["columns_to_transform"], schema, "Normalize Data")
    out = schema
    for c in cols:
        out = out.replace(c, kind="double")
    return {"transformed_dataset": out, "transformation_function": None}


@component(
    "Normalize Data", category=CATEGORY, subcategory="Scale and Reduce",
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("transformed_dataset", DATASET, "Transformed dataset"),
             Port("transformation_function", TRANSFORMATION, "Transformation function",
                  description="The fitted normalization, to apply to other datasets")],
    params=_NORM_PARAMS, schema=_normalize_schema,
    transformation_output="transformation_function",
)
def normalize_data(ctx, inputs, params):
    """Rescales numeric data to constrain dataset values to a standard range.

    ZScore: (x - mean) / std with the population standard deviation (ddof=0), as the reference
    product and scikit-learn's StandardScaler. MinMax: (x - min) / (max - min), as
    MinMaxScaler. Logistic: 1 / (1 + exp(-x)). LogNormal: the cumulative distribution of a
    lognormal fitted to the column's positive values. TanH: tanh(x). Infinite values count as
    missing; a constant column gives 0 (or NaN when "Use 0 for constant columns" is off).
    Normalized columns are doubles.
    """
    df = inputs["dataset"]
    cols = _resolve(_NORM_COLUMNS, params["columns_to_transform"], Schema.from_frame(df),
                    ctx.component)
    if not cols:
        raise ctx.error("the 'Columns to transform' parameter selects no column. Select the "
                        "numeric columns to normalize.")
    transformation = _fit_normalize(params["transformation_method"], df, cols,
                                    params["use_0_for_constant_columns_when_checked"])
    constant = [c for c, st in transformation.stats.items() if st.get("constant")]
    if constant:
        ctx.log("Constant column(s): %s", ", ".join(constant))
    return {"transformed_dataset": transformation.transform(df),
            "transformation_function": transformation}


# =========================================================================================
# Group Data into Bins
# =========================================================================================
QUANTILES = "Quantiles"
EQUAL_WIDTH = "Equal Width"
CUSTOM_EDGES = "Custom Edges"
BIN_OUTPUT_MODES = ("Append", "Inplace", "Result Only")
QUANTILE_NORMALIZATIONS = ("Percent", "PQuantile", "Quantile Index")
BIN_SUFFIX = "_quantized"

_BIN_COLUMNS = Columns("columns_to_bin", "Columns to bin", port="dataset",
                       description="Numeric columns to quantize")
_BIN_PARAMS = [
    Choice("binning_mode", "Binning mode", default=QUANTILES,
           choices=(QUANTILES, EQUAL_WIDTH, CUSTOM_EDGES),
           aliases={"EqualWidth": EQUAL_WIDTH, "CustomEdges": CUSTOM_EDGES},
           description="How bin edges are chosen"),
    _BIN_COLUMNS,
    Choice("output_mode", "Output mode", default="Append", choices=BIN_OUTPUT_MODES,
           aliases={"ResultOnly": "Result Only"},
           description="Append '<column>_quantized' columns, replace the columns in place, "
                       "or output the binned columns only"),
    Bool("tag_columns_as_categorical", "Tag columns as categorical", default=True,
         description="Make the binned columns categorical"),
    Int("number_of_bins", "Number of bins", default=10, min=1,
        visible_if={"binning_mode": [QUANTILES, EQUAL_WIDTH]}),
    Choice("quantile_normalization", "Quantile normalization", default="Percent",
           choices=QUANTILE_NORMALIZATIONS, aliases={"QuantileIndex": "Quantile Index"},
           visible_if={"binning_mode": [QUANTILES]},
           description="Percent: bin i of n as i/(n+1)*100; PQuantile: i/(n+1); Quantile Index: i"),
    String("comma_separated_list_of_bin_edges", "Comma-separated list of bin edges",
           allow_empty=False, visible_if={"binning_mode": [CUSTOM_EDGES]},
           description="Ascending bin edges, e.g. 1, 5, 10 (n edges make n + 1 bins)"),
]


class BinningTransformation(Transformation):
    """Group Data into Bins' fitted bins: new values fall into the training data's bins.

    ``edges[column]`` are the bin edges, the outer ones at -inf and +inf so that values outside
    the training range land in the first or last bin. Bins are right-closed (a, b] and
    numbered from 1.
    """

    source = "Group Data into Bins"

    def __init__(self, columns: list, edges: dict, *, output_mode: str, categorical: bool,
                 normalization: str | None, requested_bins: int, names: dict):
        self.columns = list(columns)
        self.edges = {c: [float(e) for e in v] for c, v in edges.items()}
        self.output_mode = output_mode
        self.categorical = bool(categorical)
        self.normalization = normalization   # None unless Quantiles mode
        self.requested_bins = int(requested_bins)
        self.names = dict(names)             # column -> output column name

    def _values(self, index: np.ndarray, n_bins: int):
        """Bin numbers (1-based float array, NaN for missing) -> output column values."""
        norm = self.normalization
        if norm in ("Percent", "PQuantile"):
            scale = 100.0 if norm == "Percent" else 1.0
            levels = np.arange(1, n_bins + 1) / (self.requested_bins + 1) * scale
            values = index / (self.requested_bins + 1) * scale
        else:
            levels = np.arange(1, n_bins + 1)
            values = index
        if self.categorical:
            codes = np.where(np.isnan(index), -1, index - 1).astype("int64")
            return pd.Categorical.from_codes(codes, categories=levels)
        if norm in ("Percent", "PQuantile") or np.isnan(index).any():
            return values.astype("float64")
        return values.astype("int64")

    def transform(self, df):
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise _missing_columns_error(self.source, missing, df)
        bad = [c for c in self.columns if not _is_numeric_series(df[c]) and not df[c].isna().all()]
        if bad:
            raise ComponentError(
                f"{self.source}: column(s) {', '.join(repr(c) for c in bad)} must be numeric to "
                f"be binned, but are {', '.join(kind_of_dtype(df[c].dtype) for c in bad)}.")
        binned = {}
        for c in self.columns:
            edges = np.asarray(self.edges[c])
            x = _as_float(df[c])
            # right-closed bins: value v falls in bin i when edges[i-1] < v <= edges[i]
            idx = np.searchsorted(edges, x, side="left").astype("float64")
            idx[np.isnan(x) | (x == -np.inf)] = np.nan
            binned[c] = self._values(idx, len(edges) - 1)
        roles = get_roles(df)
        if self.output_mode == "Result Only":
            out = pd.DataFrame({c: binned[c] for c in self.columns}, index=df.index)
        elif self.output_mode == "Inplace":
            out = df.assign(**binned)
        else:
            out = df.assign(**{self.names[c]: binned[c] for c in self.columns})
        set_roles(out, roles if self.output_mode != "Result Only" else {}, replace=True)
        return out

    def _kind(self) -> str:
        if self.categorical:
            return "categorical"
        return "double" if self.normalization in ("Percent", "PQuantile") else "integer"

    def output_schema(self, schema):
        return _bins_output_schema(schema, self.columns, self.output_mode, self._kind(),
                                   [self.names[c] for c in self.columns])

    def describe(self) -> dict:
        edges = {c: [e if math.isfinite(e) else ("inf" if e > 0 else "-inf") for e in v]
                 for c, v in self.edges.items()}
        return {**super().describe(), "columns": self.columns, "edges": edges,
                "output_mode": self.output_mode}


def _bins_output_schema(schema: Schema, cols, output_mode, kind, names):
    if output_mode == "Result Only":
        return Schema.of([(c, kind) for c in cols])
    if output_mode == "Inplace":
        out = schema
        for c in cols:
            out = out.replace(c, kind=kind)
        return out
    return schema.add(*[(n, kind) for n in names])


def _append_names(existing, cols):
    taken = list(existing)
    names = {}
    for c in cols:
        name = _unique_name(f"{c}{BIN_SUFFIX}", taken, style="underscore", start=2)
        taken.append(name)
        names[c] = name
    return names


def _parse_edges(text: str, error) -> list[float]:
    try:
        edges = [float(s) for s in str(text).split(",") if s.strip()]
    except ValueError:
        raise error(f"the 'Comma-separated list of bin edges' must be numbers separated by "
                    f"commas, e.g. '1, 5, 10'. Got {text!r} instead.") from None
    if not edges:
        raise error("the 'Comma-separated list of bin edges' is empty. Enter at least one edge, "
                    "e.g. '0'.")
    if any(not math.isfinite(e) for e in edges):
        raise error(f"the 'Comma-separated list of bin edges' must be finite numbers. Got "
                    f"{text!r} instead.")
    if any(b <= a for a, b in zip(edges, edges[1:])):
        raise error(f"the 'Comma-separated list of bin edges' must be in strictly ascending "
                    f"order, e.g. '1, 3, 5, 7'. Got {text!r} instead.")
    return edges


def _bins_kind(params) -> str:
    if params["tag_columns_as_categorical"]:
        return "categorical"
    if params["binning_mode"] == QUANTILES and params["quantile_normalization"] != "Quantile Index":
        return "double"
    return "integer"


def _bins_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    cols = _resolve(_BIN_COLUMNS, params["columns_to_bin"], schema, "Group Data into Bins")
    names = _append_names(schema.names, cols)
    return {"quantized_dataset": _bins_output_schema(schema, cols, params["output_mode"],
                                                      _bins_kind(params),
                                                      [names[c] for c in cols]),
            "binning_transformation": None}


@component(
    "Group Data into Bins", category=CATEGORY, subcategory="Scale and Reduce",
    inputs=[Port("dataset", DATASET, "Dataset", description="Dataset to be analyzed")],
    outputs=[Port("quantized_dataset", DATASET, "Quantized dataset"),
             Port("binning_transformation", TRANSFORMATION, "Binning transformation",
                  description="Transformation that applies the same bins to new data")],
    params=_BIN_PARAMS, schema=_bins_schema,
    transformation_output="binning_transformation",
)
def group_data_into_bins(ctx, inputs, params):
    """Map input values to a smaller number of bins using a quantization function.

    Quantiles: equal-height bins (pandas.qcut edges; duplicate edges merged); Equal Width:
    equal-width bins between the minimum and maximum (pandas.cut edges); Custom Edges: n
    ascending edges make n + 1 bins (-inf, e1], (e1, e2], ..., (en, +inf). Bins are numbered
    from 1; in Quantiles mode the bin number i is normalized as i / (n + 1) * 100 (Percent),
    i / (n + 1) (PQuantile) or kept (Quantile Index), n being the number of bins asked for.
    """
    df = inputs["dataset"]
    cols = _resolve(_BIN_COLUMNS, params["columns_to_bin"], Schema.from_frame(df), ctx.component)
    if not cols:
        raise ctx.error("the 'Columns to bin' parameter selects no column. Select the numeric "
                        "columns to bin.")
    _check_numeric(ctx, df, cols, "Columns to bin", allow_all_missing=False)
    empty = [c for c in cols if df[c].isna().all()]
    if empty:
        raise ctx.error(f"column(s) {', '.join(repr(c) for c in empty)} have only missing "
                        f"values and cannot be binned. Exclude them from 'Columns to bin' or "
                        f"clean them with Clean Missing Data first.")
    mode = params["binning_mode"]
    n_bins = params["number_of_bins"]
    edges = {}
    if mode == CUSTOM_EDGES:
        custom = _parse_edges(params["comma_separated_list_of_bin_edges"], ctx.error)
        for c in cols:
            edges[c] = [-np.inf, *custom, np.inf]
    else:
        for c in cols:
            s = pd.Series(_as_float(df[c]))
            if mode == EQUAL_WIDTH:
                if np.isinf(s).any():
                    raise ctx.error(f"column {c!r} has infinite values, so equal-width bins "
                                    f"cannot be computed. Clip or clean them first (Clip Values, "
                                    f"Clean Missing Data).")
                _, bins = pd.cut(s, n_bins, labels=False, retbins=True)
            else:
                _, bins = pd.qcut(s, n_bins, labels=False, retbins=True, duplicates="drop")
            bins = [float(b) for b in bins]
            if len(bins) < 2:
                bins = [bins[0], bins[0]]
            bins[0], bins[-1] = -np.inf, np.inf
            edges[c] = bins
    transformation = BinningTransformation(
        cols, edges, output_mode=params["output_mode"],
        categorical=params["tag_columns_as_categorical"],
        normalization=params["quantile_normalization"] if mode == QUANTILES else None,
        requested_bins=n_bins, names=_append_names(list(df.columns), cols))
    ctx.log("Binned %d column(s) with %s", len(cols), mode)
    return {"quantized_dataset": transformation.transform(df),
            "binning_transformation": transformation}


# =========================================================================================
# Examples run by the component contract tests
# =========================================================================================
def _example_frame(n: int = 40, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.integers(18, 80, n).astype("float64"),
        "income": rng.normal(50_000, 12_000, n).round(2),
        "visits": rng.integers(0, 20, n),
        "city": rng.choice(["Oslo", "Lima", "Pune"], n),
        "churned": rng.integers(0, 2, n).astype(bool),
    })
    df.loc[[1, 5, 9], "age"] = np.nan
    df.loc[[2, 3], "income"] = np.nan
    df.loc[[4], "city"] = None
    return df


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
    "apply_math_operation": lambda: (
        {"dataset": _example_frame()},
        {"category": "Operations", "arithmetic_operation": "Divide",
         "operations_argument_type": "ColumnSet", "column_set": ["income"],
         "operations_column_set": ["age"]}),
    "normalize_data": lambda: (
        {"dataset": _example_frame()},
        {"transformation_method": "ZScore", "columns_to_transform": ["age", "income", "visits"]}),
    "group_data_into_bins": lambda: (
        {"dataset": _example_frame()},
        {"columns_to_bin": ["income", "visits"], "number_of_bins": 4}),
}
