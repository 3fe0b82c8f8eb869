"""The registered models of a workspace, and registering what a run produced."""

from __future__ import annotations

import sqlite3
import time

from jupyter_designer.engine.errors import DatasetError, NotFoundError

from ..artifacts import ArtifactStore
from ..db import Database
from ..records import DatasetInfo, ModelInfo
from ._common import _check_name, _close_matches, _dumps, _loads
from .errors import WorkspaceError


class ModelsPart:
    """Register, read, list and delete models; register run outputs as datasets or models."""

    _db: Database
    _artifacts: ArtifactStore

    def _model_rows(self, name: str) -> list[sqlite3.Row]:
        return self._db.query("SELECT * FROM models WHERE name_key = ? ORDER BY version",
                              (str(name).strip().casefold(),))

    def _model_row(self, name: str, version: int | None) -> sqlite3.Row:
        rows = self._model_rows(name)
        if not rows:
            known = [r["name"] for r in self._db.query("SELECT DISTINCT name FROM models")]
            raise NotFoundError(f"There is no model named {name!r}.{_close_matches(name, known)}")
        if version is None:
            return rows[-1]
        for r in rows:
            if r["version"] == version:
                return r
        raise NotFoundError(f"Model {rows[-1]['name']!r} has no version {version!r}; its "
                            f"versions are {', '.join(str(r['version']) for r in rows)}.")

    @staticmethod
    def _model_info(row: sqlite3.Row) -> ModelInfo:
        return ModelInfo(name=row["name"], version=row["version"], artifact_id=row["artifact_id"],
                         type=row["type"], task=row["task"], learner=row["learner"],
                         description=row["description"], source_run=row["source_run"],
                         source_node=row["source_node"], tags=_loads(row["tags"], {}),
                         created=row["created"])

    def register_model(self, name: str, model, *, description: str = "",
                       source_run: str | None = None, tags=None) -> ModelInfo:
        """Register a model (a trained model, an untrained learner, a fitted transformation or
        an estimator) as a new version of ``name``."""
        return self._register_model(name, model, None, description=description,
                                    source_run=source_run, source_node=None, tags=tags)

    def _register_model(self, name, model, artifact_id, *, description, source_run, source_node,
                        tags) -> ModelInfo:
        import pandas as pd

        name = _check_name(name, "model")
        if model is None:
            raise WorkspaceError(f"Cannot register model {name!r}: the model is None.")
        if isinstance(model, (pd.DataFrame, pd.Series)):
            raise WorkspaceError(f"Cannot register a table as model {name!r}; register it as a "
                                 "dataset with register_dataset instead.")
        if not isinstance(description, str):
            raise WorkspaceError(f"The description of model {name!r} must be a string.")
        tags_text = _dumps({} if tags is None else tags, "tags")
        if source_run is not None:
            self.get_run(source_run)  # must exist
        written = artifact_id is None
        if written:
            artifact_id = self._artifacts.put(model)
        kind = type(model).__name__
        task = getattr(model, "task", None)
        learner = getattr(model, "learner", None)
        key = name.casefold()
        try:
            with self._db.write() as c:
                rows = c.execute("SELECT version, name FROM models WHERE name_key = ? ORDER BY "
                                 "version", (key,)).fetchall()
                version = rows[-1]["version"] + 1 if rows else 1
                c.execute("INSERT INTO models (name, name_key, version, artifact_id, type, task,"
                          " learner, description, source_run, source_node, tags, created)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (rows[0]["name"] if rows else name, key, version, artifact_id, kind,
                           task if isinstance(task, str) else None,
                           learner if isinstance(learner, str) and learner else None,
                           description, source_run, source_node, tags_text, time.time()))
                row = c.execute("SELECT * FROM models WHERE name_key = ? AND version = ?",
                                (key, version)).fetchone()
        except BaseException:
            if written:
                self._artifacts.delete(artifact_id)
            raise
        return self._model_info(row)

    def get_model(self, name: str, version: int | None = None):
        """A registered model (the latest version unless ``version`` is given)."""
        return self._artifacts.load(self._model_row(name, version)["artifact_id"])

    def model_info(self, name: str, version: int | None = None) -> ModelInfo:
        """Metadata of a registered model version."""
        return self._model_info(self._model_row(name, version))

    def list_models(self) -> list[ModelInfo]:
        """The latest version of every registered model, by name."""
        rows = self._db.query(
            "SELECT * FROM models m WHERE version = (SELECT MAX(version) FROM models x"
            " WHERE x.name_key = m.name_key) ORDER BY name_key")
        return [self._model_info(r) for r in rows]

    def model_versions(self, name: str) -> list[ModelInfo]:
        """Every version of a registered model, oldest first."""
        self._model_row(name, None)
        return [self._model_info(r) for r in self._model_rows(name)]

    def delete_model(self, name: str, version: int | None = None) -> None:
        """Delete one version of a model, or all of them (its files stay while runs use them)."""
        self._model_row(name, version)
        with self._db.write() as c:
            if version is None:
                c.execute("DELETE FROM models WHERE name_key = ?", (str(name).strip().casefold(),))
            else:
                c.execute("DELETE FROM models WHERE name_key = ? AND version = ?",
                          (str(name).strip().casefold(), version))

    def register_output_as_dataset(self, run_id: str, node_id: str, port: str, name: str, *,
                                   description: str | None = None) -> DatasetInfo:
        """Register a table a run's node produced as (a new version of) dataset ``name``."""
        import pandas as pd

        node, aid = self._output_id(run_id, node_id, port)
        value = self._artifacts.load(aid)
        if not isinstance(value, pd.DataFrame):
            raise DatasetError(f"Output {port!r} of node {node.title or node_id!r} is a "
                               f"{type(value).__name__}, not a table; only dataset outputs can "
                               "be registered as datasets.")
        if description is None:
            description = f"Output {port!r} of {node.title or node_id!r} in run {run_id}."
        return self.register_dataset(name, value, description=description)

    def register_output_as_model(self, run_id: str, node_id: str, port: str, name: str, *,
                                 description: str | None = None) -> ModelInfo:
        """Register a model a run's node produced (e.g. Train Model's trained model) as a new
        version of model ``name``; the stored file is shared, not copied."""
        node, aid = self._output_id(run_id, node_id, port)
        value = self._artifacts.load(aid)
        if description is None:
            description = f"Output {port!r} of {node.title or node_id!r} in run {run_id}."
        return self._register_model(name, value, aid, description=description,
                                    source_run=str(run_id), source_node=str(node_id), tags=None)
