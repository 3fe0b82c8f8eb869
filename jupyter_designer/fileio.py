"""Atomic file writes, shared by every layer (engine, components, store, serving, front ends).

Every file the designer writes goes through :func:`atomic_file`, :func:`atomic_write` or
:func:`atomic_path`: the bytes land in a temporary file in the target's folder, are flushed
to disk, and the temporary file is renamed over the target (then the folder is flushed), so
a reader, or a process restarted after a crash, sees either the old file or the complete
new one, never a torn one. On an error the temporary file is removed and the target is left as it was.

Files holding secrets (an endpoint's API keys) are written with ``file_mode=SECRET_FILE_MODE``
inside folders made by :func:`private_dir`: 0600 files in 0700 folders whatever the
process's umask, so no other local user can read them.

Temporary files are named ``.tmp-<pid>-<random>-<target name>``, so housekeeping can tell
the ones a dead process left behind (see ``store._fs.tmp_owner_dead``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Callable, Iterator

TMP_PREFIX = ".tmp-"

#: the mode of files and folders holding secrets: the owner only
SECRET_FILE_MODE = 0o600
SECRET_DIR_MODE = 0o700


def tmp_name(target: Path) -> Path:
    """A unique temporary path next to ``target``; the name records the writing process."""
    return target.with_name(f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}-{target.name}")


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def private_dir(path: Path | str) -> Path:
    """Create ``path`` (and missing parents) and make it 0700, also when it existed."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, SECRET_DIR_MODE)   # chmod, unlike mkdir, does not depend on the umask
    return path


@contextlib.contextmanager
def _replace_on_success(target: Path | str) -> Iterator[Path]:
    """A temporary path next to ``target`` that is renamed over it when the block succeeds
    and removed when it fails."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_name(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_file(target: Path | str, mode: str = "wb", *, file_mode: int | None = None) -> Iterator:
    """Open a temporary file that replaces ``target`` when the ``with`` block succeeds.

    ``mode`` is ``"wb"`` or ``"w"`` (text: UTF-8, ``\\n`` line ends). With ``file_mode``
    (e.g. :data:`SECRET_FILE_MODE`) the file has exactly that mode from its creation on.
    On an exception the temporary file is removed and ``target`` is left as it was.
    """
    with _replace_on_success(target) as tmp:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(tmp, flags, 0o666 if file_mode is None else file_mode)
        try:
            if file_mode is not None and os.name == "posix":
                os.fchmod(fd, file_mode)   # the umask may have taken bits away; never adds any
            kwargs = {"encoding": "utf-8", "newline": "\n"} if "b" not in mode else {}
            f = open(fd, mode, **kwargs)
        except BaseException:
            os.close(fd)
            raise
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path to write (for writers that take a path, such as pandas' ``to_csv``)
    that replaces ``target`` once the block succeeds and the file is on disk."""
    with _replace_on_success(target) as tmp:
        yield tmp
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())


def atomic_write(target: Path | str, data: bytes | str | Callable, *,
                 file_mode: int | None = None) -> None:
    """Write ``data`` (bytes, text, or a callable taking the open binary file) atomically;
    ``file_mode`` as in :func:`atomic_file`."""
    with atomic_file(target, "wb", file_mode=file_mode) as f:
        if callable(data):
            data(f)
        else:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
