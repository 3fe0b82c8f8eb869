"""Export to Python of the row and table components (Add Columns, Add Rows, Join Data, Remove
Duplicate Rows, Partition and Sample, SMOTE, Apply SQL Transformation, Enter Data Manually,
Convert to Dataset, Convert to CSV, Import Data, Export Data): one pipeline with many of their
settings runs in the designer, its exported script runs in a fresh environment without
jupyter-designer, and every node output the script computes equals the run's, dtypes and
row order included.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_export_python import SCRIPT_MODULES, _clean_env, fresh_python  # noqa: F401

from jupyter_designer.app import submit_run
from jupyter_designer.app.export import export
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.export.python_script import ExportError
from jupyter_designer.store import Workspace

CARS = "Automobile price data (Raw)"

MAKERS = """make,country,founded
audi,de,1909
bmw,de,1916
TOYOTA,jp,1937
volvo,se,1927
peugot,fr,1810
audi,de,1932
"""

SMOTE_DATA = """x,y,n,color,label
1.0,2.0,3,red,no
1.5,1.0,4,blue,no
2.0,2.5,5,red,no
2.2,0.5,6,red,no
3.1,1.5,2,blue,no
3.3,2.2,7,blue,no
0.7,2.9,9,red,no
4.0,3.0,1,red,no
5.5,4.5,8,blue,yes
6.0,5.0,9,red,yes
6.5,4.0,7,blue,yes
"""

ARFF = """@relation weather
@attribute outlook {sunny, overcast, rainy}
@attribute temperature numeric
@attribute humidity integer
@attribute note string
@data
sunny, 85, 85, 'hot day'
overcast, ?, 78, ?
rainy, 70.5, 96, 'wet'
"""

SVMLIGHT = "1 1:0.5 3:2\n0 2:1.5\n1 1:1 2:2 3:3\n"


def _columns(*names):
    return {"begin_with": "none", "rules": [{"action": "include", "by": "names",
                                             "values": list(names)}]}


def _pipeline(folder: Path) -> tuple[Pipeline, dict]:
    """The pipeline and ``{node id: output port}`` of the outputs to compare."""
    semi = folder / "semicolons.csv"
    semi.write_text("skip me\n1;x;2.5\n2;y;\n3;z;4.0\n", encoding="utf-8")
    parts = folder / "parts"
    parts.mkdir()
    (folder / "records.json").write_text('[{"a": 1, "b": "x"}, {"a": 2, "b": null}]',
                                         encoding="utf-8")
    (folder / "pipes.txt").write_text("n|s\n1|x\n2|y\n", encoding="latin-1")
    for i in range(2):
        pd.DataFrame({"id": [i, i + 10], "value": [0.5 * i, None]}).to_parquet(
            parts / f"part{i}.parquet", index=False)

    p = Pipeline("Rows export")
    p.add_dataset(CARS, id="cars")
    outputs = {}

    def add(nid, component, params=None, inputs=()):
        p.add_component(component, params or {}, id=nid)
        for port, (source, sport) in inputs:
            p.connect(source, sport, nid, port)
        node = p.nodes[nid]
        if node.spec.outputs:
            outputs[nid] = node.spec.outputs[0].key

    cars = ("cars", None)
    add("makers", "Enter Data Manually", {"data": MAKERS})
    add("weather", "Enter Data Manually", {"data_format": "ARFF", "data": ARFF})
    add("svm", "Enter Data Manually", {"data_format": "SVMLight", "data": SVMLIGHT})
    add("no_header", "Enter Data Manually", {"data_format": "TSV", "has_header": False,
                                             "data": "a\t1\nb\t2\n"})
    makers = ("makers", None)
    add("head", "Partition and Sample", {"partition_or_sample_mode": "Head",
                                         "number_of_rows_to_select": 12}, [("dataset", cars)])
    add("sample", "Partition and Sample",
        {"partition_or_sample_mode": "Sampling", "rate_of_sampling": 0.3,
         "random_seed_for_sampling": 7, "stratified_split_for_sampling": "True",
         "stratification_key_column_for_sampling": _columns("fuel-type")}, [("dataset", cars)])
    add("sample_plain", "Partition and Sample",
        {"partition_or_sample_mode": "Sampling", "rate_of_sampling": 0.1,
         "random_seed_for_sampling": 3}, [("dataset", cars)])
    add("folds", "Partition and Sample",
        {"partition_or_sample_mode": "Assign to Folds", "random_seed": 3,
         "specify_number_of_folds_to_split_evenly_into": 4, "stratified_split": "True",
         "stratification_key_column": _columns("body-style")}, [("dataset", cars)])
    add("folds_custom", "Partition and Sample",
        {"partition_or_sample_mode": "Assign to Folds", "random_seed": 1,
         "specify_the_partitioner_method": "Partition with customized proportions",
         "list_of_proportions_separated_by_comma": "0.5, 0.3",
         "use_replacement_in_the_partitioning": True}, [("dataset", cars)])
    add("folds_ordered", "Partition and Sample",
        {"partition_or_sample_mode": "Assign to Folds", "randomized_split": False,
         "specify_the_partitioner_method": "Partition with customized proportions",
         "list_of_proportions_separated_by_comma": "0.6",
         "stratified_split_for_customized_fold_assignment": "True",
         "stratification_key_column_for_customized_fold_assignment": _columns("fuel-type")},
        [("dataset", cars)])
    add("pick", "Partition and Sample",
        {"partition_or_sample_mode": "Pick Fold", "specify_which_fold_to_be_sampled_from": 2,
         "pick_complement_of_the_selected_fold": True}, [("dataset", ("folds", None))])
    add("pick_custom", "Partition and Sample",
        {"partition_or_sample_mode": "Pick Fold", "specify_which_fold_to_be_sampled_from": 3},
        [("dataset", ("folds_custom", None))])
    add("join_inner", "Join Data",
        {"join_key_columns_for_l": _columns("make"), "join_key_columns_for_r": _columns("make")},
        [("dataset1", cars), ("dataset2", makers)])
    add("join_left", "Join Data",
        {"join_key_columns_for_l": _columns("make"), "join_key_columns_for_r": _columns("make"),
         "match_case": False, "join_type": "Left Outer Join"},
        [("dataset1", ("head", None)), ("dataset2", makers)])
    add("join_full", "Join Data",
        {"join_key_columns_for_l": _columns("make"), "join_key_columns_for_r": _columns("make"),
         "join_type": "Full Outer Join", "keep_right_key_columns_in_joined_table": False},
        [("dataset1", ("head", None)), ("dataset2", makers)])
    add("join_semi", "Join Data",
        {"join_key_columns_for_l": _columns("make"), "join_key_columns_for_r": _columns("make"),
         "match_case": False, "join_type": "Left Semi-Join"},
        [("dataset1", cars), ("dataset2", makers)])
    add("add_columns", "Add Columns", {}, [("left_dataset", ("head", None)),
                                           ("right_dataset", makers)])
    add("add_rows", "Add Rows", {}, [("dataset1", ("head", None)),
                                     ("dataset2", ("sample", None))])
    add("dedup", "Remove Duplicate Rows",
        {"key_column_selection_filter_expression": _columns("make", "num-of-doors"),
         "retain_first_duplicate_row": False}, [("dataset", cars)])
    add("sql", "Apply SQL Transformation",
        {"sql_query_script": "create table s as select make, avg(price) as avg_price,\n"
                             "  count(*) as n from t1 group by make;\n"
                             "select s.*, t2.country, t2.founded from s\n"
                             "  left join t2 on lower(s.make) = lower(t2.make)\n"
                             "  order by s.n desc, s.make;"},
        [("t1", cars), ("t2", makers)])
    add("smote_data", "Enter Data Manually", {"data": SMOTE_DATA})
    add("smote", "SMOTE", {"label_column": _columns("label"), "smote_percentage": 300,
                           "number_of_nearest_neighbors": 2, "random_seed": 4},
        [("samples", ("smote_data", None))])
    add("head_csv", "Convert to CSV", {}, [("dataset", ("head", None))])
    add("from_csv", "Convert to Dataset", {"action": "ReplaceValues", "new_value": "0"},
        [("dataset", ("head_csv", None))])
    add("marked", "Convert to Dataset", {"action": "SetMissingValue",
                                          "custom_missing_value": "de"},
        [("dataset", makers)])
    add("replaced", "Convert to Dataset", {"action": "ReplaceValues", "replace": "Custom",
                                           "custom_value": "two", "new_value": "2"},
        [("dataset", ("head", None))])
    add("imported", "Import Data", {"path": str(semi), "has_header": False, "skip_rows": 1,
                                    "column_delimiter": "Semicolon"})
    add("imported_parquet", "Import Data", {"path": str(parts / "*.parquet"),
                                            "file_format": "Parquet"})
    add("imported_json", "Import Data", {"path": str(folder / "records.json"),
                                         "file_format": "JSON"})
    add("imported_other", "Import Data", {"path": str(folder / "pipes.txt"),
                                          "column_delimiter": "Other", "custom_delimiter": "|",
                                          "encoding": "ISO-8859-1"})
    add("weather_twice", "Add Rows", {}, [("dataset1", ("weather", None)),
                                          ("dataset2", ("weather", None))])
    add("join_two_keys", "Join Data",
        {"join_key_columns_for_l": _columns("make", "symboling"),
         "join_key_columns_for_r": _columns("make", "symboling"),
         "join_type": "Full Outer Join"},
        [("dataset1", ("head", None)), ("dataset2", ("sample", None))])
    add("dedup_first", "Remove Duplicate Rows",
        {"key_column_selection_filter_expression": _columns("body-style")}, [("dataset", cars)])
    add("smote_none", "SMOTE", {"label_column": _columns("label"), "smote_percentage": 0},
        [("samples", ("smote_data", None))])
    add("export_tsv", "Export Data", {"path": str(folder / "written" / "sample.tsv"),
                                      "file_format": "TSV"}, [("dataset", ("sample", None))])
    add("export_csv", "Export Data", {"path": str(folder / "written" / "joined.csv")},
        [("dataset", ("join_left", None))])
    add("export_json", "Export Data", {"path": str(folder / "written" / "dedup.json"),
                                       "file_format": "JSON"},
        [("dataset", ("dedup", None))])
    return p, outputs


@pytest.fixture(scope="module")
def rows_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export-rows")
    ws = Workspace(folder / "ws")
    p, outputs = _pipeline(folder)
    rec = ws.get_run(submit_run(ws, p, experiment="rows").run_id)
    assert rec.status == "completed", rec.error
    yield ws, rec, outputs, folder
    ws.close()


def test_rows_script_reproduces_every_output(rows_run, fresh_python, tmp_path):
    ws, rec, outputs, folder = rows_run
    written = {name: (folder / "written" / name).read_bytes()
               for name in ("joined.csv", "dedup.json", "sample.tsv")}
    for name in written:
        (folder / "written" / name).unlink()
    result = export(ws, rec.id, format="python", folder=tmp_path / "script")
    text = result.path.read_text(encoding="utf-8")
    nodes = list(ast.walk(ast.parse(text)))
    modules = [a.name for n in nodes if isinstance(n, ast.Import) for a in n.names] + \
        [n.module or "" for n in nodes if isinstance(n, ast.ImportFrom)]
    assert {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names) <= SCRIPT_MODULES
    assert "def join_frames(" in text and "def partition_rows(" in text
    assert "ctx" not in text

    dump = tmp_path / "dump"
    dump.mkdir()
    variables = {nid: nid for nid in outputs}
    code = ("import runpy, sys, pathlib\n"
            "g = runpy.run_path(sys.argv[1])\n"
            "out = pathlib.Path(sys.argv[2])\n"
            f"for var in {sorted(variables.values())!r}:\n"
            "    value = g[var]\n"
            "    if isinstance(value, str):\n"
            "        (out / (var + '.txt')).write_text(value, encoding='utf-8')\n"
            "    else:\n"
            "        value.to_parquet(out / (var + '.parquet'))\n")
    run = subprocess.run([fresh_python, "-c", code, str(result.path), str(dump)],
                         capture_output=True, text=True, cwd=result.path.parent,
                         env=_clean_env(), timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]

    for nid, port in outputs.items():
        want = ws.load_artifact(rec.nodes[nid].outputs[port])
        if isinstance(want, str):
            assert (dump / f"{nid}.txt").read_text(encoding="utf-8") == want, nid
            continue
        got = pd.read_parquet(dump / f"{nid}.parquet")
        assert isinstance(want, pd.DataFrame), nid
        want = want.copy()
        want.attrs = {}
        got.attrs = {}
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=nid)
    for name, content in written.items():
        assert (folder / "written" / name).read_bytes() == content, name


def test_rows_outputs_are_not_trivial(rows_run):
    """The pipeline exercises what it means to: filled rows, synthetic rows, folds."""
    ws, rec, outputs, _ = rows_run

    def load(nid):
        return ws.load_artifact(rec.nodes[nid].outputs[outputs[nid]])

    assert len(load("smote")) == 11 + 9
    assert load("add_columns")["country"].isna().sum() == 6
    assert sorted(load("folds")["Fold Assignments"].unique()) == [0, 1, 2, 3]
    assert len(load("join_full")) > len(load("head"))
    assert load("marked")["country"].isna().sum() == 3
    assert list(load("imported").columns) == ["Col1", "Col2", "Col3"]
    assert np.isnan(load("imported")["Col3"].iloc[1])


def test_join_keys_that_do_not_pair_are_named(tmp_path):
    """A draft whose join keys do not pair up is refused by name, as its run would fail."""
    ws = Workspace(tmp_path / "ws")
    p = Pipeline("Join keys")
    p.add_dataset(CARS, id="cars")
    p.add_component("Enter Data Manually", {"data": MAKERS}, id="makers")
    p.add_component("Join Data", {"join_key_columns_for_l": _columns("make"),
                                  "join_key_columns_for_r": _columns("make", "country")},
                    id="join")
    p.connect("cars", None, "join", "dataset1")
    p.connect("makers", None, "join", "dataset2")
    with pytest.raises(ExportError, match=r"Join Data \[join\].*'Join key columns for L' "
                                          r"selects 1 column\(s\) but 'Join key columns for R' 2"):
        export(ws, p, folder=tmp_path)
    ws.close()
