"""The Designer: palette, properties panel, toolbar, undo/redo, running, outputs."""

import threading
from html import unescape
import time

import ipywidgets as W
import pytest

from jupyter_designer.engine.params import PIPELINE_PARAMETER
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.widgets import Designer
from jupyter_designer.widgets.designer import ACTIONS, EXTRA_ACTIONS
from jupyter_designer.widgets.properties import ColumnPicker, RuleValues

from widget_helpers import PROBE, custom_messages, flat


def classes(w):
    return set(w._dom_classes)


def param_row(d, key):
    return next(w for w in d.properties.children if f"jd-param-row-{key}" in classes(w))


def view_ready(d):
    d.canvas.handle_message({"type": "ready", "view": "v"})


@pytest.fixture
def designer(ws):
    d = Designer(workspace=ws)
    view_ready(d)
    return d


@pytest.fixture
def wired(designer):
    """probe data -> Widget Probe, the probe selected."""
    d = designer
    data = d.add_dataset("probe data")
    probe = d.add_component(PROBE)
    d.pipeline.connect(data, "dataset", probe, "dataset")
    d.select([probe.id])
    return d, data, probe


# -- layout ----------------------------------------------------------------------------------
def test_layout_and_stable_class_names(designer):
    d = designer
    assert "jd-designer" in classes(d)
    assert d.children[0] is d.toolbar and d.children[-1] is d.outputs
    for action, *_ in ACTIONS + EXTRA_ACTIONS:
        assert f"jd-btn-{action}" in classes(d.buttons[action])
    assert [b.description for b in d.toolbar_extra.children] == [
        "Create inference pipeline", "Publish", "Deploy"]
    assert all(b.disabled for b in d.toolbar_extra.children)
    assert d.outputs.titles == ("Preview", "Visualize", "Metrics", "Logs", "Runs", "Endpoints")
    assert "jd-palette" in classes(d.palette) and "jd-properties" in classes(d.properties)
    assert d.pipeline is d.canvas.pipeline


def test_designer_wraps_the_given_pipeline(ws):
    p = Pipeline("mine")
    d = Designer(p, ws)
    assert d.pipeline is p and p.workspace is ws
    node = p.add_component(PROBE)          # code edits reach the canvas
    view_ready(d)
    assert node.id in {n["id"] for n in custom_messages(d.canvas)[-1]["nodes"]}


# -- palette ---------------------------------------------------------------------------------
def test_palette_groups_components_as_the_reference(designer):
    from jupyter_designer.engine.component import CATEGORIES

    pal = designer.palette
    titles = list(pal.sections.titles)
    assert titles[0] == "Datasets"
    ordered = [t for t in titles[1:] if t in CATEGORIES]
    assert ordered == [c for c in CATEGORIES if c in ordered]
    assert "User Components" in titles
    btn = pal.entry(PROBE)
    assert {"jd-palette-item", "jd-component-widget_probe"} <= classes(btn)
    assert btn.tooltip == PROBE


def test_palette_search(designer):
    pal = designer.palette
    pal.search.value = "probe fail"
    assert [b.description for b in pal.results.children] == ["Widget Probe Fail"]
    assert pal.sections.layout.display == "none"
    assert pal.filter("no such thing at all") == []
    pal.search.value = ""
    assert pal.sections.layout.display is None and pal.results.layout.display == "none"
    assert "probe data" in pal.filter("probe data")


def test_clicking_palette_entries_adds_nodes_at_free_spots(designer):
    d = designer
    d.palette.entry(PROBE).click()
    d.palette.entry(PROBE).click()
    a, b = d.pipeline.nodes.values()
    assert a.title == b.title == PROBE and a.position != b.position
    assert d.selection["nodes"] == [b.id] and d.properties.node_id == b.id
    d.palette.data_items[("dataset", "probe data")].click()
    node = list(d.pipeline.nodes.values())[-1]
    assert node.kind == "dataset" and node.data["name"] == "probe data"
    sample = next(k for k in d.palette.data_items if k[1] == "Iris Data")
    d.palette.data_items[sample].click()
    node = list(d.pipeline.nodes.values())[-1]
    assert node.data["name"] == "Iris Data" and "version" not in node.data


def test_registered_models_appear_in_the_palette(designer, ws):
    from jupyter_designer.engine.models import TrainedModel
    from sklearn.linear_model import LinearRegression

    ws.register_model("price model", TrainedModel(LinearRegression(), "regression", ["a"], "c"))
    designer.palette.refresh()
    btn = designer.palette.data_items[("model", "price model")]
    btn.click()
    node = list(designer.pipeline.nodes.values())[-1]
    assert node.data["type"] == "model" and node.outputs[0].type == "ModelDirectory"


# -- properties panel -----------------------------------------------------------------------------
def test_controls_are_generated_from_the_declarations(wired):
    d, _, probe = wired
    c = d.properties.controls
    assert isinstance(c["count"], W.IntText) and c["count"].value == 3
    assert isinstance(c["ratio"], W.FloatText)
    assert isinstance(c["flag"], W.Checkbox)
    assert isinstance(c["mode"], W.Dropdown) and list(c["mode"].options) == [
        ("Simple", "Simple"), ("Advanced", "Advanced")]
    assert isinstance(c["name"], W.Text)
    assert isinstance(c["script"], W.Textarea) and "jd-code" in classes(c["script"])
    assert isinstance(c["values"], W.Text) and c["values"].value == "1, 2"
    assert isinstance(c["columns"], ColumnPicker) and isinstance(c["label"], ColumnPicker)
    assert "depth" not in c                      # visible only in Advanced mode
    assert {"$comment", "$compute", "$regenerate"} <= set(c)


def test_visible_if_rebuilds_the_controls(wired):
    d, _, probe = wired
    d.properties.controls["mode"].value = "Advanced"
    assert d.pipeline.nodes[probe.id].params["mode"] == "Advanced"
    assert isinstance(d.properties.controls["depth"], W.IntText)
    d.pipeline.undo()
    assert "depth" not in d.properties.controls


def test_control_edits_reach_the_engine(wired):
    d, _, probe = wired
    c = d.properties.controls
    c["count"].value = 7
    c["ratio"].value = 0.25
    c["flag"].value = True
    c["name"].value = "hello"
    c["script"].value = "print(2)"
    c["values"].value = "4, 5, 6"
    assert d.pipeline.nodes[probe.id].params == {
        "count": 7, "ratio": 0.25, "flag": True, "name": "hello", "script": "print(2)",
        "values": [4, 5, 6]}


def test_refused_value_shows_the_engine_message_inline(wired):
    d, _, probe = wired
    d.properties.controls["count"].value = 50
    err = d.properties.errors["count"].value
    assert "The &#x27;Count&#x27; parameter of Widget Probe must be an int in the range [1, 10]" in err
    assert "count" not in d.pipeline.nodes[probe.id].params
    d.properties.controls["count"].value = 4
    assert d.properties.errors["count"].value == ""
    d.properties.controls["values"].value = "1, x"
    assert "Values" in d.properties.errors["values"].value


def test_code_edits_show_in_the_panel(wired):
    d, _, probe = wired
    d.pipeline.set_param(probe.id, "count", 9)
    d.pipeline.set_comment(probe.id, "from code")
    assert d.properties.controls["count"].value == 9
    assert d.properties.controls["$comment"].value == "from code"
    d.pipeline.set_param(probe.id, "mode", "Advanced")
    assert "depth" in d.properties.controls


def test_column_picker_is_fed_by_the_input_schema(wired):
    d, _, probe = wired
    picker = d.properties.controls["columns"]
    assert picker.names == ["a", "b", "c"]
    assert isinstance(picker.control, W.SelectMultiple)
    picker.control.value = ("a", "c")
    assert d.pipeline.nodes[probe.id].params["columns"] == {
        "begin_with": "none", "rules": [{"action": "include", "by": "names", "values": ["a", "c"]}]}
    label = d.properties.controls["label"]
    assert isinstance(label.control, W.Dropdown)
    assert [o[1] for o in label.control.options] == ["", "a", "b", "c"]
    label.control.value = "b"
    assert d.pipeline.nodes[probe.id].params["label"] == "b"


def test_column_picker_rule_form(wired):
    d, _, probe = wired
    picker = d.properties.controls["columns"]
    picker.mode.value = "With rules"
    picker.begin.value = "all"
    picker._rules[0].update(action="exclude", by="type", values=["String"])
    picker.apply_rules()
    sel = d.pipeline.nodes[probe.id].params["columns"]
    assert sel == {"begin_with": "all", "rules": [{"action": "exclude", "by": "type", "values": ["String"]}]}
    # a rule selection opens in rules mode and shows what it resolves to
    picker = d.properties.controls["columns"]
    assert picker.mode.value == "With rules" and "a, c" in picker.summary.value


def test_column_picker_keeps_rule_names_the_input_no_longer_has(wired):
    """A selection naming a column the input lost (renamed upstream, another dataset
    connected) opens without error, keeps the name visible and says what is wrong."""
    d, _, probe = wired
    d.pipeline.set_params(probe.id, {"columns": {"begin_with": "all", "rules": [
        {"action": "exclude", "by": "names", "values": ["b", "gone"]}]}})
    d.select([])
    d.select([probe.id])
    picker = d.properties.controls["columns"]
    assert picker.mode.value == "With rules"
    tags = picker.rule_rows.children[0].children[1]
    assert isinstance(tags, RuleValues)
    assert tags.values == ["b", "gone"]
    assert [c.description for c in tags.chips.children] == ["b \u00d7", "gone (not in the input) \u00d7"]
    assert "gone" in picker.summary.value and "jd-error" in picker.summary.value


def test_column_picker_without_a_schema_takes_names(designer):
    d = designer
    probe = d.add_component(PROBE)
    picker = d.properties.controls["columns"]
    assert picker.names is None and isinstance(picker.control, W.Text)
    picker.control.value = "x, y"
    assert d.pipeline.nodes[probe.id].params["columns"]["rules"][0]["values"] == ["x", "y"]


def test_node_settings(wired, ws):
    d, _, probe = wired
    ws.register_compute("pool", "local-processes", {"n_jobs": 2})
    d.properties.show(probe.id)
    c = d.properties.controls
    c["$comment"].value = "keep three"
    assert [o[1] for o in c["$compute"].options][:2] == ["", "local"] and "pool" in [o[1] for o in c["$compute"].options]
    c["$compute"].value = "pool"
    c["$regenerate"].value = True
    node = d.pipeline.nodes[probe.id]
    assert (node.comment, node.compute, node.regenerate) == ("keep three", "pool", True)
    c["$compute"].value = ""
    assert d.pipeline.nodes[probe.id].compute is None


def test_set_as_pipeline_parameter(wired):
    d, _, probe = wired
    bind = param_row(d, "count").children[0].children[1]
    assert "jd-param-bind" in classes(bind)
    bind.value = True
    assert d.pipeline.nodes[probe.id].params["count"] == {PIPELINE_PARAMETER: "count"}
    assert d.pipeline.parameters["count"].default == 3
    assert d.properties.controls["count"].disabled
    bind = param_row(d, "count").children[0].children[1]
    bind.value = False
    assert d.pipeline.nodes[probe.id].params["count"] == 3


def test_pipeline_settings_when_nothing_is_selected(wired):
    d, _, probe = wired
    d.pipeline.bind_parameter(probe.id, "count", "rows")
    d.select([])
    texts = [w for w in d.properties.children if isinstance(w, W.HBox)]
    default = texts[0].children[0]
    assert default.description == "rows" and default.value == "3"
    default.value = "5"
    assert d.pipeline.parameters["rows"].default == 5


def test_data_node_properties(designer):
    d = designer
    node = d.add_dataset("probe data")
    html = " ".join(w.value for w in d.properties.children if isinstance(w, W.HTML))
    assert "5 rows" in html and "probe data" in html


# -- toolbar ------------------------------------------------------------------------------------
def test_undo_redo_buttons_send_one_batch_each(designer):
    d = designer
    probe = d.add_component(PROBE)
    d.pipeline.set_comment(probe.id, "c")
    assert not d.buttons["undo"].disabled and d.buttons["redo"].disabled
    sent = d.canvas.stats["messages"]
    d.buttons["undo"].click()
    assert d.pipeline.nodes[probe.id].comment == ""
    assert d.canvas.stats["messages"] == sent + 1
    d.buttons["undo"].click()
    assert probe.id not in d.pipeline.nodes
    assert custom_messages(d.canvas)[-1] == {"type": "remove_node", "id": probe.id}
    d.buttons["redo"].click()
    d.buttons["redo"].click()
    assert d.pipeline.nodes[probe.id].comment == "c"
    assert d.buttons["redo"].disabled


def test_keyboard_commands_from_the_canvas(wired):
    d, data, probe = wired
    d.canvas.handle_message({"type": "command", "name": "copy", "nodes": [data.id, probe.id], "edges": []})
    d.canvas.handle_message({"type": "command", "name": "paste"})
    assert len(d.pipeline.nodes) == 4 and len(d.pipeline.edges) == 2
    assert len(d.selection["nodes"]) == 2 and probe.id not in d.selection["nodes"]
    d.canvas.handle_message({"type": "command", "name": "undo"})
    assert len(d.pipeline.nodes) == 2


def test_copy_paste_delete_auto_layout(wired):
    d, data, probe = wired
    d.canvas.handle_message({"type": "select", "nodes": [probe.id], "edges": []})
    d.buttons["copy"].click()
    d.buttons["paste"].click()
    new = d.selection["nodes"]
    assert len(new) == 1 and new[0] != probe.id and d.pipeline.nodes[new[0]].title == PROBE
    d.buttons["delete"].click()
    assert new[0] not in d.pipeline.nodes
    sent = d.canvas.stats["messages"]
    d.buttons["auto-layout"].click()
    # with a view: the view lays out (ELK) and answers with one move of every node
    assert custom_messages(d.canvas)[-1] == {"type": "layout"}
    assert d.canvas.stats["messages"] - sent == 1
    undo_depth = len(d.pipeline._undo)
    d.canvas.handle_message({"type": "move", "moves": [{"id": data.id, "x": 100, "y": 40},
                                                       {"id": probe.id, "x": 100, "y": 200}]})
    assert d.pipeline.nodes[data.id].position[1] < d.pipeline.nodes[probe.id].position[1]
    assert len(d.pipeline._undo) == undo_depth + 1  # one undo step
    # without a view: the Python layout, one batch + a fit
    d.canvas._ready = False
    d.pipeline.move_node(data, 0, 500)
    d.buttons["auto-layout"].click()
    assert d.pipeline.nodes[data.id].position[1] < d.pipeline.nodes[probe.id].position[1]


def test_validate_marks_nodes(designer):
    d = designer
    probe = d.add_component(PROBE)
    issues = d.validate()
    assert issues and d.canvas._issues[probe.id].startswith("Required input port 'Dataset'")
    assert "problem" in d.status_text and "Dataset" in d.status_text
    assert d.selection["nodes"] == [probe.id]


def test_refused_connection_reason_in_the_status_line(wired):
    d, data, probe = wired
    d.canvas.handle_message({"type": "connect", "temp": "t", "source": data.id, "source_port": "dataset",
                             "target": probe.id, "target_port": "dataset"})
    assert "already connected" in d.status_text


def test_readonly_designer(ws, wired):
    d, data, probe = wired
    ro = Designer(d.pipeline.clone(), ws, readonly=True)
    view_ready(ro)
    assert ro.canvas.readonly and ro.palette.layout.display == "none"
    assert all(ro.buttons[a].disabled for a in ("undo", "paste", "delete", "submit", "auto-layout"))
    ro.select([probe.id])
    assert ro.properties.controls["count"].disabled
    assert ro.add_component(PROBE) is None and ro.submit() is None


# -- running ------------------------------------------------------------------------------------
def test_submit_runs_in_the_background_and_colours_the_canvas(wired):
    d, data, probe = wired
    handle = d.submit()
    assert handle is not None and d.run_id == handle.run_id
    d.wait(60)
    deadline = time.time() + 10
    while d.run_state.get("status") == "running" and time.time() < deadline:
        time.sleep(0.05)
    assert d.canvas.statuses[probe.id] == "completed"
    assert d.canvas.statuses[data.id] == "completed"
    kinds = [m["type"] for m in flat(custom_messages(d.canvas))]
    assert "status" in kinds
    st = [m for m in flat(custom_messages(d.canvas)) if m["type"] == "status" and probe.id in m["nodes"]]
    assert [m["nodes"][probe.id]["status"] for m in st] == ["queued", "running", "completed"]
    assert "1/1 nodes" in d.status_text and "completed" in d.status_text
    assert not d.running and not d.buttons["submit"].disabled
    assert d.buttons["cancel"].disabled and d.buttons["cancel"].layout.display == "none"
    # preview through a click on the output port
    d.canvas.handle_message({"type": "port_click", "node": probe.id, "port": "results_dataset",
                             "direction": "out"})
    assert "3 rows \u00d7 3 columns" in d.outputs.preview.value
    assert d.outputs.selected_index == 0
    d.outputs.select("Visualize")
    assert "jd-chart" in d.outputs.visualize.value
    d._show_logs(probe.id)
    assert "probe keeps 3 rows" in d.outputs.logs.value


RELEASE = threading.Event()


def test_a_slow_run_leaves_the_kernel_free(ws):
    from jupyter_designer.engine.component import REGISTRY, component
    from jupyter_designer.engine.ports import DATASET, Port

    if "widget_probe_slow" not in REGISTRY:
        @component("Widget Probe Slow", category="User Components",
                   inputs=[Port("dataset", DATASET)], outputs=[Port("results_dataset", DATASET)])
        def _slow(ctx, inputs, params):
            RELEASE.wait(30)
            return {"results_dataset": inputs["dataset"]}
    RELEASE.clear()
    d = Designer(workspace=ws)
    view_ready(d)
    data = d.add_dataset("probe data")
    slow = d.add_component("Widget Probe Slow")
    d.pipeline.connect(data, None, slow, None)
    try:
        handle = d.submit()
        assert not handle.done                      # the kernel got control back
        assert not d.buttons["cancel"].disabled and d.buttons["submit"].disabled
        assert d.submit() is None and "still going" in d.status_text
        deadline = time.time() + 10
        while "running Widget Probe Slow" not in d.status_text and time.time() < deadline:
            time.sleep(0.02)
        assert "0/1 nodes, running Widget Probe Slow" in d.status_text
        d.pipeline.set_comment(slow.id, "edited while running")   # the draft stays editable
    finally:
        RELEASE.set()
    d.wait(60)


def test_failed_node_error_log_and_go_to_first_failed(ws):
    d = Designer(workspace=ws)
    view_ready(d)
    data = d.add_dataset("probe data")
    bad = d.add_component("Widget Probe Fail")
    after = d.add_component(PROBE)
    d.pipeline.connect(data, None, bad, None)
    d.pipeline.connect(bad, None, after, "dataset")
    d.select([])
    d.submit()
    d.wait(60)
    deadline = time.time() + 10
    while d.run_state.get("status") == "running" and time.time() < deadline:
        time.sleep(0.05)
    assert d.canvas.statuses[bad.id] == "failed" and d.canvas.statuses[after.id] == "skipped"
    assert d.first_failed_button.layout.display is None
    assert "failed" in d.status_text and "Widget Probe Fail" in d.status_text
    assert d.go_to_first_failed() == bad.id
    assert d.selection["nodes"] == [bad.id]
    assert d.outputs.selected_index == 3
    logs = d.outputs.logs.value
    assert "the probe does not accept" in logs and "about to fail" in logs
    snap_msg = custom_messages(d.canvas)
    assert any(m.get("type") == "select" and m.get("center") for m in snap_msg)


def test_run_selected_and_run_up_to(wired):
    d, data, probe = wired
    tail = d.add_component(PROBE)
    d.pipeline.connect(probe, None, tail, "dataset")
    d.select([probe.id])
    d.buttons["run-up-to"].click()
    d.wait(60)
    rec = d.workspace.get_run(d.run_id)
    assert rec.nodes[probe.id].status == "completed" and tail.id not in rec.nodes
    d.select([tail.id])
    d.buttons["run-selected"].click()
    d.wait(60)
    rec = d.workspace.get_run(d.run_id)
    assert rec.nodes[tail.id].status == "completed" and rec.nodes[probe.id].status in ("reused", "completed")


def test_submit_refuses_an_invalid_pipeline(designer):
    d = designer
    d.add_component(PROBE)
    assert d.submit() is None and d.handle is None
    assert "problem" in d.status_text


def test_preview_a_dataset_without_running(designer):
    d = designer
    data = d.add_dataset("probe data")
    d.canvas.handle_message({"type": "port_click", "node": data.id, "port": "dataset", "direction": "out"})
    assert "5 rows \u00d7 3 columns" in d.outputs.preview.value
    probe = d.add_component(PROBE)
    d.canvas.handle_message({"type": "port_click", "node": probe.id, "port": "results_dataset",
                             "direction": "out"})
    assert "Run the pipeline" in d.status_text


# -- column rules: what is typed is kept; the preview; hints that name the cause ---------------
def test_column_rule_typed_name_becomes_a_value_and_survives_apply(wired):
    d, _, probe = wired
    picker = d.properties.controls["columns"]
    picker.mode.value = "With rules"
    picker.begin.value = "all"
    row = picker.rule_rows.children[0]
    action = row.children[0].children[0]
    action.value = "exclude"
    editor = row.children[1]
    assert isinstance(editor, RuleValues) and editor.entry.layout.width != "40px"
    editor.entry.value = "b"              # what the browser sends on Enter, Tab or leaving the box
    assert editor.values == ["b"] and editor.entry.value == ""
    assert "2 of 3 columns selected: a, c" in picker.summary.value
    assert "Not applied yet" in picker.summary.value
    assert picker.apply_rules()
    assert d.pipeline.nodes[probe.id].params["columns"] == {
        "begin_with": "all", "rules": [{"action": "exclude", "by": "names", "values": ["b"]}]}
    assert "Not applied yet" not in picker.summary.value
    # shown again: Exclude, by names, the value
    d.select([])
    d.select([probe.id])
    picker = d.properties.controls["columns"]
    assert picker.mode.value == "With rules" and picker.begin.value == "all"
    row = picker.rule_rows.children[0]
    assert row.children[0].children[0].value == "exclude" and row.children[0].children[1].value == "names"
    assert row.children[1].values == ["b"]
    assert "2 of 3 columns selected: a, c" in picker.summary.value


def test_column_rule_apply_commits_pending_text_and_refuses_an_empty_rule(wired):
    d, _, probe = wired
    picker = d.properties.controls["columns"]
    picker.mode.value = "With rules"
    editor = picker._editors[0]
    before = d.pipeline.nodes[probe.id].params.get("columns")
    assert not picker.apply_rules()       # an empty rule is not dropped silently
    assert "Rule 1 (Include by column names) has no values" in picker.summary.value
    assert d.pipeline.nodes[probe.id].params.get("columns") == before
    editor._clearing = True               # typed, not yet committed
    editor.entry.value = "a, c"
    editor._clearing = False
    assert picker.apply_rules()
    assert d.pipeline.nodes[probe.id].params["columns"]["rules"][0]["values"] == ["a", "c"]


def test_column_rule_keeps_an_unknown_name_and_says_so(wired):
    d, _, probe = wired
    picker = d.properties.controls["columns"]
    picker.mode.value = "With rules"
    picker.begin.value = "all"
    editor = picker._editors[0]
    picker.rule_rows.children[0].children[0].children[0].value = "exclude"
    editor.entry.value = "normalized-losses"
    assert editor.values == ["normalized-losses"]
    assert editor.chips.children[0].description == "normalized-losses (not in the input) \u00d7"
    assert "normalized-losses" in picker.summary.value and "jd-error" in picker.summary.value
    editor.chips.children[0].click()      # removing it is a click (or Enter on the chip)
    assert editor.values == []


def test_column_rule_by_type_and_remove_rule(wired):
    d, _, probe = wired
    picker = d.properties.controls["columns"]
    picker.mode.value = "With rules"
    by = picker.rule_rows.children[0].children[0].children[1]
    by.value = "type"
    editor = picker._editors[0]
    assert "Numeric" in editor.entry.options
    editor.entry.value = "Numeric"
    assert "2 of 3 columns selected: a, c" in picker.summary.value
    editor.entry.value = "Nonsense"
    assert "not a column type" in editor.chips.children[1].description
    assert not picker.apply_rules() and "unknown column type" in picker.summary.value


def test_hint_names_an_unset_upstream_selection(designer):
    d = designer
    data = d.add_dataset("probe data")
    select = d.add_component("Select Columns in Dataset")
    probe = d.add_component(PROBE)
    d.select([probe.id])
    picker = d.properties.controls["columns"]
    assert "Connect the input port 'Dataset' to pick from its columns" in unescape(picker.summary.value)
    d.pipeline.connect(data, "dataset", select, "dataset")
    d.pipeline.connect(select, "results_dataset", probe, "dataset")
    picker = d.properties.controls["columns"]
    assert picker.names is None
    assert ("The upstream node 'Select Columns in Dataset' has no column selection yet: set its "
            "'Select columns' to see columns here") in unescape(picker.summary.value)
    assert "Connect the input port" not in unescape(picker.summary.value)
    label = d.properties.controls["label"]
    assert "has no column selection yet" in unescape(label.summary.value)
    d.pipeline.set_param(select.id, "select_columns", ["a", "c"])
    d.select([select.id])
    d.select([probe.id])
    picker = d.properties.controls["columns"]
    assert picker.names == ["a", "c"]


def test_hint_names_an_unconnected_upstream_input(designer):
    d = designer
    select = d.add_component("Select Columns in Dataset")
    probe = d.add_component(PROBE)
    d.pipeline.connect(select, "results_dataset", probe, "dataset")
    d.pipeline.set_param(select.id, "select_columns", ["a"])
    d.select([probe.id])
    assert ("The upstream node 'Select Columns in Dataset' has nothing connected to its input "
            "'Dataset'") in unescape(d.properties.controls["columns"].summary.value)
