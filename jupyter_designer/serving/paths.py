"""Which files a request arriving over REST may make the server read.

A pipeline endpoint submission can set an Import Data (or Export Data) path through a
pipeline parameter; the file is read (or written) with the server's own rights. Over REST it must stay inside the folders the
workspace owner allows: the workspace folder and the configured data roots (the
``--data-root`` option of ``jupyter designer serve``, ``DesignerServer.data_roots`` of the
Jupyter server, whose root directory is allowed too, and ``$JUPYTER_DESIGNER_DATA_ROOTS``,
folders separated by ``os.pathsep``). Symbolic links count where they lead. A path outside is
a 403 that says nothing of the file (not even whether it exists).
"""

from __future__ import annotations

import glob
import os

from .errors import ForbiddenError

ENV = "JUPYTER_DESIGNER_DATA_ROOTS"
_GLOB = set("*?[")
#: the components that read or write the files their "path" parameter names
FILE_COMPONENTS = ("import_data", "export_data")


def data_roots(workspace, configured=()) -> list[str]:
    """The allowed folders: the workspace, the configured ones and those of the environment."""
    roots = [str(workspace.path)] + [str(r) for r in configured or ()]
    roots += [r for r in os.environ.get(ENV, "").split(os.pathsep) if r.strip()]
    out = []
    for r in roots:
        real = os.path.realpath(os.path.expanduser(r))
        if real not in out:
            out.append(real)
    return out


def _inside(path: str, roots: list[str]) -> bool:
    for root in roots:
        try:
            if os.path.commonpath([path, root]) == root:
                return True
        except ValueError:   # another drive
            continue
    return False


def check_path(path, roots: list[str], *, what: str) -> None:
    """Raise a 403 unless every file ``path`` (a file, folder or glob pattern) can name lies
    inside ``roots``."""
    text = os.path.expanduser(str(path).strip())
    full = text if os.path.isabs(text) else os.path.join(os.getcwd(), text)
    parts = full.split(os.sep)
    fixed = []
    for p in parts:
        if _GLOB & set(p):
            break
        fixed.append(p)
    prefix = os.sep.join(fixed) or os.sep
    ok = _inside(os.path.realpath(prefix), roots)
    if ok and (len(fixed) < len(parts) or os.path.isdir(full)):
        # what a pattern or a folder reaches, links followed
        pattern = full if len(fixed) < len(parts) else os.path.join(full, "**")
        for i, f in enumerate(glob.iglob(pattern, recursive=True)):
            if not _inside(os.path.realpath(f), roots) or i > 100_000:
                ok = False
                break
    if not ok:
        raise ForbiddenError(
            f"{what} reaches outside the folders this server may read for a request: the "
            f"workspace and its data roots. Use a path inside them, or ask the server's owner "
            f"to add a data root (jupyter designer serve --data-root FOLDER, "
            f"--DesignerServer.data_roots, or ${ENV}).",
            details={"allowed_roots": "the workspace and the configured data roots"})


def check_pipeline_paths(pipeline, pvalues: dict, roots: list[str]) -> None:
    """Every Import Data and Export Data path of ``pipeline`` with pipeline parameter values
    ``pvalues``."""
    for node in pipeline.nodes.values():
        if node.kind != "component" or node.component not in FILE_COMPONENTS:
            continue
        try:
            params = node.spec.resolve_params(node.params, pvalues)
        except Exception:
            continue   # reported by the run itself
        path = params.get("path")
        if path:
            check_path(path, roots, what=f"The path of {node.title!r} ({node.id})")
