"""The application layer: every front end's use cases, with their argument checks once.

Each check is a clear error naming what is wrong and what to give; the CLI, the REST API and
the magics report these same messages."""

import pytest

from jupyter_designer import app
from jupyter_designer.serving.errors import RequestError
from jupyter_designer.store import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "ws")
    yield w
    w.close()


def test_register_dataset_takes_exactly_one_source(ws, tmp_path):
    with pytest.raises(RequestError, match=r'Give exactly one of "path".*got \'path\', \'csv\''):
        app.register_dataset(ws, "cars", path="x.csv", csv="a\n1\n")
    with pytest.raises(RequestError, match='Give exactly one of "path"'):
        app.register_dataset(ws, "cars")
    with pytest.raises(RequestError, match='"na_values" must be a list of words'):
        app.register_dataset(ws, "cars", csv="a\n1\n", na_values="NA")
    with pytest.raises(RequestError, match='"parse_dates" must be true or false'):
        app.register_dataset(ws, "cars", csv="a\n1\n", parse_dates="yes")
    info = app.register_dataset(ws, "cars", csv="make,airbags\naudi,None\nbmw,\n")
    assert info.rows == 2
    assert ws.get_dataset("cars")["airbags"].tolist()[0] == "None"   # only empty fields are missing
    # the REST body form names its fields the same way
    with pytest.raises(RequestError, match='Give the dataset a "name"'):
        app.register_dataset_request(ws, {"csv": "a\n1\n"})


def test_submit_run_checks_its_arguments(ws):
    with pytest.raises(RequestError, match="pipeline parameter values must be an object"):
        app.submit_run(ws, "Automobile price prediction (basic)", parameters=[1])
    with pytest.raises(RequestError, match="experiment name must be a non-empty string"):
        app.submit_run(ws, "Automobile price prediction (basic)", experiment=" ")
    with pytest.raises(RequestError, match=r'Give exactly one of "pipeline" .* "draft" .* "sample"'):
        app.submit_run_request(ws, {"draft": "a", "sample": "b"})
    with pytest.raises(RequestError, match='"regenerate" must be true or false'):
        app.submit_run_request(ws, {"sample": "Automobile price prediction (basic)",
                                    "regenerate": "yes"})


def test_deploy_and_publish_name_their_sources(ws):
    with pytest.raises(RequestError, match=r'Give exactly one of "run_id" .* or "pipeline"'):
        app.deploy(ws, "autos")
    with pytest.raises(RequestError, match=r"got 'run_id', 'pipeline'"):
        app.deploy_request(ws, {"name": "autos", "run_id": "r", "pipeline": {}}, replace=False)
    with pytest.raises(RequestError, match='endpoint\'s "name"'):
        app.deploy_request(ws, {"run_id": "r"}, replace=False)
    with pytest.raises(RequestError, match=r'Give exactly one of "pipeline" .* "run_id" .* "draft"'):
        app.publish_request(ws, "retrain", {})
    with pytest.raises(RequestError, match="Unknown field 'Nope'"):
        app.update_pipeline_endpoint_request(ws, "retrain", {"Nope": 1})
