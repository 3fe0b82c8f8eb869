"""Request rows in, response rows out: checking and converting the tables of scoring requests.

An input table is described by a :class:`TableSpec`: the columns a request row carries (name,
kind and the pandas dtype the training data had), plus the label columns, which a request may
leave out. Values are checked column by column in plain Python (no DataFrame is built for a
bad request), and every problem names the input, the row and the column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jupyter_designer.engine.schema import kind_of_dtype

from .errors import RequestError

NUMERIC = ("integer", "double")
_MISSING = object()
_INT_TYPES = {int, type(None)}
_NUM_TYPES = {int, float, type(None)}
_STR_TYPES = {str, type(None)}
_INFS = (math.inf, -math.inf)


@dataclass
class ColumnSpec:
    name: str
    kind: str
    dtype: Any = None          # the training data's pandas dtype, when known
    required: bool = True
    placeholder: Any = None    # label columns: the value used when a request leaves it out

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "required": self.required}


@dataclass
class TableSpec:
    """The columns of one Web Service Input (request columns first, then label columns)."""

    name: str
    columns: list = field(default_factory=list)      # [ColumnSpec] in training order
    open: bool = False                                # schema unknown: take any columns

    def __post_init__(self):
        self.by_name = {c.name: c for c in self.columns}

    @property
    def request_columns(self) -> list:
        return [c for c in self.columns if c.required]

    @property
    def labels(self) -> list:
        return [c for c in self.columns if not c.required]

    def describe(self) -> list[dict]:
        return [c.as_dict() for c in self.columns]

    def unknown_column(self, col, where: str) -> RequestError:
        known = ", ".join(repr(c.name) for c in self.request_columns)
        return RequestError(f"{where} has an unknown column {col!r}. The columns of "
                            f"{self.name!r} are: {known}.",
                            details={"input": self.name, "column": col})

    def missing_column(self, col, where: str) -> RequestError:
        return RequestError(f"{where} has no column {col!r}, which {self.name!r} needs. Send a "
                            f"value (or null for a missing value) for every column: "
                            f"{', '.join(repr(c.name) for c in self.request_columns)}.",
                            details={"input": self.name, "column": col})


_EXPECT = {"integer": "an integer", "double": "a number", "string": "a string",
           "categorical": "a string", "boolean": "true or false",
           "datetime": "a date/time string (ISO 8601)", "timespan": "a time span (e.g. '1 days 02:00:00') or a number of nanoseconds"}


def _type_name(v) -> str:
    return {str: "string", bool: "boolean", int: "integer", float: "number", list: "array",
            dict: "object"}.get(type(v), type(v).__name__)


def _bad(spec: TableSpec, col: ColumnSpec, row, value, where_fmt: str) -> RequestError:
    where = where_fmt.format(row=row, col=col.name) if row is not None else where_fmt
    return RequestError(
        f"{where}: column {col.name!r} takes {_EXPECT.get(col.kind, 'a value')} (or null); "
        f"got {json_repr(value)} ({_type_name(value)}).",
        details={"input": spec.name, "column": col.name, "row": row, "expected": col.kind})


def json_repr(v) -> str:
    import json

    try:
        text = json.dumps(v)
    except (TypeError, ValueError):
        text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def check_column(spec: TableSpec, col: ColumnSpec, values: list, where_fmt: str,
                 row_offset: int = 0) -> list:
    """Check (and normalise) one column's values; returns them, NaN turned into None."""
    kind = col.kind
    types = set(map(type, values))
    if kind in NUMERIC:
        if types <= _INT_TYPES:
            return values
        if kind == "double" and types <= _NUM_TYPES and (
                type(None) not in types and _all_finite(values)):
            return values
        out = values
        for i, v in enumerate(values):
            t = v.__class__
            if t is float:
                if v != v:
                    if out is values:
                        out = list(values)
                    out[i] = None
                elif kind == "integer" and not v.is_integer():
                    raise _bad(spec, col, i + row_offset, v, where_fmt)
                elif math.isinf(v):
                    raise _bad(spec, col, i + row_offset, v, where_fmt)
            elif t is int or v is None:
                continue
            else:
                raise _bad(spec, col, i + row_offset, v, where_fmt)
        return out
    if kind in ("string", "categorical"):
        if types <= _STR_TYPES:
            return values
        for i, v in enumerate(values):
            if v.__class__ is not str and v is not None:
                raise _bad(spec, col, i + row_offset, v, where_fmt)
        return values
    if kind == "boolean":
        for i, v in enumerate(values):
            if v.__class__ is not bool and v is not None:
                raise _bad(spec, col, i + row_offset, v, where_fmt)
        return values
    if kind in _PARSED_KINDS:
        accepted, parse = _PARSED_KINDS[kind]
        for i, v in enumerate(values):
            if v is None:
                continue
            if v.__class__ not in accepted:
                raise _bad(spec, col, i + row_offset, v, where_fmt)
            try:
                parse(v)
            except (ValueError, TypeError):
                raise _bad(spec, col, i + row_offset, v, where_fmt) from None
        return values
    return values


def _all_finite(values: list) -> bool:
    """Whether every number is finite: their sum is, unless it overflowed."""
    try:
        if math.isfinite(sum(values)):
            return True
    except OverflowError:
        pass
    return all(map(math.isfinite, values))


#: kinds whose JSON values are checked by parsing them: (accepted JSON types, parser)
_PARSED_KINDS = {"datetime": ((str,), pd.Timestamp), "timespan": ((str, int, float), pd.Timedelta)}


def columns_from_rows(spec: TableSpec, rows, where: str) -> tuple[dict, int]:
    """``{column: [values]}`` from a list of row objects (checked), and the number of rows."""
    if not isinstance(rows, list):
        raise RequestError(f"{where} must be a list of row objects ({{\"column\": value, ...}}); "
                           f"got {_type_name(rows)}.", details={"input": spec.name})
    n = len(rows)
    if not spec.open and n:
        fast = _rows_fast(spec, rows, where)
        if fast is not None:
            return fast, n
    if spec.open:
        names: list = []
        for r in rows:
            if isinstance(r, dict):
                names.extend(k for k in r if k not in names)
        cols = {c: [None] * n for c in names}
    else:
        cols = {c.name: [_MISSING] * n if c.required else [None] * n for c in spec.columns}
    known = cols
    for i, row in enumerate(rows):
        if row.__class__ is not dict:
            raise RequestError(f"{where}[{i}] must be an object of column values; got "
                               f"{_type_name(row)}.", details={"input": spec.name, "row": i})
        for k, v in row.items():
            col = known.get(k)
            if col is None:
                raise spec.unknown_column(k, f"{where}[{i}]")
            col[i] = v
    given = {}
    for c in (spec.columns if not spec.open else []):
        values = cols[c.name]
        if c.required:
            i = next((i for i, v in enumerate(values) if v is _MISSING), None)
            if i is not None:
                raise spec.missing_column(c.name, f"{where}[{i}]")
        given[c.name] = check_column(spec, c, values, where + "[{row}]")
    if spec.open:
        return cols, n
    return given, n


def _rows_fast(spec: TableSpec, rows: list, where: str):
    """The common case: every row is an object with exactly the request columns."""
    cache = spec.__dict__.get("_fast_rows")
    if cache is None:
        cache = spec.__dict__["_fast_rows"] = _RowsLayout(spec)
    names, getter = cache.names, cache.getter
    if getter is None:
        return None
    k = len(names)
    for r in rows:
        if r.__class__ is not dict or len(r) != k:
            return None
    try:  # as many keys as columns, and every column there: exactly the request columns
        if len(rows) == 1:
            return cache.one_row(getter(rows[0]), where)
        tuples = list(map(getter, rows))
    except KeyError:
        return None
    cols = dict(zip(names, map(list, zip(*tuples))))
    fmt = where + "[{row}]"
    out = {}
    for c in spec.columns:
        if c.required:
            out[c.name] = check_column(spec, c, cols[c.name], fmt)
        else:
            out[c.name] = [None] * len(rows)
    return out


#: the JSON types a column of each kind takes with no check of the value itself
_PLAIN_TYPES = {"integer": _INT_TYPES, "double": _INT_TYPES, "string": _STR_TYPES,
                "categorical": _STR_TYPES, "boolean": {bool, type(None)}}


class _RowsLayout:
    """How the rows of requests that send exactly the request columns are read.

    A one-row request is checked by the JSON types of its values: a combination of types seen
    before is known to need no per-column check (a double column's float values are still
    checked to be finite); any other one takes :func:`check_column` column by column.
    """

    _MAX_SIGNATURES = 256

    def __init__(self, spec: TableSpec):
        from operator import itemgetter

        self.spec = spec
        self.names = names = [c.name for c in spec.request_columns]
        self.getter = (itemgetter(*names) if len(names) > 1
                       else (lambda r, k=names[0]: (r[k],)) if names else None)
        pos = {name: i for i, name in enumerate(names)}
        self.layout = [(c.name, pos.get(c.name)) for c in spec.columns]
        self.all_names = [c.name for c in spec.columns]
        # where the label columns go among the request columns' values (in column order)
        self.labels_at = [j for j, c in enumerate(spec.columns) if not c.required]
        self.kinds = [c.kind for c in spec.request_columns]
        self.signatures: dict = {}   # (type of each value) -> _picker of the floats, or None

    def _verdict(self, types: tuple):
        """What picks the float values to check for finiteness when the types need no other
        check, else ``None``."""
        floats = []
        for i, (kind, t) in enumerate(zip(self.kinds, types)):
            plain = _PLAIN_TYPES.get(kind)
            if plain is None:
                return None
            if t not in plain:
                if kind == "double" and t is float:
                    floats.append(i)
                else:
                    return None
        return _picker(floats)

    def one_row(self, values: tuple, where: str) -> dict:
        types = tuple(map(type, values))
        floats = self.signatures.get(types, _MISSING)
        if floats is _MISSING:
            floats = self._verdict(types)
            if len(self.signatures) >= self._MAX_SIGNATURES:
                self.signatures.clear()
            self.signatures[types] = floats
        # a sum of finite floats is finite unless it overflows (then each is checked)
        if floats is not None and math.isfinite(sum(floats(values))):
            cols = [[v] for v in values]
            for j in self.labels_at:
                cols.insert(j, [None])
            return dict(zip(self.all_names, cols))
        spec, fmt = self.spec, where + "[{row}]"
        return {c.name: check_column(spec, c, [values[i]], fmt) if i is not None else [None]
                for c, (_, i) in zip(spec.columns, self.layout)}


def _picker(positions: list):
    """A function taking a tuple to the tuple of its items at ``positions``."""
    from operator import itemgetter

    if not positions:
        return lambda values: ()
    if len(positions) == 1:
        i = positions[0]
        return lambda values: (values[i],)
    return itemgetter(*positions)


def columns_from_split(spec: TableSpec, columns, data, where: str) -> tuple[dict, int]:
    """``{column: [values]}`` from column names and a list of value lists (row major)."""
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise RequestError(f"{where}.columns must be a list of column names.",
                           details={"input": spec.name})
    if not isinstance(data, list):
        raise RequestError(f"{where}.data must be a list of rows (lists of values).",
                           details={"input": spec.name})
    dup = {c for c in columns if columns.count(c) > 1}
    if dup:
        raise RequestError(f"{where}.columns names {sorted(dup)[0]!r} twice.",
                           details={"input": spec.name, "column": sorted(dup)[0]})
    width = len(columns)
    for i, r in enumerate(data):
        if not isinstance(r, list) or len(r) != width:
            raise RequestError(f"{where}.data[{i}] must be a list of {width} values (one per "
                               f"column); got {json_repr(r)}.", details={"input": spec.name, "row": i})
    rows_t = list(zip(*data)) if data else [() for _ in columns]
    return columns_from_lists(spec, dict(zip(columns, (list(v) for v in rows_t))), len(data), where)


def columns_from_lists(spec: TableSpec, given: dict, n: int, where: str) -> tuple[dict, int]:
    """Check a ``{column: [n values]}`` mapping against the spec."""
    if spec.open:
        return given, n
    out = {}
    for k in given:
        if k not in spec.by_name:
            raise spec.unknown_column(k, where)
    for c in spec.columns:
        values = given.get(c.name, _MISSING)
        if values is _MISSING:
            if c.required:
                raise spec.missing_column(c.name, where)
            values = [None] * n
        elif len(values) != n:
            raise RequestError(f"{where}: column {c.name!r} has {len(values)} values; the other "
                               f"columns have {n}.", details={"input": spec.name, "column": c.name})
        out[c.name] = check_column(spec, c, values, where + " (row {row})")
    return out, n


# -- building tables --------------------------------------------------------------------------
def fill_labels(spec: TableSpec, cols: dict, n: int) -> tuple[dict, list]:
    """Put the placeholder into label columns a request left out (values all None); returns
    the columns and the names of the labels filled (left out of the response)."""
    filled = []
    for c in spec.labels:
        values = cols.get(c.name)
        if values is None or all(v is None for v in values):
            cols[c.name] = [c.placeholder] * n
            filled.append(c.name)
    return cols, filled


def frame_from_columns(spec: TableSpec, cols: dict, n: int) -> pd.DataFrame:
    """A DataFrame with the training data's dtypes (as far as the values allow)."""
    data = {}
    for name, values in cols.items():
        col = spec.by_name.get(name)
        data[name] = series_for(col, values) if col is not None else pd.Series(values, dtype=None if values else object)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def series_for(col: ColumnSpec, values: list) -> pd.Series:
    kind, dtype = col.kind, col.dtype
    try:
        if kind == "integer":
            if any(v is None for v in values):
                return pd.Series(np.array(values, dtype=np.float64))
            return pd.Series(np.array(values, dtype=dtype if dtype is not None and
                                      kind_of_dtype(dtype) == "integer" else np.int64))
        if kind == "double":
            arr = np.array(values, dtype=np.float64)
            if dtype is not None and kind_of_dtype(dtype) == "double" and np.dtype(dtype) != arr.dtype:
                return pd.Series(arr).astype(dtype)
            return pd.Series(arr)
        if kind == "boolean":
            if any(v is None for v in values):
                return pd.Series(pd.array(values, dtype="boolean"))
            return pd.Series(np.array(values, dtype=bool))
        if kind == "datetime":
            s = pd.Series(pd.to_datetime(pd.Series(values, dtype=object), errors="raise"))
            if dtype is not None:
                try:
                    s = s.astype(dtype)
                except (TypeError, ValueError):
                    pass
            return s
        if kind == "timespan":
            return pd.Series(pd.to_timedelta(pd.Series(values, dtype=object), errors="raise"))
        if kind == "categorical":
            cats = list(getattr(dtype, "categories", []) or [])
            extra = [v for v in dict.fromkeys(values) if v is not None and v not in set(cats)]
            return pd.Series(pd.Categorical(values, categories=cats + extra))
        if dtype is not None:
            return pd.Series(values, dtype=dtype)
        return pd.Series(values, dtype="str")
    except (OverflowError, ValueError, TypeError) as exc:
        raise RequestError(f"Column {col.name!r}: its values cannot be read as {kind} ({exc}).",
                           details={"column": col.name, "expected": kind}) from None


def _clean(values: list) -> list:
    """None for every missing or non-finite value; numpy scalars as Python values."""
    if set(map(type, values)) <= _STR_TYPES:
        return values
    out = values
    for i, v in enumerate(values):
        t = v.__class__
        if t is float:
            if v != v or v in (math.inf, -math.inf):
                if out is values:
                    out = list(values)
                out[i] = None
        elif t is str or t is int or t is bool or v is None:
            continue
        else:
            if out is values:
                out = list(values)
            out[i] = python_value(v)
    return out


def python_value(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    if isinstance(v, pd.Timedelta):
        return str(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        return v.decode("utf-8", "replace")
    return v


def series_values(s: pd.Series) -> list:
    """A column as JSON-ready Python values."""
    dtype = s.dtype
    if dtype.kind == "f":
        return array_values(s.to_numpy())
    if dtype.kind in "iub":
        return s.to_numpy().tolist()
    if dtype.kind == "M" or isinstance(dtype, pd.DatetimeTZDtype):
        return [None if pd.isna(v) else v.isoformat() for v in s]
    if dtype.kind == "m":
        return [None if pd.isna(v) else str(v) for v in s]
    if isinstance(dtype, pd.CategoricalDtype):
        return _clean(s.astype(object).tolist())
    return _clean(s.tolist())


def array_values(a: np.ndarray) -> list:
    k = a.dtype.kind
    if k in "iub":
        return a.tolist()
    if k == "f":
        if np.isfinite(a).all():
            return a.tolist()
        return [v if math.isfinite(v) else None for v in a.tolist()]
    return _clean(a.tolist())


def records(names: list, columns: list) -> list[dict]:
    """Rows (dicts) from column names and per-column value lists."""
    if not names:
        return []
    return [dict(zip(names, vals)) for vals in zip(*columns)]


def frame_records(df: pd.DataFrame, drop=()) -> list[dict]:
    names = [str(c) for c in df.columns if c not in drop]
    return records(names, [series_values(df[c]) for c in df.columns if c not in drop])


def frame_columns(df: pd.DataFrame, drop=()) -> dict:
    return {str(c): series_values(df[c]) for c in df.columns if c not in drop}
