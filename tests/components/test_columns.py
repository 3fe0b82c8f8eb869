"""Column-level Data Transformation components."""

import sqlite3

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.components.data_transformation import columns, combining, conversions
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, DesignerError, ParameterError
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.ports import ANY, DATASET, TRANSFORMATION
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

EXAMPLES = {**columns.EXAMPLES, **combining.EXAMPLES, **conversions.EXAMPLES}


def run(name, inputs, **params):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec), inputs, spec.resolve_params(params))


def predict(name, inputs, **params):
    spec = REGISTRY.get(name)
    schemas = {k: Schema.from_frame(v) if isinstance(v, pd.DataFrame) else v for k, v in inputs.items()}
    return spec.infer_schema(schemas, spec.resolve_params(params))


def out_of(name, inputs, **params):
    """Run a one-output component; check its output against the design-time schema."""
    spec = REGISTRY.get(name)
    result = run(name, inputs, **params)
    key = spec.outputs[0].key
    predicted = predict(name, inputs, **params)[key]
    if predicted is not None:
        assert predicted == Schema.from_frame(result[key]), "design-time schema differs"
    return result[key]


@pytest.fixture
def cars():
    df = pd.DataFrame({
        "make": ["audi", "bmw", "audi", "fiat", "BMW"],
        "body": pd.Categorical(["sedan", "wagon", "sedan", "hatchback", "sedan"]),
        "doors": [4, 5, 4, 3, 4],
        "price": [30000.0, 41000.0, 30000.0, 12000.0, np.nan],
        "sold": ["2020-01-05", "2021-03-01", "2020-01-05", "2019-12-24", None],
    })
    return set_roles(df, {"price": "label"})


def snapshot(df):
    return df.copy(deep=True), dict(df.attrs.get("designer_roles", {}))


def unchanged(df, snap):
    pd.testing.assert_frame_equal(df, snap[0])
    assert get_roles(df) == snap[1]


# -- Select Columns in Dataset / Select Columns Transform ---------------------------------
def test_select_columns_keeps_order_and_roles(cars):
    out = out_of("Select Columns in Dataset", {"dataset": cars}, select_columns=["price", "make"])
    assert list(out.columns) == ["price", "make"] and get_roles(out) == {"price": "label"}
    out = out_of("Select Columns in Dataset", {"dataset": cars},
                 select_columns={"begin_with": "all", "rules": [
                     {"action": "exclude", "by": "type", "values": ["String"]}]})
    assert list(out.columns) == ["body", "doors", "price"]


def test_select_columns_may_meet_data_without_its_label_columns(cars):
    """In an inference pipeline the label may be selected by name and absent from the data."""
    by_name = ["make", "price", "doors"]
    with pytest.raises(ParameterError, match="'price'"):
        out_of("Select Columns in Dataset", {"dataset": cars.drop(columns=["price"])},
               select_columns=by_name)
    out = out_of("Select Columns in Dataset", {"dataset": cars.drop(columns=["price"])},
                 select_columns=by_name, label_columns=["price"])
    assert list(out.columns) == ["make", "doors"]
    # present, the label is selected as before; another absent column is still an error
    out = out_of("Select Columns in Dataset", {"dataset": cars}, select_columns=by_name,
                 label_columns=["price"])
    assert list(out.columns) == by_name and get_roles(out) == {"price": "label"}
    with pytest.raises(ParameterError, match="'doors'"):
        out_of("Select Columns in Dataset", {"dataset": cars.drop(columns=["price", "doors"])},
               select_columns=by_name, label_columns=["price"])
    rules = {"begin_with": "all", "rules": [{"action": "exclude", "by": "names", "values": ["sold"]}]}
    out = out_of("Select Columns in Dataset", {"dataset": cars.drop(columns=["price"])},
                 select_columns=rules, label_columns=["price"])
    assert list(out.columns) == ["make", "body", "doors"]


def test_select_columns_transform(cars):
    spec = REGISTRY.get("Select Columns Transform")
    assert spec.transformation_output == "columns_selection_transformation"
    assert spec.outputs[0].type == TRANSFORMATION
    desired = cars[["doors", "price"]]
    set_roles(desired, {"price": "label"})
    t = run("Select Columns Transform", {"dataset_with_desired_columns": desired})[
        "columns_selection_transformation"]
    assert isinstance(t, Transformation)
    new = cars[["price", "make", "doors"]]
    out = t.transform(new)
    assert list(out.columns) == ["doors", "price"]
    assert t.output_schema(Schema.from_frame(new)) == Schema.from_frame(out)
    # scoring data without the label still works; other missing columns are errors
    assert list(t.transform(cars[["doors", "make"]]).columns) == ["doors"]
    with pytest.raises(ComponentError, match="'doors'"):
        t.transform(cars[["price"]])
    assert all(not isinstance(v, (pd.DataFrame, pd.Series, pd.Index)) for v in vars(t).values())


# -- Edit Metadata -----------------------------------------------------------------------
def edit(df, **params):
    return out_of("Edit Metadata", {"dataset": df}, **params)


def test_edit_metadata_types(cars):
    snap = snapshot(cars)
    out = edit(cars, column=["doors"], data_type="Double")
    assert out["doors"].dtype == "float64"
    out = edit(cars, column=["doors", "price"], data_type="String")
    assert out["doors"].tolist() == ["4", "5", "4", "3", "4"] and out["price"].isna().iloc[4]
    out = edit(cars, column=["sold"], data_type="DateTime")
    assert out["sold"].iloc[0] == pd.Timestamp("2020-01-05") and pd.isna(out["sold"].iloc[4])
    out = edit(cars, column=["price"], data_type="Integer")
    assert str(out["price"].dtype) == "Int64" and out["price"].iloc[1] == 41000
    assert edit(cars, column=["doors"], data_type="Integer")["doors"].dtype == "int64"
    unchanged(cars, snap)


def test_edit_metadata_text_to_numbers_and_booleans():
    df = pd.DataFrame({"n": [" 1", "2", None], "b": ["yes", "No", "TRUE"], "z": [0, 2, 0]})
    out = edit(df, column=["n"], data_type="Integer")
    assert out["n"].tolist()[:2] == [1, 2] and pd.isna(out["n"].iloc[2])
    assert edit(df, column=["b"], data_type="Boolean")["b"].tolist() == [True, False, True]
    out = edit(df, column=["z"], data_type="Boolean")
    assert out["z"].dtype == bool and out["z"].tolist() == [False, True, False]


def test_edit_metadata_datetime_format_and_timespan():
    df = pd.DataFrame({"d": ["05/01/2020", "24/12/2019"], "t": ["1 days", "02:00:00"],
                       "secs": [0, 86400]})
    out = edit(df, column=["d"], data_type="DateTime", datetime_format="%d/%m/%Y")
    assert out["d"].tolist() == [pd.Timestamp("2020-01-05"), pd.Timestamp("2019-12-24")]
    out = edit(df, column=["t"], data_type="TimeSpan")
    assert out["t"].tolist() == [pd.Timedelta(days=1), pd.Timedelta(hours=2)]
    out = edit(df, column=["secs"], data_type="DateTime")
    assert out["secs"].tolist() == [pd.Timestamp("1970-01-01"), pd.Timestamp("1970-01-02")]
    back = edit(out, column=["secs"], data_type="Double")
    assert back["secs"].tolist() == [0.0, 86400.0]


@pytest.mark.parametrize("column,data_type,needle", [
    ("make", "Double", "'make' has the value 'audi'"),
    ("price", "Boolean", None),
    ("make", "Boolean", "'audi', which is not a Boolean"),
    ("sold", "TimeSpan", "not a time span"),
    ("doors", "TimeSpan", None),
])
def test_edit_metadata_conversion_errors(cars, column, data_type, needle):
    if needle is None:  # these work
        edit(cars, column=[column], data_type=data_type)
        return
    with pytest.raises(ComponentError) as err:
        edit(cars, column=[column], data_type=data_type)
    assert str(err.value).startswith("Edit Metadata:") and needle in str(err.value)


def test_edit_metadata_non_integral_and_bad_dates():
    df = pd.DataFrame({"x": [1.0, 2.5], "d": ["2020-01-01", "yesterday"]})
    with pytest.raises(ComponentError, match="2.5, which is not a whole number"):
        edit(df, column=["x"], data_type="Integer")
    with pytest.raises(ComponentError, match="'yesterday'"):
        edit(df, column=["d"], data_type="DateTime")
    with pytest.raises(ComponentError, match="%d/%m"):
        edit(df.iloc[:1], column=["d"], data_type="DateTime", datetime_format="%d/%m/%Y")


def test_edit_metadata_categorical(cars):
    out = edit(cars, column=["make", "doors"], categorical="Categorical")
    assert isinstance(out["make"].dtype, pd.CategoricalDtype)
    assert list(out["doors"].cat.categories) == [3, 4, 5]
    back = edit(out, column=["make", "doors"], categorical="Make non-categorical")
    pd.testing.assert_frame_equal(back, cars, check_dtype=True)
    # a type change keeps the categorical flag unless told otherwise
    out2 = edit(out, column=["doors"], data_type="String")
    assert isinstance(out2["doors"].dtype, pd.CategoricalDtype)
    assert list(out2["doors"].cat.categories) == ["3", "4", "5"]
    out3 = edit(out, column=["doors"], data_type="Double", categorical="Make non-categorical")
    assert out3["doors"].dtype == "float64"


def test_edit_metadata_fields(cars):
    out = edit(cars, column=["doors"], fields="Label")
    assert get_roles(out) == {"doors": "label"}  # one label per dataset
    out = edit(cars, column=["make", "doors"], fields="Features")
    assert get_roles(out) == {"price": "label", "make": "feature", "doors": "feature"}
    assert get_roles(edit(out, column=["make"], fields="Clear feature")) == \
        {"price": "label", "doors": "feature"}
    assert get_roles(edit(cars, column=["price"], fields="Clear label")) == {}
    scored = set_roles(cars.copy(), {"doors": "score"})
    assert get_roles(edit(scored, column=["doors", "price"], fields="Clear score")) == {"price": "label"}
    with pytest.raises(ComponentError, match="one label column"):
        edit(cars, column=["make", "doors"], fields="Label")


def test_edit_metadata_rename(cars):
    out = edit(cars, column=["make", "price"], new_column_names="Make, Price ($)")
    assert list(out.columns) == ["Make", "body", "doors", "Price ($)", "sold"]
    assert get_roles(out) == {"Price ($)": "label"}
    with pytest.raises(ComponentError, match="2 selected"):
        edit(cars, column=["make", "price"], new_column_names="only")
    with pytest.raises(ComponentError, match="'doors'"):
        edit(cars, column=["make"], new_column_names="doors")
    with pytest.raises(ComponentError, match="empty name"):
        edit(cars, column=["make", "price"], new_column_names="a,")


def test_edit_metadata_unknown_column_and_empty_selection(cars):
    with pytest.raises(ParameterError, match="'nope'"):
        edit(cars, column=["nope"])
    with pytest.raises(ComponentError, match="selects no column"):
        edit(cars, column={"begin_with": "none", "rules": []})


def test_edit_metadata_schema_prediction():
    schema = Schema.of([("a", "categorical"), ("b", "integer", "label"), ("c", "string")])
    p = predict("Edit Metadata", {"dataset": schema}, column=["a", "c"], data_type="Double",
                fields="Features", new_column_names="A,C")["results_dataset"]
    assert p == Schema.of([("A", "categorical", "feature"), ("b", "integer", "label"),
                           ("C", "double", "feature")])
    unknown = predict("Edit Metadata", {"dataset": schema}, column=["a"],
                      categorical="Make non-categorical")
    assert unknown == {"results_dataset": None}


# -- Add Columns / Add Rows --------------------------------------------------------------
def test_add_columns_renames_duplicates_like_the_reference(cars):
    right = cars[["price", "doors"]]
    out = out_of("Add Columns", {"left_dataset": cars, "right_dataset": right})
    assert list(out.columns) == ["make", "body", "doors_1", "price_1", "sold", "price_2", "doors_2"]
    assert get_roles(out) == {"price_1": "label"}
    assert out["price_2"].equals(cars["price"].rename("price_2"))


def test_add_columns_aligns_by_position_and_pads_shorter_input(cars):
    right = pd.DataFrame({"x": [1, 2], "ok": [True, False]}, index=[10, 11])
    out = run("Add Columns", {"left_dataset": cars, "right_dataset": right})["combined_dataset"]
    assert len(out) == 5 and out.index.tolist() == list(range(5))
    assert out["x"].tolist()[:2] == [1, 2] and out["x"].isna().sum() == 3
    assert str(out["ok"].dtype) == "boolean"


def test_add_rows(cars):
    other = cars[["price", "make", "body", "doors", "sold"]].iloc[:2]
    other = other.assign(doors=other["doors"].astype(float),
                         body=pd.Categorical(["coupe", "sedan"]))
    snap = snapshot(cars)
    out = out_of("Add Rows", {"dataset1": cars, "dataset2": other})
    assert len(out) == 7 and list(out.columns) == list(cars.columns)
    assert out["doors"].dtype == "float64"
    assert set(out["body"].cat.categories) == {"coupe", "hatchback", "sedan", "wagon"}
    assert out["body"].tolist()[-2:] == ["coupe", "sedan"]
    assert get_roles(out) == {"price": "label"}
    unchanged(cars, snap)
    expected = pd.concat([cars.astype({"doors": float}), other], ignore_index=True)
    assert out["price"].equals(expected["price"])


def test_add_rows_errors(cars):
    with pytest.raises(ComponentError) as err:
        run("Add Rows", {"dataset1": cars, "dataset2": cars[["make"]]})
    assert "Dataset2 lacks" in str(err.value) and "'price'" in str(err.value)
    bad = cars.assign(doors=cars["doors"].astype(str))
    with pytest.raises(ComponentError, match="'doors' is integer in Dataset1 but string"):
        run("Add Rows", {"dataset1": cars, "dataset2": bad})


# -- Join Data -----------------------------------------------------------------------------
@pytest.fixture
def owners():
    return pd.DataFrame({"make": ["audi", "bmw", "tesla", "audi"], "country": ["de", "de", "us", "DE"],
                         "price": [1, 2, 3, 4]})


def join(left, right, **params):
    params.setdefault("join_key_columns_for_l", ["make"])
    params.setdefault("join_key_columns_for_r", ["make"])
    return out_of("Join Data", {"dataset1": left, "dataset2": right}, **params)


@pytest.mark.parametrize("join_type,how", [("Inner Join", "inner"), ("Left Outer Join", "left"),
                                           ("Full Outer Join", "outer")])
def test_join_agrees_with_pandas_merge(cars, owners, join_type, how):
    out = join(cars, owners, join_type=join_type)
    expected = cars.merge(owners, on="make", how=how, suffixes=("", " (2)"), sort=False)
    assert len(out) == len(expected)
    cols = ["make", "body", "doors", "price", "sold", "make (2)", "country", "price (2)"]
    assert list(out.columns) == cols
    key = lambda d: d.astype(str).sort_values(list(d.columns)).reset_index(drop=True)
    got = out.assign(make=out["make"].fillna(out["make (2)"])).drop(columns=["make (2)"])
    pd.testing.assert_frame_equal(key(got), key(expected[[c for c in cols if c != "make (2)"]]),
                                  check_dtype=False)
    assert get_roles(out) == {"price": "label"}


def test_join_row_order_and_semi_join(cars, owners):
    out = join(cars, owners, join_type="Inner Join")
    assert out["make"].tolist() == ["audi", "audi", "bmw", "audi", "audi"]
    assert out["country"].tolist() == ["de", "DE", "de", "de", "DE"]
    semi = join(cars, owners, join_type="Left Semi-Join")
    assert list(semi.columns) == list(cars.columns)
    assert semi["make"].tolist() == ["audi", "bmw", "audi"]


def test_join_match_case(cars, owners):
    out = join(cars, owners, match_case=False, join_type="Left Semi-Join")
    assert out["make"].tolist() == ["audi", "bmw", "audi", "BMW"]


def test_join_without_right_keys_and_full_outer_coalesces_keys(cars, owners):
    out = join(cars, owners, join_type="Full Outer Join",
               keep_right_key_columns_in_joined_table=False)
    assert "make (2)" not in out.columns
    assert out["make"].tolist()[-1] == "tesla" and out["country"].tolist()[-1] == "us"
    assert pd.isna(out["doors"].iloc[-1]) and out["doors"].dtype == "float64"


def test_join_composite_and_numeric_keys():
    left = pd.DataFrame({"a": [1, 1, 2, None], "b": ["x", "y", "x", "x"], "v": [1, 2, 3, 4]})
    right = pd.DataFrame({"A": [1.0, 2.0, np.nan], "B": ["y", "x", "x"], "w": [10, 20, 30]})
    out = join(left, right, join_key_columns_for_l=["a", "b"], join_key_columns_for_r=["A", "B"],
               join_type="Left Outer Join")
    # a missing key matches nothing, not even another missing key
    assert out["v"].tolist() == [1, 2, 3, 4]
    assert out["w"].isna().tolist() == [True, False, False, True]
    assert out["w"].tolist()[1:3] == [10.0, 20.0] and out["w"].dtype == "float64"


def test_join_key_errors(cars, owners):
    with pytest.raises(ComponentError, match="same number of key columns"):
        join(cars, owners, join_key_columns_for_l=["make", "doors"])
    with pytest.raises(ComponentError, match="'doors' of the left dataset is integer"):
        join(cars, owners, join_key_columns_for_l=["doors"], join_key_columns_for_r=["make"])
    with pytest.raises(DesignerError, match="'nope'"):
        join(cars, owners, join_key_columns_for_r=["nope"])


def test_join_schema_for_each_type(cars, owners):
    for join_type in combining.JOIN_TYPES:
        for keep in (True, False):
            join(cars, owners, join_type=join_type, keep_right_key_columns_in_joined_table=keep)


# -- Remove Duplicate Rows -----------------------------------------------------------------
def test_remove_duplicate_rows(cars):
    first = out_of("Remove Duplicate Rows", {"dataset": cars},
                   key_column_selection_filter_expression=["make"])
    expected = cars.drop_duplicates(subset=["make"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(first, expected)
    last = out_of("Remove Duplicate Rows", {"dataset": cars},
                  key_column_selection_filter_expression=["make"], retain_first_duplicate_row=False)
    assert last["price"].tolist()[:3] == [41000.0, 30000.0, 12000.0]
    assert get_roles(last) == {"price": "label"}


def test_remove_duplicate_rows_missing_keys_are_never_duplicates():
    df = pd.DataFrame({"g": ["M", "M", "M", "M"], "age": [53, 53, np.nan, np.nan]})
    out = run("Remove Duplicate Rows", {"dataset": df},
              key_column_selection_filter_expression=["g", "age"])["results_dataset"]
    assert len(out) == 3
    with pytest.raises(ComponentError, match="selects no"):
        run("Remove Duplicate Rows", {"dataset": df},
            key_column_selection_filter_expression={"begin_with": "none", "rules": []})


# -- Apply SQL Transformation --------------------------------------------------------------
def sql(script, **tables):
    return run("Apply SQL Transformation", tables, sql_query_script=script)["result_dataset"]


def test_sql_select_and_join(cars, owners):
    out = sql("SELECT t1.make, t1.price, t2.country FROM t1 JOIN t2 ON t1.make = t2.make "
              "WHERE t2.country = 'de' ORDER BY t1.price", t1=cars, t2=owners)
    assert out.to_dict("list") == {"make": ["audi", "audi", "bmw"],
                                   "price": [30000.0, 30000.0, 41000.0],
                                   "country": ["de", "de", "de"]}
    agg = sql("select make, count(*) as n, avg(price) as [mean price] from t1 group by make "
              "order by make", t1=cars)
    assert list(agg.columns) == ["make", "n", "mean price"] and agg["n"].dtype == "int64"
    assert sql("select * from t1", t1=cars)["sold"].tolist()[0] == "2020-01-05"


def test_sql_multiple_statements_and_types():
    df = pd.DataFrame({"when": pd.to_datetime(["2020-01-02 03:04:05"]), "ok": [True],
                       "n": pd.array([None], dtype="Int64"), "col with space": ["a;b"]})
    out = sql("create table x as select * from t1; -- a comment; with a semicolon\n"
              "insert into x select * from t1;\n"
              "select \"col with space\", ok, n, [when] from x;", t1=df)
    assert out["col with space"].tolist() == ["a;b", "a;b"]
    assert out["ok"].tolist() == [1, 1] and out["when"].iloc[0] == "2020-01-02 03:04:05"
    assert out["n"].isna().all()


def test_sql_errors_name_the_problem(cars):
    with pytest.raises(ComponentError) as err:
        sql("select nope from t1", t1=cars)
    assert "no such column: nope" in str(err.value) and "select nope from t1" in str(err.value)
    with pytest.raises(ComponentError, match="Table2 is not connected"):
        sql("select * from t2", t1=cars)
    with pytest.raises(ComponentError, match="SELECT"):
        sql("create table x (a int);", t1=cars)
    with pytest.raises(ComponentError, match="statement 2"):
        sql("select 1; selec 2;", t1=cars)
    with pytest.raises(ComponentError, match="not authorized"):
        sql("attach database 'x.db' as x; select 1", t1=cars)
    with pytest.raises(ComponentError, match="differ only in case"):
        sql("select 1", t1=pd.DataFrame({"a": [1], "A": [2]}))


def test_sql_duplicate_result_names_become_unique(cars, owners):
    out = sql("select t1.make, t2.make from t1 join t2 on t1.make = t2.make", t1=cars, t2=owners)
    assert list(out.columns) == ["make", "make (2)"]


def test_sql_split_statements():
    assert combining.split_statements("select ';'; select 2") == ["select ';';", " select 2"]
    assert combining.split_statements("-- only a comment;\n") == []
    assert len(combining.split_statements("select 1;\n/* x; y */ select 2;")) == 2
    assert sqlite3.complete_statement(combining.split_statements("select 1;")[0])


# -- Convert to CSV / Convert to Dataset ---------------------------------------------------
def test_convert_to_csv(cars):
    spec = REGISTRY.get("Convert to CSV")
    assert spec.outputs[0].type == ANY
    text = run("Convert to CSV", {"dataset": cars})["results_dataset"]
    assert text == cars.to_csv(index=False) and text.startswith("make,body,doors,price,sold\n")


def test_convert_to_dataset_from_csv_text_round_trip(cars):
    text = run("Convert to CSV", {"dataset": cars})["results_dataset"]
    out = run("Convert to Dataset", {"dataset": text})["results_dataset"]
    assert out["price"].equals(cars["price"]) and out["make"].tolist() == cars["make"].tolist()
    with pytest.raises(ComponentError, match="int"):
        run("Convert to Dataset", {"dataset": 42})


def test_convert_to_dataset_set_missing_value():
    df = pd.DataFrame({"hp": ["111", "?", "95"], "name": ["a", "?", "Taxi"], "n": [1, 2, 3]})
    out = out_of("Convert to Dataset", {"dataset": df}, action="SetMissingValue")
    assert out["hp"].dtype == "float64" and out["hp"].isna().tolist() == [False, True, False]
    assert out["name"].isna().tolist() == [False, True, False]
    out = run("Convert to Dataset", {"dataset": df}, action="SetMissingValue",
              custom_missing_value="2")["results_dataset"]
    assert out["n"].isna().tolist() == [False, True, False]


def test_convert_to_dataset_replace_values():
    df = pd.DataFrame({"x": [1.0, np.nan], "s": ["obs", None], "c": pd.Categorical(["a", None])})
    out = out_of("Convert to Dataset", {"dataset": df}, action="ReplaceValues", new_value="0")
    assert out["x"].tolist() == [1.0, 0.0] and out["s"].tolist() == ["obs", "0"]
    assert out["c"].tolist() == ["a", "0"]
    out = run("Convert to Dataset", {"dataset": df}, action="ReplaceValues", replace="Custom",
              custom_value="obs", new_value="observed")["results_dataset"]
    assert out["s"].tolist()[0] == "observed"
    # a value that does not fit a column's type leaves that column alone
    out = run("Convert to Dataset", {"dataset": df}, action="ReplaceValues",
              new_value="unknown")["results_dataset"]
    assert pd.isna(out["x"].iloc[1]) and out["s"].iloc[1] == "unknown"
    with pytest.raises(ParameterError, match="'New value'"):
        REGISTRY.get("Convert to Dataset").resolve_params({"action": "ReplaceValues"})


# -- Convert to Indicator Values -----------------------------------------------------------
def indicators(df, **params):
    return run("Convert to Indicator Values", {"dataset": df}, **params)


def test_indicator_values_agree_with_get_dummies(cars):
    result = indicators(cars, categorical_columns_to_convert=["body"])
    out = result["results_dataset"]
    dummies = pd.get_dummies(cars["body"], prefix="body", prefix_sep="-").astype("int64")
    pd.testing.assert_frame_equal(out[dummies.columns], dummies)
    assert list(out.columns) == ["make", "body", "body-hatchback", "body-sedan", "body-wagon",
                                 "doors", "price", "sold"]
    assert get_roles(out) == {"price": "label"}


def test_indicator_values_overwrite_missing_and_numbers():
    df = pd.DataFrame({"mpg": pd.Categorical([25, 26, None]), "s": ["Low", "High", "Low"]})
    out = indicators(df, categorical_columns_to_convert=["mpg", "s"],
                     overwrite_categorical_columns=True)["results_dataset"]
    assert list(out.columns) == ["mpg-25", "mpg-26", "mpg-Missing", "s-High", "s-Low"]
    assert out.to_numpy().tolist() == [[1, 0, 0, 0, 1], [0, 1, 0, 1, 0], [0, 0, 1, 0, 1]]


def test_indicator_values_transformation_on_new_data(cars):
    spec = REGISTRY.get("Convert to Indicator Values")
    assert spec.transformation_output == "indicator_values_transformation"
    t = indicators(cars, categorical_columns_to_convert=["make"])["indicator_values_transformation"]
    new = pd.DataFrame({"make": ["fiat", "kia", None], "doors": [2, 3, 4]})
    out = t.transform(new)
    assert list(out.columns) == ["make", "make-BMW", "make-audi", "make-bmw", "make-fiat", "doors"]
    assert out["make-fiat"].tolist() == [1, 0, 0] and out.iloc[1, 1:5].sum() == 0
    assert t.output_schema(Schema.from_frame(new)) == Schema.from_frame(out)
    with pytest.raises(ComponentError, match="'make'"):
        t.transform(new[["doors"]])
    plain = (str, int, float, bool, list, type(None))
    assert all(isinstance(v, plain) for v in vars(t).values())


def test_indicator_values_skops_round_trip(cars):
    skops = pytest.importorskip("skops.io")
    t = indicators(cars, categorical_columns_to_convert=["body"])["indicator_values_transformation"]
    data = skops.dumps(t)
    back = skops.loads(data, trusted=skops.get_untrusted_types(data=data))
    pd.testing.assert_frame_equal(back.transform(cars), t.transform(cars))


def test_indicator_values_rejects_numeric_columns(cars):
    with pytest.raises(ComponentError) as err:
        indicators(cars, categorical_columns_to_convert=["doors", "body"])
    assert "'doors' is integer" in str(err.value) and "Edit Metadata" in str(err.value)


# -- declarations and examples -------------------------------------------------------------
def test_declarations():
    names = ["Select Columns in Dataset", "Select Columns Transform", "Edit Metadata", "Add Columns",
             "Add Rows", "Join Data", "Remove Duplicate Rows", "Apply SQL Transformation",
             "Convert to CSV", "Convert to Dataset", "Convert to Indicator Values"]
    for name in names:
        spec = REGISTRY.get(name)
        assert spec.category == "Data Transformation" and spec.subcategory
        assert spec.id in EXAMPLES
    assert REGISTRY.get("Apply SQL Transformation").inputs[1].optional


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
        assert a.attrs == b.attrs
    elif isinstance(a, Transformation):
        assert vars(a) == vars(b)
    else:
        assert a == b


@pytest.mark.parametrize("cid", sorted(EXAMPLES))
def test_examples(cid):
    spec = REGISTRY.get(cid)
    inputs, params = EXAMPLES[cid]()
    snaps = {k: snapshot(v) for k, v in inputs.items() if isinstance(v, pd.DataFrame)}
    resolved = spec.resolve_params(params)
    out = spec.run(RunContext(spec), inputs, resolved)
    again = spec.run(RunContext(spec), *[EXAMPLES[cid]()[0]], resolved)
    assert set(out) == {p.key for p in spec.outputs}
    schemas = {k: Schema.from_frame(v) if isinstance(v, pd.DataFrame) else None
               for k, v in inputs.items()}
    predicted = spec.infer_schema(schemas, resolved)
    for port in spec.outputs:
        value = out[port.key]
        if port.type == DATASET:
            assert isinstance(value, pd.DataFrame)
            if predicted[port.key] is not None:
                assert predicted[port.key] == Schema.from_frame(value)
        elif port.type == TRANSFORMATION:
            assert isinstance(value, Transformation)
        _same(value, again[port.key])
    for k, snap in snaps.items():
        unchanged(inputs[k], snap)
