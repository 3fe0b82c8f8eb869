"""Column-level Data Transformation components: Select Columns in Dataset, Select Columns
Transform, Edit Metadata and Convert to Indicator Values (which columns a table has, their
types and roles, and categories spread into indicator columns).

The components combining tables (Add Columns, Add Rows, Join Data, Remove Duplicate Rows,
Apply SQL Transformation) are in :mod:`.combining`; the text conversions (Convert to CSV,
Convert to Dataset) in :mod:`.conversions`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.params import Bool, Columns, Enum, List, String
from jupyter_designer.engine.ports import DATASET, TRANSFORMATION, Port
from jupyter_designer.engine.schema import (NUMERIC_KINDS, Column, Schema, get_roles,
                                            kind_of_dtype, set_roles)

from .. import fast_steps as fs

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


def _select_columns_fast_step(constants, params, sample_outputs):
    """The columns the selection kept on the sample rows (a rule selects the same columns of
    every request, whose columns are those of the sample rows)."""
    return fs.SelectColumns([str(c) for c in sample_outputs["results_dataset"].columns])


select_columns_in_dataset.fast_step = _select_columns_fast_step


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

    def fast_step(self):
        """The column list on a scoring request's columns (see :mod:`..fast_steps`)."""
        return fs.KeepColumns(self.columns, self.label)


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


def edit_column(s: pd.Series, col: str, data_type: str, categorical: str,
                datetime_format: str = "") -> pd.Series:
    """Edit Metadata's data type and categorical options on one column (raises
    ``ValueError``); ``s`` itself when nothing changes."""
    was_cat = isinstance(s.dtype, pd.CategoricalDtype)
    if data_type != "Unchanged":
        s = convert_type(s.astype(object) if was_cat else s, data_type, col, datetime_format)
        if was_cat and categorical == "Unchanged":
            s = s.astype("category")
    if categorical == "Categorical" and not isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype("category")
    elif categorical == "Make non-categorical" and isinstance(s.dtype, pd.CategoricalDtype):
        s = _decategorize(s)
    return s


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
            original = out[n]
            s = edit_column(original, n, data_type, categorical, params["datetime_format"])
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




# -- Convert to Indicator Values -----------------------------------------------------------
def _category_value(v):
    if isinstance(v, np.generic):
        v = v.item()
    return v if isinstance(v, (str, int, float, bool)) else str(v)


def _value_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def indicator_frame(df: pd.DataFrame, columns: list, overwrite: bool, column_values: list,
                    column_missing: list, column_names: list, column_as_text: list) -> pd.DataFrame:
    """Convert to Indicator Values' fitted indicators of ``columns`` in ``df`` (per column: its
    category values, whether it has a "-Missing" indicator, the indicator names, whether values
    match as text)."""
    pieces = {}
    for col, values, has_missing, names, as_text in zip(
            columns, column_values, column_missing, column_names, column_as_text):
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
            if not overwrite:
                run.append(c)
            if run:
                parts.append(df[run])
                run = []
            parts.append(pieces[c])
        else:
            run.append(c)
    if run:
        parts.append(df[run])
    return pd.concat(parts, axis=1) if parts else df.iloc[:, :0]


class IndicatorValuesTransformation(Transformation):
    """Replaces categorical columns by one 0/1 column per category (``<column>-<value>``).

    Values not seen when fitting give 0 in every indicator column; a ``<column>-Missing``
    indicator exists when the fitted column had missing values.
    """

    source = "Convert to Indicator Values"

    def __init__(self, columns: list, values: list, missing: list, names: list,
                 as_text: list, *, overwrite: bool):
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
        out = indicator_frame(df, self.columns, self.overwrite, self.values, self.missing,
                              self.names, self.as_text)
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
    return IndicatorValuesTransformation(columns, *indicator_settings(df, columns, overwrite),
                                         overwrite=overwrite)


def indicator_settings(df: pd.DataFrame, columns: list[str], overwrite: bool) -> tuple:
    """The indicators of ``columns`` fitted on ``df``: per column its category values, whether
    it has a "-Missing" indicator, the indicator column names, whether values match as text."""
    taken = set(map(str, df.columns)) - (set(columns) if overwrite else set())
    values, missing, names, as_text = [], [], [], []
    for col in columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            vals = list(s.cat.categories)
        else:
            vals = sorted(s.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
        text = not all(isinstance(_category_value(v), (str, int, float, bool))
                       and _category_value(v) == v for v in vals)
        vals = [str(v) if text else _category_value(v) for v in vals]
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
    return values, missing, names, as_text


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



EXAMPLES = {
    "select_columns_in_dataset": lambda: ({"dataset": _cars()}, {"select_columns": ["price", "make"]}),
    "select_columns_transform": lambda: ({"dataset_with_desired_columns": _cars()[["make", "price"]]}, {}),
    "edit_metadata": lambda: ({"dataset": _cars()},
                              {"column": ["doors", "make"], "data_type": "String",
                               "categorical": "Categorical", "fields": "Features",
                               "new_column_names": "Doors, Make"}),
    "convert_to_indicator_values": lambda: ({"dataset": _cars()},
                                            {"categorical_columns_to_convert": ["body", "make"]}),
}
