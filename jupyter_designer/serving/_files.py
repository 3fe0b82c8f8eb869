"""Files of the serving layer in the workspace folder: atomic JSON writes and a lock.

Endpoints live under ``<workspace>/endpoints/``; every change is a read-modify-write of
small JSON files made under an exclusive file lock (so CLI, kernel and server processes can
change endpoints at the same time) and written atomically (temp file + fsync + rename), so a
reader never sees a torn file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_thread_lock = threading.RLock()


def atomic_write(path: Path, data: bytes | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(6)}-{path.name}")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(tmp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_json(path: Path, doc) -> None:
    atomic_write(path, json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


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
