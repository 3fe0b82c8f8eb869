"""The properties panel in a real browser: column rules set by keyboard and mouse, hints that
name the real cause, and the endpoint Test form's example request."""

from __future__ import annotations

import json

import pytest

from designer_page import json_from_output

pytestmark = pytest.mark.browser

DATASET = "Automobile price data (Raw)"

SELECT_AND_CLEAN = f"""\
import json
import jupyter_designer as jd
d = jd.Designer(workspace=jd.workspace())
data = d.add_dataset({DATASET!r})
select = d.add_component("Select Columns in Dataset")
clean = d.add_component("Clean Missing Data")
d.pipeline.connect(data, "dataset", select, "dataset")
d.pipeline.connect(select, "results_dataset", clean, "dataset")
print(json.dumps([select.id, clean.id]))
d"""

SELECTION = "print(json.dumps(d.pipeline.nodes[select.id].params.get('select_columns')))"


def test_column_rules_by_keyboard_keep_what_was_typed(dp, notebook):
    dp.open_notebook(notebook("rules.ipynb", SELECT_AND_CLEAN))
    dp.run_all()
    dp.wait_canvas()
    select, clean = next(json.loads(line) for line in dp.cell_output(0).splitlines()
                         if line.startswith('["'))
    page = dp.page

    # the downstream node names the real reason it has no columns to offer
    dp.click_node(clean)
    dp.wait_props_for(clean)
    hint = dp.param_row("columns_to_be_cleaned").locator(".jd-column-summary")
    hint.wait_for()
    assert ("The upstream node 'Select Columns in Dataset' has no column selection yet: set its "
            "'Select columns' to see columns here") in hint.inner_text()
    assert "Connect the input port" not in hint.inner_text()
    dp.shot_of(dp.props(), "hint names the unset upstream selection")

    # Select Columns: With rules, Begin with all columns, Exclude, column names
    dp.click_node(select)
    dp.wait_props_for(select)
    row = dp.param_row("select_columns")
    row.get_by_role("button", name="With rules").click()
    row.locator(".jd-rule-begin select").wait_for()
    row.locator(".jd-rule-begin select").select_option(label="All columns")
    row.locator(".jd-rule-action select").select_option(label="Exclude")
    assert row.locator(".jd-rule-by select").input_value() == "column names"
    entry = row.locator(".jd-rule-entry input")
    box = entry.bounding_box()
    assert box["width"] >= 180, f"the rule's text box is {box['width']:.0f} px wide"

    # Enter commits
    entry.click()
    entry.press_sequentially("normalized-losses")
    entry.press("Enter")
    chips = row.locator(".jd-rule-chip")
    chips.first.wait_for()
    assert chips.all_inner_texts() == ["normalized-losses \u00d7"]
    assert entry.input_value() == ""
    summary = row.locator(".jd-column-summary")
    page.wait_for_function("(e) => e.innerText.includes('25 of 26 columns selected: symboling, make,')",
                           arg=summary.element_handle())
    assert "Not applied yet" in summary.inner_text()
    dp.shot_of(dp.props(), "Enter made a chip and the preview counts 25 of 26")

    # Tab (leaving the box) commits
    entry.press_sequentially("make")
    entry.press("Tab")
    page.wait_for_function("(r) => r.querySelectorAll('.jd-rule-chip').length === 2",
                           arg=row.element_handle())
    assert page.evaluate("() => document.activeElement.closest('.jd-rule-add-value') !== null"), \
        "Tab from the rule's box goes to its Add button"

    # a name the input does not have is kept and marked, not dropped
    entry.click()
    entry.press_sequentially("no-such-column")
    entry.press("Enter")
    page.wait_for_function("(r) => r.querySelectorAll('.jd-rule-chip').length === 3",
                           arg=row.element_handle())
    assert "no-such-column (not in the input) \u00d7" in chips.all_inner_texts()
    page.wait_for_function("(e) => e.innerText.includes('no-such-column')", arg=summary.element_handle())
    dp.shot_of(dp.props(), "unknown name kept and marked")
    row.locator(".jd-rule-chip-unknown").click()     # removed by a click on its chip
    page.wait_for_function("(r) => r.querySelectorAll('.jd-rule-chip').length === 2",
                           arg=row.element_handle())

    # typed but not committed, then Apply reached with Tab and pressed with Enter
    entry.click()
    entry.press_sequentially("num-of-doors")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('.jd-rule-apply') !== null"):
            break
    else:
        raise AssertionError("Tab never reached the Apply button")
    page.keyboard.press("Enter")
    page.wait_for_function("(e) => e.innerText.includes('23 of 26 columns selected') && "
                           "!e.innerText.includes('Not applied yet')", arg=summary.element_handle())
    dp.shot_of(dp.props(), "applied by keyboard")
    assert json_from_output(dp.add_cell_and_run(SELECTION)) == {
        "begin_with": "all",
        "rules": [{"action": "exclude", "by": "names",
                   "values": ["normalized-losses", "make", "num-of-doors"]}]}

    # shown again, the rule is as it was applied: Exclude, column names, three chips
    dp.click_node(clean)
    dp.wait_props_for(clean)
    dp.click_node(select)
    dp.wait_props_for(select)
    row = dp.param_row("select_columns")
    row.locator(".jd-rule-action select").wait_for()
    assert row.locator(".jd-rule-action select").input_value() == "Exclude"
    assert row.locator(".jd-rule-by select").input_value() == "column names"
    assert row.locator(".jd-rule-begin select").input_value() == "All columns"
    assert row.locator(".jd-rule-chip").all_inner_texts() == [
        "normalized-losses \u00d7", "make \u00d7", "num-of-doors \u00d7"]

    # downstream, the columns that remain are offered
    dp.click_node(clean)
    dp.wait_props_for(clean)
    options = dp.param_row("columns_to_be_cleaned").locator("select option").all_inner_texts()
    assert len(options) == 23 and "make" not in options and "symboling" in options
    dp.shot_of(dp.props(), "downstream offers the 23 columns")


ALL_COLUMNS_ENDPOINT = """\
import jupyter_designer as jd
from jupyter_designer import serving
from jupyter_designer.widgets.endpoints import EndpointPanel
p = jd.load_sample("Automobile price prediction (basic)")
sel = next(n for n in p.nodes.values() if n.component == "select_columns_in_dataset")
p.set_param(sel.id, "select_columns", {"begin_with": "all", "rules": []})
h = jd.submit(p, experiment="all columns")
serving.deploy(jd.workspace(), "all-columns", run_id=h.run_id)
EndpointPanel(name="all-columns")"""


def test_endpoint_test_form_example_scores_and_a_removed_row_is_explained(dp, notebook):
    """normalized-losses kept: Clean Missing Data ('Remove entire row') drops the first
    training rows, so the example must be a later row; a row sent with a missing value is
    named with the step that removed it (or refused with a readable 400)."""
    dp.open_notebook(notebook("endpoint.ipynb", ALL_COLUMNS_ENDPOINT))
    dp.run_all(timeout=300)
    panel = dp.page.locator(".jd-endpoint-panel")
    request_box = panel.locator(".jd-endpoint-request textarea")
    request_box.wait_for(timeout=60_000)
    request_box.scroll_into_view_if_needed()
    example = json.loads(request_box.input_value())
    row = example["Inputs"]["WebServiceInput0"][0]
    assert all(v is not None for v in row.values()), row
    panel.locator(".jd-endpoint-test-run").click()
    response = panel.locator(".jd-endpoint-response")
    response.get_by_text("200 OK: 1 row scored").wait_for(timeout=60_000)
    assert "got no prediction" not in response.inner_text()
    dp.shot_of(panel, "the example request scores one row")

    two = {"Inputs": {"WebServiceInput0": [row, {**row, "bore": None}]}, "GlobalParameters": {}}
    request_box.fill(json.dumps(two, indent=2))
    panel.locator(".jd-endpoint-test-run").click()
    dp.page.wait_for_function(
        "(e) => e.innerText.includes('got no prediction') || e.innerText.includes('400 Bad Request')",
        arg=response.element_handle(), timeout=60_000)
    text = response.inner_text()
    dp.shot_of(panel, "a removed row is explained")
    if "400 Bad Request" in text:
        assert "Row 1" in text and "bore" in text, text
    else:
        assert "200 OK: 1 row scored" in text
        assert "1 of the 2 rows sent got no prediction: Apply Transformation removed 1 of its 2 rows" in text, text
