"""The canvas protocol: snapshot on ready, one small message per change, requests from the view."""

import json

import pytest

from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.widgets.canvas import Canvas, node_view, status_text

from widget_helpers import PROBE, custom_messages, flat


def ready(canvas, view="v1"):
    """A view says it is ready; returns the snapshot it gets (run colours may follow it)."""
    canvas.handle_message({"type": "ready", "view": view})
    return next(m for m in reversed(custom_messages(canvas)) if m["type"] == "snapshot")


@pytest.fixture
def pipe():
    p = Pipeline("draft")
    d = p.add_dataset("probe data", position=(0, 0), schema=[{"name": "a", "kind": "double"},
                                                            {"name": "b", "kind": "string"}])
    n = p.add_component(PROBE, position=(0, 150))
    p.connect(d, "dataset", n, "dataset")
    return p


def test_nothing_is_sent_before_a_view_is_ready(pipe):
    c = Canvas(pipe)
    pipe.add_component(PROBE)
    assert c.stats["messages"] == 0 and custom_messages(c) == []


def test_ready_is_answered_with_a_full_snapshot(pipe):
    c = Canvas(pipe)
    snap = ready(c, "view-7")
    assert snap["type"] == "snapshot" and snap["view"] == "view-7"
    assert {n["id"] for n in snap["nodes"]} == set(pipe.nodes)
    assert [e["id"] for e in snap["edges"]] == list(pipe.edges)
    probe = next(n for n in snap["nodes"] if n["kind"] == "component")
    assert probe["title"] == PROBE and (probe["x"], probe["y"]) == (0.0, 150.0)
    assert [p["key"] for p in probe["inputs"]] == ["dataset", "right"]
    assert probe["inputs"][1]["optional"] is True
    assert [p["key"] for p in probe["outputs"]] == ["results_dataset"]
    data = next(n for n in snap["nodes"] if n["kind"] == "dataset")
    assert data["inputs"] == [] and data["data_type"] == "dataset"
    assert c.stats == {"messages": 1, "bytes": len(json.dumps(snap, separators=(",", ":"))),
                       "snapshots": 1, "received": 1}


def test_code_edits_become_one_small_message_each(pipe):
    c = Canvas(pipe)
    ready(c)
    before = c.stats["messages"]
    node = pipe.add_component(PROBE, position=(300, 150))
    m = custom_messages(c)[-1]
    assert m["type"] == "add_node" and m["node"]["id"] == node.id
    pipe.set_comment(node.id, "keeps a few rows")
    m = custom_messages(c)[-1]
    assert m == {"type": "update_node", "id": node.id, "changes": {"comment": "keeps a few rows"}}
    pipe.move_node(node.id, 310, 160)
    assert custom_messages(c)[-1]["changes"] == {"x": 310.0, "y": 160.0}
    e = pipe.connect(next(iter(pipe.nodes)), "dataset", node.id, "dataset")
    assert custom_messages(c)[-1] == {"type": "add_edge", "edge": e.as_dict()}
    pipe.disconnect(e.id)
    assert custom_messages(c)[-1] == {"type": "remove_edge", "id": e.id}
    pipe.remove_node(node.id)
    assert custom_messages(c)[-1] == {"type": "remove_node", "id": node.id}
    assert c.stats["messages"] == before + 6


def test_parameter_edits_send_nothing_unless_the_node_looks_different(pipe):
    c = Canvas(pipe)
    ready(c)
    n = "widget_probe_1"
    count = c.stats["messages"]
    pipe.set_param(n, "count", 5)
    assert c.stats["messages"] == count  # parameters are not drawn on the canvas
    pipe.bind_parameter(n, "count", "rows")
    m = custom_messages(c)[-1]
    assert m["type"] == "update_node" and m["changes"] == {"bound": True}


def test_incremental_updates_are_much_smaller_than_a_snapshot():
    p = Pipeline("big")
    prev = p.add_dataset("probe data")
    for _ in range(30):
        n = p.add_component(PROBE)
        p.connect(prev, "results_dataset" if prev.kind == "component" else "dataset", n, "dataset")
        prev = n
    c = Canvas(p)
    snap = ready(c)
    snap_bytes = c.stats["bytes"]
    assert len(snap["nodes"]) == 31 and len(snap["edges"]) == 30
    p.set_comment(prev.id, "last")
    assert c.stats["messages"] == 2
    assert c.stats["bytes"] - snap_bytes < 120 < snap_bytes / 50


def test_view_move_updates_the_draft_without_an_echo(pipe):
    c = Canvas(pipe)
    ready(c)
    n = "widget_probe_1"
    sent = c.stats["messages"]
    c.handle_message({"type": "move", "moves": [{"id": n, "x": 42.5, "y": 77}]})
    assert pipe.nodes[n].position == (42.5, 77.0)
    assert c.stats["messages"] == sent
    # a multi-node drag is one undo step; undo moves them back and tells the view
    d = next(k for k in pipe.nodes if k != n)
    c.handle_message({"type": "move", "moves": [{"id": n, "x": 1, "y": 2}, {"id": d, "x": 3, "y": 4}]})
    pipe.undo()
    assert pipe.nodes[n].position == (42.5, 77.0) and pipe.nodes[d].position == (0.0, 0.0)
    updates = [m for m in custom_messages(c) if m["type"] == "update_node"]
    assert {u["id"] for u in updates[-2:]} == {n, d}


def test_connect_request_accepted(pipe):
    c = Canvas(pipe)
    ready(c)
    second = pipe.add_component(PROBE)
    seen = []
    c.on("connected", seen.append)
    c.handle_message({"type": "connect", "temp": "eh-1", "source": "widget_probe_1",
                      "source_port": "results_dataset", "target": second.id, "target_port": "dataset"})
    msgs = custom_messages(c)
    assert msgs[-2]["type"] == "add_edge"                 # the real edge first ...
    assert msgs[-1] == {"type": "connect_result", "temp": "eh-1", "ok": True,
                        "edge": msgs[-2]["edge"]["id"]}    # ... then the drawn one goes
    assert msgs[-2]["edge"]["id"] in pipe.edges and seen


@pytest.mark.parametrize("source_port,target,target_port,reason", [
    ("results_dataset", "widget_probe_1", "dataset", "itself"),             # a loop
    ("untrained_model", "widget_probe_1", "right", "takes a dataset"),       # wrong type
    ("results_dataset", "probe_data_1", "dataset", "data node"),                # into a dataset
])
def test_connect_request_refused_with_the_engine_reason(pipe, source_port, target, target_port, reason):
    learner = pipe.add_component("Widget Probe Learner")
    c = Canvas(pipe)
    ready(c)
    refused = []
    c.on("refused", refused.append)
    source = learner.id if source_port == "untrained_model" else "widget_probe_1"
    edges = dict(pipe.edges)
    c.handle_message({"type": "connect", "temp": "eh-9", "source": source, "source_port": source_port,
                      "target": target, "target_port": target_port})
    m = custom_messages(c)[-1]
    assert m["type"] == "connect_result" and m["temp"] == "eh-9" and m["ok"] is False
    assert reason in m["reason"]
    assert pipe.edges == edges and refused[0]["reason"] == m["reason"]


def test_connect_to_an_occupied_input_and_a_cycle_are_refused(pipe):
    c = Canvas(pipe)
    ready(c)
    second = pipe.add_component(PROBE)
    pipe.connect("widget_probe_1", "results_dataset", second, "dataset")
    c.handle_message({"type": "connect", "temp": "t", "source": "probe_data_1", "source_port": "dataset",
                      "target": second.id, "target_port": "dataset"})
    assert "already connected" in custom_messages(c)[-1]["reason"]
    c.handle_message({"type": "connect", "temp": "t", "source": second.id, "source_port": "results_dataset",
                      "target": "widget_probe_1", "target_port": "right"})
    assert "cycle" in custom_messages(c)[-1]["reason"]


def test_delete_request_is_one_message_and_one_undo_step(pipe):
    c = Canvas(pipe)
    ready(c)
    nodes_before, edges_before = set(pipe.nodes), set(pipe.edges)
    sent = c.stats["messages"]
    c.handle_message({"type": "delete", "nodes": ["widget_probe_1"], "edges": list(pipe.edges)})
    assert set(pipe.nodes) == {"probe_data_1"} and not pipe.edges
    assert c.stats["messages"] == sent + 1
    batch = custom_messages(c)[-1]
    assert batch["type"] == "batch"
    assert [m["type"] for m in batch["messages"]] == ["remove_edge", "remove_node"]
    assert pipe.undo()
    assert set(pipe.nodes) == nodes_before and set(pipe.edges) == edges_before


def test_selection_from_the_view_and_from_python(pipe):
    c = Canvas(pipe)
    ready(c)
    got = []
    c.on("select", got.append)
    c.handle_message({"type": "select", "nodes": ["widget_probe_1"], "edges": []})
    assert c.selection == {"nodes": ["widget_probe_1"], "edges": []} and got
    c.select(["probe_data_1"], center=True)
    assert custom_messages(c)[-1] == {"type": "select", "nodes": ["probe_data_1"], "edges": [],
                                      "center": True}
    pipe.remove_node("probe_data_1")
    assert c.selection["nodes"] == []


def test_status_messages_and_labels(pipe):
    c = Canvas(pipe)
    ready(c)
    c.set_status("widget_probe_1", "running")
    assert custom_messages(c)[-1] == {"type": "status", "nodes": {
        "widget_probe_1": {"status": "running", "text": "\u25cf running"}}}
    c.set_status("widget_probe_1", "completed", duration=0.4213)
    assert custom_messages(c)[-1]["nodes"]["widget_probe_1"]["text"] == "\u2713 0.42 s"
    assert c.statuses == {"widget_probe_1": "completed"}
    # a late view gets the statuses in its snapshot
    snap = ready(c, "v2")
    probe = next(n for n in snap["nodes"] if n["id"] == "widget_probe_1")
    assert probe["status"] == "completed" and probe["status_text"] == "\u2713 0.42 s"
    # ... and once more on their own, right after it
    assert custom_messages(c)[-1] == {"type": "status", "reset": True, "nodes": {
        "widget_probe_1": {"status": "completed", "text": "\u2713 0.42 s"}}}
    c.clear_status()
    assert custom_messages(c)[-1] == {"type": "status", "nodes": {}, "reset": True}
    assert c.statuses == {}
    with pytest.raises(ValueError, match="unknown node status"):
        c.set_status("widget_probe_1", "done")


def test_status_text():
    assert status_text("completed", 75) == "\u2713 1 min 15 s"
    assert status_text("completed", 3.25) == "\u2713 3.2 s"
    assert status_text("failed") == "\u2717 failed"
    assert status_text("reused") == "\u21bb reused"
    assert status_text(None) == ""


def test_issues_mark_nodes(pipe):
    c = Canvas(pipe)
    ready(c)
    c.set_issues({"widget_probe_1": "Required input port 'Dataset' is not connected."})
    assert custom_messages(c)[-1]["type"] == "issues"
    snap = ready(c, "v3")
    probe = next(n for n in snap["nodes"] if n["id"] == "widget_probe_1")
    assert probe["issue"].startswith("Required input")


def test_readonly_canvas_refuses_edits(pipe):
    c = Canvas(pipe, readonly=True)
    ready(c)
    c.handle_message({"type": "move", "moves": [{"id": "widget_probe_1", "x": 9, "y": 9}]})
    c.handle_message({"type": "delete", "nodes": ["widget_probe_1"], "edges": []})
    c.handle_message({"type": "connect", "temp": "t", "source": "probe_data_1", "source_port": "dataset",
                      "target": "widget_probe_1", "target_port": "right"})
    assert pipe.nodes["widget_probe_1"].position == (0.0, 150.0)
    assert "widget_probe_1" in pipe.nodes and len(pipe.edges) == 1
    assert custom_messages(c)[-1]["ok"] is False


def test_attach_another_pipeline_sends_a_new_snapshot(pipe):
    c = Canvas(pipe)
    ready(c)
    other = Pipeline("other")
    other.add_component(PROBE)
    c.attach(other)
    snap = custom_messages(c)[-1]
    assert snap["type"] == "snapshot" and [n["id"] for n in snap["nodes"]] == ["widget_probe_1"]
    pipe.add_component(PROBE)          # the old draft is not followed any more
    assert custom_messages(c)[-1] is not None and custom_messages(c)[-1]["type"] == "snapshot"


def test_hold_groups_messages_into_one_batch(pipe):
    c = Canvas(pipe)
    ready(c)
    sent = c.stats["messages"]
    with c.hold():
        pipe.auto_layout()
        c.set_status("widget_probe_1", "queued")
    assert c.stats["messages"] == sent + 1
    kinds = [m["type"] for m in flat(custom_messages(c)[-1:])]
    assert "status" in kinds and set(kinds) <= {"update_node", "status"}


def test_node_view_of_a_bound_dataset():
    p = Pipeline("x")
    d = p.add_dataset("probe data")
    p.bind_parameter(d.id, None, "input_data")
    v = node_view(p.nodes[d.id].as_dict())
    assert v["bound"] is True and v["outputs"][0]["type"] == "DataFrameDirectory"


def test_unknown_messages_reach_handlers(pipe):
    c = Canvas(pipe)
    got = []
    c.on("context", got.append)
    c.handle_message({"type": "context", "node": "widget_probe_1"})
    c.handle_message({"no": "type"})
    assert got == [{"type": "context", "node": "widget_probe_1"}]


def test_a_failing_handler_answers_the_view(pipe, monkeypatch):
    c = Canvas(pipe)
    ready(c)

    def broken(*a, **k):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(pipe, "connect", broken)
    c.handle_message({"type": "connect", "temp": "t", "source": "probe_data_1", "source_port": "dataset",
                      "target": "widget_probe_1", "target_port": "right"})
    msgs = custom_messages(c)
    assert msgs[-2] == {"type": "connect_result", "temp": "t", "ok": False,
                        "reason": "RuntimeError: disk on fire"}
    assert msgs[-1]["type"] == "toast" and msgs[-1]["level"] == "error"


# -- the first picture, free spots, layout requests, drops, restored statuses ---------------------

def test_graph_trait_holds_the_first_picture_and_stays_current_before_a_view(pipe):
    c = Canvas(pipe)
    assert {n["id"] for n in c.graph["nodes"]} == set(pipe.nodes)
    assert [e["id"] for e in c.graph["edges"]] == list(pipe.edges)
    # changes made before any view is ready are not lost: the trait follows them
    n = pipe.add_component(PROBE, position=(300, 0))
    c.set_status(n.id, "completed", duration=0.5)
    nodes = {v["id"]: v for v in c.graph["nodes"]}
    assert n.id in nodes and nodes[n.id]["status"] == "completed"
    assert nodes[n.id]["status_text"] == status_text("completed", 0.5)
    assert custom_messages(c) == []


def test_graph_trait_costs_no_traffic_once_a_view_is_ready_but_a_new_view_gets_it_current(pipe):
    c = Canvas(pipe)
    ready(c)
    sent = len(c.comm.messages)
    n = pipe.add_component(PROBE, position=(300, 0))
    # one custom message, no trait update
    assert len(c.comm.messages) == sent + 1 and custom_messages(c)[-1]["type"] == "add_node"
    # a view created later (a page reload) asks for the state: it holds the new node
    assert n.id in {v["id"] for v in c.get_state()["graph"]["nodes"]}
    assert len(c.comm.messages) == sent + 1


def test_node_views_carry_category_icon_and_a_readable_short_title(pipe):
    c = Canvas(pipe)
    views = {v["kind"]: v for v in c.graph["nodes"]}
    assert views["dataset"]["icon"] == "dataset" and views["dataset"]["category"] == "Datasets"
    assert views["component"]["category"] == "User Components"
    from jupyter_designer.widgets.canvas import short_title
    long = "MD-Automobile price prediction (basic)-Train Model-Trained model"
    s = short_title(long)
    assert s.startswith("MD-\u2026") and "Train Model" in s and len(s) <= 24
    assert short_title("Clean Missing Data") == "Clean Missing Data"
    p = Pipeline("models")
    md = p.add_dataset(long, type="model")
    assert node_view(md.as_dict())["icon"] == "model"
    ws_in = p.add_component("Web Service Input")
    assert node_view(ws_in.as_dict())["icon"] == "web_service_input"


def test_free_spot_is_near_the_middle_of_the_view_and_overlaps_no_node(pipe):
    from jupyter_designer.engine.pipeline import NODE_H, NODE_W

    c = Canvas(pipe)
    # no viewport reported: beside the graph
    x, y = c.free_spot()
    assert x >= max(n.position[0] for n in pipe.nodes.values()) + NODE_W
    ready(c)
    c.handle_message({"type": "viewport", "x1": -400, "y1": -100, "x2": 400, "y2": 500})
    spots = []
    for _ in range(6):
        x, y = c.free_spot()
        assert -400 + NODE_W / 2 <= x <= 400 - NODE_W / 2 and -100 + NODE_H / 2 <= y <= 500 - NODE_H / 2
        for n in pipe.nodes.values():
            assert abs(x - n.position[0]) >= NODE_W or abs(y - n.position[1]) >= NODE_H, (x, y, n.id)
        spots.append((x, y))
        pipe.add_component(PROBE, position=(x, y))
    assert len(set(spots)) == 6
    # the first spot is the middle itself when free
    c2 = Canvas(Pipeline("empty"))
    c2.handle_message({"type": "viewport", "x1": 0, "y1": 0, "x2": 800, "y2": 600})
    assert c2.free_spot() == (400.0, 300.0)


def test_request_layout_falls_back_without_a_view_and_asks_the_view_otherwise(pipe):
    c = Canvas(pipe)
    assert c.request_layout() is False
    assert custom_messages(c) == []
    ready(c)
    assert c.request_layout() is True
    assert custom_messages(c)[-1] == {"type": "layout"}
    # the view answers with every position in one move: one undo step, no echo
    ids = list(pipe.nodes)
    before = {i: pipe.nodes[i].position for i in ids}
    sent = len(custom_messages(c))
    c.handle_message({"type": "move", "layout": True,
                      "moves": [{"id": i, "x": 500.0 + k, "y": 70.0 * k} for k, i in enumerate(ids)]})
    assert {i: pipe.nodes[i].position for i in ids} == {i: (500.0 + k, 70.0 * k) for k, i in enumerate(ids)}
    assert len(custom_messages(c)) == sent
    pipe.undo()
    assert {i: pipe.nodes[i].position for i in ids} == before


def test_layout_failure_in_the_view_lays_out_in_python(pipe):
    c = Canvas(pipe)
    ready(c)
    pipe.move_node(list(pipe.nodes)[1], 900, -300)
    c.handle_message({"type": "layout_failed", "reason": "boom"})
    ys = sorted(n.position[1] for n in pipe.nodes.values())
    assert ys[0] < ys[1]


def test_drop_adds_the_node_where_dropped_or_calls_the_drop_callback(pipe):
    c = Canvas(pipe)
    ready(c)
    c.handle_message({"type": "drop", "kind": "component", "name": PROBE, "x": 123.4, "y": 56.7})
    new = [n for n in pipe.nodes.values() if n.position == (123.4, 56.7)]
    assert len(new) == 1 and new[0].title == PROBE
    got = []
    c.on("drop", got.append)
    c.handle_message({"type": "drop", "kind": "dataset", "name": "probe data", "x": 1, "y": 2})
    assert got == [{"type": "drop", "kind": "dataset", "name": "probe data", "version": None,
                    "x": 1.0, "y": 2.0}]
    c.handle_message({"type": "drop", "kind": "widget", "name": "x", "x": 1, "y": 2})
    toast = custom_messages(c)[-1]
    assert toast["type"] == "toast" and "kind (component, dataset or model)" in toast["text"]


def test_an_undone_deletion_restores_the_node_with_its_run_status(pipe):
    c = Canvas(pipe)
    ready(c)
    nid = next(n for n in pipe.nodes.values() if n.kind == "component").id
    c.set_statuses({nid: {"status": "completed", "duration": 1.5}})
    c.delete([nid])
    assert nid not in c.statuses
    pipe.undo()
    assert c.statuses[nid] == "completed"
    added = [m for m in flat(custom_messages(c)) if m["type"] == "add_node" and m["node"]["id"] == nid][-1]
    assert added["node"]["status"] == "completed"
    assert added["node"]["status_text"] == status_text("completed", 1.5)
    # a new run's statuses forget the removed node's old one
    c.delete([nid])
    c.clear_status()
    pipe.undo()
    assert nid not in c.statuses


def test_a_view_created_after_a_drag_starts_from_the_dragged_place(pipe):
    c = Canvas(pipe)
    ready(c)
    nid = list(pipe.nodes)[1]
    c.handle_message({"type": "move", "moves": [{"id": nid, "x": 150.0, "y": 195.0}]})
    node = next(v for v in c.get_state()["graph"]["nodes"] if v["id"] == nid)
    assert (node["x"], node["y"]) == (150.0, 195.0)
