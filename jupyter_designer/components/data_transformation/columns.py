"""Column-level Data Transformation components: select, edit metadata, add, join, ..."""

from __future__ import annotations

import io
import math
import re
import sqlite3

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.params import Bool, Columns, Enum, List, Script, String
from jupyter_designer.engine.ports import ANY, DATASET, TRANSFORMATION, Port
from jupyter_designer.engine.schema import (NUMERIC_KINDS, Column, Schema, get_roles,
                                            kind_of_dtype, set_roles)

CATEGORY = "Data Transformation"
MANIPULATION = "Manipulation"
CONVERSIONS = "Data Format Conversions"


#: Declared by components that an inference pipeline tells the trained model's label columns
#: (see :mod:`jupyter_designer.engine.inference`): data to score may lack them.
LABEL_COLUMNS = List(
    "label_columns", "Label columns", default=[], required=False,
    item=String("label_column", "Label column", allow_empty=False),
    description="Columns that data to score may leave out: the label columns of the trained "
                "model. A missing label removes no row, and an absent one is not required. "
                "Inference pipelines set this.")
_SELECT_COLUMNS = Columns("select_columns", "Select columns", port="dataset",
                          description="Columns to keep: names, or rules by name, type or index")


def resolve_without_labels(param: Columns, value, schema: Schema, label_columns,
                           component: str) -> list[str]:
    """The columns ``value`` selects from ``schema``, where label columns the schema lacks
    (data to score) count as selectable and are left out of the result."""
    absent = [str(c) for c in label_columns or [] if str(c) not in schema]
    if absent:
        schema = schema.add(*[(c, "double") for c in absent])
    return [n for n in param.resolve(value, schema, component) if n not in absent]


def _select_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    names = resolve_without_labels(_SELECT_COLUMNS, params["select_columns"], schema,
                                   params.get("label_columns"), "Select Columns in Dataset")
    return {"results_dataset": schema.select(names)}


@component(
    "Select Columns in Dataset", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[_SELECT_COLUMNS, LABEL_COLUMNS],
    schema=_select_schema,
)
def select_columns_in_dataset(ctx, inputs, params):
    """Choose a subset of columns to use in downstream operations."""
    df = inputs["dataset"]
    names = resolve_without_labels(ctx.spec.param("select_columns"), params["select_columns"],
                                   Schema.from_frame(df), params.get("label_columns"),
                                   ctx.component)
    out = df[names]  # copy-on-write: no copy until someone writes
    set_roles(out, get_roles(df))
    return {"results_dataset": out}


# -- shared helpers ----------------------------------------------------------------------
def unique_name(name: str, taken) -> str:
    """``name``, or ``name (2)``, ``name (3)``, ... whichever is not taken yet."""
    if name not in taken:
        return name
    k = 2
    while f"{name} ({k})" in taken:
        k += 1
    return f"{name} ({k})"


def _kind(s: pd.Series) -> str:
    kind = kind_of_dtype(s.dtype)
    if kind == "string" and s.dtype == object:
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred == "boolean":
            return "boolean"
    return kind


def _nullable(s: pd.Series) -> pd.Series:
    """A column that can hold missing values without changing kind unpredictably:
    integers become doubles, booleans nullable booleans."""
    kind = _kind(s)
    if kind == "integer":
        return s.astype("float64")
    if kind == "boolean":
        return s.astype("boolean")
    return s


def _nullable_kind(kind: str) -> str:
    return "double" if kind == "integer" else kind


def _with_roles(df: pd.DataFrame, roles: dict) -> pd.DataFrame:
    return set_roles(df, roles, replace=True)


def _resolve(ctx, key: str, value, df: pd.DataFrame) -> list[str]:
    return ctx.spec.param(key).resolve(value, Schema.from_frame(df), ctx.component)


# -- Select Columns Transform ----------------------------------------------------------
class ColumnSelectionTransformation(Transformation):
    """Selects a fixed list of columns (in that order) from new data.

    A column that was the label of the dataset it was made from may be absent (scoring
    data usually has no label); any other absent column is an error.
    """

    source = "Select Columns Transform"

    def __init__(self, columns: list, label: str | None = None):
        self.columns = [str(c) for c in columns]
        self.label = label

    def transform(self, df):
        missing = [c for c in self.columns if c not in df.columns and c != self.label]
        if missing:
            raise ComponentError(
                f"{self.source}: the dataset lacks column(s) {', '.join(map(repr, missing))} "
                f"that the column selection keeps. Its columns are: {', '.join(map(str, df.columns))}.")
        keep = [c for c in self.columns if c in df.columns]
        out = df[keep]
        set_roles(out, get_roles(df))
        return out

    def output_schema(self, schema):
        return schema.select([c for c in self.columns if c in schema])

    def describe(self) -> dict:
        return {**super().describe(), "columns": list(self.columns)}


@component(
    "Select Columns Transform", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset_with_desired_columns", DATASET, "Dataset with desired columns")],
    outputs=[Port("columns_selection_transformation", TRANSFORMATION,
                  "Columns selection transformation")],
    transformation_output="columns_selection_transformation",
)
def select_columns_transform(ctx, inputs, params):
    """Create a transformation that selects the columns of the given dataset from new data
    (apply it with Apply Transformation)."""
    df = inputs["dataset_with_desired_columns"]
    label = Schema.from_frame(df).label()
    return {"columns_selection_transformation": ColumnSelectionTransformation(list(df.columns), label)}


# -- Edit Metadata -----------------------------------------------------------------------
DATA_TYPES = ("Unchanged", "String", "Integer", "Double", "Boolean", "DateTime", "TimeSpan")
TYPE_KINDS = {"String": "string", "Integer": "integer", "Double": "double", "Boolean": "boolean",
              "DateTime": "datetime", "TimeSpan": "timespan"}
CATEGORICAL_CHOICES = ("Unchanged", "Categorical", "Make non-categorical")
FIELDS = ("Unchanged", "Features", "Label", "Clear feature", "Clear label", "Clear score")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _first_bad(values: pd.Series, mask: pd.Series):
    """The first offending value, as plain Python (for a readable message)."""
    v = values[mask].iloc[0]
    return v.item() if isinstance(v, np.generic) else v


def _epoch_seconds(s: pd.Series) -> pd.Series:
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return (s - pd.Timestamp(0)) / pd.Timedelta(seconds=1)


def _as_numbers(s: pd.Series, col: str, target: str) -> pd.Series:
    kind = _kind(s)
    if kind in NUMERIC_KINDS or kind == "boolean":
        return s.astype("float64")
    if kind == "datetime":
        return _epoch_seconds(s)
    if kind == "timespan":
        return s.dt.total_seconds()
    obj = s.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    num = pd.to_numeric(obj, errors="coerce")
    bad = obj.notna() & num.isna()
    if bad.any():
        raise ValueError(f"column '{col}' has the value {_first_bad(obj, bad)!r}, which is not "
                         f"a number, so it cannot become {target}")
    return num.astype("float64")


def convert_type(s: pd.Series, data_type: str, col: str, datetime_format: str = "") -> pd.Series:
    """``s`` converted to one of the reference's data types (raises ``ValueError``).

    Numbers and dates convert through seconds since 1970-01-01 (durations: seconds).
    """
    kind = _kind(s)
    missing = s.isna()
    if data_type == "String":
        if kind == "string" and s.dtype != object:
            return s
        return s.astype("str")
    if data_type in ("Integer", "Double"):
        x = _as_numbers(s, col, "an " + data_type if data_type == "Integer" else "a Double")
        if data_type == "Double":
            return x
        finite = np.isfinite(x.to_numpy(dtype="float64", na_value=np.nan)) | missing.to_numpy()
        if not finite.all():
            raise ValueError(f"column '{col}' has infinite values, which cannot become Integer")
        frac = x.notna() & (x != np.floor(x))
        if frac.any():
            raise ValueError(f"column '{col}' has the value {_first_bad(x, frac)!r}, which is not "
                             "a whole number; round the column first (Apply Math Operation) "
                             "or make it Double")
        return x.astype("Int64" if missing.any() else "int64")
    if data_type == "Boolean":
        if kind == "boolean":
            out = s.astype("boolean")
        elif kind in NUMERIC_KINDS:
            out = (s.astype("float64") != 0).astype("boolean").mask(missing)
        elif kind in ("string", "categorical"):
            text = s.astype(object).map(lambda v: str(v).strip().lower() if v is not None
                                        and not (isinstance(v, float) and math.isnan(v)) else None)
            bad = text.notna() & ~text.isin(_TRUE | _FALSE)
            if bad.any():
                raise ValueError(f"column '{col}' has the value {_first_bad(s, bad)!r}, which is "
                                 "not a Boolean (true/false, yes/no, 1/0)")
            out = text.map(lambda v: None if v is None else v in _TRUE).astype("boolean")
        else:
            raise ValueError(f"column '{col}' is {kind} and cannot become Boolean")
        return out if missing.any() else out.astype(bool)
    if data_type == "DateTime":
        if kind == "datetime":
            return s
        if kind in NUMERIC_KINDS:
            return pd.to_datetime(s.astype("float64"), unit="s")
        if kind not in ("string", "categorical"):
            raise ValueError(f"column '{col}' is {kind} and cannot become DateTime")
        obj = s.astype(object)
        fmt = (datetime_format or "").strip() or None
        out = pd.to_datetime(obj, format=fmt, errors="coerce")
        bad = obj.notna() & out.isna()
        if bad.any() and fmt is None:
            out = pd.to_datetime(obj, format="mixed", errors="coerce")
            bad = obj.notna() & out.isna()
        if bad.any():
            how = f"the DateTime format {fmt!r}" if fmt else "a date/time"
            raise ValueError(f"column '{col}' has the value {_first_bad(obj, bad)!r}, which is not "
                             f"{how}; set 'DateTime format' (Python strftime codes, e.g. %d/%m/%Y)")
        return out
    if data_type == "TimeSpan":
        if kind == "timespan":
            return s
        if kind in NUMERIC_KINDS:
            return pd.to_timedelta(s.astype("float64"), unit="s")
        if kind not in ("string", "categorical"):
            raise ValueError(f"column '{col}' is {kind} and cannot become TimeSpan")
        obj = s.astype(object)
        out = pd.to_timedelta(obj, errors="coerce")
        bad = obj.notna() & out.isna()
        if bad.any():
            raise ValueError(f"column '{col}' has the value {_first_bad(obj, bad)!r}, which is "
                             "not a time span such as '1 days 02:00:00'")
        return out
    raise ValueError(f"unknown data type {data_type!r}")


def _decategorize(s: pd.Series) -> pd.Series:
    cats = s.cat.categories
    kind = kind_of_dtype(cats.dtype)
    if s.isna().any() and kind == "integer":
        return s.astype("float64")
    if s.isna().any() and kind == "boolean":
        return s.astype(object).astype("boolean")
    return s.astype(cats.dtype)


def apply_fields(roles: dict, names: list[str], fields: str) -> dict:
    """Column roles after Edit Metadata's "Fields" option (raises ``ValueError``)."""
    roles = dict(roles)
    if fields == "Features":
        roles.update({n: "feature" for n in names})
    elif fields == "Label":
        if len(names) != 1:
            raise ValueError(f"'Fields' is Label but {len(names)} columns are selected "
                             f"({', '.join(names)}); a dataset has one label column, select one")
        roles = {k: (None if v == "label" else v) for k, v in roles.items()}
        roles[names[0]] = "label"
    else:
        clear = {"Clear feature": "feature", "Clear label": "label", "Clear score": "score"}.get(fields)
        if clear:
            roles.update({n: None for n in names if roles.get(n) == clear})
    return {k: v for k, v in roles.items() if v}


def new_column_names(names: list[str], text: str, all_names: list[str]) -> dict:
    """``{old: new}`` from Edit Metadata's comma-separated "New column names" (may raise)."""
    if not text or not text.strip():
        return {}
    new = [t.strip() for t in text.split(",")]
    if len(new) != len(names):
        raise ValueError(f"'New column names' has {len(new)} name(s) for {len(names)} selected "
                         f"column(s) ({', '.join(names)}); give one name per selected column, "
                         "in order, separated by commas")
    if not all(new):
        raise ValueError("'New column names' contains an empty name")
    mapping = dict(zip(names, new))
    final = [mapping.get(n, n) for n in all_names]
    dups = sorted({x for x in final if final.count(x) > 1})
    if dups:
        raise ValueError(f"renaming would give two columns named {dups[0]!r}; choose names the "
                         "dataset does not already have")
    return mapping


def _edit_metadata_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    names = Columns("column", "Column").resolve(params["column"], schema)
    kinds = {c.name: c.kind for c in schema}
    data_type, categorical = params["data_type"], params["categorical"]
    for n in names:
        was_cat = kinds[n] == "categorical"
        k = kinds[n]
        if data_type != "Unchanged":
            k = TYPE_KINDS[data_type]
            if was_cat and categorical == "Unchanged":
                k = "categorical"
        if categorical == "Categorical":
            k = "categorical"
        elif categorical == "Make non-categorical" and k == "categorical":
            if data_type == "Unchanged":
                return None  # the kind of the categories is not known at design time
            k = TYPE_KINDS[data_type]
        kinds[n] = k
    roles = apply_fields({c.name: c.role for c in schema if c.role}, names, params["fields"])
    rename = new_column_names(names, params["new_column_names"] or "", schema.names)
    return {"results_dataset": Schema(tuple(Column(rename.get(n, n), kinds[n], roles.get(n))
                                            for n in schema.names))}


@component(
    "Edit Metadata", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[
        Columns("column", "Column", port="dataset", description="The columns to change"),
        Enum("data_type", "Data type", default="Unchanged", choices=DATA_TYPES),
        String("datetime_format", "DateTime format", default="", required=False,
               visible_if={"data_type": ["DateTime"]},
               description="Python strftime codes such as %Y-%m-%d; empty guesses the format"),
        Enum("categorical", "Categorical", default="Unchanged", choices=CATEGORICAL_CHOICES),
        Enum("fields", "Fields", default="Unchanged", choices=FIELDS),
        String("new_column_names", "New column names", default="", required=False,
               description="New names for the selected columns, comma-separated, in order"),
    ],
    schema=_edit_metadata_schema,
)
def edit_metadata(ctx, inputs, params):
    """Change the data type, categorical flag, role (feature/label) or name of columns."""
    df = inputs["dataset"]
    names = _resolve(ctx, "column", params["column"], df)
    if not names:
        raise ctx.error("the 'Column' parameter selects no column; select the columns to edit.")
    data_type, categorical = params["data_type"], params["categorical"]
    out = df.copy(deep=False)  # copy-on-write: only the edited columns are new
    try:
        for n in names:
            s = original = out[n]
            was_cat = isinstance(s.dtype, pd.CategoricalDtype)
            if data_type != "Unchanged":
                s = convert_type(s.astype(object) if was_cat else s, data_type, n,
                                 params["datetime_format"])
                if was_cat and categorical == "Unchanged":
                    s = s.astype("category")
            if categorical == "Categorical" and not isinstance(s.dtype, pd.CategoricalDtype):
                s = s.astype("category")
            elif categorical == "Make non-categorical" and isinstance(s.dtype, pd.CategoricalDtype):
                s = _decategorize(s)
            if s is not original:
                out[n] = s
        roles = apply_fields(get_roles(df), names, params["fields"])
        rename = new_column_names(names, params["new_column_names"] or "",
                                  [str(c) for c in df.columns])
    except ValueError as exc:
        raise ctx.error(f"{exc}.") from None
    if rename:
        out = out.rename(columns=rename)
        roles = {rename.get(k, k): v for k, v in roles.items()}
    return {"results_dataset": _with_roles(out, roles)}


# -- Add Columns ---------------------------------------------------------------------------
def add_columns_names(left: list[str], right: list[str]) -> tuple[list[str], list[str]]:
    """Output names of Add Columns: a name in both inputs becomes ``name_1`` (left) and
    ``name_2`` (right), as the reference does."""
    both = set(left) & set(right)
    lnames = [f"{n}_1" if n in both else n for n in left]
    rnames = [f"{n}_2" if n in both else n for n in right]
    taken: set = set()
    out = []
    for n in lnames + rnames:
        n = unique_name(n, taken)
        taken.add(n)
        out.append(n)
    return out[:len(left)], out[len(left):]


def _merge_roles(left_roles: dict, right_roles: dict) -> dict:
    """Roles of a side-by-side combination: the left dataset's label wins."""
    roles = dict(left_roles)
    has_label = "label" in left_roles.values()
    roles.update({k: v for k, v in right_roles.items() if not (v == "label" and has_label)})
    return roles


def _add_columns_schema(inputs, params):
    left, right = inputs.get("left_dataset"), inputs.get("right_dataset")
    if left is None or right is None:
        return None
    ln, rn = add_columns_names(left.names, right.names)
    lroles = {ln[i]: c.role for i, c in enumerate(left) if c.role}
    rroles = {rn[i]: c.role for i, c in enumerate(right) if c.role}
    roles = _merge_roles(lroles, rroles)
    cols = [Column(n, c.kind, roles.get(n)) for n, c in zip(ln + rn, list(left) + list(right))]
    return {"combined_dataset": Schema(tuple(cols))}


@component(
    "Add Columns", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("left_dataset", DATASET, "Left dataset"),
            Port("right_dataset", DATASET, "Right dataset")],
    outputs=[Port("combined_dataset", DATASET, "Combined dataset")],
    schema=_add_columns_schema,
)
def add_columns(ctx, inputs, params):
    """Put the columns of two datasets side by side (row by row, in order)."""
    left, right = inputs["left_dataset"], inputs["right_dataset"]
    ln, rn = add_columns_names([str(c) for c in left.columns], [str(c) for c in right.columns])
    n = max(len(left), len(right))
    parts = []
    for df, names, what in ((left, ln, "left"), (right, rn, "right")):
        part = df.set_axis(names, axis=1).reset_index(drop=True)
        if len(part) < n:
            ctx.warn("The %s dataset has %d rows, the other %d: its missing rows are filled "
                     "with missing values.", what, len(part), n)
            part = part.astype({c: "boolean" for c in part.columns if _kind(part[c]) == "boolean"})
            part = part.reindex(range(n))
        parts.append(part)
    out = pd.concat(parts, axis=1)
    lroles = {ln[i]: r for i, c in enumerate(left.columns) if (r := get_roles(left).get(str(c)))}
    rroles = {rn[i]: r for i, c in enumerate(right.columns) if (r := get_roles(right).get(str(c)))}
    return {"combined_dataset": _with_roles(out, _merge_roles(lroles, rroles))}


# -- Add Rows ------------------------------------------------------------------------------
def _rows_kind(k1: str, k2: str) -> str | None:
    if k1 == k2:
        return k1
    pair = {k1, k2}
    if pair == {"integer", "double"}:
        return "double"
    if pair == {"categorical", "string"}:
        return "string"
    return None


def _check_add_rows(s1: Schema, s2: Schema) -> dict:
    missing2 = [n for n in s1.names if n not in s2]
    missing1 = [n for n in s2.names if n not in s1]
    if missing1 or missing2:
        parts = []
        if missing2:
            parts.append(f"Dataset2 lacks {', '.join(map(repr, missing2))}")
        if missing1:
            parts.append(f"Dataset1 lacks {', '.join(map(repr, missing1))}")
        raise ValueError("both datasets must have the same columns (matched by name): "
                         + "; ".join(parts) + ". Use Select Columns in Dataset or Edit Metadata "
                                              "to make them match")
    kinds = {}
    for c in s1:
        k = _rows_kind(c.kind, s2[c.name].kind)
        if k is None:
            raise ValueError(f"column {c.name!r} is {c.kind} in Dataset1 but {s2[c.name].kind} in "
                             "Dataset2; use Edit Metadata to give both the same data type")
        kinds[c.name] = k
    return kinds


def _add_rows_schema(inputs, params):
    s1, s2 = inputs.get("dataset1"), inputs.get("dataset2")
    if s1 is None or s2 is None:
        return None
    kinds = _check_add_rows(s1, s2)
    return {"results_dataset": Schema(tuple(Column(c.name, kinds[c.name], c.role) for c in s1))}


@component(
    "Add Rows", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset1", DATASET, "Dataset1"), Port("dataset2", DATASET, "Dataset2")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    schema=_add_rows_schema,
)
def add_rows(ctx, inputs, params):
    """Append the rows of the second dataset to the first (columns matched by name)."""
    d1, d2 = inputs["dataset1"], inputs["dataset2"]
    s1 = Schema.from_frame(d1)
    try:
        kinds = _check_add_rows(s1, Schema.from_frame(d2))
    except ValueError as exc:
        raise ctx.error(f"{exc}.") from None
    a, b = d1.copy(deep=False), d2[list(d1.columns)]
    b = b.copy(deep=False)
    for c in s1.names:
        k1, k2 = _kind(a[c]), _kind(b[c])
        if kinds[c] == "categorical":
            cats = a[c].cat.categories.union(b[c].cat.categories, sort=False)
            a[c] = a[c].cat.set_categories(cats)
            b[c] = b[c].cat.set_categories(cats)
        elif kinds[c] == "string" and "categorical" in (k1, k2):
            a[c], b[c] = a[c].astype("str"), b[c].astype("str")
        elif kinds[c] == "double" and k1 != k2:
            a[c], b[c] = a[c].astype("float64"), b[c].astype("float64")
    out = pd.concat([a, b], ignore_index=True)
    return {"results_dataset": _with_roles(out, get_roles(d1))}


# -- Join Data -----------------------------------------------------------------------------
JOIN_TYPES = ("Inner Join", "Left Outer Join", "Full Outer Join", "Left Semi-Join")


def _key_group(kind: str) -> str:
    return "number" if kind in NUMERIC_KINDS else "text" if kind in ("string", "categorical") \
        else kind


def _join_key_kinds(lk: list[str], rk: list[str], ls: Schema, rs: Schema) -> None:
    if not lk:
        raise ValueError("'Join key columns for L' selects no column; select the key column(s)")
    if len(lk) != len(rk):
        raise ValueError(f"'Join key columns for L' selects {len(lk)} column(s) "
                         f"({', '.join(lk)}) but 'Join key columns for R' {len(rk)} "
                         f"({', '.join(rk)}); select the same number of key columns, in the "
                         "same order")
    for a, b in zip(lk, rk):
        ka, kb = ls[a].kind, rs[b].kind
        if _key_group(ka) != _key_group(kb):
            raise ValueError(f"key column {a!r} of the left dataset is {ka} but {b!r} of the "
                             f"right dataset is {kb}; use Edit Metadata to give both the same "
                             "data type")


def join_names(lnames: list[str], rnames: list[str], rkeys: list[str], join_type: str,
               keep_right_keys: bool) -> list[tuple[str, str]]:
    """(right column, output name) pairs of the right columns in the joined table."""
    if join_type == "Left Semi-Join":
        return []
    taken = set(lnames)
    out = []
    for n in rnames:
        if n in rkeys and not keep_right_keys:
            continue
        new = unique_name(n, taken)
        taken.add(new)
        out.append((n, new))
    return out


def _join_params(params):
    join_type = params["join_type"]
    keep = bool(params["keep_right_key_columns_in_joined_table"])
    return join_type, keep


def _join_schema(inputs, params):
    ls, rs = inputs.get("dataset1"), inputs.get("dataset2")
    if ls is None or rs is None:
        return None
    lk = Columns("join_key_columns_for_l", "Join key columns for L").resolve(
        params["join_key_columns_for_l"], ls)
    rk = Columns("join_key_columns_for_r", "Join key columns for R").resolve(
        params["join_key_columns_for_r"], rs)
    _join_key_kinds(lk, rk, ls, rs)
    join_type, keep = _join_params(params)
    left_optional = join_type == "Full Outer Join"
    right_optional = join_type in ("Left Outer Join", "Full Outer Join")
    coalesce = left_optional and not keep
    cols = []
    for c in ls:
        optional = left_optional and not (coalesce and c.name in lk)
        kind = c.kind
        if coalesce and c.name in lk:
            rkind = rs[rk[lk.index(c.name)]].kind
            kind = kind if kind == rkind else "double" if {kind, rkind} <= set(NUMERIC_KINDS) else "string"
        cols.append(Column(c.name, _nullable_kind(kind) if optional else kind, c.role))
    has_label = ls.label() is not None
    for old, new in join_names(ls.names, rs.names, rk, join_type, keep):
        c = rs[old]
        role = None if (c.role == "label" and has_label) else c.role
        cols.append(Column(new, _nullable_kind(c.kind) if right_optional else c.kind, role))
    return {"results_dataset": Schema(tuple(cols))}


def _key_frame(df: pd.DataFrame, keys: list[str], kinds: list[str], match_case: bool) -> pd.DataFrame:
    out = {}
    for i, (k, kind) in enumerate(zip(keys, kinds)):
        s = df[k]
        if kind in NUMERIC_KINDS:
            s = s.astype("float64")
        elif kind in ("string", "categorical"):
            s = s.astype("str")  # missing values stay missing
            if not match_case:
                s = s.str.lower()
        out[f"k{i}"] = s.reset_index(drop=True)
    return pd.DataFrame(out)


def _hits(pos: np.ndarray, n: int) -> np.ndarray:
    hit = np.zeros(n, dtype=bool)
    hit[pos[pos >= 0]] = True
    return hit


def _ordered_pairs(lpos: np.ndarray, rpos: np.ndarray) -> bool:
    """Whether pairs are sorted by left row, then right row."""
    dl = np.diff(lpos)
    return bool(np.all(dl >= 0) and np.all((dl > 0) | (np.diff(rpos) > 0)))


def join_positions(left: pd.DataFrame, right: pd.DataFrame, lk: list[str], rk: list[str],
                   join_type: str, match_case: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the joined table in ``left`` and ``right`` (``-1``: no row).

    Rows keep the left table's order (then the right's for several matches); unmatched
    right rows of a full outer join come last. A missing key value matches nothing.
    """
    ls, rs = Schema.from_frame(left), Schema.from_frame(right)
    lf = _key_frame(left, lk, [ls[k].kind for k in lk], match_case)
    rf = _key_frame(right, rk, [rs[k].kind for k in rk], match_case)
    lf["__l"] = np.arange(len(left))
    rf["__r"] = np.arange(len(right))
    keys = [c for c in lf.columns if c != "__l"]
    lf = lf[lf[keys].notna().all(axis=1)]
    rf = rf[rf[keys].notna().all(axis=1)]
    pairs = lf.merge(rf, on=keys, how="inner")
    lpos = pairs["__l"].to_numpy(dtype="int64")
    rpos = pairs["__r"].to_numpy(dtype="int64")
    if len(lpos) > 1 and not (np.all(lpos[1:] > lpos[:-1]) or _ordered_pairs(lpos, rpos)):
        order = np.lexsort((rpos, lpos))
        lpos, rpos = lpos[order], rpos[order]
    if join_type == "Left Semi-Join":
        lpos = np.flatnonzero(_hits(lpos, len(left)))
        return lpos, np.full(len(lpos), -1, dtype="int64")
    if join_type in ("Left Outer Join", "Full Outer Join"):
        unmatched = np.flatnonzero(~_hits(lpos, len(left)))
        if len(unmatched):
            lpos = np.concatenate([lpos, unmatched])
            rpos = np.concatenate([rpos, np.full(len(unmatched), -1, dtype="int64")])
            order = np.argsort(lpos, kind="stable")
            lpos, rpos = lpos[order], rpos[order]
    if join_type == "Full Outer Join":
        extra = np.flatnonzero(~_hits(rpos, len(right)))
        lpos = np.concatenate([lpos, np.full(len(extra), -1, dtype="int64")])
        rpos = np.concatenate([rpos, extra])
    return lpos, rpos


def _coalesce_key(left: pd.Series, right: pd.Series, lpos, rpos) -> pd.Series:
    ka, kb = _kind(left), _kind(right)
    lv = _take(left.to_frame("k"), lpos, True)["k"]
    rv = _take(right.to_frame("k"), rpos, True)["k"]
    both_categorical = ka == kb == "categorical"
    if both_categorical:
        lv, rv = lv.astype(object), rv.astype(object)
    elif ka != kb and {ka, kb} <= {"string", "categorical"}:
        lv, rv = lv.astype("str"), rv.astype("str")
    elif ka != kb and {ka, kb} <= set(NUMERIC_KINDS):
        lv, rv = lv.astype("float64"), rv.astype("float64")
    merged = lv.where(pd.Series(np.asarray(lpos) >= 0, index=lv.index), rv)
    if both_categorical:
        merged = merged.astype("category")
    elif ka == kb and ka in ("integer", "boolean") and merged.notna().all():
        merged = merged.astype(left.dtype if ka == "integer" else bool)
    return merged


def _take(df: pd.DataFrame, pos: np.ndarray, optional: bool) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    if optional:
        df = df.astype({c: ("float64" if _kind(df[c]) == "integer" else "boolean")
                        for c in df.columns if _kind(df[c]) in ("integer", "boolean")})
        return df.reindex(pos).reset_index(drop=True)
    return df.take(pos).reset_index(drop=True)


@component(
    "Join Data", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset1", DATASET, "Left dataset"), Port("dataset2", DATASET, "Right dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[
        Columns("join_key_columns_for_l", "Join key columns for L", port="dataset1"),
        Columns("join_key_columns_for_r", "Join key columns for R", port="dataset2"),
        Bool("match_case", "Match case", default=True,
             description="Compare text keys case-sensitively"),
        Enum("join_type", "Join type", default="Inner Join", choices=JOIN_TYPES),
        Bool("keep_right_key_columns_in_joined_table", "Keep right key columns in joined table",
             default=True, visible_if={"join_type": list(JOIN_TYPES[:3])}),
    ],
    schema=_join_schema,
)
def join_data(ctx, inputs, params):
    """Join two datasets on key columns (inner, left outer, full outer or left semi-join)."""
    left, right = inputs["dataset1"], inputs["dataset2"]
    ls, rs = Schema.from_frame(left), Schema.from_frame(right)
    lk = _resolve(ctx, "join_key_columns_for_l", params["join_key_columns_for_l"], left)
    rk = _resolve(ctx, "join_key_columns_for_r", params["join_key_columns_for_r"], right)
    try:
        _join_key_kinds(lk, rk, ls, rs)
    except ValueError as exc:
        raise ctx.error(f"{exc}.") from None
    join_type, keep = _join_params(params)
    lpos, rpos = join_positions(left, right, lk, rk, join_type, params["match_case"])
    left_optional = join_type == "Full Outer Join"
    right_optional = join_type in ("Left Outer Join", "Full Outer Join")
    coalesce = left_optional and not keep
    lroles = get_roles(left)
    lout = _take(left, lpos, left_optional)
    if coalesce:  # right-only rows take their key values from the right table
        for a, b in zip(lk, rk):
            lout[a] = _coalesce_key(left[a], right[b], lpos, rpos)
    names = join_names(ls.names, rs.names, rk, join_type, keep)
    roles = dict(lroles)
    if names:
        rsel = right[[old for old, _ in names]].set_axis([new for _, new in names], axis=1)
        rout = _take(rsel, rpos, right_optional)
        out = pd.concat([lout, rout], axis=1)
        rroles = get_roles(right)
        has_label = "label" in lroles.values()
        roles.update({new: rroles[old] for old, new in names if rroles.get(old)
                      and not (rroles[old] == "label" and has_label)})
    else:
        out = lout
    ctx.log("%s: %d rows joined from %d left and %d right rows", join_type, len(out),
            len(left), len(right))
    return {"results_dataset": _with_roles(out, roles)}


# -- Remove Duplicate Rows -----------------------------------------------------------------
def _remove_duplicates_schema(inputs, params):
    s = inputs.get("dataset")
    if s is None:
        return None
    Columns("key_column_selection_filter_expression", "Key column selection filter expression").resolve(
        params["key_column_selection_filter_expression"], s)
    return {"results_dataset": s}


@component(
    "Remove Duplicate Rows", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[
        Columns("key_column_selection_filter_expression", "Key column selection filter expression",
                port="dataset", description="Rows are duplicates when all these columns are equal"),
        Bool("retain_first_duplicate_row", "Retain first duplicate row", default=True,
             description="Keep the first of duplicate rows; otherwise the last"),
    ],
    schema=_remove_duplicates_schema,
)
def remove_duplicate_rows(ctx, inputs, params):
    """Remove rows whose key columns equal those of another row. Rows with a missing key
    value are never duplicates."""
    df = inputs["dataset"]
    keys = _resolve(ctx, "key_column_selection_filter_expression",
                    params["key_column_selection_filter_expression"], df)
    if not keys:
        raise ctx.error("the 'Key column selection filter expression' parameter selects no "
                        "column; select the columns that identify a duplicate.")
    sub = df[keys]
    dup = sub.duplicated(keep="first" if params["retain_first_duplicate_row"] else "last")
    keep = (~dup | sub.isna().any(axis=1)).to_numpy()
    out = df[keep].reset_index(drop=True)
    ctx.log("Removed %d duplicate rows of %d", int((~keep).sum()), len(df))
    return {"results_dataset": _with_roles(out, get_roles(df))}


# -- Apply SQL Transformation --------------------------------------------------------------
def _sqlite_values(s: pd.Series) -> list:
    kind = _kind(s)
    if kind == "datetime":
        s = s.dt.strftime("%Y-%m-%d %H:%M:%S")
    elif kind == "timespan":
        s = s.dt.total_seconds()
    elif kind == "boolean":
        s = s.astype(object).map(lambda v: None if v is None or v is pd.NA else int(v))
    values = s.astype(object).where(s.notna(), None).tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _sqlite_type(s: pd.Series) -> str:
    kind = _kind(s)
    return {"integer": "INTEGER", "boolean": "INTEGER", "double": "REAL",
            "timespan": "REAL"}.get(kind, "TEXT")


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def load_table(conn: sqlite3.Connection, name: str, df: pd.DataFrame) -> None:
    lowered = [str(c).lower() for c in df.columns]
    dups = sorted({c for c in df.columns if lowered.count(str(c).lower()) > 1})
    if dups:
        raise ValueError(f"table {name} has columns whose names differ only in case "
                         f"({', '.join(map(str, dups))}), which SQLite cannot tell apart; rename "
                         "them with Edit Metadata")
    cols = ", ".join(f"{_quote(c)} {_sqlite_type(df[c])}" for c in df.columns)
    conn.execute(f"CREATE TABLE {name} ({cols})")
    if len(df) and len(df.columns):
        columns = [_sqlite_values(df[c]) for c in df.columns]
        marks = ", ".join("?" * len(df.columns))
        conn.executemany(f"INSERT INTO {name} VALUES ({marks})", zip(*columns))


def split_statements(script: str) -> list[str]:
    """The SQL statements of a script (semicolons inside strings and comments are kept)."""
    parts = script.split(";")
    out, buf = [], ""
    for i, part in enumerate(parts):
        buf += part + (";" if i < len(parts) - 1 else "")
        if sqlite3.complete_statement(buf):
            out.append(buf)
            buf = ""
    if buf.strip():
        out.append(buf)
    return [s for s in out if re.sub(r"--[^\n]*|/\*.*?\*/|;", "", s, flags=re.S).strip()]


def _deny_attach(action, *args):
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def run_sql(script: str, tables: dict) -> pd.DataFrame:
    """Run a SQLite script on in-memory tables; the result of its last query, as a table.

    Raises ``ValueError`` with the statement that failed and SQLite's message.
    """
    conn = sqlite3.connect(":memory:")
    try:
        conn.set_authorizer(_deny_attach)  # no reading or writing other database files
        for name, df in tables.items():
            if df is not None:
                load_table(conn, name, df)
        statements = split_statements(script)
        if not statements:
            raise ValueError("the SQL query script is empty; write a query such as "
                             "'select * from t1;'")
        result = None
        for i, stmt in enumerate(statements, start=1):
            try:
                cur = conn.execute(stmt)
            except (sqlite3.Error, sqlite3.Warning) as exc:
                hint = ""
                m = re.search(r"no such table: (\w+)", str(exc))
                if m and m.group(1).lower() in ("t1", "t2", "t3") and tables.get(m.group(1).lower()) is None:
                    hint = (f" (input port Table{m.group(1)[-1]} is not connected, so there "
                            f"is no table {m.group(1).lower()})")
                where = f"statement {i} " if len(statements) > 1 else ""
                raise ValueError(f"the SQL query script failed at {where}"
                                 f"{' '.join(stmt.split())[:300]!r}: {exc}{hint}") from None
            if cur.description is not None:
                result = ([d[0] for d in cur.description], cur.fetchall())
        if result is None:
            raise ValueError("the SQL query script returns no table; end it with a SELECT "
                             "statement")
    finally:
        conn.close()
    names, rows = result
    taken: set = set()
    unique = []
    for n in names:
        n = unique_name(str(n), taken)
        taken.add(n)
        unique.append(n)
    columns = list(zip(*rows)) if rows else [()] * len(names)
    return pd.DataFrame({n: _sql_column(v) for n, v in zip(unique, columns)})


def _sql_column(values) -> pd.Series:
    """A result column: SQLite types values per cell, so mixed columns become text."""
    s = pd.Series(list(values), dtype=None if values else object)
    if s.dtype == object and len(s):
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred == "mixed-integer-float":
            s = s.astype("float64")
        elif inferred in ("mixed", "mixed-integer"):
            s = s.map(lambda v: None if v is None else str(v)).astype("str")
    return s


@component(
    "Apply SQL Transformation", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("t1", DATASET, "Table1"), Port("t2", DATASET, "Table2", optional=True),
            Port("t3", DATASET, "Table3", optional=True)],
    outputs=[Port("result_dataset", DATASET, "Result dataset")],
    params=[Script("sql_query_script", "SQL query script", default="select * from t1;",
                   language="sql", allow_empty=False,
                   description="SQLite statements; the inputs are tables t1, t2 and t3, and "
                               "the result is the last query's")],
)
def apply_sql_transformation(ctx, inputs, params):
    """Transform datasets with a SQLite query (tables t1, t2, t3)."""
    tables = {k: inputs.get(k) for k in ("t1", "t2", "t3")}
    try:
        out = run_sql(params["sql_query_script"], tables)
    except ValueError as exc:
        raise ctx.error(f"{exc}.") from None
    return {"result_dataset": out}


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
    roles = get_roles(data)
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
    return {"results_dataset": _with_roles(out, roles)}


# -- Convert to Indicator Values -----------------------------------------------------------
def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    return v if isinstance(v, (str, int, float, bool)) else str(v)


def _value_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class IndicatorValuesTransformation(Transformation):
    """Replaces categorical columns by one 0/1 column per category (``<column>-<value>``).

    Values not seen when fitting give 0 in every indicator column; a ``<column>-Missing``
    indicator exists when the fitted column had missing values.
    """

    source = "Convert to Indicator Values"

    def __init__(self, columns: list, values: list, missing: list, overwrite: bool,
                 names: list, as_text: list):
        self.columns = list(columns)      # source columns
        self.values = values              # per column: the category values (plain Python)
        self.missing = missing            # per column: has a "-Missing" indicator
        self.overwrite = bool(overwrite)
        self.names = names                # per column: the indicator column names
        self.as_text = as_text            # per column: match values as text

    def _check(self, names):
        missing = [c for c in self.columns if c not in names]
        if missing:
            raise ComponentError(
                f"{self.source}: the dataset lacks column(s) {', '.join(map(repr, missing))} "
                "that the indicator values transformation converts.")

    def transform(self, df):
        self._check(df.columns)
        pieces = {}
        for col, values, has_missing, names, as_text in zip(
                self.columns, self.values, self.missing, self.names, self.as_text):
            s = df[col]
            keys = s.astype(object).to_numpy()
            if as_text:
                keys = np.array([None if pd.isna(k) else str(k) for k in keys], dtype=object)
            codes = pd.Index(values, dtype=object).get_indexer(keys) if values else \
                np.full(len(s), -1)
            block = np.zeros((len(s), len(names)), dtype="int64")
            hit = codes >= 0
            block[np.nonzero(hit)[0], codes[hit]] = 1
            if has_missing:
                block[:, -1] = s.isna().to_numpy().astype("int64")
            pieces[col] = pd.DataFrame(block, columns=names, index=df.index)
        parts, run = [], []
        for c in df.columns:
            if c in pieces:
                if not self.overwrite:
                    run.append(c)
                if run:
                    parts.append(df[run])
                    run = []
                parts.append(pieces[c])
            else:
                run.append(c)
        if run:
            parts.append(df[run])
        out = pd.concat(parts, axis=1) if parts else df.iloc[:, :0]
        roles = get_roles(df)
        if self.overwrite:
            roles = {k: v for k, v in roles.items() if k not in self.columns}
        return _with_roles(out, roles)

    def output_schema(self, schema):
        self._check(schema.names)
        cols = []
        for c in schema:
            if c.name in self.columns:
                if not self.overwrite:
                    cols.append(c)
                cols += [Column(n, "integer") for n in self.names[self.columns.index(c.name)]]
            else:
                cols.append(c)
        return Schema(tuple(cols))

    def describe(self) -> dict:
        return {**super().describe(), "columns": list(self.columns),
                "indicators": {c: list(n) for c, n in zip(self.columns, self.names)}}


def fit_indicator_values(df: pd.DataFrame, columns: list[str], overwrite: bool) -> IndicatorValuesTransformation:
    taken = set(map(str, df.columns)) - (set(columns) if overwrite else set())
    values, missing, names, as_text = [], [], [], []
    for col in columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            vals = list(s.cat.categories)
        else:
            vals = sorted(s.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
        text = not all(isinstance(_plain(v), (str, int, float, bool)) and _plain(v) == v for v in vals)
        vals = [str(v) if text else _plain(v) for v in vals]
        has_missing = bool(s.isna().any())
        col_names = []
        for v in vals + (["Missing"] if has_missing else []):
            n = unique_name(f"{col}-{_value_text(v)}", taken)
            taken.add(n)
            col_names.append(n)
        values.append(vals)
        missing.append(has_missing)
        names.append(col_names)
        as_text.append(text)
    return IndicatorValuesTransformation(columns, values, missing, overwrite, names, as_text)


@component(
    "Convert to Indicator Values", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset"),
             Port("indicator_values_transformation", TRANSFORMATION,
                  "Indicator values transformation")],
    params=[
        Columns("categorical_columns_to_convert", "Categorical columns to convert", port="dataset"),
        Bool("overwrite_categorical_columns", "Overwrite categorical columns", default=False,
             description="Output only the indicator columns, not the source columns"),
    ],
    transformation_output="indicator_values_transformation",
    # The indicator columns depend on the values in the data, unknown at design time.
    schema=lambda inputs, params: None,
)
def convert_to_indicator_values(ctx, inputs, params):
    """Convert categorical columns into one 0/1 indicator column per category value."""
    df = inputs["dataset"]
    names = _resolve(ctx, "categorical_columns_to_convert",
                     params["categorical_columns_to_convert"], df)
    if not names:
        raise ctx.error("the 'Categorical columns to convert' parameter selects no column.")
    bad = [(n, _kind(df[n])) for n in names if _kind(df[n]) not in ("categorical", "string")]
    if bad:
        raise ctx.error(
            "only categorical (or text) columns can be converted to indicator values, but "
            + ", ".join(f"{n!r} is {k}" for n, k in bad)
            + ". Mark them categorical with Edit Metadata first.")
    many = [(n, df[n].nunique()) for n in names if df[n].nunique() > 500]
    for n, k in many:
        ctx.warn("Column %r has %d distinct values: as many indicator columns are created.", n, k)
    transformation = fit_indicator_values(df, names, params["overwrite_categorical_columns"])
    return {"results_dataset": transformation.transform(df),
            "indicator_values_transformation": transformation}


# -- examples for the contract tests ---------------------------------------------------------
def _cars():
    df = pd.DataFrame({"make": ["audi", "bmw", "audi", "fiat"],
                       "body": pd.Categorical(["sedan", "wagon", "sedan", "hatchback"]),
                       "doors": [4, 5, 4, 3], "price": [30000.0, 41000.0, 30000.0, 12000.0]})
    return set_roles(df, {"price": "label"})


def _owners():
    return pd.DataFrame({"Make": ["AUDI", "fiat", "tesla"], "country": ["de", "it", "us"],
                         "price": [1.0, 2.0, 3.0]})


EXAMPLES = {
    "select_columns_in_dataset": lambda: ({"dataset": _cars()}, {"select_columns": ["price", "make"]}),
    "select_columns_transform": lambda: ({"dataset_with_desired_columns": _cars()[["make", "price"]]}, {}),
    "edit_metadata": lambda: ({"dataset": _cars()},
                              {"column": ["doors", "make"], "data_type": "String",
                               "categorical": "Categorical", "fields": "Features",
                               "new_column_names": "Doors, Make"}),
    "add_columns": lambda: ({"left_dataset": _cars(), "right_dataset": _cars()[["price"]]}, {}),
    "add_rows": lambda: ({"dataset1": _cars(), "dataset2": _cars()}, {}),
    "join_data": lambda: ({"dataset1": _cars(), "dataset2": _owners()},
                          {"join_key_columns_for_l": ["make"], "join_key_columns_for_r": ["Make"],
                           "match_case": False, "join_type": "Left Outer Join"}),
    "remove_duplicate_rows": lambda: ({"dataset": _cars()},
                                      {"key_column_selection_filter_expression": ["make"]}),
    "apply_sql_transformation": lambda: (
        {"t1": _cars(), "t2": _owners()},
        {"sql_query_script": "select t1.make, avg(t1.price) as avg_price, t2.country "
                             "from t1 left join t2 on lower(t1.make) = lower(t2.Make) "
                             "group by t1.make order by t1.make;"}),
    "convert_to_csv": lambda: ({"dataset": _cars()}, {}),
    "convert_to_dataset": lambda: ({"dataset": "a,b\n1,?\n2,3\n"}, {"action": "SetMissingValue"}),
    "convert_to_indicator_values": lambda: ({"dataset": _cars()},
                                            {"categorical_columns_to_convert": ["body", "make"]}),
}
