"""Several processes using one workspace at the same time lose nothing."""

import multiprocessing as mp
import os

import numpy as np
import pandas as pd

from jupyter_designer.store import Workspace

N_PROCESSES = 3
N_ITEMS = 8


def _frame(worker: int, item: int) -> pd.DataFrame:
    return pd.DataFrame({"worker": [worker] * 50, "item": [item] * 50,
                         "value": np.arange(50, dtype=float) * (worker + 1) + item})


def _worker(path: str, worker: int, barrier) -> None:
    ws = Workspace(path)
    barrier.wait()
    for item in range(N_ITEMS):
        ws.register_dataset(f"w{worker}-d{item}", _frame(worker, item))
        ws.register_dataset("shared", _frame(worker, item))
        ws.save_draft("shared draft", {"worker": worker, "item": item})
        rid = ws.create_run(experiment="concurrent", pipeline_name=f"p{worker}",
                            snapshot={"worker": worker}, parameters={"item": item},
                            compute="local", pid=os.getpid())
        ids = ws.put_outputs(f"key-{worker}-{item}", {"dataset": _frame(worker, item),
                                                      "info": {"w": worker, "i": item}})
        ws.set_node(rid, "a", status="running", title="A")
        ws.set_node(rid, "a", status="completed", outputs=ids, cache_key=f"key-{worker}-{item}",
                    metrics={"item": item})
        ws.update_run(rid, status="completed")
    ws.register_model("shared model", {"worker": worker, "coef": [0.0, 1.0, 2.0]})
    ws.close()


def test_processes_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "ws")
    Workspace(path).close()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(N_PROCESSES)
    procs = [ctx.Process(target=_worker, args=(path, w, barrier)) for w in range(N_PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * N_PROCESSES

    ws = Workspace(path)
    total = N_PROCESSES * N_ITEMS
    for w in range(N_PROCESSES):
        for i in range(N_ITEMS):
            pd.testing.assert_frame_equal(ws.get_dataset(f"w{w}-d{i}"), _frame(w, i))
            outs = ws.get_outputs(f"key-{w}-{i}")
            assert outs["info"] == {"w": w, "i": i}
            pd.testing.assert_frame_equal(outs["dataset"], _frame(w, i))
    shared = ws.dataset_versions("shared")
    assert [v.version for v in shared] == list(range(1, total + 1))
    contents = {(int(df["worker"][0]), int(df["item"][0]))
                for df in (ws.get_dataset("shared", v.version) for v in shared)}
    assert contents == {(w, i) for w in range(N_PROCESSES) for i in range(N_ITEMS)}
    drafts = ws.list_drafts()
    assert [(d.name, d.versions) for d in drafts] == [("shared draft", total)]
    docs = {tuple(sorted(ws.load_draft("shared draft", v).items())) for v in range(1, total + 1)}
    assert len(docs) == total
    runs = ws.list_runs(experiment="concurrent", limit=None)
    assert len(runs) == total and all(r.status == "completed" for r in runs)
    assert all(r.nodes["a"].status == "completed" and r.nodes["a"].outputs for r in runs)
    assert sorted(r.parameters["item"] for r in runs) == sorted(list(range(N_ITEMS)) * N_PROCESSES)
    assert [m.version for m in ws.model_versions("shared model")] == list(range(1, N_PROCESSES + 1))
    assert sorted(ws.get_model("shared model", v)["worker"] for v in range(1, N_PROCESSES + 1)) == \
        list(range(N_PROCESSES))
    assert ws._db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ws.close()
