"""Where pipelines and the workspace come from: the default workspace, the palette, the sample
pipelines and pipeline references (a file, a saved draft's name, a sample's name).

Below the application layer and serving alike (both resolve references through it); it
imports only the engine and the store.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from .engine.component import REGISTRY, ComponentSpec, slug
from .engine.errors import NotFoundError
from .engine.pipeline import Pipeline

SAMPLES_DIR = Path(__file__).parent / "samples"

_default_ws = None
_ws_lock = threading.Lock()


def workspace(path=None):
    """The workspace at ``path`` (default: ``$JUPYTER_DESIGNER_WORKSPACE`` or ``./.designer``).

    Without a path, the same object is returned on every call in a process.
    """
    global _default_ws
    from .store import Workspace

    if path is not None:
        return Workspace(path)
    with _ws_lock:
        wanted = Path(os.environ.get("JUPYTER_DESIGNER_WORKSPACE", ".designer")).resolve()
        if _default_ws is None or Path(_default_ws.path).resolve() != wanted:
            _default_ws = Workspace()
        return _default_ws


def list_components() -> list[ComponentSpec]:
    return REGISTRY.all()


def get_component(name: str) -> ComponentSpec:
    return REGISTRY.get(name)


def sample_pipelines() -> list[dict]:
    """The built-in sample pipelines: ``[{"name", "description", "file"}]``."""
    out = []
    for f in sorted(SAMPLES_DIR.glob("*.json")):
        doc = json.loads(f.read_text(encoding="utf-8"))
        out.append({"name": doc.get("name", f.stem), "description": doc.get("description", ""),
                    "file": str(f)})
    return out


def load_sample(name: str, *, workspace=None) -> Pipeline:
    """A sample pipeline by name (case-insensitive) or file stem, as a new draft."""
    for s in sample_pipelines():
        if s["name"].lower() == str(name).lower() or slug(s["name"]) == slug(str(name)) \
                or Path(s["file"]).stem == str(name):
            return Pipeline.load(s["file"], workspace=workspace)
    import difflib
    names = [s["name"] for s in sample_pipelines()]
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.4)
    raise NotFoundError(f"No sample pipeline {name!r}."
                        + (f" Did you mean {', '.join(map(repr, close))}?" if close else "")
                        + f" Samples: {', '.join(names)}.")


def open_pipeline(ref, *, workspace=None) -> Pipeline:
    """A pipeline from a file path, a saved draft's name, or a sample's name."""
    if isinstance(ref, Pipeline):
        return ref
    path = Path(str(ref))
    if path.suffix in (".json", ".dpipeline") or path.exists():
        p = Pipeline.load(path, workspace=workspace)
        p.draft_file = path
        return p
    if workspace is not None:
        try:
            version = workspace.draft_version(str(ref))
            doc = workspace.load_draft(str(ref), version)
            p = Pipeline.from_dict(doc, source=f"draft {ref!r}", workspace=workspace)
            # edits and runs of this object belong to the saved draft
            p.draft_name = next((d.name for d in workspace.list_drafts()
                                 if d.name.casefold() == str(ref).strip().casefold()), str(ref))
            p.draft_version = version
            return p
        except NotFoundError:
            pass
        except KeyError:
            pass
    try:
        return load_sample(str(ref), workspace=workspace)
    except NotFoundError:
        drafts = ""
        if workspace is not None:
            try:
                drafts = ", ".join(d if isinstance(d, str) else getattr(d, "name", str(d))
                                   for d in workspace.list_drafts())
            except Exception:
                drafts = ""
        raise NotFoundError(f"No pipeline file, draft or sample named {str(ref)!r}."
                            + (f" Saved drafts: {drafts}." if drafts else "")
                            + " List samples with `jupyter designer list samples`.") from None
