"""Safe rollouts: deployments of a real-time endpoint, a traffic split, a mirror and a
promotion, under load from several client threads against a real `jupyter designer serve`."""

import http.client
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))

from automobile import DATASET  # noqa: E402
from jupyter_designer.app import monitoring as app_monitoring  # noqa: E402
from jupyter_designer.serving import tables  # noqa: E402
from jupyter_designer.serving.errors import ServingError  # noqa: E402
from jupyter_designer.serving.monitoring import read_log  # noqa: E402
from jupyter_designer.serving.realtime import RealtimeEndpoints  # noqa: E402
from live_servers import LiveServer  # noqa: E402

IN = "WebServiceInput0"
HEADER = "X-Designer-Deployment"


def body_of(ws, n=1):
    rows = tables.frame_records(ws.get_dataset(DATASET).drop(columns=["price"]).head(n))
    return json.dumps({"Inputs": {IN: rows}, "GlobalParameters": {}}).encode()


def blue_green(ws, run_id):
    """Endpoint ``autos``: ``blue`` (version 1) with all the traffic, ``green`` (version 2)."""
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id, deployment="blue")
    app_monitoring.add_deployment(ws, "autos", "green", run_id=run_id, registry=reg)
    return reg


def hammer(port, path, key, body, count, threads, seen, failures, pause=None):
    """``count`` requests per thread, each over its own keep-alive connection; the header
    naming the deployment of every answer goes to ``seen``, anything but a 200 to
    ``failures``."""

    def one():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for i in range(count):
                c.request("POST", path, body=body, headers={
                    "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
                if r.status != 200:
                    failures.append((r.status, data[:200]))
                else:
                    seen.append(r.headers.get(HEADER))
                    out = json.loads(data)["Results"]["WebServiceOutput0"]
                    assert out[0]["Scored Labels"] > 0
                if pause is not None and i == count // 2:
                    pause.wait(60)
        finally:
            c.close()

    ts = [threading.Thread(target=one) for _ in range(threads)]
    for t in ts:
        t.start()
    return ts


def test_deployments_in_the_record(trained):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id)
    # an endpoint deployed without deployments has one, "default", at its version
    assert reg.deployments("autos") == [{"name": "default", "version": 1, "percent": 100,
                                         "mirror": False, "mirror_percent": 0,
                                         "description": ""}]
    info = app_monitoring.add_deployment(ws, "autos", "green", version=1, registry=reg)
    assert [d["name"] for d in info["deployments"]] == ["default", "green"]
    with pytest.raises(ServingError, match="add up to 100 percent; 90 \\+ 20 = 110"):
        reg.set_traffic("autos", {"default": 90, "green": 20})
    with pytest.raises(ServingError, match="no deployment 'red'"):
        reg.set_traffic("autos", {"default": 90, "red": 10})
    with pytest.raises(ServingError, match="whole percent"):
        reg.set_traffic("autos", {"default": 89.5, "green": 10.5})
    with pytest.raises(ServingError, match="no version 7"):
        reg.put_deployment("autos", "blue", 7)
    with pytest.raises(ServingError, match="deployment name"):
        reg.put_deployment("autos", "Blue!", 1)
    app_monitoring.set_traffic(ws, "autos", "default=70,green=30", registry=reg)
    assert {d["name"]: d["percent"] for d in reg.deployments("autos")} == {"default": 70, "green": 30}
    with pytest.raises(ServingError, match="answers 30% .* a mirror takes none"):
        reg.set_mirror("autos", "green")
    with pytest.raises(ServingError, match="move its traffic"):
        reg.remove_deployment("autos", "green")
    reg.promote("autos", "green")
    assert reg.get("autos")["traffic"] == {"green": 100}
    reg.remove_deployment("autos", "default")
    assert [d["name"] for d in reg.deployments("autos")] == ["green"]
    # a record written before deployments existed stays readable and servable
    rec = json.loads(reg.record_path("autos").read_text())
    for k in ("deployments", "traffic", "mirror"):
        rec.pop(k)
    reg.records.write("autos", rec)
    assert reg.deployments("autos")[0]["name"] == "default"
    with pytest.raises(ServingError, match="Unknown field 'weights'"):
        app_monitoring.change_request(ws, "autos", {"weights": {}}, registry=reg)
    # the designer's deployments section shows and changes the same record
    from jupyter_designer.widgets.drift import NO_MIRROR, DeploymentsBox

    app_monitoring.add_deployment(ws, "autos", "blue", version=1, registry=reg)
    box = DeploymentsBox(ws, "autos")
    assert box.promote_choice.options == ("blue", "default")
    assert box.promote_choice.value == "default" and box.mirror_choice.value == NO_MIRROR
    assert not box.apply_split("default=50,red=50")
    assert "no deployment &#x27;red&#x27;" in box.message.value
    assert box.apply_split("default=60,blue=40")
    assert "data-deployment='blue'" in box.table.value and "40%" in box.table.value
    assert box.promote("blue") and box.promote_choice.value == "blue"
    assert box.apply_mirror("default") and box.mirror_choice.value == "default"
    box.log_toggle.value, box.sample_rate.value = True, 0.25
    assert box.apply_logging()
    assert reg.get("autos")["monitoring"]["sample_rate"] == 0.25
    assert reg.get("autos")["mirror"] == {"deployment": "default", "percent": 100}


def test_split_mirror_and_promotion_under_load(trained, tmp_path):
    ws, run_id = trained
    reg = blue_green(ws, run_id)
    key = reg.keys("autos")["primaryKey"]
    reg.set_traffic("autos", {"blue": 90, "green": 10})
    reg.set_monitoring("autos", log_scored=True, sample_rate=1.0)
    server = LiveServer("serve", ws.path, tmp_path, extra=["--threads", "2"])
    try:
        server.wait_ready(["autos"])
        path, body = "/designer/endpoints/autos/score", body_of(ws)

        # 90/10 under load: 3,000 requests from 6 threads
        seen, failures = [], []
        for t in hammer(server.port, path, key, body, 500, 6, seen, failures):
            t.join()
        assert not failures, failures[:3]
        counts = Counter(seen)
        assert set(counts) == {"blue", "green"} and sum(counts.values()) == 3000
        assert abs(counts["blue"] / 3000 - 0.9) <= 0.03, counts

        # a mirror gets every request; its answers are recorded, never returned
        reg.set_traffic("autos", {"blue": 100})
        reg.set_mirror("autos", "green", 100)
        time.sleep(0.1)
        seen, failures = [], []
        for t in hammer(server.port, path, key, body, 50, 2, seen, failures):
            t.join()
        assert not failures and set(seen) == {"blue"}, (failures[:3], Counter(seen))
        deadline = time.time() + 30
        while time.time() < deadline and len(read_log(ws.path, "autos", mirror=True)) < 100:
            time.sleep(0.1)
        mirrored = read_log(ws.path, "autos", mirror=True)
        assert len(mirrored) == 100
        assert {e["deployment"] for e in mirrored} == {"green"} and all(
            e["status"] == 200 and e["response"]["Results"]["WebServiceOutput0"][0]["Scored Labels"] > 0
            for e in mirrored)

        # promoting green while 4 threads send requests loses none of them
        reg.set_mirror("autos", None)
        gate = threading.Event()
        seen, failures = [], []
        ts = hammer(server.port, path, key, body, 300, 4, seen, failures, pause=gate)
        time.sleep(0.3)
        reg.promote("autos", "green")
        gate.set()
        for t in ts:
            t.join()
        assert not failures, failures[:3]
        assert len(seen) == 1200
        assert seen[-1] == "green" and "blue" in seen
        # once the new table is in, green answers everything
        seen2, failures2 = [], []
        for t in hammer(server.port, path, key, body, 20, 2, seen2, failures2):
            t.join()
        assert not failures2 and set(seen2) == {"green"}
    finally:
        server.stop()


def test_cli(trained, capsys):
    from jupyter_designer.cli import main

    ws, run_id = trained
    RealtimeEndpoints(ws).deploy("autos", run_id=run_id)
    w = ["-w", str(ws.path)]
    assert main(w + ["deployments", "add", "autos", "green", "--version", "1"]) == 0
    assert main(w + ["deployments", "split", "autos", "default=80,green=20"]) == 0
    out = capsys.readouterr().out
    assert "green" in out and "20%" in out and "80%" in out
    assert main(w + ["deployments", "split", "autos", "default=80,green=30"]) == 2
    assert "add up to 100 percent; 80 + 30 = 110" in capsys.readouterr().err
    assert main(w + ["deployments", "split", "autos", "default:80"]) == 2
    assert "deployment=percent pairs" in capsys.readouterr().err
    assert main(w + ["deployments", "promote", "autos", "green"]) == 0
    assert main(w + ["deployments", "mirror", "autos", "default", "--percent", "50"]) == 0
    assert main(w + ["deployments", "list", "autos", "--json"]) == 0
    capsys.readouterr()
    assert main(w + ["deployments", "list", "autos", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["mirror"] == {"deployment": "default", "percent": 50}
    assert {d["name"]: d["percent"] for d in info["deployments"]} == {"default": 0, "green": 100}
    assert main(w + ["deployments", "remove", "autos", "default"]) == 0
    assert main(w + ["monitor", "log", "autos", "--on", "--sample-rate", "0.5"]) == 0
    assert "sample rate 0.5" in capsys.readouterr().out
    assert main(w + ["monitor", "log", "autos", "--on", "--sample-rate", "2"]) == 2
    assert "sample_rate" in capsys.readouterr().err
    assert main(w + ["monitor", "drift", "autos"]) == 0
    assert "No scored inputs are logged yet" in capsys.readouterr().out


def test_designer_deploys_a_new_version_as_a_deployment(trained):
    """The toolbar's Deploy form: 'As deployment' adds a version that takes no traffic; the
    Endpoints tab shows it and promotes it."""
    from jupyter_designer.widgets import Designer

    ws, run_id = trained
    d = Designer.from_run(run_id, ws)
    d.canvas.handle_message({"type": "ready", "view": "v"})
    d.create_inference("realtime")
    assert d.serving.deploy("autos") is not None
    d.do("deploy")
    d.serving.fields["name"].value = "autos"
    d.serving.fields["deployment"].value = "green"
    d.serving.submit_button.click()
    assert "as deployment 'green'" in d.status_text, d.status_text
    reg = RealtimeEndpoints(ws)
    assert {x["name"]: (x["version"], x["percent"]) for x in reg.deployments("autos")} == {
        "default": (1, 100), "green": (2, 0)}
    panel = d.endpoints
    assert panel.name == "autos"
    assert panel.deployments.promote("green")
    assert reg.get("autos")["version"] == 2 and reg.get("autos")["traffic"] == {"green": 100}
