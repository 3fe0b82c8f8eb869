"""Web Service components: where request rows enter a real-time inference pipeline and
where the response rows leave it.

Both are pass-through in a pipeline run. When an endpoint serves a request, the serving
layer puts the request rows of ``Inputs[<name>]`` on the output of the Web Service Input
node named ``<name>`` and answers with the table reaching each Web Service Output node,
under that node's name (``Results[<name>]``).
"""

from __future__ import annotations

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import String
from jupyter_designer.engine.ports import DATASET, Port

from . import fast_steps as fs

CATEGORY = "Web Service"

#: Names are keys of the request/response JSON bodies, so keep them simple identifiers.
_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_\-. ]*"


def _pass_through_schema(inputs, params):
    return {"dataset": inputs.get("dataset")}


@component(
    "Web Service Input", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset", optional=True,
                 description="Data giving the input schema; in a served request the request rows "
                             "take its place")],
    outputs=[Port("dataset", DATASET, "Dataset")],
    params=[String("name", "Name", default="WebServiceInput0", allow_empty=False,
                   pattern=_NAME_PATTERN,
                   description="Key of this input in a scoring request's \"Inputs\" object")],
    schema=_pass_through_schema,
)
def web_service_input(ctx, inputs, params):
    """Indicates where user data enters a real-time inference pipeline."""
    df = inputs.get("dataset")
    if df is None:
        raise ctx.error(
            f"no data reached Web Service Input {params['name']!r}. Connect a dataset to its "
            "'Dataset' input to give the pipeline a schema for the training run (a served "
            "request supplies the rows itself).")
    return {"dataset": df}


@component(
    "Web Service Output", category=CATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset",
                 description="The table returned to the caller of the endpoint")],
    outputs=[Port("dataset", DATASET, "Dataset")],
    params=[String("name", "Name", default="WebServiceOutput0", allow_empty=False,
                   pattern=_NAME_PATTERN,
                   description="Key of this output in a scoring response's \"Results\" object")],
    schema=_pass_through_schema,
)
def web_service_output(ctx, inputs, params):
    """Indicates where user data is returned in a real-time inference pipeline."""
    return {"dataset": inputs["dataset"]}


web_service_output.fast_step = lambda constants, params, sample_outputs: fs.PASS_THROUGH


def _example_frame():
    import pandas as pd

    return pd.DataFrame({"make": ["audi", "bmw", "toyota"], "horsepower": [102.0, 121.0, 62.0]})


EXAMPLES = {
    "web_service_input": lambda: ({"dataset": _example_frame()}, {"name": "WebServiceInput0"}),
    "web_service_output": lambda: ({"dataset": _example_frame()}, {"name": "Results"}),
}
