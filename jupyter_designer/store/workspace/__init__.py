"""The workspace: a folder holding datasets, pipeline drafts, runs, models and compute targets.

::

    .designer/
      designer.db          SQLite metadata (WAL journal): datasets, drafts, experiments,
                           runs and their nodes, models, compute targets
      artifacts/objects/   immutable artifact files (Parquet, skops, JSON, marked pickles)
      artifacts/outputs/   one manifest per output key (written last: a key is complete
                           once its manifest exists)

Several threads and several processes may use one workspace at once: metadata writes are
SQLite transactions, version numbers are allocated inside them, and files are written
atomically under fresh names, so nothing written by one is lost by another.

:class:`Workspace` is one object made of per-resource parts: datasets (:mod:`.datasets`),
pipeline drafts (:mod:`.drafts`), runs (:mod:`.runs`), experiments and run comparison
(:mod:`.experiments`), models (:mod:`.models`) and compute targets (:mod:`.compute`); this
module holds opening, artifacts, user components and housekeeping. Endpoint records are
kept by :mod:`jupyter_designer.store.endpoints`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .. import user_components
from .._fs import tmp_owner_dead
from ..artifacts import MARKER_SUFFIX, ArtifactStore, StoredOutputs
from ..db import Database
from ._common import _loads
from .compute import ComputePart
from .datasets import DatasetsPart
from .drafts import DraftsPart
from .errors import DraftConflictError, WorkspaceError
from .experiments import ExperimentsPart
from .models import ModelsPart
from .runs import RunsPart

__all__ = ["Workspace", "WorkspaceError", "DraftConflictError", "ENV_VAR", "DEFAULT_PATH"]

ENV_VAR = "JUPYTER_DESIGNER_WORKSPACE"
DEFAULT_PATH = "./.designer"


class Workspace(DatasetsPart, DraftsPart, RunsPart, ExperimentsPart, ModelsPart, ComputePart):
    """A designer workspace folder.

    ``Workspace(path=None)`` opens (creating if needed) the folder ``path``, or
    ``$JUPYTER_DESIGNER_WORKSPACE``, or ``./.designer``. Opening marks runs whose process
    died as interrupted. Use it as a context manager, or call :meth:`close`.

    Everything a user can get wrong raises a :class:`~jupyter_designer.engine.errors.DesignerError`
    (``DatasetError``, ``NotFoundError``, ``WorkspaceError``, ``ArtifactError``) whose message
    says what is wrong, and leaves the workspace as it was.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, recover: bool = True):
        raw = path if path is not None else (os.environ.get(ENV_VAR) or DEFAULT_PATH)
        self.path = Path(raw).expanduser().resolve()
        if self.path.exists() and not self.path.is_dir():
            raise WorkspaceError(f"Cannot open the workspace {self.path}: it is a file, not a folder.")
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "artifacts").mkdir(exist_ok=True)
        self._db = Database(self.path / "designer.db")
        self.id: str = self._db.meta("workspace_id")
        self._artifacts = ArtifactStore(self.path / "artifacts", self.id,
                                        bytes.fromhex(self._db.meta("secret")))
        if recover:
            self.mark_interrupted_runs()
        user_components.install_loader(self)

    # -- user components ------------------------------------------------------------------------
    def save_component(self, fn) -> Path:
        """Keep a user component (a function decorated with ``@jd.component``) in this
        workspace, so every process using it (the server, the CLI, workers) can run it."""
        from jupyter_designer.engine.component import component_source

        return user_components.save(self, fn.spec, component_source(fn))

    def load_components(self) -> list[str]:
        """Register this workspace's user components in this process; returns their ids."""
        return user_components.load(self)

    def list_components(self) -> list[str]:
        """Ids of the user components kept in this workspace."""
        return user_components.names(self)

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.path / "designer.db"

    @property
    def schema_version(self) -> int:
        """Version of the metadata database's schema."""
        return self._db.schema_version

    def close(self) -> None:
        """Close this process's database connections (the workspace cannot be used after)."""
        self._db.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    def __getstate__(self) -> dict:
        # sent to worker processes by path: they open their own connections
        return {"path": str(self.path)}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"], recover=False)

    # -- artifacts --------------------------------------------------------------------------------
    def put_outputs(self, key: str, outputs: dict[str, Any]) -> dict[str, str]:
        """Store a node's outputs under ``key`` (the runner's content address); returns
        port -> artifact id. The key becomes visible only once every port is written."""
        return self._artifacts.put_outputs(key, outputs)

    def get_outputs(self, key: str) -> StoredOutputs | None:
        """The outputs stored under ``key`` or ``None``: a mapping port -> value that loads
        each value on first access; ``.artifact_ids`` gives port -> artifact id."""
        return self._artifacts.get_outputs(key)

    def get_output_ids(self, key: str) -> dict[str, str] | None:
        """port -> artifact id of the outputs stored under ``key``, or ``None``."""
        return self._artifacts.output_ids(key)

    def has_outputs(self, key: str) -> bool:
        """Whether every output of ``key`` is stored."""
        return self._artifacts.has_outputs(key)

    def delete_outputs(self, key: str) -> None:
        """Forget the outputs stored under ``key`` (the next run recomputes them)."""
        self._artifacts.delete_outputs(key)

    def put_artifact(self, value) -> str:
        """Store one value as a new artifact and return its id."""
        return self._artifacts.put(value)

    def load_artifact(self, artifact_id: str, columns=None):
        """Load an artifact; for a table, ``columns`` reads only those columns."""
        return self._artifacts.load(artifact_id, columns=columns)

    def artifact_path(self, artifact_id: str) -> Path:
        """The file holding an artifact."""
        return self._artifacts.path(artifact_id)

    def artifact_info(self, artifact_id: str) -> dict:
        """Format, size and file of an artifact."""
        return self._artifacts.info(artifact_id)

    # -- housekeeping -------------------------------------------------------------------------
    def collect_garbage(self, *, min_age: float = 3600.0, dry_run: bool = False) -> dict:
        """Delete artifact files nothing refers to (no output key, dataset, model or run node)
        and temporary files left by dead processes, if older than ``min_age`` seconds.

        Returns counts and bytes freed. Files younger than ``min_age`` are kept, so writes in
        progress in other processes are never touched.
        """
        referenced: set[str] = set()
        for m in self._artifacts.iter_manifests():
            referenced.update(m.get("outputs", {}).values())
        for r in self._db.query("SELECT artifact_id FROM datasets UNION SELECT artifact_id FROM models"):
            referenced.add(r[0])
        for r in self._db.query("SELECT outputs FROM nodes WHERE outputs != '{}'"):
            referenced.update(_loads(r[0], {}).values())
        now = time.time()
        removed = {"artifacts": 0, "temporary": 0, "bytes": 0}
        for p in list(self._artifacts.iter_files()):
            name = p.name
            try:
                st = p.stat()
            except OSError:
                continue
            if name.startswith("."):
                if tmp_owner_dead(name, min_age, p):
                    removed["temporary"] += 1
                    removed["bytes"] += st.st_size
                    if not dry_run:
                        p.unlink(missing_ok=True)
                continue
            aid = name.split(".", 1)[0]
            if aid in referenced or now - st.st_mtime < min_age:
                continue
            removed["artifacts"] += 0 if name.endswith(MARKER_SUFFIX) else 1
            removed["bytes"] += st.st_size
            if not dry_run:
                p.unlink(missing_ok=True)
        for shard in list(self._artifacts.outputs.iterdir()):
            if not shard.is_dir():
                continue
            for p in list(shard.iterdir()):
                if p.name.startswith(".") and tmp_owner_dead(p.name, min_age, p):
                    try:
                        size = p.stat().st_size
                        if not dry_run:
                            p.unlink()
                    except OSError:
                        continue
                    removed["temporary"] += 1
                    removed["bytes"] += size
        return removed
