"""Extract Date Parts: date and time columns become numeric columns a learner can use.

Learners take numbers and categories. A date column is neither: one-hot encoding its
distinct values would make one feature per day and learn nothing about days not seen in
training. Extract Date Parts is the visible step that turns each date into its year, month,
day, day of week, ... (integers), which Train Model then uses like any numeric column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import Bool, Columns, Enum, List
from jupyter_designer.engine.ports import DATASET, Port
from jupyter_designer.engine.schema import Schema, get_roles, kind_of_dtype, set_roles

CATEGORY = "Data Transformation"
NAME = "Extract Date Parts"

#: part -> (suffix of the new column, how to compute it from a datetime Series' ``.dt``)
PARTS = {
    "Year": ("Year", lambda d: d.year),
    "Month": ("Month", lambda d: d.month),
    "Day": ("Day", lambda d: d.day),
    "Day of week": ("DayOfWeek", lambda d: d.day_of_week),   # Monday = 0
    "Day of year": ("DayOfYear", lambda d: d.day_of_year),
    "Quarter": ("Quarter", lambda d: d.quarter),
    "Hour": ("Hour", lambda d: d.hour),
    "Minute": ("Minute", lambda d: d.minute),
    "Second": ("Second", lambda d: d.second),
}
ALL_DATES = {"begin_with": "none", "rules": [{"action": "include", "by": "type", "values": ["DateTime"]}]}

_COLUMNS = Columns("date_columns", "Date columns", port="dataset", default=ALL_DATES,
                   description="Columns holding dates (DateTime columns, or text in ISO 8601 "
                               "form such as 2024-01-31)")
_PARTS = List("parts", "Parts", default=["Year", "Month", "Day", "Day of week"], min_length=1,
              item=Enum("part", "Part", choices=tuple(PARTS)),
              description="Numeric columns made from each date: '<column>_Year', "
                          "'<column>_Month', ... (Day of week: Monday is 0)")
_KEEP = Bool("keep_date_columns", "Keep date columns", default=False,
             description="Keep the original date columns next to the new ones (learners cannot "
                         "use them)")


def _new_names(col: str, parts) -> list[str]:
    return [f"{col}_{PARTS[p][0]}" for p in parts]


def _dates_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    cols = _COLUMNS.resolve(params["date_columns"], schema, NAME)
    out = schema
    for c in cols:
        out = out.add(*[(n, "integer") for n in _new_names(c, params["parts"])])
    if not params["keep_date_columns"]:
        out = out.drop(cols)
    return {"results_dataset": out}


def _as_dates(ctx, df, col) -> pd.Series:
    s = df[col]
    kind = kind_of_dtype(s.dtype)
    if kind == "datetime":
        return s
    if kind != "string":
        raise ctx.error(f"column {col!r} is a {kind} column, not dates. Select DateTime columns "
                        "(or text columns of ISO 8601 dates) in 'Date columns'.")
    try:
        return pd.to_datetime(s, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as exc:
        bad = next((v for v in s.dropna() if _not_date(v)), None)
        raise ctx.error(f"column {col!r} holds text that is not a date in ISO 8601 form"
                        f"{f' (e.g. {bad!r})' if bad is not None else ''}: {exc}. Convert it "
                        "first, or leave it out of 'Date columns'.") from None


def _not_date(v) -> bool:
    try:
        pd.Timestamp(str(v))
        return False
    except (ValueError, TypeError):
        return True


def date_parts_frame(ctx, df: pd.DataFrame, cols: list, parts: list,
                     keep_date_columns: bool) -> pd.DataFrame:
    """``df`` with the date ``parts`` of the columns ``cols`` as new columns."""
    new = {}
    for c in cols:
        dates = _as_dates(ctx, df, c)
        for part, name in zip(parts, _new_names(c, parts)):
            if name in df.columns and name not in new:
                raise ctx.error(f"the dataset already has a column {name!r}. Rename it with "
                                "Edit Metadata first.")
            values = PARTS[part][1](dates.dt)
            values = values.astype("float64") if values.isna().any() else values.astype(np.int64)
            new[name] = values.to_numpy()
    out = df.assign(**new)
    if not keep_date_columns:
        out = out.drop(columns=cols)
    return out


@component(
    NAME, category=CATEGORY, subcategory="Manipulation",
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[_COLUMNS, _PARTS, _KEEP], schema=_dates_schema,
)
def extract_date_parts(ctx, inputs, params):
    """Turns date and time columns into numeric columns (year, month, day, day of week, ...)
    that learners can use."""
    df = inputs["dataset"]
    schema = Schema.from_frame(df)
    cols = _COLUMNS.resolve(params["date_columns"], schema, ctx.component)
    if not cols:
        raise ctx.error("the 'Date columns' parameter selects no column. Select the date "
                        "columns (by default every DateTime column; mark text dates as DateTime "
                        "with Edit Metadata, or select them by name).")
    roles = get_roles(df)
    out = date_parts_frame(ctx, df, cols, params["parts"], params["keep_date_columns"])
    set_roles(out, roles, replace=True)
    ctx.log("Extracted %s from %s", ", ".join(params["parts"]), ", ".join(cols))
    return {"results_dataset": out}


def _example():
    df = pd.DataFrame({"sold": pd.to_datetime(["2024-01-31", "2024-02-29 13:45", "2025-12-01"],
                                              format="ISO8601"),
                       "when": ["2024-03-01", "2024-03-02", "2024-03-03"],
                       "price": [1.0, 2.0, 3.0]})
    return {"dataset": df}, {"date_columns": ["sold", "when"],
                             "parts": ["Year", "Month", "Day", "Day of week", "Hour"]}


EXAMPLES = {"extract_date_parts": _example}
