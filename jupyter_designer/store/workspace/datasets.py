"""The datasets of a workspace: registered, versioned tables (and the built-in samples)."""

from __future__ import annotations

import json
import os
import sqlite3
import time

from jupyter_designer.engine.errors import DatasetError
from jupyter_designer.fileio import atomic_write

from .. import samples as _samples
from ..artifacts import ArtifactError, ArtifactStore, head_parquet, read_parquet, write_parquet
from ..datasets import DatasetNotFoundError, ReadReport, RegisteredDataset, check_name, \
    content_hash, name_key, normalize_frame, read_csv_text, read_table, schema_of
from ..db import Database
from ..records import DatasetInfo
from ._common import _close_matches, _dumps, _loads
from .errors import WorkspaceError


class DatasetsPart:
    """Register, read, list and delete datasets."""

    _db: Database
    _artifacts: ArtifactStore

    def _dataset_rows(self, name: str) -> list[sqlite3.Row]:
        return self._db.query("SELECT * FROM datasets WHERE name_key = ? ORDER BY version",
                              (name_key(name),))

    def _dataset_row(self, name: str, version: int | None) -> sqlite3.Row:
        rows = self._dataset_rows(name)
        if not rows:
            known = [r["name"] for r in self._db.query(
                "SELECT name FROM datasets GROUP BY name_key")] + _samples.sample_names()
            raise DatasetNotFoundError(f"There is no dataset named {name!r}."
                                       f"{_close_matches(name, known)}")
        if version is None:
            return rows[-1]
        for r in rows:
            if r["version"] == version:
                return r
        raise DatasetNotFoundError(
            f"Dataset {rows[-1]['name']!r} has no version {version!r}; its versions are "
            f"{', '.join(str(r['version']) for r in rows)}.")

    def _dataset_info(self, row: sqlite3.Row, first_name: str | None = None) -> DatasetInfo:
        return DatasetInfo(name=first_name or row["name"], version=row["version"],
                           rows=row["n_rows"], columns=row["n_columns"],
                           schema=_loads(row["schema"], []), content_hash=row["content_hash"],
                           created=row["created"], description=row["description"],
                           tags=_loads(row["tags"], {}), sample=False,
                           artifact_id=row["artifact_id"], source=row["source"],
                           lineage=_loads(row["lineage"], {}))

    def _sample_info(self, name: str) -> DatasetInfo:
        sample = _samples.get_sample(name)
        info = _SAMPLE_INFO.get(sample.name)
        if info is None:
            df = _samples.load_sample(sample.name)
            info = DatasetInfo(name=sample.name, version=1, rows=len(df), columns=len(df.columns),
                               schema=schema_of(df), content_hash=content_hash(df), created=0.0,
                               description=sample.description,
                               tags={"task": sample.task, "label": sample.label}, sample=True,
                               source="sample")
            _SAMPLE_INFO[sample.name] = info
        return info

    @staticmethod
    def _check_sample_version(name: str, version) -> None:
        if version not in (None, 1):
            raise DatasetNotFoundError(f"The sample dataset {name!r} has only version 1. Got "
                                       f"version {version!r}.")

    def register_dataset(self, name: str, data, *, description: str = "",
                         tags=None, na_values=None, parse_dates: bool = True,
                         lineage: dict | None = None) -> RegisteredDataset:
        """Register ``data`` (a DataFrame, the path of a CSV/TSV/Parquet/JSON file, or CSV
        text in a file-like object such as ``io.StringIO``) as dataset ``name``.

        A new version is created only when the content differs from the latest version;
        registering the same content again returns the latest version. Bad input (an empty
        table, an unreadable file, duplicate column names, values of an unsupported type)
        raises :class:`DatasetError` and leaves the workspace unchanged.

        In a CSV/TSV file only empty fields are missing values; ``na_values`` adds words that
        are (e.g. ``["NA", "n/a"]``): ``None`` or ``NA`` are otherwise kept as data. With
        ``parse_dates`` (default) columns of ISO 8601 dates become date columns. The result
        tells which columns have missing values (``missing_values``) and what reading the
        file decided (``notes``). ``lineage`` records what a new version came from (e.g.
        ``{"run": run_id, "node": node_id, "port": port}``); it is kept with the version.
        """
        name = check_name(name)
        if _samples.canonical_name(name):
            raise DatasetError(f"{name!r} is the name of a built-in sample dataset. Register "
                               "your dataset under another name.")
        if not isinstance(description, str):
            raise DatasetError(f"The description of dataset {name!r} must be a string. Got "
                               f"{type(description).__name__} instead.")
        tags = {} if tags is None else tags
        if not isinstance(tags, (dict, list, tuple)):
            raise DatasetError(f"The tags of dataset {name!r} must be a dict or a list. Got "
                               f"{type(tags).__name__} instead.")
        tags_text = _dumps(tags if not isinstance(tags, tuple) else list(tags), "tags")
        if lineage is not None and not isinstance(lineage, dict):
            raise DatasetError(f"The lineage of dataset {name!r} must be a dict. Got "
                               f"{type(lineage).__name__} instead.")
        lineage_text = _dumps(lineage or {}, "lineage")
        report = None
        if isinstance(data, (str, os.PathLike)):
            report = ReadReport()
            df, source = read_table(data, na_values=na_values, parse_dates=parse_dates,
                                    report=report)
            what = str(source)
        elif hasattr(data, "read"):  # CSV text, e.g. io.StringIO(text) from a REST request
            report = ReadReport()
            df = read_csv_text(data, na_values=na_values, parse_dates=parse_dates, report=report)
            source, what = "CSV text", f"dataset {name!r}"
        else:
            import pandas as pd

            if isinstance(data, pd.Series):
                data = data.to_frame()
            df, source = data, "DataFrame"
            what = f"dataset {name!r}"
        df = normalize_frame(df, what)
        digest = content_hash(df)
        key = name_key(name)

        rows = self._dataset_rows(name)
        if rows and rows[-1]["content_hash"] == digest:
            return RegisteredDataset.of(self._dataset_info(rows[-1], rows[0]["name"]), df, report)

        # store the table before the metadata: a crash in between leaves only an unreferenced file
        aid, written = None, False
        same = self._db.one("SELECT artifact_id FROM datasets WHERE content_hash = ? LIMIT 1",
                            (digest,))
        if same is not None and self._artifacts.exists(same["artifact_id"]):
            aid = same["artifact_id"]
        else:
            aid = self._write_dataset_table(df, what)
            written = True
        try:
            with self._db.write() as c:
                rows = c.execute("SELECT * FROM datasets WHERE name_key = ? ORDER BY version",
                                 (key,)).fetchall()
                if rows and rows[-1]["content_hash"] == digest:
                    result = self._dataset_info(rows[-1], rows[0]["name"])
                else:
                    version = rows[-1]["version"] + 1 if rows else 1
                    display = rows[0]["name"] if rows else name
                    now = time.time()
                    c.execute(
                        "INSERT INTO datasets (name, name_key, version, artifact_id, content_hash,"
                        " n_rows, n_columns, schema, description, tags, source, created, lineage)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (display, key, version, aid, digest, len(df), len(df.columns),
                         json.dumps(schema_of(df), ensure_ascii=False), description, tags_text,
                         str(source), now, lineage_text))
                    row = c.execute("SELECT * FROM datasets WHERE name_key = ? AND version = ?",
                                    (key, version)).fetchone()
                    result = self._dataset_info(row, display)
                    written = False  # now referenced
        finally:
            if written:
                self._delete_if_unreferenced(aid)
        return RegisteredDataset.of(result, df, report)

    def _write_dataset_table(self, df, what: str) -> str:
        import pyarrow as pa

        aid = self._artifacts._new_id("pq")
        try:
            atomic_write(self._artifacts.path(aid), lambda f: write_parquet(df, f))
        except Exception as exc:
            bad = None
            for col in df.columns:
                try:
                    pa.Array.from_pandas(df[col])
                except Exception:
                    bad = col
                    break
            where = f"column {bad!r}" if bad is not None else "the table"
            raise DatasetError(f"Cannot register {what}: {where} cannot be stored "
                               f"({type(exc).__name__}: {exc}). Convert it to numbers, strings, "
                               "booleans or dates first.") from exc
        return aid

    def _delete_if_unreferenced(self, artifact_id: str) -> None:
        used = self._db.one("SELECT 1 FROM datasets WHERE artifact_id = ? UNION ALL "
                            "SELECT 1 FROM models WHERE artifact_id = ? LIMIT 1",
                            (artifact_id, artifact_id))
        if used is None:
            self._artifacts.delete(artifact_id)

    def get_dataset(self, name: str, version: int | None = None, *, columns=None):
        """A dataset as a DataFrame: the latest version unless ``version`` is given. Names are
        case-insensitive; built-in samples work too. ``columns`` reads only those columns."""
        if _samples.canonical_name(name):
            self._check_sample_version(name, version)
            df = _samples.load_sample(name)
            if columns is not None:
                missing = [c for c in columns if c not in df.columns]
                if missing:
                    raise DatasetError(f"The sample dataset {name!r} has no columns {missing}.")
                df = df[list(columns)]
            return df
        row = self._dataset_row(name, version)
        path = self._artifacts.path(row["artifact_id"])
        if not path.exists():
            raise DatasetError(f"The data of dataset {row['name']!r} version {row['version']} is "
                               f"missing from the workspace ({path}). Register it again.")
        try:
            return read_parquet(path, columns,
                                what=f"dataset {row['name']!r} version {row['version']}")
        except ArtifactError as exc:
            raise DatasetError(str(exc)) from exc

    def dataset_info(self, name: str, version: int | None = None) -> DatasetInfo:
        """Metadata of a dataset version (the latest by default)."""
        if _samples.canonical_name(name):
            self._check_sample_version(name, version)
            return self._sample_info(name)
        rows = self._dataset_rows(name)
        row = self._dataset_row(name, version)
        return self._dataset_info(row, rows[0]["name"])

    def dataset_versions(self, name: str) -> list[DatasetInfo]:
        """Every version of a dataset, oldest first."""
        if _samples.canonical_name(name):
            return [self._sample_info(name)]
        rows = self._dataset_rows(name)
        if not rows:
            self._dataset_row(name, None)  # raises the not-found error
        return [self._dataset_info(r, rows[0]["name"]) for r in rows]

    def dataset_key(self, name: str, version: int | None = None) -> str:
        """The identity of a dataset version for output reuse: its content hash."""
        return self.dataset_info(name, version).content_hash

    def list_datasets(self, include_samples: bool = True) -> list[DatasetInfo]:
        """The latest version of every registered dataset (by name), then the samples."""
        rows = self._db.query(
            "SELECT d.*, (SELECT name FROM datasets f WHERE f.name_key = d.name_key"
            " ORDER BY version LIMIT 1) AS first_name FROM datasets d"
            " WHERE d.version = (SELECT MAX(version) FROM datasets m WHERE m.name_key = d.name_key)"
            " ORDER BY d.name_key")
        out = [self._dataset_info(r, r["first_name"]) for r in rows]
        if include_samples:
            out += [self._sample_info(n) for n in _samples.sample_names()]
        return out

    def preview(self, name: str, n: int = 20, version: int | None = None):
        """The first ``n`` rows of a dataset (reading no more of the file than needed)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise WorkspaceError(f"The number of preview rows must be a non-negative integer. "
                                 f"Got {n!r} instead.")
        if _samples.canonical_name(name):
            self._check_sample_version(name, version)
            return _samples.load_sample(name).head(n)
        row = self._dataset_row(name, version)
        return head_parquet(self._artifacts.path(row["artifact_id"]), n)

    def profile(self, name: str, version: int | None = None):
        """Summary statistics of a dataset, one row per column (``engine.profiling.summarize``)."""
        from jupyter_designer.engine.profiling import summarize

        return summarize(self.get_dataset(name, version))

    def delete_dataset(self, name: str, version: int | None = None) -> None:
        """Delete one version of a dataset, or (``version=None``) all of its versions."""
        if _samples.canonical_name(name):
            raise DatasetError(f"{name!r} is a built-in sample dataset; it cannot be deleted.")
        self._dataset_row(name, version)  # not found -> error
        with self._db.write() as c:
            if version is None:
                rows = c.execute("SELECT artifact_id FROM datasets WHERE name_key = ?",
                                 (name_key(name),)).fetchall()
                c.execute("DELETE FROM datasets WHERE name_key = ?", (name_key(name),))
            else:
                rows = c.execute("SELECT artifact_id FROM datasets WHERE name_key = ? AND version = ?",
                                 (name_key(name), version)).fetchall()
                c.execute("DELETE FROM datasets WHERE name_key = ? AND version = ?",
                          (name_key(name), version))
        for r in rows:
            self._delete_if_unreferenced(r["artifact_id"])


_SAMPLE_INFO: dict[str, DatasetInfo] = {}
