"""Data Format Conversions of the Data Transformation category: Convert to CSV and Convert to
Dataset (CSV text to a table, with missing-value and replacement actions)."""

from __future__ import annotations

import io
import math

import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import Enum, String
from jupyter_designer.engine.ports import ANY, DATASET, Port
from jupyter_designer.engine.schema import NUMERIC_KINDS, Schema, get_roles

from .columns import CATEGORY, CONVERSIONS, _FALSE, _TRUE, _cars, _kind, _nullable, _with_roles


# -- Convert to CSV / Convert to Dataset ------------------------------------------------------
@component(
    "Convert to CSV", category=CATEGORY, subcategory=CONVERSIONS,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("results_dataset", ANY, "Results dataset",
                  description="The dataset as CSV text (a str)")],
)
def convert_to_csv(ctx, inputs, params):
    """Convert a dataset to comma-separated text with a header row."""
    return {"results_dataset": inputs["dataset"].to_csv(index=False)}


def _matches(s: pd.Series, value: str) -> pd.Series:
    """Cells of ``s`` equal to the text ``value`` (numbers compare numerically)."""
    kind = _kind(s)
    if kind in NUMERIC_KINDS:
        try:
            v = float(value)
        except ValueError:
            return pd.Series(False, index=s.index)
        return (s == v).fillna(False).astype(bool)
    if kind == "boolean":
        v = value.strip().lower()
        if v not in _TRUE | _FALSE:
            return pd.Series(False, index=s.index)
        return (s.astype(object) == (v in _TRUE)).fillna(False).astype(bool)
    text = s.astype(object).map(lambda x: None if x is None or x is pd.NA or
                                (isinstance(x, float) and math.isnan(x)) else str(x))
    return (text == value).fillna(False).astype(bool)


def _infer_numbers(s: pd.Series) -> pd.Series:
    """A text column whose values are all numbers, as numbers (else unchanged)."""
    if _kind(s) != "string":
        return s
    present = s.dropna()
    if len(present) == 0:
        return s
    num = pd.to_numeric(s.astype(object), errors="coerce")
    if num[s.notna()].isna().any():
        return s
    if num.notna().all() and (num == num.round()).all():
        return num.astype("int64")
    return num.astype("float64")


def _cast_value(s: pd.Series, value: str):
    """``value`` in the type of ``s``, or raise ``ValueError`` when it does not conform."""
    kind = _kind(s)
    if kind in NUMERIC_KINDS:
        v = float(value)
        return int(v) if kind == "integer" and v.is_integer() else v
    if kind == "boolean":
        v = value.strip().lower()
        if v not in _TRUE | _FALSE:
            raise ValueError(value)
        return v in _TRUE
    if kind == "datetime":
        return pd.Timestamp(value)
    if kind == "timespan":
        return pd.Timedelta(value)
    return value


def _replace(ctx, s: pd.Series, mask: pd.Series, value: str, col: str) -> pd.Series:
    if not mask.any():
        return s
    try:
        v = _cast_value(s, value)
    except (ValueError, TypeError):
        ctx.log("Column %r: %r is not a %s value; its values are left unchanged.", col, value,
                _kind(s))
        return s
    if isinstance(s.dtype, pd.CategoricalDtype):
        if v not in s.cat.categories:
            s = s.cat.add_categories([v])
        return s.mask(mask, v)
    if _kind(s) == "integer" and isinstance(v, float):
        s = s.astype("float64")
    if _kind(s) == "boolean" and s.dtype == object:
        s = s.astype("boolean")
    return s.mask(mask, v)


@component(
    "Convert to Dataset", category=CATEGORY, subcategory=CONVERSIONS,
    inputs=[Port("dataset", ANY, "Dataset", description="A dataset, or CSV text")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[
        Enum("action", "Action", default="None", choices=("None", "SetMissingValue", "ReplaceValues")),
        String("custom_missing_value", "Custom missing value", default="?",
               visible_if={"action": ["SetMissingValue"]},
               description="Cells equal to this value become missing"),
        Enum("replace", "Replace", default="Missing", choices=("Missing", "Custom"),
             visible_if={"action": ["ReplaceValues"]}),
        String("custom_value", "Custom value", default="obs", required=False,
               visible_if={"action": ["ReplaceValues"], "replace": ["Custom"]},
               description="The exact value to find"),
        String("new_value", "New value", visible_if={"action": ["ReplaceValues"]},
               description="The value to put instead"),
    ],
    schema=lambda inputs, params: (
        {"results_dataset": inputs.get("dataset")}
        if params["action"] in ("None", "ReplaceValues") and isinstance(inputs.get("dataset"), Schema)
        else None),
)
def convert_to_dataset(ctx, inputs, params):
    """Convert data to a dataset, optionally marking or replacing values."""
    data = inputs["dataset"]
    roles = get_roles(data) if isinstance(data, pd.DataFrame) else {}
    out = to_dataset(ctx, data, params)
    return {"results_dataset": _with_roles(out, roles)}


def to_dataset(ctx, data, params: dict) -> pd.DataFrame:
    """Convert to Dataset: ``data`` (a table or CSV text) as a table, its values marked
    missing or replaced as ``params`` say."""
    if isinstance(data, (str, bytes)):
        text = data.decode() if isinstance(data, bytes) else data
        try:
            data = pd.read_csv(io.StringIO(text))
        except Exception as exc:
            raise ctx.error(f"the input is text that cannot be parsed as CSV: {exc}.") from None
    elif not isinstance(data, pd.DataFrame):
        raise ctx.error(f"the input is a {type(data).__name__}, which cannot become a dataset; "
                        "connect a dataset or CSV text (Convert to CSV).")
    action = params["action"]
    out = data.copy(deep=False)
    if action == "SetMissingValue":
        marker = params["custom_missing_value"]
        for c in out.columns:
            mask = _matches(out[c], marker)
            if mask.any():
                s = _nullable(out[c]) if _kind(out[c]) in ("integer", "boolean") else out[c]
                s = s.mask(mask)
                if isinstance(s.dtype, pd.CategoricalDtype):
                    s = s.cat.remove_unused_categories()
                out[c] = _infer_numbers(s)
    elif action == "ReplaceValues":
        new = params["new_value"]
        if new is None:
            raise ctx.error("the 'New value' parameter is required when 'Action' is "
                            "ReplaceValues; enter the value to put instead.")
        for c in out.columns:
            s = out[c]
            mask = s.isna() if params["replace"] == "Missing" else \
                _matches(s, params["custom_value"] or "")
            replaced = _replace(ctx, s, mask, new, str(c))
            if replaced is not s:
                out[c] = replaced
    return out


# -- examples for the contract tests ---------------------------------------------------------
EXAMPLES = {
    "convert_to_csv": lambda: ({"dataset": _cars()}, {}),
    "convert_to_dataset": lambda: ({"dataset": "a,b\n1,?\n2,3\n"}, {"action": "SetMissingValue"}),
}
