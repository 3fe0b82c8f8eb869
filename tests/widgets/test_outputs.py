"""Output views: preview, visualize, metrics (curves, threshold, confusion matrix, residuals)."""

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from jupyter_designer.engine.models import EvaluationResult
from jupyter_designer.widgets.charts import curve_svg, fmt, heatmap_table, histogram_svg, table
from jupyter_designer.widgets.outputs import (MetricsView, OutputViews, binary_metrics_at, object_html,
                                              preview_html, residuals_html, visualize_html)


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
    ml = pytest.importorskip("jupyter_designer.components._ml")
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


def test_binary_metrics_view_and_threshold_slider(scores):
    y, p = scores
    res = binary_result(y, p)
    view = MetricsView()
    view.show(EvaluationResult([res]), title="Evaluate Model \u203a Evaluation results")
    html = " ".join(getattr(w, "value", "") for w in view.children if hasattr(w, "value"))
    assert "Accuracy" in html and "AUC" in html
    slider = view.sliders[0]
    assert slider.value == 0.5
    block = view.children[-1]
    curves, numbers = block.children[1].children
    assert curves.value.count("<svg") == 2 and "ROC" in curves.value and "Precision-recall" in curves.value
    before = numbers.value
    slider.value = 0.8
    assert numbers.value != before
    pred = (p >= 0.8).astype(int)
    assert fmt(skm.recall_score(y, pred)) in numbers.value
    for svg in curves.value.split("</svg>")[:-1]:
        ET.fromstring(svg[svg.index("<svg"):] + "</svg>")


def test_multiclass_confusion_matrix_and_regression_residuals():
    view = MetricsView()
    multi = {"task": "multiclass", "metrics": {"Overall accuracy": 0.9},
             "confusion_matrix": {"labels": ["a", "b<c"], "matrix": [[5, 1], [0, 4]]},
             "per_class": [{"label": "a", "Precision": 1.0, "Recall": 0.83, "Number of rows": 6},
                           {"label": "b<c", "Precision": 0.8, "Recall": 1.0, "Number of rows": 4}]}
    view.show([multi])
    html = view.children[0].value
    assert "Confusion matrix" in html and "b&lt;c" in html and "jd-confusion" in html
    df = pd.DataFrame({"price": [10.0, 12.0, 9.0, 20.0], "Scored Labels": [11.0, 12.5, 8.0, 18.0]})
    reg = {"task": "regression", "label": "price", "metrics": {"Mean Absolute Error": 1.125}}
    view.show(EvaluationResult([reg]), scored=[df])
    assert "Residuals" in view.children[-1].value
    r = df["price"] - df["Scored Labels"]
    assert fmt(float(r.mean())) in residuals_html(df, "price")
    view.show(None)
    assert "Select an Evaluate Model" in view.children[0].value


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
