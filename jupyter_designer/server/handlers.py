"""The designer's REST API under ``<base_url>/designer/api/``.

One handler per resource, in jupyter_server's style: ``APIHandler`` subclasses whose verbs
are ``@web.authenticated`` and ``@authorized`` (Jupyter's token or cookie), 201 with a
``Location`` header on create, 204 on delete, JSON errors ``{"message", "error"}``. The
handlers are thin: they translate HTTP to calls of the application layer
(:mod:`jupyter_designer.app`, where request bodies are checked), of :mod:`jupyter_designer.serving`
and of the workspace, and run anything that blocks on a thread pool.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math

from jupyter_server.base.handlers import APIHandler
from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_designer.app import (create_pipeline_endpoint_request, deploy_request, key_to_regenerate,
                                  publish_request, register_dataset_request, run_summary,
                                  submit_run_request, submit_to_endpoint_request,
                                  update_pipeline_endpoint_request)
from jupyter_designer.engine.errors import DesignerError, NotFoundError
from jupyter_designer.serving.errors import ServingError, http_status

from .state import SETTINGS_KEY
from .utils import escape, join

AUTH_RESOURCE = "designer"
#: the deepest nesting of arrays and objects a REST API request body may have
API_MAX_DEPTH = 100


def designer_errors(method):
    """Turn the designer's errors into JSON HTTP errors that carry their message."""

    @functools.wraps(method)
    async def inner(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except DesignerError as exc:
            self._designer_error = exc
            raise web.HTTPError(http_status(exc), log_message=str(exc).replace("%", "%%")) from None

    return inner


def api_verb(method):
    """What every verb of the REST API is: behind Jupyter's authentication and authorization
    (``web.authenticated`` then ``authorized``, as jupyter_server's own handlers), with the
    designer's errors as JSON HTTP errors."""
    return web.authenticated(authorized(designer_errors(method)))


def _json_default(o):
    import numpy as np
    import pandas as pd

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, (pd.Timestamp,)):
        return o.isoformat()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return str(o)


def _clean(o):
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


class DesignerHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def state(self):
        return self.settings[SETTINGS_KEY]

    @property
    def ws(self):
        return self.state.ws

    def api_url(self, *parts) -> str:
        return join(self.base_url, "designer", "api", *[escape(p) for p in parts])

    async def blocking(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.state.blocking, functools.partial(fn, *args, **kwargs))

    def json_body(self, required: bool = True) -> dict:
        if not self.request.body:
            if required:
                raise ServingError("The request needs a JSON object body.")
            return {}
        from jupyter_designer.serving.protocols import nesting_depth

        if nesting_depth(self.request.body, API_MAX_DEPTH) > API_MAX_DEPTH:
            raise ServingError(f"The request body nests arrays and objects more than "
                               f"{API_MAX_DEPTH} levels deep.")
        try:
            doc = json.loads(self.request.body)
        except RecursionError:  # pragma: no cover - the depth is bounded above
            raise ServingError("The request body nests arrays and objects too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ServingError(f"The request body is not valid JSON ({exc}).") from None
        if not isinstance(doc, dict):
            raise ServingError("The request body must be a JSON object.")
        return doc

    def send(self, obj, status: int = 200, location: str | None = None):
        self.set_status(status)
        if location:
            self.set_header("Location", location)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(_clean(obj), default=_json_default, allow_nan=False))

    def write_error(self, status_code, **kwargs):
        exc = getattr(self, "_designer_error", None)
        self.set_header("Content-Type", "application/json")
        if exc is not None:
            body = {"message": str(exc), "error": str(exc), "reason": None}
            if isinstance(exc, ServingError) and exc.details:
                body["details"] = exc.details
            issues = getattr(exc, "issues", None)
            if issues:
                body["issues"] = [i.as_dict() for i in issues]
            self.finish(json.dumps(body, default=str))
            return
        super().write_error(status_code, **kwargs)

    def query_bool(self, name, default: bool) -> bool:
        v = self.get_query_argument(name, None)
        if v is None:
            return default
        if v.lower() in ("true", "1", "yes"):
            return True
        if v.lower() in ("false", "0", "no"):
            return False
        raise ServingError(f"The query parameter {name!r} must be true or false; got {v!r}.")

    def query_int(self, name, default=None):
        v = self.get_query_argument(name, None)
        if v is None:
            return default
        try:
            return int(v)
        except ValueError:
            raise ServingError(f"The query parameter {name!r} must be an integer; got {v!r}.") from None


# -- index, OpenAPI, components ------------------------------------------------------------------
class IndexHandler(DesignerHandler):
    @api_verb
    async def get(self):
        from jupyter_designer import __version__

        self.send({"name": "jupyter-designer", "version": __version__,
                   "workspace": str(self.ws.path),
                   "links": {k: self.api_url(k) for k in (
                       "openapi.json", "components", "datasets", "pipelines", "runs",
                       "pipeline-endpoints", "endpoints")}})


class OpenAPIHandler(DesignerHandler):
    @api_verb
    async def get(self):
        from .openapi import rest_openapi

        self.send(rest_openapi(join(self.base_url, "designer", "api")))


class ComponentsHandler(DesignerHandler):
    @api_verb
    async def get(self):
        from jupyter_designer.engine.component import REGISTRY

        specs = await self.blocking(REGISTRY.all)
        self.send([s.as_dict() for s in specs])


# -- datasets ------------------------------------------------------------------------------------
class DatasetsHandler(DesignerHandler):
    @api_verb
    async def get(self):
        samples = self.query_bool("samples", True)
        items = await self.blocking(self.ws.list_datasets, include_samples=samples)
        self.send([i.as_dict() for i in items])

    @api_verb
    async def post(self):
        info = await self.blocking(register_dataset_request, self.ws, self.json_body())
        self.send(info.as_dict(), 201, self.api_url("datasets", info.name))


class DatasetHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        version = self.query_int("version")
        info = await self.blocking(self.ws.dataset_info, name, version)
        out = info.as_dict()
        out["versions"] = [v.version for v in await self.blocking(self.ws.dataset_versions, name)]
        self.send(out)

    @api_verb
    async def delete(self, name):
        await self.blocking(self.ws.delete_dataset, name, self.query_int("version"))
        self.set_status(204)
        self.finish()


class DatasetPreviewHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        from jupyter_designer.serving import tables

        n = min(max(self.query_int("n", 20), 0), 1000)
        df = await self.blocking(self.ws.preview, name, n, self.query_int("version"))
        self.send({"name": name, "columns": [str(c) for c in df.columns],
                   "rows": tables.frame_records(df)})


# -- pipeline drafts -------------------------------------------------------------------------------
class PipelinesHandler(DesignerHandler):
    @api_verb
    async def get(self):
        drafts = await self.blocking(self.ws.list_drafts)
        self.send([d.as_dict() if hasattr(d, "as_dict") else {"name": str(d)} for d in drafts])


class PipelineHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        doc = await self.blocking(self.ws.load_draft, name, self.query_int("version"))
        self.send(doc)

    @api_verb
    async def put(self, name):
        from jupyter_designer.engine.pipeline import Pipeline

        doc = self.json_body()
        p = await self.blocking(Pipeline.from_dict, doc, source="request body")
        existed = await self.blocking(_draft_exists, self.ws, name)
        version = await self.blocking(self.ws.save_draft, name, p.to_dict())
        self.send({"name": name, "version": version,
                   "issues": [i.as_dict() for i in p.validate()]},
                  200 if existed else 201, None if existed else self.api_url("pipelines", name))

    @api_verb
    async def delete(self, name):
        await self.blocking(self.ws.delete_draft, name)
        self.set_status(204)
        self.finish()


def _draft_exists(ws, name) -> bool:
    try:
        ws.load_draft(name)
        return True
    except (NotFoundError, KeyError):
        return False


# -- runs --------------------------------------------------------------------------------------------
class RunsHandler(DesignerHandler):
    @api_verb
    async def get(self):
        runs = await self.blocking(self.ws.list_runs, experiment=self.get_query_argument("experiment", None),
                                   status=self.get_query_argument("status", None),
                                   pipeline=self.get_query_argument("pipeline", None),
                                   limit=self.query_int("limit", 100))
        self.send([run_summary(r) for r in runs])

    @api_verb
    async def post(self):
        doc = self.json_body()
        handle = await self.blocking(submit_run_request, self.ws, doc)
        self.state.track(handle)
        self.send({"run_id": handle.run_id, "status": "running",
                   "url": self.api_url("runs", handle.run_id)}, 202, self.api_url("runs", handle.run_id))


class RunHandler(DesignerHandler):
    @api_verb
    async def get(self, run_id):
        snapshot = self.query_bool("snapshot", False)
        rec = await self.blocking(self.ws.get_run, run_id)
        self.send(run_summary(rec, snapshot=snapshot))

    @api_verb
    async def delete(self, run_id):
        rec = await self.blocking(self.ws.get_run, run_id)
        if not rec.done:
            raise ServingError(f"Run {run_id} is still {rec.status}; cancel it first.")
        await self.blocking(self.ws.delete_run, run_id)
        self.set_status(204)
        self.finish()


class RunCancelHandler(DesignerHandler):
    @api_verb
    async def post(self, run_id):
        handle = self.state.runs.get(run_id)
        if handle is None:
            rec = await self.blocking(self.ws.get_run, run_id)
            raise ServingError(f"Run {run_id} ({rec.status}) was not started by this server, so it "
                               "cannot be canceled here.")
        handle.cancel()
        self.send({"run_id": run_id, "status": "canceling"}, 202)


class RunNodesHandler(DesignerHandler):
    @api_verb
    async def get(self, run_id):
        rec = await self.blocking(self.ws.get_run, run_id)
        self.send([{**{k: v for k, v in n.as_dict().items() if k != "log"}, "node_id": nid}
                   for nid, n in rec.nodes.items()])


class RunNodeLogHandler(DesignerHandler):
    @api_verb
    async def get(self, run_id, node_id):
        rec = await self.blocking(self.ws.get_run, run_id)
        node = rec.nodes.get(node_id)
        if node is None:
            raise NotFoundError(f"Run {run_id} has no node {node_id!r}.")
        self.send({"run_id": run_id, "node_id": node_id, "status": node.status,
                   "error": node.error, "log": node.log or ""})


class RunNodeOutputsHandler(DesignerHandler):
    @api_verb
    async def get(self, run_id, node_id):
        rec = await self.blocking(self.ws.get_run, run_id)
        node = rec.nodes.get(node_id)
        if node is None:
            raise NotFoundError(f"Run {run_id} has no node {node_id!r}.")
        self.send({port: {"artifact": aid, "url": self.api_url("runs", run_id, "nodes", node_id,
                                                                "outputs", port)}
                   for port, aid in (node.outputs or {}).items()})


class RunNodeOutputHandler(DesignerHandler):
    @api_verb
    async def get(self, run_id, node_id, port):
        n = min(max(self.query_int("n", 20), 0), 10000)
        self.send(await self.blocking(_output_preview, self.ws, run_id, node_id, port, n))


def _output_preview(ws, run_id, node_id, port, n):
    import pandas as pd

    from jupyter_designer.serving import tables

    value = ws.run_output(run_id, node_id, port)
    if isinstance(value, pd.DataFrame):
        head = value.head(n)
        return {"type": "dataset", "rows": len(value), "columns": [
            {"name": str(c), "dtype": str(value[c].dtype)} for c in value.columns],
            "data": tables.frame_records(head)}
    if hasattr(value, "describe") and callable(value.describe):
        try:
            return {"type": type(value).__name__, "description": value.describe()}
        except Exception:
            pass
    return {"type": type(value).__name__, "value": value if isinstance(value, (str, int, float, bool, list, dict)) else repr(value)}


class RunInferenceHandler(DesignerHandler):
    """``POST runs/<id>/inference {"kind": "realtime"|"batch", "save_as": draft name}``."""

    @api_verb
    async def post(self, run_id):
        from jupyter_designer.engine.inference import create_inference

        doc = self.json_body(required=False)
        kind = doc.get("kind") or "realtime"
        if kind not in ("realtime", "batch"):
            raise ServingError(f"\"kind\" must be \"realtime\" or \"batch\". Got {kind!r} instead.")
        for key in ("name", "save_as"):
            if doc.get(key) is not None and (not isinstance(doc[key], str) or not doc[key]):
                raise ServingError(f"\"{key}\" must be a non-empty string. Got {doc[key]!r} instead.")
        p = await self.blocking(create_inference, self.ws, run_id, kind, name=doc.get("name"))
        out = {"pipeline": p.to_dict(), "issues": [i.as_dict() for i in p.validate()]}
        location = None
        if doc.get("save_as"):
            out["draft"] = str(doc["save_as"])
            out["version"] = await self.blocking(self.ws.save_draft, str(doc["save_as"]), p.to_dict())
            location = self.api_url("pipelines", str(doc["save_as"]))
        self.send(out, 201, location)


# -- pipeline endpoints ------------------------------------------------------------------------------
class PipelineEndpointsHandler(DesignerHandler):
    @api_verb
    async def get(self):
        self.send(await self.blocking(self.state.pipelines.list))

    @api_verb
    async def post(self):
        rec = await self.blocking(create_pipeline_endpoint_request, self.ws, self.json_body(),
                                  endpoints=self.state.pipelines)
        self.send(rec, 201, self.api_url("pipeline-endpoints", rec["name"]))


class PipelineEndpointHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        self.send(await self.blocking(self.state.pipelines.get, name))

    @api_verb
    async def patch(self, name):
        self.send(await self.blocking(update_pipeline_endpoint_request, self.ws, name,
                                      self.json_body(), endpoints=self.state.pipelines))

    @api_verb
    async def delete(self, name):
        await self.blocking(self.state.pipelines.delete, name)
        self.set_status(204)
        self.finish()


class PipelineEndpointVersionsHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        self.send(await self.blocking(self.state.pipelines.versions, name))

    @api_verb
    async def post(self, name):
        v = await self.blocking(publish_request, self.ws, name, self.json_body(),
                                endpoints=self.state.pipelines)
        self.send(v, 201, self.api_url("pipeline-endpoints", name, "versions", v["version"]))


class PipelineEndpointVersionHandler(DesignerHandler):
    @api_verb
    async def get(self, name, version):
        v = await self.blocking(self.state.pipelines.version, name, version)
        p = await self.blocking(self.state.pipelines.pipeline, name, version)
        self.send({**v, "pipeline": p.to_dict()})


class PipelineEndpointRunsHandler(DesignerHandler):
    """``POST {"ExperimentName", "ParameterAssignments", "Version"}`` -> 202 ``{"run_id"}``."""

    @api_verb
    async def post(self, name):
        doc = self.json_body(required=False)
        out = await self.blocking(submit_to_endpoint_request, self.ws, name, doc,
                                  data_roots=self.state.data_roots, endpoints=self.state.pipelines)
        handle = out.pop("handle")
        self.state.track(handle)
        self.send({**out, "url": self.api_url("runs", handle.run_id)},
                  202, self.api_url("runs", handle.run_id))


# -- real-time endpoints -------------------------------------------------------------------------------
class EndpointsHandler(DesignerHandler):
    @api_verb
    async def get(self):
        self.send([self._decorate(e) for e in await self.blocking(self.state.realtime.list)])

    def _deploy(self, doc, *, replace, name=None):
        return deploy_request(self.ws, doc, replace=replace, name=name,
                              registry=self.state.realtime, host=self.state.host)

    def _decorate(self, rec: dict) -> dict:
        root = f"{self.request.protocol}://{self.request.host}" + join(
            self.base_url, "designer", "endpoints", escape(rec["name"]))
        return {**rec, "scoring_uri": root + "/score", "swagger_uri": root + "/swagger.json",
                "mlflow_uri": root + "/invocations", "v2_uri": root + "/v2"}

    @api_verb
    async def post(self):
        doc = self.json_body()
        info = await self.blocking(self._deploy, doc, replace=False)
        self.send(self._decorate(info), 201, self.api_url("endpoints", info["name"]))


class EndpointHandler(EndpointsHandler):
    # 405: an endpoint is deployed with POST /endpoints or PUT /endpoints/<name>
    post = web.RequestHandler.post

    @api_verb
    async def get(self, name):
        rec = await self.blocking(self.state.realtime.get, name)
        out = self._decorate(rec)
        meta = await self.blocking(self.state.realtime.meta, name)
        out["inputs"] = meta.get("inputs", [])
        out["outputs"] = meta.get("outputs", [])
        out["example_request"] = meta.get("example_request")
        out["fast_path_note"] = meta.get("fast_path_note")
        try:
            ep = self.state.host.lookup(name)
            out["loaded_version"] = ep.compiled_version
        except DesignerError:
            out["loaded_version"] = None
        self.send(out)

    @api_verb
    async def put(self, name):
        """Deploy a new version (``{"run_id"}`` or ``{"pipeline"}``)."""
        doc = self.json_body()
        exists = await self.blocking(self.state.realtime.exists, name)
        info = await self.blocking(self._deploy, doc, replace=True, name=name)
        self.send(self._decorate(info), 200 if exists else 201,
                  None if exists else self.api_url("endpoints", name))

    @api_verb
    async def patch(self, name):
        doc = self.json_body()
        unknown = [k for k in doc if k != "description"]
        if unknown:
            raise ServingError(f"Unknown field {unknown[0]!r}; an endpoint's description can be "
                               "changed (deploy a new version with PUT).")
        description = doc.get("description", "")
        if not isinstance(description, str):
            raise ServingError(f"\"description\" must be a string. Got {description!r} instead.")
        rec = await self.blocking(self.state.realtime.set_description, name, description)
        self.send(self._decorate(rec))

    @api_verb
    async def delete(self, name):
        await self.blocking(self.state.realtime.delete, name)
        self.set_status(204)
        self.finish()


class EndpointKeysHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        self.send(await self.blocking(self.state.realtime.keys, name))

    @api_verb
    async def post(self, name):
        """Regenerate a key: ``{"key": "primary" | "secondary"}`` (``keyType`` works too)."""
        which = key_to_regenerate(self.json_body(required=False))
        self.send(await self.blocking(self.state.realtime.regenerate_key, name, which))


class EndpointOpenAPIHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        from jupyter_designer.serving.openapi import endpoint_openapi

        rec = await self.blocking(self.state.realtime.get, name)
        meta = await self.blocking(self.state.realtime.meta, name)
        base = f"{self.request.protocol}://{self.request.host}{self.base_url}"
        self.send(endpoint_openapi(rec["name"], meta, rec["version"], base_url=base,
                                   description=rec.get("description", "")))


class EndpointSnippetsHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        from jupyter_designer.serving.openapi import endpoint_snippets

        rec = await self.blocking(self.state.realtime.get, name)
        meta = await self.blocking(self.state.realtime.meta, name)
        base = f"{self.request.protocol}://{self.request.host}{self.base_url}"
        self.send(endpoint_snippets(rec["name"], base, example=meta.get("example_request")))


NAME = r"([^/]+)"


def api_routes(base_url: str) -> list:
    api = join(base_url, "designer", "api")
    r = lambda path: api + path  # noqa: E731
    return [
        (api + "/?", IndexHandler),
        (r("/openapi.json"), OpenAPIHandler),
        (r("/components"), ComponentsHandler),
        (r("/datasets"), DatasetsHandler),
        (r(f"/datasets/{NAME}"), DatasetHandler),
        (r(f"/datasets/{NAME}/preview"), DatasetPreviewHandler),
        (r("/pipelines"), PipelinesHandler),
        (r(f"/pipelines/{NAME}"), PipelineHandler),
        (r("/runs"), RunsHandler),
        (r(f"/runs/{NAME}"), RunHandler),
        (r(f"/runs/{NAME}/cancel"), RunCancelHandler),
        (r(f"/runs/{NAME}/inference"), RunInferenceHandler),
        (r(f"/runs/{NAME}/nodes"), RunNodesHandler),
        (r(f"/runs/{NAME}/nodes/{NAME}/log"), RunNodeLogHandler),
        (r(f"/runs/{NAME}/nodes/{NAME}/outputs"), RunNodeOutputsHandler),
        (r(f"/runs/{NAME}/nodes/{NAME}/outputs/{NAME}"), RunNodeOutputHandler),
        (r("/pipeline-endpoints"), PipelineEndpointsHandler),
        (r(f"/pipeline-endpoints/{NAME}"), PipelineEndpointHandler),
        (r(f"/pipeline-endpoints/{NAME}/versions"), PipelineEndpointVersionsHandler),
        (r(f"/pipeline-endpoints/{NAME}/versions/{NAME}"), PipelineEndpointVersionHandler),
        (r(f"/pipeline-endpoints/{NAME}/runs"), PipelineEndpointRunsHandler),
        (r("/endpoints"), EndpointsHandler),
        (r(f"/endpoints/{NAME}"), EndpointHandler),
        (r(f"/endpoints/{NAME}/keys"), EndpointKeysHandler),
        (r(f"/endpoints/{NAME}/openapi.json"), EndpointOpenAPIHandler),
        (r(f"/endpoints/{NAME}/snippets"), EndpointSnippetsHandler),
    ]
