"""End to end over real HTTP on 127.0.0.1: a `jupyter server` subprocess with the extension,
and `jupyter designer serve --workers 2`; train, deploy, score with all three protocols,
regenerate a key, restart, score again."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from automobile import DATASET, automobile_pipeline, train

pytestmark = pytest.mark.slow

IN = "WebServiceInput0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, raw=None, timeout=60):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None, dict(r.headers)
    except urllib.error.HTTPError as e:
        text = e.read()
        return e.code, json.loads(text) if text else None, dict(e.headers)


def wait_for(url, headers=None, timeout=120, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}: "
                                 f"{proc.stdout.read() if proc.stdout else ''}")
        try:
            code, _, _ = http("GET", url, headers=headers, timeout=5)
            if code < 500:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def v2_body(columns, row):
    from jupyter_designer.serving.protocols import V2_TYPES

    return {"inputs": [{"name": c["name"], "shape": [1], "datatype": V2_TYPES[c["kind"]],
                        "data": [row[c["name"]]]} for c in columns if c.get("required", True)],
            "outputs": [{"name": "Scored Labels"}]}


def score_all_protocols(base, key, example, columns):
    """Score one row with the reference, MLflow (JSON and CSV) and V2 protocols."""
    auth = {"Authorization": f"Bearer {key}"}
    code, out, _ = http("POST", f"{base}/score", example, auth)
    assert code == 200, out
    price = out["Results"]["WebServiceOutput0"][0]["Scored Labels"]
    rows = example["Inputs"][IN]
    code, pred, _ = http("POST", f"{base}/invocations", {"dataframe_split": {
        "columns": list(rows[0]), "data": [list(r.values()) for r in rows]}}, auth)
    assert code == 200 and pred["predictions"][0]["Scored Labels"] == pytest.approx(price)
    csv = ",".join(rows[0]) + "\n" + ",".join("" if v is None else str(v) for v in rows[0].values())
    code, pred, _ = http("POST", f"{base}/invocations", raw=csv.encode(),
                         headers={**auth, "Content-Type": "text/csv"})
    assert code == 200 and pred["predictions"][0]["Scored Labels"] == pytest.approx(price)
    name = base.rstrip("/").rsplit("/", 1)[1]
    code, inf, _ = http("POST", f"{base}/v2/models/{name}/infer", v2_body(columns, rows[0]), auth)
    assert code == 200 and inf["outputs"][0]["data"][0] == pytest.approx(price)
    code, ready, _ = http("GET", f"{base}/v2/models/{name}/ready", headers=auth)
    assert code == 200 and ready["ready"] is True
    return price


# -- the Jupyter server extension ------------------------------------------------------------
def start_jupyter(tmp_path, port, token, ws):
    cfg = tmp_path / "jupyter-config"
    cfg.mkdir(exist_ok=True)
    (cfg / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"jupyter_designer": True}}}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(cfg), "JUPYTER_DESIGNER_WORKSPACE": str(ws),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={tmp_path}", "--allow-root"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def test_jupyter_server_end_to_end(tmp_path):
    ws = tmp_path / "ws"
    port, token = free_port(), "e2e-token"
    root = f"http://127.0.0.1:{port}"
    api = f"{root}/designer/api"
    jupyter = {"Authorization": f"token {token}"}
    proc = start_jupyter(tmp_path, port, token, ws)
    try:
        wait_for(f"{root}/api/status", jupyter, proc=proc)
        # train the automobile sample over REST
        doc = automobile_pipeline(None).to_dict()
        code, sub, _ = http("POST", f"{api}/runs", {"pipeline": doc, "experiment": "autos"}, jupyter)
        assert code == 202, sub
        for _ in range(600):
            code, rec, _ = http("GET", f"{api}/runs/{sub['run_id']}", headers=jupyter)
            if rec["status"] != "running":
                break
            time.sleep(0.5)
        assert rec["status"] == "completed", rec
        # deploy; without the Jupyter token the REST API refuses
        code, _, _ = http("POST", f"{api}/endpoints", {"name": "autos", "run_id": sub["run_id"]})
        assert code == 403
        code, ep, headers = http("POST", f"{api}/endpoints", {"name": "autos", "run_id": sub["run_id"]},
                                 jupyter)
        assert code == 201, ep
        assert headers["Location"].endswith("/designer/api/endpoints/autos")
        code, info, _ = http("GET", f"{api}/endpoints/autos", headers=jupyter)
        code, keys, _ = http("GET", f"{api}/endpoints/autos/keys", headers=jupyter)
        base = f"{root}/designer/endpoints/autos"
        example, columns = info["example_request"], info["inputs"][0]["columns"]
        price = score_all_protocols(base, keys["primaryKey"], example, columns)
        assert http("POST", f"{base}/score", example)[0] == 401
        assert http("POST", f"{base}/score", example, jupyter)[0] == 401   # Jupyter's token is no key
        # regenerate: the old key is refused
        code, new, _ = http("POST", f"{api}/endpoints/autos/keys", {"key": "primary"}, jupyter)
        assert code == 200
        assert http("POST", f"{base}/score", example, {"Authorization": f"Bearer {keys['primaryKey']}"})[0] == 401
        assert http("POST", f"{base}/score", example, {"Authorization": f"Bearer {new['primaryKey']}"})[0] == 200
        # a pipeline endpoint, submitted with the reference body
        code, _, _ = http("POST", f"{api}/pipeline-endpoints/retrain/versions", {"run_id": sub["run_id"]},
                          jupyter)
        assert code == 201
        code, run, _ = http("POST", f"{api}/pipeline-endpoints/retrain/runs",
                            {"ExperimentName": "weekly", "ParameterAssignments": {}}, jupyter)
        assert code == 202 and run["run_id"]
        for _ in range(600):
            rec = http("GET", f"{api}/runs/{run['run_id']}", headers=jupyter)[1]
            if rec["status"] != "running":
                break
            time.sleep(0.5)
        assert rec["status"] == "completed"
    finally:
        stop(proc)
    # restart: the endpoint comes back
    proc = start_jupyter(tmp_path, port, token, ws)
    try:
        wait_for(f"{root}/api/status", jupyter, proc=proc)
        again = score_all_protocols(base, new["primaryKey"], example, columns)
        assert again == pytest.approx(price)
        assert http("POST", f"{base}/score", example, {"Authorization": f"Bearer {keys['primaryKey']}"})[0] == 401
    finally:
        stop(proc)


# -- the standalone server ---------------------------------------------------------------------
def start_serve(ws, port, workers=2):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = ["jupyter", "designer", "serve", "--workspace", str(ws), "--port", str(port),
           "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert m, line
    return proc, int(m.group(1))


def cli(*args, ws):
    out = subprocess.run(["jupyter", "designer", *args, "--workspace", str(ws), "--json"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout)


def test_standalone_serve_with_two_workers(tmp_path):
    from jupyter_designer.store import Workspace

    ws_path = tmp_path / "ws"
    ws = Workspace(ws_path)
    _, run_id = train(ws)
    ws.close()
    deployed = cli("deploy", run_id, "--name", "autos", ws=ws_path)
    assert deployed["version"] == 1
    shown = cli("endpoint", "show", "autos", ws=ws_path)
    example, columns = shown["example_request"], shown["inputs"][0]["columns"]
    key = deployed["primaryKey"]
    port = free_port()
    proc, port = start_serve(ws_path, port)
    try:
        root = f"http://127.0.0.1:{port}"
        base = f"{root}/designer/endpoints/autos"
        wait_for(f"{root}/designer/health", proc=proc)
        price = score_all_protocols(base, key, example, columns)
        pids = set()
        for _ in range(300):
            pids.add(http("GET", f"{root}/designer/health")[1]["pid"])
            if len(pids) == 2:
                break
        assert len(pids) == 2, "both workers answer"
        if len(os.sched_getaffinity(0)) >= 2:   # each worker keeps to a CPU of its own
            cpus = [os.sched_getaffinity(pid) for pid in pids]
            assert all(len(c) == 1 for c in cpus) and cpus[0] != cpus[1], cpus
        # a regenerated key is refused by every worker at once
        new = cli("endpoint", "regenerate", "autos", ws=ws_path)
        for _ in range(20):
            assert http("POST", f"{base}/score", example, {"Authorization": f"Bearer {key}"})[0] == 401
            assert http("POST", f"{base}/score", example,
                        {"Authorization": f"Bearer {new['primaryKey']}"})[0] == 200
        key = new["primaryKey"]
        # a new version while serving: no failed request, then version 2 answers
        redeploy = subprocess.Popen(["jupyter", "designer", "deploy", run_id, "--name", "autos",
                                     "--replace", "--workspace", str(ws_path)],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = set()
        deadline = time.time() + 300
        while time.time() < deadline:
            code, out, _ = http("POST", f"{base}/score", example, {"Authorization": f"Bearer {key}"})
            assert code == 200, out
            code, meta, _ = http("GET", f"{base}/v2/models/autos", headers={"Authorization": f"Bearer {key}"})
            assert code == 200
            seen.add(meta["versions"][0])
            if redeploy.poll() is not None and seen >= {"2"} and len(seen) >= 1:
                break
        assert redeploy.wait(60) == 0, redeploy.stdout.read()
        assert "2" in seen
    finally:
        stop(proc)
    # restart: endpoints come back
    proc, port = start_serve(ws_path, free_port())
    try:
        root = f"http://127.0.0.1:{port}"
        wait_for(f"{root}/designer/health", proc=proc)
        again = score_all_protocols(f"{root}/designer/endpoints/autos", key, example, columns)
        assert again == pytest.approx(price)
        code, err, _ = http("POST", f"{root}/designer/endpoints/autos/score", {"Inputs": {}},
                            {"Authorization": f"Bearer {key}"})
        assert code == 400 and "has no 'WebServiceInput0'" in err["error"]
        assert http("GET", f"{root}/nothing/here")[0] == 404
        # started without a token: no pipeline endpoint submissions
        assert http("POST", f"{root}/designer/api/pipeline-endpoints/autos/runs", {})[0] == 404
    finally:
        stop(proc)
