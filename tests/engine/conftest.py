"""Small components registered for engine tests (real components, simple arithmetic)."""

import threading
import time

import pandas as pd
import pytest

from jupyter_designer.engine.component import REGISTRY, component
from jupyter_designer.engine.params import Columns, Float, Int
from jupyter_designer.engine.ports import DATASET, TRAINED_MODEL, Port
from jupyter_designer.engine.schema import Schema

CALLS: dict = {}
_lock = threading.Lock()


def _count(name):
    with _lock:
        CALLS[name] = CALLS.get(name, 0) + 1


if "test_scale" not in REGISTRY:
    @component("Test Scale", id="test_scale", category="User Components",
               inputs=[Port("dataset", DATASET, "Dataset")],
               outputs=[Port("results_dataset", DATASET, "Results dataset")],
               params=[Float("factor", "Factor", default=2.0), Columns("columns", "Columns", default=["x"]),
                       Float("sleep", "Sleep", default=0.0, min=0)],
               schema=lambda ins, p: {"results_dataset": ins["dataset"]})
    def _scale(ctx, inputs, params):
        _count("scale")
        print(f"scaling by {params['factor']}")
        ctx.log("log line from scale")
        time.sleep(params["sleep"])
        df = inputs["dataset"].copy()
        for c in params["columns"]["rules"][0]["values"]:
            df[c] = df[c] * params["factor"]
        ctx.log_metric("factor", params["factor"])
        return {"results_dataset": df}

    @component("Test Join Sum", id="test_join_sum", category="User Components",
               inputs=[Port("left", DATASET, "Left"), Port("right", DATASET, "Right", optional=True)],
               outputs=[Port("results_dataset", DATASET, "Results dataset")],
               params=[Int("offset", "Offset", default=0)])
    def _join(ctx, inputs, params):
        _count("join")
        df = inputs["left"].copy()
        if inputs.get("right") is not None:
            df["x"] = df["x"] + inputs["right"]["x"].to_numpy()
        df["x"] = df["x"] + params["offset"]
        return {"results_dataset": df}

    @component("Test Fail", id="test_fail", category="User Components",
               inputs=[Port("dataset", DATASET, "Dataset")],
               outputs=[Port("results_dataset", DATASET, "Results dataset")])
    def _fail(ctx, inputs, params):
        _count("fail")
        print("about to fail")
        raise ctx.error("column 'x' has a value the test does not like; fix the data")

    @component("Test Model Sink", id="test_model_sink", category="User Components",
               inputs=[Port("model", TRAINED_MODEL, "Trained model")],
               outputs=[Port("results_dataset", DATASET, "Results dataset")],
               params=[Columns("label_column", "Label column", single=True, default=None)])
    def _sink(ctx, inputs, params):
        return {"results_dataset": pd.DataFrame()}


@pytest.fixture
def calls():
    CALLS.clear()
    return CALLS


@pytest.fixture
def frame():
    return pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "c"]})


class SchemaWorkspace:
    """Answers dataset_info for design-time schemas (the real store is tested elsewhere)."""

    def __init__(self, schemas):
        self.schemas = schemas

    def dataset_info(self, name, version=None):
        class Info:
            schema = self.schemas[name]
        return Info()


@pytest.fixture
def schema_ws():
    return SchemaWorkspace({"data": [{"name": "x", "kind": "double"}, {"name": "y", "kind": "string"}]})
