"""Helpers shared by the parts of the workspace: JSON columns, names, "did you mean"."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Iterable

from .errors import WorkspaceError


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


def _close_matches(name: str, names: Iterable[str]) -> str:
    import difflib

    names = list(names)
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
    if not close:
        lower = {n.casefold(): n for n in names}
        close = [lower[c] for c in difflib.get_close_matches(str(name).casefold(), list(lower),
                                                             n=3, cutoff=0.5)]
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _check_name(name, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise WorkspaceError(f"A {what} name must be a non-empty string. Got {name!r} instead.")
    name = name.strip()
    if len(name) > 255 or any(ord(ch) < 32 for ch in name):
        raise WorkspaceError(f"A {what} name must be at most 255 printable characters. Got "
                             f"{name!r} instead.")
    return name
