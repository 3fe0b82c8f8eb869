"""Clean Missing Data, Clip Values, Apply Math Operation, Normalize Data, Group Data into Bins."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.components.data_transformation import cleaning, math_operations, scaling
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, DesignerError, ParameterError
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.ports import DATASET, TRANSFORMATION
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

EXAMPLES = {**cleaning.EXAMPLES, **math_operations.EXAMPLES, **scaling.EXAMPLES}


# -- helpers -----------------------------------------------------------------------------
def run(name, inputs, **params):
    spec = REGISTRY.get(name)
    resolved = spec.resolve_params(params)
    return spec.run(RunContext(spec), inputs, resolved)


def predicted(name, inputs, **params):
    spec = REGISTRY.get(name)
    resolved = spec.resolve_params(params)
    return spec.infer_schema({k: Schema.from_frame(v) for k, v in inputs.items()}, resolved)


def frame():
    return pd.DataFrame({
        "a": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0, 7.0, 8.0],
        "b": [10.0, 20.0, 20.0, np.nan, 50.0, 60.0, 70.0, 80.0],
        "n": pd.array([1, 2, None, 4, 5, 6, 7, 9], dtype="Int64"),
        "s": ["x", "y", None, "y", "z", None, "y", "x"],
        "k": [1, 2, 3, 4, 5, 6, 7, 8],
    })


def assert_schema_matches(name, inputs, params, outputs):
    pred = predicted(name, inputs, **params)
    for key, value in outputs.items():
        if isinstance(value, pd.DataFrame) and pred.get(key) is not None:
            assert Schema.from_frame(value).as_list() == pred[key].as_list(), key


# -- contract: every example runs, is deterministic and matches its schema ----------------
@pytest.mark.parametrize("component_id", sorted(EXAMPLES))
def test_examples_contract(component_id):
    spec = REGISTRY.get(component_id)
    inputs, params = EXAMPLES[component_id]()
    resolved = spec.resolve_params(params)
    first = spec.run(RunContext(spec), inputs, resolved)
    inputs2, _ = EXAMPLES[component_id]()
    second = spec.run(RunContext(spec), inputs2, resolved)
    assert set(first) == {p.key for p in spec.outputs}
    pred = spec.infer_schema({k: Schema.from_frame(v) for k, v in inputs.items()}, resolved)
    for port in spec.outputs:
        value = first[port.key]
        if port.type == DATASET:
            assert isinstance(value, pd.DataFrame)
            pd.testing.assert_frame_equal(value, second[port.key])
            assert pred[port.key] is not None
            assert Schema.from_frame(value) == pred[port.key]
        elif port.type == TRANSFORMATION:
            assert isinstance(value, Transformation)
            assert spec.transformation_output == port.key
            assert value.describe() == second[port.key].describe()
    # the inputs were not modified
    pd.testing.assert_frame_equal(inputs["dataset"], inputs2["dataset"])


@pytest.mark.parametrize("component_id", ["clean_missing_data", "normalize_data",
                                          "group_data_into_bins"])
def test_transformations_round_trip_through_skops_and_match(component_id):
    import skops.io as sio

    spec = REGISTRY.get(component_id)
    inputs, params = EXAMPLES[component_id]()
    out = spec.run(RunContext(spec), inputs, spec.resolve_params(params))
    data_port = next(p.key for p in spec.outputs if p.type == DATASET)
    t = out[spec.transformation_output]
    blob = sio.dumps(t)
    untrusted = sio.get_untrusted_types(data=blob)
    assert all(u.startswith("jupyter_designer.") for u in untrusted), untrusted
    loaded = sio.loads(blob, trusted=untrusted)
    for obj in (t, loaded):
        again = obj.transform(inputs["dataset"])
        pd.testing.assert_frame_equal(again, out[data_port])
        assert obj.output_schema(Schema.from_frame(inputs["dataset"])) == \
            Schema.from_frame(out[data_port])


def test_categories_and_subcategories():
    expected = {"clean_missing_data": "Manipulation", "apply_math_operation": "Manipulation",
                "clip_values": "Scale and Reduce", "normalize_data": "Scale and Reduce",
                "group_data_into_bins": "Scale and Reduce"}
    for cid, sub in expected.items():
        spec = REGISTRY.get(cid)
        assert spec.category == "Data Transformation"
        assert spec.subcategory == sub
        assert spec.schema is not None


# =========================================================================================
# Clean Missing Data
# =========================================================================================
@pytest.mark.parametrize("mode, strategy", [("Replace with mean", "mean"),
                                            ("Replace with median", "median"),
                                            ("Replace with mode", "most_frequent")])
def test_clean_statistics_agree_with_simple_imputer(mode, strategy):
    from sklearn.impute import SimpleImputer

    df = frame()[["a", "b"]]
    out = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a", "b"],
              cleaning_mode=mode)
    expected = SimpleImputer(strategy=strategy).fit_transform(df)
    np.testing.assert_allclose(out["cleaned_dataset"].to_numpy(), expected)


def test_clean_mode_on_strings_and_ties():
    df = pd.DataFrame({"s": ["b", "a", None, "b", "a", "c"], "t": [2.0, 1.0, np.nan, 1.0, 2.0, 3.0]})
    out = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["s", "t"],
              cleaning_mode="Replace with mode")["cleaned_dataset"]
    assert out["s"].tolist() == ["b", "a", "a", "b", "a", "c"]  # tie a/b -> smallest
    assert out["t"].tolist() == [2.0, 1.0, 1.0, 1.0, 2.0, 3.0]


def test_clean_mean_keeps_integer_columns_integer():
    df = frame()[["n"]]
    out = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["n"],
              cleaning_mode="Replace with mean")["cleaned_dataset"]
    assert str(out["n"].dtype) == "Int64"
    assert out["n"][2] == round(df["n"].mean())


def test_clean_custom_value_converted_per_column_type():
    df = pd.DataFrame({
        "d": [1.5, np.nan], "i": pd.array([1, None], dtype="Int64"), "s": ["a", None],
        "c": pd.Categorical(["u", None]), "t": pd.to_datetime(["2020-01-01", None]),
        "bo": pd.array([True, None], dtype="boolean"),
    })
    out = run("Clean Missing Data", {"dataset": df},
              columns_to_be_cleaned={"begin_with": "all", "rules": [
                  {"action": "exclude", "by": "names", "values": ["t"]}]},
              replacement_value="1")
    cleaned = out["cleaned_dataset"]
    assert cleaned["d"].tolist() == [1.5, 1.0]
    assert cleaned["i"].tolist() == [1, 1]
    assert cleaned["s"].tolist() == ["a", "1"]
    assert cleaned["c"].tolist() == ["u", "1"] and "1" in cleaned["c"].cat.categories
    assert cleaned["bo"].tolist() == [True, True]
    assert Schema.from_frame(cleaned) == Schema.from_frame(df)
    dates = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["t"],
                replacement_value="2021-05-01")["cleaned_dataset"]
    assert dates["t"][1] == pd.Timestamp("2021-05-01")
    with pytest.raises(ComponentError, match="'t', which holds dates"):
        run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["t"],
            replacement_value="1")


def test_clean_custom_value_that_does_not_fit_names_the_column():
    df = pd.DataFrame({"price": [1.0, np.nan]})
    with pytest.raises(ComponentError) as err:
        run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["price"],
            replacement_value="unknown")
    msg = str(err.value)
    assert "Clean Missing Data" in msg and "'price'" in msg and "'unknown'" in msg


def test_clean_mean_of_text_column_is_refused_with_advice():
    with pytest.raises(ComponentError) as err:
        run("Clean Missing Data", {"dataset": frame()}, columns_to_be_cleaned=["a", "s"],
            cleaning_mode="Replace with median")
    assert "'s' (string)" in str(err.value) and "Columns to be cleaned" in str(err.value)


def test_clean_ratio_limits_pick_the_columns():
    df = frame()  # a: 2/8 missing, b: 1/8, s: 2/8
    out = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a", "b"],
              minimum_missing_value_ratio=0.2, cleaning_mode="Replace with mean",
              generate_missing_value_indicator_column=True)
    cleaned = out["cleaned_dataset"]
    assert cleaned["a"].isna().sum() == 0
    assert cleaned["b"].isna().sum() == 1  # ratio 0.125 < 0.2: untouched
    assert "a_IsMissing" in cleaned and "b_IsMissing" not in cleaned
    assert out["cleaning_transformation"].columns == ["a"]
    # indicators with non-default ratios cannot be known at design time
    assert predicted("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a", "b"],
                     minimum_missing_value_ratio=0.2,
                     generate_missing_value_indicator_column=True)["cleaned_dataset"] is None


def test_clean_min_ratio_above_max_is_an_error():
    with pytest.raises(ComponentError, match="Minimum missing value ratio"):
        run("Clean Missing Data", {"dataset": frame()}, columns_to_be_cleaned=["a"],
            minimum_missing_value_ratio=0.8, maximum_missing_value_ratio=0.2)


def test_clean_indicator_columns_named_as_reference_and_deduplicated():
    df = frame()[["a", "b"]].assign(a_IsMissing=1)
    out = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a", "b"],
              generate_missing_value_indicator_column=True)
    cleaned = out["cleaned_dataset"]
    assert list(cleaned.columns) == ["a", "b", "a_IsMissing", "a_IsMissing (1)", "b_IsMissing"]
    assert cleaned["a_IsMissing (1)"].tolist() == df["a"].isna().tolist()
    assert cleaned["b_IsMissing"].dtype == bool
    assert_schema_matches("Clean Missing Data", {"dataset": df},
                          {"columns_to_be_cleaned": ["a", "b"],
                           "generate_missing_value_indicator_column": True}, out)


def test_clean_remove_entire_row_and_column():
    df = frame()
    rows = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a", "b"],
               cleaning_mode="Remove entire row")["cleaned_dataset"]
    expected = df.dropna(subset=["a", "b"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(rows, expected)
    cols = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a", "b", "k"],
               cleaning_mode="Remove entire column")
    assert list(cols["cleaned_dataset"].columns) == ["n", "s", "k"]
    assert predicted("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a"],
                     cleaning_mode="Remove entire column")["cleaned_dataset"] is None
    # the same columns are removed from new data, even without missing values there
    new = pd.DataFrame({"a": [1.0], "b": [2.0], "n": [3], "s": ["q"], "k": [4]})
    assert list(cols["cleaning_transformation"].transform(new).columns) == ["n", "s", "k"]


def test_clean_columns_with_all_missing_values():
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "e": [np.nan] * 3})
    removed = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a", "e"],
                  cleaning_mode="Replace with mean")["cleaned_dataset"]
    assert list(removed.columns) == ["a"] and removed["a"].tolist() == [1.0, 2.0, 3.0]
    kept = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a", "e"],
               cleaning_mode="Replace with mean",
               cols_with_all_missing_values="Propagate")["cleaned_dataset"]
    assert kept["e"].isna().all()


def test_cleaning_transformation_uses_training_statistics_on_new_data():
    train = frame()
    out = run("Clean Missing Data", {"dataset": train}, columns_to_be_cleaned=["a", "b"],
              cleaning_mode="Replace with median", generate_missing_value_indicator_column=True)
    t = out["cleaning_transformation"]
    pd.testing.assert_frame_equal(t.transform(train), out["cleaned_dataset"])
    new = pd.DataFrame({"a": [np.nan, 100.0], "b": [np.nan, np.nan], "n": [1, 2],
                        "s": ["a", "b"], "k": [1, 2]})
    applied = t.transform(new)
    assert applied["a"].tolist() == [train["a"].median(), 100.0]
    assert applied["b"].tolist() == [train["b"].median()] * 2
    assert applied["a_IsMissing"].tolist() == [True, False]
    with pytest.raises(ComponentError, match="'b'"):
        t.transform(new.drop(columns=["b"]))


def _fitted(df, **params):
    spec = REGISTRY.get("Clean Missing Data")
    params = {"columns_to_be_cleaned": {"begin_with": "all", "rules": []}, **params}
    return spec.run(RunContext(spec), {"dataset": df}, spec.resolve_params(params))[
        "cleaning_transformation"]


def apply(t, df, label_columns=None):
    params = {} if label_columns is None else {"label_columns": label_columns}
    return run("Apply Transformation", {"transformation": t, "dataset": df},
               **params)["transformed_dataset"]


def test_cleaning_for_scoring_passes_label_columns_through():
    """Data to score lacks the label (or has it missing): no row is removed for it, it is not
    filled in, and scoring it does not require it."""
    df = frame()[["a", "b", "k"]].rename(columns={"b": "label"})
    train = df.dropna(subset=["a"]).reset_index(drop=True)
    new = df.drop(columns=["label"])
    remove = _fitted(df, cleaning_mode="Remove entire row")
    with pytest.raises(ComponentError, match="no column 'label'.*same columns as the training"):
        apply(remove, new)
    out = apply(remove, new, ["label"])
    pd.testing.assert_frame_equal(out, new.dropna().reset_index(drop=True))
    # present and missing, the label removes no row and stays missing
    out = apply(remove, df, ["label"])
    pd.testing.assert_frame_equal(out, train)
    assert out["label"].isna().sum() == 1
    mean = _fitted(df, cleaning_mode="Replace with mean",
                   generate_missing_value_indicator_column=True)
    out = apply(mean, df, ["label"])
    assert out["label"].isna().sum() == 1 and out["a"].notna().all()
    assert out["label_IsMissing"].sum() == 1  # a present label keeps its indicator
    out = apply(mean, new, ["label"])
    assert list(out.columns) == ["a", "k", "a_IsMissing", "k_IsMissing"]
    pd.testing.assert_frame_equal(out[["a", "k"]], apply(mean, df)[["a", "k"]])
    # another absent column is still an error, naming it and what to do
    with pytest.raises(ComponentError, match=r"no column 'a'.*only the label column 'label' may "
                                             r"be left out"):
        apply(remove, new.drop(columns=["a"]), ["label"])


def test_cleaning_for_scoring_mice_without_the_label():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    df = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": x[:, 0] * 2 + x[:, 1]})
    df.loc[[3, 7, 11], "x1"] = np.nan
    t = _fitted(df, cleaning_mode="Replace using MICE")
    out = apply(t, df.drop(columns=["y"]), ["y"])
    assert list(out.columns) == ["x1", "x2"] and out["x1"].notna().all()
    pd.testing.assert_series_equal(out["x2"], df["x2"])
    kept = df["x1"].notna()
    pd.testing.assert_series_equal(out["x1"][kept], df["x1"][kept])


def test_apply_transformation_pads_absent_label_columns_for_other_transformations():
    df = frame()[["a", "b", "k"]]
    t = run("Normalize Data", {"dataset": df}, columns_to_transform=["a", "b"])[
        "transformation_function"]
    with pytest.raises(ComponentError, match="no column 'b'"):
        apply(t, df.drop(columns=["b"]))
    out = apply(t, df.drop(columns=["b"]), ["b"])
    assert list(out.columns) == ["a", "k"]
    pd.testing.assert_series_equal(out["a"], apply(t, df)["a"])


def test_clean_keeps_column_roles():
    df = frame()
    set_roles(df, {"k": "label"})
    out = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["a"],
              cleaning_mode="Replace with mean")["cleaned_dataset"]
    assert get_roles(out) == {"k": "label"}


def test_clean_mice_agrees_with_iterative_imputer():
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    x[:, 2] = x[:, 0] * 2 + x[:, 1]
    x[rng.random((50, 3)) < 0.1] = np.nan
    df = pd.DataFrame(x, columns=["p", "q", "r"])
    out = run("Clean Missing Data", {"dataset": df}, columns_to_be_cleaned=["p", "q", "r"],
              cleaning_mode="Replace using MICE", number_of_iterations=7)
    expected = IterativeImputer(max_iter=7, random_state=0).fit_transform(x)
    np.testing.assert_allclose(out["cleaned_dataset"].to_numpy(), expected)
    pd.testing.assert_frame_equal(out["cleaning_transformation"].transform(df),
                                  out["cleaned_dataset"])


def test_clean_parameters_visible_per_mode():
    spec = REGISTRY.get("Clean Missing Data")
    custom = {"cleaning_mode": "Custom substitution value"}
    assert spec.param("replacement_value").is_visible(custom)
    assert not spec.param("replacement_value").is_visible({"cleaning_mode": "Replace with mean"})
    assert spec.param("cols_with_all_missing_values").is_visible({"cleaning_mode": "Replace with mode"})
    assert not spec.param("generate_missing_value_indicator_column").is_visible(
        {"cleaning_mode": "Remove entire row"})
    # a hidden parameter's bad value is ignored, a visible one's is an error
    resolved = spec.resolve_params({"columns_to_be_cleaned": ["a"], "cleaning_mode": "Remove entire row",
                                    "number_of_iterations": 99})
    assert resolved["number_of_iterations"] == 5
    with pytest.raises(ParameterError, match="Number of Iterations"):
        spec.resolve_params({"columns_to_be_cleaned": ["a"], "cleaning_mode": "Replace using MICE",
                             "number_of_iterations": 99})
    with pytest.raises(ParameterError, match="Columns to be cleaned"):
        spec.resolve_params({})


def test_clean_unknown_column_is_named():
    with pytest.raises(DesignerError, match="'nope'"):
        run("Clean Missing Data", {"dataset": frame()}, columns_to_be_cleaned=["nope"])


# =========================================================================================
# Clip Values
# =========================================================================================
def clip_frame():
    return pd.DataFrame({"v": [float(i) for i in range(1, 11)], "w": list(range(10, 0, -1)),
                         "t": list("abcdefghij")})


def test_clip_peaks_with_constant_threshold():
    out = run("Clip Values", {"dataset": clip_frame()}, constant_value_for_upper_threshold=7,
              list_of_columns=["v"])["result_dataset"]
    assert out["v"].tolist() == [1, 2, 3, 4, 5, 6, 7, 7, 7, 7]
    assert out["v"].dtype == np.float64
    assert out["w"].tolist() == list(range(10, 0, -1))


def test_clip_percentiles_agree_with_numpy_and_keep_boundary_values():
    df = clip_frame()
    out = run("Clip Values", {"dataset": df}, set_of_thresholds="ClipPeaksAndSubpeaks",
              threshold="Percentile", percentile_value_for_upper_threshold=60,
              percentile_value_for_lower_threshold=40, list_of_columns=["v", "w"])["result_dataset"]
    for c in ("v", "w"):
        x = df[c].to_numpy(dtype=float)
        up, low = np.percentile(x, 60), np.percentile(x, 40)
        np.testing.assert_allclose(out[c], np.clip(x, low, up))


def test_clip_substitutes_mean_median_missing():
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0, 100.0, -50.0, np.nan]})
    out = run("Clip Values", {"dataset": df}, set_of_thresholds="ClipPeaksAndSubpeaks",
              constant_value_for_upper_threshold=10, constant_value_for_lower_threshold=0,
              substitute_value_for_peaks="Mean", substitute_value_for_subpeaks="Median",
              list_of_columns=["v"])["result_dataset"]
    mean, median = np.nanmean(df["v"]), np.nanmedian(df["v"])  # computed before clipping
    np.testing.assert_allclose(out["v"], [1, 2, 3, mean, median, np.nan])
    missing = run("Clip Values", {"dataset": df}, set_of_thresholds="ClipSubpeaks",
                  constant_value_for_lower_threshold=1.5, substitute_value_for_subpeaks="Missing",
                  list_of_columns=["v"])["result_dataset"]
    np.testing.assert_allclose(missing["v"], [np.nan, 2, 3, 100, np.nan, np.nan])


def test_clip_without_overwrite_adds_columns_next_to_source():
    params = dict(set_of_thresholds="ClipPeaks", constant_value_for_upper_threshold=8,
                  list_of_columns=["v", "w"], overwrite_flag=False, add_indicator_columns=True)
    out = run("Clip Values", {"dataset": clip_frame()}, **params)["result_dataset"]
    assert list(out.columns) == ["v", "v_clipped_value", "v_clipped", "w", "w_clipped_value",
                                 "w_clipped", "t"]
    assert out["v"].tolist() == list(range(1, 11))
    assert out["v_clipped"].tolist() == [False] * 8 + [True] * 2
    assert_schema_matches("Clip Values", {"dataset": clip_frame()}, params,
                          {"result_dataset": out})


def test_clip_refuses_text_columns():
    with pytest.raises(ComponentError) as err:
        run("Clip Values", {"dataset": clip_frame()}, list_of_columns=["v", "t"])
    assert "'t' (string)" in str(err.value) and "List of columns" in str(err.value)


def test_clip_parameters_visible_per_threshold_set():
    spec = REGISTRY.get("Clip Values")
    peaks = {"set_of_thresholds": "ClipPeaks", "threshold": "Constant"}
    assert spec.param("constant_value_for_upper_threshold").is_visible(peaks)
    assert not spec.param("constant_value_for_lower_threshold").is_visible(peaks)
    assert not spec.param("percentile_value_for_upper_threshold").is_visible(peaks)
    both = {"set_of_thresholds": "ClipPeaksAndSubpeaks", "threshold": "Percentile"}
    assert spec.param("percentile_value_for_lower_threshold").is_visible(both)
    assert spec.param("substitute_value_for_subpeaks").is_visible(both)
    # the reference spelling "ClipSubPeaks" is accepted
    assert spec.resolve_params({"set_of_thresholds": "ClipSubPeaks"})["set_of_thresholds"] == \
        "ClipSubpeaks"


# =========================================================================================
# Apply Math Operation
# =========================================================================================
def math_frame():
    return pd.DataFrame({"x": [-2.0, 0.5, 1.0, 4.0, np.nan], "y": [1.0, 2.0, 3.0, 0.0, 5.0],
                         "z": [3, 1, 4, 1, 5], "t": list("abcde")})


@pytest.mark.parametrize("fn, ref", [("Abs", np.abs), ("Exp", np.exp), ("Log10", np.log10),
                                     ("Sqrt", np.sqrt), ("Sign", np.sign), ("Square", np.square),
                                     ("Ln", np.log), ("Cuberoot", np.cbrt)])
def test_math_basic_unary_agrees_with_numpy(fn, ref):
    df = math_frame()
    out = run("Apply Math Operation", {"dataset": df}, basic_math_function=fn,
              column_set=["x", "z"])["result_dataset"]
    assert list(out.columns) == ["x", "y", "z", "t", f"{fn}(x)", f"{fn}(z)"]
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(out[f"{fn}(x)"], ref(df["x"].to_numpy()))
        np.testing.assert_allclose(out[f"{fn}(z)"], ref(df["z"].to_numpy(dtype=float)))


def test_math_binary_with_constant_and_column():
    df = math_frame()
    logs = run("Apply Math Operation", {"dataset": df}, basic_math_function="Log",
               basic_constant=2, column_set=["y"], output_mode="ResultOnly")["result_dataset"]
    assert list(logs.columns) == ["Log(y_$2)"]
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(logs["Log(y_$2)"], np.log2(df["y"]))
    powers = run("Apply Math Operation", {"dataset": df}, basic_math_function="Pow",
                 basic_argument_type="ColumnSet", basic_column_set=["z"], column_set=["y"],
                 output_mode="ResultOnly")["result_dataset"]
    np.testing.assert_allclose(powers["Pow(y_z)"], df["y"] ** df["z"])
    half = run("Apply Math Operation", {"dataset": df}, basic_math_function="Pow",
               basic_constant=0.5, column_set=["z"], output_mode="ResultOnly")["result_dataset"]
    assert list(half.columns) == ["Pow(z_$0.5)"]


def test_math_compare_gives_booleans_and_nan_is_false():
    df = math_frame()
    out = run("Apply Math Operation", {"dataset": df}, category="Compare",
              comparison_function="GreaterThan", compare_constant=0.75,
              column_set=["x"])["result_dataset"]
    assert out["GreaterThan(x_$0.75)"].tolist() == [False, False, True, True, False]
    assert out["GreaterThan(x_$0.75)"].dtype == bool
    pair = run("Apply Math Operation", {"dataset": df}, category="Compare",
               comparison_function="PairMax", compare_argument_type="ColumnSet",
               compare_column_set=["y"], column_set=["z"], output_mode="ResultOnly")
    np.testing.assert_allclose(pair["result_dataset"]["PairMax(z_y)"], np.maximum(df["z"], df["y"]))


def test_math_operations_pair_columns_as_reference():
    df = math_frame()
    # one column on one side pairs with every column on the other
    out = run("Apply Math Operation", {"dataset": df}, category="Operations",
              arithmetic_operation="Subtract", operations_argument_type="ColumnSet",
              operations_column_set=["z"], column_set=["x", "y"],
              output_mode="ResultOnly")["result_dataset"]
    assert list(out.columns) == ["Subtract(x_z)", "Subtract(y_z)"]
    np.testing.assert_allclose(out["Subtract(y_z)"], df["y"] - df["z"])
    # equal counts pair up in order
    out = run("Apply Math Operation", {"dataset": df}, category="Operations",
              arithmetic_operation="Divide", operations_argument_type="ColumnSet",
              operations_column_set=["y", "z"], column_set=["x", "y"],
              output_mode="ResultOnly")["result_dataset"]
    assert list(out.columns) == ["Divide(x_y)", "Divide(y_z)"]
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(out["Divide(x_y)"], df["x"] / df["y"])  # 4/0 = inf
    with pytest.raises(ComponentError, match="same number"):
        run("Apply Math Operation", {"dataset": df}, category="Operations",
            operations_argument_type="ColumnSet", operations_column_set=["x", "y", "z"],
            column_set=["x", "y"])
    with pytest.raises(ComponentError, match="Inplace"):
        run("Apply Math Operation", {"dataset": df}, category="Operations",
            operations_argument_type="ColumnSet", operations_column_set=["x", "y"],
            column_set=["z"], output_mode="Inplace")


def test_math_output_modes():
    df = math_frame()
    inplace = run("Apply Math Operation", {"dataset": df}, category="Operations",
                  arithmetic_operation="Multiply", operations_constant=10, column_set=["y", "z"],
                  output_mode="Inplace")["result_dataset"]
    assert list(inplace.columns) == ["x", "y", "z", "t"]
    assert inplace["z"].tolist() == [30.0, 10.0, 40.0, 10.0, 50.0]
    # appended names that already exist get "(2)"
    df2 = df.assign(**{"Abs(x)": 1})
    app = run("Apply Math Operation", {"dataset": df2}, column_set=["x"])["result_dataset"]
    assert list(app.columns)[-2:] == ["Abs(x)", "Abs(x)(2)"]


@pytest.mark.parametrize("fn, precision, expected", [
    ("RoundDigits", 1, [-2.0, 0.5, 1.0, 4.0]),
    ("Truncate", 0, [-2.0, 0.0, 1.0, 4.0]),
    ("RoundUp", 0, [-2.0, 1.0, 1.0, 4.0]),
    ("RoundDown", 0, [-2.0, 0.0, 1.0, 4.0]),
    ("Ceiling", 0, [-2.0, 1.0, 1.0, 4.0]),
    ("Floor", 2, [-2.0, 0.0, 0.0, 4.0]),
    ("Ceiling", 2, [-2.0, 2.0, 2.0, 4.0]),
])
def test_math_rounding(fn, precision, expected):
    df = math_frame().iloc[:4]
    out = run("Apply Math Operation", {"dataset": df}, category="Rounding", rounding_operation=fn,
              rounding_constant=precision, column_set=["x"], output_mode="ResultOnly")
    np.testing.assert_allclose(out["result_dataset"].iloc[:, 0], expected)


def test_math_round_digits_rounds_half_away_from_zero():
    df = pd.DataFrame({"v": [2.345, -2.345, 0.125, 2.5]})
    out = run("Apply Math Operation", {"dataset": df}, category="Rounding",
              rounding_operation="RoundDigits", rounding_constant=0, column_set=["v"],
              output_mode="ResultOnly")["result_dataset"]
    assert out.iloc[:, 0].tolist() == [2.0, -2.0, 0.0, 3.0]


def test_math_special_functions_agree_with_scipy():
    from scipy import integrate, special

    df = pd.DataFrame({"v": [-1.5, 0.25, 1.0, 2.5]})
    for fn, ref in (("Erf", special.erf), ("Gamma", special.gamma), ("Erfc", special.erfc)):
        out = run("Apply Math Operation", {"dataset": df}, category="Special",
                  special_function=fn, column_set=["v"], output_mode="ResultOnly")
        np.testing.assert_allclose(out["result_dataset"][f"{fn}(v)"], ref(df["v"]))
    ein = run("Apply Math Operation", {"dataset": df}, category="Special",
              special_function="ExponentialIntegralEin", column_set=["v"],
              output_mode="ResultOnly")["result_dataset"].iloc[:, 0]
    for x, got in zip(df["v"], ein):
        expected = integrate.quad(lambda t: (1 - math.exp(-t)) / t, 0, x)[0]
        assert got == pytest.approx(expected, rel=1e-9)
    beta = run("Apply Math Operation", {"dataset": df.abs()}, category="Special",
               special_function="Beta", special_constant=2, column_set=["v"],
               output_mode="ResultOnly")["result_dataset"].iloc[:, 0]
    np.testing.assert_allclose(beta, special.beta(df["v"].abs(), 2))


def test_math_trigonometric():
    df = pd.DataFrame({"deg": [0.0, 30.0, 90.0]})
    out = run("Apply Math Operation", {"dataset": df}, category="Trigonometric",
              trigonometric_function="SinDegrees", column_set=["deg"],
              output_mode="ResultOnly")["result_dataset"]
    np.testing.assert_allclose(out["SinDegrees(deg)"], [0.0, 0.5, 1.0], atol=1e-12)


def test_math_refuses_text_columns():
    with pytest.raises(ComponentError) as err:
        run("Apply Math Operation", {"dataset": math_frame()}, column_set=["x", "t"])
    assert "'t' (string)" in str(err.value) and "Column set" in str(err.value)


def test_math_schema_matches_and_visibility():
    df = math_frame()
    params = {"category": "Compare", "comparison_function": "EqualTo",
              "compare_argument_type": "ColumnSet", "compare_column_set": ["y"],
              "column_set": ["x", "z"]}
    out = run("Apply Math Operation", {"dataset": df}, **params)
    assert_schema_matches("Apply Math Operation", {"dataset": df}, params, out)
    spec = REGISTRY.get("Apply Math Operation")
    basic_abs = {"category": "Basic", "basic_math_function": "Abs"}
    assert not spec.param("basic_argument_type").is_visible(basic_abs)
    basic_log = {"category": "Basic", "basic_math_function": "Log",
                 "basic_argument_type": "Constant"}
    assert spec.param("basic_argument_type").is_visible(basic_log)
    assert spec.param("basic_constant").is_visible(basic_log)
    assert not spec.param("basic_column_set").is_visible(basic_log)
    assert not spec.param("rounding_operation").is_visible(basic_log)
    assert spec.param("rounding_argument_type").label == "Precision type"


# =========================================================================================
# Normalize Data
# =========================================================================================
def norm_frame():
    rng = np.random.default_rng(3)
    return pd.DataFrame({"a": rng.normal(5, 2, 30), "b": rng.integers(1, 100, 30),
                         "c": np.full(30, 7.0), "p": rng.lognormal(1.0, 0.5, 30),
                         "t": ["x"] * 30})


def test_zscore_agrees_with_standard_scaler_population_std():
    from sklearn.preprocessing import StandardScaler

    df = norm_frame()
    out = run("Normalize Data", {"dataset": df}, columns_to_transform=["a", "b"])
    expected = StandardScaler().fit_transform(df[["a", "b"]])
    np.testing.assert_allclose(out["transformed_dataset"][["a", "b"]].to_numpy(), expected)
    assert out["transformed_dataset"]["b"].dtype == np.float64
    assert out["transformation_function"].stats["a"]["std"] == pytest.approx(df["a"].std(ddof=0))


def test_minmax_agrees_with_minmax_scaler_and_transforms_new_data():
    from sklearn.preprocessing import MinMaxScaler

    df = norm_frame()
    out = run("Normalize Data", {"dataset": df}, transformation_method="MinMax",
              columns_to_transform=["a", "b"])
    scaler = MinMaxScaler().fit(df[["a", "b"]])
    np.testing.assert_allclose(out["transformed_dataset"][["a", "b"]], scaler.transform(df[["a", "b"]]))
    new = pd.DataFrame({"a": [-100.0, 5.0], "b": [1000, 50], "c": [1.0, 2.0], "p": [1.0, 2.0],
                        "t": ["u", "v"]})
    applied = out["transformation_function"].transform(new)
    np.testing.assert_allclose(applied[["a", "b"]], scaler.transform(new[["a", "b"]]))


def test_logistic_tanh_lognormal():
    from scipy.special import expit
    from scipy.stats import lognorm

    df = norm_frame()
    logistic = run("Normalize Data", {"dataset": df}, transformation_method="Logistic",
                   columns_to_transform=["a"])["transformed_dataset"]
    np.testing.assert_allclose(logistic["a"], expit(df["a"]))
    tanh = run("Normalize Data", {"dataset": df}, transformation_method="TanH",
               columns_to_transform=["a"])["transformed_dataset"]
    np.testing.assert_allclose(tanh["a"], np.tanh(df["a"]))
    lognormal = run("Normalize Data", {"dataset": df}, transformation_method="LogNormal",
                    columns_to_transform=["p"])["transformed_dataset"]
    shape, loc, scale = lognorm.fit(df["p"], floc=0)
    np.testing.assert_allclose(lognormal["p"], lognorm.cdf(df["p"], shape, loc, scale),
                               rtol=1e-6)


@pytest.mark.parametrize("method", ["ZScore", "MinMax", "LogNormal"])
def test_constant_columns_give_zero_or_nan(method):
    df = norm_frame()
    zero = run("Normalize Data", {"dataset": df}, transformation_method=method,
               columns_to_transform=["c"])["transformed_dataset"]
    assert (zero["c"] == 0).all()
    nan = run("Normalize Data", {"dataset": df}, transformation_method=method,
              columns_to_transform=["c"],
              use_0_for_constant_columns_when_checked=False)["transformed_dataset"]
    assert nan["c"].isna().all()


def test_normalize_default_selects_all_numeric_and_refuses_text():
    df = norm_frame()
    out = run("Normalize Data", {"dataset": df})["transformed_dataset"]
    assert out["t"].tolist() == df["t"].tolist()
    assert out["a"].mean() == pytest.approx(0, abs=1e-12)
    with pytest.raises(DesignerError) as err:
        run("Normalize Data", {"dataset": df}, columns_to_transform=["a", "t"])
    assert "'t' (string)" in str(err.value) and "Columns to transform" in str(err.value)


def test_normalize_constant_option_visibility():
    spec = REGISTRY.get("Normalize Data")
    p = spec.param("use_0_for_constant_columns_when_checked")
    assert p.is_visible({"transformation_method": "ZScore"})
    assert not p.is_visible({"transformation_method": "TanH"})


# =========================================================================================
# Group Data into Bins
# =========================================================================================
def bins_frame():
    rng = np.random.default_rng(5)
    return pd.DataFrame({"v": rng.normal(0, 1, 50).round(3), "w": rng.integers(0, 30, 50),
                         "t": ["q"] * 50})


def test_quantiles_agree_with_pandas_qcut():
    df = bins_frame()
    out = run("Group Data into Bins", {"dataset": df}, columns_to_bin=["v", "w"],
              number_of_bins=5, quantile_normalization="Quantile Index",
              tag_columns_as_categorical=False)["quantized_dataset"]
    for c in ("v", "w"):
        expected = pd.qcut(df[c], 5, labels=False, duplicates="drop") + 1
        assert out[f"{c}_quantized"].tolist() == expected.tolist()
    assert out["v_quantized"].dtype == np.int64


@pytest.mark.parametrize("norm, scale", [("Percent", 100.0), ("PQuantile", 1.0)])
def test_quantile_normalization(norm, scale):
    df = bins_frame()
    out = run("Group Data into Bins", {"dataset": df}, columns_to_bin=["v"], number_of_bins=4,
              quantile_normalization=norm, tag_columns_as_categorical=False)["quantized_dataset"]
    index = pd.qcut(df["v"], 4, labels=False) + 1
    np.testing.assert_allclose(out["v_quantized"], index / 5 * scale)


def test_equal_width_agrees_with_pandas_cut():
    df = bins_frame()
    out = run("Group Data into Bins", {"dataset": df}, binning_mode="Equal Width",
              columns_to_bin=["v"], number_of_bins=6, output_mode="Inplace",
              tag_columns_as_categorical=False)["quantized_dataset"]
    assert out["v"].tolist() == (pd.cut(df["v"], 6, labels=False) + 1).tolist()
    assert list(out.columns) == ["v", "w", "t"]


def test_custom_edges_and_categorical_output():
    df = pd.DataFrame({"v": [-5.0, 0.0, 0.5, 3.0, 3.0001, 9.0, np.nan]})
    out = run("Group Data into Bins", {"dataset": df}, binning_mode="Custom Edges",
              columns_to_bin=["v"], comma_separated_list_of_bin_edges="0, 3",
              output_mode="Result Only")["quantized_dataset"]
    col = out["v"]
    assert isinstance(col.dtype, pd.CategoricalDtype)
    assert list(col.cat.categories) == [1, 2, 3]
    assert col.tolist()[:6] == [1, 1, 2, 2, 3, 3] and pd.isna(col.tolist()[6])
    assert list(out.columns) == ["v"]


def test_binning_transformation_on_new_data_uses_training_edges():
    df = bins_frame()
    out = run("Group Data into Bins", {"dataset": df}, columns_to_bin=["v"], number_of_bins=4,
              quantile_normalization="Quantile Index", tag_columns_as_categorical=False)
    t = out["binning_transformation"]
    pd.testing.assert_frame_equal(t.transform(df), out["quantized_dataset"])
    new = pd.DataFrame({"v": [-100.0, 100.0, df["v"].median()], "w": [1, 2, 3], "t": list("abc")})
    assert t.transform(new)["v_quantized"].tolist() == [1, 4, 2]


def test_bins_append_names_are_deduplicated():
    df = bins_frame().assign(v_quantized=0)
    out = run("Group Data into Bins", {"dataset": df}, columns_to_bin=["v"])["quantized_dataset"]
    assert "v_quantized_2" in out.columns
    assert_schema_matches("Group Data into Bins", {"dataset": df}, {"columns_to_bin": ["v"]},
                          {"quantized_dataset": out})


@pytest.mark.parametrize("edges, fragment", [("3, 1", "ascending"), ("1, x", "numbers"),
                                             ("1, 1", "ascending")])
def test_bad_bin_edges(edges, fragment):
    with pytest.raises(ComponentError, match=fragment):
        run("Group Data into Bins", {"dataset": bins_frame()}, binning_mode="Custom Edges",
            columns_to_bin=["v"], comma_separated_list_of_bin_edges=edges)


def test_bins_refuse_text_and_all_missing_columns():
    df = bins_frame().assign(e=np.nan)
    with pytest.raises(ComponentError, match="'t' \\(string\\)"):
        run("Group Data into Bins", {"dataset": df}, columns_to_bin=["v", "t"])
    with pytest.raises(ComponentError, match="only missing values"):
        run("Group Data into Bins", {"dataset": df}, columns_to_bin=["e"])


def test_bins_parameters_visible_per_mode():
    spec = REGISTRY.get("Group Data into Bins")
    assert spec.param("quantile_normalization").is_visible({"binning_mode": "Quantiles"})
    assert not spec.param("quantile_normalization").is_visible({"binning_mode": "Equal Width"})
    assert spec.param("comma_separated_list_of_bin_edges").is_visible({"binning_mode": "Custom Edges"})
    assert not spec.param("number_of_bins").is_visible({"binning_mode": "Custom Edges"})
    with pytest.raises(ParameterError, match="Comma-separated list of bin edges"):
        spec.resolve_params({"binning_mode": "Custom Edges", "columns_to_bin": ["v"]})
