"""Code generators of the Python export for Edit Metadata, Apply Math Operation, Clip Values,
Convert to Indicator Values, Group Data into Bins, Summarize Data, Extract Date Parts, Select
Columns Transform and Apply Transformation.

The script carries the components' own functions (``edit_column``, ``math_frame``,
``clip_frame``, ``indicator_frame``, ``bin_frame``, ``date_parts_frame``, ``summarize``, ...),
copied from their modules when exporting with their run-context arguments taken out, so the
script and the components never drift apart. Column selections are resolved when exporting.

A fitted transformation is, in the script, a function of a DataFrame returning the
transformed DataFrame. Its statistics are fitted once on the training data, when the function
is defined (a default argument), and Apply Transformation calls it on other data. Generators
of components whose transformation output is written this way list the component in
:data:`TRANSFORMATION_FUNCTIONS`.
"""

from __future__ import annotations

import inspect
import textwrap

from .script_code import LOG_SOURCE, NodeCode, Step, _lit, _names_list, generator, plain_source
from .script_code import one_input as _one_input

#: Components whose generator writes their transformation output as a function of a DataFrame.
TRANSFORMATION_FUNCTIONS = {"normalize_data", "select_columns_transform",
                            "convert_to_indicator_values", "group_data_into_bins",
                            "clean_missing_data", "latent_dirichlet_allocation"}
#: ... of which those taking the label columns of data to score (``label_columns=[...]``)
#: rather than getting absent label columns as missing values
TAKES_LABEL_COLUMNS = {"clean_missing_data"}


def _src(*objs) -> list[str]:
    return [plain_source(inspect.getsource(o)) for o in objs]


def _add(g: NodeCode, name: str, parts: list[str]) -> None:
    g.export.add_source(name, "\n\n\n".join(p.rstrip() for p in parts))


def _kinds(g: NodeCode) -> None:
    from jupyter_designer.engine import schema

    _add(g, "kind_of_dtype", [f"NUMERIC_KINDS = {schema.NUMERIC_KINDS!r}"]
         + _src(schema.kind_of_dtype))


def _as_float(g: NodeCode) -> None:
    from jupyter_designer.components.data_transformation import common

    _add(g, "_as_float", _src(common._as_float))


def _settings(values: dict) -> str:
    return "{\n" + "".join(f"    {k!r}: {_lit(v)},\n" for k, v in values.items()) + "}"


# -- Edit Metadata ---------------------------------------------------------------------------
@generator("edit_metadata")
def _edit_metadata(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import columns as m

    p = g.params
    names = g.columns("column", "dataset")
    if not names:
        raise g.fail("the 'Column' parameter selects no column; select the columns to edit.")
    schema = g.schema("dataset")
    try:
        roles = m.apply_fields({c.name: c.role for c in schema if c.role}, names, p["fields"])
        rename = m.new_column_names(names, p["new_column_names"] or "", list(schema.names))
    except ValueError as exc:
        raise g.fail(f"{exc}.") from None
    src, out = _one_input(g), g.out()
    lines, imports = [f"{out} = {src}.copy(deep=False)"], ()
    if p["data_type"] != "Unchanged" or p["categorical"] != "Unchanged":
        imports = ("import math",)
        _kinds(g)
        _add(g, "edit_column", [f"_TRUE = {{{_lit(sorted(m._TRUE))[1:-1]}}}",
                                f"_FALSE = {{{_lit(sorted(m._FALSE))[1:-1]}}}"]
             + _src(m._kind, m._first_bad, m._epoch_seconds, m._as_numbers, m.convert_type,
                    m._decategorize, m.edit_column))
        lines += [f"for column in {_names_list(names, 14)}:",
                  f"    original = {out}[column]",
                  f"    edited = edit_column(original, column, {p['data_type']!r}, "
                  f"{p['categorical']!r}, {p['datetime_format'] or ''!r})",
                  "    if edited is not original:",
                  f"        {out}[column] = edited"]
    if p["fields"] != "Unchanged":
        label = [k for k, v in roles.items() if v == "label"]
        lines.append(f"# Fields: {p['fields']} (the label column is "
                     f"{label[0] if label else 'none'!r}; the script names it where it is used)")
    if rename:
        lines.append(f"{out} = {out}.rename(columns={_lit(rename)})")
    return Step("\n".join(lines), imports=imports)


# -- Apply Math Operation ----------------------------------------------------------------------
def _math_source() -> list[str]:
    from jupyter_designer.components.data_transformation import common
    from jupyter_designer.components.data_transformation import math_operations as m

    module = inspect.getsource(m)
    tables = module[module.index("def _nan_where("):module.index("_BASIC_FUNCS = (")]
    return [tables] + _src(m._math_function, common._unique_name, m._math_layout, m.math_frame)


@generator("apply_math_operation")
def _apply_math(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import math_operations as m
    from jupyter_designer.engine.errors import ComponentError

    p = g.params
    try:
        plan, cols, _kind = m._math_plan(g.schema("dataset"), p, g.spec.name)
    except ComponentError as exc:
        raise g.fail(str(exc)) from None
    category = p["category"]
    op = p[m._MATH[category][0]]
    _as_float(g)
    _add(g, "math_frame", _math_source())
    plan_code = "[\n" + "".join(f"    {_lit(tuple(step))},\n" for step in plan) + "]"
    code = (f"# (result column, column, second argument: a constant or (\"column\", name))\n"
            f"plan = {plan_code}\n"
            f"{g.out()} = math_frame({_one_input(g)}, plan, {_names_list(cols, 40)}, "
            f"{category!r}, {op!r}, {p['output_mode']!r})")
    return Step(code)


# -- Clip Values --------------------------------------------------------------------------------
@generator("clip_values")
def _clip_values(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import cleaning as m

    cols = g.columns("list_of_columns", "dataset")
    _as_float(g)
    _add(g, "log", [LOG_SOURCE])
    _add(g, "clip_frame", [f"_UPPER = {_lit(m._UPPER)}", f"_LOWER = {_lit(m._LOWER)}"]
         + _src(m._clip_layout, m.clip_frame))
    settings = {k: v for k, v in g.params.items() if k != "list_of_columns"}
    code = (f"{g.out()} = clip_frame({_one_input(g)}, {_names_list(cols, 40)}, "
            f"{_settings(settings)})")
    return Step(code)


# -- Convert to Indicator Values ----------------------------------------------------------------
@generator("convert_to_indicator_values")
def _indicator_values(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import columns as m

    cols = g.columns("categorical_columns_to_convert", "dataset")
    if not cols:
        raise g.fail("the 'Categorical columns to convert' parameter selects no column.")
    _add(g, "indicator_frame", _src(m.unique_name, m._category_value, m._value_text, m.indicator_settings,
                                    m.indicator_frame))
    src, out = _one_input(g), g.out("results_dataset")
    tr = g.out("indicator_values_transformation")
    overwrite = bool(g.params["overwrite_categorical_columns"])
    code = f'''fitted = indicator_settings({src}, {_lit(cols)}, {overwrite})


def {tr}(df, fitted=fitted):
    """Convert to Indicator Values' indicators, fitted on {src}, applied to df."""
    return indicator_frame(df, {_lit(cols)}, {overwrite}, *fitted)


{out} = {tr}({src})'''
    return Step(code)


# -- Group Data into Bins -----------------------------------------------------------------------
@generator("group_data_into_bins")
def _group_into_bins(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import scaling as m

    p = g.params
    cols = g.columns("columns_to_bin", "dataset")
    if not cols:
        raise g.fail("the 'Columns to bin' parameter selects no column. Select the numeric "
                     "columns to bin.")
    mode = p["binning_mode"]
    custom = None
    if mode == m.CUSTOM_EDGES:
        custom = m._parse_edges(p["comma_separated_list_of_bin_edges"], g.fail)
    names = m._append_names(list(g.schema("dataset").names), cols)
    normalization = p["quantile_normalization"] if mode == m.QUANTILES else None
    _as_float(g)
    _add(g, "bin_frame", [f"CUSTOM_EDGES = {m.CUSTOM_EDGES!r}",
                          f"EQUAL_WIDTH = {m.EQUAL_WIDTH!r}"]
         + _src(m.fit_bin_edges, m.bin_values, m.bin_frame))
    src, out, tr = _one_input(g), g.out("quantized_dataset"), g.out("binning_transformation")
    n = int(p["number_of_bins"])
    code = f'''edges = fit_bin_edges({src}, {_lit(cols)}, {mode!r}, {n}, {_lit(custom)})


def {tr}(df, edges=edges):
    """Group Data into Bins' bins ({mode}), fitted on {src}, applied to df."""
    return bin_frame(df, {_lit(cols)}, edges, {p['output_mode']!r},
                     {bool(p['tag_columns_as_categorical'])}, {normalization!r}, {n},
                     {_lit(names)})


{out} = {tr}({src})'''
    return Step(code)


# -- Summarize Data -----------------------------------------------------------------------------
@generator("summarize_data")
def _summarize_data(g: NodeCode) -> Step:
    from jupyter_designer.engine import profiling as m

    _kinds(g)
    consts = [f"SUMMARY_COLUMNS = {_lit(m.SUMMARY_COLUMNS)}",
              f"_COUNT_COLUMNS = {_lit(m._COUNT_COLUMNS)}",
              "_STAT_COLUMNS = SUMMARY_COLUMNS[4:]",
              f"_PERCENTILES = {_lit(m._PERCENTILES)}"]
    # named apart from the script helpers' column_kind (the kinds learners see)
    code = "\n\n\n".join(_src(m._numeric_stats, m.column_kind, m.summarize))
    _add(g, "summarize", ["\n".join(consts),
                          code.replace("column_kind(", "summary_column_kind(")])
    return Step(f"{g.out()} = summarize({_one_input(g, 'input')})",
                imports=("import math", "import warnings", "from typing import Any"))


# -- Extract Date Parts -------------------------------------------------------------------------
@generator("extract_date_parts")
def _extract_date_parts(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import dates as m

    cols = g.columns("date_columns", "dataset")
    if not cols:
        raise g.fail("the 'Date columns' parameter selects no column. Select the date columns.")
    module = inspect.getsource(m)
    parts = module[module.index("PARTS = {"):module.index("ALL_DATES = ")].rstrip()
    _kinds(g)
    _add(g, "date_parts_frame", [parts] + _src(m._new_names, m._as_dates, m._not_date,
                                               m.date_parts_frame))
    code = (f"{g.out()} = date_parts_frame({_one_input(g)}, {_names_list(cols, 40)}, "
            f"{_lit(list(g.params['parts']))}, {bool(g.params['keep_date_columns'])})")
    return Step(code)


# -- Select Columns Transform and Apply Transformation ------------------------------------------
@generator("select_columns_transform")
def _select_columns_transform(g: NodeCode) -> Step:
    schema = g.schema("dataset_with_desired_columns")
    _one_input(g, "dataset_with_desired_columns")
    cols, label = list(schema.names), schema.label()
    code = f'''def {g.out()}(df):
    """Select Columns Transform: these columns, in this order (the label {label!r} may be
    absent from data to score)."""
    columns = {_names_list(cols, 14).replace(chr(10), chr(10) + "    ")}
    missing = [c for c in columns if c not in df.columns and c != {label!r}]
    if missing:
        raise ValueError(f"the dataset lacks column(s) {{missing}} that the column selection "
                         "keeps")
    return df[[c for c in columns if c in df.columns]]'''
    return Step(code)


@generator("apply_transformation")
def _apply_transformation(g: NodeCode) -> Step:
    tr = _one_input(g, "transformation")
    data = _one_input(g)
    nid, _port = g.sources["transformation"]
    node = g.export.pipeline.nodes[nid]
    if node.kind == "dataset" or node.spec.id not in TRANSFORMATION_FUNCTIONS:
        what = node.title if node.kind == "dataset" else node.spec.name
        raise g.fail(f"applying the transformation of {what} has no Python generator yet; the "
                     "transformations exported are those of "
                     + ", ".join(sorted(_names(TRANSFORMATION_FUNCTIONS))) + ".")
    labels = [str(c) for c in g.params.get("label_columns") or []]
    out = g.out()
    if not labels:
        return Step(f"{out} = {tr}({data})")
    if node.spec.id in TAKES_LABEL_COLUMNS:
        return Step(f"{out} = {tr}({data}, label_columns={_lit(labels)})")
    code = textwrap.dedent(f"""\
        # label columns the data may lack enter the transformation as missing values
        absent = [c for c in {_lit(labels)} if c not in {data}.columns]
        padded = {data}.assign(**{{c: np.nan for c in absent}})
        {out} = {tr}(padded)
        {out} = {out}.drop(columns=[c for c in absent if c in {out}.columns])""")
    return Step(code)


def _names(ids) -> list[str]:
    from jupyter_designer.engine.component import REGISTRY

    return [REGISTRY.get(cid).name for cid in ids]
