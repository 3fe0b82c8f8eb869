"""The automobile price tutorial, built, run and inspected in a real browser with clicks only."""

from __future__ import annotations

import pytest

from designer_page import json_from_output

pytestmark = pytest.mark.browser

SETUP = "import jupyter_designer as jd\nd = jd.Designer()\nd"


def test_automobile_price_tutorial_by_mouse(dp, notebook):
    dp.open_notebook(notebook("tutorial.ipynb", SETUP))
    dp.run_all()
    dp.wait_canvas()
    dp.shot("empty designer")

    # -- palette: search box + click --------------------------------------------------------
    data = dp.add_from_palette("automobile", "jd-dataset-automobile_price_data_raw")
    select = dp.add_from_palette("select columns", "jd-component-select_columns_in_dataset")
    clean = dp.add_from_palette("clean missing", "jd-component-clean_missing_data")
    split = dp.add_from_palette("split data", "jd-component-split_data")
    learner = dp.add_from_palette("linear regression", "jd-component-linear_regression")
    train = dp.add_from_palette("train model", "jd-component-train_model")
    score = dp.add_from_palette("score model", "jd-component-score_model")
    evaluate = dp.add_from_palette("evaluate model", "jd-component-evaluate_model")
    titles = dp.node_titles()
    assert sorted(titles.values()) == sorted([
        "Automobile price data (Raw)", "Select Columns in Dataset", "Clean Missing Data",
        "Split Data", "Linear Regression", "Train Model", "Score Model", "Evaluate Model"])
    dp.shot("nodes added")

    # -- connections: drag from output port to input port ------------------------------------------
    wires = [(data, "dataset", select, "dataset"),
             (select, "results_dataset", clean, "dataset"),
             (clean, "cleaned_dataset", split, "dataset"),
             (learner, "untrained_model", train, "untrained_model"),
             (split, "results_dataset1", train, "dataset"),
             (train, "trained_model", score, "trained_model"),
             (split, "results_dataset2", score, "dataset"),
             (score, "scored_dataset", evaluate, "scored_dataset")]
    for wire in wires:
        dp.connect(*wire)
        dp.wait_edge(wire)
    assert sorted(dp.edges()) == sorted(wires)
    dp.shot("connected")
    dp.designer().locator(".jd-btn-auto-layout").click()
    dp.page.wait_for_timeout(400)
    dp.shot("auto layout")

    # -- properties panel ----------------------------------------------------------------------
    # Select Columns in Dataset: every column but normalized-losses (many missing values)
    dp.click_node(select)
    dp.wait_props_for(select)
    names = dp.param_row("select_columns").locator("select[multiple] option").all_inner_texts()
    assert "normalized-losses" in names and "price" in names
    keep = [n for n in names if n != "normalized-losses"]
    dp.param_row("select_columns").locator("select[multiple]").select_option(label=keep)
    dp.param_row("select_columns").get_by_text(f"{len(keep)} of {len(names)} columns selected").wait_for()
    dp.shot("select columns")

    # Clean Missing Data: all columns (rules), remove entire row (dropdown)
    dp.click_node(clean)
    dp.wait_props_for(clean)
    row = dp.param_row("columns_to_be_cleaned")
    row.get_by_role("button", name="With rules").click()
    row.locator(".jd-rule-begin select").select_option(label="All columns")
    # the editor starts with one empty rule; all columns need none: remove it, as its hint says
    if row.locator(".jd-rule-remove").count():
        row.locator(".jd-rule-remove").first.click()
    row.locator(".jd-rule-apply button, button.jd-rule-apply").first.click()
    row.get_by_text("Selected: symboling").wait_for()
    dp.choose("cleaning_mode", "Remove entire row")
    dp.page.wait_for_timeout(300)
    assert dp.param_row("cleaning_mode").locator("select").evaluate(
        "s => s.options[s.selectedIndex].text").replace("\xa0", " ") == "Remove entire row"
    dp.shot("clean missing data")

    # Split Data: 70 % for training, seed 123
    dp.click_node(split)
    dp.wait_props_for(split)
    frac = dp.param_row("fraction_of_rows_in_the_first_output_dataset").locator("input")
    frac.fill("0.7")
    frac.press("Enter")
    seed = dp.param_row("random_seed").locator("input")
    seed.fill("123")
    seed.press("Enter")
    dp.shot("split data")

    # Train Model: the label column through the column picker
    dp.click_node(train)
    dp.wait_props_for(train)
    picker = dp.param_row("label_column").locator("select")
    picker.wait_for()
    assert "price" in picker.locator("option").all_inner_texts()
    dp.choose("label_column", "price")
    dp.shot("train model label")

    # -- validate, submit, wait ----------------------------------------------------------------
    dp.designer().locator(".jd-btn-validate").click()
    dp.designer().locator(".jd-status", has_text="The pipeline is valid.").wait_for()
    dp.designer().locator(".jd-btn-submit").click()
    dp.designer().locator(".jd-status", has_text="Run ").wait_for()
    dp.shot("submitted")
    statuses = dp.wait_statuses(timeout=240)
    dp.shot("run finished")
    assert statuses == {nid: "completed" for nid in titles}, dp.status_text()
    assert "completed" in dp.status_text()
    for nid in titles:
        assert "completed" in dp.node_classes(nid)

    # -- outputs: click an output port -------------------------------------------------------------
    outputs = dp.designer().locator(".jd-outputs")
    dp.click_port(score, "out", "scored_dataset")
    preview = outputs.locator(".jd-preview")
    preview.get_by_text("Score Model").first.wait_for()
    preview.locator("th", has_text="Scored Labels").first.wait_for()
    assert "Scored Labels" in preview.inner_text()
    dp.shot("scored dataset preview")

    dp.click_port(evaluate, "out", "evaluation_results")
    metrics = outputs.locator(".jd-metrics")
    metrics.get_by_text("Coefficient of Determination").wait_for()
    assert outputs.locator(".lm-TabBar-tab.lm-mod-current, .p-TabBar-tab.p-mod-current").first.inner_text() == "Metrics"
    text = metrics.inner_text()
    for name in ("Mean Absolute Error", "Root Mean Squared Error", "Coefficient of Determination"):
        assert name in text
    dp.shot("evaluation metrics")

    # -- the draft in the kernel is what the clicks made ----------------------------------------------
    out = dp.add_cell_and_run(
        "import json\n"
        "doc = d.pipeline.to_dict()\n"
        "print(json.dumps({'params': {n['id']: n['params'] for n in doc['nodes']},\n"
        "                  'edges': len(doc['edges']), 'run': d.run_id}))")
    state = json_from_output(out)
    assert state["edges"] == len(wires) and state["run"]
    assert state["params"][train]["label_column"] == "price"
    assert state["params"][clean]["cleaning_mode"] == "Remove entire row"
    assert state["params"][split]["fraction_of_rows_in_the_first_output_dataset"] == 0.7
    assert state["params"][split]["random_seed"] == 123
    assert "normalized-losses" not in str(state["params"][select]["select_columns"])
