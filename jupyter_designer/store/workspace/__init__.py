"""The workspace: a folder holding datasets, pipeline drafts, runs, models and compute targets.

::

    .designer/
      designer.db          SQLite metadata (WAL journal): datasets, drafts, experiments,
                           runs and their nodes, models, compute targets
      artifacts/objects/   immutable artifact files (Parquet, skops, JSON, marked pickles)
      artifacts/outputs/   one manifest per output key (written last: a key is complete
                           once its manifest exists)

Several threads and several processes may use one workspace at once: metadata writes are
SQLite transactions, version numbers are allocated inside them, and files are written
atomically under fresh names, so nothing written by one is lost by another.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from jupyter_designer.engine.errors import DatasetError, DesignerError, NotFoundError
from jupyter_designer.engine.params import PIPELINE_PARAMETER, is_binding

from . import samples as _samples
from jupyter_designer.fileio import atomic_write

from ._fs import HOST, pid_alive, process_start_time, tmp_owner_dead
from .artifacts import MARKER_SUFFIX, ArtifactError, ArtifactStore, StoredOutputs, read_parquet, \
    head_parquet, write_parquet
from .datasets import DatasetNotFoundError, ReadReport, RegisteredDataset, check_name, \
    content_hash, name_key, normalize_frame, read_csv_text, read_table, schema_of
from .db import Database
from .records import COMPUTE_KINDS, FINAL_RUN_STATUSES, NODE_STATUSES, RUN_STATUSES, ComputeInfo, \
    DatasetInfo, DraftInfo, ExperimentInfo, ModelInfo, NodeRecord, RunRecord

ENV_VAR = "JUPYTER_DESIGNER_WORKSPACE"
DEFAULT_PATH = "./.designer"


class DraftConflictError(DesignerError):
    """Another editor saved a draft since this one loaded it; nothing was written."""

    def __init__(self, name: str, latest: int | None, base, *, writer: str = "", saved=None):
        self.name, self.latest, self.base, self.writer, self.saved = name, latest, base, writer, saved
        when = f" at {_dt.datetime.fromtimestamp(saved).strftime('%H:%M:%S')}" if saved else ""
        super().__init__(
            f"Pipeline draft {name!r} was saved elsewhere{when} (version {latest}); this copy "
            f"was loaded from {'no saved version' if base is None else f'version {base}'}. "
            "Reload it to see the other edits, or save this copy under a new name.")


class WorkspaceError(DesignerError, ValueError):
    """A workspace operation got a value it cannot store (bad status, non-JSON document, ...)."""


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(value, what: str, *, compact: bool = True) -> str:
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_json_default,
                          separators=(",", ":") if compact else None)
    except (TypeError, ValueError) as exc:
        raise WorkspaceError(f"The {what} must be JSON data (dicts, lists, strings, numbers, "
                             f"booleans, null): {exc}.") from exc


def _loads(text: str | None, default=None):
    if text is None or text == "":
        return default
    return json.loads(text)


_run_id_lock = threading.Lock()
_last_run_time = [0.0]


def _new_run_id() -> tuple[str, float]:
    """A run id that sorts by creation time, and that time."""
    now = time.time()
    with _run_id_lock:
        if now <= _last_run_time[0]:
            now = _last_run_time[0] + 1e-6
        _last_run_time[0] = now
    stamp = _dt.datetime.fromtimestamp(now, _dt.timezone.utc)
    return f"{stamp:%Y%m%d-%H%M%S}-{stamp.microsecond:06d}-{secrets.token_hex(3)}", now


def _close_matches(name: str, names: Iterable[str]) -> str:
    import difflib

    names = list(names)
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
    if not close:
        lower = {n.casefold(): n for n in names}
        close = [lower[c] for c in difflib.get_close_matches(str(name).casefold(), list(lower),
                                                             n=3, cutoff=0.5)]
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, bool, int, float)) or \
        type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0


class Workspace:
    """A designer workspace folder.

    ``Workspace(path=None)`` opens (creating if needed) the folder ``path``, or
    ``$JUPYTER_DESIGNER_WORKSPACE``, or ``./.designer``. Opening marks runs whose process
    died as interrupted. Use it as a context manager, or call :meth:`close`.

    Everything a user can get wrong raises a :class:`~jupyter_designer.engine.errors.DesignerError`
    (``DatasetError``, ``NotFoundError``, ``WorkspaceError``, ``ArtifactError``) whose message
    says what is wrong, and leaves the workspace as it was.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, recover: bool = True):
        raw = path if path is not None else (os.environ.get(ENV_VAR) or DEFAULT_PATH)
        self.path = Path(raw).expanduser().resolve()
        if self.path.exists() and not self.path.is_dir():
            raise WorkspaceError(f"Cannot open the workspace {self.path}: it is a file, not a folder.")
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "artifacts").mkdir(exist_ok=True)
        self._db = Database(self.path / "designer.db")
        self.id: str = self._db.meta("workspace_id")
        self._artifacts = ArtifactStore(self.path / "artifacts", self.id,
                                        bytes.fromhex(self._db.meta("secret")))
        if recover:
            self.mark_interrupted_runs()
        from . import user_components
        user_components.install_loader(self)

    # -- user components ------------------------------------------------------------------------
    def save_component(self, fn) -> Path:
        """Keep a user component (a function decorated with ``@jd.component``) in this
        workspace, so every process using it (the server, the CLI, workers) can run it."""
        from jupyter_designer.engine.component import component_source

        from . import user_components
        return user_components.save(self, fn.spec, component_source(fn))

    def load_components(self) -> list[str]:
        """Register this workspace's user components in this process; returns their ids."""
        from . import user_components
        return user_components.load(self)

    def list_components(self) -> list[str]:
        """Ids of the user components kept in this workspace."""
        from . import user_components
        return user_components.names(self)

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.path / "designer.db"

    @property
    def schema_version(self) -> int:
        """Version of the metadata database's schema."""
        return self._db.schema_version

    def close(self) -> None:
        """Close this process's database connections (the workspace cannot be used after)."""
        self._db.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    def __getstate__(self) -> dict:
        # sent to worker processes by path: they open their own connections
        return {"path": str(self.path)}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"], recover=False)

    # -- artifacts --------------------------------------------------------------------------------
    def put_outputs(self, key: str, outputs: dict[str, Any]) -> dict[str, str]:
        """Store a node's outputs under ``key`` (the runner's content address); returns
        port -> artifact id. The key becomes visible only once every port is written."""
        return self._artifacts.put_outputs(key, outputs)

    def get_outputs(self, key: str) -> StoredOutputs | None:
        """The outputs stored under ``key`` or ``None``: a mapping port -> value that loads
        each value on first access; ``.artifact_ids`` gives port -> artifact id."""
        return self._artifacts.get_outputs(key)

    def get_output_ids(self, key: str) -> dict[str, str] | None:
        """port -> artifact id of the outputs stored under ``key``, or ``None``."""
        return self._artifacts.output_ids(key)

    def has_outputs(self, key: str) -> bool:
        """Whether every output of ``key`` is stored."""
        return self._artifacts.has_outputs(key)

    def delete_outputs(self, key: str) -> None:
        """Forget the outputs stored under ``key`` (the next run recomputes them)."""
        self._artifacts.delete_outputs(key)

    def put_artifact(self, value) -> str:
        """Store one value as a new artifact and return its id."""
        return self._artifacts.put(value)

    def load_artifact(self, artifact_id: str, columns=None):
        """Load an artifact; for a table, ``columns`` reads only those columns."""
        return self._artifacts.load(artifact_id, columns=columns)

    def artifact_path(self, artifact_id: str) -> Path:
        """The file holding an artifact."""
        return self._artifacts.path(artifact_id)

    def artifact_info(self, artifact_id: str) -> dict:
        """Format, size and file of an artifact."""
        return self._artifacts.info(artifact_id)

    # -- datasets ---------------------------------------------------------------------------------
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
                           artifact_id=row["artifact_id"], source=row["source"])

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
                         tags=None, na_values=None, parse_dates: bool = True) -> RegisteredDataset:
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
        file decided (``notes``).
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
                        " n_rows, n_columns, schema, description, tags, source, created)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (display, key, version, aid, digest, len(df), len(df.columns),
                         json.dumps(schema_of(df), ensure_ascii=False), description, tags_text, str(source), now))
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

    # -- pipeline drafts ----------------------------------------------------------------------
    def save_draft(self, name: str, document: dict, *, base_version: int | None | bool = False,
                   writer: str = "", note: str = "") -> int:
        """Save a pipeline draft document; returns its version (1, 2, ...). Saving a document
        equal to the latest version returns that version without adding one.

        ``base_version`` guards against two editors overwriting each other: the version the
        caller's copy was loaded from (``None`` for a draft the caller believes new). When
        another writer saved a different document since, :class:`DraftConflictError` is raised
        and nothing is written. The default (``False``) saves unconditionally. ``writer`` names
        who saved (an editor's id), ``note`` says why (e.g. "restored version 3").
        """
        name = _check_name(name, "draft")
        if not isinstance(document, dict):
            raise WorkspaceError(f"A draft document must be a dict (a pipeline's JSON document). "
                                 f"Got {type(document).__name__} instead.")
        text = _dumps(document, f"draft {name!r}")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        key = name.casefold()
        with self._db.write() as c:
            row = c.execute("SELECT version, doc_hash, name, writer, created FROM drafts WHERE "
                            "name_key = ? ORDER BY version DESC LIMIT 1", (key,)).fetchone()
            if row is not None and row["doc_hash"] == digest:
                return row["version"]
            latest = row["version"] if row else None
            if base_version is not False and base_version != latest:
                raise DraftConflictError(row["name"] if row else name, latest, base_version,
                                         writer=row["writer"] if row else "",
                                         saved=row["created"] if row else None)
            version = latest + 1 if row else 1
            c.execute("INSERT INTO drafts (name, name_key, version, document, doc_hash, created,"
                      " writer, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (row["name"] if row else name, key, version, text, digest, time.time(),
                       str(writer or ""), str(note or "")))
        return version

    def draft_version(self, name: str) -> int | None:
        """The latest version of a draft, or None when there is no such draft."""
        row = self._db.one("SELECT MAX(version) FROM drafts WHERE name_key = ?",
                           (str(name).strip().casefold(),))
        return row[0] if row and row[0] is not None else None

    def draft_history(self, name: str) -> list[dict]:
        """Every saved version of a draft, newest first: ``version``, ``saved`` (epoch
        seconds), ``writer``, ``note``, ``nodes`` and ``edges`` (counts)."""
        rows = self._db.query("SELECT version, created, writer, note, document FROM drafts "
                              "WHERE name_key = ? ORDER BY version DESC",
                              (str(name).strip().casefold(),))
        if not rows:
            raise NotFoundError(f"There is no pipeline draft named {name!r}."
                                f"{_close_matches(name, [d.name for d in self.list_drafts()])}")
        out = []
        for r in rows:
            doc = _loads(r["document"], {})
            out.append({"version": r["version"], "saved": r["created"], "writer": r["writer"],
                        "note": r["note"], "nodes": len(doc.get("nodes") or []),
                        "edges": len(doc.get("edges") or [])})
        return out

    def new_draft_name(self, base: str = "Pipeline draft") -> str:
        """A draft name not used yet: ``"Pipeline draft 1"``, ``"Pipeline draft 2"``, ... for
        the default base; ``base`` itself, then ``"base (2)"``, ... for any other."""
        base = _check_name(base, "draft")
        taken = {r[0] for r in self._db.query("SELECT DISTINCT name_key FROM drafts")}
        if base == "Pipeline draft":
            n = 1
            while f"{base} {n}".casefold() in taken:
                n += 1
            return f"{base} {n}"
        if base.casefold() not in taken:
            return base
        n = 2
        while f"{base} ({n})".casefold() in taken:
            n += 1
        return f"{base} ({n})"

    def bind_draft(self, key: str, name: str) -> None:
        """Remember that ``key`` (a notebook cell id, a pipeline file path) shows draft ``name``."""
        with self._db.write() as c:
            c.execute("INSERT OR REPLACE INTO draft_bindings (key, draft_key, created) VALUES (?, ?, ?)",
                      (str(key), str(name).strip().casefold(), time.time()))

    def bound_draft(self, key: str) -> str | None:
        """The name of the draft bound to ``key``, or None (also when that draft was deleted)."""
        row = self._db.one("SELECT d.name FROM draft_bindings b JOIN drafts d ON d.name_key = "
                           "b.draft_key WHERE b.key = ? LIMIT 1", (str(key),))
        return row[0] if row else None

    def load_draft(self, name: str, version: int | None = None) -> dict:
        """A saved draft document (the latest version unless ``version`` is given)."""
        rows = self._db.query("SELECT version, document FROM drafts WHERE name_key = ? "
                              "ORDER BY version", (str(name).strip().casefold(),))
        if not rows:
            known = [r["name"] for r in self._db.query("SELECT DISTINCT name FROM drafts")]
            raise NotFoundError(f"There is no pipeline draft named {name!r}."
                                f"{_close_matches(name, known)}")
        if version is None:
            return json.loads(rows[-1]["document"])
        for r in rows:
            if r["version"] == version:
                return json.loads(r["document"])
        raise NotFoundError(f"Pipeline draft {name!r} has no version {version!r}; its versions "
                            f"are {', '.join(str(r['version']) for r in rows)}.")

    def list_drafts(self) -> list[DraftInfo]:
        """Every saved draft (its latest version), most recently saved first."""
        rows = self._db.query(
            "SELECT name, MAX(version) AS version, COUNT(*) AS versions, MIN(created) AS created,"
            " MAX(created) AS updated FROM drafts GROUP BY name_key ORDER BY updated DESC")
        return [DraftInfo(r["name"], r["version"], r["versions"], r["created"], r["updated"])
                for r in rows]

    def delete_draft(self, name: str) -> None:
        """Delete a draft and all of its versions."""
        with self._db.write() as c:
            n = c.execute("DELETE FROM drafts WHERE name_key = ?",
                          (str(name).strip().casefold(),)).rowcount
            c.execute("DELETE FROM draft_bindings WHERE draft_key = ?", (str(name).strip().casefold(),))
        if not n:
            raise NotFoundError(f"There is no pipeline draft named {name!r}.")

    # -- runs -------------------------------------------------------------------------------------
    def create_run(self, *, experiment: str, pipeline_name: str, snapshot: dict,
                   parameters: dict, compute: str = "local", pid: int | None = None,
                   draft: str | None = None) -> str:
        """Record a new run (status ``running``) and return its id, which sorts by time.

        ``snapshot`` is the pipeline document as run; ``parameters`` the pipeline parameter
        values; ``pid`` the process executing it (so a crash can be detected later).
        """
        experiment = _check_name(experiment, "experiment")
        if not isinstance(snapshot, dict):
            raise WorkspaceError(f"A run's snapshot must be a pipeline document (dict). Got "
                                 f"{type(snapshot).__name__} instead.")
        parameters = {} if parameters is None else parameters
        if not isinstance(parameters, dict):
            raise WorkspaceError(f"A run's parameters must be a dict. Got "
                                 f"{type(parameters).__name__} instead.")
        snap_text = _dumps(snapshot, "run snapshot")
        params_text = _dumps(parameters, "run parameters")
        run_id, now = _new_run_id()
        pid_start = process_start_time(pid) if pid else None
        with self._db.write() as c:
            c.execute("INSERT OR IGNORE INTO experiments (name, created) VALUES (?, ?)",
                      (experiment, now))
            c.execute("INSERT INTO runs (id, experiment, pipeline_name, status, created, parameters,"
                      " compute, snapshot, metrics, pid, pid_start, host, draft)"
                      " VALUES (?, ?, ?, 'running', ?, ?, ?, ?, '{}', ?, ?, ?, ?)",
                      (run_id, experiment, str(pipeline_name or ""), now, params_text,
                       str(compute or "local"), snap_text, pid, pid_start, HOST,
                       str(draft).strip().casefold() if draft else None))
        return run_id

    def _run_row(self, c, run_id: str) -> sqlite3.Row:
        row = c.execute("SELECT * FROM runs WHERE id = ?", (str(run_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no run {run_id!r} in this workspace.")
        return row

    def update_run(self, run_id: str, *, status: str | None = None, error: str | None = None,
                   finished: float | None = None, metrics: dict | None = None) -> None:
        """Change a run's status, error, finish time, or add run-level metrics (merged).

        Moving to a final status (completed, failed, interrupted, canceled) sets the finish
        time to now unless ``finished`` is given.
        """
        if status is not None and status not in RUN_STATUSES:
            raise WorkspaceError(f"A run status must be one of {', '.join(RUN_STATUSES)}. Got "
                                 f"{status!r} instead.")
        if metrics is not None and not isinstance(metrics, dict):
            raise WorkspaceError(f"Run metrics must be a dict. Got {type(metrics).__name__}.")
        with self._db.write() as c:
            row = self._run_row(c, run_id)
            sets, args = [], []
            if status is not None:
                sets.append("status = ?")
                args.append(status)
                if finished is None and status in FINAL_RUN_STATUSES and row["finished"] is None:
                    finished = time.time()
            if error is not None:
                sets.append("error = ?")
                args.append(str(error))
            if finished is not None:
                sets.append("finished = ?")
                args.append(float(finished))
            if metrics:
                merged = {**_loads(row["metrics"], {}), **metrics}
                sets.append("metrics = ?")
                args.append(_dumps(merged, "run metrics"))
            if sets:
                c.execute(f"UPDATE runs SET {', '.join(sets)} WHERE id = ?", (*args, row["id"]))

    def set_node(self, run_id: str, node_id: str, *, status: str, title: str | None = None,
                 started: float | None = None, finished: float | None = None,
                 duration: float | None = None, cache_key: str | None = None,
                 outputs: dict | None = None, error: str | None = None, log=None,
                 metrics: dict | None = None) -> None:
        """Record a node's state in a run. Only the fields given change; ``outputs`` (port ->
        artifact id) and ``log`` replace what was there, ``metrics`` are merged."""
        if status not in NODE_STATUSES:
            raise WorkspaceError(f"A node status must be one of {', '.join(NODE_STATUSES)}. Got "
                                 f"{status!r} instead.")
        if isinstance(log, (list, tuple)):
            log = "\n".join(str(x) for x in log)
        if outputs is not None and not isinstance(outputs, dict):
            raise WorkspaceError(f"Node outputs must be a dict of port -> artifact id. Got "
                                 f"{type(outputs).__name__}.")
        if metrics is not None and not isinstance(metrics, dict):
            raise WorkspaceError(f"Node metrics must be a dict. Got {type(metrics).__name__}.")
        fields = {"status": status, "title": title, "started": started, "finished": finished,
                  "duration": duration, "cache_key": cache_key, "error": error,
                  "log": None if log is None else str(log),
                  "outputs": None if outputs is None else _dumps(
                      {str(k): v for k, v in outputs.items()}, "node outputs")}
        with self._db.write() as c:
            self._run_row(c, run_id)
            row = c.execute("SELECT metrics FROM nodes WHERE run_id = ? AND node_id = ?",
                            (str(run_id), str(node_id))).fetchone()
            if metrics:
                old = _loads(row["metrics"], {}) if row is not None else {}
                fields["metrics"] = _dumps({**old, **metrics}, "node metrics")
            given = {k: v for k, v in fields.items() if v is not None}
            if row is None:
                seq = c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM nodes WHERE run_id = ?",
                                (str(run_id),)).fetchone()[0]
                cols = ["run_id", "node_id", "seq", *given]
                c.execute(f"INSERT INTO nodes ({', '.join(cols)}) VALUES "
                          f"({', '.join('?' * len(cols))})",
                          (str(run_id), str(node_id), seq, *given.values()))
            else:
                c.execute(f"UPDATE nodes SET {', '.join(f'{k} = ?' for k in given)} "
                          "WHERE run_id = ? AND node_id = ?",
                          (*given.values(), str(run_id), str(node_id)))

    def append_log(self, run_id: str, node_id: str, text: str) -> None:
        """Append text to a node's log (the node must have been recorded with :meth:`set_node`)."""
        with self._db.write() as c:
            n = c.execute("UPDATE nodes SET log = log || ? WHERE run_id = ? AND node_id = ?",
                          (str(text), str(run_id), str(node_id))).rowcount
        if not n:
            raise NotFoundError(f"Run {run_id!r} has no node {node_id!r}.")

    def _node_record(self, row: sqlite3.Row) -> NodeRecord:
        duration = row["duration"]
        if duration is None and row["started"] is not None and row["finished"] is not None:
            duration = row["finished"] - row["started"]
        return NodeRecord(node_id=row["node_id"], status=row["status"], title=row["title"],
                          started=row["started"], finished=row["finished"], duration=duration,
                          cache_key=row["cache_key"], outputs=_loads(row["outputs"], {}),
                          error=row["error"], log=row["log"] or "",
                          metrics=_loads(row["metrics"], {}))

    def _run_record(self, row: sqlite3.Row, node_rows: list) -> RunRecord:
        nodes = {r["node_id"]: self._node_record(r) for r in node_rows}
        finished = row["finished"]
        return RunRecord(
            id=row["id"], experiment=row["experiment"], pipeline_name=row["pipeline_name"],
            status=row["status"], created=row["created"], finished=finished,
            duration=(finished - row["created"]) if finished is not None else None,
            parameters=_loads(row["parameters"], {}), compute=row["compute"],
            snapshot=_loads(row["snapshot"], {}),
            metrics=_merge_metrics(_loads(row["metrics"], {}), nodes),
            error=row["error"], nodes=nodes, pid=row["pid"], host=row["host"])

    def get_run(self, run_id: str) -> RunRecord:
        """Everything recorded about a run."""
        row = self._db.one("SELECT * FROM runs WHERE id = ?", (str(run_id),))
        if row is None:
            known = [r["id"] for r in self._db.query(
                "SELECT id FROM runs ORDER BY created DESC LIMIT 200")]
            raise NotFoundError(f"There is no run {run_id!r} in this workspace."
                                f"{_close_matches(run_id, known)}")
        nodes = self._db.query("SELECT * FROM nodes WHERE run_id = ? ORDER BY seq", (row["id"],))
        return self._run_record(row, nodes)

    def list_runs(self, experiment: str | None = None, status=None, pipeline: str | None = None,
                  limit: int | None = 100) -> list[RunRecord]:
        """Runs, newest first, optionally of one experiment / status (or list) / pipeline."""
        where, args = [], []
        if experiment is not None:
            where.append("experiment = ?")
            args.append(experiment)
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            bad = [s for s in statuses if s not in RUN_STATUSES]
            if bad:
                raise WorkspaceError(f"A run status must be one of {', '.join(RUN_STATUSES)}. "
                                     f"Got {bad[0]!r} instead.")
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            args.extend(statuses)
        if pipeline is not None:
            where.append("pipeline_name = ?")
            args.append(pipeline)
        sql = "SELECT * FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._db.query(sql, args)
        by_run: dict[str, list] = {r["id"]: [] for r in rows}
        ids = list(by_run)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for n in self._db.query(f"SELECT * FROM nodes WHERE run_id IN "
                                    f"({', '.join('?' * len(chunk))}) ORDER BY seq", chunk):
                by_run[n["run_id"]].append(n)
        return [self._run_record(r, by_run[r["id"]]) for r in rows]

    def latest_draft_run(self, draft: str, pipeline_name: str | None = None) -> tuple | None:
        """``(run_id, status)`` of the newest run submitted from draft ``draft`` (or, for runs
        that name no draft, of a pipeline called ``pipeline_name`` submitted since the draft
        was created); None when there is none. Cheap enough to poll."""
        key = str(draft).strip().casefold()
        args = [key]
        sql = "SELECT id, status FROM runs WHERE draft = ?"
        if pipeline_name:
            sql += (" OR (draft IS NULL AND pipeline_name = ? AND created >= "
                    "(SELECT MIN(created) FROM drafts WHERE name_key = ?))")
            args += [str(pipeline_name), key]
        row = self._db.one(sql + " ORDER BY created DESC, id DESC LIMIT 1", args)
        return (row["id"], row["status"]) if row else None

    def node_statuses(self, run_id: str) -> dict:
        """``{node_id: (status, duration, error)}`` of a run, straight from the database."""
        return {r["node_id"]: (r["status"], r["duration"], r["error"]) for r in self._db.query(
            "SELECT node_id, status, duration, error FROM nodes WHERE run_id = ?", (str(run_id),))}

    def list_experiments(self) -> list[ExperimentInfo]:
        """Every experiment with its number of runs, most recently used first."""
        exps = self._db.query("SELECT * FROM experiments")
        stats: dict[str, dict] = {}
        for r in self._db.query("SELECT experiment, status, COUNT(*) AS n, MAX(created) AS last"
                                " FROM runs GROUP BY experiment, status"):
            s = stats.setdefault(r["experiment"], {"statuses": {}, "runs": 0})
            s["statuses"][r["status"]] = r["n"]
            s["runs"] += r["n"]
        last = {r["experiment"]: (r["id"], r["created"]) for r in self._db.query(
            "SELECT experiment, id, MAX(created) AS created FROM runs GROUP BY experiment")}
        out = []
        for e in exps:
            s = stats.get(e["name"], {"statuses": {}, "runs": 0})
            lid, lcreated = last.get(e["name"], (None, None))
            out.append(ExperimentInfo(e["name"], e["created"], s["runs"], lid, lcreated,
                                      s["statuses"]))
        out.sort(key=lambda x: -(x.last_run_created or x.created))
        return out

    def _node_of(self, run_id: str, node_id: str) -> NodeRecord:
        run = self.get_run(run_id)
        node = run.nodes.get(str(node_id))
        if node is None:
            raise NotFoundError(f"Run {run_id!r} has no node {node_id!r}. Its nodes are: "
                                f"{', '.join(repr(n) for n in run.nodes) or '(none)'}.")
        return node

    def _output_id(self, run_id: str, node_id: str, port: str) -> tuple[NodeRecord, str]:
        node = self._node_of(run_id, node_id)
        if port in node.outputs:
            return node, node.outputs[port]
        for k in node.outputs:
            if k.casefold() == str(port).casefold():
                return node, node.outputs[k]
        if not node.outputs:
            raise NotFoundError(f"Node {node.title or node_id!r} of run {run_id!r} has no stored "
                                f"outputs (its status is {node.status}).")
        raise NotFoundError(f"Node {node.title or node_id!r} of run {run_id!r} has no output "
                            f"{port!r}. Its outputs are: "
                            f"{', '.join(repr(p) for p in node.outputs)}.")

    def run_output(self, run_id: str, node_id: str, port: str):
        """The value a node of a run produced on an output port."""
        _, aid = self._output_id(run_id, node_id, port)
        return self._artifacts.load(aid)

    def clone_run(self, run_id: str) -> dict:
        """The pipeline document a run executed, to open as a new draft."""
        return copy.deepcopy(self.get_run(run_id).snapshot)

    def compare_runs(self, run_ids: Iterable[str], *, differences_only: bool = False):
        """A table comparing runs: one column per run; rows are ``("parameter", "<node>:
        <parameter>")`` for pipeline and node parameters and ``("metric", name)`` for scalar
        metrics. ``differences_only`` keeps only rows whose values differ between runs."""
        import pandas as pd

        runs = [self.get_run(r) for r in run_ids]
        columns: dict[str, dict] = {}
        order: list[tuple] = []
        for run in runs:
            values: dict[tuple, Any] = {}
            for name, value in sorted(run.parameters.items()):
                values[("parameter", f"Pipeline parameter: {name}")] = _cell(value)
            for title, pname, value in _snapshot_parameters(run.snapshot, run.parameters,
                                                            run.nodes):
                values[("parameter", f"{title}: {pname}")] = _cell(value)
            for name, value in run.metrics.items():
                if _scalar(value):
                    values[("metric", name)] = value.item() if hasattr(value, "item") else value
            for k in values:
                if k not in order:
                    order.append(k)
            columns[run.id] = values
        index = pd.MultiIndex.from_tuples(
            sorted(order, key=lambda k: (k[0] != "parameter", order.index(k))),
            names=["kind", "name"]) if order else \
            pd.MultiIndex.from_tuples([], names=["kind", "name"])
        table = pd.DataFrame({rid: [vals.get(k) for k in index] for rid, vals in columns.items()},
                             index=index, dtype=object)
        if differences_only and len(table.columns) > 1:
            keep = [len({json.dumps(v, default=str, sort_keys=True) for v in row}) > 1
                    for row in table.itertuples(index=False)]
            table = table[keep]
        return table

    def delete_run(self, run_id: str) -> None:
        """Delete a run record (its outputs stay in the artifact store for reuse)."""
        with self._db.write() as c:
            n = c.execute("DELETE FROM runs WHERE id = ?", (str(run_id),)).rowcount
        if not n:
            raise NotFoundError(f"There is no run {run_id!r} in this workspace.")

    def mark_interrupted_runs(self) -> list[str]:
        """Mark runs still ``running`` whose process (on this host) is gone as interrupted,
        with their running and queued nodes; returns their ids. Done on opening."""
        candidates = self._db.query(
            "SELECT id, pid, pid_start FROM runs WHERE status = 'running' AND pid IS NOT NULL "
            "AND (host = ? OR host IS NULL)", (HOST,))
        dead = [r for r in candidates if not pid_alive(r["pid"], r["pid_start"])]
        marked = []
        for r in dead:
            with self._db.write() as c:
                now = time.time()
                n = c.execute(
                    "UPDATE runs SET status = 'interrupted', finished = COALESCE(finished, ?),"
                    " error = COALESCE(error, ?) WHERE id = ? AND status = 'running'",
                    (now, f"The run was interrupted: the process running it (pid {r['pid']}) "
                          "ended before it finished. Re-run it to continue; completed nodes are "
                          "reused.", r["id"])).rowcount
                if n:
                    c.execute("UPDATE nodes SET status = 'interrupted', finished = "
                              "COALESCE(finished, ?) WHERE run_id = ? AND status IN "
                              "('running', 'queued')", (now, r["id"]))
                    marked.append(r["id"])
        return marked

    # -- models -----------------------------------------------------------------------------------
    def _model_rows(self, name: str) -> list[sqlite3.Row]:
        return self._db.query("SELECT * FROM models WHERE name_key = ? ORDER BY version",
                              (str(name).strip().casefold(),))

    def _model_row(self, name: str, version: int | None) -> sqlite3.Row:
        rows = self._model_rows(name)
        if not rows:
            known = [r["name"] for r in self._db.query("SELECT DISTINCT name FROM models")]
            raise NotFoundError(f"There is no model named {name!r}.{_close_matches(name, known)}")
        if version is None:
            return rows[-1]
        for r in rows:
            if r["version"] == version:
                return r
        raise NotFoundError(f"Model {rows[-1]['name']!r} has no version {version!r}; its "
                            f"versions are {', '.join(str(r['version']) for r in rows)}.")

    @staticmethod
    def _model_info(row: sqlite3.Row) -> ModelInfo:
        return ModelInfo(name=row["name"], version=row["version"], artifact_id=row["artifact_id"],
                         type=row["type"], task=row["task"], learner=row["learner"],
                         description=row["description"], source_run=row["source_run"],
                         source_node=row["source_node"], tags=_loads(row["tags"], {}),
                         created=row["created"])

    def register_model(self, name: str, model, *, description: str = "",
                       source_run: str | None = None, tags=None) -> ModelInfo:
        """Register a model (a trained model, an untrained learner, a fitted transformation or
        an estimator) as a new version of ``name``."""
        return self._register_model(name, model, None, description=description,
                                    source_run=source_run, source_node=None, tags=tags)

    def _register_model(self, name, model, artifact_id, *, description, source_run, source_node,
                        tags) -> ModelInfo:
        import pandas as pd

        name = _check_name(name, "model")
        if model is None:
            raise WorkspaceError(f"Cannot register model {name!r}: the model is None.")
        if isinstance(model, (pd.DataFrame, pd.Series)):
            raise WorkspaceError(f"Cannot register a table as model {name!r}; register it as a "
                                 "dataset with register_dataset instead.")
        if not isinstance(description, str):
            raise WorkspaceError(f"The description of model {name!r} must be a string.")
        tags_text = _dumps({} if tags is None else tags, "tags")
        if source_run is not None:
            self.get_run(source_run)  # must exist
        written = artifact_id is None
        if written:
            artifact_id = self._artifacts.put(model)
        kind = type(model).__name__
        task = getattr(model, "task", None)
        learner = getattr(model, "learner", None)
        key = name.casefold()
        try:
            with self._db.write() as c:
                rows = c.execute("SELECT version, name FROM models WHERE name_key = ? ORDER BY "
                                 "version", (key,)).fetchall()
                version = rows[-1]["version"] + 1 if rows else 1
                c.execute("INSERT INTO models (name, name_key, version, artifact_id, type, task,"
                          " learner, description, source_run, source_node, tags, created)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (rows[0]["name"] if rows else name, key, version, artifact_id, kind,
                           task if isinstance(task, str) else None,
                           learner if isinstance(learner, str) and learner else None,
                           description, source_run, source_node, tags_text, time.time()))
                row = c.execute("SELECT * FROM models WHERE name_key = ? AND version = ?",
                                (key, version)).fetchone()
        except BaseException:
            if written:
                self._artifacts.delete(artifact_id)
            raise
        return self._model_info(row)

    def get_model(self, name: str, version: int | None = None):
        """A registered model (the latest version unless ``version`` is given)."""
        return self._artifacts.load(self._model_row(name, version)["artifact_id"])

    def model_info(self, name: str, version: int | None = None) -> ModelInfo:
        """Metadata of a registered model version."""
        return self._model_info(self._model_row(name, version))

    def list_models(self) -> list[ModelInfo]:
        """The latest version of every registered model, by name."""
        rows = self._db.query(
            "SELECT * FROM models m WHERE version = (SELECT MAX(version) FROM models x"
            " WHERE x.name_key = m.name_key) ORDER BY name_key")
        return [self._model_info(r) for r in rows]

    def model_versions(self, name: str) -> list[ModelInfo]:
        """Every version of a registered model, oldest first."""
        self._model_row(name, None)
        return [self._model_info(r) for r in self._model_rows(name)]

    def delete_model(self, name: str, version: int | None = None) -> None:
        """Delete one version of a model, or all of them (its files stay while runs use them)."""
        self._model_row(name, version)
        with self._db.write() as c:
            if version is None:
                c.execute("DELETE FROM models WHERE name_key = ?", (str(name).strip().casefold(),))
            else:
                c.execute("DELETE FROM models WHERE name_key = ? AND version = ?",
                          (str(name).strip().casefold(), version))

    def register_output_as_dataset(self, run_id: str, node_id: str, port: str, name: str, *,
                                   description: str | None = None) -> DatasetInfo:
        """Register a table a run's node produced as (a new version of) dataset ``name``."""
        import pandas as pd

        node, aid = self._output_id(run_id, node_id, port)
        value = self._artifacts.load(aid)
        if not isinstance(value, pd.DataFrame):
            raise DatasetError(f"Output {port!r} of node {node.title or node_id!r} is a "
                               f"{type(value).__name__}, not a table; only dataset outputs can "
                               "be registered as datasets.")
        if description is None:
            description = f"Output {port!r} of {node.title or node_id!r} in run {run_id}."
        return self.register_dataset(name, value, description=description)

    def register_output_as_model(self, run_id: str, node_id: str, port: str, name: str, *,
                                 description: str | None = None) -> ModelInfo:
        """Register a model a run's node produced (e.g. Train Model's trained model) as a new
        version of model ``name``; the stored file is shared, not copied."""
        node, aid = self._output_id(run_id, node_id, port)
        value = self._artifacts.load(aid)
        if description is None:
            description = f"Output {port!r} of {node.title or node_id!r} in run {run_id}."
        return self._register_model(name, value, aid, description=description,
                                    source_run=str(run_id), source_node=str(node_id), tags=None)

    # -- compute targets ----------------------------------------------------------------------
    def register_compute(self, name: str, kind: str, config: dict | None = None) -> ComputeInfo:
        """Add or update a compute target: ``kind`` is ``local``, ``local-processes`` (config
        e.g. ``{"n_jobs": 4}``) or ``dask`` (config e.g. ``{"address": "tcp://host:8786"}``)."""
        name = _check_name(name, "compute target")
        if kind not in COMPUTE_KINDS:
            raise WorkspaceError(f"A compute target's kind must be one of "
                                 f"{', '.join(COMPUTE_KINDS)}. Got {kind!r} instead.")
        if name == "local" and kind != "local":
            raise WorkspaceError("The compute target 'local' (this kernel) always has kind "
                                 "'local'; register another name.")
        config = {} if config is None else config
        if not isinstance(config, dict):
            raise WorkspaceError(f"A compute target's config must be a dict. Got "
                                 f"{type(config).__name__} instead.")
        if kind == "dask" and not config.get("address"):
            raise WorkspaceError(f"The dask compute target {name!r} needs an 'address' in its "
                                 "config, e.g. {'address': 'tcp://127.0.0.1:8786'}.")
        text = _dumps(config, "compute config")
        with self._db.write() as c:
            c.execute("INSERT INTO compute (name, kind, config, created) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
                      "config = excluded.config", (name, kind, text, time.time()))
        return self.get_compute(name)

    def get_compute(self, name: str) -> ComputeInfo:
        """A compute target by name."""
        row = self._db.one("SELECT * FROM compute WHERE name = ?", (str(name),))
        if row is None:
            known = [c.name for c in self.list_compute()]
            raise NotFoundError(f"There is no compute target {name!r}. Compute targets: "
                                f"{', '.join(known)}.")
        return ComputeInfo(row["name"], row["kind"], _loads(row["config"], {}), row["created"])

    def list_compute(self) -> list[ComputeInfo]:
        """Every compute target, ``local`` first."""
        rows = self._db.query("SELECT * FROM compute ORDER BY name != 'local', name")
        return [ComputeInfo(r["name"], r["kind"], _loads(r["config"], {}), r["created"])
                for r in rows]

    def delete_compute(self, name: str) -> None:
        """Remove a compute target (``local`` cannot be removed)."""
        if name == "local":
            raise WorkspaceError("The compute target 'local' cannot be removed.")
        with self._db.write() as c:
            n = c.execute("DELETE FROM compute WHERE name = ?", (str(name),)).rowcount
        if not n:
            raise NotFoundError(f"There is no compute target {name!r}.")

    # -- housekeeping -------------------------------------------------------------------------
    def collect_garbage(self, *, min_age: float = 3600.0, dry_run: bool = False) -> dict:
        """Delete artifact files nothing refers to (no output key, dataset, model or run node)
        and temporary files left by dead processes, if older than ``min_age`` seconds.

        Returns counts and bytes freed. Files younger than ``min_age`` are kept, so writes in
        progress in other processes are never touched.
        """
        referenced: set[str] = set()
        for m in self._artifacts.iter_manifests():
            referenced.update(m.get("outputs", {}).values())
        for r in self._db.query("SELECT artifact_id FROM datasets UNION SELECT artifact_id FROM models"):
            referenced.add(r[0])
        for r in self._db.query("SELECT outputs FROM nodes WHERE outputs != '{}'"):
            referenced.update(_loads(r[0], {}).values())
        now = time.time()
        removed = {"artifacts": 0, "temporary": 0, "bytes": 0}
        for p in list(self._artifacts.iter_files()):
            name = p.name
            try:
                st = p.stat()
            except OSError:
                continue
            if name.startswith("."):
                if tmp_owner_dead(name, min_age, p):
                    removed["temporary"] += 1
                    removed["bytes"] += st.st_size
                    if not dry_run:
                        p.unlink(missing_ok=True)
                continue
            aid = name.split(".", 1)[0]
            if aid in referenced or now - st.st_mtime < min_age:
                continue
            removed["artifacts"] += 0 if name.endswith(MARKER_SUFFIX) else 1
            removed["bytes"] += st.st_size
            if not dry_run:
                p.unlink(missing_ok=True)
        for shard in list(self._artifacts.outputs.iterdir()):
            if not shard.is_dir():
                continue
            for p in list(shard.iterdir()):
                if p.name.startswith(".") and tmp_owner_dead(p.name, min_age, p):
                    try:
                        size = p.stat().st_size
                        if not dry_run:
                            p.unlink()
                    except OSError:
                        continue
                    removed["temporary"] += 1
                    removed["bytes"] += size
        return removed


_SAMPLE_INFO: dict[str, DatasetInfo] = {}


def _check_name(name, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise WorkspaceError(f"A {what} name must be a non-empty string. Got {name!r} instead.")
    name = name.strip()
    if len(name) > 255 or any(ord(ch) < 32 for ch in name):
        raise WorkspaceError(f"A {what} name must be at most 255 printable characters. Got "
                             f"{name!r} instead.")
    return name


def _cell(value):
    if _scalar(value):
        return value.item() if hasattr(value, "item") else value
    return json.dumps(value, sort_keys=True, default=str)


def _snapshot_parameters(snapshot: dict, run_parameters: dict, nodes: dict):
    """(node title, parameter, value) for every node parameter in a pipeline document, with
    pipeline-parameter bindings replaced by the run's values."""
    raw_nodes = snapshot.get("nodes") or []
    if isinstance(raw_nodes, dict):
        items = [(str(k), v) for k, v in raw_nodes.items() if isinstance(v, dict)]
    else:
        items = [(str(v.get("id", i)), v) for i, v in enumerate(raw_nodes) if isinstance(v, dict)]
    defaults = {}
    declared = snapshot.get("parameters") or snapshot.get("pipeline_parameters") or {}
    if isinstance(declared, dict):
        for k, v in declared.items():
            defaults[k] = v.get("default") if isinstance(v, dict) else v
    elif isinstance(declared, list):
        for p in declared:
            if isinstance(p, dict) and "name" in p:
                defaults[p["name"]] = p.get("default")
    titled = []
    for node_id, node in items:
        record = nodes.get(node_id)
        data = node.get("data") if isinstance(node.get("data"), dict) else {}
        title = (record.title if record is not None and record.title else None) or \
            node.get("title") or node.get("component_name") or data.get("name") or \
            node.get("component") or node.get("name") or node_id
        params = node.get("params")
        if params is None:
            params = node.get("parameters")
        titled.append((node_id, str(title), params if isinstance(params, dict) else {}))
    counts: dict[str, int] = {}
    for _, title, _ in titled:
        counts[title] = counts.get(title, 0) + 1
    for node_id, title, params in titled:
        shown = title if counts[title] == 1 else f"{title} [{node_id}]"
        for pname in sorted(params):
            value = params[pname]
            if is_binding(value):
                bound = value[PIPELINE_PARAMETER]
                value = run_parameters.get(bound, defaults.get(bound))
            yield shown, pname, value


def _merge_metrics(run_metrics: dict, nodes: dict) -> dict:
    """Run metrics plus every node's metrics. A metric name reported by one node keeps its
    name; a name reported by several nodes is prefixed with each node's title."""
    owners: dict[str, int] = {}
    for n in nodes.values():
        for k in n.metrics:
            owners[k] = owners.get(k, 0) + 1
    title_counts: dict[str, int] = {}
    for n in nodes.values():
        t = n.title or n.node_id
        title_counts[t] = title_counts.get(t, 0) + 1
    merged: dict = {}
    for n in nodes.values():
        t = n.title or n.node_id
        label = t if title_counts[t] == 1 else f"{t} [{n.node_id}]"
        for k, v in n.metrics.items():
            merged[k if owners[k] == 1 else f"{label}: {k}"] = v
    merged.update(run_metrics)
    return merged
