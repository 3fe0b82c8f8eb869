"""Deploy a real-time endpoint; publish to and submit runs of a pipeline endpoint."""

from __future__ import annotations

from pathlib import Path

from jupyter_designer.serving.errors import RequestError

from ._checks import exactly_one, flag, known_fields, object_body, text
from .runs import as_pipeline

DEPLOY_SOURCES = ('"run_id" (a completed training or real-time inference run) or "pipeline" (a '
                  'real-time inference pipeline document)')
PUBLISH_SOURCES = ('"pipeline" (a pipeline document), "run_id" (a run whose pipeline is '
                   'published) or "draft"')


# -- real-time endpoints -------------------------------------------------------------------------
def deploy(ws, name, *, run_id: str | None = None, pipeline=None, description: str | None = None,
           replace: bool = False, removed_rows: str | None = None, registry=None, host=None,
           deployment: str | None = None) -> dict:
    """Deploy a real-time endpoint from a completed run or a real-time inference pipeline (an
    object, a document, a file, a draft or a sample name); ``replace`` deploys a new version.

    The compiled pipeline answers at once in this process: through ``host`` (a serving
    process's :class:`~jupyter_designer.serving.EndpointHost`, with ``registry`` its
    :class:`~jupyter_designer.serving.RealtimeEndpoints`), else through this process's own
    host. ``deployment`` names the deployment the new version goes to (see
    :mod:`jupyter_designer.serving.traffic`). Returns the endpoint's record (without keys)."""
    from jupyter_designer import serving

    name = text(name, "The endpoint's \"name\"", required=True)
    exactly_one({"run_id": run_id, "pipeline": pipeline}, DEPLOY_SOURCES)
    if run_id is not None and not isinstance(run_id, str):
        raise RequestError(f"\"run_id\" must be a run id (a string). Got {run_id!r} instead.")
    if isinstance(pipeline, (str, Path)):
        pipeline = as_pipeline(ws, pipeline)
    elif pipeline is not None and not isinstance(pipeline, dict) and not hasattr(pipeline, "nodes"):
        raise RequestError("\"pipeline\" must be a real-time inference pipeline document.")
    description = text(description, "\"description\"")
    replace = flag(replace, "\"replace\"", False)
    if registry is None and deployment is not None:
        registry = serving.RealtimeEndpoints(ws)
    if registry is None:
        return serving.deploy(ws, name, run_id=run_id, pipeline=pipeline, description=description,
                              replace=replace, removed_rows=removed_rows)
    info, compiled = registry.deploy(name, run_id=run_id, pipeline=pipeline,
                                     description=description, replace=replace,
                                     removed_rows=removed_rows, deployment=deployment)
    if host is not None:
        # the new version (with deployments, not always the live one)
        host.install(info["name"], info["versions"][-1]["version"], compiled)
    return info


def deploy_request(ws, doc: dict, *, replace: bool, name: str | None = None, registry=None,
                   host=None) -> dict:
    """A deployment from a REST body ``{"name", "run_id" | "pipeline", "description",
    "removed_rows"}`` (``name`` from the URL when given)."""
    doc = object_body(doc, '{"name": "autos", "run_id": "..."}')
    return deploy(ws, name or doc.get("name"), run_id=doc.get("run_id"),
                  pipeline=doc.get("pipeline"), description=doc.get("description"),
                  replace=replace, removed_rows=doc.get("removed_rows"), registry=registry,
                  host=host)


def key_to_regenerate(doc: dict) -> str:
    """Which key a REST body ``{"key" | "keyType": "primary" | "secondary"}`` regenerates
    (the primary one when neither is given)."""
    given = {k: doc[k] for k in ("key", "keyType") if k in doc}
    for field, value in given.items():
        if value not in ("primary", "secondary"):
            raise RequestError(f"\"{field}\" must be \"primary\" or \"secondary\". Got {value!r} "
                               "instead.")
    if len(set(given.values())) > 1:
        raise RequestError(f"\"key\" ({given['key']!r}) and \"keyType\" ({given['keyType']!r}) name "
                           "different keys: give one of them.")
    return next(iter(given.values()), "primary")


# -- pipeline endpoints --------------------------------------------------------------------------
def publish(ws, endpoint: str, source, *, description: str = "", set_default: bool | None = None,
            endpoints=None) -> dict:
    """Publish ``source`` (a Pipeline, a pipeline document, a run id, a draft name, a pipeline
    file or a sample name) as a new version of pipeline endpoint ``endpoint`` (created when
    missing); returns the version's record."""
    from jupyter_designer.serving import PipelineEndpoints

    endpoint = text(endpoint, "The pipeline endpoint's name", required=True)
    description = text(description, "\"description\"", default="")
    if set_default is not None:
        set_default = flag(set_default, "\"set_default\"", False)
    if isinstance(source, Path) or (isinstance(source, str) and (
            Path(source).suffix in (".json", ".dpipeline") or Path(source).exists())):
        source = as_pipeline(ws, source)
    pe = endpoints or PipelineEndpoints(ws)
    return pe.publish(endpoint, source, description=description, set_default=set_default)


def publish_request(ws, endpoint: str, doc: dict, *, endpoints=None) -> dict:
    """A new version from a REST body ``{"pipeline" | "run_id" | "draft", "description",
    "set_default"}``."""
    doc = object_body(doc, '{"run_id": "...", "set_default": true}')
    kind = exactly_one({k: doc.get(k) for k in ("pipeline", "run_id", "draft")}, PUBLISH_SOURCES)
    source = doc[kind]
    if kind == "pipeline" and not isinstance(source, dict):
        raise RequestError("\"pipeline\" must be a pipeline document.")
    if kind != "pipeline" and not isinstance(source, str):
        raise RequestError(f"\"{kind}\" must be a string. Got {source!r} instead.")
    return publish(ws, endpoint, source, description=doc.get("description") or "",
                   set_default=doc.get("set_default"), endpoints=endpoints)


def create_pipeline_endpoint_request(ws, doc: dict, *, endpoints=None) -> dict:
    """A new, empty pipeline endpoint from a REST body ``{"name", "description"}``."""
    from jupyter_designer.serving import PipelineEndpoints

    doc = object_body(doc, '{"name": "retrain", "description": "..."}')
    name = text(doc.get("name"), "The pipeline endpoint's \"name\"", required=True)
    description = text(doc.get("description"), "\"description\"", default="")
    return (endpoints or PipelineEndpoints(ws)).create(name, description)


def update_pipeline_endpoint_request(ws, name: str, doc: dict, *, endpoints=None) -> dict:
    """Change a pipeline endpoint's ``description``, ``default_version`` or ``enabled`` from
    a REST body; returns its record."""
    from jupyter_designer.serving import PipelineEndpoints

    pe = endpoints or PipelineEndpoints(ws)
    doc = object_body(doc, '{"default_version": "2"}')
    known_fields(doc, ("description", "enabled", "default_version"),
                 "a pipeline endpoint's change")
    description = text(doc.get("description"), "\"description\"")
    enabled = flag(doc.get("enabled"), "\"enabled\"", True)
    default = doc.get("default_version")
    if default is not None and (isinstance(default, bool) or not isinstance(default, (str, int))):
        raise RequestError(f"\"default_version\" must be a version number. Got {default!r} instead.")
    if "description" in doc and description is not None:
        pe.update(name, description=description)
    if default is not None:
        pe.set_default(name, default)
    if doc.get("enabled") is not None:
        (pe.enable if enabled else pe.disable)(name)
    return pe.get(name)


def submit_to_endpoint(ws, endpoint: str, *, parameters: dict | None = None, version=None,
                       experiment: str | None = None, background: bool = True, endpoints=None):
    """A run of a pipeline endpoint's default (or given) version; returns the run handle."""
    from jupyter_designer.serving import PipelineEndpoints

    pe = endpoints or PipelineEndpoints(ws)
    return pe.submit(endpoint, parameters=parameters, version=version, experiment=experiment,
                     background=background)


def submit_to_endpoint_request(ws, endpoint: str, doc, *, data_roots=(), endpoints=None) -> dict:
    """A run from a REST body ``{"ExperimentName", "ParameterAssignments", "Version"}``; Import
    Data paths confined to the workspace and ``data_roots``. Returns the 202 answer's fields
    and, under ``"handle"``, the run handle."""
    from jupyter_designer.serving import PipelineEndpoints

    pe = endpoints or PipelineEndpoints(ws)
    return pe.submit_request(endpoint, doc, data_roots=data_roots)
