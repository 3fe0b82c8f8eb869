"""What the cleaning, math and scaling components of the Data Transformation category share:
the category name, the all-numeric column selection, an Enum with alternative spellings, and
helpers for column names, plain stored values and numeric checks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.params import Columns, Enum
from jupyter_designer.engine.schema import NUMERIC_KINDS, Schema, kind_of_dtype

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


