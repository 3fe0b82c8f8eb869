"""Pipeline endpoints: publish versions, default, disable/enable, submit runs."""

import pytest

from automobile import automobile_pipeline, node_of
from jupyter_designer.serving import PipelineEndpoints
from jupyter_designer.serving.errors import (EndpointConflictError, EndpointNotFoundError,
                                             RequestError, ServingError)

FRACTION = "fraction_of_rows_in_the_first_output_dataset"


def with_parameter(ws, default=0.7):
    p = automobile_pipeline(ws)
    p.bind_parameter(node_of(p, "split_data"), FRACTION, "train_fraction")
    p.parameters["train_fraction"].default = default
    return p


def test_publish_versions_and_default(trained):
    ws, run_id = trained
    pe = PipelineEndpoints(ws)
    rec = pe.create("retrain", "weekly retraining")
    assert rec["default_version"] is None and rec["enabled"]
    with pytest.raises(EndpointConflictError):
        pe.create("retrain")
    v1 = pe.publish("retrain", with_parameter(ws), description="first")
    assert v1["version"] == "1"
    assert v1["parameters"] == [{"name": "train_fraction", "type": "float", "default": 0.7,
                                 "description": ""}]
    v2 = pe.publish("retrain", run_id)               # a run's pipeline
    assert v2["version"] == "2" and v2["source_run"] == run_id and v2["parameters"] == []
    assert pe.get("retrain")["default_version"] == "1"
    v3 = pe.publish("retrain", with_parameter(ws, 0.5), set_default=True)
    assert pe.get("retrain")["default_version"] == "3"
    assert [v["version"] for v in pe.versions("retrain")] == ["1", "2", "3"]
    pe.set_default("retrain", "1")
    assert pe.get("retrain")["default_version"] == "1"
    with pytest.raises(EndpointNotFoundError, match="no version '9'"):
        pe.set_default("retrain", 9)
    p = pe.pipeline("retrain", "3")
    assert p.parameters["train_fraction"].default == 0.5
    assert (ws.path / "endpoints" / "pipeline" / "retrain" / "v3.json").exists()
    # a new endpoint is created on first publish
    pe.publish("Other one", with_parameter(ws))
    assert sorted(e["name"] for e in pe.list()) == ["Other one", "retrain"]
    assert v3["pipeline_name"] == p.name


def test_submit_default_and_given_versions(trained):
    ws, run_id = trained
    pe = PipelineEndpoints(ws)
    pe.publish("retrain", with_parameter(ws, 0.7))
    pe.publish("retrain", with_parameter(ws, 0.5))
    h = pe.submit("retrain", parameters={"train_fraction": 0.6}, background=False)
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed" and rec.experiment == "retrain"
    assert rec.parameters == {"train_fraction": 0.6}
    h = pe.submit("retrain", version="2", experiment="exp", background=True)
    rec = h.wait(300)
    assert rec.status == "completed" and rec.experiment == "exp"
    assert rec.parameters == {"train_fraction": 0.5}


def test_submit_errors(trained):
    ws, _ = trained
    pe = PipelineEndpoints(ws)
    with pytest.raises(EndpointNotFoundError):
        pe.submit("nothing")
    pe.create("empty")
    with pytest.raises(EndpointNotFoundError, match="no published pipeline"):
        pe.submit("empty")
    pe.publish("retrain", with_parameter(ws))
    with pytest.raises(RequestError, match="Unknown pipeline parameter 'nope'.*'train_fraction'"):
        pe.submit("retrain", parameters={"nope": 1})
    with pytest.raises(RequestError, match="must be of type float"):
        pe.submit("retrain", parameters={"train_fraction": "lots"})
    with pytest.raises(RequestError, match="ExperimentName"):
        pe.submit("retrain", experiment="  ")
    pe.disable("retrain")
    with pytest.raises(EndpointConflictError, match="disabled"):
        pe.submit("retrain")
    pe.enable("retrain")
    assert pe.get("retrain")["enabled"]


def test_publish_refuses_invalid_pipelines_and_names(trained):
    ws, _ = trained
    pe = PipelineEndpoints(ws)
    p = automobile_pipeline(ws)
    p.remove_node(node_of(p, "linear_regression"))
    with pytest.raises(ServingError, match="(?s)cannot be published.*Untrained model"):
        pe.publish("retrain", p)
    assert not pe.exists("retrain")
    for bad in ("", " x", "a/b", "x" * 65):
        with pytest.raises(ServingError, match="pipeline endpoint name"):
            pe.create(bad)
    with pytest.raises(EndpointNotFoundError):
        pe.publish("missing", automobile_pipeline(ws), create=False)


def test_delete_and_update(trained):
    ws, _ = trained
    pe = PipelineEndpoints(ws)
    pe.publish("retrain", with_parameter(ws))
    assert pe.update("retrain", description="new")["description"] == "new"
    pe.delete("retrain")
    assert pe.list() == []
    with pytest.raises(EndpointNotFoundError):
        pe.get("retrain")
