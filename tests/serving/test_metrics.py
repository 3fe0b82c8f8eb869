"""/metrics of a real-time endpoint on both servers: behind the endpoint's key, in the
Prometheus text format, counting exactly the requests sent (with `serve --workers 2`, the
requests of both workers)."""

import json
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))

from automobile import DATASET  # noqa: E402
from jupyter_designer.serving import tables  # noqa: E402
from jupyter_designer.serving.realtime import RealtimeEndpoints  # noqa: E402
from live_servers import LiveServer  # noqa: E402

IN = "WebServiceInput0"


def samples(text, name):
    """``{(deployment, code or kind): value}`` of metric ``name`` for endpoint autos."""
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == name and s.labels.get("endpoint") == "autos":
                key = (s.labels.get("deployment"), s.labels.get("code") or s.labels.get("kind")
                       or s.labels.get("le"))
                out[key] = out.get(key, 0) + s.value
    return out


@pytest.mark.parametrize("kind,extra", [("jupyter", []), ("serve", ["--workers", "2"])])
def test_metrics_count_the_requests_sent(trained, tmp_path, kind, extra):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id)
    reg.deploy("other", run_id=run_id)
    key = reg.keys("autos")["primaryKey"]
    rows = tables.frame_records(ws.get_dataset(DATASET).drop(columns=["price"]).head(1))
    good = {"Inputs": {IN: rows}, "GlobalParameters": {}}
    server = LiveServer(kind, ws.path, tmp_path, extra=extra)
    try:
        server.wait_ready(["autos"])
        path = "/designer/endpoints/autos/metrics"
        # behind the endpoint's key, like scoring
        status, body, headers = server.call("GET", path)
        assert status == 401 and "API key" in body["error"]
        status, _, _ = server.call("GET", path, key="wrong")
        assert status == 401
        status, _, _ = server.call("GET", path, key=reg.keys("other")["primaryKey"])
        assert status == 401
        for _ in range(40):
            status, out, _ = server.call("POST", "/designer/endpoints/autos/score", good, key=key)
            assert status == 200
        for _ in range(3):
            status, _, _ = server.call("POST", "/designer/endpoints/autos/score",
                                       {"Inputs": {"Nope": rows}}, key=key)
            assert status == 400
        for _ in range(2):
            status, _, _ = server.call("POST", "/designer/endpoints/autos/score", good, key="bad")
            assert status == 401
        server.call("POST", "/designer/endpoints/other/score", good,
                    key=reg.keys("other")["primaryKey"])
        status, text, headers = server.call("GET", path, key=key)
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        text = text.decode()
        requests = samples(text, "designer_endpoint_requests_total")
        assert requests == {("default", "200"): 40, ("default", "400"): 3, ("-", "401"): 2}
        errors = samples(text, "designer_endpoint_errors_total")
        assert errors == {("default", "client"): 3, ("-", "client"): 2}
        latency = samples(text, "designer_endpoint_request_seconds_count")
        assert latency == {("default", None): 43, ("-", None): 2}
        buckets = samples(text, "designer_endpoint_request_seconds_bucket")
        assert buckets[("default", "+Inf")] == 43
        # the other endpoint's series are not in this endpoint's metrics
        assert 'endpoint="other"' not in text
        # every endpoint's metrics: behind the server's token
        status, _, _ = server.call("GET", "/designer/api/metrics")
        assert status in (401, 403)
        status, text, headers = server.call("GET", "/designer/api/metrics", token=True)
        assert status == 200 and 'endpoint="other"' in text.decode()
        assert headers["Content-Type"].startswith("text/plain; version=")
        assert samples(text.decode(), "designer_endpoint_requests_total") == requests
        if kind == "jupyter":
            rest_deployments(server, key, good)
    finally:
        server.stop()


def rest_deployments(server, key, good):
    """The REST API of deployments: add, split, refuse a bad split, drift, promote, remove."""
    api = "/designer/api/endpoints/autos"
    status, out, _ = server.call("GET", api + "/deployments", token=True)
    assert status == 200 and [d["name"] for d in out["deployments"]] == ["default"]
    status, out, headers = server.call("POST", api + "/deployments",
                                       {"deployment": "green", "version": 1}, token=True)
    assert status == 201 and headers["Location"].endswith("/deployments/green"), out
    status, out, _ = server.call("PATCH", api + "/deployments",
                                 {"traffic": {"default": 50, "green": 40}}, token=True)
    assert status == 400 and "add up to 100" in out["message"]
    status, out, _ = server.call("PATCH", api + "/deployments",
                                 {"traffic": {"default": 50, "green": 50}}, token=True)
    assert status == 200 and {d["name"]: d["percent"] for d in out["deployments"]} == {
        "default": 50, "green": 50}
    seen = []
    for _ in range(10):
        status, _, headers = server.call("POST", "/designer/endpoints/autos/score", good, key=key)
        assert status == 200
        seen.append(headers["X-Designer-Deployment"])
    assert sorted(seen) == ["default"] * 5 + ["green"] * 5
    status, out, _ = server.call("GET", api + "/drift", token=True)
    assert status == 200 and out["drift"] is False and "turn logging on" in out["note"]
    status, out, _ = server.call("GET", api + "/drift?threshold=x", token=True)
    assert status == 400 and "threshold" in out["message"]
    status, out, _ = server.call("DELETE", api + "/deployments/green", token=True)
    assert status == 400 and "move its traffic" in out["message"]
    status, out, _ = server.call("PATCH", api + "/deployments", {"promote": "default"}, token=True)
    assert status == 200 and out["deployments"][0]["percent"] == 100
    status, _, _ = server.call("DELETE", api + "/deployments/green", token=True)
    assert status == 204
    status, out, headers = server.call("GET", api + "/metrics", token=True)
    assert status == 200 and b'deployment="green"' in out
    assert headers["Content-Type"].startswith("text/plain; version=")
