"""Pipeline endpoints: named, versioned published pipelines that anyone can submit runs of.

As in the reference product, an endpoint holds published pipelines as versions ("1", "2",
...), one of them the default; a submission runs the default version (or a given one) with
pipeline parameter assignments. Publishing records each version's pipeline parameters and
their defaults. An endpoint can be disabled (submissions are refused) and enabled again.

Kept in the workspace folder (see :mod:`jupyter_designer.store.endpoints`).
"""

from __future__ import annotations

import re
import time

from jupyter_designer.engine.errors import DesignerError, NotFoundError, ParameterError
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.store.endpoints import PipelineEndpointRecords

from .errors import (EndpointConflictError, EndpointNotFoundError, RequestError, ServingError)

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,63}$")


def check_name(name) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name) or name != name.strip():
        raise ServingError(f"A pipeline endpoint name must be 1 to 64 characters: letters, digits, "
                           f"spaces, '_', '.' and '-', starting with a letter or digit. Got "
                           f"{name!r} instead.")
    return name


class PipelineEndpoints:
    """The pipeline endpoints of a workspace."""

    def __init__(self, workspace):
        self.ws = workspace
        self.records = PipelineEndpointRecords(workspace.path)

    @property
    def root(self):
        return self.records.root

    def _read(self, name: str, change=None) -> dict:
        """The record of ``name``; with ``change``, edited by it and written back."""
        try:
            return self.records.read(name) if change is None else self.records.update(name, change)
        except FileNotFoundError:
            names = [e["name"] for e in self.list()]
            raise EndpointNotFoundError(f"There is no pipeline endpoint {name!r}. Pipeline "
                                        f"endpoints: {', '.join(map(repr, names)) or '(none)'}.") from None

    def exists(self, name: str) -> bool:
        return self.records.exists(name)

    # -- reading -----------------------------------------------------------------------------
    def list(self) -> list[dict]:
        return self.records.records()

    def get(self, name: str) -> dict:
        return self._read(name)

    def versions(self, name: str) -> list[dict]:
        return list(self._read(name)["versions"])

    def version(self, name: str, version=None) -> dict:
        return self._version_in(self._read(name), name, version)

    @staticmethod
    def _version_in(rec: dict, name: str, version=None) -> dict:
        if version is None or version == "":
            version = rec["default_version"]
            if version is None:
                raise EndpointNotFoundError(f"Pipeline endpoint {name!r} has no published pipeline "
                                            "yet; publish one first.")
        version = str(version)
        for v in rec["versions"]:
            if v["version"] == version:
                return v
        raise EndpointNotFoundError(
            f"Pipeline endpoint {name!r} has no version {version!r}. Its versions are: "
            f"{', '.join(repr(v['version']) for v in rec['versions']) or '(none)'}.")

    def pipeline(self, name: str, version=None) -> Pipeline:
        v = self.version(name, version)
        doc = self.records.read_version(name, v["version"])
        return Pipeline.from_dict(doc, source=f"pipeline endpoint {name!r} version {v['version']}",
                                  workspace=self.ws)

    # -- changing ----------------------------------------------------------------------------
    def create(self, name: str, description: str = "") -> dict:
        check_name(name)
        with self.records.lock():
            if self.exists(name):
                raise EndpointConflictError(f"A pipeline endpoint {name!r} exists already.")
            now = time.time()
            rec = {"name": name, "description": str(description or ""), "created": now,
                   "updated": now, "enabled": True, "default_version": None, "versions": []}
            self.records.write(name, rec)
        return rec

    def _source(self, source) -> tuple[Pipeline, str | None]:
        if isinstance(source, Pipeline):
            return source, None
        if isinstance(source, dict):
            return Pipeline.from_dict(source, workspace=self.ws), None
        if isinstance(source, str):
            try:
                rec = self.ws.get_run(source)
            except (NotFoundError, KeyError):
                rec = None
            if rec is not None:
                return Pipeline.from_dict(rec.snapshot, workspace=self.ws), source
            try:
                doc = self.ws.load_draft(source)
                p = Pipeline.from_dict(doc, source=f"draft {source!r}", workspace=self.ws)
                p.draft_name = source  # kept as the version's lineage
                return p, None
            except (NotFoundError, KeyError):
                pass
            from jupyter_designer.catalog import open_pipeline

            return open_pipeline(source, workspace=self.ws), None
        raise ServingError("Publish a pipeline: a Pipeline, a pipeline document, a run id or a "
                           f"draft name. Got {type(source).__name__}.")

    def publish(self, name: str, source, *, description: str = "", set_default: bool | None = None,
                create: bool = True) -> dict:
        """Publish a pipeline (draft, document, run or draft name) as a new version of endpoint
        ``name`` (created if needed with ``create``); returns the version's record. The first
        version becomes the default; ``set_default=True`` makes a later one the default."""
        check_name(name)
        p, run_id = self._source(source)
        p.workspace = self.ws
        issues = p.validate()
        if issues:
            raise ServingError(f"{p.name!r} cannot be published: it is not valid:\n" +
                               "\n".join(f"  - {i}" for i in issues))
        doc = p.to_dict()
        with self.records.lock():
            if not self.exists(name):
                if not create:
                    self._read(name)
                now = time.time()
                rec = {"name": name, "description": "", "created": now, "updated": now,
                       "enabled": True, "default_version": None, "versions": []}
            else:
                rec = self._read(name)
            number = max((int(v["version"]) for v in rec["versions"]), default=0) + 1
            version = {"version": str(number), "created": time.time(),
                       "description": str(description or ""), "pipeline_name": p.name,
                       "parameters": [pp.as_dict() for pp in p.parameters.values()],
                       "source_run": run_id, "nodes": len(p.nodes),
                       "source_draft": getattr(p, "draft_name", None)}
            self.records.write_version(name, number, doc)
            rec["versions"].append(version)
            if rec["default_version"] is None or set_default:
                rec["default_version"] = str(number)
            rec["updated"] = time.time()
            self.records.write(name, rec)
        return version

    def set_default(self, name: str, version) -> dict:
        def change(rec):
            rec["default_version"] = self._version_in(rec, name, str(version))["version"]
        return self._read(name, change)

    def _set_enabled(self, name: str, enabled: bool) -> dict:
        return self._read(name, lambda rec: rec.update(enabled=bool(enabled)))

    def disable(self, name: str) -> dict:
        """Refuse submissions until :meth:`enable`."""
        return self._set_enabled(name, False)

    def enable(self, name: str) -> dict:
        return self._set_enabled(name, True)

    def update(self, name: str, *, description: str | None = None) -> dict:
        def change(rec):
            if description is not None:
                rec["description"] = str(description)
        return self._read(name, change)

    def delete(self, name: str) -> None:
        with self.records.lock():
            self._read(name)
            self.records.delete(name)

    # -- running ----------------------------------------------------------------------------
    def check_parameters(self, name: str, parameters: dict | None, version=None) -> dict:
        """Parameter assignments checked against the version's pipeline parameters."""
        v = self.version(name, version)
        if parameters is None:
            return {}
        if not isinstance(parameters, dict):
            raise RequestError("Parameter assignments must be an object of name -> value.")
        known = {p["name"]: p for p in v["parameters"]}
        out = {}
        for k, value in parameters.items():
            if k not in known:
                raise RequestError(
                    f"Unknown pipeline parameter {k!r} for version {v['version']} of {name!r}. Its "
                    f"parameters are: {', '.join(map(repr, known)) or '(none)'}.",
                    details={"parameter": k})
            out[k] = value
        return out

    def submit(self, name: str, *, parameters: dict | None = None, version=None,
               experiment: str | None = None, background: bool = True, runner=None,
               allowed_roots: list | None = None):
        """Run the default version (or ``version``) with parameter assignments; returns the
        runner's :class:`~jupyter_designer.engine.runner.RunHandle`.

        With ``allowed_roots`` (a request over REST), every Import Data path must lie inside
        those folders (a 403 otherwise, see :mod:`.paths`)."""
        from jupyter_designer.engine.runner import Runner

        rec = self._read(name)
        if not rec.get("enabled", True):
            raise EndpointConflictError(f"Pipeline endpoint {name!r} is disabled; enable it to "
                                        "submit runs.")
        v = self.version(name, version)
        params = self.check_parameters(name, parameters, v["version"])
        p = self.pipeline(name, v["version"])
        try:
            for k, value in params.items():
                p.parameters[k].coerce(value)
        except ParameterError as exc:
            raise RequestError(str(exc), details={"parameter": exc.parameter}) from None
        if allowed_roots is not None:
            from .paths import check_pipeline_paths

            pvalues = {k: prm.default for k, prm in p.parameters.items()}
            pvalues.update({k: p.parameters[k].coerce(v) for k, v in params.items()})
            check_pipeline_paths(p, pvalues, allowed_roots)
        experiment = experiment or name
        if not isinstance(experiment, str) or not experiment.strip():
            raise RequestError("ExperimentName must be a non-empty string.")
        runner = runner or Runner(self.ws)
        try:
            handle = runner.submit(p, experiment=experiment, parameters=params,
                                   background=background)
            self.ws.set_run_lineage(handle.run_id, pipeline_endpoint={
                "name": rec["name"], "version": v["version"]})
            return handle
        except ServingError:
            raise
        except DesignerError as exc:
            raise RequestError(str(exc)) from None

    def submit_request(self, name: str, doc, *, runner=None, data_roots=()) -> dict:
        """Submit a run from a REST body ``{"ExperimentName", "ParameterAssignments",
        "Version"}`` (the reference's pipeline endpoint body); returns the 202 answer's fields
        and, under ``"handle"``, the run handle. Import Data paths must lie in the workspace
        or ``data_roots`` (see :mod:`.paths`)."""
        from .paths import data_roots as allowed
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            raise RequestError('The request body must be a JSON object like {"ExperimentName": '
                               '"...", "ParameterAssignments": {...}, "Version": "2"}.')
        unknown = [k for k in doc if k not in SUBMIT_FIELDS]
        if unknown:
            raise RequestError(f"Unknown field {unknown[0]!r}; the body takes ExperimentName, "
                               "ParameterAssignments and Version.")
        version = doc.get("Version", doc.get("version"))
        version = None if version is None else str(version)
        experiment = doc.get("ExperimentName", doc.get("experiment"))
        handle = self.submit(name, parameters=doc.get("ParameterAssignments", doc.get("parameters")),
                             version=version, experiment=experiment, background=True, runner=runner,
                             allowed_roots=allowed(self.ws, data_roots))
        used = self.version(name, version)
        return {"handle": handle, "run_id": handle.run_id, "Id": handle.run_id, "status": "running",
                "endpoint": name, "version": used["version"], "experiment": experiment or name}


#: the fields of a pipeline endpoint submission (the reference's names, then short aliases)
SUBMIT_FIELDS = ("ExperimentName", "ParameterAssignments", "Version", "experiment", "parameters",
                 "version")
