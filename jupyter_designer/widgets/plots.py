"""Charts of the output views, drawn with plotly.

A chart is a :class:`Chart`: an ipywidgets ``Output`` showing a plotly figure as the
``application/vnd.plotly.v1+json`` mime type, which the ``jupyterlab-plotly`` extension (it
ships inside the plotly wheel, plotly.js bundled) draws in JupyterLab and Notebook 7 with no
network access. Only the figure's JSON crosses the comm; redrawing a chart (the threshold
slider, another column) replaces that output.

The numbers come from scikit-learn: the curves Evaluate Model stored (``roc_curve`` and
``precision_recall_curve`` of the scored dataset), and the confusion matrix at a threshold is
``sklearn.metrics.confusion_matrix`` of the scored dataset when it is at hand.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
import types
from typing import Sequence

import ipywidgets
import numpy as np

BLUE = "#0078d4"
RED = "#d13438"
GREY = "#8a8886"
FONT = {"family": "Segoe UI, Helvetica Neue, Arial, sans-serif", "size": 12, "color": "#323130"}
MAX_SCATTER_POINTS = 5000
SCORED_LABELS = "Scored Labels"
SCORED_PROBABILITIES = "Scored Probabilities"
BLUES = [[0.0, "#f3f9fd"], [1.0, "#004578"]]


class _ImportedOnUse(types.ModuleType):
    """Stands for a module until one of its attributes is read, then imports the real one."""

    def __getattr__(self, attr):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attr)


def _go():
    """``plotly.graph_objects`` (and ``plotly.io``).

    plotly imports nbformat when it loads (only to check its version before it renders in a
    notebook itself), and nbformat's import validates with jsonschema, which compiles URI
    grammars for seconds. The charts never need it, so plotly gets a stand-in that imports
    nbformat only when plotly really reads it.
    """
    if "plotly.io" in sys.modules or "nbformat" in sys.modules:
        import plotly.graph_objects as go
        import plotly.io  # noqa: F401

        return go
    stand_in = _ImportedOnUse("nbformat")
    sys.modules["nbformat"] = stand_in
    try:
        import plotly.graph_objects as go
        import plotly.io  # noqa: F401
    finally:
        if sys.modules.get("nbformat") is stand_in:
            del sys.modules["nbformat"]
    return go


def _subplots(cols: int, titles: Sequence[str], *, width: int, height: int, spacing: float = 0.09):
    _go()
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=cols, subplot_titles=list(titles), horizontal_spacing=spacing)
    fig.update_layout(width=width, height=height, autosize=False, showlegend=False,
                      margin={"l": 60, "r": 20, "t": 40, "b": 55}, font=FONT,
                      plot_bgcolor="#ffffff", paper_bgcolor="#ffffff")
    fig.update_xaxes(showline=True, linecolor="#c8c6c4", gridcolor="#edebe9", zeroline=False,
                     ticks="outside", tickcolor="#c8c6c4", title_standoff=6)
    fig.update_yaxes(showline=True, linecolor="#c8c6c4", gridcolor="#edebe9", zeroline=False,
                     ticks="outside", tickcolor="#c8c6c4", title_standoff=6)
    return fig


PLOTLY_MIME = "application/vnd.plotly.v1+json"
CONFIG = {"displaylogo": False, "responsive": False,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


class Chart(ipywidgets.Output):
    """A plotly figure shown in the output views; ``figure`` is the ``go.Figure`` drawn."""

    def __init__(self, figure, **kwargs):
        super().__init__(**kwargs)
        self.add_class("jd-chart-plot")
        self.figure = figure
        self.draw()

    def draw(self) -> None:
        """Send the figure as it is now to the page (replaces what was drawn)."""
        _go()
        import plotly.io as pio

        fig = json.loads(pio.to_json(self.figure, validate=False))
        fig["config"] = dict(CONFIG)
        title = self.figure.layout.title.text or ", ".join(
            a.text for a in self.figure.layout.annotations or () if a.text) or "chart"
        self.outputs = ({"output_type": "display_data", "metadata": {},
                         "data": {PLOTLY_MIME: fig, "text/plain": f"<plotly chart: {title}>"}},)


def trace(fig, name: str):
    """The trace of ``fig`` called ``name`` (charts name every trace they draw)."""
    for t in fig.data:
        if t.name == name:
            return t
    raise KeyError(f"the chart has no trace {name!r}; it has {[t.name for t in fig.data]}")


# -- binary classification -------------------------------------------------------------------
def binary_scores(df, result: dict):
    """``(y, p)``: 1 where the label is the positive class, and the scored probabilities, of
    the rows Evaluate Model used; ``None`` when ``df`` is not the scored dataset of ``result``."""
    import pandas as pd

    label = result.get("label")
    if df is None or label is None or label not in getattr(df, "columns", ()) \
            or SCORED_PROBABILITIES not in df.columns:
        return None
    positive = result.get("positive_label")
    if positive is None:
        labels = (result.get("confusion_matrix") or {}).get("labels") or []
        if not labels:
            return None
        positive = labels[-1]
    p = pd.to_numeric(df[SCORED_PROBABILITIES], errors="coerce")
    keep = df[label].notna() & p.notna()
    truth = df.loc[keep, label]
    y = (truth == positive).to_numpy(dtype=bool, na_value=False)
    if not y.any() and not isinstance(positive, str):
        y = (truth.astype(str) == str(positive)).to_numpy(dtype=bool)
    return y.astype(np.int64), p[keep].to_numpy(dtype=np.float64)


def metrics_at(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    """Accuracy, precision, recall, F1 and the confusion counts when a row is positive if its
    scored probability is >= ``threshold`` (scikit-learn's metrics of that prediction)."""
    from sklearn import metrics as skm

    pred = (p >= float(threshold)).astype(np.int64)
    tn, fp, fn, tp = (int(v) for v in skm.confusion_matrix(y, pred, labels=[0, 1]).ravel())
    neg, pos = tn + fp, tp + fn
    return {"Threshold": float(threshold),
            "Accuracy": float(skm.accuracy_score(y, pred)) if len(y) else 0.0,
            "Precision": float(skm.precision_score(y, pred, zero_division=0)),
            "Recall": float(skm.recall_score(y, pred, zero_division=0)),
            "F1 Score": float(skm.f1_score(y, pred, zero_division=0)),
            "True Positive": tp, "False Positive": fp, "False Negative": fn, "True Negative": tn,
            "fpr": fp / neg if neg else 0.0, "tpr": tp / pos if pos else 0.0}


def _cm_labels(result: dict) -> list[str]:
    labels = [str(v) for v in (result.get("confusion_matrix") or {}).get("labels") or []]
    if len(labels) != 2:
        labels = ["negative", str(result.get("positive_label", "positive"))]
    return labels


def _binary_cm(at: dict) -> list[list[int]]:
    return [[at["True Negative"], at["False Positive"]], [at["False Negative"], at["True Positive"]]]


def binary_figure(result: dict, at: dict | None):
    """ROC curve, precision-recall curve and the confusion matrix at the threshold of ``at``;
    markers on both curves show where that threshold lies."""
    go = _go()
    curves = result.get("curves") or {}
    roc = curves.get("roc") or {}
    pr = curves.get("precision_recall") or {}
    fig = _subplots(3, ["ROC curve", "Precision-recall curve", "Confusion matrix"],
                    width=1000, height=360, spacing=0.1)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="Random guess",
                             line={"color": GREY, "dash": "dash", "width": 1}, hoverinfo="skip"),
                  row=1, col=1)
    auc = (result.get("metrics") or {}).get("AUC")
    fig.add_trace(go.Scatter(x=list(roc.get("fpr") or []), y=list(roc.get("tpr") or []),
                             customdata=list(roc.get("thresholds") or []), mode="lines", name="ROC",
                             line={"color": BLUE, "width": 2},
                             hovertemplate="FPR %{x:.3f}<br>TPR %{y:.3f}<br>threshold %{customdata:.3f}"
                                           "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=list(pr.get("recall") or []), y=list(pr.get("precision") or []),
                             mode="lines", name="Precision-recall", line={"color": BLUE, "width": 2},
                             line_shape="hv",
                             hovertemplate="recall %{x:.3f}<br>precision %{y:.3f}<extra></extra>"),
                  row=1, col=2)
    marker = {"color": RED, "size": 11, "line": {"color": "#ffffff", "width": 1.5}}
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="Threshold (ROC)", marker=marker,
                             hovertemplate="at threshold: FPR %{x:.3f}, TPR %{y:.3f}<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name="Threshold (PR)", marker=marker,
                             hovertemplate="at threshold: recall %{x:.3f}, precision %{y:.3f}"
                                           "<extra></extra>"), row=1, col=2)
    labels = _cm_labels(result)
    fig.add_trace(go.Heatmap(z=[[0, 0], [0, 0]], x=labels, y=labels, name="Confusion matrix",
                             colorscale=BLUES, showscale=False, texttemplate="%{z}",
                             textfont={"size": 16},
                             hovertemplate="actual %{y}<br>predicted %{x}<br>%{z} rows<extra></extra>"),
                  row=1, col=3)
    rng = [-0.02, 1.02]
    fig.update_xaxes(title_text="False positive rate", range=rng, row=1, col=1)
    fig.update_yaxes(title_text="True positive rate", range=rng, row=1, col=1)
    fig.update_xaxes(title_text="Recall", range=rng, row=1, col=2)
    fig.update_yaxes(title_text="Precision", range=rng, row=1, col=2)
    fig.update_xaxes(title_text="Predicted", type="category", showgrid=False, row=1, col=3)
    fig.update_yaxes(title_text="Actual", type="category", autorange="reversed", showgrid=False,
                     row=1, col=3)
    if auc is not None:
        fig.add_annotation(x=0.98, y=0.04, xref="x", yref="y", xanchor="right", showarrow=False,
                           text=f"AUC = {auc:.3f}", font={"size": 12, "color": BLUE})
    update_binary_figure(fig, at)
    return fig


def update_binary_figure(fig, at: dict | None) -> None:
    """Move the threshold markers and refill the confusion matrix."""
    with fig.batch_update():
        roc_marker, pr_marker = trace(fig, "Threshold (ROC)"), trace(fig, "Threshold (PR)")
        if at is None:
            roc_marker.update(x=[], y=[])
            pr_marker.update(x=[], y=[])
        else:
            roc_marker.update(x=[at["fpr"]], y=[at["tpr"]])
            if at["True Positive"] + at["False Positive"]:
                pr_marker.update(x=[at["Recall"]], y=[at["Precision"]])
            else:  # precision is undefined when nothing is predicted positive
                pr_marker.update(x=[], y=[])
            trace(fig, "Confusion matrix").z = _binary_cm(at)
            fig.layout.annotations[2].text = f"Confusion matrix at threshold {at['Threshold']:.2f}"


# -- multiclass ------------------------------------------------------------------------------
def confusion_figure(labels: Sequence, matrix: Sequence[Sequence[float]]):
    """A heatmap of a confusion matrix: rows the actual class, columns the predicted one;
    colour is the share of the actual class's rows, the cell text the count."""
    go = _go()
    names = [str(v) for v in labels]
    z = np.asarray(matrix, dtype=float)
    totals = z.sum(axis=1, keepdims=True)
    share = np.divide(z, totals, out=np.zeros_like(z), where=totals > 0)
    n = len(names)
    side = min(max(260, 46 * n), 620)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(z=share.tolist(), x=names, y=names, name="Confusion matrix",
                             customdata=z.astype(int).tolist(), text=z.astype(int).tolist(),
                             texttemplate="%{text}", colorscale=BLUES, zmin=0, zmax=1,
                             colorbar={"title": {"text": "share of<br>actual"}, "tickformat": ".0%",
                                       "thickness": 12},
                             hovertemplate="actual %{y}<br>predicted %{x}<br>%{customdata} rows "
                                           "(%{z:.1%})<extra></extra>"))
    longest = max((len(s) for s in names), default=1)
    left = min(40 + 7 * longest, 200)
    fig.update_layout(width=side + left + 110, height=side + 110, autosize=False, font=FONT,
                      title={"text": "Confusion matrix", "x": 0.02, "y": 0.98},
                      margin={"l": left, "r": 20, "t": 40, "b": 70}, paper_bgcolor="#ffffff",
                      plot_bgcolor="#ffffff")
    fig.update_xaxes(title_text="Predicted class", type="category", tickangle=-30 if longest > 6 else 0)
    fig.update_yaxes(title_text="Actual class", type="category", autorange="reversed")
    return fig


# -- regression ------------------------------------------------------------------------------
def regression_values(df, label: str):
    """``(actual, predicted)`` of the rows where both are numbers; ``None`` when ``df`` has no
    ``label`` or no Scored Labels column."""
    import pandas as pd

    if df is None or label not in getattr(df, "columns", ()) or SCORED_LABELS not in df.columns:
        return None
    y = pd.to_numeric(df[label], errors="coerce")
    s = pd.to_numeric(df[SCORED_LABELS], errors="coerce")
    keep = y.notna() & s.notna()
    return y[keep].to_numpy(dtype=np.float64), s[keep].to_numpy(dtype=np.float64)


def regression_figure(actual: np.ndarray, predicted: np.ndarray, label: str = "label"):
    """Predicted against actual (with the line of perfect predictions), residuals against
    predicted, and the distribution of the residuals (actual - predicted)."""
    go = _go()
    residual = actual - predicted
    n = len(actual)
    shown = np.arange(n)
    if n > MAX_SCATTER_POINTS:
        shown = np.sort(np.random.default_rng(0).choice(n, MAX_SCATTER_POINTS, replace=False))
    note = f" ({len(shown):,} of {n:,} rows)" if len(shown) < n else ""
    fig = _subplots(3, [f"Predicted vs actual{note}", f"Residuals vs predicted{note}",
                        "Residual distribution"], width=1000, height=360, spacing=0.085)
    lo = float(min(actual.min(), predicted.min())) if n else 0.0
    hi = float(max(actual.max(), predicted.max())) if n else 1.0
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="Perfect prediction",
                             line={"color": GREY, "dash": "dash", "width": 1}, hoverinfo="skip"),
                  row=1, col=1)
    point = {"color": BLUE, "size": 6, "opacity": 0.65}
    fig.add_trace(go.Scatter(x=actual[shown].tolist(), y=predicted[shown].tolist(), mode="markers",
                             name="Predicted vs actual", marker=point,
                             hovertemplate="actual %{x:.4g}<br>predicted %{y:.4g}<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=[lo, hi], y=[0, 0], mode="lines", name="Zero residual",
                             line={"color": GREY, "dash": "dash", "width": 1}, hoverinfo="skip"),
                  row=1, col=2)
    fig.add_trace(go.Scatter(x=predicted[shown].tolist(), y=residual[shown].tolist(), mode="markers",
                             name="Residuals", marker=point,
                             hovertemplate="predicted %{x:.4g}<br>residual %{y:.4g}<extra></extra>"),
                  row=1, col=2)
    if n:
        counts, edges = np.histogram(residual, bins=min(30, max(5, int(math.sqrt(n)))))
    else:
        counts, edges = np.array([], dtype=int), np.array([0.0])
    fig.add_trace(go.Bar(x=((edges[:-1] + edges[1:]) / 2).tolist(), y=counts.tolist(),
                         width=np.diff(edges).tolist(), name="Residual histogram",
                         marker={"color": BLUE, "line": {"color": "#ffffff", "width": 0.5}},
                         customdata=np.stack([edges[:-1], edges[1:]], axis=1).tolist() if n else [],
                         hovertemplate="%{customdata[0]:.4g} to %{customdata[1]:.4g}: %{y} rows"
                                       "<extra></extra>"), row=1, col=3)
    fig.update_xaxes(title_text=f"Actual {label}", row=1, col=1)
    fig.update_yaxes(title_text=f"Predicted {label}", row=1, col=1)
    fig.update_xaxes(title_text=f"Predicted {label}", row=1, col=2)
    fig.update_yaxes(title_text="Residual (actual \u2212 predicted)", row=1, col=2)
    fig.update_xaxes(title_text="Residual", row=1, col=3)
    fig.update_yaxes(title_text="Rows", row=1, col=3)
    return fig


# -- column statistics -----------------------------------------------------------------------
def histogram_figure():
    """An empty column histogram; :func:`show_histogram` fills it for one column."""
    go = _go()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[], y=[], name="Histogram",
                         marker={"color": BLUE, "line": {"color": "#ffffff", "width": 0.5}}))
    fig.update_layout(width=620, height=320, autosize=False, font=FONT, showlegend=False,
                      title={"text": "", "x": 0.02, "y": 0.97},
                      margin={"l": 64, "r": 20, "t": 40, "b": 80}, paper_bgcolor="#ffffff",
                      plot_bgcolor="#ffffff", bargap=0.05)
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        axis.update(showline=True, linecolor="#c8c6c4", gridcolor="#edebe9", ticks="outside",
                    tickcolor="#c8c6c4", zeroline=False)
    fig.layout.yaxis.title.text = "Rows"
    return fig


def histogram_bars(hist: dict) -> dict:
    """The bars of an ``engine.profiling.histogram`` result: x, y, widths, hover ranges and
    the x axis type."""
    counts = [int(c) for c in hist.get("counts") or []]
    kind = hist.get("kind")
    if kind == "categorical":
        cats = [str(c) for c in hist.get("categories") or []]
        if hist.get("other"):
            cats, counts = cats + ["(other values)"], counts + [int(hist["other"])]
        return {"x": cats, "y": counts, "width": None, "hover": cats, "type": "category"}
    edges = list(hist.get("edges") or [])
    if not counts or len(edges) != len(counts) + 1:
        return {"x": [], "y": [], "width": None, "hover": [], "type": "-"}
    if kind == "datetime":
        import pandas as pd

        ts = pd.to_datetime(edges)
        mids = [(ts[i] + (ts[i + 1] - ts[i]) / 2).isoformat() for i in range(len(counts))]
        widths = [(ts[i + 1] - ts[i]).total_seconds() * 1000 for i in range(len(counts))]
        hover = [f"{ts[i]:%Y-%m-%d %H:%M} to {ts[i + 1]:%Y-%m-%d %H:%M}" for i in range(len(counts))]
        return {"x": mids, "y": counts, "width": widths, "hover": hover, "type": "date"}
    e = np.asarray(edges, dtype=float)
    width = np.diff(e)
    width = np.where(width > 0, width, 1.0)
    from .charts import fmt

    hover = [f"{fmt(float(e[i]))} to {fmt(float(e[i + 1]))}" for i in range(len(counts))]
    return {"x": ((e[:-1] + e[1:]) / 2).tolist(), "y": counts, "width": width.tolist(), "hover": hover,
            "type": "linear"}


def show_histogram(fig, hist: dict, column: str) -> None:
    """Fill the histogram chart with the distribution of ``column``."""
    bars = histogram_bars(hist)
    unit = " (seconds)" if hist.get("kind") == "timespan" else ""
    missing = int(hist.get("missing") or 0)
    title = f"{column}: {int(hist.get('count') or 0):,} values"
    if missing:
        title += f", {missing:,} missing"
    with fig.batch_update():
        bar = trace(fig, "Histogram")
        bar.update(x=bars["x"], y=bars["y"], width=bars["width"], customdata=bars["hover"],
                   hovertemplate="%{customdata}: %{y} rows<extra></extra>")
        fig.layout.xaxis.type = bars["type"]
        fig.layout.xaxis.title.text = f"{column}{unit}"
        fig.layout.xaxis.tickangle = -30 if bars["type"] == "category" else None
        fig.layout.title.text = title


__all__ = ["binary_scores", "metrics_at", "binary_figure", "update_binary_figure",
           "confusion_figure", "regression_values", "regression_figure", "histogram_figure",
           "histogram_bars", "show_histogram", "trace", "Chart"]
