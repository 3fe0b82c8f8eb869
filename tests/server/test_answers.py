"""Scoring answers that line up with their requests, and abuse that gets a clear 400, on both
servers (the Jupyter server extension and ``jupyter designer serve``) over real HTTP.

Every protocol (reference ``score``, MLflow ``invocations``, Open Inference ``infer``) answers
one prediction per request row, in order, or a 400 naming the row and the reason."""

import copy
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from live_servers import both_servers  # noqa: E402

pytestmark = pytest.mark.slow

IN, OUT = "WebServiceInput0", "WebServiceOutput0"


@pytest.fixture(scope="module")
def live(trained_dir, tmp_path_factory):
    """``{"jupyter": LiveServer, "serve": LiveServer}`` over one workspace with the real-time
    endpoints 'autos' (a 400 for removed rows) and 'autos-report' (removed rows reported),
    and ``rows``: raw rows of the automobile data without price."""
    from jupyter_designer import serving
    from jupyter_designer.serving import tables
    from jupyter_designer.store import Workspace

    src, run_id = trained_dir
    folder = tmp_path_factory.mktemp("live")
    path = folder / "ws"
    shutil.copytree(src, path)
    ws = Workspace(path)
    serving.deploy(ws, "autos", run_id=run_id)
    serving.deploy(ws, "autos-report", run_id=run_id, removed_rows="report")
    keys = {n: serving.endpoint_keys(ws, n)["primaryKey"] for n in ("autos", "autos-report")}
    rows = tables.frame_records(ws.get_dataset("Automobile price data (Raw)")
                                .drop(columns=["price"]).dropna().head(6))
    ws.close()
    with both_servers(path, folder, ["autos", "autos-report"]) as servers:
        yield {"servers": servers, "keys": keys, "rows": rows}


SERVERS = ["jupyter", "serve"]


def _score(server, key, rows, protocol, name="autos"):
    """``(status, body, predictions or None)`` of one request in ``protocol``."""
    base = f"/designer/endpoints/{name}"
    if protocol == "score":
        code, body, _ = server.call("POST", base + "/score",
                                    {"Inputs": {IN: rows}, "GlobalParameters": {}}, key=key)
        preds = [r["Scored Labels"] for r in body["Results"][OUT]] if code == 200 else None
    elif protocol == "invocations":
        code, body, _ = server.call("POST", base + "/invocations", {"dataframe_records": rows},
                                    key=key)
        preds = [r["Scored Labels"] for r in body["predictions"]] if code == 200 else None
    else:
        cols = list(rows[0])
        kinds = {c: ("BYTES" if isinstance(rows[0][c], str) else
                     "INT64" if isinstance(rows[0][c], int) else "FP64") for c in cols}
        tensors = [{"name": c, "shape": [len(rows)], "datatype": kinds[c],
                    "data": [r[c] for r in rows]} for c in cols]
        code, body, _ = server.call("POST", base + f"/v2/models/{name}/infer",
                                    {"inputs": tensors}, key=key)
        preds = None
        if code == 200:
            out = next(o for o in body["outputs"] if o["name"] == "Scored Labels")
            assert out["shape"] == [len(out["data"])]
            preds = out["data"]
    return code, body, preds


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("protocol", ["score", "invocations", "infer"])
def test_one_prediction_per_row_or_a_400_naming_the_row(live, kind, protocol):
    server, key, rows = live["servers"][kind], live["keys"]["autos"], live["rows"]
    code, body, full = _score(server, key, rows, protocol)
    assert code == 200, body
    assert len(full) == len(rows) and all(isinstance(p, float) for p in full)
    # rows in another order: the predictions in that order
    code, _, rev = _score(server, key, rows[::-1], protocol)
    assert code == 200 and rev == pytest.approx(full[::-1], rel=1e-9)

    # a null the pipeline's Clean Missing Data (Remove entire row) removes: a 400 naming it
    bad = copy.deepcopy(rows)
    bad[2]["horsepower"] = None
    code, body, _ = _score(server, key, bad, protocol)
    assert code == 400, body
    assert body["error"].startswith("Row 2 of input 'WebServiceInput0'"), body
    assert "column 'horsepower' is null" in body["error"]
    assert "Clean Missing Data (Remove entire row)" in body["error"]
    assert body["details"]["row"] == 2 and body["details"]["columns"] == ["horsepower"]

    # a value that makes the prediction infinite: a 400 naming the row and the column
    bad = copy.deepcopy(rows)
    bad[4]["horsepower"] = 1e308
    code, body, _ = _score(server, key, bad, protocol)
    assert code == 400, body
    assert body["error"].startswith("Row 4 of input 'WebServiceInput0' (rows count from 0), "
                                    "column 'horsepower'"), body
    assert "no finite number" in body["error"]
    assert body["details"]["row"] == 4 and body["details"]["column"] == "horsepower"

    # one row alone, fast row path included
    code, body, _ = _score(server, key, [bad[4]], protocol)
    assert code == 400 and body["details"]["row"] == 0, body


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("protocol", ["score", "invocations", "infer"])
def test_an_endpoint_may_report_removed_rows(live, kind, protocol):
    server, key, rows = live["servers"][kind], live["keys"]["autos-report"], live["rows"]
    code, _, full = _score(server, key, rows, protocol, name="autos-report")
    assert code == 200
    bad = copy.deepcopy(rows)
    bad[1]["horsepower"] = None
    bad[3]["bore"] = None
    code, body, preds = _score(server, key, bad, protocol, name="autos-report")
    assert code == 200, body
    assert preds == pytest.approx([full[0], full[2], full[4], full[5]], rel=1e-9)
    if protocol == "score":
        removed = body["RemovedRows"][IN]
    elif protocol == "invocations":
        removed = body["removed_rows"]
    else:
        assert body["parameters"]["removed_rows"] == "1,3"
        import json
        removed = json.loads(body["parameters"]["removed_rows_reasons"])
    assert [r["row"] for r in removed] == [1, 3]
    assert removed[1]["columns"] == ["bore"] and "Remove entire row" in removed[1]["reason"]


@pytest.mark.parametrize("kind", SERVERS)
def test_deeply_nested_json_is_a_400_and_no_traceback_in_the_log(live, kind):
    server, key = live["servers"][kind], live["keys"]["autos"]
    deep = b"[" * 100_000 + b"]" * 100_000
    nested_row = b'{"Inputs": {"WebServiceInput0": [{"make": ' + b"[" * 5000 + b"]" * 5000 + b"}]}}"
    routes = ["/score", "/invocations", "/v2/models/autos/infer"]
    for route in routes:
        for body in (deep, nested_row, b'{"a":' * 3000 + b"1" + b"}" * 3000):
            code, answer, headers = server.call("POST", "/designer/endpoints/autos" + route,
                                                body, key=key)
            assert code == 400, (route, answer)
            assert "levels deep" in answer["error"]
            assert headers["Content-Type"].startswith("application/json")
    # the REST API's own bodies too
    if kind == "jupyter":
        code, answer, _ = server.call("POST", "/designer/api/endpoints", deep, token=True)
    else:
        code, answer, _ = server.call("POST", "/designer/api/pipeline-endpoints/x/runs", deep,
                                      token=True)
    assert code == 400 and "levels deep" in answer["error"], answer
    log = server.log_text()
    assert "RecursionError" not in log and "Traceback" not in log, log[-3000:]


@pytest.fixture(scope="module")
def imports(live):
    """A pipeline endpoint 'imports' whose Import Data path is the pipeline parameter
    'source'; a CSV in the workspace; a link in the workspace to /etc/hosts."""
    from jupyter_designer.engine.pipeline import Pipeline
    from jupyter_designer.serving import PipelineEndpoints
    from jupyter_designer.store import Workspace

    path = Path(live["servers"]["serve"].workspace)
    data = path / "data"
    data.mkdir(exist_ok=True)
    (data / "cars.csv").write_text("make,price\naudi,13950\nbmw,16430\n")
    link = data / "hosts.csv"
    if not link.exists():
        link.symlink_to("/etc/hosts")
    ws = Workspace(path)
    p = Pipeline("import by path", workspace=ws)
    imp = p.add_component("Import Data", {"path": str(data / "cars.csv"), "file_format": "CSV"})
    p.bind_parameter(imp, "path", "source")
    PipelineEndpoints(ws).publish("imports", p)
    ws.close()
    return data


def _submit(server, source):
    return server.call("POST", "/designer/api/pipeline-endpoints/imports/runs",
                       {"ExperimentName": "paths", "ParameterAssignments": {"source": source}},
                       token=True)


@pytest.mark.parametrize("kind", SERVERS)
def test_import_paths_over_rest_stay_in_the_allowed_folders(live, imports, kind):
    server = live["servers"][kind]
    hosts = Path("/etc/hosts").read_text()
    outside = ["/etc/hosts", "/etc/passwd", "/etc/no-such-file", "/etc/*", "/etc",
               str(imports / ".." / ".." / ".." / ".." / ".." / ".." / "etc" / "hosts"),
               str(imports / "hosts.csv"), str(imports / "*.csv")]
    for source in outside:
        code, body, headers = _submit(server, source)
        assert code == 403, (source, body)
        assert headers["Content-Type"].startswith("application/json")
        assert "outside the folders this server may read" in body["error"]
        # nothing of the file: not its content, not whether it exists
        assert "localhost" not in str(body) and "root:" not in str(body)
        assert "exist" not in body["error"] and "/etc" not in body["error"]
    code, body, _ = _submit(server, str(imports / "cars.csv"))
    assert code == 202, body
    assert hosts  # read here by the test itself: the server could have


@pytest.mark.parametrize("kind", SERVERS)
def test_tritonclient_with_its_defaults(live, kind):
    """The Open Inference Protocol's standard client as its users call it: binary tensors in,
    no outputs named (all of them, in binary), the model metadata and config calls."""
    np = pytest.importorskip("numpy")
    th = pytest.importorskip("tritonclient.http")
    server, key, rows = live["servers"][kind], live["keys"]["autos"], live["rows"]
    client = th.InferenceServerClient(url=f"127.0.0.1:{server.port}/designer/endpoints/autos")
    auth = {"Authorization": f"Bearer {key}"}
    try:
        assert client.is_server_live(headers=auth) and client.is_server_ready(headers=auth)
        assert client.is_model_ready("autos", headers=auth)
        meta = client.get_model_metadata("autos", headers=auth)
        config = client.get_model_config("autos", headers=auth)
        assert [t["name"] for t in config["input"]] == [t["name"] for t in meta["inputs"]]
        assert "Scored Labels" in [t["name"] for t in config["output"]]
        inputs = []
        dtypes = {"FP64": np.float64, "INT64": np.int64, "BYTES": object}
        for t in meta["inputs"]:
            tensor = th.InferInput(t["name"], [len(rows)], t["datatype"])
            tensor.set_data_from_numpy(np.array([r[t["name"]] for r in rows],
                                                dtype=dtypes[t["datatype"]]))
            inputs.append(tensor)
        result = client.infer("autos", inputs, headers=auth)
        _, _, want = _score(server, key, rows, "score")
        np.testing.assert_allclose(result.as_numpy("Scored Labels"), want, rtol=1e-9)
        assert result.as_numpy("make").tolist() == [r["make"].encode() for r in rows]
        # one output named, as JSON
        result = client.infer("autos", inputs, headers=auth, outputs=[
            th.InferRequestedOutput("Scored Labels", binary_data=False)])
        assert result.get_response()["outputs"][0]["data"] == pytest.approx(want, rel=1e-9)
        # a row Clean Missing Data removes: the client raises the server's 400 message
        inputs[[t["name"] for t in meta["inputs"]].index("horsepower")].set_data_from_numpy(
            np.array([r["horsepower"] if i != 1 else np.nan for i, r in enumerate(rows)]))
        with pytest.raises(Exception, match="Row 1 of input 'WebServiceInput0'"):
            client.infer("autos", inputs, headers=auth)
    finally:
        client.close()


@pytest.mark.parametrize("kind", SERVERS)
def test_errors_are_json_everywhere(live, kind):
    server, key, rows = live["servers"][kind], live["keys"]["autos"], live["rows"]
    for path in ("/designer/endpoints/autos/v2/models/autos/nothing",
                 "/designer/endpoints/autos/v2/repository/index", "/designer/endpoints/autos/v3",
                 "/designer/endpoints/autos/score/extra", "/designer/endpoints/"):
        for method in ("GET", "POST"):
            code, body, headers = server.call(method, path, b"{}", key=key)
            assert code == 404, (path, body)
            assert headers["Content-Type"].startswith("application/json"), (path, headers)
            assert "No route" in body["error"]
    # a content type MLflow does not read: 415, as MLflow answers
    code, body, headers = server.call("POST", "/designer/endpoints/autos/invocations",
                                      b"make=audi", key=key,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 415 and "Unsupported content type" in body["error"], body
    # every scoring route: an unsupported content type is a JSON 415 naming what to send
    for route in ("/score", "/invocations", "/v2/models/autos/infer"):
        code, body, headers = server.call("POST", "/designer/endpoints/autos" + route,
                                          {"Inputs": {IN: rows}}, key=key,
                                          headers={"Content-Type": "application/xml"})
        assert code == 415, (route, body)
        assert headers["Content-Type"].startswith("application/json")
        assert "application/json" in body["error"] and body["details"]["content_type"] == \
            "application/xml", body
    # what HTTP clients send when the caller names no type is read as JSON (not on MLflow's
    # route, above, which refuses it as MLflow does)
    code, body, _ = server.call("POST", "/designer/endpoints/autos/score",
                                {"Inputs": {IN: rows}, "GlobalParameters": {}}, key=key,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 200, body
    # JSON media types with parameters or a +json suffix are read
    code, body, _ = server.call("POST", "/designer/endpoints/autos/score",
                                {"Inputs": {IN: rows}, "GlobalParameters": {}}, key=key,
                                headers={"Content-Type": "application/json; charset=utf-8"})
    assert code == 200, body
    # wrong method: a JSON 405
    code, body, headers = server.call("GET", "/designer/endpoints/autos/score", key=key)
    assert code == 405 and headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("kind", SERVERS)
def test_openapi_document_says_what_the_routes_do(live, kind):
    from openapi_spec_validator import validate

    server, key = live["servers"][kind], live["keys"]["autos"]
    code, doc, _ = server.call("GET", "/designer/endpoints/autos/swagger.json", key=key)
    assert code == 200
    validate(doc)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "401" in op["responses"], (path, method)
            # every route of the document answers 401 without a key, as documented
            code, body, _ = server.call(method.upper(), "/designer/endpoints/autos" + path, b"{}")
            assert code == 401 and body["error"], (path, method, body)
    schemas = doc["components"]["schemas"]
    assert schemas["ScoreResponse"]["required"] == ["Results"]
    assert schemas["Error"]["required"] == ["error"]
    body = doc["paths"]["/invocations"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["additionalProperties"] is False
    assert "415" in doc["paths"]["/invocations"]["post"]["responses"]


@pytest.mark.parametrize("kind", SERVERS)
def test_replace_under_load_takes_effect_with_no_failed_request(live, kind, trained_dir):
    """A bounded loop of real requests from several connections; meanwhile a new version is
    deployed. Every request answers 200, and the new version answers while the load goes on
    (each connection stops once it has seen it, or after a bound it must not reach)."""
    import http.client
    import json
    import threading
    import time

    from jupyter_designer import serving
    from jupyter_designer.store import Workspace

    server, key, rows = live["servers"][kind], live["keys"]["autos-report"], live["rows"]
    name = "autos-report"
    path = Path(server.workspace)
    ws = Workspace(path)
    before = serving.get_endpoint(ws, name)["version"]
    tensors = [{"name": c, "shape": [1], "datatype": "BYTES" if isinstance(v, str) else
                "INT64" if isinstance(v, int) else "FP64", "data": [v]} for c, v in rows[0].items()]
    body = json.dumps({"inputs": tensors}).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bound = 20_000
    failures, seen_new, counts = [], {}, {}
    deployed = threading.Event()
    stop_all = threading.Event()

    def load(i):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        after_new = 0
        for n in range(bound):
            if stop_all.is_set():
                break
            conn.request("POST", f"/designer/endpoints/{name}/v2/models/{name}/infer", body,
                         headers)
            r = conn.getresponse()
            raw = r.read()
            if r.status != 200:
                failures.append((r.status, raw[:300]))
                break
            version = json.loads(raw)["model_version"]
            if version != str(before):
                seen_new.setdefault(i, (n, time.perf_counter()))
                after_new += 1
                if after_new >= 20:
                    break
        counts[i] = n + 1
        conn.close()

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)   # the load is on
        _, run_id = trained_dir
        info = serving.deploy(ws, name, run_id=run_id, replace=True)
        done = time.perf_counter()
        deployed.set()
        assert info["version"] == before + 1
    finally:
        for t in threads:
            t.join(600)
        stop_all.set()
        ws.close()
    assert not failures, failures[:3]
    assert len(seen_new) == len(threads), (seen_new, counts)   # before the bound was reached
    delays = [t - done for _, t in seen_new.values()]
    print(f"{kind}: new version answering {max(delays):.2f}s after deploy returned, "
          f"{sum(counts.values())} requests")
    # the serving process reuses deploy's verification of the fast path: the new version is
    # live within seconds under load (a generous bound for a loaded 2-core machine)
    assert max(delays) < 10, delays
