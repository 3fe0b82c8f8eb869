"""The output area under the canvas: Preview, Visualize, Metrics, Logs, Runs and Endpoints tabs.

Everything is rendered into ipywidgets HTML (tables and inline SVG), so the views work in
any Jupyter front end and are testable without a browser.
"""

from __future__ import annotations

import bisect
import json

import ipywidgets as W

from .charts import esc, fmt, heatmap_table, histogram_svg, leaderboard_svg, table

TAB_TITLES = ("Preview", "Visualize", "Metrics", "Logs", "Runs", "Endpoints")
PREVIEW_ROWS = 20
MAX_VISUALIZE_COLUMNS = 40


# -- metrics recomputed from curves ---------------------------------------------------------
def binary_metrics_at(result: dict, threshold: float) -> dict | None:
    """Accuracy, precision, recall and F1 of a binary evaluation at another threshold.

    Computed from the ROC curve (positive when the score is >= a curve threshold) and the
    class counts at the evaluated threshold; exact at the curve's own thresholds.
    """
    roc = (result.get("curves") or {}).get("roc")
    m = result.get("metrics") or {}
    if not roc or not roc.get("thresholds"):
        return None
    try:
        pos = int(m["True Positive"]) + int(m["False Negative"])
        neg = int(m["False Positive"]) + int(m["True Negative"])
    except (KeyError, TypeError, ValueError):
        return None
    thr = [float(t) for t in roc["thresholds"]]          # decreasing
    fpr = [float(x) for x in roc["fpr"]]
    tpr = [float(x) for x in roc["tpr"]]
    # the last curve point whose threshold is still >= the asked threshold
    asc = [-t for t in thr]                              # increasing
    i = bisect.bisect_right(asc, -float(threshold)) - 1
    if i < 0:
        tp = fp = 0
        x, y = 0.0, 0.0
    else:
        x, y = fpr[i], tpr[i]
        tp, fp = round(y * pos), round(x * neg)
    fn, tn = pos - tp, neg - fp
    total = pos + neg
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / pos if pos else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"Threshold": float(threshold), "Accuracy": (tp + tn) / total if total else 0.0,
            "Precision": precision, "Recall": recall, "F1 Score": f1,
            "True Positive": tp, "False Positive": fp, "False Negative": fn, "True Negative": tn,
            "fpr": x, "tpr": y}


# -- renderers (pure: value -> HTML) ---------------------------------------------------------
def preview_html(df, title: str = "", n: int = PREVIEW_ROWS) -> str:
    """Shape, schema and the first rows of a table."""
    from jupyter_designer.engine.schema import Schema

    schema = Schema.from_frame(df)
    head = df.head(n)
    rows = []
    for _, r in head.iterrows():
        rows.append([_cell(v) for v in r.tolist()])
    cols = [str(c) for c in df.columns]
    shown_cols = cols[:50]
    rows = [r[:50] for r in rows]
    parts = []
    if title:
        parts.append(f"<b>{esc(title)}</b><br>")
    parts.append(f'<span class="jd-shape">{len(df):,} rows \u00d7 {len(cols):,} columns</span>')
    if len(cols) > 50:
        parts.append(" (first 50 columns shown)")
    parts.append('<div style="overflow:auto; max-height:380px; margin-top:4px">')
    parts.append(table(rows, shown_cols, cls="jd-table jd-preview-table"))
    parts.append("</div><details><summary>Schema</summary>")
    parts.append(table([[c.name, c.kind, c.role or ""] for c in schema.columns],
                       ["Column", "Kind", "Role"], cls="jd-table jd-schema-table"))
    parts.append("</details>")
    return "".join(parts)


def _cell(v) -> str:
    try:
        import pandas as pd
        if v is None or (not isinstance(v, (list, dict)) and pd.isna(v)):
            return ""
    except (TypeError, ValueError):
        pass
    s = fmt(v) if not isinstance(v, str) else v
    return s if len(s) <= 80 else s[:79] + "\u2026"


def object_html(value, title: str = "") -> str:
    """Models, transformations and other non-table outputs: what they describe of themselves."""
    head = f"<b>{esc(title)}</b><br>" if title else ""
    if isinstance(value, str):
        text = value if len(value) < 20000 else value[:20000] + "\n\u2026"
        return head + f'<pre class="jd-log">{esc(text)}</pre>'
    describe = getattr(value, "describe", None)
    if callable(describe):
        try:
            d = describe()
            return head + f'<pre class="jd-log">{esc(json.dumps(d, indent=2, default=str))}</pre>'
        except Exception:  # describe() of a user object may fail; show its repr
            pass
    return head + f'<pre class="jd-log">{esc(repr(value)[:5000])}</pre>'


def visualize_html(df, title: str = "") -> str:
    """Per-column statistics (engine.profiling) with a histogram of each column."""
    from jupyter_designer.engine.profiling import histogram, summarize
    from jupyter_designer.engine.schema import get_roles, kind_of_dtype

    cols = list(df.columns)[:MAX_VISUALIZE_COLUMNS]
    sub = df[cols]
    stats = summarize(sub)
    roles = get_roles(df)
    keep = ["Count", "Unique Value Count", "Missing Value Count", "Min", "Max", "Mean",
            "Median", "Sample Standard Deviation"]
    keep = [k for k in keep if k in stats.columns]
    parts = [f"<b>{esc(title)}</b><br>" if title else "",
             f'<span class="jd-shape">{len(df):,} rows \u00d7 {df.shape[1]:,} columns</span>']
    if df.shape[1] > MAX_VISUALIZE_COLUMNS:
        parts.append(f" (first {MAX_VISUALIZE_COLUMNS} columns shown)")
    parts.append('<div class="jd-visualize" style="display:flex; flex-wrap:wrap; gap:10px; margin-top:6px">')
    for i, c in enumerate(cols):
        s = sub[c]
        hist = histogram(s, 20)
        row = stats.iloc[i]
        st = [[k, row[k]] for k in keep]
        role = roles.get(str(c))
        parts.append('<div class="jd-column-card" style="border:1px solid #edebe9; padding:6px; width:240px">')
        role_text = " \u00b7 " + esc(role) if role else ""
        parts.append(f"<b>{esc(c)}</b> <small>{esc(kind_of_dtype(s.dtype))}{role_text}</small><br>")
        parts.append(histogram_svg(hist, title=str(c)))
        parts.append(table(st, cls="jd-table jd-stats-table", first_col_header=True))
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def metrics_summary_html(result: dict, index: int = 0) -> str:
    m = result.get("metrics") or {}
    rows = [[k, v] for k, v in m.items() if not isinstance(v, (list, dict))]
    side = "" if index == 0 else " (right scored dataset)"
    task = result.get("task", "")
    parts = [f"<b>{esc(task.replace('_', ' ').capitalize())} metrics{esc(side)}</b>",
             table(rows, ["Metric", "Value"], cls="jd-table jd-metrics-table", first_col_header=True)]
    if task == "multiclass" and result.get("confusion_matrix"):
        cm = result["confusion_matrix"]
        parts.append("<b>Confusion matrix</b>")
        parts.append(heatmap_table(cm["labels"], cm["matrix"], cls="jd-table jd-confusion"))
        if result.get("per_class"):
            pc = result["per_class"]
            keys = [k for k in pc[0] if k != "label"]
            parts.append(table([[r["label"], *[r[k] for k in keys]] for r in pc], ["Class", *keys],
                               cls="jd-table jd-per-class"))
    if task == "clustering" and result.get("clusters"):
        cl = result["clusters"]
        keys = list(cl[0])
        parts.append(table([[r[k] for k in keys] for r in cl], keys, cls="jd-table jd-clusters"))
    return "".join(parts)


def threshold_table_html(at: dict | None) -> str:
    if at is None:
        return "<i>No ROC curve in this evaluation: the threshold cannot be changed.</i>"
    keys = ["Threshold", "Accuracy", "Precision", "Recall", "F1 Score", "True Positive",
            "False Positive", "False Negative", "True Negative"]
    return table([[k, at[k]] for k in keys], ["At threshold", "Value"],
                 cls="jd-table jd-threshold-table", first_col_header=True)


def residuals_html(df, label: str, scored: str = "Scored Labels") -> str:
    """Summary of the residuals (label - scored label) of a scored regression table."""
    import numpy as np
    import pandas as pd

    y = pd.to_numeric(df[label], errors="coerce")
    p = pd.to_numeric(df[scored], errors="coerce")
    r = (y - p).dropna()
    if r.empty:
        return "<i>No residuals: the label or the scored labels are all missing.</i>"
    q = np.quantile(r.to_numpy(dtype=float), [0.0, 0.25, 0.5, 0.75, 1.0])
    rows = [["Count", int(len(r))], ["Mean", float(r.mean())], ["Std", float(r.std(ddof=1)) if len(r) > 1 else 0.0],
            ["Min", q[0]], ["1st Quartile", q[1]], ["Median", q[2]], ["3rd Quartile", q[3]], ["Max", q[4]],
            ["Mean absolute", float(r.abs().mean())]]
    return ("<b>Residuals (label \u2212 Scored Labels)</b>"
            + table(rows, ["Residual", "Value"], cls="jd-table jd-residuals", first_col_header=True))


def _side_by_side(*children: W.Widget) -> W.Box:
    """Charts and tables next to each other, wrapping under each other when the cell is narrow."""
    return W.Box(list(children), layout=W.Layout(display="flex", flex_flow="row wrap",
                                                  align_items="flex-start", grid_gap="16px"))


class MetricsView(W.VBox):
    """Evaluate Model's results: the metric tables with charts beside them (ROC and
    precision-recall curves, a confusion matrix and a threshold slider for two-class models;
    a confusion-matrix heatmap for multiclass; predicted-vs-actual and residual plots for
    regression)."""

    def __init__(self):
        super().__init__()
        self.add_class("jd-metrics")
        self.result = None
        self.sliders: list[W.FloatSlider] = []
        self.figures: list = []
        self.threshold_tables: list[W.HTML] = []
        self.show(None)

    def show(self, evaluation, *, scored=None, title: str = "") -> None:
        """``evaluation``: an EvaluationResult (or a dict / list of result dicts); ``scored``:
        the scored table(s) it was computed from (the charts are drawn from them when given)."""
        self.sliders, self.figures, self.threshold_tables = [], [], []
        if evaluation is None:
            self.result = None
            self.children = [W.HTML("<i>Select an Evaluate Model node of a finished run to see its metrics.</i>")]
            return
        results = getattr(evaluation, "results", evaluation)
        if isinstance(results, dict):
            results = [results]
        self.result = results
        kids = [W.HTML(f"<b>{esc(title)}</b>")] if title else []
        scored_list = list(scored) if isinstance(scored, (list, tuple)) else [scored]
        for i, res in enumerate(results):
            df = scored_list[i] if i < len(scored_list) else None
            summary = W.HTML(metrics_summary_html(res, i))
            task = res.get("task")
            if task in ("binary", "anomaly") and (res.get("curves") or {}).get("roc"):
                kids.append(summary)
                kids.append(self._binary_block(res, df))
            elif task == "multiclass" and (res.get("confusion_matrix") or {}).get("matrix"):
                from .plots import Chart, confusion_figure

                cm = res["confusion_matrix"]
                fig = confusion_figure(cm["labels"], cm["matrix"])
                self.figures.append(fig)
                kids.append(_side_by_side(summary, Chart(fig)))
            elif task == "regression":
                kids.append(self._regression_block(res, df, summary))
            else:
                kids.append(summary)
        self.children = kids

    def _binary_block(self, res: dict, df) -> W.Widget:
        from .plots import Chart, binary_figure, binary_scores, metrics_at, update_binary_figure

        scores = binary_scores(df, res)

        def at(t: float):
            if scores is not None:
                return metrics_at(*scores, t)
            return binary_metrics_at(res, t)

        t0 = float((res.get("metrics") or {}).get("Threshold", 0.5) or 0.5)
        slider = W.FloatSlider(value=t0, min=0.0, max=1.0, step=0.01, description="Threshold",
                               continuous_update=False, readout_format=".2f",
                               layout=W.Layout(width="420px"))
        slider.add_class("jd-threshold")
        first = at(t0)
        fig = binary_figure(res, first)
        chart = Chart(fig)
        numbers = W.HTML(threshold_table_html(first))
        numbers.add_class("jd-threshold-numbers")

        def changed(change):
            now = at(change["new"])
            update_binary_figure(fig, now)
            chart.draw()
            numbers.value = threshold_table_html(now)

        slider.observe(changed, "value")
        self.sliders.append(slider)
        self.figures.append(fig)
        self.threshold_tables.append(numbers)
        hint = W.HTML('<small style="color:#605e5c">A row is predicted positive when its scored '
                      "probability is at least the threshold.</small>")
        return W.VBox([W.HBox([slider, hint], layout=W.Layout(align_items="center")),
                       _side_by_side(chart, numbers)])

    def _regression_block(self, res: dict, df, summary: W.HTML) -> W.Widget:
        from .plots import Chart, regression_figure, regression_values

        label = res.get("label")
        values = regression_values(df, label) if label else None
        if values is None or len(values[0]) == 0:
            return summary
        fig = regression_figure(*values, label=str(label))
        self.figures.append(fig)
        residuals = W.HTML(residuals_html(df, label))
        return W.VBox([_side_by_side(summary, residuals), Chart(fig)])


LEADERBOARD_COLUMNS = ("Rank", "Trial", "Learner", "Hyperparameters", "Duration (s)")


def is_leaderboard(value) -> bool:
    """Whether a node output is Train AutoML Model's leaderboard."""
    return hasattr(value, "columns") and set(LEADERBOARD_COLUMNS) <= {str(c) for c in value.columns}


def leaderboard_chart_html(df) -> str:
    """The leaderboard's chart: the primary metric (the column after Hyperparameters) by trial."""
    cols = [str(c) for c in df.columns]
    metric = cols[cols.index("Hyperparameters") + 1]
    values = df[metric].astype(float)
    best = values[df["Rank"] == 1]
    lower = bool(len(best)) and values.notna().sum() > 1 and float(best.iloc[0]) <= float(values.min())
    return leaderboard_svg(df["Trial"].tolist(), values.tolist(), df["Learner"].tolist(),
                           metric=metric, lower_is_better=lower and float(values.min()) < float(values.max()))


class LeaderboardView(W.VBox):
    """Above the preview of an AutoML leaderboard: its chart and "Open best model as draft"."""

    def __init__(self):
        self.chart = W.HTML()
        self.chart.add_class("jd-leaderboard-chart")
        self.button = W.Button(description="Open best model as draft", icon="pencil",
                               tooltip="Save the winning learner and its settings as an editable "
                                       "pipeline draft", layout=W.Layout(width="auto"))
        self.button.add_class("jd-automl-draft")
        self.message = W.HTML()
        self.message.add_class("jd-automl-draft-message")
        self.button.on_click(lambda _: self.open_best_draft())
        #: the workspace the runs are in (a callable; set by the designer)
        self.workspace_of = None
        self.source = None
        self.last_draft = None
        super().__init__(children=[])
        self.add_class("jd-leaderboard")

    def show(self, board, source=None) -> None:
        if board is None:
            self.children = []
            self.source = None
            return
        self.source = source
        self.message.value = ""
        try:
            self.chart.value = leaderboard_chart_html(board)
        except Exception as exc:  # an odd table must not break the preview
            self.chart.value = f'<span class="jd-param-error">Cannot chart: {esc(exc)}</span>'
        self.button.disabled = source is None or self.workspace_of is None
        self.children = [self.chart, W.HBox([self.button, self.message])]

    def open_best_draft(self) -> dict | None:
        """Save the best model of the shown leaderboard's run as a new draft."""
        from jupyter_designer.app.automl import open_best_model_draft

        if self.source is None or self.workspace_of is None:
            self.message.value = '<span class="jd-param-error">Open a run\'s leaderboard first.</span>'
            return None
        try:
            out = open_best_model_draft(self.workspace_of(), *self.source)
        except Exception as exc:
            self.message.value = f'<span class="jd-param-error">{esc(exc)}</span>'
            return None
        self.last_draft = out
        self.message.value = (f"Saved draft <b>{esc(out['draft'])}</b>: {esc(out['learner'])}. "
                              f"Open it with <code>%designer {esc(out['draft'])}</code>.")
        return out


class OutputViews(W.Tab):
    """Tabs: Preview, Visualize, Metrics, Logs, Runs and Endpoints (the last two filled by the
    designer)."""

    def __init__(self, runs: W.Widget | None = None, endpoints: W.Widget | None = None):
        self.preview = W.HTML("<i>Click an output port (bottom dot) of a finished node to preview it.</i>")
        self.automl = LeaderboardView()
        self.visualize = W.HTML("<i>Preview a dataset output to see its column statistics here.</i>")
        self.metrics = MetricsView()
        self.logs = W.HTML("<i>Select a node of a run to see its log.</i>")
        self.runs = runs or W.VBox()
        self.endpoints = endpoints or W.VBox()
        self.column_picker = W.Dropdown(description="Histogram of", options=[],
                                        layout=W.Layout(width="360px"),
                                        style={"description_width": "initial"})
        self.column_picker.add_class("jd-histogram-column")
        self.column_picker.observe(self._on_column, "value")
        self.column_chart = None  # a plots.Chart, created on first use
        self.column_chart_box = W.VBox([])
        self.column_chart_box.add_class("jd-column-histogram")
        self.visualize_tab = W.VBox([self.column_chart_box, self.visualize])
        for w, cls in ((self.preview, "jd-preview"), (self.visualize, "jd-visualize"),
                       (self.visualize_tab, "jd-visualize-tab"),
                       (self.logs, "jd-logs"), (self.runs, "jd-runs"), (self.endpoints, "jd-endpoints")):
            w.add_class(cls)
        self.preview_tab = W.VBox([self.automl, self.preview])
        super().__init__(children=[self.preview_tab, self.visualize_tab, self.metrics, self.logs, self.runs,
                                   self.endpoints])
        self.titles = TAB_TITLES
        self.add_class("jd-outputs")
        self._frame = None
        self._frame_title = ""
        self._visualized = None
        self.observe(self._on_tab, "selected_index")

    def select(self, name: str) -> None:
        self.selected_index = TAB_TITLES.index(name)

    def show_output(self, value, title: str = "", *, scored=None, source=None) -> str:
        """Show a node output in the fitting tab; returns that tab's name. ``source``: the
        ``(run id, node id)`` it came from (an AutoML leaderboard opens its best model)."""
        import pandas as pd

        from jupyter_designer.engine.models import EvaluationResult

        self.automl.show(value if is_leaderboard(value) else None, source)
        if isinstance(value, pd.DataFrame):
            self._frame, self._frame_title, self._visualized = value, title, None
            self.preview.value = preview_html(value, title)
            if self.selected_index == TAB_TITLES.index("Visualize"):
                self._render_visualize()
            else:
                self.visualize.value = "<i>Open this tab to compute the column statistics.</i>"
                self.column_chart_box.children = []
            return "Preview"
        if isinstance(value, EvaluationResult) or (isinstance(value, dict) and "metrics" in value):
            self.metrics.show(value, scored=scored, title=title)
            return "Metrics"
        self.preview.value = object_html(value, title)
        return "Preview"

    def _on_tab(self, change):
        if change["new"] == TAB_TITLES.index("Visualize"):
            self._render_visualize()

    def _render_visualize(self):
        if self._frame is None or self._visualized is self._frame:
            return
        try:
            self.visualize.value = visualize_html(self._frame, self._frame_title)
        except Exception as exc:  # a column pandas cannot summarise must not break the view
            self.visualize.value = f'<span class="jd-param-error">Cannot summarise: {esc(exc)}</span>'
            self.column_chart_box.children = []
            self._visualized = self._frame
            return
        self._visualized = self._frame
        columns = [str(c) for c in list(self._frame.columns)[:MAX_VISUALIZE_COLUMNS]]
        if not columns:
            self.column_chart_box.children = []
            return
        if self.column_chart is None:
            from .plots import Chart, histogram_figure

            self.column_chart = Chart(histogram_figure())
        self.column_picker.unobserve(self._on_column, "value")
        self.column_picker.options = columns
        self.column_picker.value = columns[0]
        self.column_picker.observe(self._on_column, "value")
        self.show_column(columns[0])
        self.column_chart_box.children = [self.column_picker, self.column_chart]

    def _on_column(self, change):
        if change["new"] is not None:
            self.show_column(change["new"])

    def show_column(self, column: str) -> None:
        """Draw the histogram of one column of the dataset in the Visualize tab."""
        from jupyter_designer.engine.profiling import histogram

        from .plots import show_histogram

        if self._frame is None or self.column_chart is None:
            return
        names = {str(c): c for c in self._frame.columns}
        if column not in names:
            raise KeyError(f"The dataset has no column {column!r}; its columns are "
                           f"{', '.join(list(names)[:20])}.")
        if self.column_picker.value != column:
            self.column_picker.value = column  # observed: draws through _on_column
            return
        try:
            hist = histogram(self._frame[names[column]], 20)
        except Exception as exc:  # one odd column must not break the tab
            hist = {"kind": "categorical", "categories": [], "counts": [], "count": 0, "missing": 0}
            show_histogram(self.column_chart.figure, hist, column)
            self.column_chart.figure.layout.title.text = f"{column}: cannot draw ({exc})"
        else:
            show_histogram(self.column_chart.figure, hist, column)
        self.column_chart.draw()

    def show_log(self, title: str, status: str | None, *, error: str | None = None,
                 log: str | None = None, duration: float | None = None) -> None:
        from .canvas import format_duration

        parts = [f"<b>{esc(title)}</b>"]
        if status:
            parts.append(f" \u2014 {esc(status)}")
        if duration is not None:
            parts.append(f" in {esc(format_duration(duration))}")
        if error:
            parts.append(f'<div class="jd-param-error jd-node-error">{esc(error)}</div>')
        parts.append(f'<pre class="jd-log">{esc(log) if log else "(no log output)"}</pre>')
        self.logs.value = "".join(parts)


__all__ = ["OutputViews", "MetricsView", "LeaderboardView", "is_leaderboard", "binary_metrics_at", "preview_html", "visualize_html",
           "object_html", "residuals_html", "threshold_table_html", "fmt"]
