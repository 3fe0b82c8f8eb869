"""Column statistics (Summarize Data's report) and histograms."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jupyter_designer.engine.profiling import (SUMMARY_COLUMNS, histogram, json_value, profile,
                                               summarize)


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 3.0, size=200)
    x[[3, 50, 70]] = np.nan
    return pd.DataFrame({
        "x": x,
        "n": rng.integers(0, 10, size=200),
        "s": rng.choice(["a", "b", "c"], size=200),
        "flag": rng.random(200) > 0.3,
        "when": pd.date_range("2020-01-01", periods=200, freq="D"),
        "cat": pd.Categorical(rng.choice(["lo", "hi"], size=200)),
    })


def _row(summary, feature):
    return summary.set_index("Feature").loc[feature]


def test_columns_and_types(frame):
    out = summarize(frame)
    assert list(out.columns) == list(SUMMARY_COLUMNS)
    assert list(out["Feature"]) == list(frame.columns)
    assert out["Count"].dtype == "int64"
    assert out["Missing Value Count"].dtype == "int64"
    assert all(out[c].dtype == "float64" for c in SUMMARY_COLUMNS[4:])


def test_numeric_statistics_agree_with_numpy_and_scipy(frame):
    r = _row(summarize(frame), "x")
    v = frame["x"].dropna().to_numpy()
    assert r["Count"] == 197 and r["Missing Value Count"] == 3
    assert r["Unique Value Count"] == len(np.unique(v))
    assert r["Min"] == v.min() and r["Max"] == v.max()
    assert r["Range"] == pytest.approx(v.max() - v.min())
    assert r["Mean"] == pytest.approx(v.mean())
    assert r["Mean Deviation"] == pytest.approx(np.mean(np.abs(v - v.mean())))
    assert r["1st Quartile"] == pytest.approx(np.percentile(v, 25))
    assert r["Median"] == pytest.approx(np.median(v))
    assert r["3rd Quartile"] == pytest.approx(np.percentile(v, 75))
    assert r["Sample Variance"] == pytest.approx(np.var(v, ddof=1))
    assert r["Sample Standard Deviation"] == pytest.approx(np.std(v, ddof=1))
    assert r["Sample Skewness"] == pytest.approx(stats.skew(v, bias=False))
    assert r["Sample Kurtosis"] == pytest.approx(stats.kurtosis(v, bias=False, fisher=True))
    for name, q in {"P0.5": 0.5, "P1": 1, "P5": 5, "P95": 95, "P99": 99, "P99.5": 99.5}.items():
        assert r[name] == pytest.approx(np.percentile(v, q)), name


def test_mode_is_the_smallest_most_frequent_value():
    out = summarize(pd.DataFrame({"v": [3, 1, 3, 1, 2]}))
    assert out.loc[0, "Mode"] == 1.0
    assert summarize(pd.DataFrame({"v": [5, 5, 1]})).loc[0, "Mode"] == 5.0


def test_integer_column(frame):
    r = _row(summarize(frame), "n")
    v = frame["n"].to_numpy()
    assert r["Count"] == 200 and r["Missing Value Count"] == 0
    assert r["Mean"] == pytest.approx(v.mean())
    assert r["Mode"] == stats.mode(v, keepdims=False).mode


def test_non_numeric_columns_only_have_counts(frame):
    out = summarize(frame)
    for feature in ("s", "when", "cat"):
        r = _row(out, feature)
        assert r["Count"] == 200
        assert r["Unique Value Count"] == frame[feature].nunique()
        assert all(math.isnan(r[c]) for c in SUMMARY_COLUMNS[4:]), feature


def test_boolean_rules(frame):
    r = _row(summarize(frame), "flag")
    v = frame["flag"].to_numpy()
    assert r["Min"] == float(v.all()) and r["Max"] == float(v.any())
    assert r["Range"] == 1.0
    assert r["Mean"] == pytest.approx(v.mean())
    only_true = summarize(pd.DataFrame({"b": [True, True]}))
    assert only_true.loc[0, "Min"] == 1.0 and only_true.loc[0, "Range"] == 0.0


def test_boolean_with_missing_values_is_still_boolean():
    df = pd.DataFrame({"b": [True, None, False, True]})
    assert df["b"].dtype == object
    r = summarize(df).iloc[0]
    assert r["Count"] == 3 and r["Missing Value Count"] == 1
    assert r["Mean"] == pytest.approx(2 / 3)


def test_empty_and_all_missing_columns():
    out = summarize(pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype="str")}))
    assert list(out["Count"]) == [0, 0]
    assert out[list(SUMMARY_COLUMNS[4:])].isna().all().all()
    out = summarize(pd.DataFrame({"a": [np.nan, np.nan]}))
    assert out.loc[0, "Missing Value Count"] == 2 and math.isnan(out.loc[0, "Mean"])
    assert len(summarize(pd.DataFrame())) == 0


def test_small_samples_give_missing_higher_moments():
    r = summarize(pd.DataFrame({"v": [1.0, 2.0]})).iloc[0]
    assert r["Sample Variance"] == 0.5
    assert math.isnan(r["Sample Skewness"]) and math.isnan(r["Sample Kurtosis"])


def test_histogram_numeric_matches_numpy(frame):
    h = histogram(frame["x"], bins=10)
    v = frame["x"].dropna().to_numpy()
    counts, edges = np.histogram(v, bins=10)
    assert h["kind"] == "numeric"
    assert h["counts"] == counts.tolist()
    assert h["edges"] == pytest.approx(edges.tolist())
    assert h["missing"] == 3 and h["count"] == 197
    json.dumps(h, allow_nan=False)


def test_histogram_ignores_infinite_values_and_handles_constants():
    h = histogram(pd.Series([1.0, np.inf, -np.inf, 1.0]), bins=4)
    assert sum(h["counts"]) == 2 and len(h["edges"]) == 5
    empty = histogram(pd.Series([np.nan, np.nan]))
    assert empty["edges"] == [] and empty["counts"] == [] and empty["missing"] == 2
    with pytest.raises(ValueError):
        histogram(pd.Series([1.0]), bins=0)


def test_histogram_categorical_orders_by_frequency_and_groups_the_rest():
    s = pd.Series(["b", "a", "b", "c", "a", "b", None, "d"])
    h = histogram(s, max_categories=2)
    assert h["kind"] == "categorical"
    assert h["categories"] == ["b", "a"] and h["counts"] == [3, 2]
    assert h["other"] == 2 and h["missing"] == 1 and h["count"] == 7
    hb = histogram(pd.Series([True, False, True]))
    assert hb["categories"] == [True, False] and hb["counts"] == [2, 1]


def test_histogram_of_dates_and_durations(frame):
    h = histogram(frame["when"], bins=4)
    assert h["kind"] == "datetime" and h["edges"][0] == "2020-01-01T00:00:00"
    assert sum(h["counts"]) == 200
    tz = histogram(frame["when"].dt.tz_localize("Europe/Paris"), bins=2)
    assert tz["edges"][0] == "2019-12-31T23:00:00"
    d = histogram(pd.Series(pd.to_timedelta([1, 2, 3], unit="h")), bins=2)
    assert d["kind"] == "timespan" and d["edges"][0] == 3600.0


def test_json_value():
    assert json_value(np.int64(3)) == 3 and isinstance(json_value(np.int64(3)), int)
    assert json_value(np.float64("nan")) is None and json_value(np.inf) is None
    assert json_value(pd.NaT) is None and json_value(pd.NA) is None
    assert json_value(pd.Timestamp("2020-01-02")) == "2020-01-02T00:00:00"
    assert json_value(np.bool_(True)) is True


def test_profile_is_json_ready(frame):
    from jupyter_designer.engine.schema import set_roles

    set_roles(frame, {"x": "label"})
    p = profile(frame, bins=5)
    text = json.dumps(p, allow_nan=False)
    assert p["rows"] == 200 and [c["name"] for c in p["columns"]] == list(frame.columns)
    x = p["columns"][0]
    assert x["role"] == "label" and x["kind"] == "double"
    assert x["statistics"]["Count"] == 197 and len(x["histogram"]["counts"]) == 5
    assert p["columns"][2]["statistics"]["Mean"] is None
    assert "NaN" not in text
