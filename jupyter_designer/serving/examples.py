"""Example requests that score, and which steps remove request rows.

An endpoint's example request is what users send first (the Test form, the OpenAPI document,
the code snippets): it must get a prediction. The first training row is not always scored
(a missing value that Clean Missing Data's "Remove entire row" drops), so the example is the
first kept training row the pipeline answers for.
"""

from __future__ import annotations

import json

import pandas as pd

from . import tables
from .errors import ServingError


def _request(rows: dict) -> dict:
    return {"Inputs": rows, "GlobalParameters": {}}


def _answers(compiled, request: dict) -> bool:
    from .protocols import score_reference

    try:
        _status, resp = score_reference(compiled, json.dumps(request, default=str).encode())
    except ServingError:
        return False
    results = resp.get("Results") or {}
    return bool(results) and not resp.get("RemovedRows") and \
        all(isinstance(v, list) and len(v) >= 1 for v in results.values())


def scored_example(compiled, *, tries: int | None = None) -> dict:
    """The example request (reference format) of a compiled real-time pipeline: one row per
    input, the first of its kept training rows that the pipeline scores (every output gets a
    row); the first row when none does (the Test form then says why)."""
    first = {k: compiled.example_rows(k, 1) for k in compiled.specs}
    samples = [compiled.samples.get(k) for k in compiled.specs]
    if any(not isinstance(df, pd.DataFrame) or not len(df) for df in samples):
        return _request(first)
    n = min(len(df) for df in samples)
    for i in range(min(n, tries or n)):
        rows = {}
        for name in compiled.specs:
            df = compiled.samples[name]
            cols = [c.name for c in compiled.specs[name].request_columns if c.name in df.columns]
            rows[name] = tables.frame_records(df[cols].iloc[[i]])
        request = _request(rows)
        if _answers(compiled, request):
            return request
    return _request(first)


def rows_removed_by(compiled, request: dict) -> list[dict]:
    """The steps that remove rows of ``request`` (reference format, one input):
    ``[{"node": title, "rows_in": n, "rows_out": m}]`` in pipeline order (faithful path)."""
    from .rows import _EMPTY

    inputs = request.get("Inputs") or {}
    if len(compiled.specs) != 1 or len(inputs) != 1:
        return []
    (name, rows), = inputs.items()
    spec = compiled.specs.get(name)
    if spec is None or not isinstance(rows, list) or not rows:
        return []
    cols, n = tables.columns_from_rows(spec, rows, f"Inputs.{name}")
    frame, _ = compiled.request_frame(name, cols, n)
    trace = compiled.run_frames({name: frame}, trace=True)
    out = []
    for step in compiled.steps:
        rows_in = None
        for src, sport in step.inputs.values():
            if src in compiled._const:
                continue
            v = trace.get(src, {}).get(sport)
            if v is _EMPTY:
                rows_in = 0
            elif isinstance(v, pd.DataFrame):
                rows_in = len(v)
            if rows_in is not None:
                break
        if not rows_in:
            continue
        outs = [0 if v is _EMPTY else len(v) for v in trace.get(step.node_id, {}).values()
                if v is _EMPTY or isinstance(v, pd.DataFrame)]
        if outs and min(outs) < rows_in:
            out.append({"node": step.title, "rows_in": rows_in, "rows_out": min(outs)})
    return out
