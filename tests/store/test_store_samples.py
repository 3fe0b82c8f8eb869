"""Built-in sample datasets, and the generated automobile price table."""

import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from jupyter_designer.engine.errors import NotFoundError
from jupyter_designer.store import load_sample, sample_names
from jupyter_designer.store.samples import SAMPLES

DATA = Path(__import__("jupyter_designer.store.samples", fromlist=["x"]).__file__).with_name("data")

AUTOMOBILE_COLUMNS = [
    "symboling", "normalized-losses", "make", "fuel-type", "aspiration", "num-of-doors",
    "body-style", "drive-wheels", "engine-location", "wheel-base", "length", "width", "height",
    "curb-weight", "engine-type", "num-of-cylinders", "engine-size", "fuel-system", "bore",
    "stroke", "compression-ratio", "horsepower", "peak-rpm", "city-mpg", "highway-mpg", "price",
]


def test_sample_names():
    names = sample_names()
    for expected in ("Automobile price data (Raw)", "Iris Data", "Iris Two Class Data",
                     "Breast Cancer Data", "Diabetes Data", "Digits Data", "Wine Data"):
        assert expected in names
    assert names == sorted(names)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_loads_with_its_label(name):
    df = load_sample(name)
    sample = SAMPLES[name]
    # scikit-learn ships two sample photographs: the one sample table that small
    assert (len(df) > 50 or name == "Sample Images") and sample.label in df.columns
    assert not df.columns.duplicated().any()
    assert all(isinstance(c, str) for c in df.columns)
    assert sample.task in ("regression", "binary", "multiclass")
    n_classes = df[sample.label].nunique()
    assert n_classes == 2 if sample.task == "binary" else n_classes > 2


def test_sample_contents_match_scikit_learn():
    iris = load_iris()
    df = load_sample("iris data")
    assert df.shape == (150, 5) and df.columns[0] == "Class"
    np.testing.assert_array_equal(df.iloc[:, 1:].to_numpy(), iris.data)
    assert sorted(df["Class"].unique()) == ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
    two = load_sample("Iris Two Class Data")
    assert two.shape == (100, 5) and sorted(two["class"].unique()) == [0, 1]
    bc = load_sample("Breast Cancer Data")
    assert bc.shape == (569, 31) and bc["Class"].sum() == (load_breast_cancer().target == 0).sum()
    diabetes = load_sample("Diabetes Data")
    np.testing.assert_array_equal(diabetes["Y"].to_numpy(), load_diabetes().target)
    assert load_sample("Digits Data").shape == (1797, 65)
    assert load_sample("Wine Data").shape == (178, 14)


def test_samples_are_cached_but_independent():
    a = load_sample("Iris Data")
    a["sepal-length"] = 0.0
    a.attrs["designer_roles"] = {"Class": "label"}
    b = load_sample("Iris Data")
    assert b["sepal-length"].iloc[0] == pytest.approx(5.1)
    assert b.attrs == {}


def test_unknown_sample():
    with pytest.raises(NotFoundError, match="Did you mean 'Iris Data'"):
        load_sample("Iris Dta")


def test_automobile_shape_columns_and_missing_values():
    df = load_sample("Automobile price data (Raw)")
    assert df.shape == (205, 26)
    assert list(df.columns) == AUTOMOBILE_COLUMNS
    missing = df.isna().sum()
    assert missing.to_dict() == {c: {"normalized-losses": 41, "num-of-doors": 2, "bore": 4,
                                     "stroke": 4, "horsepower": 2, "peak-rpm": 2,
                                     "price": 4}.get(c, 0) for c in AUTOMOBILE_COLUMNS}
    assert df["make"].nunique() == 22 and (df["make"] == "toyota").sum() == 32
    assert set(df["fuel-type"]) == {"gas", "diesel"}
    assert set(df["num-of-doors"].dropna()) == {"two", "four"}
    assert set(df["body-style"]) == {"convertible", "hatchback", "sedan", "wagon", "hardtop"}
    assert set(df["drive-wheels"]) == {"fwd", "rwd", "4wd"}
    assert set(df["num-of-cylinders"]) <= {"two", "three", "four", "five", "six", "eight", "twelve"}
    assert df["symboling"].between(-3, 3).all()
    assert df["price"].min() >= 5118 and df["price"].max() <= 45400
    assert df["curb-weight"].between(1488, 4066).all()
    assert (df["highway-mpg"] >= df["city-mpg"]).mean() > 0.9


def test_automobile_price_is_learnable():
    df = load_sample("Automobile price data (Raw)").dropna(subset=["price"])
    X, y = df.drop(columns="price"), df["price"]
    num = X.select_dtypes("number").columns
    cat = X.columns.difference(num)
    scores = []
    for seed in range(5):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed)
        model = make_pipeline(ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), list(num)),
            ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                  OneHotEncoder(handle_unknown="ignore")), list(cat))]),
            LinearRegression()).fit(Xtr, ytr)
        scores.append(r2_score(yte, model.predict(Xte)))
    assert 0.8 <= np.mean(scores) <= 0.95, scores
    # price follows the engine and the weight
    assert df["price"].corr(df["engine-size"]) > 0.7
    assert df["price"].corr(df["curb-weight"]) > 0.7


def test_the_shipped_csv_is_what_the_script_makes(tmp_path):
    script = DATA / "make_automobile.py"
    module = runpy.run_path(str(script))
    out = module["main"]([str(tmp_path / "auto.csv")])
    assert out.read_bytes() == (DATA / "automobile_price_data_raw.csv").read_bytes()
    regenerated = module["generate"]()
    shipped = pd.read_csv(DATA / "automobile_price_data_raw.csv")
    assert regenerated.shape == shipped.shape


def test_adult_census_style_table():
    df = load_sample("Adult Census Income Binary Classification dataset")
    assert df.shape == (32561, 15) and df.columns[-1] == "income"
    assert set(df["income"]) == {">50K", "<=50K"}
    assert 0.15 < (df["income"] == ">50K").mean() < 0.3
    missing = df.isna().sum()
    assert set(missing[missing > 0].index) == {"workclass", "occupation", "native-country"}
    # income follows education, as in the census
    by_years = df.groupby(df["education-num"] >= 13)["income"].apply(lambda s: (s == ">50K").mean())
    assert by_years[True] > by_years[False] + 0.1
