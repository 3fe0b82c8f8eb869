"""Scoring a compiled real-time inference pipeline: fast and faithful paths, the protocols,
request checking."""

import json
import time

import numpy as np
import pandas as pd
import pytest

from automobile import DATASET, node_of
from jupyter_designer.engine.inference import create_realtime_inference
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner
from jupyter_designer.serving import protocols, tables
from jupyter_designer.serving.compiled import CompiledPipeline
from jupyter_designer.serving.errors import EndpointNotFoundError, RequestError, ScoringFailure

IN = "WebServiceInput0"
OUT = "WebServiceOutput0"


@pytest.fixture
def compiled(trained):
    """The automobile inference pipeline, answering for the rows Clean Missing Data keeps (and
    saying which it removed), as an endpoint deployed with removed_rows="report" does."""
    ws, run_id = trained
    return (CompiledPipeline(create_realtime_inference(ws, run_id), ws, removed_rows="report"),
            ws, run_id)


def raw_rows(ws, n=None, label=False):
    df = ws.get_dataset(DATASET)
    if not label:
        df = df.drop(columns=["price"])
    rows = tables.frame_records(df)
    return rows if n is None else rows[:n]


def score(cp, rows, **kw):
    body = json.dumps({"Inputs": {IN: rows}, "GlobalParameters": {}}).encode()
    return protocols.score_reference(cp, body, **kw)[1]["Results"][OUT]


def test_fast_path_is_onnx_and_agrees(compiled):
    cp, ws, run_id = compiled
    assert cp.fast is not None and cp.fast.kind == "onnx", cp.fast_reason
    rows = raw_rows(ws)
    spec = cp.specs[IN]
    given = {IN: tables.columns_from_rows(spec, rows, IN)}
    fast = cp.score(given)[OUT]
    slow = cp.score(given, use_fast=False)[OUT]
    assert fast[0] == slow[0]
    j = fast[0].index("Scored Labels")
    np.testing.assert_allclose(fast[1][j], slow[1][j], rtol=1e-9)
    for a, b in zip(fast[1][:j], slow[1][:j]):
        assert a == b


def test_scores_match_sklearn_by_hand(compiled):
    """The endpoint's prices are the trained estimator's predictions on the cleaned rows."""
    cp, ws, run_id = compiled
    p = Pipeline.from_dict(ws.get_run(run_id).snapshot)
    model = ws.run_output(run_id, node_of(p, "train_model"), "trained_model")
    rows = raw_rows(ws, 40)
    out = score(cp, rows)
    df = pd.DataFrame(rows).drop(columns=["normalized-losses"]).dropna().reset_index(drop=True)
    expected = model.estimator.predict(df[model.feature_columns])
    assert len(out) == len(df)
    np.testing.assert_allclose([r["Scored Labels"] for r in out], expected, rtol=1e-9)
    assert "price" not in out[0] and "normalized-losses" not in out[0]


def test_one_row_costs_well_under_a_few_ms(compiled):
    cp, ws, _ = compiled
    row = raw_rows(ws, 1)
    body = json.dumps({"Inputs": {IN: row}, "GlobalParameters": {}}).encode()
    times = []
    for _ in range(60):
        t = time.perf_counter()
        protocols.score_reference(cp, body)
        times.append(time.perf_counter() - t)
    assert min(times) < 0.002, f"one-row request took at best {min(times) * 1e3:.2f} ms"


def test_label_column_is_optional(compiled):
    cp, ws, _ = compiled
    without = score(cp, raw_rows(ws, 3))
    with_label = score(cp, raw_rows(ws, 3, label=True))
    assert "price" not in without[0] and "price" in with_label[0]
    assert [r["Scored Labels"] for r in without] == pytest.approx([r["Scored Labels"] for r in with_label])


def test_missing_values_take_the_faithful_path(compiled):
    cp, ws, _ = compiled
    rows = raw_rows(ws, 3)
    rows[1] = {**rows[1], "curb-weight": None}        # an integer column: the faithful path
    rows[2] = {**rows[2], "horsepower": None}
    out = score(cp, rows)
    # Clean Missing Data removes rows with a missing value, as it did in training
    assert len(out) == 1 and out[0]["make"] == rows[0]["make"]
    assert score(cp, [rows[1]]) == []


@pytest.mark.parametrize("body, fragment", [
    (b"", "empty"),
    (b"{nope", "not valid JSON"),
    (b"[]", "must be a JSON object"),
    (b'{"Inputs": 3}', "needs \\\"Inputs\\\""),
    (b'{"Inputs": {"Other": []}}', "Unknown input 'Other'"),
    (b'{"Inputs": {}}', "has no 'WebServiceInput0'"),
    (b'{"Inputs": {"WebServiceInput0": {}}}', "must be a list of row objects"),
    (b'{"Inputs": {"WebServiceInput0": [3]}}', "must be an object of column values"),
    (b'{"Inputs": {"WebServiceInput0": []}}', "has no rows"),
    (b'{"Inputs": {"WebServiceInput0": [{}]}, "GlobalParameters": {"x": 1}}', "global parameter 'x'"),
    (b'{"Inputs": {"WebServiceInput0": [{}]}, "Extra": 1}', "Unknown key 'Extra'"),
])
def test_malformed_requests(compiled, body, fragment):
    cp, _, _ = compiled
    with pytest.raises(RequestError) as err:
        protocols.score_reference(cp, body)
    assert err.value.status == 400
    assert fragment.replace("\\", "") in str(err.value)


def test_unknown_missing_and_wrongly_typed_columns(compiled):
    cp, ws, _ = compiled
    row = raw_rows(ws, 1)[0]
    with pytest.raises(RequestError, match="unknown column 'colour'"):
        score(cp, [{**row, "colour": "red"}])
    short = {k: v for k, v in row.items() if k != "make"}
    with pytest.raises(RequestError, match=r"\[0\] has no column 'make'"):
        score(cp, [short])
    with pytest.raises(RequestError, match="column 'horsepower' takes a number .* got \"fast\" \\(string\\)"):
        score(cp, [{**row, "horsepower": "fast"}])
    with pytest.raises(RequestError, match="column 'make' takes a string"):
        score(cp, [{**row, "make": 3}])
    with pytest.raises(RequestError, match="column 'curb-weight' takes an integer"):
        score(cp, [{**row, "curb-weight": 2.5}])
    with pytest.raises(RequestError, match="column 'symboling' takes an integer .* got true"):
        score(cp, [{**row, "symboling": True}])
    err = pytest.raises(RequestError, score, cp, [row, {**row, "width": "x"}]).value
    assert err.details == {"input": IN, "column": "width", "row": 1, "expected": "double"}


def test_classic_column_names_values_form(compiled):
    cp, ws, _ = compiled
    rows = raw_rows(ws, 2)
    names = list(rows[0])
    body = {"Inputs": {IN: {"ColumnNames": names, "Values": [[r[c] for c in names] for r in rows]}}}
    out = protocols.score_reference(cp, json.dumps(body).encode())[1]["Results"][OUT]
    assert [r["Scored Labels"] for r in out] == pytest.approx([r["Scored Labels"] for r in score(cp, rows)])


def test_mlflow_protocol(compiled):
    cp, ws, _ = compiled
    rows = raw_rows(ws, 3)
    expected = [r["Scored Labels"] for r in score(cp, rows)]
    names = list(rows[0])
    bodies = [
        {"dataframe_split": {"columns": names, "data": [[r[c] for c in names] for r in rows]}},
        {"dataframe_records": rows},
        {"instances": rows},
        {"inputs": {c: [r[c] for r in rows] for c in names}},
    ]
    for body in bodies:
        status, out = protocols.score_mlflow(cp, json.dumps(body).encode())
        assert status == 200
        assert [r["Scored Labels"] for r in out["predictions"]] == pytest.approx(expected)
    csv = pd.DataFrame(rows).to_csv(index=False).encode()
    out = protocols.score_mlflow(cp, csv, "text/csv")[1]
    assert [r["Scored Labels"] for r in out["predictions"]] == pytest.approx(expected)
    with pytest.raises(RequestError, match="exactly one of the keys"):
        protocols.score_mlflow(cp, json.dumps({"dataframe_records": rows, "instances": rows}).encode())
    with pytest.raises(RequestError, match="Unsupported content type"):
        protocols.score_mlflow(cp, b"x", "application/xml")
    with pytest.raises(RequestError, match="CSV line 2 has 1 values"):
        protocols.score_mlflow(cp, b"make,width\naudi\n", "text/csv")
    with pytest.raises(RequestError, match="column 'width' takes a number"):
        protocols.score_mlflow(cp, ("\n".join([",".join(names), ",".join(
            "wide" if c == "width" else ("" if rows[0][c] is None else str(rows[0][c])) for c in names)])).encode(),
            "text/csv")


def test_open_inference_protocol(compiled):
    cp, ws, _ = compiled
    rows = raw_rows(ws, 2)
    spec = cp.specs[IN]
    meta = protocols.v2_model_metadata(cp, "autos", 3)
    assert meta["versions"] == ["3"]
    assert {"name": "horsepower", "datatype": "FP64", "shape": [-1]} in meta["inputs"]
    assert {"name": "make", "datatype": "BYTES", "shape": [-1]} in meta["inputs"]
    assert meta["outputs"][-1] == {"name": "Scored Labels", "datatype": "FP64", "shape": [-1]}
    tensors = [{"name": c.name, "shape": [2, 1], "datatype": protocols.V2_TYPES[c.kind],
                "data": [[r[c.name]] for r in rows]} for c in spec.request_columns]
    body = {"id": "req-1", "inputs": tensors, "outputs": [{"name": "Scored Labels"}]}
    status, out = protocols.score_v2(cp, json.dumps(body).encode(), "autos", 3)
    assert status == 200 and out["id"] == "req-1" and out["model_version"] == "3"
    (t,) = out["outputs"]
    assert t["name"] == "Scored Labels" and t["datatype"] == "FP64" and t["shape"] == [2]
    assert t["data"] == pytest.approx([r["Scored Labels"] for r in score(cp, rows)])
    full = protocols.score_v2(cp, json.dumps({"inputs": tensors}).encode(), "autos", 3)[1]
    assert [o["name"] for o in full["outputs"]][-1] == "Scored Labels"
    bad = [dict(tensors[0], datatype="BYTES")] + tensors[1:]
    with pytest.raises(RequestError, match="datatype 'BYTES'.*use INT64"):
        protocols.score_v2(cp, json.dumps({"inputs": bad}).encode(), "autos", 3)
    bad = [dict(tensors[0], shape=[3])] + tensors[1:]
    with pytest.raises(RequestError, match="shape \\[3\\] \\(3 values\\) but 2 values"):
        protocols.score_v2(cp, json.dumps({"inputs": bad}).encode(), "autos", 3)
    with pytest.raises(RequestError, match="has no column 'make'"):
        protocols.score_v2(cp, json.dumps({"inputs": [t for t in tensors if t["name"] != "make"]}).encode(),
                           "autos", 3)
    with pytest.raises(RequestError, match="Unknown output 'nope'"):
        protocols.score_v2(cp, json.dumps({"inputs": tensors, "outputs": [{"name": "nope"}]}).encode(),
                           "autos", 3)
    with pytest.raises(EndpointNotFoundError):
        protocols.check_v2_model("other", None, "autos", 3)
    with pytest.raises(EndpointNotFoundError, match="no version '2'"):
        protocols.check_v2_model("autos", "2", "autos", 3)


def test_model_failure_is_a_500_without_internals(compiled, monkeypatch):
    cp, ws, _ = compiled
    cp.fast = None
    step = next(s for s in cp.steps if s.spec.id == "score_model")

    def broken(ctx, inputs, params):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(step, "spec", type("S", (), {"run": staticmethod(broken), "id": "x",
                                                    "outputs": step.spec.outputs, "name": "x"})())
    with pytest.raises(ScoringFailure) as err:
        score(cp, raw_rows(ws, 1))
    assert err.value.status == 500
    assert "secret" not in str(err.value) and "Traceback" not in str(err.value)


def test_score_frames_python_api(compiled):
    cp, ws, _ = compiled
    df = ws.get_dataset(DATASET).head(5).drop(columns=["price"])
    out = cp.score_frames({IN: df})[OUT]
    assert list(out.columns)[-1] == "Scored Labels" and len(out) == len(df.drop(columns=["normalized-losses"]).dropna())
    with pytest.raises(RequestError, match="Unknown input"):
        cp.score_frames({"X": df})


def test_example_rows_and_description(compiled):
    cp, ws, _ = compiled
    (row,) = cp.example_rows(IN)
    assert set(row) == {c.name for c in cp.specs[IN].request_columns}
    d = cp.describe()
    assert d["fast_path"] == "onnx"
    assert d["inputs"][0]["label_columns"] == ["price"]
    assert [c["name"] for c in d["outputs"][0]["columns"]][-1] == "Scored Labels"
    assert "price" not in [c["name"] for c in d["outputs"][0]["columns"]]


def _compile_classifier(tmp_path, learner, dataset, label, params=None, task_rows=None):
    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path / "ws")
    p = Pipeline("clf", workspace=ws)
    d = p.add_dataset(dataset)
    norm = p.add_component("Normalize Data", {"transformation_method": "MinMax"})
    lr = p.add_component(learner, params or {})
    tm = p.add_component("Train Model", {"label_column": label})
    sm = p.add_component("Score Model")
    p.connect(d, None, norm, "dataset")
    p.connect(lr, None, tm, None)
    p.connect(norm, "transformed_dataset", tm, "dataset")
    p.connect(tm, None, sm, None)
    p.connect(norm, "transformed_dataset", sm, "dataset")
    h = Runner(ws).submit(p, "t")
    assert ws.get_run(h.run_id).status == "completed"
    return ws, CompiledPipeline(create_realtime_inference(ws, h.run_id), ws), h.run_id, sm.id


@pytest.mark.parametrize("learner, dataset, label, prob", [
    ("Two-Class Logistic Regression", "Breast Cancer Data", "Class", "Scored Probabilities"),
    ("Multiclass Logistic Regression", "Iris Data", None, None),
])
def test_classifiers_fast_path(tmp_path, learner, dataset, label, prob):
    from jupyter_designer.store import Workspace

    info = Workspace(tmp_path / "probe").dataset_info(dataset)
    label = label or (info.tags or {}).get("label") or info.schema[-1]["name"]
    ws, cp, run_id, sm = _compile_classifier(tmp_path, learner, dataset, label)
    assert cp.fast is not None and cp.fast.kind == "onnx", cp.fast_reason
    raw = ws.get_dataset(dataset).drop(columns=[label])
    rows = tables.frame_records(raw)
    out = score(cp, rows)
    ref = ws.run_output(run_id, sm, "scored_dataset")
    assert [r["Scored Labels"] for r in out] == ref["Scored Labels"].tolist()
    probs = [c for c in ref.columns if str(c).startswith("Scored Probabilities")]
    for c in probs:
        np.testing.assert_allclose([r[c] for r in out], ref[c].to_numpy(), rtol=1e-6, atol=1e-9)


def test_json_bodies_read_as_the_standard_library_reads_them():
    """The C JSON fast path gives the standard library's values, and hands it what it reads
    differently (NaN, integers beyond 64 bits, a byte-order mark) or refuses."""
    for body in (b'{"a": [1, 2.5, -0.0, "x", null, true]}', b'[NaN, Infinity]',
                 b'[123456789012345678901234567890, -9223372036854775809]', b'\xef\xbb\xbf{"a": 1}',
                 '{"é": "\u2028"}'.encode()):
        got, want = protocols.parse_json(body), json.loads(body)
        assert repr(got) == repr(want), body
        assert [type(v) for v in (got if isinstance(got, list) else got.values())] == \
            [type(v) for v in (want if isinstance(want, list) else want.values())]
    with pytest.raises(RequestError, match="not valid JSON"):
        protocols.parse_json(b'{"a": }')
    for obj in ({"a": [1, None, "x\n\u00e9"], "b": {"c": 1.5}}, {"n": np.float64(2.5), 1: 2}, {"i": 2 ** 70}):
        assert json.loads(protocols.dumps(obj)) == json.loads(json.dumps(obj, default=float))


def test_fast_path_with_missing_values_agrees(compiled):
    """Requests with missing values in some columns take the fast path's missing-value checks
    for those columns only; the scores are the faithful path's."""
    cp, ws, _ = compiled
    rows = raw_rows(ws, 30)
    holes = [dict(r) for r in rows]
    for i, r in enumerate(holes):
        for j, c in enumerate(list(r)):
            if (i + j) % 7 == 0:
                r[c] = None
    spec = cp.specs[IN]
    for batch in (rows[:1], holes[:1], holes[3:4], holes):
        given = {IN: tables.columns_from_rows(spec, batch, IN)}
        fast, slow = cp.score(given)[OUT], cp.score(given, use_fast=False)[OUT]
        assert fast[0] == slow[0]
        for a, b in zip(fast[1], slow[1]):
            assert len(a) == len(b)
            for x, y in zip(a, b):
                assert x == y or (isinstance(x, float) and abs(x - y) <= 1e-9 * max(1.0, abs(y))), (x, y)
