"""A trained model's scores computed by ONNX Runtime, for the fast scoring path.

The model (a scikit-learn Pipeline) is converted by skl2onnx with one ``[n, 1]`` input per
feature, then the graph is rewritten to take one matrix of the numeric features and one of
the string features (and, for one-row requests, the outputs of its one-hot encoders of
string features, computed here from the graph's own categories). :mod:`.fast` checks the
result against the faithful path before an endpoint uses it.
"""

from __future__ import annotations

import logging
import warnings
from itertools import repeat

import numpy as np

from jupyter_designer.components.fast_steps import Fallback
from jupyter_designer.engine.models import TrainedModel

log = logging.getLogger("jupyter_designer.serving")

CATEGORICAL_KINDS = ("string", "categorical", "boolean")
_UNKNOWN = "\x00designer-missing\x00"   # fed to ONNX for a missing category: an unseen level


class _Inputs:
    """How a graph rewritten by :func:`_rewrite_inputs` is fed: ``numbers`` and ``strings``
    are ``(input name, [columns in matrix order])`` or ``None``; ``onehots`` lists the one-hot
    encodings computed here as ``(input name, width, [(column, {category: position})], rank)``
    (rank 3: ``[n, 1, width]``, as an encoder of an ``[n, 1]`` input gives; 2: ``[n, width]``)."""

    def __init__(self, numbers=None, strings=None, onehots=()):
        self.numbers, self.strings, self.onehots = numbers, strings, list(onehots)


class _Onnx:
    """A session scoring the model's features: fed either one ``[n, 1]`` tensor per feature
    (``feeds``), or, when ``inputs`` (the graph rewritten by :func:`_rewrite_inputs`), one
    ``[n, k]`` matrix of the numeric features, one of the string features and the outputs of
    the graph's one-hot encoders of string features computed here, if any.

    One-row requests may take a session of their own (``row_session``, fed as ``row_inputs``
    describes): computing a row's one-hot encodings here costs less than feeding ONNX Runtime
    its strings, while for many rows its own encoders cost less."""

    def __init__(self, session, feeds, model: TrainedModel, dtype, inputs: _Inputs | None = None,
                 row_session=None, row_inputs: _Inputs | None = None, post=None):
        self.session = session
        self.post = post              # see _convertible
        self.feeds = feeds            # [(onnx input name, column, "num" | "str")]
        self.model = model
        self.dtype = dtype
        self.task = model.task
        self.classes = np.asarray(model.classes, dtype=object) if model.classes is not None else None
        self.outputs = [o.name for o in session.get_outputs()]
        self.inputs = inputs
        self._session_run = _runner(session, self.outputs)
        if row_session is None:
            row_session, row_inputs = session, inputs
        self.row_session, self.row_inputs = row_session, row_inputs
        self._row_session_run = _runner(row_session, [o.name for o in row_session.get_outputs()])

    @staticmethod
    def _strings(a: np.ndarray, col, known) -> np.ndarray:
        if a.dtype.kind != "O" or (col not in known and None in a.tolist()):
            a = np.array([_UNKNOWN if v is None else str(v) for v in a], dtype=object)
        return a

    @staticmethod
    def _categories(a: np.ndarray, col, known) -> list:
        """The strings ONNX Runtime sees for the column :meth:`_strings` feeds (it takes
        ``str()`` of what is not a string)."""
        if a.dtype.kind != "O":
            return [str(v) for v in a]
        values = a.tolist()
        if col in known:
            return values
        return [v if v.__class__ is str else _UNKNOWN if v is None else str(v) for v in values]

    def predict(self, t: dict, n: int, known=frozenset()) -> dict:
        feed = {}
        inputs = self.inputs
        if inputs is None:
            for name, col, how in self.feeds:
                a = t[col]
                if how == "num":
                    feed[name] = a.astype(self.dtype, copy=False).reshape(n, 1)
                else:
                    feed[name] = self._strings(a, col, known).reshape(n, 1)
            return self._columns(self._session_run(feed), n)
        if inputs.numbers is not None:
            name, cols = inputs.numbers
            m = np.empty((n, len(cols)), dtype=self.dtype)
            for j, col in enumerate(cols):
                m[:, j] = t[col]       # cast as astype(dtype) casts
            feed[name] = m
        if inputs.strings is not None:
            name, cols = inputs.strings
            m = np.empty((n, len(cols)), dtype=object)
            for j, col in enumerate(cols):
                m[:, j] = self._strings(t[col], col, known)
            feed[name] = m
        rows = np.arange(n)
        for name, width, parts, rank in inputs.onehots:
            # a 1 at the position of each value's category; at ``width`` (a column cut off)
            # for a value of none
            m = np.zeros((n, width + 1), dtype=np.float32)
            for col, positions in parts:
                values = self._categories(t[col], col, known)
                found = np.fromiter(map(positions.get, values, repeat(width)), dtype=np.intp,
                                    count=n)
                m[rows, found] = 1.0
            if m[:, width].any():
                for col, positions in parts:
                    _unseen([v for v in self._categories(t[col], col, known) if v not in positions])
            m = np.ascontiguousarray(m[:, :width])
            feed[name] = m.reshape(n, 1, width) if rank == 3 else m
        return self._columns(self._session_run(feed), n)

    def row_function(self, kinds: dict):
        """:meth:`predict` on one row of Python values (``kinds``: the columns' numpy kinds)."""
        dtype, run, string = self.dtype, self._row_session_run, self._string
        inputs = self.row_inputs
        if inputs is None:
            feeds = [(name, col, how, kinds[col]) for name, col, how in self.feeds]

            def feed_of(r):
                feed = {}
                for name, col, how, kind in feeds:
                    v = r[col]
                    if how == "num":
                        feed[name] = np.array([[v]], dtype=dtype)
                    else:
                        feed[name] = np.array([[string(v, kind)]], dtype=object)
                return feed
        else:
            num_name, num_cols = inputs.numbers or (None, [])
            str_name, str_cols = inputs.strings or (None, [])
            str_kinds = [kinds[c] for c in str_cols]
            objects = all(k == "O" for k in str_kinds)
            onehots = inputs.onehots

            def feed_of(r):
                feed = {}
                if num_name is not None:
                    feed[num_name] = np.array([[r[c] for c in num_cols]], dtype=dtype)
                if str_name is not None:
                    values = [r[c] for c in str_cols]
                    if not objects or None in values:
                        values = list(map(string, values, str_kinds))
                    m = np.empty((1, len(values)), dtype=object)
                    m[0] = values
                    feed[str_name] = m
                for name, width, parts, rank in onehots:
                    found = []
                    for col, positions in parts:
                        v = r[col]
                        if v.__class__ is not str:
                            v = _UNKNOWN if v is None else str(v)
                        i = positions.get(v)
                        if i is None:
                            _unseen((v,))
                        else:
                            found.append(i)
                    m = np.zeros((1, 1, width) if rank == 3 else (1, width), dtype=np.float32)
                    m.put(found, 1.0)
                    feed[name] = m
                return feed

        ml, task, classes = _ml(), self.task, self.classes
        if self.post is not None or task == "anomaly":
            columns = self._columns

            def predict(r):
                return {k: v.tolist()[0] for k, v in columns(run(feed_of(r)), 1).items()}
        elif task == "regression":
            label = ml.SCORED_LABELS

            def predict(r):
                res = run(feed_of(r))[0]
                if res.size != 1:
                    raise Fallback("outputs")
                return {label: float(res.item(0))}
        elif task == "binary":
            label, prob = ml.SCORED_LABELS, ml.SCORED_PROBABILITIES

            def predict(r):
                p1 = float(np.asarray(run(feed_of(r))[1], dtype=np.float64).reshape(1, -1)[0, 1])
                return {label: classes[1 if p1 >= 0.5 else 0], prob: p1}
        elif task == "multiclass":
            label = ml.SCORED_LABELS
            names = [ml.probability_column(c) for c in self.model.classes]

            def predict(r):
                proba = np.asarray(run(feed_of(r))[1], dtype=np.float64).reshape(1, -1)[0]
                if len(proba) < len(names):
                    raise Fallback("outputs")
                out = {label: classes[int(np.argmax(proba))]}
                out.update(zip(names, proba.tolist()))
                return out
        else:  # clustering
            label = ml.ASSIGNMENTS

            def predict(r):
                res = run(feed_of(r))
                if res[0].size != 1:
                    raise Fallback("outputs")
                out = {label: int(np.asarray(res[0], dtype=np.int64).item(0))}
                for i, d in enumerate(np.asarray(res[1], dtype=np.float64).reshape(-1).tolist()):
                    out[ml.distance_column(i)] = d
                return out
        return predict

    @staticmethod
    def _string(v, kind: str):
        """The string feature :meth:`_strings` feeds for one value of a column of ``kind``."""
        if v is None:
            return _UNKNOWN
        return v if kind == "O" else str(v)

    def _columns(self, res, n: int) -> dict:
        ml, post = _ml(), self.post
        if self.task == "regression":
            y = np.asarray(res[0], dtype=np.float64).reshape(n)
            if post is not None:  # ("affine", scale, offset): the label scaled back
                y = y * post[1] + post[2]
            return {ml.SCORED_LABELS: y}
        if self.task == "anomaly":  # the decision values, as Score Model turns them to scores
            from scipy.special import expit

            d = np.asarray(res[-1], dtype=np.float64).reshape(n)
            if len(d) != n:
                raise Fallback("outputs")
            return {ml.SCORED_LABELS: (d < 0).astype(np.int64), ml.SCORED_PROBABILITIES: expit(-d)}
        if self.task in ("binary", "multiclass"):
            proba = np.asarray(res[1], dtype=np.float64).reshape(n, -1)
            if post == "decision":  # decision values, as Score Model turns them to probabilities
                from scipy.special import expit, softmax

                if self.task == "binary":
                    p1 = expit(proba[:, -1])
                    proba = np.column_stack([1.0 - p1, p1])
                else:
                    proba = softmax(proba, axis=1)
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
    from jupyter_designer.components import ml as m
    return m


def _runner(session, outputs):
    """``feed -> outputs`` by the session's own runner: every input is fed on every call, so
    the per-call check of the input names that InferenceSession.run makes first is not
    needed."""
    inner = getattr(session, "_sess", None)
    if inner is not None and hasattr(inner, "run"):
        run = inner.run
        return lambda feed: run(outputs, feed, None)
    return lambda feed: session.run(None, feed)


def _unseen(values) -> None:
    """Values of no category: the one-hot encoder gives zeros, unless ONNX Runtime could not
    have read them (not UTF-8), and then the request is not scored here."""
    for v in values:
        v.encode("utf-8")


def compile_onnx(model: TrainedModel):
    """An ONNX Runtime session computing the model's scores, or ``(None, why not)``."""
    try:
        import onnxruntime as ort
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import (DoubleTensorType, FloatTensorType,
                                                StringTensorType)
    except ImportError:
        return None, "skl2onnx/onnxruntime are not installed (reinstall jupyter-designer: they are among its dependencies)"
    if model.info.get("quantiles"):
        return None, ("a quantile regression forest: its scores are quantiles of the training "
                      "labels in the leaves a row reaches, which ONNX's tree operators do not give")
    try:
        est, post = _convertible(model)
    except ValueError as exc:
        return None, str(exc)
    steps = est.steps
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
                onx = convert_sklearn(est, initial_types=types, options=options,
                                      target_opset=_target_opset(est))
        except Exception as exc:  # unsupported estimator, opset, type ...
            why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            continue
        if dtype == np.float64 and (_lightgbm_models(est) or _sklearn_trees(est)):
            try:
                onx = _exact_tree_thresholds(onx, est)
            except ValueError as exc:
                why = str(exc)
                continue
        stored = {i.name for i in onx.graph.initializer}
        inputs = [i.name for i in onx.graph.input if i.name not in stored]
        if len(inputs) != len(types):
            why = "unexpected ONNX inputs"
            continue
        feeds = [(name, c, "str" if kinds.get(c) in CATEGORICAL_KINDS else "num")
                 for name, (c, _) in zip(inputs, types)]
        sess, inputs, row_sess, row_inputs = None, None, None, None
        try:  # a few matrices: one feed per feature costs more than the model
            graph, inputs = _rewrite_inputs(onx, feeds, dtype, onehot=False)
            sess = _session(ort, graph)
            graph, row_inputs = _rewrite_inputs(onx, feeds, dtype, onehot=True)
            if row_inputs.onehots:
                row_sess = _session(ort, graph)
        except Exception as exc:
            log.debug("the ONNX graph takes one input per feature (%s)", exc)
            if sess is None:
                inputs = None
            row_sess = None
        try:
            if sess is None:
                sess = _session(ort, onx)
        except Exception as exc:
            why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            continue
        expected_outputs = 1 if model.task in ("regression", "anomaly") else 2
        if len(sess.get_outputs()) < expected_outputs:
            why = "unexpected ONNX outputs"
            continue
        scorer = _Onnx(sess, feeds, model, dtype, inputs, row_sess,
                       row_inputs if row_sess else None, post=post)
        scorer.onnx_graph = onx   # one [n, 1] input per feature: what a model export writes
        return scorer, f"ONNX Runtime ({np.dtype(dtype).name})"
    return None, why


_REGISTERED: set = set()


def _register_converters(estimators) -> None:
    """Converters skl2onnx lacks: LightGBM's (from onnxmltools, LightGBM's own converter
    project) and those the designer's own estimators declare (``register_onnx_converter``)."""
    for e in estimators:
        t = type(e)
        if t in _REGISTERED:
            continue
        own = getattr(t, "register_onnx_converter", None)
        if callable(own):
            own()
        elif t.__module__.startswith("lightgbm"):
            _register_lightgbm()
        _REGISTERED.add(t)


def _register_lightgbm() -> None:
    from lightgbm import LGBMClassifier, LGBMRegressor
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)

    update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier",
                                calculate_linear_classifier_output_shapes, convert_lightgbm,
                                options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
    update_registered_converter(LGBMRegressor, "LightGbmLGBMRegressor",
                                calculate_linear_regressor_output_shapes, convert_lightgbm,
                                options={"split": None})


def _lightgbm_models(est) -> list:
    return [e for e in _leaves(est) if type(e).__module__.startswith("lightgbm")]


def _sklearn_trees(est):
    """The decision trees of a scikit-learn tree model ending the pipeline, or ``[]``."""
    final = est.steps[-1][1]
    trees = getattr(final, "estimators_", None)
    if trees is None and hasattr(final, "tree_"):
        trees = [final]
    if not trees or not all(hasattr(t, "tree_") for t in trees):
        return []
    return list(trees)


def _exact_tree_thresholds(onx, est):
    """The converted graph comparing features with the model's own (double) split thresholds,
    as the model does: the converters write them in single precision, and a value between a
    threshold and its float32 rounding would take the other branch. scikit-learn's trees
    compare features rounded to single precision (as it does); LightGBM's, the doubles."""
    from onnx import TensorProto, helper, numpy_helper

    trees = [n for n in onx.graph.node if n.op_type in ("TreeEnsembleRegressor", "TreeEnsembleClassifier")]
    if len(trees) != 1:
        raise ValueError("an unexpected tree ensemble graph")
    node = trees[0]
    at = {a.name: a for a in node.attribute}
    if "nodes_values" not in at:
        raise ValueError("an unexpected tree ensemble graph")
    rows = zip(at["nodes_values"].floats, at["nodes_featureids"].ints, at["nodes_treeids"].ints,
               at["nodes_nodeids"].ints, at["nodes_modes"].strings)
    models = _lightgbm_models(est)
    values = []
    if models:
        if len(models) != 1:
            raise ValueError("several LightGBM models in one pipeline")
        exact: dict = {}
        for t, info in enumerate(models[0].booster_.dump_model()["tree_info"]):
            stack = [info["tree_structure"]]
            while stack:
                n = stack.pop()
                if "split_feature" in n:
                    exact.setdefault((t, n["split_feature"]), set()).add(float(n["threshold"]))
                    stack += [n["left_child"], n["right_child"]]
        for v, f, t, _, mode in rows:
            found = {x for x in exact.get((t, f), ()) if np.float32(x) == np.float32(v)}
            if mode != b"LEAF" and len(found) != 1:
                raise ValueError("LightGBM split thresholds that single precision cannot tell apart")
            values.append(float(v) if mode == b"LEAF" else found.pop())
    else:
        sk = _sklearn_trees(est)
        for v, f, t, k, mode in rows:
            values.append(float(v) if mode == b"LEAF" else float(sk[t].tree_.threshold[k]))
        # features rounded to single precision first, as scikit-learn's trees read them
        x = node.input[0]
        names = {v for n in onx.graph.node for v in list(n.input) + list(n.output)}
        single, back = f"{x}_as_float32", f"{x}_float32_as_double"
        if single in names or back in names:
            raise ValueError("an unexpected tree ensemble graph")
        k = list(onx.graph.node).index(node)
        onx.graph.node.insert(k, helper.make_node("Cast", [single], [back], to=TensorProto.DOUBLE))
        onx.graph.node.insert(k, helper.make_node("Cast", [x], [single], to=TensorProto.FLOAT))
        node.input[0] = back
    node.attribute.remove(at["nodes_values"])
    node.attribute.append(helper.make_attribute(
        "nodes_values_as_tensor", numpy_helper.from_array(np.asarray(values, dtype=np.float64))))
    for op in onx.opset_import:   # thresholds as a tensor: ai.onnx.ml version 3
        if op.domain == "ai.onnx.ml" and op.version < 3:
            op.version = 3
    for o in onx.graph.output:   # the ensemble still gives single-precision scores
        if o.type.tensor_type.elem_type == TensorProto.DOUBLE:
            o.type.tensor_type.elem_type = TensorProto.FLOAT
    return onx


def _target_opset(est):
    """LightGBM's converter writes tree ensembles of ``ai.onnx.ml`` version 3 at most."""
    if any(type(e).__module__.startswith("lightgbm") for e in _leaves(est)):
        from skl2onnx import get_latest_tested_opset_version

        return {"": get_latest_tested_opset_version(), "ai.onnx.ml": 3}
    return None


def _leaves(est) -> list:
    """Every estimator inside ``est`` (pipelines, meta-estimators), ``est`` included."""
    out = [est]
    for _, sub in getattr(est, "steps", None) or []:
        out += _leaves(sub)
    for attr in ("estimator", "estimators_", "regressor_"):
        sub = getattr(est, attr, None)
        for e in sub if isinstance(sub, list) else [sub] if sub is not None else []:
            if hasattr(e, "fit"):
                out += _leaves(e)
    return out


def _convertible(model: TrainedModel):
    """The fitted scikit-learn Pipeline skl2onnx converts, computing the model's scores, and
    what to do to its raw outputs (``post``):

    - a learner that declares ``onnx_estimator()`` is converted as the estimator it names;
    - a label scaled for training (``TransformedTargetRegressor`` with a ``StandardScaler``):
      the regressor is converted and its output scaled back (``("affine", scale, offset)``);
    - a classifier without probabilities: its decision values through the logistic function
      (two classes) or softmax (several), as Score Model computes them (``"decision"``).
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    est = model.estimator
    steps = list(getattr(est, "steps", None) or [])
    if not steps:
        raise ValueError("the model is not a scikit-learn Pipeline")
    name, final = steps[-1]
    post = None
    if isinstance(final, TransformedTargetRegressor):
        tr = getattr(final, "transformer_", None)
        if not isinstance(tr, StandardScaler) or getattr(final, "func", None) is not None:
            raise ValueError("a label transformation other than standardization")
        scale = float(np.ravel(tr.scale_)[0]) if tr.scale_ is not None else 1.0
        offset = float(np.ravel(tr.mean_)[0]) if tr.mean_ is not None else 0.0
        post = ("affine", scale, offset)
        inner = final.regressor_
        steps = steps[:-1] + (list(inner.steps) if isinstance(inner, Pipeline) else [(name, inner)])
        name, final = steps[-1]
    own = getattr(final, "onnx_estimator", None)
    if callable(own):
        final = own()
        steps[-1] = (name, final)
    if model.task in ("binary", "multiclass") and not hasattr(final, "predict_proba"):
        post = "decision"
    _register_converters([e for _, s in steps for e in _leaves(s)])
    return Pipeline(steps), post


def _session(ort, graph):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(graph.SerializeToString(), so, providers=["CPUExecutionProvider"])


def _rewrite_inputs(onx, feeds, dtype, *, onehot: bool = True):
    """The converted graph fed by the inputs an :class:`_Inputs` describes, instead of one
    ``[n, 1]`` input per feature (each costs more to feed than most of the graph to run):

    - with ``onehot``, the graph's one-hot encoders (``ai.onnx.ml`` OneHotEncoder of string
      categories, zeros for an unseen one) of string features whose outputs one Concat joins:
      the Concat's output becomes an input, computed from the categories by :class:`_Onnx`;
    - the numeric features: one ``[n, k]`` matrix; a Concat of them (as a converted
      ColumnTransformer's passthrough makes) becomes one Gather of its columns, or the matrix;
    - the other string features: one ``[n, m]`` matrix, each read by a Gather of its column.
    """
    from collections import Counter

    from onnx import ModelProto, TensorProto, helper, numpy_helper

    g = onx.graph
    if any(a.type in (a.GRAPH, a.GRAPHS) for node in g.node for a in node.attribute):
        raise ValueError("subgraphs")
    taken = ({i.name for i in g.input} | {o.name for o in g.output}
             | {i.name for i in g.initializer} | {v for node in g.node for v in node.output}
             | {v for node in g.node for v in node.input})

    def fresh(base):
        name, i = base, 0
        while name in taken:
            i += 1
            name = f"{base}_{i}"
        taken.add(name)
        return name

    def attribute(node, name, default=None):
        return next((helper.get_attribute_value(a) for a in node.attribute if a.name == name),
                    default)

    # one-hot encoders of string inputs (alone, or joined by a Concat along the categories)
    nodes = list(g.node)
    columns = {name: col for name, col, _ in feeds}
    strings = {name for name, _, how in feeds if how == "str"}
    producer = {v: k for k, node in enumerate(nodes) for v in node.output}
    uses = Counter(v for node in nodes for v in node.input)
    uses.update(o.name for o in g.output)
    outputs = {o.name for o in g.output}
    stored = {i.name: i for i in g.initializer}

    def encoder(k):
        """``(input, categories, [its nodes], rank of its output)`` of a one-hot encoder of
        one string input (read as it is, or as its first column), or ``None``."""
        enc = nodes[k]
        if enc.domain != "ai.onnx.ml" or len(enc.input) != 1 or attribute(enc, "zeros", 1) != 1:
            return None
        try:
            cats = [c.decode("utf-8") for c in attribute(enc, "cats_strings") or []]
        except UnicodeDecodeError:
            return None
        if not cats or len(set(cats)) != len(cats):
            return None
        x, own, rank = enc.input[0], [k], 3
        if x not in strings:
            p = producer.get(x)
            gather = nodes[p] if p is not None else None
            if (gather is None or gather.op_type != "Gather" or uses[x] != 1
                    or len(gather.input) != 2 or attribute(gather, "axis", 0) != 1
                    or gather.input[1] not in stored):
                return None
            index = numpy_helper.to_array(stored[gather.input[1]])
            if index.tolist() not in (0, [0]):
                return None
            x, rank = gather.input[0], 3 if index.ndim == 1 else 2
            own.append(p)
        if x not in strings or uses[x] != 1:
            return None
        return x, cats, own, rank

    encoders = {}
    for k, node in enumerate(nodes if onehot else ()):
        if node.op_type == "OneHotEncoder":
            e = encoder(k)
            if e is not None:
                encoders[k] = e
    onehots, dropped, encoded, joined = [], set(), set(), set()

    def group(output, ks):
        parts, width = [], 0
        for k in ks:
            x, cats, own, rank = encoders[k]
            parts.append((columns[x], {c: width + i for i, c in enumerate(cats)}))
            width += len(cats)
            dropped.update(own)
            encoded.add(x)
        onehots.append((output, width, parts, rank))

    for k, node in enumerate(nodes):
        if node.op_type != "Concat" or not node.input or node.output[0] in outputs:
            continue
        ks = [producer.get(v) for v in node.input]
        if not all(p in encoders and uses[v] == 1 for p, v in zip(ks, node.input)):
            continue
        ranks = {encoders[p][3] for p in ks}
        if len(ranks) != 1 or attribute(node, "axis") not in (-1, ranks.pop() - 1):
            continue
        group(node.output[0], ks)
        dropped.add(k)
        joined.update(ks)
    for k in encoders:
        if k not in joined and nodes[k].output[0] not in outputs:
            group(nodes[k].output[0], [k])

    elem = {np.dtype(np.float64): TensorProto.DOUBLE,
            np.dtype(np.float32): TensorProto.FLOAT}[np.dtype(dtype)]
    inputs, where, new_inputs = _Inputs(onehots=onehots), {}, []
    for how, elem_type in (("num", elem), ("str", TensorProto.STRING)):
        group = [(name, col) for name, col, h in feeds if h == how and name not in encoded]
        if not group:
            continue
        name = fresh(f"designer_{'numbers' if how == 'num' else 'strings'}")
        if how == "num":
            inputs.numbers = (name, [col for _, col in group])
        else:
            inputs.strings = (name, [col for _, col in group])
        new_inputs.append(helper.make_tensor_value_info(name, elem_type, [None, len(group)]))
        for j, (input_name, _) in enumerate(group):
            where[input_name] = (name, j)
    for name, width, _, rank in onehots:
        new_inputs.append(helper.make_tensor_value_info(
            name, TensorProto.FLOAT, [None, 1, width] if rank == 3 else [None, width]))

    width_of = {group[0]: len(group[1]) for group in (inputs.numbers, inputs.strings) if group}
    m = ModelProto()
    m.CopyFrom(onx)
    g = m.graph
    head, body = [], []

    def gather(source, index, output):
        ind = fresh(f"{output}_columns")
        g.initializer.append(helper.make_tensor(ind, TensorProto.INT64, [len(index)], index))
        return helper.make_node("Gather", [source, ind], [output], axis=1)

    for k, node in enumerate(list(g.node)):
        if k in dropped:
            continue
        if (node.op_type == "Concat" and node.input and all(i in where for i in node.input)
                and len({where[i][0] for i in node.input}) == 1
                and attribute(node, "axis") in (1, -1)):
            source = where[node.input[0]][0]
            index = [where[i][1] for i in node.input]
            if index == list(range(width_of[source])):
                body.append(helper.make_node("Identity", [source], [node.output[0]]))
            else:
                body.append(gather(source, index, node.output[0]))
            continue
        body.append(node)
    used = {i for node in body for i in node.input} | {o.name for o in g.output}
    for input_name, (source, j) in where.items():
        if input_name in used:
            head.append(gather(source, [j], input_name))
    del g.input[:]
    g.input.extend(new_inputs)
    del g.node[:]
    g.node.extend(head + body)
    return m, inputs
