"""One answer per request row, in order, with several Web Service Inputs: each output lines up
with the input whose rows it answers, and a row a branch removes or cannot score is a 400
naming that input's row (or, with removed_rows="report", reported under that input)."""

import copy
import json

import pytest

from jupyter_designer.serving import CompiledPipeline, create_realtime_inference, protocols
from jupyter_designer.serving import tables
from jupyter_designer.serving.errors import RequestError
from jupyter_designer.serving.examples import rows_removed_by

IN0, IN1, OUT0, OUT1 = "WebServiceInput0", "WebServiceInput1", "WebServiceOutput0", "WebServiceOutput1"


def two_branches(ws, run_id):
    """The automobile real-time inference pipeline with a second input scored by the same
    cleaning and model, answering under a second output."""
    p = create_realtime_inference(ws, run_id)
    by_spec = {n.component: n for n in p.nodes.values() if n.kind == "component"}
    data = next(n for n in p.nodes.values() if n.kind == "dataset" and n.title.startswith("Automobile"))
    model = next(n for n in p.nodes.values() if n.kind == "dataset" and n.title.startswith("MD-"))
    cleaning = next(n for n in p.nodes.values() if n.kind == "dataset" and n.title.startswith("TD-"))
    wsi = p.add_component("Web Service Input", {"name": IN1})
    sel = p.add_component("Select Columns in Dataset", dict(by_spec["select_columns_in_dataset"].params))
    apply = p.add_component("Apply Transformation")
    score = p.add_component("Score Model", dict(by_spec["score_model"].params))
    wso = p.add_component("Web Service Output", {"name": OUT1})
    p.connect(data.id, "dataset", wsi.id, "dataset")
    p.connect(wsi.id, "dataset", sel.id, "dataset")
    p.connect(sel.id, "results_dataset", apply.id, "dataset")
    p.connect(cleaning.id, "transformation", apply.id, "transformation")
    p.connect(apply.id, "transformed_dataset", score.id, "dataset")
    p.connect(model.id, "model", score.id, "trained_model")
    p.connect(score.id, "scored_dataset", wso.id, "dataset")
    return p


def _score(cp, rows0, rows1):
    body = json.dumps({"Inputs": {IN0: rows0, IN1: rows1}, "GlobalParameters": {}}).encode()
    return protocols.score_reference(cp, body, "application/json")[1]


@pytest.fixture
def setup(trained):
    ws, run_id = trained
    p = two_branches(ws, run_id)
    rows = tables.frame_records(ws.get_dataset("Automobile price data (Raw)")
                                .drop(columns=["price"]).dropna().head(5))
    return ws, p, rows


def test_each_output_lines_up_with_its_own_input(setup):
    ws, p, rows = setup
    cp = CompiledPipeline(p, ws)
    out = _score(cp, rows, rows[:3])
    first = [r["Scored Labels"] for r in out["Results"][OUT0]]
    second = [r["Scored Labels"] for r in out["Results"][OUT1]]
    assert len(first) == 5 and second == pytest.approx(first[:3], rel=1e-9)

    # a null the second branch's Clean Missing Data removes: a 400 naming that input's row
    bad = copy.deepcopy(rows[:3])
    bad[1]["horsepower"] = None
    with pytest.raises(RequestError) as err:
        _score(cp, rows, bad)
    assert str(err.value).startswith(f"Row 1 of input '{IN1}'"), err.value
    assert err.value.details["input"] == IN1 and err.value.details["columns"] == ["horsepower"]

    # a value that makes the second branch's prediction infinite: the row and the column
    bad = copy.deepcopy(rows[:3])
    bad[2]["horsepower"] = 1e308
    with pytest.raises(RequestError) as err:
        _score(cp, rows, bad)
    assert str(err.value).startswith(f"Row 2 of input '{IN1}' (rows count from 0), column "
                                     "'horsepower'"), err.value

    # the explanation of the endpoint views finds the removing step of that branch
    bad = copy.deepcopy(rows[:3])
    bad[0]["bore"] = None
    steps = rows_removed_by(cp, {"Inputs": {IN0: rows, IN1: bad}})
    assert steps == [{"node": "Apply Transformation", "rows_in": 3, "rows_out": 2}], steps


def test_removed_rows_are_reported_under_their_input(setup):
    ws, p, rows = setup
    cp = CompiledPipeline(p, ws, removed_rows="report")
    bad0, bad1 = copy.deepcopy(rows), copy.deepcopy(rows[:4])
    bad0[4]["bore"] = None
    bad1[0]["horsepower"] = None
    bad1[2]["stroke"] = None
    full = _score(cp, rows, rows[:4])
    out = _score(cp, bad0, bad1)
    assert {k: [r["row"] for r in v] for k, v in out["RemovedRows"].items()} == {IN0: [4], IN1: [0, 2]}
    assert out["RemovedRows"][IN1][1]["columns"] == ["stroke"]
    got0 = [r["Scored Labels"] for r in out["Results"][OUT0]]
    got1 = [r["Scored Labels"] for r in out["Results"][OUT1]]
    want0 = [r["Scored Labels"] for r in full["Results"][OUT0]]
    want1 = [r["Scored Labels"] for r in full["Results"][OUT1]]
    assert got0 == pytest.approx(want0[:4], rel=1e-9)
    assert got1 == pytest.approx([want1[1], want1[3]], rel=1e-9)
