"""Column statistics and histograms of a table.

:func:`summarize` computes the reference product's "Summarize Data" report (one row per
column); :func:`histogram` the distribution of one column in a JSON-ready form; and
:func:`profile` both for every column, which is what dataset profiling and the canvas
"Visualize" view show.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .schema import NUMERIC_KINDS, get_roles, kind_of_dtype

#: The report's columns, in the reference product's order.
SUMMARY_COLUMNS = (
    "Feature", "Count", "Unique Value Count", "Missing Value Count", "Min", "Max", "Mean",
    "Mean Deviation", "1st Quartile", "Median", "3rd Quartile", "Mode", "Range",
    "Sample Variance", "Sample Standard Deviation", "Sample Skewness", "Sample Kurtosis",
    "P0.5", "P1", "P5", "P95", "P99", "P99.5",
)
_COUNT_COLUMNS = ("Count", "Unique Value Count", "Missing Value Count")
_STAT_COLUMNS = SUMMARY_COLUMNS[4:]
_PERCENTILES = {"P0.5": 0.005, "P1": 0.01, "P5": 0.05, "P95": 0.95, "P99": 0.99, "P99.5": 0.995}


def _numeric_stats(values: pd.Series, boolean: bool) -> dict:
    """Statistics of the non-missing values of a numeric (or boolean, as 1.0/0.0) column."""
    out = dict.fromkeys(_STAT_COLUMNS, math.nan)
    if len(values) == 0:
        return out
    x = values.astype("float64")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        q = x.quantile([0.25, 0.5, 0.75, *_PERCENTILES.values()]).to_numpy()
        mean = x.mean()
        out.update({
            "Min": x.min(), "Max": x.max(), "Mean": mean,
            "Mean Deviation": (x - mean).abs().mean(),
            "1st Quartile": q[0], "Median": q[1], "3rd Quartile": q[2],
            "Mode": x.mode().iloc[0],
            "Range": x.max() - x.min(),
            "Sample Variance": x.var(ddof=1), "Sample Standard Deviation": x.std(ddof=1),
            "Sample Skewness": x.skew(), "Sample Kurtosis": x.kurt(),
        })
        out.update(dict(zip(_PERCENTILES, q[3:])))
    if boolean:
        # the reference: Min is a logical AND, Max a logical OR, Range 1 when both values occur
        out["Range"] = 1.0 if values.nunique() == 2 else 0.0
    return {k: float(v) for k, v in out.items()}


def column_kind(series: pd.Series) -> str:
    """The column's kind; an object column holding only booleans (and missing values,
    which turn a bool column into object) counts as boolean."""
    kind = kind_of_dtype(series.dtype)
    if kind == "string" and series.dtype == object and \
            pd.api.types.infer_dtype(series, skipna=True) == "boolean":
        return "boolean"
    return kind


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """One row of descriptive statistics per column of ``df`` (the Summarize Data report).

    ``Count`` counts the non-missing values. Numeric columns get every statistic; boolean
    columns too, with True as 1.0 and False as 0.0; other columns (strings, categories,
    dates) only the counts, their other statistics are missing. Quantiles interpolate
    linearly; variance, standard deviation, skewness and (excess) kurtosis are the
    bias-corrected sample statistics.
    """
    rows = []
    for name in df.columns:
        s = df[name]
        kind = column_kind(s)
        present = s.dropna()
        row: dict[str, Any] = {"Feature": str(name), "Count": int(len(present)),
                               "Unique Value Count": int(present.nunique()),
                               "Missing Value Count": int(len(s) - len(present))}
        if kind in NUMERIC_KINDS or kind == "boolean":
            row.update(_numeric_stats(present, boolean=kind == "boolean"))
        else:
            row.update(dict.fromkeys(_STAT_COLUMNS, math.nan))
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    out = out.astype({"Feature": "str", **{c: "int64" for c in _COUNT_COLUMNS},
                      **{c: "float64" for c in _STAT_COLUMNS}})
    return out


# -- histograms ---------------------------------------------------------------------
def json_value(v):
    """A JSON-ready Python value for a table cell (NaN and NaT become ``None``)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).isoformat()
    if isinstance(v, (pd.Timedelta, np.timedelta64)):
        return pd.Timedelta(v).total_seconds()
    if isinstance(v, str):
        return v
    return str(v)


def histogram(series: pd.Series, bins: int = 20, *, max_categories: int = 30) -> dict:
    """The distribution of one column, JSON-ready.

    Numeric columns: ``{"kind": "numeric", "edges": [...bins+1 floats], "counts": [...]}``
    over the finite values. Dates: ``"kind": "datetime"`` with ISO-formatted edges.
    Durations: ``"kind": "timespan"`` with edges in seconds. Anything else (strings,
    categories, booleans): ``{"kind": "categorical", "categories": [...], "counts": [...],
    "other": n}`` with the ``max_categories`` most frequent values, most frequent first,
    and ``other`` counting the rest. Every form also has ``missing`` and ``count`` (the
    number of non-missing values).
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    kind = column_kind(series)
    present = series.dropna()
    base = {"count": int(len(present)), "missing": int(len(series) - len(present))}
    if kind in NUMERIC_KINDS or kind in ("datetime", "timespan"):
        if kind == "datetime":
            if getattr(present.dt, "tz", None) is not None:
                present = present.dt.tz_convert("UTC").dt.tz_localize(None)
            values = present.astype("datetime64[ns]").astype("int64").to_numpy(dtype="float64")
        elif kind == "timespan":
            values = present.dt.total_seconds().to_numpy(dtype="float64")
        else:
            values = present.to_numpy(dtype="float64")
        values = values[np.isfinite(values)]
        if len(values) == 0:
            edges, counts = np.array([]), np.array([], dtype="int64")
        else:
            counts, edges = np.histogram(values, bins=bins)
        if kind == "datetime":
            edge_list = [pd.Timestamp(int(e)).isoformat() for e in edges]
        else:
            edge_list = [float(e) for e in edges]
        return {"kind": "numeric" if kind in NUMERIC_KINDS else kind, "edges": edge_list,
                "counts": [int(c) for c in counts], **base}
    counts = present.value_counts(sort=False)
    order = sorted(range(len(counts)), key=lambda i: (-int(counts.iloc[i]), str(counts.index[i])))
    top = order[:max_categories]
    return {"kind": "categorical",
            "categories": [json_value(counts.index[i]) for i in top],
            "counts": [int(counts.iloc[i]) for i in top],
            "other": int(sum(int(counts.iloc[i]) for i in order[max_categories:])), **base}


def profile(df: pd.DataFrame, bins: int = 20) -> dict:
    """Row and column counts, and per column its kind, role, statistics and histogram."""
    summary = summarize(df)
    roles = get_roles(df)
    columns = []
    for (name, s), (_, stats) in zip(df.items(), summary.iterrows()):
        columns.append({"name": str(name), "kind": column_kind(s), "role": roles.get(str(name)),
                        "statistics": {k: json_value(stats[k]) for k in SUMMARY_COLUMNS[1:]},
                        "histogram": histogram(s, bins)})
    return {"rows": int(len(df)), "columns": columns}
