"""The AutoML sample in a real browser: run it from the designer, open the leaderboard by its
output port, see the chart of the metric by trial, and open the best model as a draft."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

SETUP = ("import jupyter_designer as jd\n"
         "p = jd.load_sample('AutoML')\n"
         "p.set_param('train_automl_model', 'time_budget_seconds', 3)\n"
         "d = jd.Designer(p)\nd")


def test_leaderboard_chart_and_open_best_model_as_draft(dp, notebook):
    dp.open_notebook(notebook("automl.ipynb", SETUP))
    dp.run_all()
    dp.wait_canvas()
    dp.designer().locator(".jd-btn-submit").click()
    dp.designer().locator(".jd-status", has_text="Run ").wait_for()
    dp.page.wait_for_function(
        "(s) => /completed|failed|interrupted/.test(s.textContent)",
        arg=dp.designer().locator(".jd-status").element_handle(), timeout=300_000)
    assert re.search(r"completed in .* \((\d+)/\1 nodes\)", dp.status_text()), dp.status_text()

    dp.click_port("train_automl_model", "out", "leaderboard")
    outputs = dp.designer().locator(".jd-outputs")
    chart = outputs.locator(".jd-leaderboard-chart svg")
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    assert "AUC weighted by trial" in chart.inner_html()
    assert chart.locator("circle.jd-trial").count() >= 1
    preview = outputs.locator(".jd-preview")
    assert "Hyperparameters" in preview.inner_text() and "AUC weighted" in preview.inner_text()
    dp.shot("automl leaderboard")

    outputs.locator(".jd-automl-draft button, button.jd-automl-draft").first.click()
    message = outputs.locator(".jd-automl-draft-message")
    message.get_by_text("Saved draft").wait_for()
    assert "AutoML - best model" in message.inner_text()
    dp.shot("automl best model draft saved")
