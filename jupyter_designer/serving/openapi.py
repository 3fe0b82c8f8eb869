"""The OpenAPI (swagger) document of a real-time endpoint, with an example request built from
its input schema, and ready-to-paste client snippets."""

from __future__ import annotations

import json

from .protocols import V2_TYPES

_JSON_TYPES = {"integer": {"type": "integer", "format": "int64"},
               "double": {"type": "number", "format": "double"},
               "boolean": {"type": "boolean"},
               "datetime": {"type": "string", "format": "date-time"},
               "timespan": {"type": "string"},
               "string": {"type": "string"}, "categorical": {"type": "string"}}


def _column_schema(col: dict) -> dict:
    return {**_JSON_TYPES.get(col.get("kind"), {}), "nullable": True}


def _row_schema(columns: list | None, required: bool = True) -> dict:
    if not columns:
        return {"type": "object", "additionalProperties": True}
    s = {"type": "object", "properties": {c["name"]: _column_schema(c) for c in columns},
         "additionalProperties": False}
    if required:
        s["required"] = [c["name"] for c in columns if c.get("required", True)]
    return s


def endpoint_openapi(name: str, meta: dict, version, *, base_url: str = "",
                     description: str = "") -> dict:
    """OpenAPI 3 document of endpoint ``name`` (``meta`` as stored at deploy time)."""
    base = f"{base_url.rstrip('/')}/designer/endpoints/{name}"
    inputs = meta.get("inputs", [])
    outputs = meta.get("outputs", [])
    example = meta.get("example_request") or {"Inputs": {}, "GlobalParameters": {}}
    in_rows = {i["name"]: {"type": "array", "items": _row_schema(
        [c for c in i.get("columns", []) if c.get("required", True)] if not i.get("open") else None)}
        for i in inputs}
    out_rows = {o["name"]: {"type": "array", "items": _row_schema(o.get("columns"), required=False)}
                for o in outputs}
    first_rows = next(iter(example["Inputs"].values()), [])
    error = {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    def err(text):
        return {**error, "description": text}

    def errors(*codes, bad="Malformed body, unknown or missing column, wrong type, or a row "
                            "the pipeline cannot answer for (named in the error)"):
        texts = {"400": bad, "401": "Missing or wrong API key",
                 "404": "No such endpoint or model", "415": "Unsupported content type",
                 "500": "The model failed (no traceback)",
                 "503": "The endpoint is loading or cannot be loaded"}
        return {c: err(texts[c]) for c in codes}

    def get(summary, schema, op):
        return {"get": {"summary": summary, "operationId": op, "responses": {
            "200": {"description": summary, "content": {"application/json": {"schema": schema}}},
            **errors("401", "404", "503")}}}

    mlflow_keys = ("dataframe_split", "dataframe_records", "instances", "inputs")

    paths = {
        "/score": {"post": {
            "summary": "Score rows (the reference request/response format)",
            "operationId": "score",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ScoreRequest"}, "example": example}}},
            "responses": {"200": {"description": "The scored rows", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ScoreResponse"}}}},
                **errors("400", "401", "404", "415", "500", "503")}}},
        "/invocations": {"post": {
            "summary": "Score rows (MLflow scoring protocol)",
            "operationId": "invocations",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "dataframe_split": {"type": "object", "required": ["columns", "data"],
                                        "properties": {
                        "columns": {"type": "array", "items": {"type": "string"}},
                        "data": {"type": "array", "items": {"type": "array", "items": {}}}}},
                    "dataframe_records": {"type": "array", "items": {"type": "object"}},
                    "instances": {"oneOf": [{"type": "array"}, {"type": "object"}]},
                    "inputs": {"oneOf": [{"type": "array"}, {"type": "object"}]},
                    "params": {"type": "object", "maxProperties": 0, "nullable": True}},
                    "additionalProperties": False,
                    "oneOf": [{"required": [k]} for k in mlflow_keys]},
                    "example": {"dataframe_records": first_rows}},
                "text/csv": {"schema": {"type": "string"}}}},
            "responses": {"200": {"description": "Predictions", "content": {"application/json": {
                "schema": {"type": "object", "required": ["predictions"], "properties": {
                    "predictions": {"type": "array", "items": {"type": "object"}},
                    "removed_rows": {"type": "array", "items": {
                        "$ref": "#/components/schemas/RemovedRow"}}}}}}},
                **errors("400", "401", "404", "415", "500", "503")}}},
        f"/v2/models/{name}/infer": {"post": {
            "summary": "Infer (Open Inference Protocol / KServe V2)",
            "operationId": "v2Infer",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/InferenceRequest"},
                "example": {"inputs": [
                    {"name": c["name"], "shape": [len(first_rows)],
                     "datatype": V2_TYPES.get(c["kind"], "BYTES"),
                     "data": [r.get(c["name"]) for r in first_rows]}
                    for c in (inputs[0].get("columns", []) if inputs else []) if c.get("required", True)]}}}},
            "responses": {"200": {"description": "Output tensors, one per column (with the "
                                                 "binary tensor data extension when asked)",
                                  "content": {"application/json": {"schema": {
                                      "$ref": "#/components/schemas/InferenceResponse"}}}},
                          **errors("400", "401", "404", "415", "500", "503")}}},
        "/v2": get("Server metadata", {"type": "object", "required": ["name", "version", "extensions"]},
                   "v2ServerMetadata"),
        "/v2/health/live": get("Server live", {"type": "object", "required": ["live"],
                                               "properties": {"live": {"type": "boolean"}}},
                               "v2Live"),
        "/v2/health/ready": get("Server ready", {"type": "object", "required": ["ready"],
                                                 "properties": {"ready": {"type": "boolean"}}},
                                "v2Ready"),
        f"/v2/models/{name}": get("Model metadata", {"type": "object", "required": [
            "name", "versions", "platform", "inputs", "outputs"]}, "v2ModelMetadata"),
        f"/v2/models/{name}/ready": get("Model ready", {"type": "object", "required": [
            "name", "ready"]}, "v2ModelReady"),
        f"/v2/models/{name}/config": get("Model configuration (as Triton's clients read it)", {
            "type": "object", "required": ["name", "input", "output"]}, "v2ModelConfig"),
        "/swagger.json": get("This document", {"type": "object"}, "openapi"),
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Real-time endpoint {name}", "version": str(version),
                 "description": description or
                 "Scores rows with a deployed real-time inference pipeline. Authenticate with "
                 "'Authorization: Bearer <primary or secondary key>'."},
        "servers": [{"url": base}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "The endpoint's primary or secondary key"}},
            "schemas": {
                "ScoreRequest": {"type": "object", "required": ["Inputs"], "properties": {
                    "Inputs": {"type": "object", "properties": in_rows,
                               "required": list(in_rows), "additionalProperties": False},
                    "GlobalParameters": {"type": "object", "maxProperties": 0, "nullable": True}},
                    "additionalProperties": False},
                "ScoreResponse": {"type": "object", "required": ["Results"], "properties": {
                    "Results": {"type": "object", "properties": out_rows,
                                "required": list(out_rows)},
                    "RemovedRows": {"type": "object", "additionalProperties": {
                        "type": "array", "items": {"$ref": "#/components/schemas/RemovedRow"}}}}},
                "RemovedRow": {"type": "object", "required": ["row", "reason", "columns"],
                               "properties": {"row": {"type": "integer"},
                                              "reason": {"type": "string"},
                                              "columns": {"type": "array",
                                                          "items": {"type": "string"}}}},
                "InferenceResponse": {"type": "object", "required": [
                    "model_name", "model_version", "outputs"], "properties": {
                    "model_name": {"type": "string"}, "model_version": {"type": "string"},
                    "id": {"type": "string"}, "parameters": {"type": "object"},
                    "outputs": {"type": "array", "items": {"type": "object", "required": [
                        "name", "shape", "datatype"]}}}},
                "InferenceRequest": {"type": "object", "required": ["inputs"], "properties": {
                    "id": {"type": "string"},
                    "parameters": {"type": "object", "nullable": True},
                    "inputs": {"type": "array", "items": {"type": "object", "required": [
                        "name", "shape", "datatype"], "properties": {
                        "parameters": {"type": "object"},
                        "name": {"type": "string"}, "shape": {"type": "array", "minItems": 1, "items": {
                            "type": "integer", "minimum": 0}},
                        "datatype": {"type": "string"}, "data": {"type": "array", "items": {}}}}},
                    "outputs": {"type": "array", "nullable": True, "items": {
                        "type": "object", "required": ["name"], "properties": {
                            "name": {"type": "string"},
                            "parameters": {"type": "object", "nullable": True}}}}}},
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "details": {"type": "object"}}},
            }},
    }


def endpoint_snippets(name: str, base_url: str, *, example: dict | None = None,
                      key: str = "<primary-or-secondary-key>") -> dict:
    """Client code calling endpoint ``name`` at ``base_url`` (``{"curl", "python"}``)."""
    url = f"{base_url.rstrip('/')}/designer/endpoints/{name}/score"
    body = example or {"Inputs": {"WebServiceInput0": [{}]}, "GlobalParameters": {}}
    import pprint

    text = pprint.pformat(body, indent=1, width=88, sort_dicts=False)
    curl = (f"curl -X POST '{url}' \\\n  -H 'Content-Type: application/json' \\\n"
            f"  -H 'Authorization: Bearer {key}' \\\n  -d '{json.dumps(body)}'")
    python = (
        "import json\nimport urllib.request\n\n"
        f"url = {url!r}\n"
        f"api_key = {key!r}  # the endpoint's primary or secondary key\n"
        f"body = {text}\n\n"
        "request = urllib.request.Request(\n"
        "    url, data=json.dumps(body).encode(), method=\"POST\",\n"
        "    headers={\"Content-Type\": \"application/json\", \"Authorization\": f\"Bearer {api_key}\"})\n"
        "with urllib.request.urlopen(request) as response:\n"
        "    result = json.load(response)\n"
        "print(result[\"Results\"])\n")
    return {"curl": curl, "python": python, "url": url}
