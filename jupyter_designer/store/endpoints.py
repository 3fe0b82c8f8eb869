"""Endpoint records in the workspace folder: real-time endpoints and pipeline endpoints.

::

    endpoints/realtime/<name>/endpoint.json         name, description, keys, versions, state
                                                    (mode 0600; the folders 0700)
    endpoints/realtime/<name>/v<N>/pipeline.json    the inference pipeline of version N
    endpoints/realtime/<name>/v<N>/meta.json        its inputs, outputs, example request
    endpoints/realtime/<name>/v<N>/sample-<i>.parquet  sample rows of its input <i>
    endpoints/pipeline/<name>/endpoint.json         name, description, default version, versions
    endpoints/pipeline/<name>/v<N>.json             the pipeline document of version N

Every change is a read-modify-write of small JSON files made under an exclusive file lock
(:meth:`EndpointRecords.lock`, so CLI, kernel and server processes can change endpoints at
the same time) and written atomically, so a reader never sees a torn file. Endpoint names
are case-insensitive: the folder is :func:`name_key` of the name.

Files holding secrets (a real-time endpoint's API keys) are written with mode 0600 inside
folders of mode 0700 (:func:`write_secret_json`), whatever the process's umask: no other
local user can read them. A file written before keeps its old mode only until its next
write, which replaces it by a new 0600 file.

This module keeps the records; what they mean (deploying, scoring, submitting runs) is the
serving layer's.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

from jupyter_designer.fileio import SECRET_FILE_MODE, atomic_write, private_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_thread_lock = threading.RLock()

RECORD = "endpoint.json"


def write_json(path: Path, doc, *, mode: int | None = None) -> None:
    """Write ``doc`` as indented, key-sorted JSON, atomically (``mode``: the file's mode)."""
    atomic_write(path, json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                 file_mode=mode)


def write_secret_json(path: Path, doc) -> None:
    """Write a JSON file holding secrets: mode 0600 in a 0700 folder."""
    private_dir(Path(path).parent)
    write_json(path, doc, mode=SECRET_FILE_MODE)


def read_json(path: Path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@contextlib.contextmanager
def locked(root: Path):
    """An exclusive lock on ``root`` (between threads and between processes)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with _thread_lock:
        if fcntl is None:  # pragma: no cover
            yield
            return
        with open(root / ".lock", "a+") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def name_key(name: str) -> str:
    """The folder name of an endpoint (names are case-insensitive)."""
    return re.sub(r"[^a-z0-9_.-]", "_", name.strip().lower())


class EndpointRecords:
    """The records of one kind of endpoint: a folder per endpoint holding its record."""

    kind = ""

    def __init__(self, workspace_path: Path | str):
        self.root = Path(workspace_path) / "endpoints" / self.kind

    def folder(self, name: str) -> Path:
        return self.root / name_key(name)

    def record_path(self, name: str) -> Path:
        return self.folder(name) / RECORD

    def exists(self, name: str) -> bool:
        return self.record_path(name).exists()

    def lock(self):
        """Hold while reading and changing records, so no other writer interleaves."""
        return locked(self.root)

    def read(self, name: str) -> dict:
        """The record of endpoint ``name``; ``FileNotFoundError`` when there is none,
        ``ValueError`` when its file is not JSON (only ever after a foreign edit)."""
        path = self.record_path(name)
        for attempt in range(3):
            try:
                return read_json(path)
            except ValueError:
                if attempt == 2:
                    raise
                time.sleep(0.01)
        raise AssertionError("unreachable")  # pragma: no cover

    def write(self, name: str, record: dict) -> None:
        write_json(self.record_path(name), record)

    def update(self, name: str, change: Callable[[dict], object]) -> dict:
        """Read the record, let ``change`` edit it in place, stamp ``updated`` and write it
        back, all under the lock; returns the record (``FileNotFoundError`` when none)."""
        with self.lock():
            record = self.read(name)
            change(record)
            record["updated"] = time.time()
            self.write(name, record)
        return record

    def records(self) -> list[dict]:
        """Every readable record, by folder name."""
        out = []
        if not self.root.exists():
            return out
        for d in sorted(self.root.iterdir()):
            p = d / RECORD
            if p.exists():
                try:
                    out.append(read_json(p))
                except (OSError, ValueError):
                    continue
        return out

    def delete(self, name: str) -> None:
        """Remove an endpoint's record, then its folder: once the record is gone no process
        serves or lists the endpoint."""
        os.unlink(self.record_path(name))
        shutil.rmtree(self.folder(name), ignore_errors=True)


class RealtimeEndpointRecords(EndpointRecords):
    """Real-time endpoints: records holding API keys (0600 in 0700 folders) and a folder per
    deployed version."""

    kind = "realtime"

    def write(self, name: str, record: dict) -> None:
        """The record holds the keys: 0600, in 0700 folders (also ones made before)."""
        private_dir(self.root)
        write_secret_json(self.record_path(name), record)

    def version_folder(self, name: str, version: int) -> Path:
        return self.folder(name) / f"v{int(version)}"

    def start_version(self, name: str, version: int) -> Path:
        """An empty folder for a new version (what an interrupted deploy left is removed)."""
        private_dir(self.root)
        private_dir(self.folder(name))
        vdir = self.version_folder(name, version)
        if vdir.exists():
            shutil.rmtree(vdir)
        return vdir

    def write_version_json(self, name: str, version: int, filename: str, doc) -> None:
        write_json(self.version_folder(name, version) / filename, doc)

    def read_version_json(self, name: str, version: int, filename: str):
        """A JSON file of a version, or ``None`` when the version has no such file."""
        path = self.version_folder(name, version) / filename
        try:
            return read_json(path)
        except FileNotFoundError:
            return None

    def write_sample(self, name: str, version: int, index: int, frame) -> None:
        """Keep sample rows of a version's input number ``index`` (a DataFrame) as Parquet."""
        frame = frame.copy(deep=False)
        frame.attrs = {}
        atomic_write(self.version_folder(name, version) / f"sample-{index}.parquet",
                     lambda f: frame.to_parquet(f, engine="pyarrow", index=False))

    def read_sample(self, name: str, version: int, index: int):
        """The sample rows of a version's input number ``index``, or ``None``."""
        import pandas as pd

        path = self.version_folder(name, version) / f"sample-{index}.parquet"
        return pd.read_parquet(path) if path.exists() else None


class PipelineEndpointRecords(EndpointRecords):
    """Pipeline endpoints: a record and one pipeline document per published version."""

    kind = "pipeline"

    def write_version(self, name: str, version, doc: dict) -> None:
        write_json(self.folder(name) / f"v{version}.json", doc)

    def read_version(self, name: str, version) -> dict:
        return read_json(self.folder(name) / f"v{version}.json")
