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

    def _model_row(self, name: str, version: int | str | None) -> sqlite3.Row:
        rows = self._model_rows(name)
        if not rows:
            known = [r["name"] for r in self._db.query("SELECT DISTINCT name FROM models")]
            raise NotFoundError(f"There is no model named {name!r}.{_close_matches(name, known)}")
        if version is None or version == "latest":
            return rows[-1]
        if isinstance(version, str):
            if version.strip().isdigit():
                version = int(version)
            else:
                alias = self._db.one("SELECT version FROM model_aliases WHERE name_key = ? AND "
                                     "alias = ?", (rows[0]["name_key"], version.strip().casefold()))
                if alias is None:
                    aliases = sorted(self.model_aliases(rows[0]["name"]))
                    raise NotFoundError(
                        f"Model {rows[-1]['name']!r} has no alias {version!r}; its aliases are "
                        f"{', '.join(map(repr, aliases)) or '(none)'}. Give a version number, "
                        "an alias or 'latest'.")
                version = alias["version"]
        for r in rows:
            if r["version"] == version:
                return r
        raise NotFoundError(f"Model {rows[-1]['name']!r} has no version {version!r}; its "
                            f"versions are {', '.join(str(r['version']) for r in rows)}.")

    def _model_info(self, row: sqlite3.Row) -> ModelInfo:
        aliases = tuple(r["alias"] for r in self._db.query(
            "SELECT alias FROM model_aliases WHERE name_key = ? AND version = ? ORDER BY alias",
            (row["name_key"], row["version"])))
        return ModelInfo(name=row["name"], version=row["version"], artifact_id=row["artifact_id"],
                         type=row["type"], task=row["task"], learner=row["learner"],
                         description=row["description"], source_run=row["source_run"],
                         source_node=row["source_node"], tags=_loads(row["tags"], {}),
                         created=row["created"], aliases=aliases,
                         lineage=_loads(row["lineage"], {}))

    def _run_lineage_of(self, run_id: str | None, node_id: str | None) -> dict:
        """What a model registered from a run came from, kept with the model version (so it
        stays true when the run's datasets get new versions later)."""
        if run_id is None:
            return {}
        run = self.get_run(run_id)
        out = {"run": run.id, "experiment": run.experiment, "pipeline": run.pipeline_name,
               "datasets": list(run.lineage.get("datasets", []))}
        if node_id is not None:
            out["node"] = str(node_id)
        for key in ("draft", "pipeline_endpoint", "trigger"):
            if run.lineage.get(key):
                out[key] = run.lineage[key]
        return out

    # -- aliases, tags, description ----------------------------------------------------------
    def set_model_alias(self, name: str, alias: str, version: int | str) -> ModelInfo:
        """Point ``alias`` (e.g. ``"champion"``) of model ``name`` at ``version``; an alias
        names one version at a time, so it moves from the version it named before."""
        if not isinstance(alias, str) or not alias.strip() or alias.strip().isdigit() or \
                alias.strip().casefold() == "latest" or len(alias) > 64:
            raise WorkspaceError(f"A model alias must be a name of 1 to 64 characters that is not "
                                 f"a number nor 'latest' (e.g. 'champion'). Got {alias!r} instead.")
        row = self._model_row(name, version)
        with self._db.write() as c:
            c.execute("INSERT OR REPLACE INTO model_aliases (name_key, alias, version, updated)"
                      " VALUES (?, ?, ?, ?)",
                      (row["name_key"], alias.strip().casefold(), row["version"], time.time()))
        return self._model_info(row)

    def remove_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias of model ``name``."""
        row = self._model_row(name, None)
        with self._db.write() as c:
            n = c.execute("DELETE FROM model_aliases WHERE name_key = ? AND alias = ?",
                          (row["name_key"], str(alias).strip().casefold())).rowcount
        if not n:
            raise NotFoundError(f"Model {row['name']!r} has no alias {alias!r}.")

    def model_aliases(self, name: str) -> dict:
        """alias -> version of model ``name``."""
        key = str(name).strip().casefold()
        return {r["alias"]: r["version"] for r in self._db.query(
            "SELECT alias, version FROM model_aliases WHERE name_key = ? ORDER BY alias", (key,))}

    def update_model(self, name: str, version: int | str | None = None, *,
                     description: str | None = None, tags=None) -> ModelInfo:
        """Change the description or the tags (replaced) of a model version."""
        row = self._model_row(name, version)
        if description is not None and not isinstance(description, str):
            raise WorkspaceError(f"The description of model {row['name']!r} must be a string.")
        if tags is not None and not isinstance(tags, dict):
            raise WorkspaceError(f"The tags of model {row['name']!r} must be a dict of name -> "
                                 f"value. Got {type(tags).__name__} instead.")
        with self._db.write() as c:
            if description is not None:
                c.execute("UPDATE models SET description = ? WHERE id = ?", (description, row["id"]))
            if tags is not None:
                c.execute("UPDATE models SET tags = ? WHERE id = ?",
                          (_dumps(tags, "tags"), row["id"]))
        return self._model_info(self._model_row(name, row["version"]))

    def models_of_artifact(self, artifact_id: str) -> list[ModelInfo]:
        """The registered model versions stored in artifact ``artifact_id``."""
        return [self._model_info(r) for r in self._db.query(
            "SELECT * FROM models WHERE artifact_id = ? ORDER BY name_key, version",
            (str(artifact_id),))]

    def models_of_run(self, run_id: str) -> list[ModelInfo]:
        """The registered model versions a run produced."""
        return [self._model_info(r) for r in self._db.query(
            "SELECT * FROM models WHERE source_run = ? ORDER BY name_key, version",
            (str(run_id),))]

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
        lineage_text = _dumps(self._run_lineage_of(source_run, source_node), "lineage")
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
                          " learner, description, source_run, source_node, tags, created,"
                          " lineage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (rows[0]["name"] if rows else name, key, version, artifact_id, kind,
                           task if isinstance(task, str) else None,
                           learner if isinstance(learner, str) and learner else None,
                           description, source_run, source_node, tags_text, time.time(),
                           lineage_text))
                row = c.execute("SELECT * FROM models WHERE name_key = ? AND version = ?",
                                (key, version)).fetchone()
        except BaseException:
            if written:
                self._artifacts.delete(artifact_id)
            raise
        return self._model_info(row)

    def get_model(self, name: str, version: int | str | None = None):
        """A registered model (the latest version unless ``version``, a number or an alias such
        as ``"champion"``, is given)."""
        return self._artifacts.load(self._model_row(name, version)["artifact_id"])

    def model_info(self, name: str, version: int | str | None = None) -> ModelInfo:
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
        key = str(name).strip().casefold()
        with self._db.write() as c:
            if version is None:
                c.execute("DELETE FROM models WHERE name_key = ?", (key,))
                c.execute("DELETE FROM model_aliases WHERE name_key = ?", (key,))
            else:
                c.execute("DELETE FROM models WHERE name_key = ? AND version = ?", (key, version))
                c.execute("DELETE FROM model_aliases WHERE name_key = ? AND version = ?",
                          (key, version))

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
        return self.register_dataset(name, value, description=description, lineage={
            **self._run_lineage_of(run_id, node_id), "port": str(port)})

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
