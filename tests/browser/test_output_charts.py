"""Evaluation and column-statistics charts in the designer's output tabs, in a real browser.

The sample pipelines are opened in a designer, submitted with its button, and their outputs
opened by clicking output ports; the charts must be drawn by plotly (SVG with labelled axes),
the threshold slider must answer the mouse and the keyboard, and nothing may be loaded from
outside the Jupyter server.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

SETUP = "import jupyter_designer as jd\nd = jd.Designer(jd.load_sample({name!r}))\nd"

# What a user sees of a plotly chart: its axis titles, how many bars and points it drew, the
# text in its heatmap cells, its subplot titles.
_PLOT_STATE = """(plot) => {
  const texts = (sel) => [...plot.querySelectorAll(sel)].map(e => e.textContent.trim());
  return {
    svgs: plot.querySelectorAll('svg.main-svg').length,
    xtitles: texts('.xtitle, .x2title, .x3title'),
    ytitles: texts('.ytitle, .y2title, .y3title'),
    xticks: texts('.xtick text, .x2tick text, .x3tick text').length,
    yticks: texts('.ytick text, .y2tick text, .y3tick text').length,
    cells: texts('.heatmaplayer text, .heatmaplayer .textpoint'),
    annotations: texts('.annotation-text'),
    gtitle: texts('.gtitle'),
    bars: plot.querySelectorAll('.barlayer .point path, .barlayer .point').length,
    points: plot.querySelectorAll('.scatterlayer .point').length,
    lines: plot.querySelectorAll('.scatterlayer .js-line').length,
    width: plot.getBoundingClientRect().width,
  };
}"""


def plot_state(locator) -> dict:
    return locator.evaluate(_PLOT_STATE)


def outside_requests(page) -> list[str]:
    """Start recording the requests that leave the Jupyter server; returns the live list."""
    seen: list[str] = []

    def record(request):
        if not re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]", request.url) and \
                not request.url.startswith(("data:", "blob:", "about:")):
            seen.append(request.url)

    page.on("request", record)
    return seen


def run_sample(dp, notebook, name: str, *, timeout: float = 300) -> None:
    dp.open_notebook(notebook(f"{name}.ipynb", SETUP.format(name=name)))
    dp.run_all()
    dp.wait_canvas()
    dp.designer().locator(".jd-btn-submit").click()
    dp.designer().locator(".jd-status", has_text="Run ").wait_for()
    dp.page.wait_for_function(
        "(s) => /completed|failed|interrupted/.test(s.textContent)",
        arg=dp.designer().locator(".jd-status").element_handle(), timeout=timeout * 1000)
    assert re.search(r"completed in .* \((\d+)/\1 nodes\)", dp.status_text()), dp.status_text()


def current_tab(dp) -> str:
    return dp.designer().locator(".jd-outputs .lm-TabBar-tab.lm-mod-current").first.inner_text()


def wait_plot(container, n: int = 1):
    """The ``n``-th plotly chart in ``container`` once it has drawn its axes."""
    plot = container.locator(".js-plotly-plot").nth(n - 1)
    plot.locator(".xtick").first.wait_for(state="attached", timeout=90_000)
    return plot


def test_binary_classification_charts_and_threshold_slider(dp, notebook):
    outside = outside_requests(dp.page)
    run_sample(dp, notebook, "binary_classification_feature_selection")
    dp.shot("binary run finished")

    dp.click_port("evaluate_model", "out", "evaluation_results")
    metrics = dp.designer().locator(".jd-outputs .jd-metrics")
    table = metrics.locator(".jd-metrics-table")
    table.wait_for()
    assert current_tab(dp) == "Metrics"
    # the metric table is still there
    for name in ("Accuracy", "Precision", "Recall", "F1 Score", "AUC"):
        assert name in table.inner_text()

    plot = wait_plot(metrics)
    plot.scroll_into_view_if_needed()
    state = plot_state(plot)
    assert state["svgs"] >= 2, state
    assert state["xtitles"] == ["False positive rate", "Recall", "Predicted"], state
    assert state["ytitles"] == ["True positive rate", "Precision", "Actual"], state
    assert state["xticks"] >= 6 and state["yticks"] >= 6, state
    assert state["lines"] >= 3, state            # random-guess diagonal, ROC, precision-recall
    assert any(a.startswith("AUC = 0.") for a in state["annotations"]), state
    assert "Confusion matrix at threshold 0.50" in state["annotations"], state
    cells_before = state["cells"]
    assert len(cells_before) == 4 and all(c.isdigit() for c in cells_before), state
    numbers = metrics.locator(".jd-threshold-numbers")
    assert "0.5" in numbers.locator("tbody tr").first.inner_text()
    dp.shot("binary charts at threshold 0.50")

    # -- the mouse: click the slider's track at about 85 % --------------------------------------------
    slider = metrics.locator(".jd-threshold")
    track = slider.locator(".noUi-target, .slider-container").first
    box = track.bounding_box()
    dp.page.mouse.click(box["x"] + box["width"] * 0.85, box["y"] + box["height"] / 2)
    readout = slider.locator(".widget-readout")
    dp.page.wait_for_function("(e) => e.textContent.trim() !== '0.50'", arg=readout.element_handle())
    t_mouse = float(readout.inner_text())
    assert 0.75 <= t_mouse <= 0.95, t_mouse
    # the plot is looked up again on every poll: plotly may draw it into a new element
    plot.locator(".annotation-text", has_text=f"threshold {t_mouse:.2f}").first.wait_for()
    after_mouse = plot_state(plot)
    assert after_mouse["cells"] != cells_before, (cells_before, after_mouse)
    assert sum(map(int, after_mouse["cells"])) == sum(map(int, cells_before))
    assert f"{t_mouse:.2f}".rstrip("0") in numbers.locator("tbody tr").first.inner_text()
    dp.shot("threshold moved with the mouse")

    # -- the keyboard: focus the handle, ArrowLeft to a low threshold ----------------------------------
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(12):
        dp.page.keyboard.press("PageDown")    # five steps of 0.01 each
    dp.page.keyboard.press("ArrowLeft")
    dp.page.wait_for_function("([e, t]) => parseFloat(e.textContent) < t - 0.5",
                              arg=[readout.element_handle(), t_mouse])
    t_keys = float(readout.inner_text())
    # every key press is a change the kernel answers: wait for the last one's chart
    plot.locator(".annotation-text", has_text=f"threshold {t_keys:.2f}").first.wait_for(
        timeout=120_000)
    after_keys = plot_state(plot)
    assert after_keys["cells"] != after_mouse["cells"], (after_mouse, after_keys)
    # a lower threshold predicts more positives: the predicted-positive column grows
    tn, fp, fn, tp = map(int, after_keys["cells"])
    tn0, fp0, fn0, tp0 = map(int, after_mouse["cells"])
    assert fp + tp > fp0 + tp0, (after_mouse["cells"], after_keys["cells"])
    assert "True Positive" in numbers.inner_text() and str(tp) in numbers.inner_text()
    dp.shot("threshold moved with the keyboard")

    assert state["width"] <= dp.designer().bounding_box()["width"]
    assert not outside, f"the page loaded from outside the Jupyter server: {outside[:5]}"
    errors = [m for m in dp.console if m.startswith(("error", "pageerror")) and "plotly" in m.lower()]
    assert not errors, errors


def test_regression_charts_and_column_histograms(dp, notebook):
    outside = outside_requests(dp.page)
    run_sample(dp, notebook, "automobile_price_basic")

    # -- Evaluate Model: predicted vs actual, residuals ------------------------------------------------
    dp.click_port("evaluate_model", "out", "evaluation_results")
    metrics = dp.designer().locator(".jd-outputs .jd-metrics")
    metrics.locator(".jd-metrics-table", has_text="Coefficient of Determination").wait_for()
    assert current_tab(dp) == "Metrics"
    assert "Mean Absolute Error" in metrics.locator(".jd-metrics-table").inner_text()
    assert "Mean absolute" in metrics.locator(".jd-residuals").inner_text()
    plot = wait_plot(metrics)
    plot.scroll_into_view_if_needed()
    state = plot_state(plot)
    assert state["xtitles"] == ["Actual price", "Predicted price", "Residual"], state
    assert state["ytitles"] == ["Predicted price", "Residual (actual \u2212 predicted)", "Rows"], state
    assert state["points"] >= 2 * 50, state      # both scatter plots, one point per test row
    assert state["bars"] >= 5 and state["xticks"] >= 6, state
    dp.shot("regression charts")

    # -- column statistics of the dataset: Visualize tab -----------------------------------------------
    dp.click_port("automobile_price_data", "out", "dataset")
    outputs = dp.designer().locator(".jd-outputs")
    outputs.locator(".jd-preview").get_by_text("Automobile price data").first.wait_for()
    outputs.locator(".lm-TabBar-tab", has_text="Visualize").click()
    visualize = outputs.locator(".jd-visualize-tab")
    visualize.locator(".jd-column-card").first.wait_for()
    hist = wait_plot(visualize.locator(".jd-column-histogram"))
    picker = visualize.locator(".jd-histogram-column select")
    assert picker.evaluate("s => s.value") == "symboling"
    hist.scroll_into_view_if_needed()
    state = plot_state(hist)
    assert state["xtitles"] == ["symboling"] and state["ytitles"] == ["Rows"], state
    assert state["gtitle"] == ["symboling: 205 values"], state
    assert state["bars"] >= 5 and state["yticks"] >= 3, state
    dp.shot("column histogram symboling")

    picker.select_option("make")
    # a redrawn chart is a new plot element: look it up in the chart's box each time
    box = visualize.locator(".jd-column-histogram").element_handle()
    dp.page.wait_for_function("(b) => (b.querySelector('.js-plotly-plot .xtitle') || {}).textContent === 'make'",
                              arg=box)
    state = plot_state(hist)
    assert state["bars"] >= 15 and state["xticks"] >= 15, state
    dp.shot("column histogram make")

    picker.select_option("normalized-losses")
    dp.page.wait_for_function(
        "(b) => (b.querySelector('.js-plotly-plot .gtitle') || {}).textContent === "
        "'normalized-losses: 164 values, 41 missing'", arg=box)
    dp.shot("column histogram with missing values")
    assert not outside, f"the page loaded from outside the Jupyter server: {outside[:5]}"
