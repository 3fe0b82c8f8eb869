"""Serving: pipeline endpoints and real-time endpoints, with no web framework.

The Jupyter server extension (``jupyter_designer.server``), the standalone server
(``jupyter designer serve``), the CLI and the canvas all use these functions::

    from jupyter_designer import serving

    pipe = serving.create_inference(ws, run_id)                 # real-time inference draft
    info = serving.deploy(ws, "autos", run_id=run_id)           # real-time endpoint
    serving.endpoint_keys(ws, "autos")                          # {"primaryKey", "secondaryKey"}
    serving.score(ws, "autos", {"Inputs": {"WebServiceInput0": rows}})
    serving.publish(ws, "retrain", run_id)                      # pipeline endpoint version
    handle = serving.submit(ws, "retrain", parameters={"p": 1})
    serving.endpoint_snippets("autos", "http://localhost:8888")  # curl / Python examples
"""

from __future__ import annotations

import threading

from jupyter_designer.engine.inference import (create_batch_inference, create_inference,
                                               create_realtime_inference)

from .compiled import CompiledPipeline
from .errors import (AuthenticationError, EndpointConflictError, EndpointNotFoundError,
                     EndpointUnavailableError, RequestError, ScoringFailure, ServingError)
from .openapi import endpoint_openapi
from .openapi import endpoint_snippets as _snippets
from .pipeline_endpoints import PipelineEndpoints
from .realtime import EndpointHost, RealtimeEndpoints, authenticate

__all__ = [
    "CompiledPipeline", "EndpointHost", "RealtimeEndpoints", "PipelineEndpoints",
    "ServingError", "RequestError", "AuthenticationError", "EndpointNotFoundError",
    "EndpointConflictError", "EndpointUnavailableError", "ScoringFailure",
    "create_inference", "create_realtime_inference", "create_batch_inference",
    "deploy", "list_endpoints", "get_endpoint", "endpoint_keys", "regenerate_key",
    "delete_endpoint", "score", "endpoint_openapi", "endpoint_snippets",
    "publish", "submit", "list_pipeline_endpoints", "authenticate",
]

_hosts: dict = {}
_hosts_lock = threading.Lock()


def _ws(workspace):
    if workspace is None:
        from jupyter_designer.catalog import workspace as default

        return default()
    return workspace


# -- real-time endpoints -------------------------------------------------------------------
def deploy(workspace, name: str, *, run_id: str | None = None, pipeline=None,
           description: str | None = None, replace: bool = False,
           removed_rows: str | None = None) -> dict:
    """Deploy a real-time endpoint from a completed run (training or real-time inference) or a
    real-time inference draft; ``replace`` deploys a new version of an existing endpoint.

    ``removed_rows="report"`` answers requests some of whose rows the pipeline removes
    (Clean Missing Data's "Remove entire row") for the other rows, saying which were removed;
    by default (``"error"``) such a request is a 400 naming each removed row and why."""
    ws = _ws(workspace)
    info, compiled = RealtimeEndpoints(ws).deploy(name, run_id=run_id, pipeline=pipeline,
                                                  description=description, replace=replace,
                                                  removed_rows=removed_rows)
    host = _host(ws)
    host.install(name, info["version"], compiled)
    return info


def list_endpoints(workspace=None) -> list[dict]:
    return RealtimeEndpoints(_ws(workspace)).list()


def get_endpoint(workspace, name: str) -> dict:
    return RealtimeEndpoints(_ws(workspace)).get(name)


def endpoint_keys(workspace, name: str) -> dict:
    return RealtimeEndpoints(_ws(workspace)).keys(name)


def regenerate_key(workspace, name: str, which: str = "primary") -> dict:
    return RealtimeEndpoints(_ws(workspace)).regenerate_key(name, which)


def delete_endpoint(workspace, name: str) -> None:
    RealtimeEndpoints(_ws(workspace)).delete(name)


def _host(ws) -> EndpointHost:
    key = str(ws.path)
    with _hosts_lock:
        host = _hosts.get(key)
        if host is None or host.workspace is not ws:
            host = _hosts[key] = EndpointHost(ws)
        return host


def score(workspace, name: str, request: dict) -> dict:
    """Score a request in this process (no HTTP, no key): the reference request format in,
    the reference response out."""
    from . import protocols

    ws = _ws(workspace)
    host = _host(ws)
    ep = host.lookup(name)
    compiled = host.compiled(ep)
    return protocols.score_reference_document(compiled, request)[1]


def endpoint_snippets(name: str, base_url: str, *, workspace=None, key: str | None = None) -> dict:
    """``{"curl", "python", "url"}``: code calling real-time endpoint ``name`` served at
    ``base_url``, with an example request built from its input schema when the endpoint is
    deployed in ``workspace`` (default: the current workspace)."""
    example = None
    try:
        ws = _ws(workspace)
        example = RealtimeEndpoints(ws).meta(name).get("example_request")
    except Exception:
        example = None
    return _snippets(name, base_url, example=example,
                     key=key or "<primary-or-secondary-key>")


# -- pipeline endpoints ----------------------------------------------------------------------
def publish(workspace, endpoint: str, source, *, description: str = "",
            set_default: bool | None = None) -> dict:
    """Publish a pipeline (object, document, run id or draft name) as a new version of a
    pipeline endpoint (created when missing)."""
    return PipelineEndpoints(_ws(workspace)).publish(endpoint, source, description=description,
                                                     set_default=set_default)


def submit(workspace, endpoint: str, *, parameters: dict | None = None, version=None,
           experiment: str | None = None, background: bool = True):
    """Submit a run of a pipeline endpoint's default (or given) version."""
    return PipelineEndpoints(_ws(workspace)).submit(endpoint, parameters=parameters,
                                                    version=version, experiment=experiment,
                                                    background=background)


def list_pipeline_endpoints(workspace=None) -> list[dict]:
    return PipelineEndpoints(_ws(workspace)).list()
