"""Pipelines and helpers shared by the compute-target tests."""

from __future__ import annotations

import time

import _components  # noqa: F401  (registers the user components)
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner


def chain_pipeline(target: str | None = None, amount: float = 2.0) -> Pipeline:
    """numbers -> Compute Add Column -> Select Columns in Dataset (x, s) -> Compute Add Column."""
    p = Pipeline("chain")
    d = p.add_dataset("numbers")
    a = p.add_component("Compute Add Column", {"amount": amount}, compute=target, id="add")
    p.connect(d, "dataset", a, "data")
    s = p.add_component("Select Columns in Dataset", {"select_columns": ["x", "s"]}, compute=target,
                        id="select")
    p.connect(a, "results_dataset", s, "dataset")
    b = p.add_component("Compute Add Column", {"amount": 10.0}, compute=target, id="add2")
    p.connect(s, "results_dataset", b, "data")
    return p


def run(ws, pipeline, **kw):
    events = []
    t = time.time()
    handle = Runner(ws).submit(pipeline, on_event=events.append, **kw)
    handle.elapsed = time.time() - t
    handle.events = events
    return handle


def wait_for_file(path, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{path} did not appear within {timeout} s")
