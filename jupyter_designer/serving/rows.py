"""One answer per request row, in order.

A scoring answer lines up with its request: the i-th prediction is the i-th row's. Two
things in a pipeline can break that, and neither may pass silently:

- a step removes rows (Clean Missing Data in "Remove entire row" mode removes every row
  with a missing value in a cleaned column): the answer would have fewer rows than the
  request. By default that is a 400 naming each removed row and why; an endpoint deployed
  with ``removed_rows="report"`` answers for the other rows and says which were removed;
- a value the model cannot take (a finite but huge number such as ``1e308``) makes a
  prediction that is not a number (infinite or NaN): a 400 naming the row and the column,
  never a null prediction.

Both checks run on the answer of either scoring path (the fast one and the faithful one), so
both behave the same. They cost a length comparison and a scan for ``None`` per output
column on a good request; the explanation is worked out only for a bad one.

With several Web Service Inputs, each output lines up with the one input whose rows it
answers (the only input it descends from); an output that combines several inputs (a join)
has no row of its own to line up with and is not checked. Which steps remove rows is found
in one place (:func:`removing_steps`), for the 400 here and for the endpoint views'
explanations (:func:`jupyter_designer.serving.examples.rows_removed_by`).
"""

from __future__ import annotations

import math

import pandas as pd

from .errors import RequestError

#: the value of a port when every request row was filtered out before it
_EMPTY = object()

#: what an endpoint does with request rows its pipeline removes
REMOVED_ROWS = ("error", "report")
#: how many rows are named in a message
_NAMED = 5
#: rows tried one by one when a step that is not Clean Missing Data removed some
_TRY_ROWS = 2000


def check_removed_rows(value) -> str:
    v = "error" if value is None else str(value).lower()
    if v not in REMOVED_ROWS:
        raise RequestError(f"The 'removed_rows' parameter of a real-time endpoint must be 'error' "
                           f"(answer 400 when the pipeline removes a request row) or 'report' "
                           f"(answer for the other rows and say which were removed). Got "
                           f"{value!r} instead.")
    return v


class Scored(dict):
    """``{output name: (column names, per-column values)}``; ``removed`` lists the request
    rows the pipeline removed (``[{"row", "reason", "columns"}]``), when the endpoint
    reports them instead of refusing the request; ``removed_by_input`` the same per input."""

    removed: list = []
    removed_by_input: dict = {}


class RowsRemovedError(RequestError):
    """The pipeline removes request rows, so its answer would not line up with the request."""


class NotFiniteError(RequestError):
    """A prediction came out as no finite number."""


def output_inputs(compiled) -> dict:
    """``{output name: the input whose rows it answers, or None}``: the only Web Service
    Input an output descends from (None when it combines several, or none)."""
    found = getattr(compiled, "_output_inputs", None)
    if found is None:
        found = {}
        for out, nid in compiled.output_nodes.items():
            up = compiled.pipeline.ancestors(nid)
            names = [name for name, wid in compiled.input_nodes.items() if wid in up]
            found[out] = names[0] if len(names) == 1 else None
        compiled._output_inputs = found
    return found


def line_up(compiled, given: dict, res: dict) -> dict:
    """Check that every output of ``res`` has one row per row of the input it answers, in
    order, each with finite predictions; raises a 400 naming the row otherwise (or, with
    ``removed_rows = "report"``, returns the rows that remain and the removed ones in
    ``.removed`` / ``.removed_by_input``)."""
    sources = output_inputs(compiled)
    kept: dict = {}
    removed_by: dict = {}
    for out, (names, values) in res.items():
        name = sources.get(out)
        if name is None or name not in given or not names:
            continue
        cols, n = given[name]
        m = len(values[0])
        if m == n or (name in removed_by and len(removed_by[name]) == n - m):
            continue
        removed = removed_by.get(name)
        if removed is None:
            removed = explain_removed(compiled, name, cols, n, given=given)
        if compiled.removed_rows != "report" or len(removed) != n - m:
            raise _removed_error(compiled, name, n, m, removed)
        removed_by[name] = removed
        gone = {r["row"] for r in removed}
        kept[name] = [i for i in range(n) if i not in gone]
    if removed_by:
        res = Scored(res)
        res.removed_by_input = removed_by
        res.removed = [r for rs in removed_by.values() for r in rs]
    for out, (names, values) in res.items():
        name = sources.get(out)
        if name is None or name not in given:
            continue
        cols, n = given[name]
        for c, vals in zip(names, values):
            if None in vals:
                _check_finite(compiled, name, cols, kept.get(name), c, vals, n)
    return res


def _removed_error(compiled, name, n, m, removed) -> RowsRemovedError:
    if not removed:
        return RowsRemovedError(
            f"The pipeline answers {m} rows for the {n} rows of input {name!r}, so its answer "
            "would not line up with the request; no single row explains it. Score the rows one "
            "by one to find the ones it removes.",
            details={"input": name, "rows": n, "answered": m})
    first = removed[0]
    more = ""
    if len(removed) > 1:
        listed = ", ".join(str(r["row"]) for r in removed[:_NAMED])
        more = (f" The pipeline removes {len(removed)} of the {n} rows: {listed}"
                + (", ..." if len(removed) > _NAMED else "") + ".")
    hint = (" Send a value for each such column, or deploy the endpoint with "
            "removed_rows='report' (--removed-rows report) to get predictions for the other "
            "rows and the list of removed ones.") if compiled.removed_rows != "report" else ""
    return RowsRemovedError(
        f"Row {first['row']} of input {name!r} (rows count from 0): {first['reason']}, so it "
        f"would get no prediction.{more}{hint}",
        details={"input": name, "row": first["row"], "columns": first["columns"],
                 "removed_rows": [r["row"] for r in removed]})


def _table_in(compiled, step, trace):
    """``(source node, value)`` of the first input of ``step`` that carries request rows (a
    table, or :data:`_EMPTY`), or ``(None, None)``."""
    for src, sport in step.inputs.values():
        if src in compiled._const:
            continue
        v = trace.get(src, {}).get(sport)
        if v is _EMPTY or isinstance(v, pd.DataFrame):
            return src, v
    return None, None


def removing_steps(compiled, trace: dict) -> list[dict]:
    """The request-dependent steps that answer fewer rows than they were given, in pipeline
    order, from a traced run of the faithful path (:meth:`CompiledPipeline.run_frames` with
    ``trace``): ``[{"step", "source", "data_in", "rows_in", "rows_out"}]``."""
    out = []
    for step in compiled.steps:
        src, data_in = _table_in(compiled, step, trace)
        if src is None:
            continue
        rows_in = 0 if data_in is _EMPTY else len(data_in)
        outs = [0 if v is _EMPTY else len(v) for v in trace.get(step.node_id, {}).values()
                if v is _EMPTY or isinstance(v, pd.DataFrame)]
        if outs and min(outs) < rows_in:
            out.append({"step": step, "source": src, "data_in": data_in, "rows_in": rows_in,
                        "rows_out": min(outs)})
    return out


def request_trace(compiled, given: dict) -> dict:
    """Every node's outputs on the faithful path for checked request columns ``given``."""
    frames = {k: compiled.request_frame(k, c, m)[0] for k, (c, m) in given.items()}
    return compiled.run_frames(frames, trace=True)


def explain_removed(compiled, name: str, cols: dict, n: int, *, given: dict | None = None) -> list[dict]:
    """The rows of input ``name`` the pipeline removes, each with the reason: ``[{"row",
    "reason", "columns"}]`` (found on the faithful path, in row order). ``given`` holds the
    request's other inputs, when there are several."""
    given = {**(given or {}), name: (cols, n)}
    trace = request_trace(compiled, given)
    const = compiled._const
    lineage = compiled.pipeline.descendants(compiled.input_nodes[name]) | {compiled.input_nodes[name]}
    for found in removing_steps(compiled, trace):
        step, data_in = found["step"], found["data_in"]
        if found["source"] not in lineage or found["rows_in"] != n:
            continue
        tr = None
        src = step.inputs.get("transformation")
        if src is not None:
            tr = const.get(src[0], {}).get(src[1])
        if tr is not None and getattr(tr, "mode", None) == "Remove entire row":
            return _cleaning_removes(tr, data_in, step)
        return _tried_one_by_one(compiled, step, data_in)
    return []


def _cleaning_removes(tr, frame: pd.DataFrame, step) -> list[dict]:
    what = f"the pipeline's {getattr(tr, 'source', '') or step.title} (Remove entire row)"
    columns = [c for c in tr.columns if c in frame.columns]
    missing = frame[columns].isna().to_numpy()
    out = []
    for i in missing.any(axis=1).nonzero()[0].tolist():
        nulls = [c for c, m in zip(columns, missing[i]) if m]
        out.append(_entry(i, nulls, what))
    return out


def _entry(i: int, nulls: list, what: str) -> dict:
    if len(nulls) == 1:
        reason = f"column {nulls[0]!r} is null and {what} removes such rows"
    elif nulls:
        reason = (f"columns {', '.join(map(repr, nulls))} are null and {what} removes such "
                  "rows")
    else:
        reason = f"{what} removes it"
    return {"row": i, "reason": reason, "columns": nulls}


def _tried_one_by_one(compiled, step, frame: pd.DataFrame) -> list[dict]:
    """Rows ``step`` removes, found by running it on each row alone (rows with a missing
    value first, at most :data:`_TRY_ROWS` rows)."""
    ins = {}
    target = None
    for port, (src, sport) in step.inputs.items():
        if src in compiled._const:
            ins[port] = compiled._const[src][sport]
        else:
            target = port
    na = frame.isna().to_numpy()
    order = sorted(range(len(frame)), key=lambda i: not na[i].any())[:_TRY_ROWS]
    out = []
    for i in order:
        try:
            res = compiled._run_step(step, {**ins, target: frame.iloc[[i]].reset_index(drop=True)})
        except Exception:
            continue
        sizes = [len(v) for v in res.values() if isinstance(v, pd.DataFrame)] or [1]
        if min(sizes) == 0 or any(v is _EMPTY for v in res.values()):
            nulls = [str(c) for c, m in zip(frame.columns, na[i]) if m]
            out.append(_entry(i, nulls, f"the pipeline's {step.title}"))
    return sorted(out, key=lambda r: r["row"])


def _check_finite(compiled, name, cols, kept, column, vals, n) -> None:
    """A null in an answer column is fine where the request's own value was null (passed
    through); anywhere else it is a prediction or value that came out as no number."""
    sent = cols.get(column)
    if any(isinstance(v, str) for v in vals):
        return
    for j, v in enumerate(vals):
        if v is not None:
            continue
        i = kept[j] if kept is not None else j
        if sent is not None and i < len(sent) and sent[i] is None:
            continue
        culprit = _most_extreme(compiled, name, cols, i)
        if culprit is None:
            raise NotFiniteError(
                f"Row {i} of input {name!r} (rows count from 0): the pipeline's {column!r} came "
                "out as no finite number (infinite or NaN) for this row.",
                details={"input": name, "row": i, "output_column": column})
        col, value, scale = culprit
        raise NotFiniteError(
            f"Row {i} of input {name!r} (rows count from 0), column {col!r}: the value {value!r} "
            f"is too large for the model (the training data's values reach {scale:g}); the "
            f"pipeline's {column!r} came out as no finite number (infinite or NaN) for this row. "
            f"Send a value in the range of the training data.",
            details={"input": name, "row": i, "column": col, "output_column": column})


def _most_extreme(compiled, name, cols, i):
    """``(column, value, training scale)`` of row ``i``'s number furthest outside the training
    data's scale, or None."""
    spec = compiled.specs[name]
    sample = compiled.samples.get(name)
    best = None
    for c in spec.request_columns:
        if c.kind not in ("integer", "double"):
            continue
        values = cols.get(c.name)
        v = values[i] if values is not None and i < len(values) else None
        if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        scale = 1.0
        if sample is not None and c.name in sample.columns:
            try:
                s = float(pd.to_numeric(sample[c.name], errors="coerce").abs().max())
            except (TypeError, ValueError):
                s = math.nan
            if math.isfinite(s) and s > 0:
                scale = s
        ratio = abs(float(v)) / scale
        if best is None or ratio > best[0]:
            best = (ratio, c.name, v, scale)
    if best is None or best[0] <= 1e6:
        return None
    return best[1], best[2], best[3]
