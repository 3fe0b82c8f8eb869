"""Column-level Data Transformation components: select, edit metadata, add, join, ..."""

from __future__ import annotations

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import Columns
from jupyter_designer.engine.ports import DATASET, Port
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

CATEGORY = "Data Transformation"


def _select_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    names = Columns("select_columns", "Select columns").resolve(params["select_columns"], schema)
    return {"results_dataset": schema.select(names)}


@component(
    "Select Columns in Dataset", category=CATEGORY, subcategory="Manipulation",
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[Columns("select_columns", "Select columns", port="dataset",
                    description="Columns to keep: names, or rules by name, type or index")],
    schema=_select_schema,
)
def select_columns_in_dataset(ctx, inputs, params):
    """Choose a subset of columns to use in downstream operations."""
    df = inputs["dataset"]
    spec = ctx.spec.param("select_columns")
    names = spec.resolve(params["select_columns"], Schema.from_frame(df), ctx.component)
    out = df[names]  # copy-on-write: no copy until someone writes
    set_roles(out, get_roles(df))
    return {"results_dataset": out}
