"""Statistical Functions components: Summarize Data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.ports import DATASET, Port
from jupyter_designer.engine.profiling import SUMMARY_COLUMNS, summarize
from jupyter_designer.engine.schema import Column, Schema

CATEGORY = "Statistical Functions"

_SUMMARY_KINDS = {"Feature": "string", "Count": "integer", "Unique Value Count": "integer",
                  "Missing Value Count": "integer"}
SUMMARY_SCHEMA = Schema(tuple(Column(c, _SUMMARY_KINDS.get(c, "double")) for c in SUMMARY_COLUMNS))


@component(
    "Summarize Data", category=CATEGORY,
    inputs=[Port("input", DATASET, "Input")],
    outputs=[Port("result_dataset", DATASET, "Result dataset")],
    schema=lambda inputs, params: {"result_dataset": SUMMARY_SCHEMA},
)
def summarize_data(ctx, inputs, params):
    """Descriptive statistics of every column: counts, missing values, mean, quartiles, ..."""
    return {"result_dataset": summarize(inputs["input"])}


EXAMPLES = {
    "summarize_data": lambda: ({"input": pd.DataFrame({
        "price": [13495.0, 16500.0, np.nan, 13950.0, 17450.0],
        "doors": [2, 2, 4, 4, 4],
        "make": ["audi", "bmw", "audi", None, "fiat"],
        "turbo": [True, False, False, True, False]})}, {}),
}
