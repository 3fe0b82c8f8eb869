"""The fast scoring path's parts: the ONNX graph fed a few matrices (and one-hot encodings
computed from the graph's categories), the one-row version of the steps, and the one-row
request check."""

import json
import math
import re

import numpy as np
import pytest

from automobile import DATASET
from jupyter_designer.components import ml
from jupyter_designer.components.ml_algorithms import make_untrained
from jupyter_designer.engine.inference import create_realtime_inference
from jupyter_designer.serving import fast, onnx_scoring, protocols, tables
from jupyter_designer.serving.compiled import CompiledPipeline
from jupyter_designer.serving.errors import RequestError
from jupyter_designer.serving.rows import RowsRemovedError

IN = "WebServiceInput0"
OUT = "WebServiceOutput0"

LEARNERS = [("regression", "Linear Regression", "price"),
            ("binary", "Two-Class Logistic Regression", "income"),
            ("multiclass", "Multiclass Logistic Regression", "species"),
            ("clustering", "K-Means Clustering", None)]


def _same(a, b):
    return type(a) is type(b) and (a == b or (a != a and b != b))


def _columns(df):
    """The numpy columns FastPath.arrays makes of a frame's values."""
    out = {}
    for c in df.columns:
        values = tables.series_values(df[c])
        kind = df[c].dtype.kind
        if kind == "f":
            out[c] = np.array(values, dtype=np.float64)
        elif kind in "iu":
            out[c] = np.array(values, dtype=np.int64)
        else:
            a = np.empty(len(values), dtype=object)
            a[:] = values
            out[c] = a
    return out


def _model(task, learner, label):
    df = ml.example_frame(task, n=90)
    params = {"number_of_centroids": 3} if task == "clustering" else {}
    model = ml.fit_model(make_untrained(learner, **params), df, label)
    features = df[model.feature_columns].copy()
    # an unseen category and a missing one: the one-hot encoder gives zeros for both
    features.loc[3, "color"] = "purple"
    features.loc[5, "color"] = None
    return model, features


@pytest.mark.parametrize("task, learner, label", LEARNERS)
def test_onnx_inputs_agree_with_scikit_learn(task, learner, label):
    model, features = _model(task, learner, label)
    score = fast.Score(model, append=False)
    assert score.onnx is not None, score.onnx_note
    onnx = score.onnx
    # the numeric features in one matrix; the string one as a one-hot encoding for one row,
    # and as strings left to the graph's own encoder for many
    assert onnx.inputs.numbers[1] == ["x1", "x2", "count"] and onnx.inputs.onehots == []
    assert onnx.inputs.strings[1] == ["color"]
    (_, width, parts, _), = onnx.row_inputs.onehots
    assert width == 3 and [c for c, _ in parts] == ["color"]
    assert onnx.row_session is not onnx.session

    t = _columns(features)
    n = len(features)
    got, _ = score(dict(t), n, set())
    want = ml.score_frame(model, features, append=False)
    assert list(got) == [str(c) for c in want.columns]
    for c in want.columns:
        w = want[c].to_numpy()
        if w.dtype.kind == "f":  # some converted models compute in single precision
            np.testing.assert_allclose(got[c], w, rtol=1e-3, atol=1e-6)
        else:
            assert got[c].tolist() == w.tolist()

    # each row alone through the row version: exactly what the columns version gives it
    # (alone: ONNX Runtime may sum in another order for many rows)
    row = score.row_function({c: a.dtype.kind for c, a in t.items()})
    for i in range(n):
        r = row({c: a[i].item() if a.dtype.kind != "O" else a[i] for c, a in t.items()})
        alone, _ = score({c: a[i:i + 1] for c, a in t.items()}, 1, set())
        assert list(r) == list(alone)
        for c, v in r.items():
            assert _same(tables.array_values(alone[c])[0], fast._json_value(v)), (i, c)


@pytest.mark.parametrize("task, learner, label", LEARNERS)
def test_the_rewritten_graph_scores_as_the_converted_one(task, learner, label):
    """Fed as matrices and one-hot encodings, the graph gives exactly the outputs it gives fed
    one tensor per feature (with an unseen and a missing category, and a number fed as a
    category, as ONNX Runtime reads it)."""
    import onnxruntime as ort
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, StringTensorType

    model, features = _model(task, learner, label)
    dtype = fast.Score(model, append=False).onnx.dtype
    tensor = DoubleTensorType if dtype == np.float64 else FloatTensorType
    kinds = model.feature_kinds
    types = [(c, StringTensorType([None, 1]) if kinds[c] in onnx_scoring.CATEGORICAL_KINDS
              else tensor([None, 1])) for c in model.feature_columns]
    options = ({id(model.estimator.steps[-1][1]): {"zipmap": False}}
               if task in ("binary", "multiclass") else None)
    onx = convert_sklearn(model.estimator, initial_types=types, options=options)
    feeds = [(i.name, c, "str" if kinds[c] in onnx_scoring.CATEGORICAL_KINDS else "num")
             for i, (c, _) in zip(onx.graph.input, types)]
    plain = onnx_scoring._Onnx(onnx_scoring._session(ort, onx), feeds, model, dtype)
    rewritten = {}
    for onehot in (False, True):
        graph, inputs = onnx_scoring._rewrite_inputs(onx, feeds, dtype, onehot=onehot)
        assert bool(inputs.onehots) is onehot
        rewritten[onehot] = onnx_scoring._Onnx(onnx_scoring._session(ort, graph), feeds, model, dtype, inputs)
    t = _columns(features)
    t["color"][7] = 3
    n = len(features)
    want = plain.predict(t, n, set())
    for onx_ in rewritten.values():
        got = onx_.predict(t, n, set())
        assert list(got) == list(want)
        for c in want:
            np.testing.assert_array_equal(got[c], want[c])
        # and one row at a time
        row = onx_.row_function({c: a.dtype.kind for c, a in t.items()})
        for i in range(n):
            r = row({c: a[i].item() if a.dtype.kind != "O" else a[i] for c, a in t.items()})
            alone = plain.predict({c: a[i:i + 1] for c, a in t.items()}, 1, set())
            for c in want:
                assert _same(fast._json_value(r[c]), tables.array_values(alone[c])[0])


def test_a_category_onnx_runtime_cannot_read_is_not_scored():
    model, features = _model("regression", "Linear Regression", "price")
    score = fast.Score(model, append=False)
    t = _columns(features.head(1))
    t["color"][0] = "\ud800"  # not UTF-8
    with pytest.raises(UnicodeEncodeError):
        score(dict(t), 1, set())
    row = score.row_function({c: a.dtype.kind for c, a in t.items()})
    with pytest.raises(UnicodeEncodeError):
        row({c: a[0].item() if a.dtype.kind != "O" else a[0] for c, a in t.items()})


def test_ordinal_encoded_strings_stay_in_the_graph():
    """String features the graph reads otherwise than by one-hot encoders are fed as one
    matrix of strings, each column taken out by the graph."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    from jupyter_designer.engine.models import TrainedModel

    df = ml.example_frame("regression", n=60)
    df["size"] = np.asarray(["s", "m", "l", "xl"])[np.arange(60) % 4]
    cols = ["x1", "color", "count", "size"]
    est = Pipeline([("encode", ColumnTransformer(
        [("categorical", OrdinalEncoder(), ["color", "size"]), ("numeric", "passthrough", ["x1", "count"])])),
        ("model", LinearRegression())]).fit(df[cols], df["price"])
    model = TrainedModel(est, "regression", cols, "price", feature_kinds={
        "x1": "double", "color": "string", "count": "integer", "size": "string"})
    score = fast.Score(model, append=False)
    if score.onnx is None:
        pytest.skip(score.onnx_note)
    assert score.onnx.inputs.strings[1] == ["color", "size"]
    assert score.onnx.row_inputs is score.onnx.inputs
    t = _columns(df[cols])
    got = score(dict(t), len(df), set())[0][ml.SCORED_LABELS]
    np.testing.assert_allclose(got, est.predict(df[cols]), rtol=1e-9)
    row = score.row_function({c: a.dtype.kind for c, a in t.items()})
    for i in range(5):
        r = row({c: a[i].item() if a.dtype.kind != "O" else a[i] for c, a in t.items()})
        assert r[ml.SCORED_LABELS] == got[i]


# -- the endpoint ----------------------------------------------------------------------------
@pytest.fixture
def compiled(trained):
    ws, run_id = trained
    return CompiledPipeline(create_realtime_inference(ws, run_id), ws), ws


def _rows(ws, n):
    return tables.frame_records(ws.get_dataset(DATASET).drop(columns=["price"]).head(n))


def _respond(cp, rows):
    body = json.dumps({"Inputs": {IN: rows}, "GlobalParameters": {}}).encode()
    return json.loads(protocols.dumps(protocols.score_reference(cp, body)[1]))


def test_one_row_requests_take_the_row_version(compiled):
    cp, ws = compiled
    fp = cp.fast
    assert fp is not None and fp.row_plan is not None, cp.fast_reason
    rows = _rows(ws, 40)
    calls = []
    run_row = fp.run_row
    fp.run_row = lambda cols: calls.append(1) or run_row(cols)
    for r in rows[:3]:
        _respond(cp, [r])
    assert len(calls) == 3
    _respond(cp, rows[:2])
    assert len(calls) == 3


def test_one_row_responses_are_the_faithful_paths(compiled):
    """One row at a time, with an unseen category, missing values of each kind and numbers
    sent as integers: the response of the row version is the faithful path's (the same JSON
    values, a double sent as 2552 comes back as 2552.0, say)."""
    cp, ws = compiled
    rows = _rows(ws, 12)
    rows[1] = {**rows[1], "make": "trabant"}
    rows[2] = {**rows[2], "fuel-type": None}
    rows[3] = {**rows[3], "width": 66, "horsepower": 111}
    rows[4] = {**rows[4], "bore": None}
    rows[5] = {**rows[5], "normalized-losses": None}
    rows[6] = {**rows[6], "symboling": None}
    rows[7] = {**rows[7], "price": 1234.5}
    rows[8] = {**rows[8], "num-of-doors": "\u00e9\u00e8"}
    spec = cp.specs[IN]
    removed = 0
    for r in rows:
        given = {IN: tables.columns_from_rows(spec, [r], IN)}
        try:
            fast_out = _respond(cp, [r])
        except RowsRemovedError as exc:
            # a row Clean Missing Data removes: the same 400 on the faithful path
            with pytest.raises(RowsRemovedError) as slow:
                cp.score(given, use_fast=False)
            assert str(slow.value) == str(exc) and "Remove entire row" in str(exc)
            removed += 1
            continue
        names, values = cp.score(given, use_fast=False)[OUT]
        slow_out = json.loads(protocols.dumps(tables.records(names, values)))
        assert len(fast_out["Results"][OUT]) == len(slow_out)
        for a, b in zip(fast_out["Results"][OUT], slow_out):
            assert list(a) == list(b)
            for k in a:
                if k == "Scored Labels":
                    assert a[k] == pytest.approx(b[k], rel=1e-9)
                else:
                    assert a[k] == b[k] and type(a[k]) is type(b[k]), (k, a[k], b[k])
    assert removed == 3   # symboling, fuel-type and bore are cleaned by removing the row
    assert isinstance(_respond(cp, [rows[3]])["Results"][OUT][0]["width"], float)


def test_row_version_that_differs_is_not_used(compiled, monkeypatch):
    """verify() gives the fast path its row version only if it agrees with the columns version
    on every one-row request it tries."""
    cp, ws = compiled
    fp = cp.fast
    score = next(s for s in fp.steps if isinstance(s, fast.Score))
    real = score.row_function

    def off_by_one(kinds):
        f = real(kinds)

        def row(r):
            out = f(r)
            out[ml.SCORED_LABELS] += 1.0
            return out
        return row

    monkeypatch.setattr(score, "row_function", off_by_one)
    fp.row_plan = None
    spec = cp.specs[IN]
    ok, why = fast.verify(cp, fp, IN, cp.samples[IN])
    assert ok, why
    assert fp.row_plan is None
    out = _respond(cp, _rows(ws, 1))["Results"][OUT]
    given = {IN: tables.columns_from_rows(spec, _rows(ws, 1), IN)}
    assert out[0]["Scored Labels"] == pytest.approx(
        cp.score(given, use_fast=False)[OUT][1][-1][0], rel=1e-9)


@pytest.mark.parametrize("task, learner, label", LEARNERS)
def test_endpoints_with_a_string_feature(tmp_path, task, learner, label):
    """A pipeline trained on numeric and string features: the fast path (ONNX with the row
    version where ONNX gives scikit-learn's scores) answers one-row requests as the faithful
    path does."""
    from jupyter_designer.engine.pipeline import Pipeline
    from jupyter_designer.engine.runner import Runner
    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path / "ws")
    df = ml.example_frame(task, n=90)
    ws.register_dataset("table", df)
    p = Pipeline("t", workspace=ws)
    d = p.add_dataset("table")
    params = {"number_of_centroids": 3} if task == "clustering" else {}
    lr = p.add_component(learner, params)
    if task == "clustering":
        tm = p.add_component("Train Clustering Model")
        sm = p.add_component("Assign Data to Clusters")
    else:
        tm = p.add_component("Train Model", {"label_column": label})
        sm = p.add_component("Score Model")
    p.connect(lr, None, tm, None)
    p.connect(d, None, tm, "dataset")
    p.connect(tm, "trained_model" if task == "clustering" else None, sm, None)
    p.connect(d, None, sm, "dataset")
    h = Runner(ws).submit(p, "t")
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    cp = CompiledPipeline(create_realtime_inference(ws, h.run_id), ws)
    assert cp.fast is not None, cp.fast_reason
    if task in ("regression", "clustering"):
        assert cp.fast.kind == "onnx" and cp.fast.row_plan is not None, cp.fast_reason
    elif cp.fast.kind == "sklearn":  # converted, these compute in single precision
        assert cp.fast.row_plan is None
    spec = cp.specs[IN]
    rows = tables.frame_records(df[[c.name for c in spec.request_columns]].head(8))
    rows[1]["color"] = "purple"
    rows[2]["color"] = None
    rows[3]["x1"] = None
    rows[4]["count"] = 3.0
    for r in rows:
        given = {IN: tables.columns_from_rows(spec, [r], IN)}
        try:
            slow_out = cp.score(given, use_fast=False)[OUT]
        except RequestError as exc:  # e.g. a missing value and no cleaning: the same error
            with pytest.raises(RequestError, match=re.escape(str(exc))):
                cp.score(given)
            continue
        fast_out = cp.score(given)[OUT]
        assert fast_out[0] == slow_out[0]
        for name, a, b in zip(fast_out[0], fast_out[1], slow_out[1]):
            assert len(a) == len(b) == 1
            if isinstance(b[0], float):
                assert type(a[0]) is float and a[0] == pytest.approx(b[0], rel=1e-4, abs=1e-6), name
            else:
                assert a[0] == b[0] and type(a[0]) is type(b[0]), name


# -- the one-row request check ---------------------------------------------------------------
def _checked(spec, rows, *, fast_rows=True, monkeypatch=None):
    if not fast_rows:
        monkeypatch.setattr(tables, "_rows_fast", lambda spec, rows, where: None)
    try:
        return tables.columns_from_rows(spec, rows, "Inputs.x")
    except RequestError as exc:
        return ("error", str(exc), exc.details)
    finally:
        if not fast_rows:
            monkeypatch.undo()


def test_one_row_check_gives_the_column_checks_results(compiled, monkeypatch):
    cp, ws = compiled
    spec = cp.specs[IN]
    row = _rows(ws, 1)[0]
    variants = [row, {**row, "width": 66}, {**row, "width": math.inf}, {**row, "width": -math.inf},
                {**row, "width": math.nan}, {**row, "curb-weight": 2552.0},
                {**row, "curb-weight": 2552.5}, {**row, "curb-weight": math.nan},
                {**row, "symboling": True}, {**row, "make": 3}, {**row, "make": None},
                {**row, "horsepower": "fast"}, {**row, "bore": None}, {**row, "width": [1]},
                {**row, "curb-weight": 2 ** 70}, {**row, "width": 1e308, "length": 1e308}]
    for _ in range(2):  # the second time, the combinations of types are known
        for v in variants:
            got = _checked(spec, [v])
            want = _checked(spec, [v], fast_rows=False, monkeypatch=monkeypatch)
            assert repr(got) == repr(want), v
            if not isinstance(got, tuple) or got[0] != "error":
                cols, _ = got
                assert [type(x) for c in cols.values() for x in c] == \
                    [type(x) for c in want[0].values() for x in c]
