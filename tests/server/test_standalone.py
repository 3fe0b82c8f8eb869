"""`jupyter designer serve` over real HTTP on 127.0.0.1: the HTTP details of its server
(keep-alive, pipelining, chunked bodies, HTTP/1.0, malformed requests, body limits, wrong
methods, unknown routes) and pipeline endpoint submissions with the server's token."""

import http.client
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

pytestmark = pytest.mark.slow

TOKEN = "server-token-for-tests"
IN = "WebServiceInput0"


@pytest.fixture(scope="module")
def served(trained_dir, tmp_path_factory):
    """A serving process (one worker, with a token) over a trained workspace holding a
    real-time endpoint 'autos' and a pipeline endpoint 'retrain': ``(port, key, example)``."""
    from jupyter_designer import serving
    from jupyter_designer.store import Workspace

    src, run_id = trained_dir
    path = tmp_path_factory.mktemp("standalone") / "ws"
    shutil.copytree(src, path)
    ws = Workspace(path)
    serving.deploy(ws, "autos", run_id=run_id)
    key = serving.endpoint_keys(ws, "autos")["primaryKey"]
    example = serving.RealtimeEndpoints(ws).meta("autos")["example_request"]
    serving.PipelineEndpoints(ws).publish("retrain", run_id)
    ws.close()
    proc = subprocess.Popen([sys.executable, "-m", "jupyter_designer.server.standalone",
                             "--workspace", str(path), "--port", "0", "--workers", "1",
                             "--token", TOKEN], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line
        port = int(m.group(1))
        # what it logs is read, so a full pipe never stalls it
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        deadline = time.time() + 120
        while True:
            try:
                code, health, _ = call(port, "GET", "/designer/health")
                assert code == 200 and set(health) == {"status", "pid", "ready", "loading"}
                if health["ready"]:
                    assert health["loading"] == []
                    break
                assert health["loading"] == ["autos"] and time.time() < deadline
                time.sleep(0.2)
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port, key, example
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()


def call(port, method, path, body=None, headers=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    c.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    r = c.getresponse()
    text = r.read()
    if conn is None:
        c.close()
    return r.status, json.loads(text) if text else None, r


def raw_exchange(port, data: bytes, until=lambda b: False, timeout=30) -> bytes:
    """Send raw bytes; read until the server closes, ``until(received)``, or the timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        deadline = time.time() + timeout
        while time.time() < deadline and not until(out):
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


def auth(key):
    return {"Authorization": f"Bearer {key}"}


def test_scoring_keys_and_errors(served):
    port, key, example = served
    code, out, r = call(port, "POST", "/designer/endpoints/autos/score", example, auth(key))
    assert code == 200 and r.getheader("Content-Type") == "application/json"
    assert r.getheader("Cache-Control") == "no-store"
    assert isinstance(out["Results"]["WebServiceOutput0"][0]["Scored Labels"], float)
    code, err, r = call(port, "POST", "/designer/endpoints/autos/score", example)
    assert code == 401 and "API key" in err["error"] and "Bearer" in r.getheader("WWW-Authenticate")
    code, err, _ = call(port, "POST", "/designer/endpoints/autos/score", example, auth("wrong"))
    assert code == 401 and "not valid" in err["error"]
    code, err, _ = call(port, "POST", "/designer/endpoints/autos/score", b"{not json", auth(key))
    assert code == 400 and "JSON" in err["error"]
    row = dict(example["Inputs"][IN][0], horsepower="fast")
    code, err, _ = call(port, "POST", "/designer/endpoints/autos/score", {"Inputs": {IN: [row]}}, auth(key))
    assert code == 400 and "'horsepower'" in err["error"]
    code, err, _ = call(port, "POST", "/designer/endpoints/nobody/score", example, auth(key))
    assert code == 404 and "nobody" in err["error"]
    # a known route with another method, and no route at all
    code, err, r = call(port, "GET", "/designer/endpoints/autos/score", headers=auth(key))
    assert code == 405 and r.getheader("Allow") == "POST" and "POST" in err["error"]
    code, err, _ = call(port, "GET", "/designer/endpoints/autos/nothing", headers=auth(key))
    assert code == 404 and "/score" in err["error"]
    code, err, _ = call(port, "GET", "/elsewhere")
    assert code == 404
    # the OpenAPI document names the address the client used
    code, doc, _ = call(port, "GET", "/designer/endpoints/autos/swagger.json", headers=auth(key))
    assert code == 200 and doc["servers"][0]["url"].startswith(f"http://127.0.0.1:{port}/")


def test_keep_alive_chunked_pipelined_and_http10(served):
    port, key, example = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    prices = [call(port, "POST", "/designer/endpoints/autos/score", example, auth(key), conn=conn)[1]
              for _ in range(20)]
    assert len({json.dumps(p) for p in prices}) == 1   # one connection, twenty answers
    # a chunked request body
    body = json.dumps(example).encode()
    conn.request("POST", "/designer/endpoints/autos/score", body=iter([body[:50], body[50:]]),
                 headers={**auth(key), "Content-Type": "application/json"}, encode_chunked=True)
    r = conn.getresponse()
    assert r.status == 200 and json.loads(r.read()) == prices[0]
    conn.close()
    # two requests in one write: two answers, in order
    req = (f"POST /designer/endpoints/autos/score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    bad = b"GET /designer/endpoints/autos/ping HTTP/1.1\r\nHost: x\r\n\r\n"
    out = raw_exchange(port, req + bad, until=lambda b: b.count(b"HTTP/1.1 ") >= 2 and b.endswith(b"}"))
    assert out.startswith(b"HTTP/1.1 200 ") and out.index(b"HTTP/1.1 401 ") > out.index(b"Results")
    # HTTP/1.0 without keep-alive: answered, then closed by the server
    out = raw_exchange(port, b"GET /designer/health HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 ") and b'"status": "ok"' in out


def test_malformed_and_oversized_requests(served):
    port, key, _ = served
    out = raw_exchange(port, b"THIS IS NOT HTTP\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400 ")
    head = (f"POST /designer/endpoints/autos/score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n").encode()
    out = raw_exchange(port, head, until=lambda b: b.endswith(b"}"))
    assert out.startswith(b"HTTP/1.1 413 ") and b"larger than" in out
    # the server still answers
    assert call(port, "GET", "/designer/health")[0] == 200


def test_pipeline_endpoint_submission_with_the_token(served):
    port, _, _ = served
    path = "/designer/api/pipeline-endpoints/retrain/runs"
    code, err, r = call(port, "POST", path, {})
    assert code == 401 and "token" in err["error"]
    code, err, _ = call(port, "POST", path, {}, {"Authorization": "token wrong"})
    assert code == 401
    tok = {"Authorization": f"token {TOKEN}"}
    code, err, _ = call(port, "POST", path, {"Nope": 1}, tok)
    assert code == 400 and "Unknown field 'Nope'" in err["error"]
    code, err, _ = call(port, "POST", path, b"[1,", tok)
    assert code == 400 and "not valid JSON" in err["error"]
    code, err, _ = call(port, "POST", path, {"Version": "9"}, tok)
    assert code == 404 and "'9'" in err["error"]
    code, err, _ = call(port, "POST", "/designer/api/pipeline-endpoints/none/runs", {}, tok)
    assert code == 404
    code, err, r = call(port, "GET", path, headers=tok)
    assert code == 405 and r.getheader("Allow") == "POST"
    code, sub, r = call(port, "POST", path, {"ExperimentName": "nightly", "ParameterAssignments": {}}, tok)
    assert code == 202 and sub["version"] == "1" and sub["experiment"] == "nightly"
    assert r.getheader("Location") == f"/designer/api/runs/{sub['run_id']}"
    deadline = time.time() + 300
    while True:
        code, rec, _ = call(port, "GET", r.getheader("Location"), headers=tok)
        assert code == 200
        if rec["status"] not in ("queued", "running") or time.time() > deadline:
            break
        time.sleep(0.3)
    assert rec["status"] == "completed" and rec["experiment"] == "nightly"
    assert call(port, "GET", "/designer/api/runs/none", headers=tok)[0] == 404
    assert call(port, "GET", r.getheader("Location"))[0] == 401


def test_worker_cpus():
    import os

    from jupyter_designer.server.standalone import worker_cpus

    cpus = sorted(os.sched_getaffinity(0))
    assert worker_cpus(1) is None and worker_cpus(2, "none") is None
    assert worker_cpus(len(cpus) + 1) is None           # more workers than CPUs: the OS decides
    if len(cpus) >= 2:
        assert worker_cpus(2) == cpus[:2]
