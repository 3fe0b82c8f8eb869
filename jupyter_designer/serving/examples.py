"""Example requests that score, and which steps remove request rows (found by
:func:`.rows.removing_steps`).

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
    """The steps that remove rows of ``request`` (reference format):
    ``[{"node": title, "rows_in": n, "rows_out": m}]`` in pipeline order (faithful path)."""
    from .rows import removing_steps, request_trace

    inputs = request.get("Inputs") or {}
    if set(inputs) != set(compiled.specs):
        return []
    given = {}
    for name, rows in inputs.items():
        if not isinstance(rows, list) or not rows:
            return []
        given[name] = tables.columns_from_rows(compiled.specs[name], rows, f"Inputs.{name}")
    return [{"node": f["step"].title, "rows_in": f["rows_in"], "rows_out": f["rows_out"]}
            for f in removing_steps(compiled, request_trace(compiled, given)) if f["rows_in"]]
