"""Web Service Input / Web Service Output: pass-through nodes named by the request keys."""

import pandas as pd
import pytest

from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, ParameterError
from jupyter_designer.engine.schema import Schema, get_roles, set_roles


def _run(name, inputs, params=None):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec), inputs, spec.resolve_params(params or {}))


@pytest.fixture
def frame():
    df = pd.DataFrame({"make": ["audi", "bmw"], "horsepower": [102.0, 121.0], "price": [1.0, 2.0]})
    set_roles(df, {"price": "label"})
    return df


@pytest.mark.parametrize("name,default", [("Web Service Input", "WebServiceInput0"),
                                          ("Web Service Output", "WebServiceOutput0")])
def test_declaration(name, default):
    spec = REGISTRY.get(name)
    assert spec.category == "Web Service"
    assert spec.param("name").default == default
    assert spec.resolve_params({})["name"] == default
    assert [p.key for p in spec.outputs] == ["dataset"]
    assert [p.key for p in spec.inputs] == ["dataset"]
    assert spec.input("dataset").optional is (name == "Web Service Input")
    assert not spec.training_only


@pytest.mark.parametrize("name", ["Web Service Input", "Web Service Output"])
def test_pass_through_keeps_the_same_frame_and_roles(name, frame):
    out = _run(name, {"dataset": frame})
    assert out["dataset"] is frame  # nothing copied
    assert get_roles(out["dataset"]) == {"price": "label"}


@pytest.mark.parametrize("name", ["Web Service Input", "Web Service Output"])
def test_schema_is_the_input_schema(name, frame):
    spec = REGISTRY.get(name)
    schema = Schema.from_frame(frame)
    assert spec.infer_schema({"dataset": schema}, spec.resolve_params({}))["dataset"] == schema
    assert spec.infer_schema({"dataset": None}, spec.resolve_params({}))["dataset"] is None


def test_web_service_input_without_data_says_what_to_connect():
    with pytest.raises(ComponentError, match=r"WebServiceInput7.*Connect a dataset"):
        _run("Web Service Input", {}, {"name": "WebServiceInput7"})


@pytest.mark.parametrize("bad", ["", "   ", "0starts-with-digit", "has/slash"])
def test_names_must_be_usable_as_request_keys(bad):
    spec = REGISTRY.get("Web Service Output")
    with pytest.raises(ParameterError, match="The 'Name' parameter of Web Service Output must be"):
        spec.resolve_params({"name": bad})


def test_custom_name_is_kept():
    spec = REGISTRY.get("Web Service Input")
    assert spec.resolve_params({"name": "cars"})["name"] == "cars"
