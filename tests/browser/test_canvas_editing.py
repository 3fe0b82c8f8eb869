"""Canvas gestures in a real browser: moving nodes, failing nodes, refused connections."""

from __future__ import annotations

import pytest

from designer_page import json_from_output

pytestmark = pytest.mark.browser

DRAFT = "Moved nodes draft"

TWO_NODES = f"""\
import json
import jupyter_designer as jd
d = jd.Designer()
d.pipeline.name = {DRAFT!r}
data = d.add_dataset("Automobile price data (Raw)")
clean = d.add_component("Clean Missing Data")
d.pipeline.connect(data, "dataset", clean, "dataset")
d"""

POSITIONS = "print(json.dumps({n.id: list(n.position) for n in d.pipeline.nodes.values()}))"


def test_dragged_node_keeps_its_place_after_save_and_reopen(dp, notebook):
    dp.open_notebook(notebook("move.ipynb", TWO_NODES))
    dp.run_all()
    dp.wait_canvas()
    clean = "clean_missing_data_1"
    assert set(dp.node_ids()) == {"automobile_price_data_raw_1", clean}
    dp.shot("before drag")
    before = dp.model_position(clean)
    zoom = dp.page.evaluate("() => window.__jdCy(0)[1].zoom()")

    dp.drag_node(clean, 180, 90)
    dp.page.wait_for_timeout(300)
    dp.shot("after drag")
    after = dp.model_position(clean)
    assert after[0] == pytest.approx(before[0] + 180 / zoom, abs=2)
    assert after[1] == pytest.approx(before[1] + 90 / zoom, abs=2)
    # the ports travel with the node
    port = dp.page.evaluate("([id]) => window.__jdCy(0)[1].getElementById(id).position()",
                            [dp.port_id(clean, "in", "dataset")])
    assert port["x"] == pytest.approx(after[0]) and port["y"] == pytest.approx(after[1] - 30)

    # the kernel's draft has the new place
    kernel = json_from_output(dp.add_cell_and_run(POSITIONS))
    assert kernel[clean] == pytest.approx(list(after), abs=0.11)

    # save the notebook and reload the page: the view is rebuilt from the kernel's live widget
    dp.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    dp.page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    dp.page.reload()
    dp.page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')")
    dp.page.evaluate("() => { const s = window.jupyterapp.shell; if (!s.leftCollapsed) s.collapseLeft(); }")
    dp.wait_canvas()
    dp.page.wait_for_function("() => window.__jdCy(0)[1].nodes('node.jd-node').length === 2")
    dp.shot("after reload")
    assert dp.model_position(clean) == pytest.approx(after, abs=0.11)

    # save the draft and open it again in a new cell
    save = dp.designer().locator(".jd-btn-save")
    if save.count():
        save.click()
        dp.designer().locator(".jd-status", has_text="aved").wait_for()
    else:  # no save button in the toolbar: save from code, as the README shows
        dp.add_cell_and_run(f"jd.workspace().save_draft({DRAFT!r}, d.pipeline.to_dict())")
    out = dp.add_cell_and_run(f"%load_ext jupyter_designer\n%designer open {DRAFT}")
    assert "error" not in out.lower(), out
    dp.wait_canvas(1)
    dp.page.wait_for_function("() => window.__jdCy(1)[1].nodes('node.jd-node').length === 2")
    dp.designer(1).scroll_into_view_if_needed()
    dp.shot("reopened")
    assert dp.model_position(clean, 1) == pytest.approx(after, abs=0.11)
    assert dp.model_position("automobile_price_data_raw_1", 1) == pytest.approx(
        dp.model_position("automobile_price_data_raw_1", 0), abs=0.11)
    assert dp.edges(1) == [("automobile_price_data_raw_1", "dataset", clean, "dataset")]


FAILING_SCRIPT = """\
def azureml_main(dataframe1=None, dataframe2=None):
    raise ValueError("the price column has 41 rows this script refuses")
"""


def test_failing_node_shows_its_error(dp, notebook):
    dp.open_notebook(notebook("fail.ipynb", "import jupyter_designer as jd\nd = jd.Designer()\nd"))
    dp.run_all()
    dp.wait_canvas()
    data = dp.add_from_palette("automobile", "jd-dataset-automobile_price_data_raw")
    script = dp.add_from_palette("execute python", "jd-component-execute_python_script")
    dp.connect(data, "dataset", script, "dataset1")
    dp.wait_edge((data, "dataset", script, "dataset1"))

    dp.click_node(script)
    dp.wait_props_for(script)
    editor = dp.param_row("python_script").locator("textarea")
    editor.fill(FAILING_SCRIPT)
    # leaving the editor sends the text (before the Submit click, on the same channel)
    dp.props().locator(".jd-props-title").click()
    dp.shot("script typed")

    dp.designer().locator(".jd-btn-submit").click()
    statuses = dp.wait_statuses(timeout=120)
    dp.shot("run finished")
    assert statuses[script] == "failed"
    assert "failed" in dp.node_classes(script)
    assert statuses[data] == "completed"
    assert "failed" in dp.status_text() and "Execute Python Script" in dp.status_text()
    # the error travels to the node (its tooltip) ...
    assert "41 rows this script refuses" in (dp.node_data(script).get("error") or "")

    # ... and to the Logs tab, through the status bar's button
    dp.designer().locator(".jd-btn-first-failed").click()
    logs = dp.designer().locator(".jd-logs")
    logs.get_by_text("41 rows this script refuses").first.wait_for()
    logs.scroll_into_view_if_needed()
    dp.shot("logs tab")
    assert "ValueError" in logs.inner_text()
    assert dp.designer().locator(".jd-outputs .lm-TabBar-tab.lm-mod-current").inner_text() == "Logs"

    # hovering the node shows the error too (once the pan to the failed node has ended)
    dp.page.wait_for_timeout(500)
    x, y = dp.visible_point(script)
    dp.page.mouse.move(x - 60, y - 60)
    dp.page.mouse.move(x, y, steps=6)
    tip = dp.designer().locator(".jd-tooltip.jd-tooltip-show")
    tip.wait_for()
    assert "41 rows this script refuses" in tip.inner_text()
    dp.shot("tooltip")


THREE_NODES = """\
import json
import jupyter_designer as jd
d = jd.Designer()
data = d.add_dataset("Automobile price data (Raw)")
learner = d.add_component("Linear Regression", position=(300, 0))
train = d.add_component("Train Model", position=(150, 160))
d"""


def test_invalid_connection_is_refused_with_the_reason(dp, notebook):
    dp.open_notebook(notebook("refuse.ipynb", THREE_NODES))
    dp.run_all()
    dp.wait_canvas()
    data, learner, train = "automobile_price_data_raw_1", "linear_regression_1", "train_model_1"
    assert set(dp.node_ids()) == {data, learner, train}

    # a dataset into the untrained-model port
    dp.connect(data, "dataset", train, "untrained_model")
    toast = dp.designer().locator(".jd-toast.jd-toast-show")
    toast.wait_for()
    dp.shot("refused")
    reason = toast.inner_text()
    assert "Untrained model" in reason and "Train Model" in reason, reason
    assert "Not connected" in dp.status_text() and "Untrained model" in dp.status_text()
    # nothing drawn, not even the dashed pending edge
    dp.page.wait_for_function("() => window.__jdCy(0)[1].edges().length === 0")
    assert dp.edges() == []

    # the same gesture onto the right ports connects
    dp.connect(data, "dataset", train, "dataset")
    dp.wait_edge((data, "dataset", train, "dataset"))
    dp.connect(learner, "untrained_model", train, "untrained_model")
    dp.wait_edge((learner, "untrained_model", train, "untrained_model"))
    dp.shot("connected")
    kernel = json_from_output(dp.add_cell_and_run(
        "print(json.dumps(sorted([e.source, e.source_port, e.target, e.target_port]"
        " for e in d.pipeline.edges.values())))"))
    assert kernel == sorted([[data, "dataset", train, "dataset"],
                             [learner, "untrained_model", train, "untrained_model"]])
