"""Data Input and Output components: Import Data, Enter Data Manually, Export Data."""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import Bool, Enum, Int, String
from jupyter_designer.engine.ports import DATASET, Port
from jupyter_designer.engine.schema import Schema, set_roles
from jupyter_designer.fileio import atomic_path

CATEGORY = "Data Input and Output"

FILE_FORMATS = ("CSV", "TSV", "Parquet", "JSON")
DELIMITERS = {"Comma": ",", "Tab": "\t", "Semicolon": ";", "Colon": ":", "Space": " ",
              "Pipe": "|", "Other": None}
#: Encodings offered, and the Python codec reading each. A UTF-8 byte order mark is
#: skipped whichever UTF-8 option is chosen.
ENCODINGS = {"UTF-8": "utf-8-sig", "UTF-8 BOM": "utf-8-sig", "ISO-8859-1": "iso-8859-1",
             "Windows-1252": "cp1252", "ASCII": "ascii", "UTF-16": "utf-16", "UTF-32": "utf-32"}
EXTENSIONS = {"CSV": (".csv", ".txt"), "TSV": (".tsv", ".tab", ".txt"),
              "Parquet": (".parquet", ".pq"), "JSON": (".json", ".jsonl", ".ndjson")}
#: Rows read to guess column types at design time (the run reads everything).
_PEEK_ROWS = 2000


class _ReadError(Exception):
    """A file problem; the component turns it into a ComponentError with its own name."""


def default_column_names(n: int) -> list[str]:
    """Names of the columns of data without a header row, as the reference names them."""
    return [f"Col{i + 1}" for i in range(n)]


# -- locating files ------------------------------------------------------------------
def resolve_path(path: str) -> str:
    """An absolute path: ``~`` expanded, a relative path taken from the current directory."""
    p = os.path.expanduser(str(path).strip())
    return p if os.path.isabs(p) else os.path.join(os.getcwd(), p)


def find_files(path: str, file_format: str) -> list[str]:
    """The files a path names: one file, a glob pattern (``**`` recurses), or a folder
    (its files with the format's extension), sorted by name."""
    full = resolve_path(path)
    shown = f"'{path}'" + (f" (resolved to '{full}')" if full != str(path).strip() else "")
    if glob.has_magic(full):
        files = sorted(f for f in glob.glob(full, recursive=True) if os.path.isfile(f))
        if not files:
            raise _ReadError(f"no file matches the path pattern {shown}. Check the 'Path' "
                             "parameter.")
        return files
    if os.path.isdir(full):
        exts = EXTENSIONS[file_format]
        files = sorted(str(f) for f in Path(full).iterdir()
                       if f.is_file() and f.suffix.lower() in exts)
        if not files:
            raise _ReadError(f"the folder {shown} holds no {file_format} file (files ending "
                             f"in {', '.join(exts)}). Check the 'Path' and 'File format' "
                             "parameters.")
        return files
    if not os.path.exists(full):
        raise _ReadError(f"the file {shown} does not exist. Check the 'Path' parameter; "
                         "a relative path is taken from the current directory "
                         f"'{os.getcwd()}'.")
    return [full]


def _delimiter(params) -> str:
    if params.get("file_format") == "TSV":
        return "\t"
    name = params.get("column_delimiter") or "Comma"
    sep = DELIMITERS.get(name)
    if sep is None:
        sep = params.get("custom_delimiter") or ""
        if not sep:
            raise _ReadError("'Column delimiter' is 'Other' but 'Custom delimiter' is empty; "
                             "enter the character that separates the columns.")
        sep = sep.encode().decode("unicode_escape") if "\\" in sep else sep
    return sep


def read_file(file: str, params: dict, *, nrows: int | None = None) -> pd.DataFrame:
    """Read one file as Import Data's parameters say (``nrows`` limits delimited files)."""
    fmt = params.get("file_format", "CSV")
    encoding = ENCODINGS[params.get("encoding") or "UTF-8"]
    try:
        if fmt in ("CSV", "TSV"):
            header = bool(params.get("has_header", True))
            sep = _delimiter(params)
            df = pd.read_csv(file, sep=sep, header=0 if header else None, encoding=encoding,
                             skiprows=int(params.get("skip_rows") or 0), nrows=nrows,
                             engine="python" if len(sep) > 1 else "c")
            if not header:
                df.columns = default_column_names(df.shape[1])
        elif fmt == "Parquet":
            df = pd.read_parquet(file)
        else:
            lines = file.lower().endswith((".jsonl", ".ndjson"))
            try:
                df = pd.read_json(file, lines=lines, encoding=encoding)
            except ValueError:
                if lines:
                    raise
                df = pd.read_json(file, lines=True, encoding=encoding)
    except _ReadError:
        raise
    except UnicodeDecodeError as exc:
        raise _ReadError(f"the file '{file}' is not valid {params.get('encoding') or 'UTF-8'} "
                         f"text ({exc.reason} at byte {exc.start}). Set the 'Encoding' "
                         "parameter to the file's encoding.") from None
    except pd.errors.EmptyDataError:
        raise _ReadError(f"the file '{file}' is empty.") from None
    except PermissionError:
        raise _ReadError(f"the file '{file}' cannot be read: permission denied.") from None
    except IsADirectoryError:
        raise _ReadError(f"'{file}' is a folder, not a file.") from None
    except pd.errors.ParserError as exc:
        raise _ReadError(f"the file '{file}' cannot be parsed as {fmt}: {exc}. Check the "
                         "'Column delimiter' and 'Skip rows' parameters.") from None
    except Exception as exc:  # pyarrow, json and OS errors carry a readable message
        raise _ReadError(f"the file '{file}' cannot be read as {fmt}: "
                         f"{type(exc).__name__}: {exc}. Check the 'File format' parameter.") from None
    df.columns = [str(c) for c in df.columns]
    return df


def import_files(params: dict, *, nrows: int | None = None, first_only: bool = False) -> pd.DataFrame:
    out = read_files(params, nrows=nrows, first_only=first_only)
    set_roles(out, {}, replace=True)
    return out


def read_files(params: dict, *, nrows: int | None = None, first_only: bool = False) -> pd.DataFrame:
    """The table Import Data reads: the files the path names, one after the other."""
    files = find_files(params["path"], params.get("file_format", "CSV"))
    if first_only:
        files = files[:1]
    frames = []
    for f in files:
        df = read_file(f, params, nrows=nrows)
        if frames and list(df.columns) != list(frames[0].columns):
            raise _ReadError(
                f"the file '{f}' has columns {list(df.columns)}, but '{files[0]}' has "
                f"{list(frames[0].columns)}. All files imported together must have the same "
                "columns.")
        frames.append(df)
    out = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if out.shape[1] == 0 or (len(out) == 0 and nrows is None):
        where = files[0] if len(files) == 1 else f"{len(files)} files matching '{params['path']}'"
        raise _ReadError(f"reading '{where}' gave an empty dataset "
                         f"({out.shape[0]} rows, {out.shape[1]} columns). Check the path "
                         "and the 'File format' and 'CSV or TSV has header row' parameters.")
    return out


def import_fingerprint(params: dict) -> str:
    """Identity of the files Import Data would read (paths, sizes, modification times).

    A cached output is only valid for the same files unchanged; runners add this to the
    node's cache key.
    """
    h = hashlib.sha256()
    try:
        for f in find_files(params["path"], params.get("file_format", "CSV")):
            st = os.stat(f)
            h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    except (_ReadError, OSError, KeyError) as exc:
        h.update(f"error:{exc}".encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=64)
def _peek_schema(key: tuple) -> Schema:
    params = dict(key[1])
    if params.get("file_format") == "Parquet":
        import pyarrow.parquet as pq

        f = find_files(params["path"], "Parquet")[0]
        return Schema.from_frame(pq.read_schema(f).empty_table().to_pandas())
    return Schema.from_frame(import_files(params, nrows=_PEEK_ROWS, first_only=True))


def _import_schema(inputs, params):
    files = find_files(params["path"], params.get("file_format", "CSV"))
    st = os.stat(files[0])
    key = (files[0], st.st_size, st.st_mtime_ns)
    return {"results_dataset": _peek_schema((key, tuple(sorted(params.items()))))}


_delimited = {"file_format": ["CSV", "TSV"]}


@component(
    "Import Data", category=CATEGORY,
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[
        String("path", "Path", allow_empty=False,
               description="A file, a folder or a glob pattern such as data/*.csv or "
                           "data/**/*.parquet; a relative path is taken from the current "
                           "directory. Files read together must have the same columns."),
        Enum("file_format", "File format", default="CSV", choices=FILE_FORMATS),
        Bool("has_header", "CSV or TSV has header row", default=True, visible_if=_delimited,
             description="Without a header row the columns are named Col1, Col2, ..."),
        Enum("column_delimiter", "Column delimiter", default="Comma", choices=tuple(DELIMITERS),
             visible_if={"file_format": ["CSV"]}),
        String("custom_delimiter", "Custom delimiter", default="", required=False,
               visible_if={"file_format": ["CSV"], "column_delimiter": ["Other"]}),
        Enum("encoding", "Encoding", default="UTF-8", choices=tuple(ENCODINGS),
             visible_if={"file_format": ["CSV", "TSV", "JSON"]}),
        Int("skip_rows", "Skip rows", default=0, min=0, visible_if=_delimited,
            description="Lines to skip at the top of each file, before the header row"),
    ],
    schema=_import_schema,
    extra={"cache_fingerprint": import_fingerprint},
)
def import_data(ctx, inputs, params):
    """Load data from local files (CSV, TSV, Parquet or JSON) into the pipeline."""
    try:
        df = import_files(params)
    except _ReadError as exc:
        raise ctx.error(str(exc)) from None
    ctx.log("Imported %d rows and %d columns from %s", len(df), df.shape[1], params["path"])
    return {"results_dataset": df}


# -- Enter Data Manually ---------------------------------------------------------------
def _split_arff_row(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=",", quotechar="'", skipinitialspace=True)) \
        if "'" in line else next(csv.reader([line], delimiter=",", quotechar='"',
                                            skipinitialspace=True))


_ARFF_ATTR = re.compile(r"""@attribute\s+('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+)\s+(.+)$""",
                        re.IGNORECASE)


def parse_arff(text: str) -> pd.DataFrame:
    """Parse ARFF text (Weka's format): numeric, integer, real, string, date and nominal
    attributes; ``?`` is a missing value; sparse rows ``{index value, ...}`` are accepted."""
    attrs: list[tuple[str, str]] = []
    rows: list[list] = []
    in_data = False
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        if not in_data:
            low = line.lower()
            if low.startswith("@relation"):
                continue
            if low.startswith("@attribute"):
                m = _ARFF_ATTR.match(line)
                if not m:
                    raise ValueError(f"line {n}: an attribute must be '@attribute <name> <type>'")
                name = m.group(1)
                if name[0] in "'\"":
                    name = name[1:-1]
                attrs.append((name, m.group(2).strip()))
            elif low.startswith("@data"):
                in_data = True
            else:
                raise ValueError(f"line {n}: expected @relation, @attribute or @data, got "
                                 f"{line[:40]!r}")
            continue
        if line.startswith("{"):
            row = ["0"] * len(attrs)
            body = line.strip("{} ")
            for part in filter(None, (p.strip() for p in body.split(","))):
                idx, _, value = part.partition(" ")
                if not idx.isdigit() or int(idx) >= len(attrs):
                    raise ValueError(f"line {n}: bad sparse entry {part!r}")
                row[int(idx)] = value.strip().strip("'\"")
        else:
            row = _split_arff_row(line)
        if len(row) != len(attrs):
            raise ValueError(f"line {n}: {len(row)} values for {len(attrs)} attributes")
        rows.append(row)
    if not attrs:
        raise ValueError("no @attribute lines")
    if not in_data:
        raise ValueError("no @data line")
    columns = {}
    for j, (name, typ) in enumerate(attrs):
        raw_values = [None if r[j] in ("?", "") else r[j] for r in rows]
        t = typ.lower()
        if t.startswith("{"):
            cats = [c.strip().strip("'\"") for c in _split_arff_row(typ.strip()[1:-1])]
            bad = sorted({v for v in raw_values if v is not None and v not in cats})
            if bad:
                raise ValueError(f"attribute {name!r}: values {bad} are not among {cats}")
            columns[name] = pd.Categorical(raw_values, categories=cats)
        elif t in ("numeric", "real", "integer"):
            s = pd.to_numeric(pd.Series(raw_values, dtype=object), errors="coerce")
            bad = [v for v, x in zip(raw_values, s) if v is not None and pd.isna(x)]
            if bad:
                raise ValueError(f"attribute {name!r} is {t} but has value {bad[0]!r}")
            integral = t == "integer" and s.notna().all() and bool((s == s.round()).all())
            columns[name] = s.astype("int64" if integral else "float64")
        elif t == "string":
            columns[name] = pd.Series(raw_values, dtype="str")
        elif t.startswith("date"):
            columns[name] = pd.to_datetime(pd.Series(raw_values, dtype=object))
        else:
            raise ValueError(f"attribute {name!r} has unsupported type {typ!r}")
    return pd.DataFrame(columns)


def parse_svmlight(text: str) -> pd.DataFrame:
    """Parse SVMLight text: the label column ``Labels`` after feature columns Col1, Col2, ..."""
    from sklearn.datasets import load_svmlight_file

    X, y = load_svmlight_file(io.BytesIO(text.encode()), zero_based="auto")
    X = X.toarray()
    df = pd.DataFrame(X, columns=default_column_names(X.shape[1]))
    labels = pd.Series(y)
    df["Labels"] = labels.astype("int64") if (labels == labels.round()).all() else labels
    return df


def parse_manual_data(data: str, data_format: str, has_header: bool) -> pd.DataFrame:
    df = parse_manual_table(data, data_format, has_header)
    set_roles(df, {"Labels": "label"} if data_format == "SVMLight" else {}, replace=True)
    return df


def parse_manual_table(data: str, data_format: str, has_header: bool) -> pd.DataFrame:
    """The table Enter Data Manually makes of ``data`` (CSV, TSV, ARFF or SVMLight text)."""
    text = str(data)
    if not text.strip():
        raise ValueError("the data is empty")
    if data_format in ("CSV", "TSV"):
        df = pd.read_csv(io.StringIO(text), sep="," if data_format == "CSV" else "\t",
                         header=0 if has_header else None, skip_blank_lines=True)
        if not has_header:
            df.columns = default_column_names(df.shape[1])
        df.columns = [str(c) for c in df.columns]
    elif data_format == "ARFF":
        df = parse_arff(text)
    else:
        df = parse_svmlight(text)
    return df


def _manual_schema(inputs, params):
    return {"dataset": Schema.from_frame(parse_manual_data(params["data"], params["data_format"],
                                                           params["has_header"]))}


@component(
    "Enter Data Manually", category=CATEGORY,
    outputs=[Port("dataset", DATASET, "Dataset")],
    params=[
        Enum("data_format", "DataFormat", default="CSV", choices=("ARFF", "CSV", "SVMLight", "TSV")),
        Bool("has_header", "HasHeader", default=True, visible_if={"data_format": ["CSV", "TSV"]},
             description="Use the first row as column names; otherwise Col1, Col2, ..."),
        String("data", "Data", multiline=True, allow_empty=False,
               description="The values, one row per line, in the chosen format"),
    ],
    schema=_manual_schema,
)
def enter_data_manually(ctx, inputs, params):
    """Create a small dataset by typing (or pasting) values."""
    try:
        df = parse_manual_data(params["data"], params["data_format"], params["has_header"])
    except Exception as exc:
        raise ctx.error(f"the 'Data' parameter is not valid {params['data_format']}: {exc}. "
                        "Fix the text or choose the matching 'DataFormat'.") from None
    if len(df) == 0 or df.shape[1] == 0:
        raise ctx.error("the 'Data' parameter holds no rows; enter at least one row of values"
                        + (" under the header row." if params["has_header"] and
                           params["data_format"] in ("CSV", "TSV") else "."))
    return {"dataset": df}


# -- Export Data -----------------------------------------------------------------------
def write_atomic(df: pd.DataFrame, target: str, file_format: str) -> None:
    """Write ``df`` to a temporary file next to ``target``, then rename it into place."""
    with atomic_path(target) as tmp:
        write_table(df, tmp, file_format)


def write_table(df: pd.DataFrame, file, file_format: str) -> None:
    """Write ``df`` to ``file`` as Export Data writes the format ``file_format``."""
    if file_format == "CSV":
        df.to_csv(file, index=False)
    elif file_format == "TSV":
        df.to_csv(file, index=False, sep="\t")
    elif file_format == "Parquet":
        df.to_parquet(file, index=False)
    else:
        df.to_json(file, orient="records", date_format="iso", force_ascii=False)


@component(
    "Export Data", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[],
    params=[
        String("path", "Path", allow_empty=False,
               description="The file to write; a relative path is taken from the current "
                           "directory. Missing folders are created."),
        Enum("file_format", "File format", default="CSV", choices=FILE_FORMATS),
        Bool("overwrite", "Overwrite", default=True,
             description="Replace the file if it exists; otherwise an existing file is an error"),
    ],
    training_only=True,
)
def export_data(ctx, inputs, params):
    """Save a dataset to a local file (CSV, TSV, Parquet or JSON)."""
    export_file(ctx, inputs["dataset"], params["path"], params["file_format"], params["overwrite"])
    return {}


def export_file(ctx, df: pd.DataFrame, path: str, file_format: str, overwrite: bool) -> None:
    """Export Data: write ``df`` to the file ``path`` (created with its folders, replaced only
    when ``overwrite``)."""
    target = resolve_path(path)
    if glob.has_magic(target):
        raise ctx.error(f"the 'Path' parameter {path!r} contains a wildcard (*, ? or [); "
                        "give the name of one file.")
    if os.path.isdir(target) or str(path).strip().endswith(("/", os.sep)):
        raise ctx.error(f"the 'Path' parameter {path!r} names a folder; give a file name such "
                        f"as {os.path.join(path, 'data.' + file_format.lower())!r}.")
    if os.path.exists(target) and not overwrite:
        raise ctx.error(f"the file '{target}' already exists and 'Overwrite' is off. Turn "
                        "'Overwrite' on or choose another path.")
    try:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        write_atomic(df, target, file_format)
    except OSError as exc:
        raise ctx.error(f"cannot write '{target}': {exc.strerror or exc}.") from None
    except (ValueError, TypeError, ImportError) as exc:
        raise ctx.error(f"cannot write the dataset as {file_format} to '{target}': "
                        f"{exc}") from None
    ctx.log("Exported %d rows to %s", len(df), target)


# -- examples for the contract tests ----------------------------------------------------
def _example_import():
    folder = tempfile.mkdtemp(prefix="designer-example-")
    path = os.path.join(folder, "cars.csv")
    pd.DataFrame({"make": ["audi", "bmw", "fiat"], "price": [30000, 41000, 12000],
                  "mpg": [24.5, 21.0, np.nan]}).to_csv(path, index=False)
    return {}, {"path": path}


def _example_export():
    folder = tempfile.mkdtemp(prefix="designer-example-")
    return ({"dataset": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})},
            {"path": os.path.join(folder, "out.csv")})


EXAMPLES = {
    "import_data": _example_import,
    "enter_data_manually": lambda: ({}, {"data": "name,age,member\nAnn,31,true\nBob,45,false\n"}),
    "export_data": _example_export,
}
