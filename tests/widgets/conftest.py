"""Widgets under a dummy comm (as ipywidgets' own tests do), probe components, a workspace."""

import pandas as pd
import pytest
from ipywidgets.widgets.tests.utils import setup_test_comm, teardown_test_comm

from jupyter_designer.engine.component import REGISTRY, component
from jupyter_designer.engine.params import Bool, Columns, Enum, Float, Int, List, Script, String
from jupyter_designer.engine.ports import DATASET, UNTRAINED_MODEL, Port
from jupyter_designer.engine.models import UntrainedModel

from widget_helpers import PROBE

if "widget_probe" not in REGISTRY:
    @component(PROBE, id="widget_probe", category="User Components", subcategory="Probes",
               inputs=[Port("dataset", DATASET, "Dataset"),
                       Port("right", DATASET, "Right dataset", optional=True)],
               outputs=[Port("results_dataset", DATASET, "Results dataset")],
               params=[Int("count", "Count", default=3, min=1, max=10),
                       Float("ratio", "Ratio", default=0.5, min=0.0, max=1.0),
                       Bool("flag", "Flag", default=False),
                       Enum("mode", "Mode", default="Simple", choices=("Simple", "Advanced")),
                       Int("depth", "Depth", default=2, min=1, visible_if={"mode": ["Advanced"]}),
                       String("name", "Name", default="x"),
                       Script("script", "Script", default="print(1)"),
                       List("values", "Values", default=[1, 2], item=Int("v", "Value")),
                       Columns("columns", "Columns", port="dataset", required=False),
                       Columns("label", "Label column", single=True, port="dataset", required=False)],
               schema=lambda ins, p: {"results_dataset": ins.get("dataset")})
    def _probe(ctx, inputs, params):
        """A probe component for widget tests: keeps the first rows."""
        print(f"probe keeps {params['count']} rows")
        ctx.log_metric("rows", params["count"])
        return {"results_dataset": inputs["dataset"].head(params["count"])}

    @component("Widget Probe Learner", id="widget_probe_learner", category="User Components",
               subcategory="Probes",
               outputs=[Port("untrained_model", UNTRAINED_MODEL, "Untrained model")])
    def _probe_learner(ctx, inputs, params):
        return {"untrained_model": UntrainedModel("Widget Probe Learner", "regression")}

    @component("Widget Probe Fail", id="widget_probe_fail", category="User Components",
               subcategory="Probes",
               inputs=[Port("dataset", DATASET, "Dataset")],
               outputs=[Port("results_dataset", DATASET, "Results dataset")])
    def _probe_fail(ctx, inputs, params):
        print("about to fail")
        raise ctx.error("column 'a' has a value the probe does not accept; fix the data")


@pytest.fixture(autouse=True)
def dummy_comm():
    setup_test_comm()
    yield
    teardown_test_comm()


@pytest.fixture
def frame():
    return pd.DataFrame({"a": [1.0, 2.0, None, 4.0, 5.0], "b": list("vwxyz"), "c": [1, 2, 3, 4, 5]})


@pytest.fixture
def ws(tmp_path, frame):
    from jupyter_designer.store import Workspace

    w = Workspace(tmp_path / "ws")
    w.register_dataset("probe data", frame)
    yield w
    w.close()
