"""Every sample pipeline that scores data converts to real-time and batch inference
pipelines that run, serve, and give back the training run's scores."""

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.api import load_sample, sample_pipelines
from jupyter_designer.engine.inference import (BATCH_INPUT_PARAMETER, SCORERS, InferenceError,
                                               create_batch_inference,
                                               create_realtime_inference, web_service_io)
from jupyter_designer.engine.runner import Runner
from jupyter_designer.serving import protocols, tables
from jupyter_designer.serving.compiled import CompiledPipeline

SAMPLES = [s["name"] for s in sample_pipelines()]


def scorers(p):
    return [n.id for n in p.nodes.values() if n.kind == "component"
            and n.component in SCORERS]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_inference(name, tmp_path):
    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path / "ws")
    p = load_sample(name, workspace=ws)
    run_id = Runner(ws).submit(p, "samples").run_id
    assert ws.get_run(run_id).status == "completed"
    if not scorers(p):
        with pytest.raises(InferenceError, match="no Score Model"):
            create_realtime_inference(ws, run_id)
        return
    inf = create_realtime_inference(ws, run_id)
    assert inf.validate() == []
    batch = create_batch_inference(ws, run_id)
    assert batch.validate() == []
    batch.workspace = ws
    brun = Runner(ws).submit(batch, "batch").run_id
    assert ws.get_run(brun).status == "completed"
    _check_batch_without_labels(ws, batch, brun, web_service_io(inf)["inputs"][0]["label_columns"])
    cp = CompiledPipeline(inf, ws)
    body = {"Inputs": {k: cp.example_rows(k, 3) for k in cp.specs}, "GlobalParameters": {}}
    status, out = protocols.score_reference(cp, json.dumps(body).encode())
    assert status == 200
    io = web_service_io(inf)
    assert set(out["Results"]) == {o["name"] for o in io["outputs"]}
    for rows in out["Results"].values():
        assert any(k.startswith(("Scored", "Assignments")) for k in rows[0])
    if cp.fast is not None:  # the fast path answers exactly as the faithful one
        given = {k: tables.columns_from_rows(cp.specs[k], v, k) for k, v in body["Inputs"].items()}
        fast, slow = cp.score(given), cp.score(given, use_fast=False)
        for k in fast:
            assert fast[k][0] == slow[k][0]
            for a, b in zip(fast[k][1], slow[k][1]):
                if a and isinstance(a[0], float):
                    np.testing.assert_allclose(a, b, rtol=1e-6)
                else:
                    assert a == b


def _check_batch_without_labels(ws, batch, with_labels_run, labels):
    """New data has no label: the batch pipeline scores it as it scores the labelled data,
    and makes up no label."""
    assert labels
    entry = next(n for n in batch.nodes.values() if n.kind == "dataset" and n.data.get("parameter"))
    assert entry.data["label_columns"] == labels
    ws.register_dataset("new rows", ws.get_dataset(entry.data["name"]).drop(columns=labels))
    h = Runner(ws).submit(batch, "batch", parameters={BATCH_INPUT_PARAMETER: "new rows"})
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    for nid in scorers(batch):
        port = batch.nodes[nid].spec.outputs[0].key
        want = ws.run_output(with_labels_run, nid, port)
        got = ws.run_output(h.run_id, nid, port)
        assert not set(labels) & set(got.columns)
        assert list(got.columns) == [c for c in want.columns if c not in labels]
        pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                      want.drop(columns=labels, errors="ignore").reset_index(drop=True))
