"""The fast scoring path of a compiled inference pipeline.

A request's rows travel as plain numpy columns (``{name: array}``) through steps prepared
when the endpoint loads, with no DataFrame built per request. Along with the columns goes
the set of column names known to hold no missing (or non-finite) value, seen on the
request's Python values, so steps skip the per-column missing-value scans that would
otherwise cost more than scoring a one-row request.

The steps are the ones components and fitted transformations declare themselves
(:mod:`jupyter_designer.components.fast_steps`): Select Columns in Dataset, Apply
Transformation with a transformation that has a fast step (Clean Missing Data, Normalize
Data, Select Columns Transform, Filter Based Feature Selection), Web Service Output, and Score
Model / Assign Data to Clusters, whose trained model is compiled here to ONNX Runtime
(:mod:`.onnx_scoring`; the same score columns as Score Model), or else scored by the
scikit-learn model itself.

The steps form a tree rooted at the Web Service Input: a step takes the table of the step
before it, and a table may feed several steps, so a pipeline scoring with several models and
answering through several Web Service Outputs (two regressors compared side by side, say) is
covered as a single chain is.

A one-row request (the usual real-time call) travels as one row of Python values instead
(``{name: value}``), through the same steps' row versions: numpy operations on one-element
arrays would cost more than the work itself. The row keeps the values the columns would hold
(a double column's values are floats, an integer column's ints, ...), and each step knows the
numpy kind of every column it receives, so a row gives exactly what its column version gives.

A pipeline with a component that declares no fast step between its Web Service Input and
Outputs is served by the faithful path only. The fast path is used only after it gave the
same results as the faithful path on the training data's sample rows (and on copies of them
with missing values), and a request it cannot handle exactly (e.g. a missing value in an
integer column) falls back to the faithful path, which also produces the error messages.
"""

from __future__ import annotations

import logging
import math
from math import isfinite, isnan

import numpy as np
import pandas as pd

from jupyter_designer.components import fast_steps
from jupyter_designer.components.fast_steps import Fallback, RowRemoved
from jupyter_designer.engine.models import TrainedModel

from . import tables
from .onnx_scoring import compile_onnx

log = logging.getLogger("jupyter_designer.serving")

_STR = {str}


class Score:
    """Score Model / Assign Data to Clusters on numpy columns: the trained model compiled to
    ONNX Runtime, or the scikit-learn model itself (``onnx=False``)."""

    def __init__(self, model: TrainedModel, append: bool, *, onnx: bool = True):
        from jupyter_designer.components import ml

        self.ml = ml
        self.model = model
        self.append = append
        self.features = list(model.feature_columns)
        self.kinds = dict(model.feature_kinds)
        self.numeric = [c for c in self.features if self.kinds.get(c) in ("integer", "double")]
        if model.info.get("accepts_dataframe"):
            raise ValueError("a model scoring DataFrames")
        if model.task not in ("regression", "binary", "multiclass", "clustering", "anomaly"):
            raise ValueError(f"{model.task} models")
        self.onnx = None
        self.onnx_note = "ONNX not tried"
        if onnx:
            self.onnx, self.onnx_note = compile_onnx(model)

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
            return fast_steps.refuse("feature missing")
        if any(kinds[c] == "O" for c in self.numeric):
            return fast_steps.refuse("numeric feature")
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
    """The steps of a compiled pipeline as a tree rooted at its Web Service Input.

    ``plan`` lists ``(node id, source node id, step)`` in running order; ``outputs`` maps each
    Web Service Output's name to the node whose table it returns."""

    def __init__(self, compiled, input_name: str, plan: list, outputs: dict, score_kind: str):
        self.compiled = compiled
        self.input_name = input_name
        self.root = compiled.input_nodes[input_name]
        self.plan = plan
        self.outputs = dict(outputs)
        self.output_name = next(iter(self.outputs))
        self.spec = compiled.specs[input_name]
        self.kind = score_kind
        self.int_columns = [c.name for c in self.spec.request_columns if c.kind == "integer"]
        self.converters = []
        for c in self.spec.columns:
            self.converters.append((c.name, c.kind, c.required, c.placeholder))
        self.row_converters = [(c.name, _ROW_CODES.get(c.kind, -1), c.required, c.placeholder, c.kind)
                               for c in self.spec.columns]
        self.row_plan = None   # the steps' row functions: plan_rows

    @property
    def steps(self) -> list:
        return [step for _, _, step in self.plan]

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

    @staticmethod
    def _answer(names, values, filled):
        for c in filled:
            if c in names:
                i = names.index(c)
                del names[i], values[i]
        # as _json_value gives them (checked at once when they are plain and finite)
        types = set(map(type, values))
        if not types <= _PLAIN or (float in types and not isfinite(
                sum([v for v in values if v.__class__ is float]))):
            values = list(map(_json_value, values))
        return names, [[v] for v in values]

    def run_row(self, cols: dict) -> dict:
        r, filled = self.row(cols)
        rows = {self.root: r}
        for nid, src, fn in self.row_plan:
            rows[nid] = fn(rows[src])
        out = {}
        for name, nid in self.outputs.items():
            r = rows[nid]
            out[name] = self._answer(list(r), list(r.values()), filled)
        return out

    def run_tables(self, cols: dict, n: int) -> tuple[dict, list]:
        """``{node id: (columns, n, known)}`` after each step, and the filled label columns."""
        t, filled, known = self.arrays(cols, n)
        tabs = {self.root: (t, n, known)}
        for nid, src, step in self.plan:
            t, n, known = tabs[src]
            known = set(known)  # a table may feed several steps: each keeps its own
            t, n = step(t, n, known)
            tabs[nid] = (t, n, known)
        return tabs, filled

    def run(self, cols: dict, n: int, *, rows: bool = True) -> dict:
        if n == 1 and rows and self.row_plan is not None:
            try:
                return self.run_row(cols)
            except RowRemoved:
                pass
        tabs, filled = self.run_tables(cols, n)
        out = {}
        for name, nid in self.outputs.items():
            t, n, known = tabs[nid]
            names = [c for c in t if c not in filled]
            values = []
            for c in names:
                a = t[c]
                # a column known complete needs no check for NaN/inf (or None, or numpy scalars
                # in a column of strings) on its way out
                values.append(a.tolist() if c in known and a.dtype.kind in "fiubO"
                              else tables.array_values(a))
            out[name] = (names, values)
        return out

    def plan_rows(self, cols: dict, n: int):
        """The steps' row functions, given the numpy kinds of the columns each receives (seen
        by running the columns version on ``cols``), or ``None`` when a step has none."""
        if not all(getattr(step, "has_row", True) for step in self.steps):
            return None
        tabs, _ = self.run_tables(cols, n)
        return [(nid, src, step.row_function({c: a.dtype.kind for c, a in tabs[src][0].items()}))
                for nid, src, step in self.plan]

    def score(self, given: dict, *, rows: bool = True):
        """``{output: (names, values)}``, or ``None`` when the faithful path must answer."""
        cols, n = given[self.input_name]
        try:
            return self.run(cols, n, rows=rows)
        except Fallback:
            return None
        except Exception:  # never let the fast path turn a request into a failure
            log.debug("fast path failed; using the faithful path", exc_info=True)
            return None


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


def _fast_step(step, consts: dict, sample_outputs: dict):
    """The fast step a component declares for this node (see :mod:`..components.fast_steps`)."""
    declared = getattr(step.spec.run, "fast_step", None)
    if declared is None:
        return None
    return declared(consts, step.params, sample_outputs)


def build_fast_path(compiled, verified: str | None = None,
                    verified_note: str = "") -> tuple[FastPath | None, str]:
    """The verified fast path of a compiled pipeline, or ``(None, why not)``.

    ``verified`` is the kind of fast path (``"onnx"``, ``"sklearn"``, ``"numpy"``) that a
    deployment already verified against the faithful path on this pipeline and these sample
    rows (an endpoint loading a version it deployed, ``verified_note`` its note): that kind is
    built again without comparing it with the faithful path once more, which is most of the
    cost of loading a new version while the previous one answers under load."""
    if len(compiled.specs) != 1:
        return None, "several Web Service Inputs"
    (input_name, spec), = compiled.specs.items()
    if spec.open:
        return None, "the input schema is unknown"
    if any(c.kind not in ("integer", "double", "string", "categorical", "boolean") for c in spec.columns):
        return None, "date or time span columns"
    sample = compiled.samples.get(input_name)
    if sample is None or not len(sample):
        return None, "no sample rows to check it on"
    try:
        frames = compiled._sample_request_frames()
        trace = compiled.run_frames(frames, trace=True)
    except Exception as exc:
        return None, f"the pipeline fails on the sample rows ({exc})"
    # the tree: each step takes the table of the Web Service Input or of a step before it
    wsi = compiled.input_nodes[input_name]
    alias = {wsi: wsi}     # node -> the node whose table it holds (pass-through steps)
    plan, notes, kinds = [], [], []
    for step in compiled.steps:
        table_inputs = [(port, src, sport) for port, (src, sport) in step.inputs.items()
                        if src not in compiled._const]
        if len(table_inputs) != 1 or table_inputs[0][1] not in alias:
            return None, f"{step.title} does not take one table from the steps before it"
        src = alias[table_inputs[0][1]]
        consts = {port: compiled._const[s][sport] for port, (s, sport) in step.inputs.items()
                  if s in compiled._const}
        try:
            fs = _fast_step(step, consts, trace.get(step.node_id) or {})
            if fs is None:
                return None, f"{step.spec.name} has no fast step"
            if fs is fast_steps.PASS_THROUGH:
                alias[step.node_id] = src
                continue
            if isinstance(fs, fast_steps.ScoreWithModel):
                fs = Score(fs.model, fs.append)
                notes.append(fs.onnx_note if fs.onnx is not None
                             else f"the scikit-learn model; not ONNX: {fs.onnx_note}")
                kinds.append(fs.kind)
        except Exception as exc:
            return None, f"{step.spec.name}: {exc}"
        plan.append((step.node_id, src, fs))
        alias[step.node_id] = step.node_id
    outputs = {}
    for name, nid in compiled.output_nodes.items():
        if nid not in alias:
            return None, f"Web Service Output {name!r} is not reached by the fast steps"
        outputs[name] = alias[nid]
    score_kind = ("onnx" if kinds and all(k == "onnx" for k in kinds)
                  else "sklearn" if kinds else "numpy")
    if verified == "sklearn" and "onnx" in kinds:   # deploy found ONNX differing
        plan = [(nid, src, Score(s.model, s.append, onnx=False) if isinstance(s, Score) else s)
                for nid, src, s in plan]
        score_kind = "sklearn"
    fp = FastPath(compiled, input_name, plan, outputs, score_kind)
    if verified is not None and verified == score_kind:
        verify(compiled, fp, input_name, sample, trusted=True)
        return fp, verified_note or "fast path"
    ok, why = verify(compiled, fp, input_name, sample)
    if not ok and "onnx" in kinds:
        # a model through ONNX differs: try the scikit-learn models on numpy columns
        plan = [(nid, src, Score(s.model, s.append, onnx=False) if isinstance(s, Score) else s)
                for nid, src, s in plan]
        fp = FastPath(compiled, input_name, plan, outputs, "sklearn")
        ok2, why2 = verify(compiled, fp, input_name, sample)
        if ok2:
            return fp, f"fast path with the scikit-learn model (ONNX: {why})"
        return None, why2
    if not ok:
        return None, why
    return fp, "fast path" + (f" ({'; '.join(dict.fromkeys(notes))})" if notes else "")


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
        for output, (ng, vg) in got.items():
            nw, vw = want[output]
            if ng != nw:
                why = f"one-row request {i}: the row version gives the columns {ng}, not {nw}"
                break
            differ = [name for name, a, b in zip(ng, vg, vw)
                      if len(a) != len(b) or not all(map(same, a, b))]
            if differ:
                why = f"one-row request {i}: the row version differs in {differ[0]!r}"
                break
        if why:
            break
    if why:
        fp.row_plan = None
    return why


def verify(compiled, fp: FastPath, input_name: str, sample: pd.DataFrame, *,
           trusted: bool = False) -> tuple[bool, str]:
    """Whether the fast path gives the faithful path's results on the sample rows, one by one,
    all at once and with each column missing in turn (after giving the fast path its one-row
    version if that agrees with its columns version on those one-row requests). ``trusted``:
    the comparison with the faithful path was made before (at deploy time); only the one-row
    version is chosen."""
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
    # ONNX Runtime computes parts of most converted models in single precision (tree
    # thresholds, one-hot encodings, LightGBM's ensembles), even when fed doubles
    rtol = 1e-4 if any(isinstance(s, Score) and s.onnx is not None for s in fp.steps) else 1e-7
    singles = ([({c: v[i:i + 1] for c, v in base.items()}, 1) for i in range(n)]
               + [({c: v[i:i + 1] for c, v in holes.items()}, 1) for i in range(len(req))])
    why_not_rows = _plan_rows(compiled, fp, input_name, [(base, n)] + singles, rtol)
    if why_not_rows and fp.kind == "onnx":
        log.info("one-row requests take the columns version of the fast path: %s", why_not_rows)
    if trusted:
        return True, ""
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
        if set(expected) != set(got):
            return False, f"outputs differ: {sorted(expected)} vs {sorted(got)}"
        for output, (ne, ve) in expected.items():
            ng, vg = got[output]
            if ne != ng:
                return False, f"{output}: columns differ: {ne} vs {ng}"
            for name, a, b in zip(ne, ve, vg):
                if len(a) != len(b):
                    return False, f"{output}.{name}: {len(a)} vs {len(b)} rows"
                for x, y in zip(a, b):
                    if not _close(x, y, rtol):
                        return False, f"{output}.{name}: {x!r} vs {y!r}"
    if not used:
        return False, "no sample row could be checked"
    return True, ""
