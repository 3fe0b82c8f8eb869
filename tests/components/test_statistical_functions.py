"""Summarize Data."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from jupyter_designer.components import statistical_functions as mod
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.ports import DATASET
from jupyter_designer.engine.profiling import SUMMARY_COLUMNS, summarize
from jupyter_designer.engine.schema import Schema


def run(name, inputs, **params):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec), inputs, spec.resolve_params(params))


def test_declaration():
    spec = REGISTRY.get("Summarize Data")
    assert spec.category == "Statistical Functions"
    assert [p.label for p in spec.inputs] == ["Input"]
    assert [(p.label, p.type) for p in spec.outputs] == [("Result dataset", DATASET)]


def test_iris_agrees_with_pandas_describe():
    iris = load_iris(as_frame=True).frame
    out = run("Summarize Data", {"input": iris})["result_dataset"]
    assert list(out.columns) == list(SUMMARY_COLUMNS)
    assert list(out["Feature"]) == list(iris.columns)
    desc = iris.describe()
    by = out.set_index("Feature")
    for col in iris.columns:
        assert by.loc[col, "Count"] == desc.loc["count", col]
        assert by.loc[col, "Mean"] == pytest.approx(desc.loc["mean", col])
        assert by.loc[col, "Sample Standard Deviation"] == pytest.approx(desc.loc["std", col])
        assert by.loc[col, "Min"] == desc.loc["min", col]
        assert by.loc[col, "1st Quartile"] == pytest.approx(desc.loc["25%", col])
        assert by.loc[col, "Median"] == pytest.approx(desc.loc["50%", col])
        assert by.loc[col, "3rd Quartile"] == pytest.approx(desc.loc["75%", col])
        assert by.loc[col, "Max"] == desc.loc["max", col]
    assert by.loc["target", "Unique Value Count"] == 3


def test_schema_is_known_at_design_time_and_matches():
    spec = REGISTRY.get("Summarize Data")
    inputs, params = mod.EXAMPLES["summarize_data"]()
    out = run("Summarize Data", inputs, **params)["result_dataset"]
    predicted = spec.infer_schema({"input": None}, spec.resolve_params(params))["result_dataset"]
    assert predicted == Schema.from_frame(out)
    pd.testing.assert_frame_equal(out, summarize(inputs["input"]))


def test_examples_are_deterministic():
    for cid, example in mod.EXAMPLES.items():
        a = run(cid, *example()[:1], **example()[1])
        b = run(cid, *example()[:1], **example()[1])
        for k in a:
            pd.testing.assert_frame_equal(a[k], b[k])


def test_mixed_types_with_missing_values():
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": ["x", None, "x"]})
    out = run("Summarize Data", {"input": df})["result_dataset"].set_index("Feature")
    assert out.loc["a", "Missing Value Count"] == 1 and out.loc["a", "Mean"] == 2.0
    assert out.loc["b", "Unique Value Count"] == 1 and np.isnan(out.loc["b", "Mean"])
