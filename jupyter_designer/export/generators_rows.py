"""Code generators of the Python export for Add Columns, Add Rows, Join Data, Remove Duplicate
Rows, Partition and Sample, SMOTE, Apply SQL Transformation, Enter Data Manually, Convert to
Dataset, Convert to CSV, Import Data and Export Data.

The script carries the components' own functions (``add_columns_frame``, ``join_frames``,
``partition_rows``, ``smote_rows``, ``run_sql``, ...), copied from their modules when exporting
(run-context arguments taken out, errors raised as ``ValueError``, log lines printed), so the
script and the components never drift apart. Column selections are resolved when exporting;
the script names the columns.
"""

from __future__ import annotations

import inspect

from .script_code import (LOG_SOURCE, NodeCode, Step, _lit, _names_list, _wrap_call, generator,
                          plain_source)
from .script_code import one_input as _one_input


def _copy(*objects) -> str:
    """The code of module-level functions or classes, as a script carries it."""
    return "\n\n\n".join(plain_source(inspect.getsource(obj)).replace("ctx.error", "ValueError")
                         for obj in objects)


def _constants(module, *names) -> str:
    return "\n".join(f"{name} = {getattr(module, name)!r}" for name in names)


def _kinds(g: NodeCode) -> None:
    """The designer's column kinds and unique names, which most of the copied code uses."""
    from jupyter_designer.components.data_transformation import columns
    from jupyter_designer.engine import schema

    g.export.add_source("rows:kinds", _constants(schema, "NUMERIC_KINDS") + "\n\n\n"
                        + _copy(schema.kind_of_dtype, columns._kind, columns.unique_name))


def _log(g: NodeCode) -> None:
    g.export.add_source("log", LOG_SOURCE)


def _dict(settings: dict, indent: int = 0) -> str:
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{k!r}: {_lit(v)},\n" for k, v in settings.items()) \
        + " " * indent + "}"


# -- Add Columns, Add Rows, Join Data, Remove Duplicate Rows, Apply SQL Transformation -------
@generator("add_columns")
def _add_columns(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import combining as c

    _kinds(g)
    g.export.add_source("rows:add_columns", _copy(c.add_columns_names, c.add_columns_frame))
    left, right = _one_input(g, "left_dataset"), _one_input(g, "right_dataset")
    return Step(f"{g.out()} = add_columns_frame({left}, {right})")


@generator("add_rows")
def _add_rows(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import combining as c

    _kinds(g)
    g.export.add_source("rows:add_rows", _copy(c._rows_kind, c.append_rows))
    first, second = _one_input(g, "dataset1"), _one_input(g, "dataset2")
    code = (f"# each column's kind in the result: the same in both, or integers and doubles as\n"
            f"# doubles, categories and text as text\n"
            f"{g.out()} = append_rows({first}, {second}, {{\n"
            f"    str(c): _rows_kind(kind_of_dtype({first}[c].dtype), "
            f"kind_of_dtype({second}[c].dtype))\n"
            f"    for c in {first}.columns}})")
    return Step(code)


@generator("join_data")
def _join_data(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import combining as c

    lk = g.columns("join_key_columns_for_l", "dataset1")
    rk = g.columns("join_key_columns_for_r", "dataset2")
    if not lk:
        raise g.fail("'Join key columns for L' selects no column; select the key column(s).")
    if len(lk) != len(rk):
        raise g.fail(f"'Join key columns for L' selects {len(lk)} column(s) but 'Join key "
                     f"columns for R' {len(rk)}; select the same number of key columns.")
    _kinds(g)
    g.export.add_source("rows:join", _copy(c.join_names, c._key_frame, c._hits, c._ordered_pairs,
                                           c.join_positions, c._coalesce_key, c._take_rows,
                                           c.join_frames))
    join_type, keep = c._join_params(g.params)
    args = [_one_input(g, "dataset1"), _one_input(g, "dataset2"), _lit(lk), _lit(rk),
            _lit(join_type), repr(keep), repr(bool(g.params["match_case"]))]
    return Step(f"# left keys, right keys, join type, keep right key columns, match case\n"
                f"{g.out()} = {_wrap_call('join_frames', args, len(g.out()) + 3)}[0]")


@generator("remove_duplicate_rows")
def _remove_duplicate_rows(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import combining as c

    keys = g.columns("key_column_selection_filter_expression", "dataset")
    if not keys:
        raise g.fail("the 'Key column selection filter expression' parameter selects no "
                     "column; select the columns that identify a duplicate.")
    g.export.add_source("rows:duplicates", _copy(c.drop_duplicate_rows))
    retain = bool(g.params["retain_first_duplicate_row"])
    out = g.out()
    return Step(f"# rows are duplicates when these columns are equal; the "
                f"{'first' if retain else 'last'} of them is kept\n"
                f"{out} = drop_duplicate_rows({_one_input(g)}, {_names_list(keys, 40)}, "
                f"{retain!r})")


@generator("apply_sql_transformation")
def _apply_sql(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import combining as c

    _kinds(g)
    g.export.add_source("rows:sql", _copy(c._sqlite_values, c._sqlite_type, c._quote,
                                          c.load_table, c.split_statements, c._deny_attach,
                                          c.run_sql, c._sql_column))
    query = g.params["sql_query_script"]
    tables = ", ".join(f"{t!r}: {g.inputs.get(t, 'None')}" for t in ("t1", "t2", "t3"))
    code = (f"# the SQL query script as written in the designer, run by SQLite on the tables\n"
            f"{g.out()} = run_sql({_text_literal(query)}, {{{tables}}})")
    return Step(code, imports=("import re", "import sqlite3"))


def _text_literal(text: str) -> str:
    """A multi-line string as a readable literal (triple quotes when that is exact)."""
    if "\n" in text and '"""' not in text and not text.endswith('"') and "\\" not in text \
            and all(c.isprintable() or c in "\n\t" for c in text):
        return '"""' + text + '"""'
    return repr(text)


# -- Partition and Sample, SMOTE ------------------------------------------------------------
_PARTITION_COLUMN_KEYS = ("stratification_key_column",
                          "stratification_key_column_for_customized_fold_assignment",
                          "stratification_key_column_for_sampling")


@generator("partition_and_sample")
def _partition_and_sample(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import sampling as s

    p = g.params
    mode = p["partition_or_sample_mode"]
    key_param = None
    if mode == s.SAMPLING and p["stratified_split_for_sampling"] == "True":
        key_param = s._PS_KEY_SAMPLING
    elif mode == s.ASSIGN_TO_FOLDS and p["specify_the_partitioner_method"] == s.EVENLY:
        key_param = s._PS_KEY_EVEN if p["stratified_split"] == "True" else None
    elif mode == s.ASSIGN_TO_FOLDS and \
            p["stratified_split_for_customized_fold_assignment"] == "True":
        key_param = s._PS_KEY_CUSTOM
    key = g.columns(key_param.key, "dataset")[0] if key_param is not None else None
    _kinds(g)
    _log(g)
    g.export.add_source("rows:partition", _constants(
        s, "FOLD_COLUMN", "ASSIGN_TO_FOLDS", "PICK_FOLD", "SAMPLING", "HEAD", "EVENLY")
        + "\n\n\n" + _copy(s._strata, s._permute, s._fold_proportions, s._assign_folds, s._rows,
                           s.partition_rows))
    settings = {q.key: p[q.key] for q in s._PS_PARAMS  # the settings of this mode
                if q.key not in _PARTITION_COLUMN_KEYS and q.is_visible(p)}
    code = (f"# {mode}\n{g.out()} = partition_rows({_one_input(g)}, {_dict(settings)}, "
            f"{key!r})")
    return Step(code)


@generator("smote")
def _smote(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import sampling as s

    label = g.columns("label_column", "samples")[0]
    _kinds(g)
    _log(g)
    g.export.add_source("rows:smote", _copy(s.smote_samples, s._temporal_ns, s.smote_rows))
    p = g.params
    code = (f"{g.out()} = smote_rows({_one_input(g, 'samples')}, {label!r}, "
            f"{int(p['smote_percentage'])}, {int(p['number_of_nearest_neighbors'])}, "
            f"{int(p['random_seed'])})  # label, SMOTE percentage, neighbors, seed")
    return Step(code)


# -- Enter Data Manually, Convert to Dataset, Convert to CSV ----------------------------------
@generator("enter_data_manually")
def _enter_data_manually(g: NodeCode) -> Step:
    from jupyter_designer.components import data_input_output as d

    p = g.params
    g.export.add_source("rows:manual", f"_ARFF_ATTR = re.compile({d._ARFF_ATTR.pattern!r}, "
                        f"{int(d._ARFF_ATTR.flags)})\n\n\n"
                        + _copy(d.default_column_names, d._split_arff_row, d.parse_arff,
                                d.parse_svmlight, d.parse_manual_table))
    code = (f"# the data as entered, its format, whether its first row names the columns\n"
            f"{g.out()} = parse_manual_table({_text_literal(str(p['data']))}, "
            f"{p['data_format']!r}, {bool(p['has_header'])!r})")
    return Step(code, imports=("import csv", "import io", "import re"))


@generator("convert_to_dataset")
def _convert_to_dataset(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import columns
    from jupyter_designer.components.data_transformation import conversions as c

    _kinds(g)
    _log(g)
    g.export.add_source("rows:to_dataset", _constants(columns, "_TRUE", "_FALSE") + "\n\n\n"
                        + _copy(columns._nullable, c._matches, c._infer_numbers, c._cast_value,
                                c._replace, c.to_dataset))
    settings = {q.key: g.params[q.key] for q in c.convert_to_dataset.spec.params}
    return Step(f"{g.out()} = to_dataset({_one_input(g)}, {_dict(settings)})",
                imports=("import io", "import math"))


@generator("convert_to_csv")
def _convert_to_csv(g: NodeCode) -> Step:
    return Step(f"{g.out()} = {_one_input(g)}.to_csv(index=False)  # CSV text with a header row")


# -- Import Data, Export Data ---------------------------------------------------------------
def _files_source(g: NodeCode) -> None:
    from jupyter_designer.components import data_input_output as d

    g.export.add_source("rows:files", _constants(d, "DELIMITERS", "ENCODINGS", "EXTENSIONS")
                        + "\n\n\n" + _copy(d._ReadError, d.default_column_names, d.resolve_path,
                                           d.find_files))


@generator("import_data")
def _import_data(g: NodeCode) -> Step:
    from jupyter_designer.components import data_input_output as d

    _files_source(g)
    g.export.add_source("rows:import", _copy(d._delimiter, d.read_file, d.read_files))
    settings = {q.key: g.params[q.key] for q in d.import_data.spec.params}
    code = ("# the files the designer read (a relative path is taken from the current "
            "directory, as there)\n"
            f"{g.out()} = read_files({_dict(settings)})")
    imports = ["import glob", "import os"]
    if g.params["file_format"] == "Parquet":
        imports.append("import pyarrow  # noqa: F401  (reads the Parquet files)")
    return Step(code, imports=tuple(imports))


_WRITE_ATOMIC = '''def write_atomic(df, target, file_format):
    """Write ``df`` to a temporary file next to ``target``, then rename it into place."""
    tmp = os.path.join(os.path.dirname(target), f".tmp-{os.getpid()}-{os.path.basename(target)}")
    try:
        write_table(df, tmp, file_format)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise'''


@generator("export_data")
def _export_data(g: NodeCode) -> Step:
    from jupyter_designer.components import data_input_output as d

    _files_source(g)
    _log(g)
    g.export.add_source("rows:export", _copy(d.write_table) + "\n\n\n" + _WRITE_ATOMIC
                        + "\n\n\n" + _copy(d.export_file))
    p = g.params
    code = ("# a relative path is taken from the current directory, as the designer takes it\n"
            f"export_file({_one_input(g)}, {str(p['path'])!r}, {p['file_format']!r}, "
            f"overwrite={bool(p['overwrite'])!r})")
    imports = ["import glob", "import os"]
    if p["file_format"] == "Parquet":
        imports.append("import pyarrow  # noqa: F401  (writes the Parquet file)")
    return Step(code, imports=tuple(imports))
