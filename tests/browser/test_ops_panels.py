"""Lineage in a real browser: a trained and deployed endpoint, and its lineage graph opened
from the designer's toolbar, down to the dataset the training run read."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SETUP = ("import jupyter_designer as jd\n"
         "from jupyter_designer import serving\n"
         "from jupyter_designer.engine.runner import Runner\n"
         "ws = jd.workspace()\n"
         "p = jd.load_sample('Automobile price prediction (basic)', workspace=ws)\n"
         "h = Runner(ws).submit(p, 'lineage in the browser')\n"
         "assert ws.get_run(h.run_id).status == 'completed'\n"
         "serving.deploy(ws, 'autos-browser', run_id=h.run_id)\n"
         "d = jd.Designer(workspace=ws)\nd")


def test_lineage_graph_of_an_endpoint(dp, notebook):
    dp.open_notebook(notebook("ops.ipynb", SETUP))
    dp.run_all()
    dp.wait_canvas()
    designer = dp.designer()
    designer.locator(".jd-btn-ops").click()
    panel = designer.locator(".jd-lineage-panel")
    panel.wait_for()
    select = panel.locator("select").first
    option = select.locator("option", has_text="endpoint: autos-browser")
    select.select_option(label=option.inner_text())
    panel.locator("button", has_text="Show").click()
    graph = panel.locator(".jd-lineage-canvas svg")
    graph.wait_for(timeout=120_000)
    text = graph.inner_html()
    assert "LIVE" in text and "Automobile price data" in text
    graph.scroll_into_view_if_needed()
    dp.shot("lineage of the endpoint")
    # a graph wider than the panel scrolls: its far end (the dataset the run read) is reachable
    box = panel.locator(".jd-lineage-canvas")
    box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    dataset = graph.locator(".jd-lineage-node", has_text="Automobile price data")
    assert dataset.count() >= 1
    dataset.first.scroll_into_view_if_needed()
    dp.shot("lineage scrolled to the dataset")
