"""Compute target objects by name: registered in the workspace, or built in."""

from __future__ import annotations

import contextlib
import json

from ..errors import PipelineError
from ..workspace import FolderWorkspace
from .base import _TARGETS, _TARGETS_LOCK, BUILTIN_TARGETS, KINDS, ComputeError, ComputeTarget
from .dask_cluster import DaskTarget
from .processes import ProcessPoolTarget

_CLASSES = {"local": ComputeTarget, "local-processes": ProcessPoolTarget, "dask": DaskTarget}


def make_target(record) -> ComputeTarget:
    """The target object for a workspace compute record (``ComputeInfo``, or a dict with
    ``name``, ``kind`` and ``config``). One object per name and configuration and process, so
    a Dask cluster or process pool is started once and reused by every run."""
    if isinstance(record, dict):
        name, kind, config = record.get("name"), record.get("kind"), record.get("config") or {}
    else:
        name, kind, config = record.name, record.kind, dict(record.config or {})
    if kind == "dask-local":
        kind, config = "dask", {"address": "local", **config}
    if kind not in _CLASSES:
        raise ComputeError(f"The compute target {name!r} has kind {kind!r}; the kinds are "
                           f"{', '.join(KINDS)}.")
    key = (name, kind, json.dumps(config, sort_keys=True, default=str))
    with _TARGETS_LOCK:
        target = _TARGETS.get(key)
        if target is None:
            target = _TARGETS[key] = _CLASSES[kind](name, config)
    return target


def resolve_target(workspace: FolderWorkspace, name: str | None) -> ComputeTarget:
    """The target named ``name`` in ``workspace`` (registered, or one of the built-in names)."""
    name = name or "local"
    getter = getattr(workspace, "get_compute", None)
    record = None
    if getter is not None and name != "local":
        try:
            record = getter(name)
        except KeyError:  # NotFoundError
            record = None
    if record is None:
        if name not in BUILTIN_TARGETS:
            known = list_target_names(workspace)
            raise PipelineError(f"Unknown compute target {name!r}. Compute targets: "
                                f"{', '.join(known)}. Register it with `jupyter designer compute "
                                f"add {name} --kind KIND` (or Workspace.register_compute) or use "
                                "'local'.")
        kind, config = BUILTIN_TARGETS[name]
        return make_target({"name": name, "kind": kind, "config": config})
    return make_target(record)


def list_target_names(workspace: FolderWorkspace) -> list[str]:
    names = []
    lister = getattr(workspace, "list_compute", None)
    if lister is not None:
        with contextlib.suppress(Exception):
            names = [c.name for c in lister()]
    return names + [n for n in BUILTIN_TARGETS if n not in names]


def list_targets(workspace: FolderWorkspace) -> list[dict]:
    """Every target a node can use: the registered ones, then built-in names not registered."""
    out = []
    lister = getattr(workspace, "list_compute", None)
    if lister is not None:
        out = [{"name": c.name, "kind": c.kind, "config": dict(c.config or {}), "builtin": False}
               for c in lister()]
    have = {d["name"] for d in out}
    for n, (kind, config) in BUILTIN_TARGETS.items():
        if n not in have:
            out.append({"name": n, "kind": kind, "config": dict(config), "builtin": True})
    return out
