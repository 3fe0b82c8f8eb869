"""The REST API and the scoring routes, through a Jupyter server with the extension."""

import asyncio
import json

import pytest
from tornado.httpclient import HTTPClientError

DATASET = "Automobile price data (Raw)"
IN = "WebServiceInput0"


def body_of(r):
    return json.loads(r.body) if r.body else None


async def call(jp_fetch, *parts, method="GET", body=None, headers=None, params=None, raw=None):
    kw = {"method": method, "raise_error": False, "headers": headers or {}, "params": params}
    if body is not None:
        kw["body"] = json.dumps(body)
    elif raw is not None:
        kw["body"] = raw
    elif method in ("POST", "PUT", "PATCH"):
        kw["body"] = ""
    r = await jp_fetch(*parts, **kw)
    return r.code, body_of(r) if r.body else None, r


async def wait_run(jp_fetch, run_id, timeout=300):
    for _ in range(int(timeout / 0.2)):
        code, rec, _ = await call(jp_fetch, "designer", "api", "runs", run_id)
        assert code == 200
        if rec["status"] in ("completed", "failed", "canceled", "interrupted"):
            return rec
        await asyncio.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish")


async def test_index_and_openapi(jp_fetch):
    from openapi_spec_validator import validate

    code, doc, _ = await call(jp_fetch, "designer", "api")
    assert code == 200 and doc["name"] == "jupyter-designer"
    code, spec, _ = await call(jp_fetch, "designer", "api", "openapi.json")
    assert code == 200
    validate(spec)
    assert "/pipeline-endpoints/{name}/runs" in spec["paths"]
    code, comps, _ = await call(jp_fetch, "designer", "api", "components")
    assert any(c["name"] == "Score Model" for c in comps)


async def test_datasets(jp_fetch):
    code, items, _ = await call(jp_fetch, "designer", "api", "datasets")
    assert code == 200 and any(d["name"] == DATASET for d in items)
    code, info, _ = await call(jp_fetch, "designer", "api", "datasets", DATASET)
    assert code == 200 and info["rows"] == 205 and info["versions"] == [1]
    code, prev, _ = await call(jp_fetch, "designer", "api", "datasets", DATASET, "preview",
                               params={"n": 3})
    assert code == 200 and len(prev["rows"]) == 3 and "price" in prev["columns"]
    code, info, r = await call(jp_fetch, "designer", "api", "datasets", method="POST",
                               body={"name": "tiny", "records": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]})
    assert code == 201 and info["rows"] == 2
    assert r.headers["Location"].endswith("/designer/api/datasets/tiny")
    code, info, _ = await call(jp_fetch, "designer", "api", "datasets", method="POST",
                               body={"name": "tiny", "csv": "a,b\n1,x\n3,z\n"})
    assert code == 201 and info["version"] == 2
    # CSV text is read as a registered file is: the word None stays data unless na_values says so
    cars = "make,airbags\nacura,None\naudi,Driver only\nbmw,\n"
    code, info, _ = await call(jp_fetch, "designer", "api", "datasets", method="POST",
                               body={"name": "airbags", "csv": cars})
    assert code == 201 and info["missing_values"] == {"airbags": 1}
    code, prev, _ = await call(jp_fetch, "designer", "api", "datasets", "airbags", "preview")
    assert [r[prev["columns"].index("airbags")] if isinstance(r, list) else r["airbags"]
            for r in prev["rows"]][:2] == ["None", "Driver only"]
    code, info, _ = await call(jp_fetch, "designer", "api", "datasets", method="POST",
                               body={"name": "airbags", "csv": cars, "na_values": ["None"]})
    assert code == 201 and info["missing_values"] == {"airbags": 2}
    code, err, _ = await call(jp_fetch, "designer", "api", "datasets", method="POST",
                              body={"name": "bad", "csv": cars, "na_values": "None"})
    assert code == 400 and "na_values" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "datasets", method="POST", body={"name": "x"})
    assert code == 400 and "exactly one of" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "datasets", "nope")
    assert code == 404 and "nope" in err["message"]
    code, _, _ = await call(jp_fetch, "designer", "api", "datasets", "tiny", method="DELETE")
    assert code == 204


async def test_pipelines_runs_and_inference(jp_fetch, run_id):
    code, run, _ = await call(jp_fetch, "designer", "api", "runs", run_id)
    assert code == 200 and run["status"] == "completed" and "snapshot" not in run
    doc = (await call(jp_fetch, "designer", "api", "runs", run_id, params={"snapshot": "1"}))[1]["snapshot"]
    code, saved, r = await call(jp_fetch, "designer", "api", "pipelines", "autos", method="PUT", body=doc)
    assert code == 201 and saved["version"] == 1 and saved["issues"] == []
    code, saved, _ = await call(jp_fetch, "designer", "api", "pipelines", "autos", method="PUT", body=doc)
    assert code == 200 and saved["version"] in (1, 2)
    code, got, _ = await call(jp_fetch, "designer", "api", "pipelines", "autos")
    assert code == 200 and got["name"] == doc["name"]
    code, err, _ = await call(jp_fetch, "designer", "api", "pipelines", "bad", method="PUT",
                              body={"nodes": [{"id": "x", "component": "No Such Thing"}]})
    assert code == 400 and "$.nodes[0].component" in err["message"]
    # submit a run of the draft: 202, executes in the background, pollable
    code, sub, r = await call(jp_fetch, "designer", "api", "runs", method="POST",
                              body={"draft": "autos", "experiment": "rest"})
    assert code == 202 and r.headers["Location"].endswith(f"/designer/api/runs/{sub['run_id']}")
    rec = await wait_run(jp_fetch, sub["run_id"])
    assert rec["status"] == "completed" and rec["experiment"] == "rest"
    code, nodes, _ = await call(jp_fetch, "designer", "api", "runs", sub["run_id"], "nodes")
    assert code == 200 and {n["status"] for n in nodes} <= {"completed", "reused"}
    score = next(n["node_id"] for n in nodes if n["title"] == "Score Model")
    code, outs, _ = await call(jp_fetch, "designer", "api", "runs", sub["run_id"], "nodes", score, "outputs")
    assert code == 200 and "scored_dataset" in outs
    code, prev, _ = await call(jp_fetch, "designer", "api", "runs", sub["run_id"], "nodes", score,
                               "outputs", "scored_dataset", params={"n": 2})
    assert code == 200 and prev["type"] == "dataset" and len(prev["data"]) == 2
    assert "Scored Labels" in prev["data"][0]
    code, log, _ = await call(jp_fetch, "designer", "api", "runs", sub["run_id"], "nodes", score, "log")
    assert code == 200 and "log" in log
    code, runs, _ = await call(jp_fetch, "designer", "api", "runs", params={"experiment": "rest"})
    assert code == 200 and [x["id"] for x in runs] == [sub["run_id"]]
    # inference pipeline of the run, saved as a draft
    code, inf, r = await call(jp_fetch, "designer", "api", "runs", run_id, "inference", method="POST",
                              body={"kind": "realtime", "save_as": "autos-inference"})
    assert code == 201 and inf["issues"] == [] and inf["draft"] == "autos-inference"
    assert any(n.get("component") == "web_service_input" for n in inf["pipeline"]["nodes"])
    code, inf, _ = await call(jp_fetch, "designer", "api", "runs", run_id, "inference", method="POST",
                              body={"kind": "batch"})
    assert code == 201 and inf["pipeline"]["parameters"][0]["name"] == "input_data"
    code, err, _ = await call(jp_fetch, "designer", "api", "runs", method="POST", body={"draft": "nope"})
    assert code == 404
    code, err, _ = await call(jp_fetch, "designer", "api", "runs", method="POST", body={})
    assert code == 400 and "exactly one of" in err["message"]
    code, _, _ = await call(jp_fetch, "designer", "api", "pipelines", "autos", method="DELETE")
    assert code == 204


async def test_pipeline_endpoints(jp_fetch, run_id):
    code, ep, r = await call(jp_fetch, "designer", "api", "pipeline-endpoints", method="POST",
                             body={"name": "retrain", "description": "d"})
    assert code == 201 and r.headers["Location"].endswith("/designer/api/pipeline-endpoints/retrain")
    code, err, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", method="POST",
                              body={"name": "retrain"})
    assert code == 409
    code, v, r = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "versions",
                            method="POST", body={"run_id": run_id, "description": "first"})
    assert code == 201 and v["version"] == "1"
    code, v2, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "versions",
                             method="POST", body={"run_id": run_id})
    assert code == 201 and v2["version"] == "2"
    code, versions, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "versions")
    assert [x["version"] for x in versions] == ["1", "2"]
    code, one, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "versions", "2")
    assert code == 200 and one["pipeline"]["nodes"]
    code, ep, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", method="PATCH",
                             body={"default_version": "2", "description": "new"})
    assert code == 200 and ep["default_version"] == "2" and ep["description"] == "new"
    # the reference body
    code, sub, r = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "runs",
                              method="POST", body={"ExperimentName": "weekly",
                                                   "ParameterAssignments": {}, "Version": "1"})
    assert code == 202 and sub["version"] == "1" and r.headers["Location"].endswith(sub["run_id"])
    rec = await wait_run(jp_fetch, sub["run_id"])
    assert rec["status"] == "completed" and rec["experiment"] == "weekly"
    code, sub, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "runs",
                              method="POST", body={"ExperimentName": "weekly"})
    assert code == 202 and sub["version"] == "2"
    await wait_run(jp_fetch, sub["run_id"])
    code, err, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "runs",
                              method="POST", body={"ParameterAssignments": {"nope": 1}})
    assert code == 400 and "Unknown pipeline parameter 'nope'" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "runs",
                              method="POST", body={"Version": "7"})
    assert code == 404 and "no version '7'" in err["message"]
    code, ep, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", method="PATCH",
                             body={"enabled": False})
    assert code == 200 and ep["enabled"] is False
    code, err, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", "runs",
                              method="POST", body={})
    assert code == 409 and "disabled" in err["message"]
    code, _, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain", method="DELETE")
    assert code == 204
    code, err, _ = await call(jp_fetch, "designer", "api", "pipeline-endpoints", "retrain")
    assert code == 404


async def test_realtime_endpoints_and_scoring(jp_fetch, run_id, state):
    code, ep, r = await call(jp_fetch, "designer", "api", "endpoints", method="POST",
                             body={"name": "autos", "run_id": run_id, "description": "prices"})
    assert code == 201, ep
    assert r.headers["Location"].endswith("/designer/api/endpoints/autos")
    assert ep["scoring_uri"].endswith("/designer/endpoints/autos/score") and "keys" not in ep
    code, err, _ = await call(jp_fetch, "designer", "api", "endpoints", method="POST",
                              body={"name": "autos", "run_id": run_id})
    assert code == 409
    code, err, _ = await call(jp_fetch, "designer", "api", "endpoints", method="POST",
                              body={"name": "Bad Name", "run_id": run_id})
    assert code == 400 and "3 to 32 characters" in err["message"]
    code, items, _ = await call(jp_fetch, "designer", "api", "endpoints")
    assert [e["name"] for e in items] == ["autos"]
    code, info, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos")
    assert code == 200 and info["inputs"][0]["name"] == IN and info["loaded_version"] == 1
    code, keys, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", "keys")
    assert code == 200 and set(keys) == {"primaryKey", "secondaryKey"}
    example = info["example_request"]
    auth = {"Authorization": f"Bearer {keys['primaryKey']}", "Content-Type": "application/json"}
    # scoring with the key (no Jupyter token needed, a wrong one is ignored)
    code, out, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                              body=example, headers={**auth})
    assert code == 200 and out["Results"]["WebServiceOutput0"][0]["Scored Labels"] > 0
    no_token = {"Authorization": f"Bearer {keys['secondaryKey']}"}
    code, out2, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                               body=example, headers=no_token)
    assert code == 200 and out2 == out
    code, err, r = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                              body=example, headers={"Authorization": "Bearer wrong"})
    assert code == 401 and "not valid" in err["error"] and r.headers["WWW-Authenticate"].startswith("Bearer")
    code, err, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                              body=example, headers={"Authorization": ""})
    assert code == 401
    code, err, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                              raw="{not json", headers=auth)
    assert code == 400 and "not valid JSON" in err["error"]
    row = dict(example["Inputs"][IN][0], horsepower="many")
    code, err, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                              body={"Inputs": {IN: [row]}}, headers=auth)
    assert code == 400 and err["details"]["column"] == "horsepower"
    code, err, _ = await call(jp_fetch, "designer", "endpoints", "nope", "score", method="POST",
                              body=example, headers=auth)
    assert code == 404
    # MLflow and Open Inference protocols on the same model
    code, pred, _ = await call(jp_fetch, "designer", "endpoints", "autos", "invocations", method="POST",
                               body={"dataframe_records": example["Inputs"][IN]}, headers=auth)
    assert code == 200 and pred["predictions"][0]["Scored Labels"] == pytest.approx(
        out["Results"]["WebServiceOutput0"][0]["Scored Labels"])
    code, live, _ = await call(jp_fetch, "designer", "endpoints", "autos", "v2", "health", "live", headers=auth)
    assert code == 200 and live == {"live": True}
    code, ready, _ = await call(jp_fetch, "designer", "endpoints", "autos", "v2", "health", "ready", headers=auth)
    assert code == 200 and ready == {"ready": True}
    code, meta, _ = await call(jp_fetch, "designer", "endpoints", "autos", "v2", headers=auth)
    assert code == 200 and meta["name"] == "jupyter-designer"
    code, model, _ = await call(jp_fetch, "designer", "endpoints", "autos", "v2", "models", "autos", headers=auth)
    assert code == 200 and model["versions"] == ["1"]
    code, ready, _ = await call(jp_fetch, "designer", "endpoints", "autos", "v2", "models", "autos",
                                "versions", "1", "ready", headers=auth)
    assert code == 200 and ready["ready"]
    from jupyter_designer.serving.protocols import V2_TYPES

    row = example["Inputs"][IN][0]
    tensors = [{"name": c["name"], "shape": [1], "datatype": V2_TYPES[c["kind"]], "data": [row[c["name"]]]}
               for c in info["inputs"][0]["columns"] if c["required"]]
    code, inf, _ = await call(jp_fetch, "designer", "endpoints", "autos", "v2", "models", "autos", "infer",
                              method="POST", body={"inputs": tensors, "outputs": [{"name": "Scored Labels"}]},
                              headers=auth)
    assert code == 200 and inf["outputs"][0]["data"][0] == pytest.approx(
        out["Results"]["WebServiceOutput0"][0]["Scored Labels"])
    code, err, _ = await call(jp_fetch, "designer", "endpoints", "autos", "v2", "models", "other", "infer",
                              method="POST", body={"inputs": tensors}, headers=auth)
    assert code == 404
    code, swagger, _ = await call(jp_fetch, "designer", "endpoints", "autos", "swagger.json", headers=auth)
    assert code == 200 and swagger["openapi"].startswith("3.") and "/score" in swagger["paths"]
    code, doc, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", "openapi.json")
    assert code == 200 and doc["paths"]["/score"]
    code, snip, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", "snippets")
    assert code == 200 and "/designer/endpoints/autos/score" in snip["curl"]
    # a key other than primary/secondary, or two fields naming different keys: 400, keys unchanged
    for bad in ({"key": "primary", "keyType": "tertiary"}, {"keyType": "Primary"},
                {"key": "primary", "keyType": "secondary"}):
        code, err, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", "keys",
                                  method="POST", body=bad)
        assert code == 400 and "primary" in err["message"], (bad, err)
    code, same, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", "keys")
    assert same == keys
    # regenerate: the old key is refused at once
    code, new, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", "keys", method="POST",
                              body={"key": "primary"})
    assert code == 200 and new["primaryKey"] != keys["primaryKey"]
    code, _, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                            body=example, headers=auth)
    assert code == 401
    auth = {"Authorization": f"Bearer {new['primaryKey']}"}
    code, _, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                            body=example, headers=auth)
    assert code == 200
    # a new version
    code, ep, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", method="PUT",
                             body={"run_id": run_id})
    assert code == 200 and ep["version"] == 2
    code, model, _ = await call(jp_fetch, "designer", "endpoints", "autos", "v2", "models", "autos", headers=auth)
    assert model["versions"] == ["2"]
    code, ep, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", method="PATCH",
                             body={"description": "v2"})
    assert code == 200 and ep["description"] == "v2"
    code, _, _ = await call(jp_fetch, "designer", "api", "endpoints", "autos", method="DELETE")
    assert code == 204
    code, _, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                            body=example, headers=auth)
    assert code == 404


async def test_model_failure_is_500_without_traceback(jp_fetch, run_id, state, failing_scoring):
    code, ep, _ = await call(jp_fetch, "designer", "api", "endpoints", method="POST",
                             body={"name": "autos", "run_id": run_id})
    assert code == 201
    keys = (await call(jp_fetch, "designer", "api", "endpoints", "autos", "keys"))[1]
    example = (await call(jp_fetch, "designer", "api", "endpoints", "autos"))[1]["example_request"]
    failing_scoring(state, "autos")
    code, err, _ = await call(jp_fetch, "designer", "endpoints", "autos", "score", method="POST",
                              body=example, headers={"Authorization": f"Bearer {keys['primaryKey']}"})
    assert code == 500
    assert "secret" not in json.dumps(err) and "Traceback" not in json.dumps(err)
    assert "server log" in err["error"]


async def test_scoring_does_not_block_the_event_loop(jp_fetch, run_id, state, slow_scoring):
    """While a request is being scored (slowly), the server keeps answering others."""
    import time

    await call(jp_fetch, "designer", "api", "endpoints", method="POST", body={"name": "autos", "run_id": run_id})
    keys = (await call(jp_fetch, "designer", "api", "endpoints", "autos", "keys"))[1]
    example = (await call(jp_fetch, "designer", "api", "endpoints", "autos"))[1]["example_request"]
    slow_scoring(state, "autos", 1.5)
    auth = {"Authorization": f"Bearer {keys['primaryKey']}"}
    slow_req = asyncio.ensure_future(call(jp_fetch, "designer", "endpoints", "autos", "score",
                                          method="POST", body=example, headers=auth))
    await asyncio.sleep(0.2)
    t0 = time.perf_counter()
    code, _, _ = await call(jp_fetch, "designer", "api")
    assert code == 200 and time.perf_counter() - t0 < 1.0
    assert not slow_req.done()
    code, out, _ = await slow_req
    assert code == 200
