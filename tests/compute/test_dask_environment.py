"""Starting the local Dask cluster of a compute target leaves the user's process environment
as it was: Dask's nanny sets OMP_NUM_THREADS=1 (and the other thread limits) for its worker
processes by writing them into the parent's environment, where a later import of PyTorch, or
a process started afterwards, took them as its own (an image model trained with one thread,
and its exported script with another count than the run). Run in a fresh interpreter, so
no cluster started by another test is involved."""

import json
import os
import subprocess
import sys

START = r"""
import json, os, sys, tempfile
from jupyter_designer.engine import compute
from jupyter_designer.store import Workspace

ws = Workspace(tempfile.mkdtemp())
ws.register_compute("cluster", "dask", {"address": "local", "workers": 1})
target = compute.resolve_target(ws, "cluster")
target.check()
workers = target._client.run(lambda: os.environ.get("OMP_NUM_THREADS"))
print(json.dumps({"parent": os.environ.get("OMP_NUM_THREADS"),
                  "mkl": os.environ.get("MKL_NUM_THREADS"),
                  "workers": sorted(workers.values())}))
compute.shutdown_all()
ws.close()
"""


def test_local_cluster_leaves_the_thread_limits_to_its_workers(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["workers"] == ["1"]          # the workers still get Dask's limit
    assert seen["parent"] is None and seen["mkl"] is None   # the user's process does not
