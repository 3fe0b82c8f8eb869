"""The compute targets of a workspace: where nodes execute."""

from __future__ import annotations

import time

from jupyter_designer.engine.errors import NotFoundError

from ..artifacts import ArtifactStore
from ..db import Database
from ..records import COMPUTE_KINDS, ComputeInfo
from ._common import _check_name, _dumps, _loads
from .errors import WorkspaceError


class ComputePart:
    """Add, read, list and remove compute targets."""

    _db: Database
    _artifacts: ArtifactStore

    def register_compute(self, name: str, kind: str, config: dict | None = None) -> ComputeInfo:
        """Add or update a compute target: ``kind`` is ``local``, ``local-processes`` (config
        e.g. ``{"n_jobs": 4}``) or ``dask`` (config e.g. ``{"address": "tcp://host:8786"}``)."""
        name = _check_name(name, "compute target")
        if kind not in COMPUTE_KINDS:
            raise WorkspaceError(f"A compute target's kind must be one of "
                                 f"{', '.join(COMPUTE_KINDS)}. Got {kind!r} instead.")
        if name == "local" and kind != "local":
            raise WorkspaceError("The compute target 'local' (this kernel) always has kind "
                                 "'local'; register another name.")
        config = {} if config is None else config
        if not isinstance(config, dict):
            raise WorkspaceError(f"A compute target's config must be a dict. Got "
                                 f"{type(config).__name__} instead.")
        if kind == "dask" and not config.get("address"):
            raise WorkspaceError(f"The dask compute target {name!r} needs an 'address' in its "
                                 "config, e.g. {'address': 'tcp://127.0.0.1:8786'}.")
        text = _dumps(config, "compute config")
        with self._db.write() as c:
            c.execute("INSERT INTO compute (name, kind, config, created) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
                      "config = excluded.config", (name, kind, text, time.time()))
        return self.get_compute(name)

    def get_compute(self, name: str) -> ComputeInfo:
        """A compute target by name."""
        row = self._db.one("SELECT * FROM compute WHERE name = ?", (str(name),))
        if row is None:
            known = [c.name for c in self.list_compute()]
            raise NotFoundError(f"There is no compute target {name!r}. Compute targets: "
                                f"{', '.join(known)}.")
        return ComputeInfo(row["name"], row["kind"], _loads(row["config"], {}), row["created"])

    def list_compute(self) -> list[ComputeInfo]:
        """Every compute target, ``local`` first."""
        rows = self._db.query("SELECT * FROM compute ORDER BY name != 'local', name")
        return [ComputeInfo(r["name"], r["kind"], _loads(r["config"], {}), r["created"])
                for r in rows]

    def delete_compute(self, name: str) -> None:
        """Remove a compute target (``local`` cannot be removed)."""
        if name == "local":
            raise WorkspaceError("The compute target 'local' cannot be removed.")
        with self._db.write() as c:
            n = c.execute("DELETE FROM compute WHERE name = ?", (str(name),)).rowcount
        if not n:
            raise NotFoundError(f"There is no compute target {name!r}.")
