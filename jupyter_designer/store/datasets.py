"""Reading, checking and fingerprinting tables before they become dataset versions."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path

from jupyter_designer.engine.errors import DatasetError, NotFoundError
from jupyter_designer.engine.schema import ROLES_ATTR, Schema

#: File types ``register_dataset`` reads, by suffix.
READERS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
           ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_COMPRESSION = (".gz", ".bz2", ".zip", ".xz", ".zst")
# what pandas.api.types.infer_dtype may say of an object column we can store faithfully
_OK_OBJECT_KINDS = {"string", "empty", "integer", "floating", "mixed-integer-float", "boolean",
                    "decimal", "datetime", "datetime64", "date", "time", "timedelta",
                    "timedelta64", "categorical"}


class DatasetNotFoundError(NotFoundError, DatasetError):
    """No dataset (or dataset version) of that name."""


def name_key(name: str) -> str:
    return name.strip().casefold()


def check_name(name, what: str = "dataset") -> str:
    if not isinstance(name, str) or not name.strip():
        raise DatasetError(f"A {what} name must be a non-empty string. Got {name!r} instead.")
    name = name.strip()
    if len(name) > 255:
        raise DatasetError(f"A {what} name must be at most 255 characters long. Got "
                           f"{len(name)} characters instead.")
    if any(ord(ch) < 32 for ch in name):
        raise DatasetError(f"A {what} name must not contain control characters. Got {name!r}.")
    return name


def _format_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION:
        suffixes.pop()
    return READERS.get(suffixes[-1]) if suffixes else None


def _csv_header(path: Path, sep: str, encoding: str) -> list[str]:
    import pandas as pd

    # pandas renames duplicate headers ("a", "a.1") silently: read the header line ourselves
    with pd.io.common.get_handle(str(path), "r", encoding=encoding, compression="infer") as h:
        first = h.handle.readline()
    row = next(csv.reader(io.StringIO(first), delimiter=sep), [])
    return [c.strip() for c in row]


def read_table(path: str | os.PathLike) -> tuple:
    """Read a CSV/TSV/Parquet/JSON file into a DataFrame; returns ``(frame, source text)``."""
    import pandas as pd

    path = Path(path).expanduser()
    shown = str(path)
    fmt = _format_of(path)
    if fmt is None:
        raise DatasetError(f"Cannot register {shown}: unsupported file type "
                           f"{''.join(path.suffixes) or '(no extension)'!r}. Use a .csv, .tsv, "
                           ".parquet, .json or .jsonl file, or pass a pandas DataFrame.")
    if not path.exists():
        raise DatasetError(f"Cannot register {shown}: the file does not exist.")
    if path.is_dir():
        raise DatasetError(f"Cannot register {shown}: it is a directory, not a file.")
    try:
        if fmt in ("csv", "tsv"):
            sep = "," if fmt == "csv" else "\t"
            encoding = "utf-8-sig"
            try:
                header = _csv_header(path, sep, encoding)
                df = pd.read_csv(path, sep=sep, encoding=encoding)
            except UnicodeDecodeError:
                encoding = "latin-1"
                header = _csv_header(path, sep, encoding)
                df = pd.read_csv(path, sep=sep, encoding=encoding)
            dups = sorted({c for c in header if header.count(c) > 1})
            if dups:
                raise DatasetError(f"Cannot register {shown}: duplicate column name"
                                   f"{'s' if len(dups) > 1 else ''} "
                                   f"{', '.join(repr(c) for c in dups)} in the header. "
                                   "Rename the columns so every name is unique.")
        elif fmt == "parquet":
            df = pd.read_parquet(path)
        elif fmt == "json":
            try:
                df = pd.read_json(path)
            except ValueError:
                df = pd.read_json(path, lines=True)
        else:
            df = pd.read_json(path, lines=True)
    except DatasetError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise DatasetError(f"Cannot register {shown}: the file is empty.") from exc
    except Exception as exc:
        raise DatasetError(f"Cannot register {shown}: it could not be read as {fmt.upper()} "
                           f"({type(exc).__name__}: {exc}).") from exc
    return df, shown


def normalize_frame(df, what: str):
    """Check a table and bring it into the stored form (string column names, a plain index).

    Raises :class:`DatasetError` naming the problem; never modifies ``df`` itself.
    """
    import pandas as pd
    from pandas.api import types as t

    if not isinstance(df, pd.DataFrame):
        raise DatasetError(f"Cannot register {what}: expected a pandas DataFrame or the path of "
                           f"a CSV, TSV, Parquet or JSON file. Got {type(df).__name__} instead.")
    if isinstance(df.columns, pd.MultiIndex):
        raise DatasetError(f"Cannot register {what}: it has multi-level column names. Flatten "
                           "them into single strings first.")
    if len(df.columns) == 0:
        raise DatasetError(f"Cannot register {what}: it has no columns.")
    if len(df) == 0:
        raise DatasetError(f"Cannot register {what}: it has no rows.")
    names = [str(c) for c in df.columns]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise DatasetError(f"Cannot register {what}: duplicate column name"
                           f"{'s' if len(dups) > 1 else ''} {', '.join(repr(c) for c in dups)}. "
                           "Rename the columns so every name is unique.")
    if any(not n.strip() for n in names):
        raise DatasetError(f"Cannot register {what}: a column has an empty name. Give every "
                           "column a name.")
    roles = dict(df.attrs.get(ROLES_ATTR, {}) or {})
    out = df.copy(deep=False)  # copy-on-write: never touches the caller's frame
    if names != list(df.columns):
        out = out.set_axis(names, axis=1)
    if not (isinstance(out.index, pd.RangeIndex) and out.index.start == 0 and out.index.step == 1):
        named = any(n is not None for n in out.index.names)
        out = out.reset_index(drop=not named)
        names = [str(c) for c in out.columns]
        if len(set(names)) != len(names):
            raise DatasetError(f"Cannot register {what}: its index is named like one of its "
                               "columns. Rename the index or reset it first.")
        out.columns = names
    for name in out.columns:
        col = out[name]
        dtype = col.dtype
        if t.is_complex_dtype(dtype):
            raise DatasetError(f"Cannot register {what}: column {name!r} holds complex numbers, "
                               "which datasets do not support. Split it into real and imaginary "
                               "columns.")
        if dtype == object:
            kind = t.infer_dtype(col, skipna=True)
            if kind not in _OK_OBJECT_KINDS:
                sample = col.dropna()
                types = sorted({type(v).__name__ for v in sample.head(1000)})
                raise DatasetError(
                    f"Cannot register {what}: column {name!r} holds values of unsupported or "
                    f"mixed types ({', '.join(types) or kind}). Convert it to one type first, "
                    f"e.g. df[{name!r}] = df[{name!r}].astype(str).")
    out.attrs = {ROLES_ATTR: {k: v for k, v in roles.items() if k in out.columns}} if roles else {}
    return out


def content_hash(df) -> str:
    """A fingerprint of a table's content: column names, dtypes, roles and every value."""
    import pandas as pd

    h = hashlib.sha256()
    h.update(f"rows={len(df)};".encode())
    roles = dict(df.attrs.get(ROLES_ATTR, {}) or {})
    h.update(json.dumps(roles, sort_keys=True).encode())
    for name in df.columns:
        col = df[name]
        h.update(json.dumps([str(name), str(col.dtype)]).encode())
        if isinstance(col.dtype, pd.CategoricalDtype):
            h.update(repr((list(col.cat.categories), col.cat.ordered)).encode())
        try:
            values = pd.util.hash_pandas_object(col, index=False, categorize=True)
        except TypeError as exc:
            raise DatasetError(f"Column {name!r} holds values that cannot be stored in a dataset "
                               f"({exc}). Convert it to numbers or strings first.") from exc
        h.update(values.to_numpy().tobytes())
    return h.hexdigest()


def schema_of(df) -> list[dict]:
    return Schema.from_frame(df).as_list()
