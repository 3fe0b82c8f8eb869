"""Registered datasets: versions, files of every supported type, bad input, samples."""

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.engine.errors import DatasetError, NotFoundError
from jupyter_designer.engine.schema import ROLES_ATTR, set_roles
from jupyter_designer.store import DatasetInfo, DatasetNotFoundError, Workspace, sample_names


def test_register_dataframe_and_read_back(ws, frame):
    info = ws.register_dataset("Churn", frame, description="customers", tags={"team": "a"})
    assert isinstance(info, DatasetInfo)
    assert (info.name, info.version, info.rows, info.columns) == ("Churn", 1, 30, 4)
    assert info.schema == [{"name": "x", "kind": "double"}, {"name": "n", "kind": "integer"},
                           {"name": "color", "kind": "categorical"},
                           {"name": "label", "kind": "string"}]
    assert info.description == "customers" and info.tags == {"team": "a"}
    assert not info.sample and info.created > 0 and len(info.content_hash) == 64
    back = ws.get_dataset("Churn")
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert back["color"].dtype == frame["color"].dtype
    assert back["n"].dtype == np.int64


def test_same_content_keeps_the_version_changed_content_adds_one(ws, frame):
    v1 = ws.register_dataset("d", frame)
    again = ws.register_dataset("d", frame.copy())
    assert again.version == 1 and again.content_hash == v1.content_hash
    changed = frame.assign(x=frame["x"] * 2)
    v2 = ws.register_dataset("d", changed)
    assert v2.version == 2 and v2.content_hash != v1.content_hash
    assert [i.version for i in ws.dataset_versions("d")] == [1, 2]
    pd.testing.assert_frame_equal(ws.get_dataset("d", 1), frame, check_dtype=False)
    pd.testing.assert_frame_equal(ws.get_dataset("d"), changed, check_dtype=False)
    assert ws.dataset_key("d", 1) == v1.content_hash
    assert ws.dataset_key("d") == v2.content_hash
    # going back to the first content is a change too
    assert ws.register_dataset("d", frame).version == 3
    assert ws.dataset_key("d", 3) == v1.content_hash


def test_content_hash_sees_values_dtypes_names_and_roles(ws, frame):
    from jupyter_designer.store.datasets import content_hash

    h = content_hash(frame)
    assert content_hash(frame.copy()) == h
    assert content_hash(frame.rename(columns={"x": "y"})) != h
    assert content_hash(frame.astype({"n": "float64"})) != h
    other = frame.copy()
    other.loc[0, "label"] = "maybe"
    assert content_hash(other) != h
    roles = frame.copy()
    set_roles(roles, {"label": "label"})
    assert content_hash(roles) != h


def test_names_are_case_insensitive(ws, frame):
    ws.register_dataset("Sales Data", frame)
    assert ws.dataset_info("sales data").name == "Sales Data"
    assert ws.register_dataset("SALES DATA", frame.head(10)).version == 2
    assert ws.dataset_info("Sales data").name == "Sales Data"
    assert len(ws.get_dataset("  sales DATA ")) == 10


def test_roles_and_categoricals_round_trip(ws, frame):
    set_roles(frame, {"label": "label"})
    frame["size"] = pd.Categorical(["S", "M", "L"] * 10, categories=["S", "M", "L"], ordered=True)
    info = ws.register_dataset("roles", frame)
    assert {"name": "label", "kind": "string", "role": "label"} in info.schema
    back = ws.get_dataset("roles")
    assert back.attrs[ROLES_ATTR] == {"label": "label"}
    assert back["size"].cat.ordered and list(back["size"].cat.categories) == ["S", "M", "L"]
    sub = ws.get_dataset("roles", columns=["x", "size"])
    assert list(sub.columns) == ["x", "size"] and sub.attrs.get(ROLES_ATTR, {}) == {}
    assert ws.get_dataset("roles", columns=["label"]).attrs[ROLES_ATTR] == {"label": "label"}
    with pytest.raises(DatasetError, match="no column 'nope'"):
        ws.get_dataset("roles", columns=["nope"])


def test_register_does_not_touch_the_callers_frame(ws):
    df = pd.DataFrame({0: [1, 2], 1: ["a", "b"]}, index=[5, 9])
    ws.register_dataset("ints", df)
    assert list(df.columns) == [0, 1] and list(df.index) == [5, 9]
    back = ws.get_dataset("ints")
    assert list(back.columns) == ["0", "1"] and list(back.index) == [0, 1]


def test_a_named_index_becomes_a_column(ws):
    df = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="id"))
    back = ws.get_dataset(ws.register_dataset("idx", df).name)
    assert list(back.columns) == ["id", "v"] and list(back["id"]) == ["a", "b"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".json", ".jsonl", ".csv.gz"])
def test_register_files(ws, tmp_path, suffix):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None], "c": [0.5, np.nan, 2.0]})
    path = tmp_path / f"data{suffix}"
    if suffix in (".csv", ".csv.gz"):
        df.to_csv(path, index=False)
    elif suffix == ".tsv":
        df.to_csv(path, index=False, sep="\t")
    elif suffix == ".parquet":
        df.to_parquet(path)
    elif suffix == ".json":
        df.to_json(path, orient="records")
    else:
        df.to_json(path, orient="records", lines=True)
    info = ws.register_dataset("file data", path)
    assert (info.rows, info.columns, info.source) == (3, 3, str(path))
    back = ws.get_dataset("file data")
    assert list(back.columns) == ["a", "b", "c"]
    assert back["a"].tolist() == [1, 2, 3]
    assert back["b"].iloc[:2].tolist() == ["x", "y"] and pd.isna(back["b"].iloc[2])
    assert back["c"].iloc[0] == 0.5 and np.isnan(back["c"].iloc[1])
    # the same file again is the same version
    assert ws.register_dataset("file data", str(path)).version == 1


def test_register_latin1_csv(ws, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJos\xe9,M\xfcnchen\n".encode("latin-1"))
    assert ws.get_dataset(ws.register_dataset("latin", path).name)["city"].tolist() == ["M\u00fcnchen"]


def _unchanged(ws, store_files, before_files):
    assert ws.list_datasets(include_samples=False) == []
    assert store_files(ws) == before_files


@pytest.mark.parametrize("case,message", [
    ("empty_frame", "has no rows"),
    ("no_columns", "has no columns"),
    ("duplicate_columns", "duplicate column name 'a'"),
    ("mixed_types", "column 'm' holds values of unsupported or mixed types"),
    ("lists", "column 'l' holds values of unsupported"),
    ("complex", "column 'z' holds complex numbers"),
    ("not_a_table", "expected a pandas DataFrame"),
    ("multiindex_columns", "multi-level column names"),
])
def test_bad_frames_are_refused_and_change_nothing(ws, store_files, case, message):
    data = {
        "empty_frame": pd.DataFrame({"a": []}),
        "no_columns": pd.DataFrame(index=range(3)),
        "duplicate_columns": pd.DataFrame([[1, 2]], columns=["a", "a"]),
        "mixed_types": pd.DataFrame({"ok": [1, 2], "m": pd.Series([1, "x"], dtype=object)}),
        "lists": pd.DataFrame({"l": pd.Series([[1], [2]], dtype=object)}),
        "complex": pd.DataFrame({"z": [1 + 2j, 3j]}),
        "not_a_table": [[1, 2], [3, 4]],
        "multiindex_columns": pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])),
    }[case]
    before = store_files(ws)
    with pytest.raises(DatasetError, match=message):
        ws.register_dataset("bad", data)
    _unchanged(ws, store_files, before)


@pytest.mark.parametrize("case,message", [
    ("dup_header", "duplicate column name 'a'"),
    ("empty_file", "the file is empty"),
    ("header_only", "has no rows"),
    ("missing", "does not exist"),
    ("unsupported", "unsupported file type '.xlsx'"),
    ("bad_parquet", "could not be read as PARQUET"),
    ("bad_json", "could not be read as JSON"),
    ("directory", "it is a directory"),
    ("binary_csv", "the file is not text \\(it holds binary data; it looks like a Parquet file"),
    ("xlsx_as_csv", "the file is not text .*Excel .xlsx workbook \\(save the sheet as CSV\\)"),
])
def test_bad_files_are_refused_and_change_nothing(ws, tmp_path, store_files, case, message):
    path = {
        "dup_header": "dup.csv", "empty_file": "empty.csv", "header_only": "header.csv",
        "missing": "missing.csv", "unsupported": "book.xlsx", "bad_parquet": "bad.parquet",
        "bad_json": "bad.json", "directory": "folder.csv", "binary_csv": "data.csv",
        "xlsx_as_csv": "book.csv",
    }[case]
    path = tmp_path / path
    if case == "dup_header":
        path.write_text("a,b,a\n1,2,3\n")
    elif case == "empty_file":
        path.write_text("")
    elif case == "header_only":
        path.write_text("a,b\n")
    elif case == "unsupported":
        path.write_bytes(b"PK\x03\x04")
    elif case == "bad_parquet":
        path.write_bytes(b"not parquet at all")
    elif case == "bad_json":
        path.write_text("{not json")
    elif case == "directory":
        path.mkdir()
    elif case == "binary_csv":
        pd.DataFrame({"a": range(50)}).to_parquet(path)
    elif case == "xlsx_as_csv":
        path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4)
    before = store_files(ws)
    with pytest.raises(DatasetError, match=message) as err:
        ws.register_dataset("bad", path)
    if case != "header_only":
        assert str(path) in str(err.value)
    _unchanged(ws, store_files, before)


def test_bad_names_and_arguments(ws, frame):
    for name in ("", "   ", None, 3, "a\nb", "x" * 300):
        with pytest.raises(DatasetError, match="name"):
            ws.register_dataset(name, frame)
    with pytest.raises(DatasetError, match="built-in sample dataset"):
        ws.register_dataset("iris data", frame)
    with pytest.raises(DatasetError, match="tags"):
        ws.register_dataset("t", frame, tags="oops")
    with pytest.raises(DatasetError, match="description"):
        ws.register_dataset("t", frame, description=3)
    assert ws.list_datasets(include_samples=False) == []


def test_a_failed_metadata_write_leaves_no_file(ws, frame, store_files, monkeypatch):
    before = store_files(ws)

    def boom():
        raise RuntimeError("disk full")

    import contextlib

    @contextlib.contextmanager
    def failing_write():
        boom()
        yield

    monkeypatch.setattr(ws._db, "write", failing_write)
    with pytest.raises(RuntimeError):
        ws.register_dataset("x", frame)
    monkeypatch.undo()
    assert store_files(ws) == before
    assert ws.list_datasets(include_samples=False) == []


def test_not_found_errors(ws, frame):
    ws.register_dataset("Housing", frame)
    with pytest.raises(DatasetNotFoundError, match="Did you mean 'Housing'"):
        ws.get_dataset("Housng")
    with pytest.raises(NotFoundError, match="has no version 7; its versions are 1"):
        ws.get_dataset("housing", 7)
    with pytest.raises(KeyError):
        ws.dataset_info("nothing")
    with pytest.raises(DatasetError):  # also a DatasetError
        ws.dataset_key("nothing")
    with pytest.raises(NotFoundError, match="only version 1"):
        ws.get_dataset("Iris Data", 2)


def test_list_preview_profile_delete(ws, frame, store_files):
    ws.register_dataset("b", frame)
    ws.register_dataset("a", frame.head(5))
    ws.register_dataset("b", frame.head(7))
    listed = ws.list_datasets(include_samples=False)
    assert [(i.name, i.version, i.rows) for i in listed] == [("a", 1, 5), ("b", 2, 7)]
    everything = ws.list_datasets()
    assert [i.name for i in everything if i.sample] == sample_names()
    assert all(i.sample for i in everything[2:])

    head = ws.preview("b", n=3, version=1)
    pd.testing.assert_frame_equal(head, frame.head(3), check_dtype=False)
    assert head["color"].dtype == frame["color"].dtype
    assert len(ws.preview("b", n=100)) == 7
    assert list(ws.preview("b", n=0).columns) == list(frame.columns)
    from jupyter_designer.store import WorkspaceError
    with pytest.raises(WorkspaceError, match="non-negative integer"):
        ws.preview("b", n=-1)

    prof = ws.profile("b")
    assert isinstance(prof, pd.DataFrame) and len(prof) == 4

    ws.delete_dataset("b", version=1)
    assert [i.version for i in ws.dataset_versions("b")] == [2]
    ws.delete_dataset("B")
    ws.delete_dataset("a")
    assert ws.list_datasets(include_samples=False) == []
    assert not [f for f in store_files(ws) if f.startswith("objects")]
    with pytest.raises(DatasetError, match="cannot be deleted"):
        ws.delete_dataset("Iris Data")
    with pytest.raises(NotFoundError):
        ws.delete_dataset("b")


def test_identical_tables_share_one_file(ws, frame, store_files):
    a = ws.register_dataset("one", frame)
    b = ws.register_dataset("two", frame)
    assert a.artifact_id == b.artifact_id
    ws.delete_dataset("one")
    pd.testing.assert_frame_equal(ws.get_dataset("two"), frame, check_dtype=False)


def test_samples_through_the_workspace(ws):
    info = ws.dataset_info("automobile price data (raw)")
    assert info.sample and info.name == "Automobile price data (Raw)"
    assert (info.rows, info.columns, info.version) == (205, 26, 1)
    df = ws.get_dataset("Automobile price data (Raw)")
    assert df.shape == (205, 26)
    assert ws.dataset_key("Automobile price data (Raw)") == info.content_hash
    assert len(ws.preview("Iris Data", 5)) == 5
    assert list(ws.get_dataset("Iris Data", columns=["Class"]).columns) == ["Class"]
    assert ws.profile("Iris Two Class Data").shape[0] == 5


def test_dataset_info_serializes(ws, frame):
    info = ws.register_dataset("j", frame)
    d = json.loads(json.dumps(info.as_dict()))
    assert d["name"] == "j" and d["columns"] == 4 and d["schema"][0]["name"] == "x"


def test_workspace_reopens_with_its_datasets(tmp_path, frame):
    with Workspace(tmp_path / "w") as w:
        w.register_dataset("keep", frame)
        wid = w.id
    with Workspace(tmp_path / "w") as w:
        assert w.id == wid
        pd.testing.assert_frame_equal(w.get_dataset("keep"), frame, check_dtype=False)


CARS = ("Model,AirBags,Price,Cylinders,Sold\n"
        "Integra,None,15.9,4,2024-01-05\n"
        "Legend,Driver & Passenger,33.9,6,2024-02-11\n"
        "90,Driver only,29.1,NA,2024-03-01\n"
        "Century,n/a,,4,\n"
        "Riviera,NA,26.3,6,2024-05-30\n")


def test_csv_keeps_words_as_data_and_reports_missing_values(ws, tmp_path):
    path = tmp_path / "cars93.csv"
    path.write_text(CARS)
    info = ws.register_dataset("cars", path)
    df = ws.get_dataset("cars")
    assert list(df["AirBags"]) == ["None", "Driver & Passenger", "Driver only", "n/a", "NA"]
    assert df["Price"].isna().tolist() == [False, False, False, True, False]
    assert info.missing_values == {"Price": 1, "Sold": 1}
    assert info.notes[0] == "Missing values (empty fields): Price (1), Sold (1)."
    # a numeric column with a word in it stays text, and the result says how to read it
    assert df["Cylinders"].tolist() == ["4", "6", "NA", "4", "6"]
    assert any("Column 'Cylinders' is text: it holds numbers and 'NA'" in n
               and "na_values=['NA']" in n for n in info.notes)
    assert info.as_dict()["missing_values"] == {"Price": 1, "Sold": 1}


def test_csv_missing_value_markers_are_an_option(ws, tmp_path):
    path = tmp_path / "cars93.csv"
    path.write_text(CARS)
    info = ws.register_dataset("cars", path, na_values=["NA", "n/a"])
    df = ws.get_dataset("cars")
    assert list(df["AirBags"].isna()) == [False, False, False, True, True]
    assert df["AirBags"].iloc[0] == "None"
    assert df["Cylinders"].dtype.kind == "f" and df["Cylinders"].isna().sum() == 1
    assert info.missing_values == {"AirBags": 2, "Price": 1, "Cylinders": 1, "Sold": 1}
    assert info.notes[0].startswith("Missing values (empty fields and 'NA', 'n/a'): AirBags (2)")
    with pytest.raises(DatasetError, match="na_values must be a list of strings"):
        ws.register_dataset("cars", path, na_values=[None])


def test_iso_dates_are_read_as_dates_and_said_so(ws, tmp_path):
    path = tmp_path / "cars93.csv"
    path.write_text(CARS)
    info = ws.register_dataset("cars", path)
    assert {c["name"]: c["kind"] for c in info.schema}["Sold"] == "datetime"
    assert "Read as dates (ISO 8601): Sold." in info.notes
    sold = ws.get_dataset("cars")["Sold"]
    assert sold.iloc[0] == pd.Timestamp("2024-01-05") and pd.isna(sold.iloc[3])
    text = ws.register_dataset("cars as text", path, parse_dates=False)
    assert {c["name"]: c["kind"] for c in text.schema}["Sold"] == "string"
    bad = tmp_path / "bad_dates.csv"
    bad.write_text("d,x\n2024-02-30,1\n2024-03-01,2\n")  # not a calendar date: stays text
    assert ws.register_dataset("bad dates", bad).schema[0]["kind"] == "string"


def test_csv_text_is_read_like_a_csv_file(ws):
    import io

    info = ws.register_dataset("cars text", io.StringIO(CARS), na_values=["n/a"])
    df = ws.get_dataset("cars text")
    assert df["AirBags"].tolist()[:3] == ["None", "Driver & Passenger", "Driver only"]
    assert info.missing_values == {"AirBags": 1, "Price": 1, "Sold": 1}
    assert info.source == "CSV text" and "Read as dates (ISO 8601): Sold." in info.notes
    with pytest.raises(DatasetError, match="Cannot register the CSV text: it is empty"):
        ws.register_dataset("empty", io.StringIO(""))
