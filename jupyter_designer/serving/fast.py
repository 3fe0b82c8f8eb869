"""The fast scoring path of a compiled inference pipeline.

A request's rows travel as plain numpy columns (``{name: array}``) through steps prepared
when the endpoint loads, with no DataFrame built per request. Along with the columns goes
the set of column names known to hold no missing (or non-finite) value, seen on the
request's Python values, so steps skip the per-column missing-value scans that would
otherwise cost more than scoring a one-row request:

- Select Columns in Dataset: the column list it selected on the sample rows;
- Apply Transformation with a fitted Clean Missing Data, Normalize Data or Select Columns
  Transform: the fitted substitutions / statistics / columns applied to arrays;
- Score Model / Assign Data to Clusters: the trained model compiled to ONNX Runtime (with
  the same score columns as Score Model), or else the scikit-learn model itself;
- Web Service Output: the table as it is.

A pipeline with any other component between its Web Service Input and Output is served
by the faithful path only. The fast path is used only after it gave the same results as the
faithful path on the training data's sample rows (and on copies of them with missing values),
and a request it cannot handle exactly (e.g. a missing value in an integer column) falls
back to the faithful path, which also produces the error messages.
"""

from __future__ import annotations

import logging
import math
import warnings
from math import isfinite

import numpy as np
import pandas as pd

from jupyter_designer.engine.models import Transformation, TrainedModel

from . import tables

log = logging.getLogger("jupyter_designer.serving")

CATEGORICAL_KINDS = ("string", "categorical", "boolean")
_STR = {str}
_UNKNOWN = "\x00designer-missing\x00"   # fed to ONNX for a missing category: an unseen level


class Fallback(Exception):
    """The fast path cannot handle this request exactly; use the faithful path."""


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


# -- steps -----------------------------------------------------------------------------------
class SelectColumns:
    def __init__(self, names):
        self.names = list(names)

    def __call__(self, t: dict, n: int, known: set):
        try:
            return {c: t[c] for c in self.names}, n
        except KeyError:
            raise Fallback("column") from None


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
        from jupyter_designer.components import _ml

        self.ml = _ml
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

    def _sklearn(self, t, n):
        X = pd.DataFrame({c: t[c] for c in self.features})
        scored = self.ml.score_frame(self.model, X, append=False)
        return {str(c): scored[c].to_numpy() for c in scored.columns}


class _Onnx:
    def __init__(self, session, feeds, model: TrainedModel, dtype):
        self.session = session
        self.feeds = feeds            # [(onnx input name, column, "num" | "str")]
        self.model = model
        self.dtype = dtype
        self.task = model.task
        self.classes = np.asarray(model.classes, dtype=object) if model.classes is not None else None
        self.outputs = [o.name for o in session.get_outputs()]
        # the session's own runner: every input is fed on every call, so the per-call check of
        # the input names that InferenceSession.run makes first is not needed
        inner = getattr(session, "_sess", None)
        self._run = inner.run if inner is not None and hasattr(inner, "run") else None

    def predict(self, t: dict, n: int, known=frozenset()) -> dict:
        feed = {}
        for name, col, how in self.feeds:
            a = t[col]
            if how == "num":
                feed[name] = a.astype(self.dtype, copy=False).reshape(n, 1)
            else:
                if a.dtype.kind != "O" or (col not in known and None in a.tolist()):
                    a = np.array([_UNKNOWN if v is None else str(v) for v in a], dtype=object)
                feed[name] = a.reshape(n, 1)
        res = self._run(self.outputs, feed, None) if self._run is not None else self.session.run(None, feed)
        ml = _ml()
        if self.task == "regression":
            return {ml.SCORED_LABELS: np.asarray(res[0], dtype=np.float64).reshape(n)}
        if self.task in ("binary", "multiclass"):
            proba = np.asarray(res[1], dtype=np.float64).reshape(n, -1)
            if self.task == "binary":
                p1 = proba[:, 1]
                return {ml.SCORED_LABELS: self.classes[(p1 >= 0.5).astype(np.int64)],
                        ml.SCORED_PROBABILITIES: p1}
            out = {ml.SCORED_LABELS: self.classes[np.argmax(proba, axis=1)]}
            for j, c in enumerate(self.model.classes):
                out[ml.probability_column(c)] = proba[:, j]
            return out
        # clustering
        labels = np.asarray(res[0], dtype=np.int64).reshape(n)
        dist = np.asarray(res[1], dtype=np.float64).reshape(n, -1)
        out = {ml.ASSIGNMENTS: labels}
        for i in range(dist.shape[1]):
            out[ml.distance_column(i)] = dist[:, i]
        return out


def _ml():
    from jupyter_designer.components import _ml as m
    return m


def _compile_onnx(model: TrainedModel):
    """An ONNX Runtime session computing the model's scores, or ``(None, why not)``."""
    try:
        import onnxruntime as ort
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import (DoubleTensorType, FloatTensorType,
                                                StringTensorType)
    except ImportError:
        return None, "skl2onnx/onnxruntime are not installed (pip install jupyter-designer[onnx])"
    est = model.estimator
    steps = getattr(est, "steps", None)
    if not steps:
        return None, "the model is not a scikit-learn Pipeline"
    kinds = model.feature_kinds
    why = "conversion failed"
    for tensor, dtype in ((DoubleTensorType, np.float64), (FloatTensorType, np.float32)):
        types = [(c, StringTensorType([None, 1]) if kinds.get(c) in CATEGORICAL_KINDS
                  else tensor([None, 1])) for c in model.feature_columns]
        if any(kinds.get(c) == "boolean" for c in model.feature_columns):
            return None, "boolean features"
        options = None
        if model.task in ("binary", "multiclass"):
            options = {id(steps[-1][1]): {"zipmap": False}}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                onx = convert_sklearn(est, initial_types=types, options=options)
            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            so.inter_op_num_threads = 1
            so.log_severity_level = 3
            sess = ort.InferenceSession(onx.SerializeToString(), so,
                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # unsupported estimator, opset, type ...
            why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            continue
        inputs = sess.get_inputs()
        if len(inputs) != len(types):
            why = "unexpected ONNX inputs"
            continue
        feeds = [(i.name, c, "str" if kinds.get(c) in CATEGORICAL_KINDS else "num")
                 for i, (c, _) in zip(inputs, types)]
        expected_outputs = 1 if model.task == "regression" else 2
        if len(sess.get_outputs()) < expected_outputs:
            why = "unexpected ONNX outputs"
            continue
        return _Onnx(sess, feeds, model, dtype), f"ONNX Runtime ({np.dtype(dtype).name})"
    return None, why


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
                t[name] = np.array(values, dtype=np.float64)
                if None not in values and all(map(isfinite, values)):
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

    def run(self, cols: dict, n: int):
        t, filled, known = self.arrays(cols, n)
        for step in self.steps:
            t, n = step(t, n, known)
        names = [c for c in t if c not in filled]
        values = []
        for c in names:
            a = t[c]
            # a column known complete needs no check for NaN/inf on its way out
            values.append(a.tolist() if c in known and a.dtype.kind in "fiub" else tables.array_values(a))
        return names, values

    def score(self, given: dict):
        """``{output: (names, values)}``, or ``None`` when the faithful path must answer."""
        cols, n = given[self.input_name]
        try:
            names, values = self.run(cols, n)
        except Fallback:
            return None
        except Exception:  # never let the fast path turn a request into a failure
            log.debug("fast path failed; using the faithful path", exc_info=True)
            return None
        return {self.output_name: (names, values)}


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


def verify(compiled, fp: FastPath, input_name: str, sample: pd.DataFrame) -> tuple[bool, str]:
    """Whether the fast path gives the faithful path's results on the sample rows, one by one,
    all at once and with each column missing in turn."""
    spec = compiled.specs[input_name]
    req = [c.name for c in spec.request_columns]
    base = {c: tables.series_values(sample[c]) for c in req if c in sample.columns}
    n = len(sample)
    cases = [(base, n)]
    for i in range(min(n, 5)):
        cases.append(({c: v[i:i + 1] for c, v in base.items()}, 1))
    # each column missing in turn: one request with a hole per row; if the faithful path
    # refuses it (e.g. no cleaning before the model), the columns one by one
    holes = {c: [v[i % n] for i in range(len(req))] for c, v in base.items()}
    for i, c in enumerate(req):
        if c in holes:
            holes[c][i] = None
    holes_case = (holes, len(req))
    try:
        compiled.score_without_fast({input_name: holes_case})
        cases.append(holes_case)
    except Exception:
        first = {c: v[:1] for c, v in base.items()}
        for c in req[:12]:
            cases.append(({**first, c: [None]}, 1))
    rtol = 1e-4 if fp.kind == "onnx" and any(
        isinstance(s, Score) and s.onnx is not None and s.onnx.dtype == np.float32 for s in fp.steps) else 1e-7
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
