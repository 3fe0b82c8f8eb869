"""Output views: preview, visualize, metrics (curves, threshold, confusion matrix, residuals)."""

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from jupyter_designer.engine.models import EvaluationResult
from jupyter_designer.widgets.charts import curve_svg, fmt, heatmap_table, histogram_svg, table
from jupyter_designer.widgets.outputs import (MetricsView, OutputViews, binary_metrics_at,
                                              metrics_summary_html, object_html, preview_html,
                                              residuals_html, visualize_html)
from jupyter_designer.widgets.plots import histogram_bars, trace


def binary_result(y, p, threshold=0.5):
    """An Evaluate Model binary result computed by hand with scikit-learn."""
    pred = (p >= threshold).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    fpr, tpr, thr = skm.roc_curve(y, p, drop_intermediate=False)
    thr = np.where(np.isfinite(thr), thr, 1.0 + 1e-9)
    prec, rec, _ = skm.precision_recall_curve(y, p)
    return {"task": "binary", "label": "y",
            "metrics": {"Accuracy": skm.accuracy_score(y, pred), "Threshold": threshold,
                        "True Positive": int(tp), "False Positive": int(fp),
                        "False Negative": int(fn), "True Negative": int(tn),
                        "AUC": skm.roc_auc_score(y, p)},
            "curves": {"roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()},
                       "precision_recall": {"precision": prec.tolist(), "recall": rec.tolist()}},
            "confusion_matrix": {"labels": [0, 1], "matrix": [[int(tn), int(fp)], [int(fn), int(tp)]]}}


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(y * 0.3 + rng.random(200) * 0.7, 0, 1).round(3)
    return y, p


def test_threshold_metrics_agree_with_sklearn(scores):
    y, p = scores
    res = binary_result(y, p)
    for t in sorted(set(np.round(p, 3)))[::7] + [0.0, 0.5, 0.999]:
        at = binary_metrics_at(res, t)
        pred = (p >= t).astype(int)
        assert at["Accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
        assert at["Precision"] == pytest.approx(skm.precision_score(y, pred, zero_division=0))
        assert at["Recall"] == pytest.approx(skm.recall_score(y, pred))
        assert at["F1 Score"] == pytest.approx(skm.f1_score(y, pred, zero_division=0))
        assert at["True Positive"] == int(((pred == 1) & (y == 1)).sum())
    above = binary_metrics_at(res, 2.0)   # nothing is positive
    assert above["True Positive"] == 0 and above["Recall"] == 0.0


def test_threshold_metrics_from_evaluate_model(scores):
    ml = pytest.importorskip("jupyter_designer.components.ml")
    from jupyter_designer.engine.schema import set_roles

    y, p = scores
    df = pd.DataFrame({"y": y, "Scored Labels": (p >= 0.5).astype(int), "Scored Probabilities": p})
    set_roles(df, {"y": "label", "Scored Labels": "score", "Scored Probabilities": "score"})
    res = ml.evaluate_scored(df)
    at = binary_metrics_at(res, res["metrics"]["Threshold"])
    for k in ("Accuracy", "Precision", "Recall", "F1 Score"):
        assert at[k] == pytest.approx(res["metrics"][k], abs=1e-9)
    pred = (p >= 0.3).astype(int)
    assert binary_metrics_at(res, 0.3)["Accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=0.02)


def test_binary_metrics_view_and_threshold_slider_without_scored_data(scores):
    """From the stored curves alone (a run's evaluation without its scored dataset)."""
    y, p = scores
    res = binary_result(y, p)
    view = MetricsView()
    view.show(EvaluationResult([res]), title="Evaluate Model \u203a Evaluation results")
    html = " ".join(getattr(w, "value", "") for w in view.children if hasattr(w, "value"))
    assert "Accuracy" in html and "AUC" in html
    slider, fig, numbers = view.sliders[0], view.figures[0], view.threshold_tables[0]
    assert slider.value == 0.5
    assert list(trace(fig, "ROC").x) == res["curves"]["roc"]["fpr"]
    before = numbers.value
    slider.value = 0.8
    assert numbers.value != before
    pred = (p >= 0.8).astype(int)
    assert fmt(skm.recall_score(y, pred)) in numbers.value
    tn, fp, fn, tp = skm.confusion_matrix(y, pred).ravel()
    assert [list(r) for r in trace(fig, "Confusion matrix").z] == [[tn, fp], [fn, tp]]


# -- charts from real runs of the sample pipelines ------------------------------------------------
@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory):
    """The binary-classification and automobile-price samples, run in a fresh workspace."""
    import jupyter_designer as jd
    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path_factory.mktemp("charts") / "ws")
    out = {}
    for name in ("binary_classification_feature_selection", "automobile_price_basic"):
        run = jd.submit(jd.load_sample(name, workspace=ws), workspace=ws)
        out[name] = (run.output("evaluate_model", "evaluation_results"),
                     run.output("score_model", "scored_dataset"))
    return out


def _labels_and_scores(res, scored):
    y = (scored[res["label"]] == res["positive_label"]).to_numpy(dtype=int)
    return y, scored["Scored Probabilities"].to_numpy(dtype=float)


def test_binary_charts_equal_sklearn_on_a_scored_dataset(sample_runs):
    evaluation, scored = sample_runs["binary_classification_feature_selection"]
    res = evaluation.results[0]
    y, p = _labels_and_scores(res, scored)
    assert 0 < y.sum() < len(y)
    # Evaluate Model's numbers are scikit-learn's
    pred = (p >= 0.5).astype(int)
    m = res["metrics"]
    assert m["Accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["Precision"] == pytest.approx(skm.precision_score(y, pred))
    assert m["Recall"] == pytest.approx(skm.recall_score(y, pred))
    assert m["F1 Score"] == pytest.approx(skm.f1_score(y, pred))
    assert m["AUC"] == pytest.approx(skm.roc_auc_score(y, p))

    view = MetricsView()
    view.show(evaluation, scored=[scored], title="Evaluate Model \u203a Evaluation results")
    # the metric table is still there, with the numbers as before
    assert view.children[1].value == metrics_summary_html(res, 0)
    fig = view.figures[0]
    fpr, tpr, _ = skm.roc_curve(y, p)
    assert np.allclose(trace(fig, "ROC").x, fpr) and np.allclose(trace(fig, "ROC").y, tpr)
    prec, rec, _ = skm.precision_recall_curve(y, p, drop_intermediate=True)
    pr = trace(fig, "Precision-recall")
    assert np.allclose(pr.x, rec) and np.allclose(pr.y, prec)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred).ravel()
    heat = trace(fig, "Confusion matrix")
    assert [list(r) for r in heat.z] == [[tn, fp], [fn, tp]]
    assert list(heat.x) == list(heat.y) == [str(v) for v in res["confusion_matrix"]["labels"]]
    # axes are labelled
    titles = {fig.layout[a].title.text for a in ("xaxis", "yaxis", "xaxis2", "yaxis2", "xaxis3", "yaxis3")}
    assert titles == {"False positive rate", "True positive rate", "Recall", "Precision", "Predicted", "Actual"}
    marker = trace(fig, "Threshold (ROC)")
    assert marker.x == (fp / (fp + tn),) and marker.y == (tp / (tp + fn),)


def test_threshold_slider_recomputes_the_confusion_matrix(sample_runs):
    evaluation, scored = sample_runs["binary_classification_feature_selection"]
    res = evaluation.results[0]
    y, p = _labels_and_scores(res, scored)
    view = MetricsView()
    view.show(evaluation, scored=[scored])
    slider, fig, numbers = view.sliders[0], view.figures[0], view.threshold_tables[0]
    for t in (0.05, 0.3, 0.77, 0.99, 1.0, 0.0):
        slider.value = t
        pred = (p >= slider.value).astype(int)
        tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        assert [list(r) for r in trace(fig, "Confusion matrix").z] == [[tn, fp], [fn, tp]], t
        for name, value in (("Accuracy", skm.accuracy_score(y, pred)),
                            ("Precision", skm.precision_score(y, pred, zero_division=0)),
                            ("Recall", skm.recall_score(y, pred)),
                            ("F1 Score", skm.f1_score(y, pred, zero_division=0))):
            assert f"<th>{name}</th><td>{fmt(float(value))}</td>" in numbers.value, (t, name)
        assert f"threshold {slider.value:.2f}" in fig.layout.annotations[2].text
        assert trace(fig, "Threshold (ROC)").x == (fp / (fp + tn),)
    # at the evaluated threshold the slider's numbers are Evaluate Model's
    slider.value = res["metrics"]["Threshold"]
    for k in ("Accuracy", "Precision", "Recall", "F1 Score"):
        assert f"<th>{k}</th><td>{fmt(res['metrics'][k])}</td>" in numbers.value


def test_regression_charts_from_the_automobile_sample(sample_runs):
    evaluation, scored = sample_runs["automobile_price_basic"]
    res = evaluation.results[0]
    assert res["task"] == "regression" and res["label"] == "price"
    view = MetricsView()
    view.show(evaluation, scored=[scored])
    fig = view.figures[0]
    ok = scored["price"].notna()
    actual, predicted = scored.loc[ok, "price"].to_numpy(float), scored.loc[ok, "Scored Labels"].to_numpy(float)
    pts = trace(fig, "Predicted vs actual")
    assert np.allclose(pts.x, actual) and np.allclose(pts.y, predicted)
    res_pts = trace(fig, "Residuals")
    assert np.allclose(res_pts.x, predicted) and np.allclose(res_pts.y, actual - predicted)
    assert sum(trace(fig, "Residual histogram").y) == len(actual)
    assert fig.layout.xaxis.title.text == "Actual price" and fig.layout.yaxis.title.text == "Predicted price"
    assert fig.layout.yaxis2.title.text.startswith("Residual") and fig.layout.yaxis3.title.text == "Rows"
    html = " ".join(w.value for w in view.children[0].children[0].children)
    assert metrics_summary_html(res, 0) in html and "Residuals (label" in html
    assert fmt(float((actual - predicted).mean())) in html


def test_multiclass_confusion_matrix_and_regression_residuals():
    view = MetricsView()
    multi = {"task": "multiclass", "metrics": {"Overall accuracy": 0.9},
             "confusion_matrix": {"labels": ["a", "b<c"], "matrix": [[5, 1], [0, 4]]},
             "per_class": [{"label": "a", "Precision": 1.0, "Recall": 0.83, "Number of rows": 6},
                           {"label": "b<c", "Precision": 0.8, "Recall": 1.0, "Number of rows": 4}]}
    view.show([multi])
    html = view.children[0].children[0].value
    assert "Confusion matrix" in html and "b&lt;c" in html and "jd-confusion" in html
    heat = trace(view.figures[0], "Confusion matrix")
    assert [list(r) for r in heat.text] == [[5, 1], [0, 4]]
    assert np.allclose(heat.z, [[5 / 6, 1 / 6], [0, 1]]) and list(heat.y) == ["a", "b<c"]
    assert view.figures[0].layout.xaxis.title.text == "Predicted class"
    df = pd.DataFrame({"price": [10.0, 12.0, 9.0, 20.0], "Scored Labels": [11.0, 12.5, 8.0, 18.0]})
    reg = {"task": "regression", "label": "price", "metrics": {"Mean Absolute Error": 1.125}}
    view.show(EvaluationResult([reg]), scored=[df])
    assert "Residuals" in view.children[-1].children[0].children[1].value
    r = df["price"] - df["Scored Labels"]
    assert fmt(float(r.mean())) in residuals_html(df, "price")
    view.show(EvaluationResult([reg]))  # no scored dataset: the table alone
    assert len(view.children) == 1 and "Mean Absolute Error" in view.children[0].value
    view.show(None)
    assert "Select an Evaluate Model" in view.children[0].value


def test_multiclass_heatmap_from_a_real_evaluation():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    ml = pytest.importorskip("jupyter_designer.components.ml")
    from jupyter_designer.engine.schema import set_roles

    X, y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    pred = names[LogisticRegression(max_iter=200, C=0.05).fit(X, y).predict(X)]
    df = pd.DataFrame({"species": names, "Scored Labels": pred})
    set_roles(df, {"species": "label", "Scored Labels": "score"})
    res = ml.evaluate_scored(df)
    view = MetricsView()
    view.show(EvaluationResult([res]), scored=[df])
    heat = trace(view.figures[0], "Confusion matrix")
    expected = skm.confusion_matrix(names, pred, labels=["setosa", "versicolor", "virginica"])
    assert [list(r) for r in heat.text] == expected.tolist()
    assert list(heat.x) == ["setosa", "versicolor", "virginica"]


def test_preview_html(frame):
    frame = frame.rename(columns={"b": "<b>"})
    html = preview_html(frame, "Node \u203a Port")
    assert "5 rows \u00d7 3 columns" in html
    assert "&lt;b&gt;" in html and "<b>Node" in html
    assert html.count("<tr>") >= 5 + 1 + 3 + 1


def test_visualize_html_uses_the_profiling_statistics(frame):
    from jupyter_designer.engine.profiling import summarize

    html = visualize_html(frame, "t")
    assert html.count('class="jd-column-card"') == 3
    assert html.count("<svg") == 3
    stats = summarize(frame)
    mean_a = stats.loc[stats["Feature"] == "a", "Mean"].iloc[0]
    assert fmt(float(mean_a)) in html


def test_output_views_route_by_value_type(frame):
    views = OutputViews()
    assert views.show_output(frame, "t") == "Preview"
    assert "Open this tab" in views.visualize.value
    views.select("Visualize")
    assert "jd-column-card" in views.visualize.value
    assert views.column_chart_box.children == (views.column_picker, views.column_chart)
    assert views.show_output(EvaluationResult([{"task": "regression", "metrics": {"MAE": 1.0}}])) == "Metrics"
    assert views.show_output("a,b\n1,2\n") == "Preview" and "a,b" in views.preview.value
    views.show_log("Train Model", "failed", error="bad <label>", log="line 1", duration=1.5)
    assert "bad &lt;label&gt;" in views.logs.value and "1.5 s" in views.logs.value


def test_object_html_for_models():
    from sklearn.linear_model import LinearRegression

    from jupyter_designer.engine.models import TrainedModel

    html = object_html(TrainedModel(LinearRegression(), "regression", ["a"], "y", learner="Linear Regression"))
    assert "Linear Regression" in html and "regression" in html


def test_charts_are_valid_svg_and_escape_text():
    ET.fromstring(histogram_svg({"kind": "numeric", "edges": [0, 1, 2], "counts": [3, 4]}, title="<x>"))
    ET.fromstring(histogram_svg({"kind": "categorical", "categories": ["a&b"], "counts": [3], "other": 2}))
    ET.fromstring(histogram_svg({"kind": "numeric", "edges": [], "counts": []}))
    ET.fromstring(curve_svg([0, 0.5, 1], [0, 0.8, 1], xlabel="x", ylabel="y", diagonal=True, marker=(0.5, 0.8)))
    assert "&lt;" in table([["<", 1.23456]], ["h"]) and "1.235" in table([[1.23456]])
    assert "rgba" in heatmap_table(["a"], [[1]])
    assert fmt(None) == "" and fmt(float("nan")) == "" and fmt(3) == "3" and fmt(1234567.0) == "1.235e+06"


def test_column_histogram_in_the_visualize_tab(frame):
    from jupyter_designer.engine.profiling import histogram

    frame = frame.assign(when=pd.to_datetime(["2024-01-01", "2024-02-01", None, "2024-03-01", "2024-05-01"]))
    views = OutputViews()
    views.show_output(frame, "t")
    assert views.column_chart is None  # nothing drawn before the tab is opened
    views.select("Visualize")
    fig = views.column_chart.figure
    bar = trace(fig, "Histogram")
    assert views.column_picker.options == ("a", "b", "c", "when") and views.column_picker.value == "a"
    hist = histogram(frame["a"], 20)
    assert list(bar.y) == hist["counts"]
    assert np.allclose(np.asarray(bar.x) - np.asarray(bar.width) / 2, hist["edges"][:-1])
    assert fig.layout.xaxis.title.text == "a" and fig.layout.yaxis.title.text == "Rows"
    assert fig.layout.title.text == "a: 4 values, 1 missing"
    views.column_picker.value = "b"        # what picking in the dropdown does
    assert list(bar.x) == ["v", "w", "x", "y", "z"] and list(bar.y) == [1] * 5
    assert fig.layout.xaxis.type == "category" and fig.layout.xaxis.title.text == "b"
    views.show_column("when")
    assert fig.layout.xaxis.type == "date" and sum(bar.y) == 4
    with pytest.raises(KeyError, match="no column 'nope'; its columns are a, b, c, when"):
        views.show_column("nope")
    # another dataset: the same chart, redrawn when the tab is shown
    views.select("Preview")
    views.show_output(pd.DataFrame({"x": [1, 1, 2]}), "u")
    assert views.column_chart_box.children == ()
    views.select("Visualize")
    assert views.column_chart.figure is fig and list(bar.y) == histogram(pd.Series([1, 1, 2]), 20)["counts"]


def test_histogram_bars_of_other_values():
    bars = histogram_bars({"kind": "categorical", "categories": ["a", "b"], "counts": [3, 2], "other": 4})
    assert bars["x"] == ["a", "b", "(other values)"] and bars["y"] == [3, 2, 4]
    assert histogram_bars({"kind": "numeric", "edges": [], "counts": []})["x"] == []
    bars = histogram_bars({"kind": "numeric", "edges": [5.0, 5.0], "counts": [7]})  # one value
    assert bars["x"] == [5.0] and bars["width"] == [1.0]


def test_plotly_still_finds_nbformat_when_it_needs_it():
    import subprocess
    import sys

    code = ("import sys\n"
            "from jupyter_designer.widgets.plots import _go\n"
            "from jupyter_designer.widgets.plots import Chart, histogram_figure\n"
            "Chart(histogram_figure()).draw()\n"
            "assert 'nbformat' not in sys.modules, 'the charts imported nbformat'\n"
            "import plotly.io._renderers as r\n"
            "assert r.nbformat.__version__ >= '4.2'\n"
            "import nbformat\n"
            "assert type(sys.modules['nbformat']).__name__ == 'module' and nbformat.v4.new_notebook()\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
