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


#: the mode of files and folders holding secrets: the owner only
SECRET_FILE_MODE = 0o600
SECRET_DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700, also when it existed."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, SECRET_DIR_MODE)   # chmod, unlike mkdir, does not depend on the umask
    return path


def atomic_write(path: Path, data: bytes | str, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically; with ``mode``, the file has exactly that mode
    from its creation on (the temp file is created with it, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(6)}-{path.name}")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(tmp, flags, 0o666 if mode is None else mode)
        if mode is not None and os.name == "posix":
            os.fchmod(fd, mode)   # the umask may have taken bits away; never adds any here
        with open(fd, "wb") as f:
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


def write_json(path: Path, doc, *, mode: int | None = None) -> None:
    atomic_write(path, json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                 mode=mode)


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
