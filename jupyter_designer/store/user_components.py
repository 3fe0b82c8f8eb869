"""User components kept in the workspace, so every process using it has them in its palette.

``@jd.component`` saves a self-contained module source (the function with the imports it
uses) as ``<workspace>/components/<id>.py``; a process that meets an unknown component name
loads the workspace's components. They are the user's own code in the user's own workspace.
"""

from __future__ import annotations

import sys
import threading
import types
from pathlib import Path

from jupyter_designer.engine.component import REGISTRY, slug

from jupyter_designer.fileio import atomic_write

_loading = threading.local()
_loaded: dict[str, float] = {}   # file -> mtime already executed in this process
_lock = threading.RLock()


def loading() -> bool:
    """True while a workspace component module is being executed (its decorator must not save)."""
    return getattr(_loading, "active", False)


def folder(ws) -> Path:
    return Path(ws.path) / "components"


def save(ws, spec, source: str) -> Path:
    path = folder(ws) / f"{spec.id}.py"
    path.parent.mkdir(exist_ok=True)
    header = f"# User component {spec.name!r}, saved by jupyter-designer from its definition.\n"
    atomic_write(path, header + source)
    return path


def names(ws) -> list[str]:
    return sorted(p.stem for p in folder(ws).glob("*.py"))


def load(ws, only: str | None = None) -> list[str]:
    """Execute the workspace's component modules not loaded yet (or changed); returns the ids
    registered. ``only``: a component name or id to look for (others are left alone)."""
    found = []
    with _lock:
        for path in sorted(folder(ws).glob("*.py")):
            if only is not None and path.stem != slug(only) and path.stem != only:
                continue
            mtime = path.stat().st_mtime
            if _loaded.get(str(path)) == mtime:
                continue
            modname = f"jupyter_designer_user_components.{path.stem}"
            module = types.ModuleType(modname)
            module.__file__ = str(path)
            sys.modules.setdefault("jupyter_designer_user_components", types.ModuleType("jupyter_designer_user_components"))
            sys.modules[modname] = module
            _loading.active = True
            try:
                exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
            finally:
                _loading.active = False
            _loaded[str(path)] = mtime
            found.append(path.stem)
    return found


def install_loader(ws) -> None:
    """Let registry lookups of unknown names fall back to this workspace's components."""
    root = str(Path(ws.path))

    def loader(name: str) -> bool:
        class _W:   # only the folder is needed: the workspace object may be gone by now
            path = root
        return bool(load(_W, only=name) or load(_W))

    loader.workspace_path = root
    if not any(getattr(x, "workspace_path", None) == root for x in REGISTRY.loaders):
        REGISTRY.loaders.append(loader)
