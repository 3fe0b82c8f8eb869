"""Register a dataset."""

from __future__ import annotations

import io

from jupyter_designer.serving.errors import RequestError

from ._checks import exactly_one, flag, text

DATA_SOURCES = ('"path" (a CSV/Parquet/JSON file on the server), "csv" (CSV text), "records" '
                '(a list of row objects) or "columns" (an object of column lists)')


def register_dataset(ws, name, *, path=None, csv=None, records=None, columns=None, frame=None,
                     description: str = "", na_values=None, parse_dates: bool = True):
    """Register one of: a file ``path``, ``csv`` text, ``records`` (row objects), ``columns``
    (column lists) or a DataFrame ``frame`` as dataset ``name``; returns its
    :class:`~jupyter_designer.store.RegisteredDataset`.

    In CSV files and text only empty fields are missing unless ``na_values`` (a list of words)
    says more; ``parse_dates`` reads ISO 8601 date
    columns as dates."""
    import pandas as pd

    name = text(name, "The dataset's \"name\"", required=True)
    description = text(description, "\"description\"", default="")
    if na_values is not None and (not isinstance(na_values, list)
                                  or not all(isinstance(v, str) for v in na_values)):
        raise RequestError("\"na_values\" must be a list of words that mean a missing value, "
                           "e.g. [\"NA\", \"n/a\"].")
    parse_dates = flag(parse_dates, "\"parse_dates\"", True)
    kind = exactly_one({"path": path, "csv": csv, "records": records, "columns": columns,
                        "frame": frame}, DATA_SOURCES)
    text_options = {"na_values": na_values, "parse_dates": parse_dates}
    if kind == "path":
        return ws.register_dataset(name, str(path), description=description, **text_options)
    if kind == "csv":
        if not isinstance(csv, str):
            raise RequestError("\"csv\" must be CSV text.")
        # read as a registered file is: only empty fields are missing unless na_values says so
        return ws.register_dataset(name, io.StringIO(csv), description=description, **text_options)
    if kind == "records":
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise RequestError("\"records\" must be a list of row objects.")
        data = pd.DataFrame(records)
    elif kind == "columns":
        if not isinstance(columns, dict):
            raise RequestError("\"columns\" must be an object of column lists.")
        try:
            data = pd.DataFrame(columns)
        except ValueError as exc:
            raise RequestError(f"\"columns\" cannot be read as a table: {exc}") from None
    else:
        data = frame
    return ws.register_dataset(name, data, description=description)


def register_dataset_request(ws, doc: dict):
    """A dataset from a REST body ``{"name", one of "path"/"csv"/"records"/"columns",
    "description", "na_values", "parse_dates"}``."""
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RequestError("Give the dataset a \"name\".")
    sources = {k: doc.get(k) for k in ("path", "csv", "records", "columns")}
    exactly_one(sources, DATA_SOURCES)
    return register_dataset(ws, name, **sources, description=doc.get("description") or "",
                            na_values=doc.get("na_values"),
                            parse_dates=doc.get("parse_dates", True))
