"""Process liveness for the workspace: which runs and temporary files a dead process left.

Files are written atomically by :mod:`jupyter_designer.fileio`, whose temporary file names
record the writing process (:func:`tmp_owner_dead` reads them back).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from jupyter_designer.fileio import TMP_PREFIX

HOST = socket.gethostname()


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
