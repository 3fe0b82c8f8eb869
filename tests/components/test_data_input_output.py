"""Import Data, Enter Data Manually, Export Data."""

import os

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.components import data_input_output as mod
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, ParameterError
from jupyter_designer.engine.schema import Schema, get_roles


def run(name, inputs=None, **params):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec), inputs or {}, spec.resolve_params(params))


def predict(name, inputs=None, **params):
    spec = REGISTRY.get(name)
    return spec.infer_schema(inputs or {}, spec.resolve_params(params))


def imported(**params):
    return run("Import Data", **params)["results_dataset"]


@pytest.fixture
def cars():
    return pd.DataFrame({"make": ["audi", "bmw", "fiat"], "price": [30000, 41000, 12000],
                         "mpg": [24.5, 21.0, np.nan]})


# -- Import Data ---------------------------------------------------------------------
def test_import_csv_with_header(tmp_path, cars):
    path = tmp_path / "cars.csv"
    cars.to_csv(path, index=False)
    df = imported(path=str(path))
    pd.testing.assert_frame_equal(df, pd.read_csv(path))
    assert get_roles(df) == {}
    assert predict("Import Data", path=str(path))["results_dataset"] == Schema.from_frame(df)


def test_import_without_header_names_columns_col1(tmp_path):
    path = tmp_path / "raw.csv"
    path.write_text("1,a\n2,b\n")
    df = imported(path=str(path), has_header=False)
    assert list(df.columns) == ["Col1", "Col2"] and len(df) == 2
    assert list(predict("Import Data", path=str(path), has_header=False)["results_dataset"].names) == \
        ["Col1", "Col2"]


def test_import_tsv_delimiters_and_skip_rows(tmp_path):
    (tmp_path / "a.tsv").write_text("x\ty\n1\t2\n")
    assert imported(path=str(tmp_path / "a.tsv"), file_format="TSV").to_dict("list") == \
        {"x": [1], "y": [2]}
    (tmp_path / "b.csv").write_text("# exported\nx;y\n1;2\n")
    df = imported(path=str(tmp_path / "b.csv"), column_delimiter="Semicolon", skip_rows=1)
    assert df.to_dict("list") == {"x": [1], "y": [2]}
    (tmp_path / "c.csv").write_text("x~y\n1~2\n")
    df = imported(path=str(tmp_path / "c.csv"), column_delimiter="Other", custom_delimiter="~")
    assert df.to_dict("list") == {"x": [1], "y": [2]}
    with pytest.raises(ComponentError, match="Custom delimiter"):
        imported(path=str(tmp_path / "c.csv"), column_delimiter="Other")


def test_import_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("city\nZürich\n".encode("latin-1"))
    with pytest.raises(ComponentError) as err:
        imported(path=str(path))
    assert str(path) in str(err.value) and "Encoding" in str(err.value)
    assert imported(path=str(path), encoding="ISO-8859-1")["city"].tolist() == ["Zürich"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffa,b\n1,2\n".encode("utf-8"))
    assert list(imported(path=str(bom)).columns) == ["a", "b"]


def test_import_parquet_and_json(tmp_path, cars):
    cars.to_parquet(tmp_path / "cars.parquet")
    df = imported(path=str(tmp_path / "cars.parquet"), file_format="Parquet")
    pd.testing.assert_frame_equal(df, cars)
    schema = predict("Import Data", path=str(tmp_path / "cars.parquet"), file_format="Parquet")
    assert schema["results_dataset"] == Schema.from_frame(df)

    cars.to_json(tmp_path / "cars.json", orient="records")
    df = imported(path=str(tmp_path / "cars.json"), file_format="JSON")
    assert df["make"].tolist() == ["audi", "bmw", "fiat"] and df["price"].tolist() == cars["price"].tolist()
    cars.to_json(tmp_path / "cars.jsonl", orient="records", lines=True)
    assert len(imported(path=str(tmp_path / "cars.jsonl"), file_format="JSON")) == 3
    # JSON lines in a .json file are recognised too
    cars.to_json(tmp_path / "lines.json", orient="records", lines=True)
    assert len(imported(path=str(tmp_path / "lines.json"), file_format="JSON")) == 3


def test_import_glob_and_folder_concatenate_in_name_order(tmp_path):
    (tmp_path / "part").mkdir()
    for i in range(3):
        pd.DataFrame({"i": [i, i], "v": [0.5, 1.5]}).to_csv(tmp_path / "part" / f"p{i}.csv", index=False)
    df = imported(path=str(tmp_path / "part" / "p*.csv"))
    assert df["i"].tolist() == [0, 0, 1, 1, 2, 2] and df.index.tolist() == list(range(6))
    assert imported(path=str(tmp_path / "part")).equals(df)
    assert imported(path=str(tmp_path / "**" / "*.csv")).equals(df)


def test_import_files_with_different_columns_is_an_error(tmp_path):
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "1.csv", index=False)
    pd.DataFrame({"b": [1]}).to_csv(tmp_path / "2.csv", index=False)
    with pytest.raises(ComponentError, match="same columns"):
        imported(path=str(tmp_path / "*.csv"))


def test_import_relative_path_uses_current_directory(tmp_path, monkeypatch, cars):
    cars.to_csv(tmp_path / "cars.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert len(imported(path="cars.csv")) == 3
    assert len(imported(path="./cars.csv")) == 3


def test_import_missing_file_names_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ComponentError) as err:
        imported(path="nope.csv")
    msg = str(err.value)
    assert msg.startswith("Import Data:") and "'nope.csv'" in msg and str(tmp_path) in msg
    with pytest.raises(ComponentError, match="no file matches"):
        imported(path=str(tmp_path / "*.csv"))
    with pytest.raises(ComponentError, match="holds no CSV file"):
        imported(path=str(tmp_path))
    # the design-time schema is unknown rather than an error
    assert predict("Import Data", path="nope.csv") == {"results_dataset": None}


def test_import_empty_results_are_errors(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ComponentError, match="is empty"):
        imported(path=str(tmp_path / "empty.csv"))
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(ComponentError) as err:
        imported(path=str(tmp_path / "header.csv"))
    assert "empty dataset" in str(err.value) and "header.csv" in str(err.value)


def test_import_unreadable_files(tmp_path):
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(ComponentError) as err:
        imported(path=str(tmp_path / "bad.parquet"), file_format="Parquet")
    assert "bad.parquet" in str(err.value) and "Parquet" in str(err.value)
    (tmp_path / "bad.json").write_text("{oops")
    with pytest.raises(ComponentError, match="bad.json"):
        imported(path=str(tmp_path / "bad.json"), file_format="JSON")
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n1,2,3,4\n")
    with pytest.raises(ComponentError, match="cannot be parsed"):
        imported(path=str(tmp_path / "ragged.csv"))


def test_import_path_is_required():
    spec = REGISTRY.get("Import Data")
    with pytest.raises(ParameterError, match="'Path'"):
        spec.resolve_params({})
    with pytest.raises(ParameterError, match="'Path'"):
        spec.resolve_params({"path": "  "})


def test_import_fingerprint_follows_the_files(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    params = REGISTRY.get("Import Data").resolve_params({"path": str(path)})
    fingerprint = REGISTRY.get("Import Data").extra["cache_fingerprint"]
    first = fingerprint(params)
    assert fingerprint(params) == first
    path.write_text("a\n1\n2\n")
    assert fingerprint(params) != first


def test_import_schema_peek_follows_file_changes(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    assert predict("Import Data", path=str(path))["results_dataset"].names == ["a"]
    path.write_text("a,bb\n1,2\n")
    os.utime(path, ns=(1, 10**18))
    assert predict("Import Data", path=str(path))["results_dataset"].names == ["a", "bb"]


# -- Enter Data Manually -------------------------------------------------------------
def manual(data, **params):
    return run("Enter Data Manually", data=data, **params)["dataset"]


def test_enter_csv_and_tsv():
    df = manual("name,age\nAnn,31\nBob,45\n\n\n")
    assert df.to_dict("list") == {"name": ["Ann", "Bob"], "age": [31, 45]}
    df = manual("Ann\t31\nBob\t45", data_format="TSV", has_header=False)
    assert list(df.columns) == ["Col1", "Col2"] and df["Col2"].tolist() == [31, 45]
    assert predict("Enter Data Manually", data="a,b\n1,x")["dataset"] == \
        Schema.of([("a", "integer"), ("b", "string")])


def test_enter_arff():
    text = """% Title: sample
@RELATION sample
@ATTRIBUTE SampleText NUMERIC
@ATTRIBUTE 'kind of thing' {small, 'very big'}
@ATTRIBUTE n INTEGER
@ATTRIBUTE note STRING
@ATTRIBUTE day DATE "yyyy-MM-dd"
@DATA
1.5,small,3,'hello, world',2020-01-01
?,'very big',4,plain,2020-02-01
{0 2.5, 1 small, 2 7, 3 x, 4 2021-01-01}
"""
    df = manual(text, data_format="ARFF")
    assert list(df.columns) == ["SampleText", "kind of thing", "n", "note", "day"]
    assert df["SampleText"].isna().tolist() == [False, True, False]
    assert list(df["kind of thing"].cat.categories) == ["small", "very big"]
    assert df["n"].dtype == "int64" and df["note"].tolist() == ["hello, world", "plain", "x"]
    assert Schema.from_frame(df).kind("day") == "datetime"


def test_enter_svmlight():
    df = manual("# features are [Recency], [Frequency]\n1 1:2 2:50\n0 1:0 3:13\n",
                data_format="SVMLight")
    assert list(df.columns) == ["Col1", "Col2", "Col3", "Labels"]
    assert df.to_numpy().tolist() == [[2, 50, 0, 1], [0, 0, 13, 0]]
    assert get_roles(df) == {"Labels": "label"}
    assert predict("Enter Data Manually", data="1 1:2\n", data_format="SVMLight")["dataset"].label() == "Labels"


@pytest.mark.parametrize("fmt,text,needle", [
    ("ARFF", "@attribute a {x,y}\n@data\nz\n", "'a'"),
    ("ARFF", "@attribute a numeric\n@data\nhello\n", "hello"),
    ("ARFF", "1,2\n", "@attribute"),
    ("SVMLight", "this is not svmlight", "SVMLight"),
    ("CSV", "a,b\n", "no rows"),
])
def test_enter_bad_data_names_the_problem(fmt, text, needle):
    with pytest.raises(ComponentError) as err:
        manual(text, data_format=fmt)
    assert err.value.args[0].startswith("Enter Data Manually:") and needle in str(err.value)


def test_enter_requires_data():
    with pytest.raises(ParameterError, match="'Data'"):
        REGISTRY.get("Enter Data Manually").resolve_params({"data": ""})


# -- Export Data ---------------------------------------------------------------------
def export(df, **params):
    return run("Export Data", {"dataset": df}, **params)


def test_export_declaration():
    spec = REGISTRY.get("Export Data")
    assert spec.training_only and spec.outputs == () and spec.category == "Data Input and Output"


@pytest.mark.parametrize("fmt,ext", [("CSV", "csv"), ("TSV", "tsv"), ("Parquet", "parquet"),
                                     ("JSON", "json")])
def test_export_round_trips_through_import(tmp_path, cars, fmt, ext):
    path = tmp_path / "out" / f"cars.{ext}"
    assert export(cars, path=str(path), file_format=fmt) == {}
    back = imported(path=str(path), file_format=fmt)
    pd.testing.assert_frame_equal(back, cars, check_dtype=fmt != "JSON")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_export_overwrite(tmp_path, cars):
    path = tmp_path / "cars.csv"
    path.write_text("old\n")
    with pytest.raises(ComponentError) as err:
        export(cars, path=str(path), overwrite=False)
    assert str(path) in str(err.value) and "Overwrite" in str(err.value)
    assert path.read_text() == "old\n"
    export(cars, path=str(path))
    assert len(pd.read_csv(path)) == 3


def test_export_relative_path(tmp_path, monkeypatch, cars):
    monkeypatch.chdir(tmp_path)
    export(cars, path="results/cars.csv")
    assert (tmp_path / "results" / "cars.csv").exists()


def test_export_bad_paths(tmp_path, cars):
    with pytest.raises(ComponentError, match="folder"):
        export(cars, path=str(tmp_path))
    with pytest.raises(ComponentError, match="wildcard"):
        export(cars, path=str(tmp_path / "*.csv"))


def test_export_failure_keeps_the_old_file(tmp_path, cars, monkeypatch):
    path = tmp_path / "cars.csv"
    path.write_text("old\n")

    def broken(self, *args, **kwargs):
        with open(args[0], "w") as f:
            f.write("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(ComponentError, match="No space left"):
        export(cars, path=str(path))
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cars.csv"]


# -- examples ------------------------------------------------------------------------
def test_examples_run_and_match_their_schemas():
    for cid, example in mod.EXAMPLES.items():
        spec = REGISTRY.get(cid)
        inputs, params = example()
        resolved = spec.resolve_params(params)
        out = spec.run(RunContext(spec), inputs, resolved)
        again = spec.run(RunContext(spec), *example()[:1], spec.resolve_params(example()[1]))
        assert set(out) == {p.key for p in spec.outputs}
        predicted = spec.infer_schema({k: Schema.from_frame(v) for k, v in inputs.items()}, resolved)
        for key, value in out.items():
            pd.testing.assert_frame_equal(value, again[key])
            assert predicted[key] == Schema.from_frame(value)
