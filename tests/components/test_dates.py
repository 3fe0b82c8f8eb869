"""Dates: read as dates at registration, turned into numeric parts by Extract Date Parts,
and never one-hot encoded silently by a learner."""

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner
from jupyter_designer.store import Workspace


@pytest.fixture
def ws(tmp_path):
    rng = np.random.default_rng(0)
    days = pd.date_range("2023-01-01", periods=400, freq="D")
    df = pd.DataFrame({"day": days.strftime("%Y-%m-%d"), "x": rng.normal(size=400)})
    df["y"] = 3 * df["x"] + days.month.to_numpy() + rng.normal(scale=0.1, size=400)
    path = tmp_path / "sales.csv"
    df.to_csv(path, index=False)
    w = Workspace(tmp_path / "ws")
    info = w.register_dataset("sales", path)
    assert "Read as dates (ISO 8601): day." in info.notes
    w.register_dataset("sales as text", df)  # a DataFrame keeps its text column
    yield w
    w.close()


def _pipeline(ws, dataset, *, expand: bool):
    p = Pipeline("dates", workspace=ws)
    data = p.add_dataset(dataset)
    learner = p.add_component("Linear Regression")
    train = p.add_component("Train Model", {"label_column": "y"})
    p.connect(learner, None, train, "Untrained model")
    source = data
    if expand:
        source = p.add_component("Extract Date Parts", {"parts": ["Year", "Month", "Day of week"]})
        p.connect(data, None, source, None)
    p.connect(source, None, train, "Dataset")
    return p, source, train


def test_date_columns_become_numeric_parts_and_train(ws):
    p, dates, train = _pipeline(ws, "sales", expand=True)
    assert p.validate() == []
    h = Runner(ws).submit(p)
    rec = h.wait()
    assert rec.status == "completed", rec.error
    out = h.output("Extract Date Parts")
    assert list(out.columns) == ["x", "y", "day_Year", "day_Month", "day_DayOfWeek"]
    assert out["day_Month"].iloc[40] == 2 and out["day_DayOfWeek"].iloc[0] == 6  # 2023-01-01: Sunday
    assert out["day_Year"].dtype == np.int64
    model = h.output("Train Model")
    assert model is not None


def test_a_date_column_is_a_validation_error_naming_the_component(ws):
    p, _, train = _pipeline(ws, "sales", expand=False)
    [issue] = p.validate()
    assert issue.node_id == train.id and "Add Extract Date Parts before Train Model" in issue.message


def test_dates_held_as_text_are_refused_not_one_hot_encoded(ws):
    p, _, train = _pipeline(ws, "sales as text", expand=False)
    rec = Runner(ws).submit(p).wait()
    assert rec.status == "failed"
    err = rec.nodes[train.id].error
    assert "feature column(s) 'day' hold dates or time spans" in err
    assert "Add Extract Date Parts before Train Model" in err
    # the same text column through Extract Date Parts (selected by name) trains
    p, dates, _ = _pipeline(ws, "sales as text", expand=True)
    p.set_param(dates, "date_columns", ["day"])
    assert Runner(ws).submit(p).wait().status == "completed"
