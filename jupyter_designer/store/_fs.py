"""File-system helpers of the workspace: atomic writes and process liveness.

Every file the workspace writes goes through :func:`atomic_write`: the bytes land in a
temporary file in the target's directory, are flushed to disk, and the temporary file is
renamed over the target, so a reader (or a process restarted after a crash) sees either
the old file or the complete new one, never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from pathlib import Path
from typing import Callable, Iterator

TMP_PREFIX = ".tmp-"

HOST = socket.gethostname()


def tmp_name(target: Path) -> Path:
    """A unique temporary path next to ``target``; the name records the writing process."""
    return target.with_name(f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}-{target.name}")


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable (a no-op where directories cannot be opened)."""
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


@contextlib.contextmanager
def atomic_file(target: Path | str, mode: str = "wb") -> Iterator:
    """Open a temporary file that replaces ``target`` when the ``with`` block succeeds.

    On an exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_name(target)
    kwargs = {"encoding": "utf-8", "newline": "\n"} if "b" not in mode else {}
    f = open(tmp, mode, **kwargs)
    try:
        yield f
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.replace(tmp, target)
    except BaseException:
        f.close()
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)


def atomic_write(target: Path | str, data: bytes | str | Callable) -> None:
    """Write ``data`` (bytes, text, or a callable taking the open binary file) atomically."""
    with atomic_file(target, "wb") as f:
        if callable(data):
            data(f)
        else:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)


def process_start_time(pid: int) -> str | None:
    """The start time of process ``pid`` as the kernel reports it (Linux), to tell a live
    process from a later one that reused its id; ``None`` where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # the command name (field 2) may contain spaces and parentheses: split after the last ")"
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


def pid_alive(pid: int | None, start_time: str | None = None) -> bool:
    """Whether process ``pid`` is running (zombies count as dead).

    When ``start_time`` (from :func:`process_start_time`) is given and the process's current
    start time differs, the id was reused by another process and the original is dead.
    """
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:  # pragma: no cover
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: trust os.kill
        return True
    rest = stat[stat.rfind(")") + 2:].split()
    if rest and rest[0] in ("Z", "X"):
        return False
    if start_time is not None and len(rest) > 19 and rest[19] != start_time:
        return False
    return True


def tmp_owner_dead(name: str, min_age: float, path: Path) -> bool:
    """Whether a temporary file (by its name) was left behind by a process that died."""
    if not name.startswith(TMP_PREFIX):
        return False
    try:
        pid = int(name[len(TMP_PREFIX):].split("-", 1)[0])
    except ValueError:
        pid = None
    if pid is not None and pid_alive(pid):
        return False
    try:
        return time.time() - path.stat().st_mtime >= min_age
    except OSError:
        return False
