"""Reading, checking and fingerprinting tables before they become dataset versions."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import re
from pathlib import Path

from jupyter_designer.engine.errors import DatasetError, NotFoundError
from jupyter_designer.engine.schema import ROLES_ATTR, Schema

from .records import DatasetInfo

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


@dataclasses.dataclass(frozen=True)
class RegisteredDataset(DatasetInfo):
    """The dataset version a registration made (or found), with what reading it did.

    ``missing_values`` maps each column that has missing values to how many; ``notes`` say
    how the file was read (which markers counted as missing, columns read as dates, columns
    kept as text because of a few non-numeric values)."""

    missing_values: dict = dataclasses.field(default_factory=dict)
    notes: tuple = ()

    @classmethod
    def of(cls, info: DatasetInfo, df, report: "ReadReport | None") -> "RegisteredDataset":
        import pandas as pd

        missing = {str(c): int(n) for c, n in pd.isna(df).sum().items() if n}
        notes = list(report.notes()) if report is not None else []
        if missing:
            what = "empty fields and " + ", ".join(repr(v) for v in report.na_values if v) \
                if report is not None and any(report.na_values) else \
                "empty fields" if report is not None else "missing values"
            notes.insert(0, f"Missing values ({what}): "
                         + ", ".join(f"{c} ({n})" for c, n in missing.items()) + ".")
        elif report is not None:
            notes.insert(0, "No missing values (only empty fields count as missing).")
        values = {f.name: getattr(info, f.name) for f in dataclasses.fields(DatasetInfo)}
        return cls(**values, missing_values=missing, notes=tuple(notes))


#: Only an empty field is a missing value in a CSV/TSV file, as in the reference product:
#: words such as ``None``, ``NA`` or ``n/a`` are data unless ``na_values`` names them.
DEFAULT_NA_VALUES = ("",)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
                       r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?")


@dataclasses.dataclass
class ReadReport:
    """What reading a delimited text file decided, to be shown with the registration."""

    na_values: tuple = DEFAULT_NA_VALUES
    dates: list = dataclasses.field(default_factory=list)        # columns read as dates
    text_because: dict = dataclasses.field(default_factory=dict)  # column -> non-numeric words

    def notes(self) -> list[str]:
        out = []
        if self.dates:
            out.append("Read as dates (ISO 8601): " + ", ".join(self.dates) + ".")
        for col, words in self.text_because.items():
            shown = ", ".join(repr(w) for w in words)
            out.append(f"Column {col!r} is text: it holds numbers and {shown}. To read "
                       f"{'these' if len(words) > 1 else 'that'} as missing values, register "
                       f"with na_values=[{shown}] (CLI: --na-values).")
        return out


def check_na_values(na_values) -> tuple:
    """The missing-value markers to use: empty fields plus ``na_values`` (strings)."""
    if na_values is None:
        return DEFAULT_NA_VALUES
    if isinstance(na_values, str):
        na_values = [na_values]
    try:
        values = list(na_values)
    except TypeError:
        values = None
    if values is None or not all(isinstance(v, str) for v in values):
        raise DatasetError(f"na_values must be a list of strings (the words to read as missing "
                           f"values, e.g. ['NA', 'None']). Got {na_values!r} instead.")
    return tuple(dict.fromkeys(["", *values]))


def _not_text(path: Path, shown: str, fmt: str) -> None:
    """Refuse a file that is not text before pandas reports it as a parse error."""
    import pandas as pd

    try:
        with pd.io.common.get_handle(str(path), "rb", compression="infer", is_text=False) as h:
            head = h.handle.read(65536)
    except Exception:
        return  # the reader reports what is wrong
    if b"\x00" not in head:
        return
    kinds = {b"PAR1": "a Parquet file (name it .parquet)", b"PK\x03\x04": "a ZIP archive or an "
             "Excel .xlsx workbook (save the sheet as CSV)", b"\xd0\xcf\x11\xe0": "an Excel .xls "
             "workbook (save the sheet as CSV)", b"\x89PNG": "a PNG image", b"%PDF": "a PDF document",
             b"\xff\xfe": "UTF-16 text (save it as UTF-8)", b"\xfe\xff": "UTF-16 text (save it as UTF-8)"}
    looks = next((k for sig, k in kinds.items() if head.startswith(sig)), None)
    raise DatasetError(f"Cannot register {shown}: the file is not text (it holds binary data"
                       f"{f'; it looks like {looks}' if looks else ''}). A {fmt.upper()} file must be "
                       "text with one row per line.")


def detect_dates(df, report: ReadReport | None = None):
    """Columns whose every value is an ISO 8601 date (``2024-01-31``, optionally with a time)
    become datetime columns; returns the frame."""
    import pandas as pd
    from pandas.api import types as t

    for name in df.columns:
        col = df[name]
        if not (col.dtype == object or t.is_string_dtype(col.dtype)):
            continue
        values = col.dropna()
        if values.empty or not all(isinstance(v, str) for v in values.head(1000)):
            continue
        text = values.astype(str).str.strip()
        if not text.str.fullmatch(_ISO_DATE).all():
            continue
        zoned = text.str.contains(r"[T ]\d{2}:\d{2}\S*(?:Z|[+-]\d{2}(?::?\d{2})?)$", regex=True)
        try:
            parsed = pd.to_datetime(col.str.strip(), format="ISO8601", utc=bool(zoned.any()))
        except (ValueError, OverflowError):  # e.g. 2024-02-30: stays text
            continue
        df[name] = parsed
        if report is not None:
            report.dates.append(str(name))
    return df


def _explain_text_columns(df, report: ReadReport) -> None:
    """Note columns that are numbers except for a few words (the usual missing-value markers)."""
    import pandas as pd
    from pandas.api import types as t

    for name in df.columns:
        col = df[name]
        if not (col.dtype == object or t.is_string_dtype(col.dtype)) or str(name) in report.dates:
            continue
        values = col.dropna().astype(str)
        if values.empty:
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        words = values[numeric.isna()]
        distinct = list(dict.fromkeys(words.str.strip()))
        if 0 < len(distinct) <= 3 and len(words) <= len(values) / 2:
            report.text_because[str(name)] = distinct


def read_delimited(source, sep: str, *, shown: str, na_values=None, parse_dates: bool = True,
                   report: ReadReport | None = None):
    """A CSV/TSV file or text (``io.StringIO``) as a DataFrame, reading only empty fields
    (plus ``na_values``) as missing and, with ``parse_dates``, ISO dates as dates."""
    import pandas as pd

    report = report if report is not None else ReadReport()
    report.na_values = check_na_values(na_values)
    kw = dict(sep=sep, keep_default_na=False, na_values=list(report.na_values))
    if isinstance(source, (str, os.PathLike)):
        try:
            df = pd.read_csv(source, encoding="utf-8-sig", **kw)
        except UnicodeDecodeError:
            df = pd.read_csv(source, encoding="latin-1", **kw)
    else:
        df = pd.read_csv(source, **kw)
    if parse_dates:
        detect_dates(df, report)
    _explain_text_columns(df, report)
    return df


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


def read_table(path: str | os.PathLike, *, na_values=None, parse_dates: bool = True,
               report: ReadReport | None = None) -> tuple:
    """Read a CSV/TSV/Parquet/JSON file into a DataFrame; returns ``(frame, source text)``.

    In CSV/TSV files only empty fields are missing values unless ``na_values`` adds words
    (e.g. ``["NA"]``); with ``parse_dates`` columns of ISO 8601 dates become dates. What was
    decided goes into ``report``."""
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
            _not_text(path, shown, fmt)
            try:
                header = _csv_header(path, sep, "utf-8-sig")
            except UnicodeDecodeError:
                header = _csv_header(path, sep, "latin-1")
            df = read_delimited(path, sep, shown=shown, na_values=na_values,
                                parse_dates=parse_dates, report=report)
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


def read_csv_text(buffer, *, na_values=None, parse_dates: bool = True,
                  report: ReadReport | None = None):
    """CSV text from a file-like object (``io.StringIO``) as a DataFrame, read as CSV files are."""
    import pandas as pd

    try:
        return read_delimited(buffer, ",", shown="CSV text", na_values=na_values,
                              parse_dates=parse_dates, report=report)
    except DatasetError:
        raise
    except pd.errors.EmptyDataError:
        raise DatasetError("Cannot register the CSV text: it is empty.") from None
    except Exception as exc:
        raise DatasetError(f"Cannot register the CSV text: it could not be read as CSV "
                           f"({type(exc).__name__}: {exc}).") from None


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
