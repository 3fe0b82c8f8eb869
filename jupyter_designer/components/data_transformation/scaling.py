"""Scaling and binning components of the Data Transformation category: Normalize Data and Group
Data into Bins. Each outputs a fitted transformation, applied to its own input as to new data
(Apply Transformation, inference pipelines)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.params import Bool, Columns, Int, String
from jupyter_designer.engine.ports import DATASET, TRANSFORMATION, Port
from jupyter_designer.engine.schema import NUMERIC_KINDS, Schema, get_roles, kind_of_dtype, set_roles

from .. import fast_steps as fs
from .common import (ALL_NUMERIC, CATEGORY, Choice, _as_float, _check_numeric, _example_frame,
                     _is_numeric_series, _missing_columns_error, _resolve, _unique_name)


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


def _check_numeric_columns(source: str, columns, df, verb: str) -> None:
    """The fitted columns are all in ``df`` and numeric (or entirely missing)."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise _missing_columns_error(source, missing, df)
    bad = [c for c in columns if not _is_numeric_series(df[c]) and not df[c].isna().all()]
    if bad:
        raise ComponentError(
            f"{source}: column(s) {', '.join(repr(c) for c in bad)} must be numeric to "
            f"be {verb}, but are {', '.join(kind_of_dtype(df[c].dtype) for c in bad)}.")


def normalize_values(method: str, x: np.ndarray, st: dict,
                     use_zero_for_constant: bool) -> np.ndarray:
    """One column's values ``x`` (float64) scaled by ``method`` with its fitted statistics
    ``st``."""
    m = method
    if m == "Logistic":
        return 1.0 / (1.0 + np.exp(-x))
    if m == "TanH":
        return np.tanh(x)
    x = np.where(np.isinf(x), np.nan, x) if m != "LogNormal" else x
    if st.get("invalid"):
        return np.full_like(x, np.nan)
    if st.get("constant"):
        fill = 0.0 if use_zero_for_constant else np.nan
        return np.where(np.isnan(x), np.nan, fill)
    if m == "ZScore":
        return (x - st["mean"]) / st["std"]
    if m == "MinMax":
        scale = 1.0 / (st["max"] - st["min"])
        return x * scale - st["min"] * scale
    # LogNormal: the lognormal cumulative distribution function
    from scipy.stats import lognorm
    return lognorm.cdf(x, st["shape"], loc=0.0, scale=st["scale"])


def normalize_frame(df: pd.DataFrame, method: str, columns: list, stats: dict,
                    use_zero_for_constant: bool) -> pd.DataFrame:
    """``df`` with ``columns`` scaled by ``method`` with the fitted ``stats`` (a column without
    statistics, all missing when fitting, is left as is)."""
    new = {}
    with np.errstate(all="ignore"):
        for c in columns:
            st = stats.get(c)
            if st is None:  # all values were missing when fitting: left as is
                continue
            new[c] = normalize_values(method, _as_float(df[c]), st, use_zero_for_constant)
    return df.assign(**new) if new else df[list(df.columns)]


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
        _check_numeric_columns(self.source, self.columns, df, "normalized")
        out = normalize_frame(df, self.method, self.columns, self.stats,
                              self.use_zero_for_constant)
        set_roles(out, get_roles(df), replace=True)
        return out

    def _scale(self, x: np.ndarray, st: dict) -> np.ndarray:
        return normalize_values(self.method, x, st, self.use_zero_for_constant)

    def output_schema(self, schema):
        out = schema
        for c in self.columns:
            if c in schema and c in self.stats:
                out = out.replace(c, kind="double")
        return out

    def describe(self) -> dict:
        return {**super().describe(), "method": self.method, "columns": self.columns,
                "stats": self.stats}

    def fast_step(self):
        """This scaling on a scoring request's columns (see :mod:`..fast_steps`)."""
        return NormalizeStep(self)


class NormalizeStep:
    """:class:`NormalizeTransformation`'s fast step: the fitted statistics applied to numpy
    columns and to one row."""

    def __init__(self, tr: NormalizeTransformation):
        self.scale = tr._scale
        self.columns = [(c, tr.stats[c]) for c in tr.columns if tr.stats.get(c) is not None]
        self.all = list(tr.columns)

    def __call__(self, t: dict, n: int, known: set):
        for c in self.all:
            if c not in t or t[c].dtype.kind not in "fiu":
                raise fs.Fallback("column")
        t = dict(t)
        with np.errstate(all="ignore"):
            for c, st in self.columns:
                t[c] = self.scale(fs.as_float(t[c]), st)
                known.discard(c)  # a scaled value may be NaN (a constant column, say)
        return t, n

    def row_function(self, kinds: dict):
        if any(c not in kinds or kinds[c] not in "fiu" for c in self.all):
            return fs.refuse("column")
        scale, columns = self.scale, self.columns

        def row(r):
            r = dict(r)
            with np.errstate(all="ignore"):
                for c, st in columns:
                    r[c] = float(scale(np.array([float(r[c])]), st)[0])
            return r
        return row


def _fit_normalize(method: str, df: pd.DataFrame, columns: list, use_zero: bool):
    return NormalizeTransformation(method, columns, normalize_stats(method, df, columns),
                                   use_zero)


def normalize_stats(method: str, df: pd.DataFrame, columns: list) -> dict:
    """The statistics ``method`` fits on ``df``'s ``columns`` ({column: {...}}; a column with
    only missing values gets none)."""
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
    return stats


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


def bin_values(index: np.ndarray, n_bins: int, categorical: bool, normalization,
               requested_bins: int):
    """Bin numbers (1-based float array, NaN for missing) -> output column values."""
    norm = normalization
    if norm in ("Percent", "PQuantile"):
        scale = 100.0 if norm == "Percent" else 1.0
        levels = np.arange(1, n_bins + 1) / (requested_bins + 1) * scale
        values = index / (requested_bins + 1) * scale
    else:
        levels = np.arange(1, n_bins + 1)
        values = index
    if categorical:
        codes = np.where(np.isnan(index), -1, index - 1).astype("int64")
        return pd.Categorical.from_codes(codes, categories=levels)
    if norm in ("Percent", "PQuantile") or np.isnan(index).any():
        return values.astype("float64")
    return values.astype("int64")


def bin_frame(df: pd.DataFrame, columns: list, edges: dict, output_mode: str, categorical: bool,
              normalization, requested_bins: int, names: dict) -> pd.DataFrame:
    """Group Data into Bins' fitted bins (``edges`` per column) applied to ``df``."""
    binned = {}
    for c in columns:
        column_edges = np.asarray(edges[c])
        x = _as_float(df[c])
        # right-closed bins: value v falls in bin i when edges[i-1] < v <= edges[i]
        idx = np.searchsorted(column_edges, x, side="left").astype("float64")
        idx[np.isnan(x) | (x == -np.inf)] = np.nan
        binned[c] = bin_values(idx, len(column_edges) - 1, categorical, normalization,
                               requested_bins)
    if output_mode == "Result Only":
        return pd.DataFrame({c: binned[c] for c in columns}, index=df.index)
    if output_mode == "Inplace":
        return df.assign(**binned)
    return df.assign(**{names[c]: binned[c] for c in columns})


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

    def transform(self, df):
        _check_numeric_columns(self.source, self.columns, df, "binned")
        roles = get_roles(df)
        out = bin_frame(df, self.columns, self.edges, self.output_mode, self.categorical,
                        self.normalization, self.requested_bins, self.names)
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


def fit_bin_edges(ctx, df: pd.DataFrame, cols: list, mode: str, n_bins: int,
                  custom: list | None) -> dict:
    """Group Data into Bins' edges per column, fitted on ``df`` (``custom``: the edges of the
    Custom Edges mode), the outer ones at -inf and +inf."""
    edges = {}
    if mode == CUSTOM_EDGES:
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
    return edges


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
    custom = None
    if mode == CUSTOM_EDGES:
        custom = _parse_edges(params["comma_separated_list_of_bin_edges"], ctx.error)
    edges = fit_bin_edges(ctx, df, cols, mode, n_bins, custom)
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
EXAMPLES = {
    "normalize_data": lambda: (
        {"dataset": _example_frame()},
        {"transformation_method": "ZScore", "columns_to_transform": ["age", "income", "visits"]}),
    "group_data_into_bins": lambda: (
        {"dataset": _example_frame()},
        {"columns_to_bin": ["income", "visits"], "number_of_bins": 4}),
}
