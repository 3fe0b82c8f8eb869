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
