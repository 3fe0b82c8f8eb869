"""The designer in the Jupyter Notebook 7 interface: it renders, edits and runs as in JupyterLab."""

from __future__ import annotations

import pytest

from designer_page import json_from_output

pytestmark = pytest.mark.browser

CELLS = ("import json\nimport jupyter_designer as jd\nd = jd.Designer()\n"
         "data = d.add_dataset('Automobile price data (Raw)')\n"
         "clean = d.add_component('Clean Missing Data', {'Cleaning mode': 'Remove entire row',\n"
         "    'Columns to be cleaned': {'begin_with': 'all', 'rules': []}})\n"
         "d.pipeline.connect(data, None, clean, 'Dataset')\nd")


def test_designer_works_in_notebook_7(dp, notebook):
    dp.open_notebook(notebook("nb7.ipynb", CELLS), ui="notebook")
    assert "/notebooks/" in dp.page.url
    assert dp.page.locator("#jp-NotebookLogo, .jp-NotebookKernelStatus, #top-panel").count() > 0
    dp.run_all()
    dp.wait_canvas()
    assert sorted(dp.node_ids()) == ["automobile_price_data_raw_1", "clean_missing_data_1"]
    assert dp.edges() == [("automobile_price_data_raw_1", "dataset", "clean_missing_data_1", "dataset")]
    dp.shot("rendered")

    # select on the canvas -> the properties panel follows
    dp.click_node("clean_missing_data_1")
    dp.wait_props_for("clean_missing_data_1")

    # submit from the toolbar; the nodes turn completed, on the canvas and in the kernel
    dp.designer().locator(".jd-btn-submit").click()
    statuses = dp.wait_statuses(("completed", "reused"), timeout=120)
    dp.shot("completed")
    assert set(statuses.values()) <= {"completed", "reused"}, dp.status_text()
    assert "completed" in dp.node_classes("clean_missing_data_1")
    kernel = json_from_output(dp.add_cell_and_run(
        "h = d.handle\nprint(json.dumps({'status': h.status, 'rows': len(h.output('clean_missing_data_1', 'cleaned_dataset'))}))"))
    assert kernel["status"] == "completed" and kernel["rows"] > 100
