"""Drift: inputs scored by a real server are logged (sampled, size-capped) and compared with
the training data column by column; shifting chosen columns flags exactly those."""

import json
import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))

from automobile import DATASET  # noqa: E402
from jupyter_designer.app import monitoring as app_monitoring  # noqa: E402
from jupyter_designer.serving import monitoring, tables  # noqa: E402
from jupyter_designer.serving.errors import ServingError  # noqa: E402
from jupyter_designer.serving.realtime import RealtimeEndpoints  # noqa: E402
from live_servers import LiveServer  # noqa: E402

IN = "WebServiceInput0"
SHIFTED = ("horsepower", "body-style")


def test_shifted_columns_raise_the_drift_flag(trained, tmp_path):
    ws, run_id = trained
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id, removed_rows="report")
    profile = reg.reference("autos", 1)["inputs"][IN]
    assert profile["rows"] == 205 and "price" not in profile["columns"]
    assert profile["columns"]["horsepower"]["kind"] == "numeric"
    assert profile["columns"]["make"]["kind"] == "categorical"
    with pytest.raises(ServingError, match="sample_rate"):
        reg.set_monitoring("autos", sample_rate=0)
    with pytest.raises(ServingError, match="Unknown monitoring setting"):
        reg.set_monitoring("autos", log_everything=True)
    key = reg.keys("autos")["primaryKey"]
    frame = ws.get_dataset(DATASET).drop(columns=["price"])
    shifted = frame.copy()
    shifted["horsepower"] = shifted["horsepower"] * 2.5
    shifted["body-style"] = "convertible"
    server = LiveServer("serve", ws.path, tmp_path)
    try:
        server.wait_ready(["autos"])
        # nothing logged before logging is turned on
        report = app_monitoring.drift(ws, "autos")
        assert not report["drift"] and "turn logging on" in report["note"]
        reg.set_monitoring("autos", log_scored=True, sample_rate=1.0, max_mb=5)
        for df in (frame, shifted):
            for start in range(0, len(df), 50):
                rows = tables.frame_records(df.iloc[start:start + 50])
                status, out, _ = server.call("POST", "/designer/endpoints/autos/score",
                                             {"Inputs": {IN: rows}}, key=key)
                assert status == 200, out
        entries = []
        for _ in range(300):
            entries = monitoring.read_log(ws.path, "autos")
            if len(entries) == 10:
                break
            time.sleep(0.1)
        assert len(entries) == 10 and entries[0]["deployment"] == "default"
        # the last 205 rows logged are the shifted ones
        report = app_monitoring.drift(ws, "autos", rows=205)
        cols = {c["column"]: c for c in report["inputs"][0]["columns"]}
        assert report["inputs"][0]["rows"] == 205
        assert sorted(report["drifted_columns"]) == sorted(SHIFTED), {
            k: c["psi"] for k, c in cols.items()}
        assert cols["horsepower"]["psi"] > 1 and cols["make"]["psi"] < 0.01
        # the designer's drift panel flags the same columns
        from jupyter_designer.widgets.drift import DriftPanel

        panel = DriftPanel(ws, "autos", rows=205)
        assert sorted(panel.refresh()["drifted_columns"]) == sorted(SHIFTED)
        flagged = re.findall(r"jd-drift-row jd-drift-flag' data-column='([^']+)'", panel.view.value)
        assert sorted(flagged) == sorted(SHIFTED)
        assert "Drift in" in panel.view.value
        # a threshold above every PSI flags nothing
        half = app_monitoring.drift(ws, "autos", rows=205, threshold=1000.0)
        assert not half["drift"]
        with pytest.raises(ServingError, match="threshold"):
            app_monitoring.drift(ws, "autos", threshold=-1)
    finally:
        server.stop()


def test_log_is_size_capped(tmp_path):
    log = monitoring.ScoredLog(tmp_path)
    body = json.dumps({"Inputs": {IN: [{"x": "y" * 1000}]}}).encode()
    for _ in range(400):
        log.put("autos", "blue", 1, 200, body, b'{"Results": {}}', max_mb=0.1)
    log.flush()
    files = list(monitoring.log_folder(tmp_path, "autos").glob("*.jsonl"))
    assert len(files) > 1
    assert sum(f.stat().st_size for f in files) <= 0.1 * 1024 * 1024 + 2000
    log.close()
