"""Code generators of the Python export for Clean Missing Data and Split Data, every mode.

The script carries the components' own functions, copied from their modules when exporting
(run-context arguments taken out, errors raised as ``ValueError``, log lines printed), so the
script and the components never drift apart: Clean Missing Data's ``fit_cleaning`` (which
columns are cleaned and how: custom value, mean, median, mode, MICE, removed rows or columns,
missing-value ratio limits, indicator columns) and ``clean_frame`` (that cleaning applied to a
DataFrame), Split Data's ``split_positions`` (Split Rows, randomized or stratified, Regular
Expression, Relative Expression). Column selections are resolved when exporting.

Clean Missing Data's "Cleaning transformation" is, in the script, a function of a DataFrame
(and the label columns of data to score) that applies the cleaning fitted on the training data,
as Apply Transformation's generator calls it.
"""

from __future__ import annotations

import inspect

from .generators_columns import _as_float, _kinds
from .script_code import LOG_SOURCE, NodeCode, Step, _lit, _names_list, _var, generator, plain_source
from .script_code import one_input as _one_input


def _copy(*objects) -> str:
    """The code of module-level functions, as a script carries it."""
    return "\n\n\n".join(plain_source(inspect.getsource(obj)).replace("ctx.error", "ValueError")
                         for obj in objects)


def _constants(module, *names) -> str:
    return "\n".join(f"{name} = {getattr(module, name)!r}" for name in names)


def _settings(g: NodeCode, params, skip: str) -> str:
    """The component's settings of this mode (those shown for it), as a dict literal."""
    p = g.params
    values = {q.key: p[q.key] for q in params if q.key != skip and q.is_visible(p)}
    return "{\n" + "".join(f"    {k!r}: {_lit(v)},\n" for k, v in values.items()) + "}"


def _common(g: NodeCode) -> None:
    _kinds(g)
    _as_float(g)
    g.export.add_source("log", LOG_SOURCE)


# -- Clean Missing Data ----------------------------------------------------------------------
@generator("clean_missing_data")
def _clean_missing_data(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import cleaning as c
    from jupyter_designer.components.data_transformation import common

    selected = g.columns("columns_to_be_cleaned", "dataset")
    _common(g)
    g.export.add_source("cleaning", "\n\n\n".join([
        _constants(c, "CUSTOM", "MEAN", "MEDIAN", "MODE", "REMOVE_ROW", "REMOVE_COLUMN", "MICE",
                   "_STAT_MODES", "INDICATOR_SUFFIX"),
        _copy(common._plain, common._unplain, common._unique_name, common._is_numeric_series,
              common._check_numeric),
        _copy(common._missing_columns_error).replace("ComponentError", "ValueError"),
        _copy(c._fill_column, c._convert_replacement, c.fit_cleaning, c.clean_frame)]))
    src, out = _one_input(g), g.out("cleaned_dataset")
    tr, fitted = g.out("cleaning_transformation"), f"{_var(g.node.id)}_fitted"
    mode = g.params["cleaning_mode"]
    code = f"""# {mode}, fitted on {src}: the columns cleaned and how (fixed for new data)
{fitted} = fit_cleaning(
    {src},
    {_names_list(selected, 4).replace(chr(10), chr(10) + "    ")},
    {_settings(g, c._CMD_PARAMS, "columns_to_be_cleaned").replace(chr(10), chr(10) + "    ")},
)


def {tr}(df, label_columns=(), fitted={fitted}):
    \"\"\"Clean Missing Data as fitted on {src}, applied to df (label columns pass through).\"\"\"
    return clean_frame(df, **fitted, label_columns=label_columns)


{out} = {tr}({src})"""
    return Step(code, imports=("import math",))


# -- Split Data ------------------------------------------------------------------------------
@generator("split_data")
def _split_data(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import sampling as s

    p = g.params
    key = None
    if p["splitting_mode"] == s.SPLIT_ROWS and p["stratified_split"] == "True":
        key = g.columns("stratification_key_column", "dataset")[0]
    _common(g)
    g.export.add_source("split", "\n\n\n".join([
        _constants(s, "SPLIT_ROWS", "REGULAR_EXPRESSION", "RELATIVE_EXPRESSION", "_OPS")
        + f"\n_COLUMN_SPEC = re.compile({s._COLUMN_SPEC.pattern!r}, {int(s._COLUMN_SPEC.flags)})"
        + f"\n_DOTNET_TIMESPAN = re.compile({s._DOTNET_TIMESPAN.pattern!r})",
        _copy(s._strata, s._permute, s._split_rows, s._parse_column_expression, s._regex_mask,
              s._parse_timespan, s._relational_mask, s.split_positions)]))
    src = _one_input(g)
    first, second = g.out("results_dataset1"), g.out("results_dataset2")
    rows = f"{_var(g.node.id)}_rows"
    code = f"""# {p['splitting_mode']}: the row positions of the two outputs
{rows} = split_positions(
    {src},
    {_settings(g, s._SPLIT_PARAMS, "stratification_key_column").replace(chr(10), chr(10) + "    ")},
    {key!r},  # the stratification key column
)
{first} = {src}.iloc[{rows}[0]].reset_index(drop=True)
{second} = {src}.iloc[{rows}[1]].reset_index(drop=True)"""
    return Step(code, imports=("import re",))
