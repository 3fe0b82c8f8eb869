"""A process killed with SIGKILL in the middle of writing leaves a usable workspace."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.store import Workspace

CHILD = textwrap.dedent("""
    import os, sys
    import numpy as np, pandas as pd
    from jupyter_designer.store import Workspace

    ws = Workspace(sys.argv[1])
    run = ws.create_run(experiment="crash", pipeline_name="p", snapshot={"nodes": []},
                        parameters={}, compute="local", pid=os.getpid())
    first = pd.DataFrame({"a": np.arange(1000.0), "b": ["x", "y"] * 500})
    ids = ws.put_outputs("key-first", {"dataset": first})
    ws.set_node(run, "first", status="completed", title="First", outputs=ids,
                cache_key="key-first", finished=1.0)
    ws.set_node(run, "second", status="running", title="Second", started=1.0)
    ws.set_node(run, "third", status="queued", title="Third")
    print("READY", run, flush=True)
    big = pd.DataFrame(np.random.default_rng(0).normal(size=(200_000, 8)),
                       columns=[f"c{i}" for i in range(8)])
    i = 0
    while True:  # keep writing until killed
        ids = ws.put_outputs(f"key-loop-{i}", {"dataset": big, "n": i})
        ws.set_node(run, "second", status="running", log=f"step {i}")
        ws.register_dataset("growing", big.head(1000 + i))
        ws.save_draft("draft", {"i": i})
        i += 1
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_write(tmp_path):
    path = tmp_path / "ws"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline().split()
    assert line and line[0] == "READY", line
    run_id = line[1]
    time.sleep(1.5)  # let it get well into the write loop
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)  # reaped: its pid is gone
    assert proc.returncode == -signal.SIGKILL

    ws = Workspace(path)
    assert ws._db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    run = ws.get_run(run_id)
    assert run.status == "interrupted" and run.finished is not None
    assert "interrupted" in run.error
    assert run.nodes["first"].status == "completed"
    assert run.nodes["second"].status == "interrupted"
    assert run.nodes["third"].status == "interrupted"
    assert run.nodes["second"].log.startswith("step ")
    # what completed is reusable
    first = ws.run_output(run_id, "first", "dataset")
    assert first.shape == (1000, 2) and first["a"].sum() == np.arange(1000.0).sum()
    assert ws.has_outputs("key-first")
    # every key that is visible is complete and loadable; at most the last one is missing
    visible = [i for i in range(10_000) if ws.has_outputs(f"key-loop-{i}")]
    assert visible, "the child should have written some outputs before the kill"
    assert visible == list(range(len(visible)))
    last = ws.get_outputs(f"key-loop-{visible[-1]}")
    assert last["n"] == visible[-1] and last["dataset"].shape == (200_000, 8)
    # datasets and drafts written before the kill are intact
    versions = ws.dataset_versions("growing")
    assert [v.version for v in versions] == list(range(1, len(versions) + 1))
    assert len(ws.get_dataset("growing")) == versions[-1].rows
    assert ws.load_draft("draft")["i"] >= 0
    # the workspace keeps working
    ws.register_dataset("after", pd.DataFrame({"x": [1]}))
    assert ws.get_dataset("after")["x"].tolist() == [1]
    # temporary files the killed process left are collected
    ws.collect_garbage(min_age=0)
    leftovers = [p for p in (path / "artifacts").rglob(".tmp-*")]
    assert leftovers == []
    ws.close()
