"""Files of the serving layer in the workspace folder: atomic JSON writes and a lock.

Endpoints live under ``<workspace>/endpoints/``; every change is a read-modify-write of
small JSON files made under an exclusive file lock (so CLI, kernel and server processes can
change endpoints at the same time) and written atomically (temp file + fsync + rename), so a
reader never sees a torn file.

Files holding secrets (an endpoint's API keys) are written with mode 0600 inside folders of
mode 0700 (:func:`write_secret_json`, :func:`private_dir`), whatever the process's umask: no
other local user can read them. A file written before keeps its old mode only until its next
write, which replaces it by a new 0600 file.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from pathlib import Path

from jupyter_designer.fileio import SECRET_FILE_MODE, atomic_write, private_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_thread_lock = threading.RLock()


def write_json(path: Path, doc, *, mode: int | None = None) -> None:
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
