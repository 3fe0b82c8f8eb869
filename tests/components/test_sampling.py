"""Split Data, Partition and Sample, SMOTE."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.components.data_transformation import sampling
from jupyter_designer.components.data_transformation.sampling import FOLD_COLUMN
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError, DesignerError, ParameterError
from jupyter_designer.engine.ports import DATASET
from jupyter_designer.engine.schema import Schema, get_roles, set_roles


def run(name, inputs, **params):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec), inputs, spec.resolve_params(params))


def predicted(name, inputs, **params):
    spec = REGISTRY.get(name)
    return spec.infer_schema({k: Schema.from_frame(v) for k, v in inputs.items()},
                             spec.resolve_params(params))


def frame(n=40, seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "id": np.arange(n),
        "Year": rng.integers(2000, 2021, n),
        "Text": rng.choice(["the Gryphon", "Alice", "the Mock Turtle"], n),
        "x": rng.normal(size=n),
        "label": np.where(np.arange(n) % 4 == 0, "yes", "no"),
    })


# -- contract ------------------------------------------------------------------------------
@pytest.mark.parametrize("component_id", sorted(sampling.EXAMPLES))
def test_examples_contract(component_id):
    spec = REGISTRY.get(component_id)
    inputs, params = sampling.EXAMPLES[component_id]()
    resolved = spec.resolve_params(params)
    first = spec.run(RunContext(spec), inputs, resolved)
    second = spec.run(RunContext(spec), sampling.EXAMPLES[component_id]()[0], resolved)
    pred = spec.infer_schema({k: Schema.from_frame(v) for k, v in inputs.items()}, resolved)
    assert set(first) == {p.key for p in spec.outputs}
    for port in spec.outputs:
        assert port.type == DATASET
        assert isinstance(first[port.key], pd.DataFrame)
        pd.testing.assert_frame_equal(first[port.key], second[port.key])
        assert Schema.from_frame(first[port.key]) == pred[port.key]


def test_declarations():
    for cid, sub in (("split_data", "Sample and Split"), ("partition_and_sample", "Sample and Split"),
                     ("smote", "Manipulation")):
        spec = REGISTRY.get(cid)
        assert spec.category == "Data Transformation" and spec.subcategory == sub
        assert spec.training_only
    split = REGISTRY.get("Split Data")
    assert [p.label for p in split.outputs] == ["Results dataset1", "Results dataset2"]


# =========================================================================================
# Split Data
# =========================================================================================
def test_randomized_split_rows_matches_hand_computation():
    df = frame(37)
    out = run("Split Data", {"dataset": df}, fraction_of_rows_in_the_first_output_dataset=0.7,
              random_seed=123)
    # documented algorithm: RandomState(seed).permutation, first round(n * f) rows, then each
    # part shuffled once more with the same RandomState
    rs = np.random.RandomState(123)
    perm = rs.permutation(37)
    n1 = round(37 * 0.7)
    first, second = perm[:n1].copy(), perm[n1:].copy()
    rs.shuffle(first)
    rs.shuffle(second)
    pd.testing.assert_frame_equal(out["results_dataset1"], df.iloc[first].reset_index(drop=True))
    pd.testing.assert_frame_equal(out["results_dataset2"], df.iloc[second].reset_index(drop=True))


def test_split_rows_is_a_partition_and_seed_matters():
    df = frame(50)
    a = run("Split Data", {"dataset": df}, random_seed=1)
    b = run("Split Data", {"dataset": df}, random_seed=2)
    ids = sorted(a["results_dataset1"]["id"].tolist() + a["results_dataset2"]["id"].tolist())
    assert ids == list(range(50))
    assert len(a["results_dataset1"]) == 25
    assert a["results_dataset1"]["id"].tolist() != b["results_dataset1"]["id"].tolist()


def test_split_rows_not_randomized_keeps_order():
    df = frame(10)
    out = run("Split Data", {"dataset": df}, fraction_of_rows_in_the_first_output_dataset=0.3,
              randomized_split=False)
    assert out["results_dataset1"]["id"].tolist() == [0, 1, 2]
    assert out["results_dataset2"]["id"].tolist() == list(range(3, 10))


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_split_rows_extreme_fractions(fraction):
    df = frame(8)
    out = run("Split Data", {"dataset": df}, fraction_of_rows_in_the_first_output_dataset=fraction)
    assert len(out["results_dataset1"]) == 8 * fraction
    assert list(out["results_dataset2"].columns) == list(df.columns)


def test_stratified_split_agrees_with_train_test_split_proportions():
    from sklearn.model_selection import train_test_split

    df = frame(100)  # 25 "yes", 75 "no"
    out = run("Split Data", {"dataset": df}, fraction_of_rows_in_the_first_output_dataset=0.6,
              stratified_split="True", stratification_key_column="label", random_seed=9)
    train, test = train_test_split(df, train_size=0.6, stratify=df["label"], random_state=9)
    for mine, theirs in ((out["results_dataset1"], train), (out["results_dataset2"], test)):
        assert mine["label"].value_counts().to_dict() == theirs["label"].value_counts().to_dict()
    # and exactly the documented per-stratum computation
    rs = np.random.RandomState(9)
    parts1, parts2 = [], []
    for value in sorted(df["label"].unique()):
        g = np.flatnonzero(df["label"] == value)
        g = g[rs.permutation(len(g))]
        n1 = round(len(g) * 0.6)
        parts1.append(g[:n1])
        parts2.append(g[n1:])
    first, second = np.concatenate(parts1), np.concatenate(parts2)
    rs.shuffle(first)
    rs.shuffle(second)
    assert out["results_dataset1"]["id"].tolist() == first.tolist()
    assert out["results_dataset2"]["id"].tolist() == second.tolist()


def test_stratified_split_missing_keys_form_a_group():
    df = frame(20)
    df.loc[[0, 1, 2, 3], "label"] = None
    out = run("Split Data", {"dataset": df}, stratified_split=True,
              stratification_key_column="label")
    assert out["results_dataset1"]["label"].isna().sum() == 2


def test_split_keeps_roles():
    df = frame(10)
    set_roles(df, {"label": "label"})
    out = run("Split Data", {"dataset": df})
    assert get_roles(out["results_dataset1"]) == {"label": "label"}
    assert get_roles(out["results_dataset2"]) == {"label": "label"}


def test_regular_expression_split():
    df = frame(30)
    out = run("Split Data", {"dataset": df}, splitting_mode="Regular Expression",
              regular_expression='\\"Text" Gryphon')
    assert out["results_dataset1"]["Text"].eq("the Gryphon").all()
    assert not out["results_dataset2"]["Text"].str.contains("Gryphon").any()
    assert len(out["results_dataset1"]) + len(out["results_dataset2"]) == 30
    by_index = run("Split Data", {"dataset": df}, splitting_mode="Regular Expression Split",
                   regular_expression="(\\3) ^Alice")
    assert by_index["results_dataset1"]["Text"].eq("Alice").all()
    assert len(by_index["results_dataset1"]) == (df["Text"] == "Alice").sum()


def test_relative_expression_split():
    df = frame(60)
    out = run("Split Data", {"dataset": df}, splitting_mode="Relative Expression",
              relational_expression='\\"Year" > 2010')
    assert out["results_dataset1"]["id"].tolist() == df.loc[df["Year"] > 2010, "id"].tolist()
    compound = run("Split Data", {"dataset": df}, splitting_mode="Relative Expression",
                   relational_expression='\\"Year" >= 2005 & <= 2010 | == 2020')
    mask = ((df["Year"] >= 2005) & (df["Year"] <= 2010)) | (df["Year"] == 2020)
    assert compound["results_dataset1"]["id"].tolist() == df.loc[mask, "id"].tolist()
    text = run("Split Data", {"dataset": df}, splitting_mode="Relative Expression",
               relational_expression='\\"Text" == Alice')
    assert text["results_dataset1"]["Text"].eq("Alice").all()


def test_relative_expression_on_dates_and_missing_values():
    df = pd.DataFrame({"when": pd.to_datetime(["2019-05-01", "2021-01-01", None, "2020-06-30"]),
                       "v": [1.0, np.nan, 3.0, 4.0]})
    out = run("Split Data", {"dataset": df}, splitting_mode="Relative Expression",
              relational_expression='\\"when" < 2020-07-01')
    assert len(out["results_dataset1"]) == 2
    out = run("Split Data", {"dataset": df}, splitting_mode="Relative Expression",
              relational_expression='\\"v" != 3')
    assert out["results_dataset1"]["v"].tolist() == [1.0, 4.0]  # missing satisfies nothing


@pytest.mark.parametrize("mode, key, expression, fragment", [
    ("Regular Expression", "regular_expression", '\\"Nope" x', "'Nope'"),
    ("Regular Expression", "regular_expression", "Text Gryphon", "must start with a column"),
    ("Regular Expression", "regular_expression", '\\"Text" (unclosed', "not a valid regular"),
    ("Regular Expression", "regular_expression", "(\\9) x", "index 9"),
    ("Relative Expression", "relational_expression", '\\"Year" ~ 3', "must start with one of"),
    ("Relative Expression", "relational_expression", '\\"Year" > abc', "cannot be compared"),
    ("Relative Expression", "relational_expression", '\\"Text" > abc', "only == and !="),
    ("Relative Expression", "relational_expression", '\\"Year"', "no condition"),
])
def test_expression_errors_are_clear(mode, key, expression, fragment):
    with pytest.raises(ComponentError) as err:
        run("Split Data", {"dataset": frame(5)}, splitting_mode=mode, **{key: expression})
    assert fragment in str(err.value) and "Split Data" in str(err.value)


def test_split_parameters_visible_per_mode():
    spec = REGISTRY.get("Split Data")
    rows = {"splitting_mode": "Split Rows", "stratified_split": "False"}
    assert spec.param("random_seed").is_visible(rows)
    assert not spec.param("stratification_key_column").is_visible(rows)
    assert spec.param("stratification_key_column").is_visible({**rows, "stratified_split": "True"})
    assert not spec.param("regular_expression").is_visible(rows)
    regex = {"splitting_mode": "Regular Expression", "stratified_split": "True"}
    assert spec.param("regular_expression").is_visible(regex)
    assert not spec.param("stratification_key_column").is_visible(regex)
    assert not spec.param("relational_expression").is_visible(regex)
    # hidden parameters are not validated; visible ones are
    spec.resolve_params({"splitting_mode": "Regular Expression", "random_seed": -5})
    with pytest.raises(ParameterError, match="Random seed"):
        spec.resolve_params({"random_seed": -5})
    with pytest.raises(ParameterError, match="Stratification key column"):
        spec.resolve_params({"stratified_split": "True"})


def test_split_schema_and_unknown_stratification_column():
    df = frame(5)
    pred = predicted("Split Data", {"dataset": df})
    assert pred["results_dataset1"] == pred["results_dataset2"] == Schema.from_frame(df)
    with pytest.raises(DesignerError, match="'nope'"):
        run("Split Data", {"dataset": df}, stratified_split="True",
            stratification_key_column="nope")


# =========================================================================================
# Partition and Sample
# =========================================================================================
def test_head():
    df = frame(12)
    out = run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Head",
              number_of_rows_to_select=5)["results_dataset"]
    pd.testing.assert_frame_equal(out, df.head(5))
    assert len(run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Head",
                   number_of_rows_to_select=100)["results_dataset"]) == 12


def test_sampling_matches_hand_computation():
    df = frame(200)
    out = run("Partition and Sample", {"dataset": df}, rate_of_sampling=0.15,
              random_seed_for_sampling=4)["results_dataset"]
    rs = np.random.RandomState(4)
    expected = rs.permutation(200)[:30]
    assert out["id"].tolist() == expected.tolist()


def test_stratified_sampling_keeps_proportions():
    df = frame(200)  # 50 yes / 150 no
    out = run("Partition and Sample", {"dataset": df}, rate_of_sampling=0.2,
              stratified_split_for_sampling="True",
              stratification_key_column_for_sampling="label")["results_dataset"]
    assert out["label"].value_counts().to_dict() == {"no": 30, "yes": 10}


def test_assign_to_folds_evenly():
    df = frame(23)
    out = run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds",
              specify_number_of_folds_to_split_evenly_into=4, random_seed=8)["results_dataset"]
    assert list(out.columns) == [*df.columns, FOLD_COLUMN]
    pd.testing.assert_frame_equal(out.drop(columns=[FOLD_COLUMN]), df)
    assert sorted(out[FOLD_COLUMN].value_counts().tolist()) == [5, 6, 6, 6]
    # the documented algorithm: sizes with the leftover rows given to shuffled folds, then
    # one permutation dealt out in fold order
    rs = np.random.RandomState(8)
    order = list(range(4))
    rs.shuffle(order)
    sizes = [5] * 4
    for i in range(23 % 4):
        sizes[order[i]] += 1
    perm = rs.permutation(23)
    expected = np.zeros(23, dtype=int)
    start = 0
    for f, size in enumerate(sizes):
        expected[perm[start:start + size]] = f
        start += size
    assert out[FOLD_COLUMN].tolist() == expected.tolist()


def test_assign_to_folds_stratified_and_custom_proportions():
    df = frame(40)  # 10 yes / 30 no
    out = run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds",
              specify_number_of_folds_to_split_evenly_into=5, stratified_split="True",
              stratification_key_column="label")["results_dataset"]
    per_fold = out.groupby(FOLD_COLUMN)["label"].value_counts().unstack()
    assert (per_fold["yes"] == 2).all() and (per_fold["no"] == 6).all()
    custom = run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds",
                 specify_the_partitioner_method="Partition with customized proportions",
                 list_of_proportions_separated_by_comma="0.5, 0.25")["results_dataset"]
    assert custom[FOLD_COLUMN].value_counts().sort_index().tolist() == [20, 10, 10]


def test_assign_to_folds_not_randomized_and_with_replacement():
    df = frame(10)
    plain = run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds",
                specify_number_of_folds_to_split_evenly_into=2,
                randomized_split=False)["results_dataset"]
    assert plain[FOLD_COLUMN].tolist() == [0] * 5 + [1] * 5
    repl = run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds",
               specify_number_of_folds_to_split_evenly_into=2,
               use_replacement_in_the_partitioning=True, random_seed=3)["results_dataset"]
    assert len(repl) == 10 and repl[FOLD_COLUMN].value_counts().tolist() == [5, 5]
    for f in (0, 1):
        assert repl.loc[repl[FOLD_COLUMN] == f, "id"].is_unique


def test_pick_fold_and_complement_downstream():
    df = frame(30)
    set_roles(df, {"label": "label"})
    folds = run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds",
                specify_number_of_folds_to_split_evenly_into=3, random_seed=2)["results_dataset"]
    picked = run("Partition and Sample", {"dataset": folds}, partition_or_sample_mode="Pick Fold",
                 specify_which_fold_to_be_sampled_from=2)["results_dataset"]
    rest = run("Partition and Sample", {"dataset": folds}, partition_or_sample_mode="Pick Fold",
               specify_which_fold_to_be_sampled_from=2,
               pick_complement_of_the_selected_fold=True)["results_dataset"]
    assert FOLD_COLUMN not in picked.columns and FOLD_COLUMN not in rest.columns
    assert picked["id"].tolist() == folds.loc[folds[FOLD_COLUMN] == 1, "id"].tolist()
    assert sorted(picked["id"].tolist() + rest["id"].tolist()) == list(range(30))
    assert get_roles(picked) == {"label": "label"}
    assert predicted("Partition and Sample", {"dataset": folds},
                     partition_or_sample_mode="Pick Fold")["results_dataset"] == \
        Schema.from_frame(picked)


def test_partition_errors():
    df = frame(4)
    with pytest.raises(ComponentError, match="Assign to Folds"):
        run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Pick Fold")
    folds = run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds",
                specify_number_of_folds_to_split_evenly_into=2)["results_dataset"]
    with pytest.raises(ComponentError, match="has 2 fold"):
        run("Partition and Sample", {"dataset": folds}, partition_or_sample_mode="Pick Fold",
            specify_which_fold_to_be_sampled_from=3)
    with pytest.raises(ComponentError, match="fewer than the 5 folds"):
        run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds")
    with pytest.raises(ComponentError, match="more than 1"):
        run("Partition and Sample", {"dataset": df}, partition_or_sample_mode="Assign to Folds",
            specify_the_partitioner_method="Partition with customized proportions",
            list_of_proportions_separated_by_comma="0.7, 0.6")
    with pytest.raises(ParameterError, match="Rate of sampling"):
        run("Partition and Sample", {"dataset": df}, rate_of_sampling=1.5)


def test_partition_parameters_visible_per_mode():
    spec = REGISTRY.get("Partition and Sample")
    folds = {"partition_or_sample_mode": "Assign to Folds",
             "specify_the_partitioner_method": "Partition evenly", "stratified_split": "False"}
    assert spec.param("specify_number_of_folds_to_split_evenly_into").is_visible(folds)
    assert not spec.param("list_of_proportions_separated_by_comma").is_visible(folds)
    assert not spec.param("stratification_key_column").is_visible(folds)
    assert spec.param("stratification_key_column").is_visible({**folds, "stratified_split": "True"})
    assert not spec.param("rate_of_sampling").is_visible(folds)
    pick = {"partition_or_sample_mode": "Pick Fold"}
    assert spec.param("specify_which_fold_to_be_sampled_from").is_visible(pick)
    assert not spec.param("random_seed").is_visible(pick)
    assert spec.param("number_of_rows_to_select").is_visible({"partition_or_sample_mode": "Head"})
    assert predicted("Partition and Sample", {"dataset": frame(3)},
                     **folds)["results_dataset"].names[-1] == FOLD_COLUMN


# =========================================================================================
# SMOTE
# =========================================================================================
def smote_frame(n_major=30, n_minor=8, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "f1": np.concatenate([rng.normal(0, 1, n_major), rng.normal(3, 0.5, n_minor)]),
        "f2": np.concatenate([rng.normal(0, 1, n_major), rng.normal(-2, 0.5, n_minor)]),
        "count": rng.integers(0, 10, n_major + n_minor),
        "label": [0] * n_major + [1] * n_minor,
    })


@pytest.mark.parametrize("percent, added", [(100, 8), (200, 16), (300, 24), (150, 12), (0, 0)])
def test_smote_adds_minority_rows_only(percent, added):
    df = smote_frame()
    out = run("SMOTE", {"samples": df}, label_column="label", smote_percentage=percent,
              number_of_nearest_neighbors=2)["results_dataset"]
    assert len(out) == len(df) + added
    assert (out["label"].iloc[len(df):] == 1).all()
    pd.testing.assert_frame_equal(out.iloc[:len(df)], df)
    assert list(out.columns) == list(df.columns)
    assert out["count"].dtype == df["count"].dtype


def test_smote_synthetic_rows_match_hand_computation():
    from sklearn.neighbors import NearestNeighbors

    df = smote_frame()[["f1", "f2", "label"]]
    out = run("SMOTE", {"samples": df}, label_column="label", smote_percentage=200,
              number_of_nearest_neighbors=3, random_seed=7)["results_dataset"]
    x = df.loc[df["label"] == 1, ["f1", "f2"]].to_numpy()
    neighbors = NearestNeighbors(n_neighbors=4).fit(x).kneighbors(x, return_distance=False)[:, 1:]
    rs = np.random.RandomState(7)
    picks = rs.randint(0, len(x) * 3, size=16)
    rows, cols = picks // 3, picks % 3
    steps = rs.uniform(size=(16, 1))
    expected = x[rows] + steps * (x[neighbors[rows, cols]] - x[rows])
    np.testing.assert_allclose(out[["f1", "f2"]].iloc[len(df):].to_numpy(), expected)


def test_smote_categorical_features_come_from_neighbors():
    df = smote_frame()
    df["colour"] = np.where(df["label"] == 1, "red", np.where(np.arange(len(df)) % 2, "blue", "green"))
    out = run("SMOTE", {"samples": df}, label_column="label",
              number_of_nearest_neighbors=3)["results_dataset"]
    assert out["colour"].iloc[len(df):].eq("red").all()
    assert out["count"].iloc[len(df):].between(0, 9).all()


def test_smote_is_deterministic_per_seed():
    df = smote_frame()
    a = run("SMOTE", {"samples": df}, label_column="label", random_seed=1)["results_dataset"]
    b = run("SMOTE", {"samples": df}, label_column="label", random_seed=1)["results_dataset"]
    c = run("SMOTE", {"samples": df}, label_column="label", random_seed=2)["results_dataset"]
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d.assign(label=np.arange(len(d)) % 3), "3 class(es)"),
    (lambda d: d.assign(label=1), "1 class(es)"),
    (lambda d: d.assign(label=np.linspace(0, 1, len(d))), "continuous"),
    (lambda d: d.assign(f1=np.where(np.arange(len(d)) == 3, np.nan, d["f1"])), "'f1'"),
    (lambda d: d.assign(f2=np.inf), "'f2'"),
])
def test_smote_bad_input(change, fragment):
    with pytest.raises(ComponentError) as err:
        run("SMOTE", {"samples": change(smote_frame())}, label_column="label")
    assert fragment in str(err.value) and "SMOTE" in str(err.value)


def test_smote_too_many_neighbors_and_text_only_features():
    with pytest.raises(ComponentError, match="at most 7"):
        run("SMOTE", {"samples": smote_frame()}, label_column="label",
            number_of_nearest_neighbors=8)
    text = pd.DataFrame({"t": list("abcdefgh"), "label": [0, 0, 0, 0, 0, 1, 1, 1]})
    with pytest.raises(ComponentError, match="numeric feature"):
        run("SMOTE", {"samples": text}, label_column="label")
    with pytest.raises(DesignerError, match="'nope'"):
        run("SMOTE", {"samples": smote_frame()}, label_column="nope")


def test_smote_schema_checks_label_at_design_time():
    spec = REGISTRY.get("SMOTE")
    schema = Schema.from_frame(smote_frame())
    assert spec.infer_schema({"samples": schema}, spec.resolve_params({"label_column": "label"})) \
        == {"results_dataset": schema}
    with pytest.raises(DesignerError):
        spec.schema({"samples": schema}, spec.resolve_params({"label_column": "nope"}))
