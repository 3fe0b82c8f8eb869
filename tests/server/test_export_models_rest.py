"""The REST routes of the model exports and of MLflow, on a real Jupyter server with the
designer extension (the trained automobile workspace of the server tests)."""

import json

import pytest
from tornado.httpclient import HTTPClientError


async def _post(jp_fetch, path, body):
    return await jp_fetch(*path.split("/"), method="POST", body=json.dumps(body),
                          raise_error=False)


async def test_export_model_writes_below_the_root_folder(jp_fetch, jp_root_dir, run_id):
    from jupyter_designer.export.models import load_skops

    (jp_root_dir / "models").mkdir()
    r = await _post(jp_fetch, f"designer/api/runs/{run_id}/export-model",
                    {"format": "skops", "path": "models/autos.skops"})
    assert r.code == 201, r.body
    body = json.loads(r.body)
    assert body == {"format": "skops", "path": "models/autos.skops", "run_id": run_id}
    pipe = load_skops(jp_root_dir / "models" / "autos.skops")
    assert hasattr(pipe, "predict") and pipe.steps[0][0] == "request"
    r = await _post(jp_fetch, f"designer/api/runs/{run_id}/export-model",
                    {"format": "onnx", "path": "models/autos.onnx"})
    assert r.code == 201 and (jp_root_dir / "models" / "autos.onnx").stat().st_size > 0
    # the same path again: 409; bad input: 400 naming it; an unknown run: 404
    r = await _post(jp_fetch, f"designer/api/runs/{run_id}/export-model",
                    {"format": "skops", "path": "models/autos.skops"})
    assert r.code == 409 and "exists already" in json.loads(r.body)["message"]
    for body, words in (({"format": "pmml", "path": "x"}, "skops, onnx, mlflow"),
                        ({"format": "onnx", "path": "../outside.onnx"}, "outside"),
                        ({"format": "onnx", "path": "no/such/folder.onnx"}, "does not exist"),
                        ({"format": "onnx"}, "\"path\""),
                        ({"format": "onnx", "path": "a.onnx", "extra": 1}, "extra")):
        r = await _post(jp_fetch, f"designer/api/runs/{run_id}/export-model", body)
        assert r.code == 400 and words in json.loads(r.body)["message"], (body, r.body)
    r = await _post(jp_fetch, "designer/api/runs/no-such-run/export-model",
                    {"format": "onnx", "path": "b.onnx"})
    assert r.code == 404


async def test_mlflow_tracking_state_and_push_without_a_server(jp_fetch, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    r = await jp_fetch("designer", "api", "mlflow", "tracking")
    assert json.loads(r.body)["tracking_uri"] is None
    r = await _post(jp_fetch, "designer/api/mlflow/models", {"name": "autos-model"})
    assert r.code == 400 and "No MLflow tracking server is set" in json.loads(r.body)["message"]
    r = await _post(jp_fetch, "designer/api/mlflow/models", {"name": "autos-model", "version": "x"})
    assert r.code == 400 and "\"version\"" in json.loads(r.body)["message"]
