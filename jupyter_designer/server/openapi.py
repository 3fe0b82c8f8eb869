"""The OpenAPI document of the designer's REST API (``<base_url>/designer/api/openapi.json``)."""

from __future__ import annotations

from jupyter_designer import __version__


_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _op(summary, *, body=None, ok="200", ok_text="OK", params=(), tag="", extra=None,
        body_required=True):
    """An operation; 400 is documented where a body or query parameters can be wrong, 404 where
    a path names something that may not exist, 403 (Jupyter's answer without a valid token or
    cookie) everywhere."""
    responses = {ok: {"description": ok_text}}
    if body is not None or any(p["in"] == "query" for p in params):
        responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    responses["403"] = {"$ref": "#/components/responses/Forbidden"}
    if any(p["in"] == "path" for p in params) or (body is not None and ok in ("201", "202")):
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    op = {"summary": summary, "tags": [tag] if tag else [], "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": body_required,
                             "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = list(params)
    if extra:
        op["responses"].update(extra)
    return op


def _body(props: dict, *, required=(), one_of=(), not_null=(), closed=False) -> dict:
    """A JSON object body as the handlers read it: a property given as null is taken as not
    given (so optional ones are nullable), ``one_of`` names the properties of which exactly one
    must be given (not null), ``closed`` bodies refuse unknown properties."""
    schema = {"type": "object", "properties": {
        k: v if k in required or k in not_null else {**v, "nullable": True}
        for k, v in props.items()}}
    if required:
        schema["required"] = list(required)
    if one_of:
        schema["oneOf"] = [{"required": [k], "properties": {k: props[k]}} for k in one_of]
    if closed:
        schema["additionalProperties"] = False
    return schema


def _path_param(name, text=""):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
            "description": text}


def _query(name, type_="string", text=""):
    return {"name": name, "in": "query", "required": False, "schema": {"type": type_},
            "description": text}


def _json(schema: dict, text: str, location: bool = False) -> dict:
    """A documented answer with a JSON body (and a ``Location`` header naming what it made)."""
    out = {"description": text, "content": {"application/json": {"schema": schema}}}
    if location:
        out["headers"] = {"Location": {"description": "The URL path of what was made",
                                       "schema": {"type": "string"}}}
    return out


def _answer(props: dict, required=()) -> dict:
    """An answer's JSON object: these properties, all present unless ``required`` says less."""
    return {"type": "object", "required": list(required or props), "properties": props}


def _sidebar_paths(run: dict, text: dict, name_text: dict, obj: dict) -> dict:
    """The routes the JupyterLab sidebar adds: models, clone a run, compare runs, register a
    file of the file browser."""
    number = {"type": "number"}
    maybe_text = {"type": "string", "nullable": True}
    trained = _answer({"run_id": text, "experiment": text, "pipeline_name": text,
                       "run_status": text, "created": number, "node_id": text,
                       "node_title": text, "port": text})
    compared = _answer({"id": text, "experiment": text, "pipeline_name": text, "status": text,
                        "created": number, "duration": {"type": "number", "nullable": True}})
    row = _answer({"kind": {"type": "string", "enum": ["parameter", "metric"]}, "name": text,
                   "values": {"type": "array", "items": {}}})
    dataset = {"type": "object",
               "required": ["name", "version", "rows", "columns", "schema", "missing_values",
                            "notes", "path"],
               "properties": {"name": text, "version": {"type": "integer"},
                              "rows": {"type": "integer"}, "columns": {"type": "integer"},
                              "schema": {"type": "array", "items": obj},
                              "description": text, "source": text,
                              "artifact_id": maybe_text,
                              "missing_values": {"type": "object",
                                                 "additionalProperties": {"type": "integer"}},
                              "notes": {"type": "array", "items": text}, "path": text}}
    runs = {"name": "runs", "in": "query", "required": True, "schema": {"type": "string"},
            "description": "two or more different run ids, comma separated"}
    not_found_runs = {"404": {"$ref": "#/components/responses/NotFound"}}
    register_file = _op(
        "Register a CSV, TSV or Parquet file below the Jupyter server's root folder as a "
        "dataset (a new version if the name exists)", tag="datasets",
        body=_body({"path": {**name_text, "description": "as the file browser shows it, "
                                                         "e.g. data/cars.csv"},
                    "name": name_text, "description": text,
                    "na_values": {"type": "array", "items": text}},
                   required=["path", "name"], closed=True),
        ok="201", extra={"201": _json(dataset, "Registered; what reading the file found",
                                      location=True)})
    # a path that is not a file below the root folder is bad input (400), not a missing resource
    del register_file["responses"]["404"]
    return {
        "/models": {"get": _op(
            "Registered models, and the trained models of the most recent runs", tag="models",
            params=[_query("runs", "integer", "how many recent runs to look through for trained "
                                              "models (1 to 500, default 50)")],
            extra={"200": _json(_answer({"registered": {"type": "array", "items": obj},
                                         "trained": {"type": "array", "items": trained}}),
                                "Registered models and trained models of runs")})},
        "/runs/{run_id}/clone": {"post": _op(
            "Save the pipeline a run executed as a new pipeline draft", tag="runs",
            params=[run], body_required=False,
            body=_body({"save_as": name_text}, closed=True),
            ok="201", extra={"201": _json(
                _answer({"draft": text, "version": {"type": "integer"}, "run_id": text,
                         "pipeline": obj}),
                "The new draft (\"save_as\", else a free name from the run's pipeline)",
                location=True)})},
        "/runs-compare": {"get": _op(
            "Parameters and metrics of runs side by side", tag="runs", params=[runs],
            extra={**not_found_runs, "200": _json(
                _answer({"runs": {"type": "array", "items": compared},
                         "rows": {"type": "array", "items": row}}),
                "One row per parameter or metric, one value per run in the order asked")})},
        "/register-file": {"post": register_file},
    }


def _ops_paths(text: dict, name_text: dict, obj: dict) -> dict:
    """The model registry's versions and aliases, lineage, and schedules."""
    name, alias, version = _path_param("name"), _path_param("alias"), _path_param("version")
    graph = _answer({"subject": obj, "answer": obj, "nodes": {"type": "array", "items": obj},
                     "edges": {"type": "array", "items": obj}})
    state = {"type": "string", "enum": ["active", "paused"]}
    schedule = _answer({"id": text, "name": text, "target": obj, "trigger": obj, "state": state,
                        "created": {"type": "number"}, "updated": {"type": "number"},
                        "last_tick": {"type": "object", "nullable": True}})
    create = _body({"name": name_text, "pipeline_endpoint": name_text, "draft": name_text,
                    "cron": {**name_text, "description": "'minute hour day month "
                                                          "day-of-week', or 6 fields with "
                                                          "seconds first"},
                    "dataset": {**name_text, "description": "run on each new version"},
                    "version": {"oneOf": [text, {"type": "integer"}]}, "parameters": obj,
                    "experiment": name_text, "timezone": name_text},
                   required=["name"], closed=True)
    return {
        "/lineage/{name}": {"get": _op(
            "What a model, real-time endpoint or pipeline endpoint came from: runs, dataset "
            "versions, model versions", tag="lineage", params=[
                name, _query("kind", "string", "model, endpoint or pipeline-endpoint (when the "
                                               "name is several)"),
                _query("version", "string", "one version (a model's may be an alias)")],
            extra={"200": _json(graph, "The lineage graph and what is behind the live version")})},
        "/models/{name}/versions": {"get": _op("Every version of a registered model and its "
                                               "aliases", tag="models", params=[name])},
        "/models/{name}/versions/{version}": {
            "get": _op("A model version (a number or an alias)", tag="models",
                       params=[name, version]),
            "patch": _op("Change a model version's description or tags", tag="models",
                         params=[name, version],
                         body=_body({"description": text, "tags": obj}, closed=True))},
        "/models/{name}/aliases/{alias}": {
            "put": _op("Point an alias (e.g. champion) at a version; it moves from the version it "
                       "named", tag="models", params=[name, alias],
                       body=_body({"version": {"oneOf": [text, {"type": "integer"}]}},
                                  required=["version"], closed=True)),
            "delete": _op("Remove an alias", tag="models", params=[name, alias], ok="204",
                          ok_text="Removed")},
        "/schedules": {
            "get": _op("Schedules, and whether this server runs them", tag="schedules"),
            "post": _op("Create a schedule: a pipeline endpoint or draft on a cron expression or "
                        "on each new version of a dataset", tag="schedules", body=create,
                        ok="201", extra={"201": _json(schedule, "Created", location=True)})},
        "/schedules/{name}": {
            "get": _op("A schedule and its recent ticks (run ids, triggers)", tag="schedules",
                       params=[name, _query("ticks", "integer", "how many recent ticks")]),
            "patch": _op("Pause or resume", tag="schedules", params=[name],
                         body=_body({"state": state}, required=["state"], closed=True)),
            "delete": _op("Delete a schedule (its runs stay)", tag="schedules", params=[name],
                          ok="204", ok_text="Deleted")},
    }


def _rollout_paths(text: dict, name_text: dict, obj: dict) -> dict:
    """A real-time endpoint's deployments (traffic split, mirror, promotion) and monitoring
    (metrics, scored-data logging, drift)."""
    name = _path_param("name")
    pct = {"type": "integer", "minimum": 0, "maximum": 100}
    dep = _answer({"name": text, "version": {"type": "integer"}, "percent": pct,
                   "mirror": {"type": "boolean"}, "mirror_percent": pct, "description": text})
    mirror = {"type": "object", "nullable": True,
              "properties": {"deployment": name_text, "percent": {**pct, "minimum": 1}}}
    monitoring = _body({"log_scored": {"type": "boolean"},
                        "sample_rate": {"type": "number", "exclusiveMinimum": True, "minimum": 0,
                                        "maximum": 1},
                        "max_mb": {"type": "number", "exclusiveMinimum": True, "minimum": 0}},
                       closed=True)
    listing = _answer({"endpoint": text, "version": {"type": "integer"},
                       "deployments": {"type": "array", "items": dep}, "mirror": mirror,
                       "monitoring": obj})
    prom = {"description": "Prometheus text format (request counts, errors, latencies per "
                           "endpoint and deployment)", "content": {"text/plain": {"schema": text}}}
    tag = "deployments and monitoring"
    return {
        "/endpoints/{name}/deployments": {
            "get": _op("The endpoint's deployments, traffic split, mirror and monitoring settings",
                       tag=tag, params=[name], extra={"200": _json(listing, "OK")}),
            "post": _op("Add a deployment at an existing version or a new one (from a run or "
                        "pipeline); it takes no traffic until a split or promotion", tag=tag,
                        params=[name], body=_body(
                            {"deployment": name_text, "version": {"type": "integer"},
                             "run_id": text, "pipeline": obj, "description": text},
                            required=["deployment"], closed=True),
                        ok="201", extra={"201": _json(listing, "Added", location=True)}),
            "patch": _op("Change the traffic split (percents adding up to 100), promote a "
                         "deployment, set or clear the mirror, change the scored-data log",
                         tag=tag, params=[name], body=_body(
                             {"traffic": {"type": "object", "additionalProperties": pct},
                              "promote": name_text, "mirror": mirror, "monitoring": monitoring},
                             closed=True), extra={"200": _json(listing, "OK")})},
        "/endpoints/{name}/deployments/{deployment}": {
            "delete": _op("Remove a deployment that takes no traffic", tag=tag,
                          params=[name, _path_param("deployment")], ok="204",
                          ok_text="Removed")},
        "/endpoints/{name}/drift": {"get": _op(
            "Recent scored inputs against the training data, column by column (population "
            "stability index, with a threshold)", tag=tag, params=[
                name, _query("deployment", "string", "whose training data (default: the live "
                                                     "deployment)"),
                _query("rows", "integer", "how many recent rows (default 1000)"),
                _query("threshold", "number", "the PSI at which a column drifts (default 0.2)")])},
        "/endpoints/{name}/metrics": {"get": _op("The endpoint's metrics", tag=tag,
                                                 params=[name], extra={"200": prom})},
        "/metrics": {"get": _op("Every endpoint's metrics", tag=tag, extra={"200": prom})},
    }


def _model_export_paths(run: dict, text: dict, name_text: dict) -> dict:
    """The model exports and MLflow (server/model_export_handlers.py)."""
    exported = _answer({"format": text, "path": text, "run_id": text})
    tracking = _answer({"tracking_uri": {"type": "string", "nullable": True},
                        "workspace_setting": {"type": "string", "nullable": True},
                        "environment": {"type": "string", "nullable": True}})
    pushed = _answer({"name": text, "version": {"type": "integer"}, "run_id": text,
                      "model_uri": text, "tracking_uri": text})
    exists = {"409": {"description": "The file exists already", "content": _ERROR}}
    return {
        "/runs/{run_id}/export-model": {"post": _op(
            "Write a run's trained model (with the steps scoring does around it) below the "
            "Jupyter server's root folder: a skops file of one scikit-learn Pipeline, an ONNX "
            "file, or an MLflow model directory", tag="runs", params=[run],
            body=_body({"format": {"type": "string", "enum": ["skops", "onnx", "mlflow"]},
                        "path": {**name_text, "description": "as the file browser shows it, in "
                                                             "a folder that exists"}},
                       required=["format", "path"], closed=True),
            ok="201", extra={**exists, "201": _json(exported, "Written")})},
        "/mlflow/tracking": {"get": _op(
            "The MLflow tracking server runs are logged to (null: tracking is off)",
            tag="models", extra={"200": _json(tracking, "Where runs are logged")})},
        "/mlflow/models": {"post": _op(
            "Push a registered model to the MLflow model registry of the tracking server",
            tag="models",
            body=_body({"name": name_text, "version": {"type": "integer"},
                        "registered_name": name_text}, required=["name"], closed=True),
            ok="201", extra={"201": _json(pushed, "The MLflow registry's new model version")})},
    }


def rest_openapi(server_path: str = "/designer/api") -> dict:
    obj = {"type": "object"}
    text = {"type": "string"}
    name_text = {"type": "string", "minLength": 1}
    version = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    name = _path_param("name")
    run = _path_param("run_id")
    node = _path_param("node_id")
    exists = {"409": {"description": "Exists already, or its state forbids the change",
                      "content": _ERROR}}
    deploy_fields = {"run_id": text, "pipeline": obj, "description": text,
                     "removed_rows": {"type": "string", "enum": ["error", "report"]}}
    paths = {
        "/": {"get": _op("The API's links and version", tag="meta")},
        "/openapi.json": {"get": _op("This document", tag="meta")},
        "/components": {"get": _op("Every component (ports, parameters)", tag="components")},
        "/datasets": {
            "get": _op("Registered and sample datasets", tag="datasets",
                       params=[_query("samples", "boolean", "include the built-in samples")]),
            "post": _op("Register a dataset (a new version if the name exists)", tag="datasets",
                        body=_body({
                            "name": name_text, "description": text, "path": text, "csv": text,
                            "records": {"type": "array", "items": obj}, "columns": obj,
                            "na_values": {"type": "array", "items": text},
                            "parse_dates": {"type": "boolean"}},
                            required=["name"], one_of=("path", "csv", "records", "columns")),
                        ok="201", ok_text="Registered; Location names it")},
        "/datasets/{name}": {
            "get": _op("A dataset version's metadata", tag="datasets",
                       params=[name, _query("version", "integer")]),
            "delete": _op("Delete a dataset (or one version)", tag="datasets",
                          params=[name, _query("version", "integer")], ok="204", ok_text="Deleted")},
        "/datasets/{name}/preview": {"get": _op("The first rows", tag="datasets", params=[
            name, _query("n", "integer"), _query("version", "integer")])},
        "/pipelines": {"get": _op("Saved pipeline drafts", tag="pipelines")},
        "/pipelines/{name}": {
            "get": _op("A draft's pipeline document", tag="pipelines", params=[name, _query("version", "integer")]),
            "put": _op("Save a draft (a new version)", tag="pipelines", params=[name], body=obj,
                       extra={"201": {"description": "Created"}}),
            "delete": _op("Delete a draft", tag="pipelines", params=[name], ok="204", ok_text="Deleted")},
        "/runs": {
            "get": _op("Runs, newest first", tag="runs", params=[
                _query("experiment"), _query("status"), _query("pipeline"), _query("limit", "integer")]),
            "post": _op("Submit a run; it executes in the background", tag="runs", body=_body({
                "pipeline": obj, "draft": text, "sample": text, "experiment": text,
                "ExperimentName": text, "parameters": obj, "regenerate": {"type": "boolean"}},
                one_of=("pipeline", "draft", "sample")),
                ok="202", ok_text="Accepted: {\"run_id\"}; poll GET /runs/{run_id}")},
        "/runs/{run_id}": {
            "get": _op("A run: status, per-node status, metrics", tag="runs",
                       params=[run, _query("snapshot", "boolean")]),
            "delete": _op("Delete a finished run", tag="runs", params=[run], ok="204", ok_text="Deleted",
                          extra={"400": {"$ref": "#/components/responses/BadRequest"}})},
        "/runs/{run_id}/cancel": {"post": _op("Cancel a run started by this server", tag="runs",
                                              params=[run], ok="202", ok_text="Canceling",
                                              extra={"400": {"$ref": "#/components/responses/BadRequest"}})},
        "/runs/{run_id}/nodes": {"get": _op("Per-node status, timings and outputs", tag="runs", params=[run])},
        "/runs/{run_id}/nodes/{node_id}/log": {"get": _op("A node's log", tag="runs", params=[run, node])},
        "/runs/{run_id}/nodes/{node_id}/outputs": {"get": _op("A node's outputs", tag="runs", params=[run, node])},
        "/runs/{run_id}/nodes/{node_id}/outputs/{port}": {"get": _op(
            "One output: a table preview or a model description", tag="runs",
            params=[run, node, _path_param("port"), _query("n", "integer")])},
        "/runs/{run_id}/inference": {"post": _op(
            "Create a real-time or batch inference pipeline from a completed run", tag="runs",
            params=[run], body_required=False, body=_body({
                "kind": {"type": "string", "enum": ["realtime", "batch"]},
                "name": name_text, "save_as": name_text}),
            ok="201", ok_text="The inference pipeline document")},
        "/pipeline-endpoints": {
            "get": _op("Pipeline endpoints", tag="pipeline endpoints"),
            "post": _op("Create a pipeline endpoint", tag="pipeline endpoints", body=_body({
                "name": name_text, "description": text}, required=["name"]),
                ok="201", ok_text="Created", extra=exists)},
        "/pipeline-endpoints/{name}": {
            "get": _op("A pipeline endpoint and its versions", tag="pipeline endpoints", params=[name]),
            "patch": _op("Change description, default version, enabled", tag="pipeline endpoints",
                         params=[name], body=_body({
                             "description": text, "default_version": version,
                             "enabled": {"type": "boolean"}}, closed=True)),
            "delete": _op("Delete a pipeline endpoint", tag="pipeline endpoints", params=[name],
                          ok="204", ok_text="Deleted")},
        "/pipeline-endpoints/{name}/versions": {
            "get": _op("Published versions", tag="pipeline endpoints", params=[name]),
            "post": _op("Publish a pipeline as a new version", tag="pipeline endpoints", params=[name],
                        body=_body({"pipeline": obj, "run_id": text, "draft": text,
                                    "description": text, "set_default": {"type": "boolean"}},
                                   one_of=("pipeline", "run_id", "draft")),
                        ok="201", ok_text="Published", extra=exists)},
        "/pipeline-endpoints/{name}/versions/{version}": {"get": _op(
            "A version and its pipeline", tag="pipeline endpoints",
            params=[name, _path_param("version")])},
        "/pipeline-endpoints/{name}/runs": {"post": _op(
            "Submit a run of the default (or given) version", tag="pipeline endpoints",
            params=[name], body_required=False, body=_body({
                "ExperimentName": name_text, "ParameterAssignments": obj, "Version": version,
                "experiment": name_text, "parameters": obj, "version": version}, closed=True),
            ok="202", ok_text="Accepted: {\"run_id\"}; poll GET /runs/{run_id}",
            extra={"409": {"description": "The endpoint is disabled", "content": _ERROR},
                   "403": {"description": "Not authenticated with Jupyter, or an Import Data "
                                          "path outside the allowed folders",
                           "content": _ERROR}})},
        "/endpoints": {
            "get": _op("Real-time endpoints", tag="real-time endpoints"),
            "post": _op("Deploy a real-time endpoint", tag="real-time endpoints", body=_body({
                "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,30}[a-z0-9]$"},
                **deploy_fields}, required=["name"], one_of=("run_id", "pipeline")),
                ok="201", ok_text="Deployed", extra=exists)},
        "/endpoints/{name}": {
            "get": _op("An endpoint: versions, inputs, scoring URIs", tag="real-time endpoints", params=[name]),
            "put": _op("Deploy a new version (or the first one)", tag="real-time endpoints",
                       params=[name], body=_body({"name": text, **deploy_fields},
                                                 one_of=("run_id", "pipeline")),
                       extra={"201": {"description": "Deployed as a new endpoint"}}),
            "patch": _op("Change the description", tag="real-time endpoints", params=[name],
                         body=_body({"description": text}, not_null=["description"],
                                    closed=True)),
            "delete": _op("Delete the endpoint", tag="real-time endpoints", params=[name],
                          ok="204", ok_text="Deleted")},
        "/endpoints/{name}/keys": {
            "get": _op("The primary and secondary keys", tag="real-time endpoints", params=[name]),
            "post": _op("Regenerate a key (the old one is refused from then on)",
                        tag="real-time endpoints", params=[name], body_required=False, body=_body({
                            "key": {"type": "string", "enum": ["primary", "secondary"]},
                            "keyType": {"type": "string", "enum": ["primary", "secondary"]}},
                            not_null=["key", "keyType"]))},
        "/endpoints/{name}/openapi.json": {"get": _op("The endpoint's scoring OpenAPI document",
                                                      tag="real-time endpoints", params=[name])},
        "/endpoints/{name}/snippets": {"get": _op("curl and Python code calling the endpoint",
                                                  tag="real-time endpoints", params=[name])},
        **_sidebar_paths(run, text, name_text, obj),
        **_rollout_paths(text, name_text, obj),
        **_ops_paths(text, name_text, obj),
        **_model_export_paths(run, text, name_text),
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "jupyter-designer REST API", "version": __version__,
                 "description": "Datasets, pipelines, runs, pipeline endpoints and real-time "
                                "endpoints of the designer's workspace. Authenticated like every "
                                "Jupyter REST API (token or cookie). Scoring routes of real-time "
                                "endpoints (<base_url>/designer/endpoints/<name>/score, "
                                "/invocations, /v2/...) use the endpoint's API keys instead; each "
                                "endpoint describes them in its own OpenAPI document."},
        "servers": [{"url": server_path}],
        "security": [{"jupyterToken": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"jupyterToken": {"type": "apiKey", "in": "header",
                                                 "name": "Authorization",
                                                 "description": "token <jupyter server token>"}},
            "responses": {
                "BadRequest": {"description": "Bad input; the JSON body's 'message' says what to fix",
                               "content": _ERROR},
                "Forbidden": {"description": "Not authenticated with Jupyter (token or cookie)",
                              "content": _ERROR},
                "NotFound": {"description": "No such dataset, run, pipeline or endpoint",
                             "content": _ERROR}},
            "schemas": {"Error": {"type": "object", "required": ["message"], "properties": {
                "message": {"type": "string"}, "error": {"type": "string"},
                "reason": {"type": "string", "nullable": True},
                "details": {"type": "object"}, "issues": {"type": "array"}}}},
        },
    }
