"""The fast scoring path of a compiled inference pipeline.

A request's rows travel as plain numpy columns (``{name: array}``) through steps prepared
when the endpoint loads, with no DataFrame built per request. Along with the columns goes
the set of column names known to hold no missing (or non-finite) value, seen on the
request's Python values, so steps skip the per-column missing-value scans that would
otherwise cost more than scoring a one-row request:

- Select Columns in Dataset: the column list it selected on the sample rows;
- Apply Transformation with a fitted Clean Missing Data, Normalize Data or Select Columns
  Transform: the fitted substitutions / statistics / columns applied to arrays;
- Score Model / Assign Data to Clusters: the trained model compiled to ONNX Runtime
  (:mod:`.onnx_scoring`; the same score columns as Score Model), or else the scikit-learn
  model itself;
- Web Service Output: the table as it is.

A one-row request (the usual real-time call) travels as one row of Python values instead
(``{name: value}``), through the same steps' row versions: numpy operations on one-element
arrays would cost more than the work itself. The row keeps the values the columns would hold
(a double column's values are floats, an integer column's ints, ...), and each step knows the
numpy kind of every column it receives, so a row gives exactly what its column version gives.

A pipeline with any other component between its Web Service Input and Output is served
by the faithful path only. The fast path is used only after it gave the same results as the
faithful path on the training data's sample rows (and on copies of them with missing values),
and a request it cannot handle exactly (e.g. a missing value in an integer column) falls
back to the faithful path, which also produces the error messages.
"""

from __future__ import annotations

import logging
import math
from math import isfinite, isnan

import numpy as np
import pandas as pd

from jupyter_designer.engine.models import Transformation, TrainedModel

from . import tables
from .onnx_scoring import Fallback, _compile_onnx

log = logging.getLogger("jupyter_designer.serving")

_STR = {str}


class _RowRemoved(Exception):
    """A step removed the request's one row: the columns version answers (an empty table)."""


# -- column helpers ------------------------------------------------------------------------
def _isna(a: np.ndarray) -> np.ndarray:
    k = a.dtype.kind
    if k == "f":
        return np.isnan(a)
    if k == "O":
        return np.array([v is None or (v.__class__ is float and v != v) for v in a.tolist()],
                        dtype=bool)
    return np.zeros(len(a), dtype=bool)


def _as_float(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "fiub":
        return a.astype(np.float64, copy=False)
    raise Fallback("not numeric")


def _fill(a: np.ndarray, value) -> np.ndarray:
    mask = _isna(a)
    if not mask.any():
        return a
    if a.dtype.kind == "f":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Fallback("replacement type")
        return np.where(mask, float(value), a)
    if a.dtype.kind == "O":
        out = a.copy()
        out[mask] = value
        return out
    raise Fallback("fill")


def _row_missing(v) -> bool:
    """Whether a row value is what :func:`_isna` finds missing in its column: a float column's
    values are floats, an object column's None or a float NaN, other columns' never missing."""
    return v is None or (v.__class__ is float and v != v)


def _refuse(why: str):
    """The row function of a step that cannot take the columns it receives (its columns
    version refuses every request)."""
    def row(r):
        raise Fallback(why)
    return row


def _fill_value(kind: str, value):
    """The value :func:`_fill` puts in place of a missing one, in a column of numpy ``kind``."""
    if kind == "f":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Fallback("replacement type")
        return float(value)
    if kind == "O":
        return value
    raise Fallback("fill")


# -- steps -----------------------------------------------------------------------------------
# Each step takes ``(columns, n rows, known complete)`` and returns ``(columns, n)``. Its
# ``row_function(kinds)``, given the numpy kind of each column the step receives (which
# columns it receives and their kinds do not depend on the request), returns the function
# doing the same to a one-row request: ``row -> row``.
class SelectColumns:
    def __init__(self, names):
        self.names = list(names)

    def __call__(self, t: dict, n: int, known: set):
        try:
            return {c: t[c] for c in self.names}, n
        except KeyError:
            raise Fallback("column") from None

    def row_function(self, kinds: dict):
        names = self.names
        if any(c not in kinds for c in names):
            return _refuse("column")
        return lambda r: {c: r[c] for c in names}


class ApplyCleaning:
    def __init__(self, tr):
        from jupyter_designer.components.data_transformation import cleaning

        if tr.mode == cleaning.MICE or tr.imputer is not None:
            raise ValueError("MICE cleaning")
        self.remove_rows = tr.mode == cleaning.REMOVE_ROW
        self.columns = list(tr.columns)
        self.fill = {c: cleaning._unplain(v) for c, v in tr.fill.items() if v is not None}
        if any(isinstance(v, (pd.Timestamp, pd.Timedelta)) for v in self.fill.values()):
            raise ValueError("date fill")
        self.drop = set(tr.drop)
        self.indicators = [(c, name) for c, name in tr.indicators]

    def __call__(self, t: dict, n: int, known: set):
        for c in self.columns:
            if c not in t:
                raise Fallback("column")
        ind = {name: np.zeros(n, dtype=bool) if c in known else _isna(t[c])
               for c, name in self.indicators}
        if self.remove_rows:
            bad = None
            for c in self.columns:
                if c not in known:
                    m = _isna(t[c])
                    bad = m if bad is None else bad | m
            if bad is not None and bad.any():
                keep = ~bad
                t = {c: a[keep] for c, a in t.items()}
                ind = {k: v[keep] for k, v in ind.items()}
                n = int(keep.sum())
        elif self.fill:
            t = dict(t)
            for c, v in self.fill.items():
                if c in t and c not in known:
                    t[c] = _fill(t[c], v)
        if self.drop:
            t = {c: a for c, a in t.items() if c not in self.drop}
        if ind:
            t = dict(t)
            t.update(ind)
            known.update(ind)
        return t, n

    def row_function(self, kinds: dict):
        if any(c not in kinds for c in self.columns):
            return _refuse("column")
        if any(c not in kinds for c, _ in self.indicators):
            return _refuse("indicator column")
        indicators, drop = self.indicators, self.drop
        # what can be missing: NaN in a float column, None or a float NaN in an object column
        floats = [c for c in self.columns if kinds[c] == "f"]
        objects = [c for c in self.columns if kinds[c] == "O"]
        fill = {c: (kinds[c], v) for c, v in self.fill.items() if c in kinds}
        remove_rows = self.remove_rows

        def row(r):
            ind = {name: _row_missing(r[c]) for c, name in indicators}
            if remove_rows:
                if any(map(isnan, [r[c] for c in floats])):
                    raise _RowRemoved
                values = [r[c] for c in objects]
                if not set(map(type, values)) <= _STR and any(map(_row_missing, values)):
                    raise _RowRemoved
            elif fill:
                r = dict(r)
                for c, (kind, v) in fill.items():
                    if _row_missing(r[c]):
                        r[c] = _fill_value(kind, v)
            if drop:
                r = {c: v for c, v in r.items() if c not in drop}
            if ind:
                r = dict(r)
                r.update(ind)
            return r
        return row


class ApplyNormalize:
    def __init__(self, tr):
        self.tr = tr
        self.columns = [(c, tr.stats[c]) for c in tr.columns if tr.stats.get(c) is not None]
        self.all = list(tr.columns)

    def __call__(self, t: dict, n: int, known: set):
        for c in self.all:
            if c not in t or t[c].dtype.kind not in "fiu":
                raise Fallback("column")
        t = dict(t)
        with np.errstate(all="ignore"):
            for c, st in self.columns:
                t[c] = self.tr._scale(_as_float(t[c]), st)
                known.discard(c)  # a scaled value may be NaN (a constant column, say)
        return t, n

    def row_function(self, kinds: dict):
        if any(c not in kinds or kinds[c] not in "fiu" for c in self.all):
            return _refuse("column")
        scale, columns = self.tr._scale, self.columns

        def row(r):
            r = dict(r)
            with np.errstate(all="ignore"):
                for c, st in columns:
                    r[c] = float(scale(np.array([float(r[c])]), st)[0])
            return r
        return row


class ApplyColumnSelection:
    """Select Columns Transform's and Filter Based Feature Selection's fixed column list (its
    label/target may be absent)."""

    def __init__(self, tr):
        self.columns = list(tr.columns)
        self.label = getattr(tr, "label", None) or getattr(tr, "target", None)

    def __call__(self, t: dict, n: int, known: set):
        for c in self.columns:
            if c not in t and c != self.label:
                raise Fallback("column")
        return {c: t[c] for c in self.columns if c in t}, n

    def row_function(self, kinds: dict):
        return lambda r: self(r, 1, set())[0]


def _transformation_step(tr: Transformation):
    name = type(tr).__name__
    if name == "CleaningTransformation":
        return ApplyCleaning(tr)
    if name == "NormalizeTransformation":
        return ApplyNormalize(tr)
    if name in ("ColumnSelectionTransformation", "FeatureSelectionTransformation"):
        return ApplyColumnSelection(tr)
    raise ValueError(f"no fast step for {name}")


class Score:
    """Score Model / Assign Data to Clusters on numpy columns."""

    def __init__(self, model: TrainedModel, append: bool, *, onnx: bool = True):
        from jupyter_designer.components import ml

        self.ml = ml
        self.model = model
        self.append = append
        self.features = list(model.feature_columns)
        self.kinds = dict(model.feature_kinds)
        self.numeric = [c for c in self.features if self.kinds.get(c) in ("integer", "double")]
        if model.info.get("accepts_dataframe") or model.info.get("quantiles"):
            raise ValueError("model kind")
        if model.task not in ("regression", "binary", "multiclass", "clustering"):
            raise ValueError(f"{model.task} models")
        self.classes = np.asarray(model.classes, dtype=object) if model.classes is not None else None
        self.onnx = None
        self.onnx_note = "ONNX not tried"
        if onnx:
            self.onnx, self.onnx_note = _compile_onnx(model)

    @property
    def kind(self) -> str:
        return "onnx" if self.onnx is not None else "sklearn"

    @property
    def has_row(self) -> bool:
        return self.onnx is not None   # the scikit-learn model costs more than its columns

    def _check(self, t, known):
        for c in self.features:
            a = t.get(c)
            if a is None:
                raise Fallback("feature missing")
        for c in self.numeric:
            a = t[c]
            if a.dtype.kind == "O" or (a.dtype.kind == "f" and c not in known and np.isnan(a).any()):
                raise Fallback("numeric feature")

    def __call__(self, t: dict, n: int, known: set):
        self._check(t, known)
        cols = self.onnx.predict(t, n, known) if self.onnx is not None else self._sklearn(t, n)
        known.difference_update(cols)
        if self.append:
            out = dict(t)
            out.update(cols)
            return out, n
        return cols, n

    def row_function(self, kinds: dict):
        if any(c not in kinds for c in self.features):
            return _refuse("feature missing")
        if any(kinds[c] == "O" for c in self.numeric):
            return _refuse("numeric feature")
        floats = [c for c in self.numeric if kinds[c] == "f"]
        predict, append = self.onnx.row_function(kinds), self.append

        def row(r):
            if any(map(isnan, [r[c] for c in floats])):
                raise Fallback("numeric feature")
            cols = predict(r)
            if append:
                out = dict(r)
                out.update(cols)
                return out
            return cols
        return row

    def _sklearn(self, t, n):
        X = pd.DataFrame({c: t[c] for c in self.features})
        scored = self.ml.score_frame(self.model, X, append=False)
        return {str(c): scored[c].to_numpy() for c in scored.columns}


# -- the fast path -----------------------------------------------------------------------------
class FastPath:
    def __init__(self, compiled, input_name: str, output_name: str, steps: list, score_kind: str):
        self.compiled = compiled
        self.input_name = input_name
        self.output_name = output_name
        self.spec = compiled.specs[input_name]
        self.steps = steps
        self.kind = score_kind
        self.int_columns = [c.name for c in self.spec.request_columns if c.kind == "integer"]
        self.converters = []
        for c in self.spec.columns:
            self.converters.append((c.name, c.kind, c.required, c.placeholder))
        self.row_converters = [(c.name, _ROW_CODES.get(c.kind, -1), c.required, c.placeholder, c.kind)
                               for c in self.spec.columns]
        self.row_plan = None   # the steps' row functions: plan_rows

    def arrays(self, cols: dict, n: int) -> tuple[dict, list, set]:
        """The columns as arrays, the label columns filled in, and the names of the columns
        with no missing or non-finite value."""
        t, filled, known = {}, [], set()
        for name, kind, required, placeholder in self.converters:
            values = cols.get(name)
            if not required and (values is None or all(v is None for v in values)):
                values = [placeholder] * n
                filled.append(name)
            if kind == "double":
                t[name] = a = np.array(values, dtype=np.float64)
                if np.isfinite(a).all():  # None is NaN here
                    known.add(name)
            elif kind == "integer":
                if None in values:
                    raise Fallback("missing integer")  # the faithful path turns it to double
                t[name] = np.array(values, dtype=np.int64)
                known.add(name)
            elif kind in ("string", "categorical"):
                a = np.empty(n, dtype=object)
                a[:] = values
                t[name] = a
                if None not in values and set(map(type, values)) == _STR:
                    known.add(name)
            elif kind == "boolean":
                if None in values:
                    raise Fallback("missing boolean")
                t[name] = np.array(values, dtype=bool)
                known.add(name)
            else:
                raise Fallback(kind)
        return t, filled, known

    def row(self, cols: dict) -> tuple[dict, list]:
        """A one-row request as ``{column: value}`` holding what :meth:`arrays` puts in its
        columns (floats in double columns, ints in integer columns, ...), and the label
        columns filled in."""
        r, filled = {}, []
        for name, code, required, placeholder, kind in self.row_converters:
            if required:
                v = cols[name][0]
            else:
                values = cols.get(name)
                v = values[0] if values else None
                if v is None:
                    v = placeholder
                    filled.append(name)
            if code == _OBJECT:
                r[name] = v
            elif code == _DOUBLE:
                r[name] = _NAN if v is None else float(v)
            elif code == _INTEGER:
                if v is None:
                    raise Fallback("missing integer")  # the faithful path turns it to double
                if v.__class__ is not int:
                    v = int(v) if v.__class__ is float and v.is_integer() else _no_int(v)
                if not _INT64_MIN <= v <= _INT64_MAX:
                    raise Fallback("integer beyond 64 bits")
                r[name] = v
            elif code == _BOOLEAN:
                if v.__class__ is not bool:
                    raise Fallback("missing boolean" if v is None else "boolean")
                r[name] = v
            else:
                raise Fallback(kind)
        return r, filled

    def run_row(self, cols: dict):
        r, filled = self.row(cols)
        for step in self.row_plan:
            r = step(r)
        names, values = list(r), list(r.values())
        for c in filled:
            if c in r:
                i = names.index(c)
                del names[i], values[i]
        # as _json_value gives them (checked at once when they are plain and finite)
        types = set(map(type, values))
        if not types <= _PLAIN or (float in types and not isfinite(
                sum([v for v in values if v.__class__ is float]))):
            values = list(map(_json_value, values))
        return names, [[v] for v in values]

    def run(self, cols: dict, n: int, *, rows: bool = True):
        if n == 1 and rows and self.row_plan is not None:
            try:
                return self.run_row(cols)
            except _RowRemoved:
                pass
        t, filled, known = self.arrays(cols, n)
        for step in self.steps:
            t, n = step(t, n, known)
        names = [c for c in t if c not in filled]
        values = []
        for c in names:
            a = t[c]
            # a column known complete needs no check for NaN/inf (or None, or numpy scalars in
            # a column of strings) on its way out
            values.append(a.tolist() if c in known and a.dtype.kind in "fiubO" else tables.array_values(a))
        return names, values

    def plan_rows(self, cols: dict, n: int):
        """The steps' row functions, given the numpy kinds of the columns each receives (seen
        by running the columns version on ``cols``), or ``None`` when a step has none."""
        if not all(getattr(step, "has_row", True) for step in self.steps):
            return None
        t, _, known = self.arrays(cols, n)
        plan = []
        for step in self.steps:
            plan.append(step.row_function({c: a.dtype.kind for c, a in t.items()}))
            t, n = step(t, n, known)
        return plan

    def score(self, given: dict, *, rows: bool = True):
        """``{output: (names, values)}``, or ``None`` when the faithful path must answer."""
        cols, n = given[self.input_name]
        try:
            names, values = self.run(cols, n, rows=rows)
        except Fallback:
            return None
        except Exception:  # never let the fast path turn a request into a failure
            log.debug("fast path failed; using the faithful path", exc_info=True)
            return None
        return {self.output_name: (names, values)}


_NAN = float("nan")
_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1
_OBJECT, _DOUBLE, _INTEGER, _BOOLEAN = range(4)   # how FastPath.row reads a column's value
_ROW_CODES = {"double": _DOUBLE, "integer": _INTEGER, "string": _OBJECT, "categorical": _OBJECT,
              "boolean": _BOOLEAN}
_PLAIN = {str, int, bool, float, type(None)}


def _json_value(v):
    """A row's value as :func:`tables.array_values` gives its column's: None for a non-finite
    float, numpy scalars as Python values."""
    t = v.__class__
    if t is float:
        return v if isfinite(v) else None
    if t is str or t is int or t is bool or v is None:
        return v
    return tables.python_value(v)


def _no_int(v):
    """``np.array([v], dtype=np.int64)[0]`` as a Python int, for what is not an int or float."""
    return int(np.array([v], dtype=np.int64)[0])


def build_fast_path(compiled) -> tuple[FastPath | None, str]:
    """The verified fast path of a compiled pipeline, or ``(None, why not)``."""
    from jupyter_designer.engine.inference import WEB_SERVICE_OUTPUT

    if len(compiled.specs) != 1 or len(compiled.output_nodes) != 1:
        return None, "several Web Service Inputs or Outputs"
    (input_name, spec), = compiled.specs.items()
    if spec.open:
        return None, "the input schema is unknown"
    if any(c.kind not in ("integer", "double", "string", "categorical", "boolean") for c in spec.columns):
        return None, "date or time span columns"
    sample = compiled.samples.get(input_name)
    if sample is None or not len(sample):
        return None, "no sample rows to check it on"
    # the chain: each step takes the table from the one before
    wsi = compiled.input_nodes[input_name]
    try:
        frames = compiled._sample_request_frames()
        trace = compiled.run_frames(frames, trace=True)
    except Exception as exc:
        return None, f"the pipeline fails on the sample rows ({exc})"
    steps, prev, score_kind, notes = [], wsi, "numpy", []
    for step in compiled.steps:
        table_inputs = [(port, src, sport) for port, (src, sport) in step.inputs.items()
                        if src not in compiled._const]
        if len(table_inputs) != 1 or table_inputs[0][1] != prev:
            return None, f"{step.title} does not follow a single chain"
        cid = step.spec.id
        consts = {port: compiled._const[src][sport] for port, (src, sport) in step.inputs.items()
                  if src in compiled._const}
        try:
            if cid == "select_columns_in_dataset":
                out = trace[step.node_id]["results_dataset"]
                steps.append(SelectColumns([str(c) for c in out.columns]))
            elif cid == "apply_transformation":
                steps.append(_transformation_step(consts["transformation"]))
            elif cid in ("score_model", "assign_data_to_clusters"):
                append = step.params.get("append_score_columns_to_output",
                                         step.params.get("check_for_append_or_uncheck_for_result_only", True))
                sc = Score(consts["trained_model"], bool(append))
                notes.append(sc.onnx_note if sc.onnx is not None
                             else f"the scikit-learn model; not ONNX: {sc.onnx_note}")
                score_kind = sc.kind
                steps.append(sc)
            elif cid == WEB_SERVICE_OUTPUT:
                pass
            else:
                return None, f"{step.spec.name} has no fast step"
        except Exception as exc:
            return None, f"{step.spec.name}: {exc}"
        prev = step.node_id
    fp = FastPath(compiled, input_name, compiled.output_names[0], steps, score_kind)
    ok, why = verify(compiled, fp, input_name, sample)
    if not ok and score_kind == "onnx":
        # the model through ONNX differs: try the scikit-learn model on numpy columns
        for i, s in enumerate(steps):
            if isinstance(s, Score):
                steps[i] = Score(s.model, s.append, onnx=False)
        fp = FastPath(compiled, input_name, compiled.output_names[0], steps, "sklearn")
        ok2, why2 = verify(compiled, fp, input_name, sample)
        if ok2:
            return fp, f"fast path with the scikit-learn model (ONNX: {why})"
        return None, why2
    if not ok:
        return None, why
    return fp, "fast path" + (f" ({'; '.join(notes)})" if notes else "")


def _close(a, b, rtol) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=rtol * 1e-3)
        except (TypeError, ValueError):
            return False
    return a == b


def _same(a, b) -> bool:
    return a.__class__ is b.__class__ and (a == b or (a != a and b != b))


def _plan_rows(compiled, fp: FastPath, input_name: str, cases: list, rtol: float) -> str:
    """Give ``fp`` its one-row path if every one-row request in ``cases`` gets from it what it
    gets from the columns version (the same values of the same types), or the faithful path's
    results where the columns version falls back. Returns why not, or ""."""
    plan = None
    for cols, rows in cases:  # the numpy kinds of the columns, seen on requests that score
        try:
            plan = fp.plan_rows(cols, rows)
            break
        except Exception:
            continue
    if plan is None:
        return "no row version of a step, or no request scored"
    fp.row_plan = plan
    why = ""
    for i, (cols, rows) in enumerate(cases):
        if rows != 1:
            continue
        got = fp.score({input_name: (cols, 1)})
        if got is None:
            continue  # the faithful path answers it
        want = fp.score({input_name: (cols, 1)}, rows=False)
        same = _same
        if want is None:
            try:
                want = compiled.score_without_fast({input_name: (cols, 1)})
            except Exception:
                why = "the row version scores a request the faithful path refuses"
                break
            same = lambda a, b: _close(a, b, rtol)  # noqa: E731
        (ng, vg), = got.values()
        (nw, vw), = want.values()
        if ng != nw:
            why = f"one-row request {i}: the row version gives the columns {ng}, not {nw}"
            break
        differ = [name for name, a, b in zip(ng, vg, vw)
                  if len(a) != len(b) or not all(map(same, a, b))]
        if differ:
            why = f"one-row request {i}: the row version differs in {differ[0]!r}"
            break
    if why:
        fp.row_plan = None
    return why


def verify(compiled, fp: FastPath, input_name: str, sample: pd.DataFrame) -> tuple[bool, str]:
    """Whether the fast path gives the faithful path's results on the sample rows, one by one,
    all at once and with each column missing in turn (after giving the fast path its one-row
    version if that agrees with its columns version on those one-row requests)."""
    spec = compiled.specs[input_name]
    req = [c.name for c in spec.request_columns]
    base = {c: tables.series_values(sample[c]) for c in req if c in sample.columns}
    n = len(sample)
    # each column missing in turn: one request with a hole per row; if the faithful path
    # refuses it (e.g. no cleaning before the model), the columns one by one
    holes = {c: [v[i % n] for i in range(len(req))] for c, v in base.items()}
    for i, c in enumerate(req):
        if c in holes:
            holes[c][i] = None
    holes_case = (holes, len(req))
    rtol = 1e-4 if fp.kind == "onnx" and any(
        isinstance(s, Score) and s.onnx is not None and s.onnx.dtype == np.float32 for s in fp.steps) else 1e-7
    singles = ([({c: v[i:i + 1] for c, v in base.items()}, 1) for i in range(n)]
               + [({c: v[i:i + 1] for c, v in holes.items()}, 1) for i in range(len(req))])
    why_not_rows = _plan_rows(compiled, fp, input_name, [(base, n)] + singles, rtol)
    if why_not_rows and fp.kind == "onnx":
        log.info("one-row requests take the columns version of the fast path: %s", why_not_rows)
    cases = [(base, n)]
    for i in range(min(n, 5)):
        cases.append(({c: v[i:i + 1] for c, v in base.items()}, 1))
    try:
        compiled.score_without_fast({input_name: holes_case})
        cases.append(holes_case)
    except Exception:
        first = {c: v[:1] for c, v in base.items()}
        for c in req[:12]:
            cases.append(({**first, c: [None]}, 1))
    used = 0
    for cols, rows in cases:
        try:
            expected = compiled.score_without_fast({input_name: (cols, rows)})
        except Exception:
            expected = None
        got = fp.score({input_name: (cols, rows)})
        if expected is None or got is None:
            continue  # the faithful path answers these (errors, fallbacks)
        used += 1
        (ne, ve), = expected.values()
        (ng, vg), = got.values()
        if ne != ng:
            return False, f"columns differ: {ne} vs {ng}"
        for name, a, b in zip(ne, ve, vg):
            if len(a) != len(b):
                return False, f"{name}: {len(a)} vs {len(b)} rows"
            for x, y in zip(a, b):
                if not _close(x, y, rtol):
                    return False, f"{name}: {x!r} vs {y!r}"
    if not used:
        return False, "no sample row could be checked"
    return True, ""
