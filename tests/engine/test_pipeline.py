import json

import pytest

from jupyter_designer.engine.errors import (ParameterError, PipelineError, PipelineFileError,
                                            PipelineValidationError, PortError)
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.serialization import SCHEMA_VERSION


def build(ws=None):
    p = Pipeline("p", workspace=ws)
    d = p.add_dataset("data")
    s = p.add_component("Test Scale", {"factor": 3})
    j = p.add_component("Test Join Sum")
    p.connect(d, None, s, None)
    p.connect(s, "results_dataset", j, "left")
    return p, d, s, j


def test_build_connect_and_validate(schema_ws):
    p, d, s, j = build(schema_ws)
    assert p.validate() == []
    assert [n.title for n in p.nodes.values()] == ["data", "Test Scale", "Test Join Sum"]
    assert p.input_schema(s).names == ["x", "y"]
    assert p.output_schema(s).names == ["x", "y"]


def test_refused_connections(schema_ws):
    p, d, s, j = build(schema_ws)
    sink = p.add_component("Test Model Sink")
    with pytest.raises(PortError, match="takes a trained model"):
        p.connect(s, "results_dataset", sink, "model")
    with pytest.raises(PortError, match="already connected"):
        p.connect(d, None, j, "left")
    k = p.add_component("Test Join Sum")
    p.connect(j, None, k, "left")
    with pytest.raises(PipelineError, match="cycle"):
        p.connect(k, None, j, "right")
    with pytest.raises(PipelineError, match="itself"):
        p.connect(j, None, j, "right")
    with pytest.raises(PortError, match="data node"):
        p.connect(s, None, d, None)
    with pytest.raises(PortError, match="no input port 'nope'"):
        p.connect(d, None, j, "nope")


def test_validation_names_node_and_port(schema_ws):
    p = Pipeline("p", workspace=schema_ws)
    j = p.add_component("Test Join Sum")
    issues = p.validate()
    assert len(issues) == 1
    assert issues[0].node_id == j.id and issues[0].port == "left"
    assert "Required input port 'Left' is not connected" in str(issues[0])
    with pytest.raises(PipelineValidationError, match="1 problem"):
        p.check()


def test_validation_checks_columns_against_design_time_schema(schema_ws):
    p, d, s, j = build(schema_ws)
    p.set_param(s, "columns", ["nope"])
    issues = p.validate()
    assert len(issues) == 1 and issues[0].parameter == "columns"
    assert "'nope'" in issues[0].message and "Available columns: x, y" in issues[0].message


def test_parameter_values_are_checked_on_edit():
    p = Pipeline()
    s = p.add_component("Test Scale")
    with pytest.raises(ParameterError, match="'Sleep' parameter of Test Scale must be a float >= 0"):
        p.set_param(s, "sleep", -1)
    with pytest.raises(ParameterError, match="has no parameter"):
        p.add_component("Test Scale", {"bogus": 1})
    p.set_param(s, "Factor", "4.5")  # by label, coerced
    assert s.params["factor"] == 4.5


def test_undo_redo_every_edit_with_events(schema_ws):
    p, d, s, j = build(schema_ws)
    events = []
    p.observe(events.append)
    before = p.to_dict()
    p.move_node(s, 100, 200)
    p.set_comment(s, "scale it")
    p.set_param(s, "factor", 5)
    p.remove_node(d)
    assert len(p.nodes) == 2 and len(p.edges) == 1
    for _ in range(4):
        assert p.undo()
    assert p.to_dict() == before
    assert p.redo() and p.nodes[s.id].position == (100.0, 200.0)
    kinds = [e["type"] for e in events]
    assert "node_removed" in kinds and "edge_removed" in kinds and "node_added" in kinds


def test_failed_edit_leaves_no_undo_step():
    p = Pipeline()
    s = p.add_component("Test Scale")
    n = len(p._undo)
    with pytest.raises(ParameterError):
        p.set_param(s, "sleep", -1)
    assert len(p._undo) == n


def test_copy_paste_keeps_params_and_inner_edges(schema_ws):
    p, d, s, j = build(schema_ws)
    clip = p.copy([s, j])
    new = p.paste(clip)
    assert len(new) == 2 and len(p.nodes) == 5
    assert new[0].params["factor"] == 3.0
    assert new[0].position == (s.position[0] + 40, s.position[1] + 40)
    assert any(e.source == new[0].id and e.target == new[1].id for e in p.edges.values())
    p.undo()
    assert len(p.nodes) == 3


def test_pipeline_parameters_bind_and_validate(schema_ws):
    p, d, s, j = build(schema_ws)
    p.bind_parameter(s, "factor", "factor")
    assert p.parameters["factor"].type == "float" and p.parameters["factor"].default == 3.0
    assert p.validate({"factor": "2.5"}) == []
    assert "must be of type float" in str(p.validate({"factor": "abc"})[0])
    assert "Unknown pipeline parameter" in str(p.validate({"nope": 1})[0])
    p.bind_parameter(d, None, "input_data")
    assert p.parameters["input_data"].type == "dataset"


def test_serialization_is_deterministic_and_round_trips(schema_ws):
    p, d, s, j = build(schema_ws)
    p.set_comment(s, "scales x")
    text = p.to_json()
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION
    q = Pipeline.from_json(text)
    assert q.to_json() == text
    assert list(q.nodes) == list(p.nodes)


def test_migration_from_version_0():
    doc = {"schema_version": 0, "name": "old",
           "nodes": [{"id": "d", "kind": "dataset", "data": {"name": "data"}, "position": {"x": 1, "y": 2}},
                     {"id": "s", "component": "Test Scale"}],
           "edges": [{"from": "d.dataset", "to": "s.dataset"}]}
    p = Pipeline.from_dict(doc)
    assert p.nodes["d"].position == (1.0, 2.0)
    assert len(p.edges) == 1 and p.to_dict()["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize("doc,path", [
    ("[1]", "$"),
    ('{"nodes": {}}', "$.nodes"),
    ('{"nodes": [{"id": "a", "component": "Test Scale", "params": {"zzz": 1}}]}', "$.nodes[0].params.zzz"),
    ('{"nodes": [{"id": "a", "component": "Test Scael"}]}', "$.nodes[0].component"),
    ('{"nodes": [{"id": "a", "component": "Test Scale", "position": [1]}]}', "$.nodes[0].position"),
    ('{"nodes": [{"id": "a", "component": "Test Scale"}], "edges": [{"source": "a", "source_port": "results_dataset", "target": "b", "target_port": "dataset"}]}', "$.edges[0].target"),
    ('{"schema_version": 99}', "$.schema_version"),
    ('{"nodes": [', "$"),
])
def test_malformed_files_name_the_json_path(doc, path):
    with pytest.raises(PipelineFileError) as err:
        Pipeline.from_json(doc, source="x.json")
    assert err.value.json_path == path
    assert str(err.value).startswith(f"x.json: {path}")


def test_unknown_component_suggests_names():
    with pytest.raises(PipelineFileError, match="Did you mean 'Test Scale'"):
        Pipeline.from_json('{"nodes": [{"id": "a", "component": "Test Scael"}]}')


def test_auto_layout_layers(schema_ws):
    p, d, s, j = build(schema_ws)
    p.auto_layout()
    ys = [p.nodes[n].position[1] for n in (d.id, s.id, j.id)]
    assert ys == sorted(ys) and len(set(ys)) == 3
    assert p.undo()


def test_save_and_load(tmp_path, schema_ws):
    p, *_ = build(schema_ws)
    f = tmp_path / "p.json"
    p.save(f)
    assert Pipeline.load(f).to_dict() == p.to_dict()
    with pytest.raises(PipelineFileError, match="file not found"):
        Pipeline.load(tmp_path / "missing.json")


# -- what the design-time schema already knows ------------------------------------------------
@pytest.fixture
def cars_ws(tmp_path):
    import pandas as pd

    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path / "ws")
    ws.register_dataset("cars", pd.DataFrame({
        "price": [13495.0, 16500.0, None, 13950.0],
        "make": ["alfa", "audi", "bmw", None],
        "doors": ["two", "four", "four", "two"],
        "sold": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]),
        "horsepower": [111, 154, 102, 115]}))
    return ws


def _issues(p):
    return [(i.node_id, i.parameter, i.message) for i in p.validate()]


def test_validate_reports_mean_and_median_over_text_columns(cars_ws):
    for mode in ("Replace with mean", "Replace with median"):
        p = Pipeline("clean", workspace=cars_ws)
        clean = p.add_component("Clean Missing Data", {"cleaning_mode": mode, "columns_to_be_cleaned":
                                                       {"begin_with": "all", "rules": []}})
        p.connect(p.add_dataset("cars"), None, clean, None)
        [(nid, param, msg)] = _issues(p)
        assert (nid, param) == (clean.id, "columns_to_be_cleaned")
        assert f"The 'Cleaning mode' '{mode}' applies to numeric columns only" in msg
        assert "'make' (string), 'doors' (string), 'sold' (datetime)" in msg and "'price'" not in msg
        p.set_param(clean, "columns_to_be_cleaned", ["price", "horsepower"])
        assert p.validate() == []
        h = p.add_component("Test Scale")  # unrelated nodes do not hide or add anything
        assert p.validate()[0].node_id == h.id


def _training(ws, learner, label, *, tune=False, learner_params=None):
    p = Pipeline("train", workspace=ws)
    data = p.add_dataset("cars")
    select = p.add_component("Select Columns in Dataset", {"select_columns": ["price", "make", "horsepower"]})
    p.connect(data, None, select, None)
    model = p.add_component(learner, learner_params or {})
    if tune:
        train = p.add_component("Tune Model Hyperparameters", {"label_column": label})
        p.connect(model, None, train, "Untrained model")
        p.connect(select, None, train, "Training dataset")
    else:
        train = p.add_component("Train Model", {"label_column": label})
        p.connect(model, None, train, "Untrained model")
        p.connect(select, None, train, "Dataset")
    return p, data, select, model, train


def test_validate_reports_label_columns_of_the_wrong_kind_or_missing(cars_ws):
    p, data, select, model, train = _training(cars_ws, "Linear Regression", "make")
    [(nid, param, msg)] = _issues(p)
    assert (nid, param) == (train.id, "label_column")
    assert msg.startswith("The 'Label column' parameter selects 'make', a string column, but "
                          f"Linear Regression [{model.id}] is a regression learner")
    p.set_param(train, "label_column", "price")
    assert p.validate() == []
    p.set_param(train, "label_column", "doors")   # dropped by Select Columns upstream
    [(nid, param, msg)] = _issues(p)
    assert (nid, param) == (train.id, "label_column") and "'doors'" in msg
    assert "Available columns: price, make, horsepower" in msg
    # a classification learner takes a text label
    p, *_ = _training(cars_ws, "Two-Class Logistic Regression", "make")
    assert p.validate() == []


def test_validate_reports_columns_selected_by_name_that_do_not_exist(cars_ws):
    p = Pipeline("select", workspace=cars_ws)
    select = p.add_component("Select Columns in Dataset", {"select_columns": ["price", "engine-size"]})
    p.connect(p.add_dataset("cars"), None, select, None)
    [(nid, param, msg)] = _issues(p)
    assert (nid, param) == (select.id, "select_columns") and "'engine-size'" in msg


def test_validate_reports_date_features_and_names_the_component_that_converts_them(cars_ws):
    p, data, select, model, train = _training(cars_ws, "Linear Regression", "price")
    p.set_param(select, "select_columns", ["price", "sold", "horsepower"])
    [(nid, param, msg)] = _issues(p)
    assert nid == train.id and "Feature column(s) 'sold' hold dates or times" in msg
    assert "Add Extract Date Parts before Train Model" in msg
    dates = p.add_component("Extract Date Parts")
    p.disconnect(next(e for e in p.edges.values() if e.target == train.id and e.target_port == "dataset"))
    p.connect(select, None, dates, None)
    p.connect(dates, None, train, "Dataset")
    assert p.validate() == []
    assert p.input_schema(train, "dataset").names == ["price", "horsepower", "sold_Year", "sold_Month",
                                           "sold_Day", "sold_DayOfWeek"]


def test_validate_refuses_tuning_a_learner_in_single_parameter_mode(cars_ws):
    p, data, select, model, train = _training(cars_ws, "Boosted Decision Tree Regression", "price",
                                              tune=True)
    [(nid, param, msg)] = _issues(p)
    assert nid == train.id
    assert msg.startswith(f"The learner Boosted Decision Tree Regression [{model.id}] is in "
                          "'Single Parameter' mode")
    p.set_param(model, "create_trainer_mode", "Parameter Range")
    assert p.validate() == []
    # ordinary least squares has nothing to sweep: its single setting is trained
    p, *_ = _training(cars_ws, "Linear Regression", "price", tune=True)
    assert p.validate() == []
