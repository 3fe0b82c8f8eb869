"""Lineage, the model registry and schedules over REST, through a real Jupyter server with the
designer extension (which runs the workspace's schedules in its own process)."""

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_handlers import call  # noqa: E402

API = ("designer", "api")


async def test_lineage_and_model_registry_over_rest(jp_fetch, state, run_id):
    ws = state.ws
    ws.register_output_as_model(run_id, "train_model", "trained_model", "price")
    info, compiled = state.realtime.deploy("autos", run_id=run_id)
    state.host.install("autos", info["version"], compiled)

    code, doc, _ = await call(jp_fetch, *API, "lineage", "autos")
    assert code == 200, doc
    assert doc["subject"]["kind"] == "endpoint"
    assert [r["run_id"] for r in doc["answer"]["runs"]] == [run_id]
    assert [(m["name"], m["version"]) for m in doc["answer"]["models"]] == [("price", 1)]
    assert doc["answer"]["datasets"][0]["name"] == "Automobile price data (Raw)"

    code, doc, _ = await call(jp_fetch, *API, "models", "price", "aliases", "champion",
                              method="PUT", body={"version": 1})
    assert code == 200 and doc["aliases"] == ["champion"], doc
    code, doc, _ = await call(jp_fetch, *API, "models", "price", "versions", "champion",
                              method="PATCH", body={"tags": {"stage": "prod"}})
    assert code == 200 and doc["tags"] == {"stage": "prod"}
    code, doc, _ = await call(jp_fetch, *API, "models", "price", "versions")
    assert code == 200 and doc["aliases"] == {"champion": 1}
    code, doc, _ = await call(jp_fetch, *API, "lineage", "price", params={"version": "champion"})
    assert code == 200 and doc["answer"]["runs"][0]["run_id"] == run_id
    code, doc, _ = await call(jp_fetch, *API, "lineage", "nothing")
    assert code == 404 and "no model, real-time endpoint" in doc["message"]
    code, doc, _ = await call(jp_fetch, *API, "lineage", "autos", params={"kind": "table"})
    assert code == 400 and "kind must be one of" in doc["message"]
    code, _, _ = await call(jp_fetch, *API, "models", "price", "aliases", "champion",
                            method="DELETE")
    assert code == 204 and ws.model_aliases("price") == {}


async def test_schedules_over_rest_run_in_the_server(jp_fetch, state):
    from jupyter_designer.serving import PipelineEndpoints

    assert state.schedules is not None and state.schedules.running
    PipelineEndpoints(state.ws).publish("retrain", "Automobile price prediction (basic)")
    code, doc, r = await call(jp_fetch, *API, "schedules", method="POST", body={
        "name": "every second", "pipeline_endpoint": "retrain", "cron": "* * * * * *"})
    assert code == 201, doc
    assert r.headers["Location"].endswith("/designer/api/schedules/every%20second")
    for _ in range(600):
        code, doc, _ = await call(jp_fetch, *API, "schedules", "every second")
        if doc["ticks"] and doc["ticks"][-1]["run_id"]:
            break
        await asyncio.sleep(0.1)
    assert doc["ticks"][-1]["run_id"], doc
    run = state.ws.get_run(doc["ticks"][-1]["run_id"])
    assert run.lineage["trigger"]["schedule"] == "every second"

    code, doc, _ = await call(jp_fetch, *API, "schedules", "every second", method="PATCH",
                              body={"state": "paused"})
    assert code == 200 and doc["state"] == "paused"
    code, doc, _ = await call(jp_fetch, *API, "schedules")
    assert code == 200 and doc["running_here"] is True
    assert [(s["name"], s["state"]) for s in doc["schedules"]] == [("every second", "paused")]
    code, doc, _ = await call(jp_fetch, *API, "schedules", "every second", method="PATCH",
                              body={"state": "sleeping"})
    assert code == 400 and '"paused" or "active"' in doc["message"]
    code, doc, _ = await call(jp_fetch, *API, "schedules", method="POST", body={
        "name": "bad", "pipeline_endpoint": "retrain", "cron": "every day"})
    assert code == 400 and "fields" in doc["message"]
    code, _, _ = await call(jp_fetch, *API, "schedules", "every second", method="DELETE")
    assert code == 204
    code, doc, _ = await call(jp_fetch, *API, "schedules", "every second")
    assert code == 404
