"""Real-time endpoints: deploy, keys, versions, hot swap, delete, reload from files."""

import json
import threading
import time

import pytest

from automobile import DATASET
from jupyter_designer import serving
from jupyter_designer.engine.inference import create_realtime_inference
from jupyter_designer.serving import protocols, tables
from jupyter_designer.serving.errors import (AuthenticationError, EndpointConflictError,
                                             EndpointNotFoundError, ServingError)
from jupyter_designer.serving.realtime import EndpointHost, RealtimeEndpoints, authenticate

IN = "WebServiceInput0"


def request_body(ws, n=1):
    rows = tables.frame_records(ws.get_dataset(DATASET).drop(columns=["price"]).head(n))
    return json.dumps({"Inputs": {IN: rows}, "GlobalParameters": {}}).encode()


def test_deploy_keys_and_files(trained):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    info, compiled = reg.deploy("autos", run_id=run_id, description="car prices")
    assert info["name"] == "autos" and info["version"] == 1 and info["state"] == "Healthy"
    assert "keys" not in info and info["description"] == "car prices"
    assert info["versions"][0]["source_run"] == run_id
    assert info["versions"][0]["fast_path"] == "onnx"
    keys = reg.keys("autos")
    assert keys["primaryKey"] != keys["secondaryKey"] and len(keys["primaryKey"]) >= 40
    assert [e["name"] for e in reg.list()] == ["autos"]
    d = ws.path / "endpoints" / "realtime" / "autos"
    assert (d / "endpoint.json").exists() and (d / "v1" / "pipeline.json").exists()
    assert (d / "v1" / "sample-0.parquet").exists()
    meta = reg.meta("autos")
    assert meta["example_request"]["Inputs"][IN][0]["make"]
    # keys are checked in constant time, primary or secondary
    rec = json.loads((d / "endpoint.json").read_text())
    authenticate(rec, f"Bearer {keys['primaryKey']}")
    authenticate(rec, f"bearer {keys['secondaryKey']}")
    for bad in (None, "", "Bearer", f"Basic {keys['primaryKey']}", "Bearer nope"):
        with pytest.raises(AuthenticationError):
            authenticate(rec, bad)


def test_names_and_conflicts(trained):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    for bad in ("A", "ab", "Autos", "1autos", "autos-", "a_b_c", "x" * 33):
        with pytest.raises(ServingError, match="3 to 32 characters"):
            reg.deploy(bad, run_id=run_id)
    reg.deploy("autos", run_id=run_id)
    with pytest.raises(EndpointConflictError, match="exists already"):
        reg.deploy("autos", run_id=run_id)
    with pytest.raises(EndpointNotFoundError):
        reg.keys("nothing")
    with pytest.raises(ServingError, match="one of the two"):
        reg.deploy("other", run_id=run_id, pipeline={})


def test_deploy_from_a_draft_and_from_an_inference_run(trained):
    from jupyter_designer.engine.runner import Runner

    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    draft = create_realtime_inference(ws, run_id)
    info, _ = reg.deploy("from-draft", pipeline=draft.to_dict())
    assert info["versions"][0]["source_run"] is None
    draft.workspace = ws
    inf_run = Runner(ws).submit(draft, "inference").run_id
    info, compiled = reg.deploy("from-inference-run", run_id=inf_run)
    assert info["versions"][0]["source_run"] == inf_run and compiled.fast is not None
    from jupyter_designer.engine.pipeline import Pipeline

    training = Pipeline.from_dict(ws.get_run(run_id).snapshot)
    with pytest.raises(ServingError, match="not a real-time inference pipeline"):
        reg.deploy("bad", pipeline=training)


def test_regenerate_key_refuses_the_old_one_at_once(trained):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id)
    host = EndpointHost(ws)
    old = reg.keys("autos")
    ep = host.lookup("autos")
    authenticate(ep.record, f"Bearer {old['primaryKey']}")
    new = reg.regenerate_key("autos", "primary")
    assert new["primaryKey"] != old["primaryKey"] and new["secondaryKey"] == old["secondaryKey"]
    ep = host.lookup("autos")
    with pytest.raises(AuthenticationError):
        authenticate(ep.record, f"Bearer {old['primaryKey']}")
    authenticate(ep.record, f"Bearer {new['primaryKey']}")
    authenticate(ep.record, f"Bearer {old['secondaryKey']}")
    new2 = reg.regenerate_key("autos", "secondaryKey")
    assert new2["secondaryKey"] != old["secondaryKey"]
    with pytest.raises(ServingError, match="'primary' or 'secondary'"):
        reg.regenerate_key("autos", "tertiary")


def test_redeploy_swaps_without_failing_a_request(trained):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id)
    host = EndpointHost(ws)
    ep = host.lookup("autos")
    host.compiled(ep, timeout=120)
    body = request_body(ws)
    errors, versions, stop = [], set(), threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                e = host.lookup("autos")
                cp = host.compiled(e, timeout=120)
                status, out = protocols.score_reference(cp, body)
                assert status == 200 and out["Results"]["WebServiceOutput0"][0]["Scored Labels"] > 0
                versions.add(e.compiled_version)
            except Exception as exc:  # pragma: no cover - what the test looks for
                errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.2)
        info, _ = reg.deploy("autos", run_id=run_id, replace=True)   # another process's deploy
        assert info["version"] == 2 and len(info["versions"]) == 2
        deadline = time.time() + 120
        while time.time() < deadline and host.lookup("autos").compiled_version != 2:
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors[:3]
    assert versions == {1, 2}
    assert reg.keys("autos") == reg.keys("autos")  # keys kept across versions


def test_restart_loads_from_files_without_the_dataset(trained):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id)
    body = request_body(ws, 3)
    before = protocols.score_reference(EndpointHost(ws).compiled(EndpointHost(ws).lookup("autos")), body)
    from jupyter_designer.store import Workspace

    ws2 = Workspace(ws.path)   # a new process opening the same workspace
    host = EndpointHost(ws2)
    host.preload()
    cp = host.compiled(host.lookup("autos"), timeout=120)
    assert cp.samples[IN].shape[0] > 0 and cp.fast is not None
    assert protocols.score_reference(cp, body) == before


def test_delete(trained):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id)
    host = EndpointHost(ws)
    host.lookup("autos")
    reg.delete("autos")
    with pytest.raises(EndpointNotFoundError):
        host.lookup("autos")
    assert reg.list() == []
    assert not (ws.path / "endpoints" / "realtime" / "autos").exists()
    with pytest.raises(EndpointNotFoundError):
        reg.delete("autos")


def test_python_api(trained):
    ws, run_id = trained
    info = serving.deploy(ws, "autos", run_id=run_id)
    assert serving.list_endpoints(ws)[0]["name"] == "autos"
    assert serving.get_endpoint(ws, "autos")["version"] == info["version"]
    rows = tables.frame_records(ws.get_dataset(DATASET).drop(columns=["price"]).head(2))
    out = serving.score(ws, "autos", {"Inputs": {IN: rows}})
    assert len(out["Results"]["WebServiceOutput0"]) == 2
    keys = serving.endpoint_keys(ws, "autos")
    assert serving.regenerate_key(ws, "autos")["primaryKey"] != keys["primaryKey"]
    snip = serving.endpoint_snippets("autos", "http://localhost:8888/", workspace=ws)
    assert "http://localhost:8888/designer/endpoints/autos/score" in snip["curl"]
    assert "Authorization: Bearer" in snip["curl"] and '"make"' in snip["curl"]
    code = snip["python"].replace("urllib.request.urlopen(request)", "open('/dev/null')")
    compile(code, "<snippet>", "exec")  # valid Python
    serving.delete_endpoint(ws, "autos")
    assert serving.list_endpoints(ws) == []


def test_endpoint_openapi_is_valid(trained):
    from openapi_spec_validator import validate

    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    info, _ = reg.deploy("autos", run_id=run_id)
    doc = serving.endpoint_openapi("autos", reg.meta("autos"), info["version"],
                                   base_url="http://127.0.0.1:5001")
    validate(doc)
    assert doc["servers"][0]["url"] == "http://127.0.0.1:5001/designer/endpoints/autos"
    example = doc["paths"]["/score"]["post"]["requestBody"]["content"]["application/json"]["example"]
    row = example["Inputs"][IN][0]
    assert "price" not in row and "make" in row
    props = doc["components"]["schemas"]["ScoreRequest"]["properties"]["Inputs"]["properties"][IN]
    assert props["items"]["properties"]["horsepower"]["type"] == "number"
    assert "make" in props["items"]["required"]
