"""The canvas view in a real browser: readable at the opening zoom, edges routed around
nodes, Delete removes exactly the clicked edge, drop from the palette, and a first picture
that does not wait for a busy kernel."""

from __future__ import annotations

import pytest

from designer_page import json_from_output

pytestmark = pytest.mark.browser

SAMPLE = "Automobile price prediction (basic)"

SAMPLE_CELL = f"""\
import json
import jupyter_designer as jd
p = jd.load_sample({SAMPLE!r})
d = jd.Designer(p)
d"""

#: a dataset and 29 components in 5 branches, added without positions: the draft stacks
#: them in one column, so straight edges would run under other nodes
THIRTY_CELL = """\
import json
import jupyter_designer as jd
from jupyter_designer.engine.pipeline import Pipeline
p = Pipeline("Thirty nodes")
data = p.add_dataset("Automobile price data (Raw)")
steps = [("Select Columns in Dataset", "dataset", "results_dataset"),
         ("Clean Missing Data", "dataset", "cleaned_dataset"),
         ("Normalize Data", "dataset", "transformed_dataset")]
tails = [(data, "dataset")] * 5
for i in range(29):
    b, depth = i % 5, i // 5
    name, port_in, port_out = steps[0 if depth == 0 else 1 + depth % 2]
    node = p.add_component(name)
    p.connect(tails[b][0], tails[b][1], node, port_in)
    tails[b] = (node, port_out)
d = jd.Designer(p)
d"""

GRAPH = "print(json.dumps({'nodes': sorted(p.nodes), 'edges': sorted(p.edges), " \
        "'positions': {k: list(n.position) for k, n in p.nodes.items()}}))"

# Node label font size and port size on screen, and the first node's place in the view.
_JS_READABLE = """(i) => { const [c, cy] = window.__jdCy(i); const z = cy.zoom();
  const nodes = cy.nodes('node.jd-node');
  const fonts = nodes.map(n => n.pstyle('font-size').pfValue * z);
  const labelHeights = nodes.map(n => {
    const bb = n.boundingBox({includeNodes: false, includeEdges: false, includeLabels: true});
    return bb.h * z / Math.max(1, String(n.data('label')).split('\\n').length); });
  const ports = cy.nodes('node.jd-port').map(n => n.renderedWidth());
  const r = c.getBoundingClientRect();
  const visible = nodes.filter(n => { const b = n.renderedBoundingBox();
    return b.x1 >= 0 && b.y1 >= 0 && b.x2 <= r.width && b.y2 <= r.height; }).map(n => n.id());
  return {zoom: z, minFont: Math.min(...fonts), minLabelLine: Math.min(...labelHeights),
          minPort: Math.min(...ports), visible, count: nodes.length}; }"""

# Every edge as drawn: its ends and cytoscape's own corner points (model coordinates), and
# every node's box.
_JS_GEOMETRY = """(i) => { const [c, cy] = window.__jdCy(i);
  const boxes = {}; cy.nodes('node.jd-node').forEach(n => { const p = n.position();
    boxes[n.id()] = [p.x - n.width() / 2, p.y - n.height() / 2, p.x + n.width() / 2, p.y + n.height() / 2]; });
  const edges = cy.edges('edge.jd-edge').map(e => {
    const pts = [e.sourceEndpoint(), ...(e.segmentPoints() || []), e.targetEndpoint()];
    return {id: e.id(), source: e.source().data('node'), target: e.target().data('node'),
            curve: e.pstyle('curve-style').value, points: pts.map(p => [p.x, p.y])}; });
  return {boxes, edges}; }"""


def _segment_crosses_box(a, b, box, inset=1.0) -> bool:
    """Whether the axis-parallel or oblique segment a-b enters the box's interior."""
    x1, y1, x2, y2 = box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset
    # Liang-Barsky clipping
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - x1), (dx, x2 - a[0]), (-dy, a[1] - y1), (dy, y2 - a[1])):
        if p == 0:
            if q < 0:
                return False
        else:
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
    return t1 - t0 > 1e-6


def edges_under_nodes(geometry) -> list[str]:
    """Edges with a drawn segment crossing a node other than their two ends."""
    bad = []
    for e in geometry["edges"]:
        pts = e["points"]
        for a, b in zip(pts, pts[1:]):
            for nid, box in geometry["boxes"].items():
                if nid in (e["source"], e["target"]):
                    continue
                if _segment_crosses_box(a, b, box):
                    bad.append(f"{e['id']} crosses {nid} between {a} and {b}")
    return bad


def test_segment_check_can_fail():
    box = [-110, -30, 110, 30]
    assert _segment_crosses_box((0, -100), (0, 100), box)
    assert not _segment_crosses_box((-200, -100), (-200, 100), box)
    assert not _segment_crosses_box((-110, -100), (-110, 100), box)  # along the border
    geometry = {"boxes": {"a": [0, 0, 10, 10], "b": [0, 40, 10, 50], "c": [0, 80, 10, 90]},
                "edges": [{"id": "a-c", "source": "a", "target": "c", "points": [[5, 10], [5, 80]]}]}
    assert edges_under_nodes(geometry) == ["a-c crosses b between [5, 10] and [5, 80]"]


def check_readable(dp, *, first=None):
    r = dp.page.evaluate(_JS_READABLE, 0)
    assert r["count"] > 0
    assert r["minFont"] >= 12, f"node text is {r['minFont']:.1f} px at the opening zoom {r['zoom']:.2f}"
    assert r["minLabelLine"] >= 12, f"a node label line is {r['minLabelLine']:.1f} px high"
    assert r["minPort"] >= 12, f"ports are {r['minPort']:.1f} px at the opening zoom"
    if first:
        assert first in r["visible"], f"the opening view does not show {first}: {r}"
    return r


def check_routed(dp):
    g = dp.page.evaluate(_JS_GEOMETRY, 0)
    assert g["edges"], "no edges drawn"
    bad = edges_under_nodes(g)
    assert not bad, "edges run under nodes: " + "; ".join(bad)
    return g


def auto_layout(dp):
    before = {n: dp.model_position(n) for n in dp.node_ids()}
    dp.designer(0).locator(".jd-btn-auto-layout").click()
    dp.page.wait_for_function(
        """([i, before]) => { const [c, cy] = window.__jdCy(i);
             return cy.nodes('node.jd-node').some(n => { const p = n.position(), q = before[n.id()];
               return !q || Math.abs(p.x - q[0]) > 1 || Math.abs(p.y - q[1]) > 1; }); }""",
        arg=[0, {k: list(v) for k, v in before.items()}], timeout=30_000)
    dp.page.wait_for_timeout(400)
    dp.wait_kernel_idle()


def test_tutorial_sample_readable_routed_and_delete_removes_only_the_edge(dp, notebook):
    dp.open_notebook(notebook("sample_view.ipynb", SAMPLE_CELL))
    dp.run_all()
    dp.wait_canvas()
    dp.page.wait_for_function("() => window.__jdCy(0)[1].nodes('node.jd-node').length === 8")
    dp.page.wait_for_timeout(400)
    dp.shot("sample at the opening zoom")
    check_readable(dp, first="automobile_price_data")
    check_routed(dp)

    # the edge whose route runs nearest a node that it does not connect
    target = dp.page.evaluate(
        """(i) => { const [c, cy] = window.__jdCy(i); let best = null;
             const boxes = cy.nodes('node.jd-node').map(n => [n.id(), n.boundingBox({includeLabels: false})]);
             const ext = cy.extent();
             const seen = (p) => p.x > ext.x1 + 20 && p.x < ext.x2 - 20 && p.y > ext.y1 + 20 && p.y < ext.y2 - 20;
             cy.edges('edge.jd-edge').forEach(e => {
               const pts = [e.sourceEndpoint(), ...(e.segmentPoints() || []), e.targetEndpoint()];
               for (let k = 1; k < pts.length; k++) {
                 const a = pts[k - 1], b = pts[k];
                 const len = Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
                 if (len < 40) continue;
                 const m = {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2};
                 if (!seen(m)) continue;
                 for (const [id, bb] of boxes) {
                   if (id === e.source().data('node') || id === e.target().data('node')) continue;
                   const dx = Math.max(bb.x1 - m.x, 0, m.x - bb.x2), dy = Math.max(bb.y1 - m.y, 0, m.y - bb.y2);
                   const d = Math.hypot(dx, dy);
                   if (!best || d < best.d) best = {d, edge: e.id(), node: id, m};
                 }
               } });
             const r = c.getBoundingClientRect(), z = cy.zoom(), pan = cy.pan();
             best.x = r.left + best.m.x * z + pan.x; best.y = r.top + best.m.y * z + pan.y;
             best.inside = best.m.x * z + pan.x > 5 && best.m.y * z + pan.y > 5 &&
                           best.m.x * z + pan.x < r.width - 5 && best.m.y * z + pan.y < r.height - 5;
             return best; }""", 0)
    assert target["inside"], f"the edge's midpoint is out of view: {target}"
    dp.page.mouse.click(target["x"], target["y"])
    dp.page.wait_for_timeout(300)
    selected = dp.page.evaluate(
        "(i) => window.__jdCy(i)[1].$(':selected').map(e => e.id())", 0)
    assert selected == [target["edge"]], f"clicking {target} selected {selected}"
    highlighted = dp.page.evaluate(
        "([i, id]) => window.__jdCy(i)[1].getElementById(id).pstyle('line-color').strValue", [0, target["edge"]])
    assert highlighted == "rgb(0,120,212)", f"the selected edge is drawn in {highlighted}"
    dp.shot("edge near a node selected")
    dp.page.keyboard.press("Delete")
    dp.page.wait_for_function(
        "([i, id]) => window.__jdCy(i)[1].getElementById(id).empty()", arg=[0, target["edge"]])
    dp.wait_kernel_idle()
    dp.shot("edge deleted")
    kernel = json_from_output(dp.add_cell_and_run(GRAPH))
    assert target["edge"] not in kernel["edges"]
    assert len(kernel["edges"]) == 7
    assert len(kernel["nodes"]) == 8 and target["node"] in kernel["nodes"]
    assert len(dp.node_ids()) == 8

    # ELK auto-layout: every edge still clear of nodes, text still readable
    auto_layout(dp)
    dp.shot("sample after auto-layout")
    check_routed(dp)
    check_readable(dp)
    kernel = json_from_output(dp.add_cell_and_run(GRAPH))
    shown = {n: list(dp.model_position(n)) for n in dp.node_ids()}
    for n, xy in shown.items():
        assert kernel["positions"][n] == pytest.approx(xy, abs=0.11), n
    undo = json_from_output(dp.add_cell_and_run(
        "d.do('undo'); print(json.dumps({k: list(n.position) for k, n in p.nodes.items()}))"))
    assert undo != kernel["positions"], "auto-layout is not one undo step"


def test_thirty_nodes_open_readable_and_edges_avoid_nodes(dp, notebook):
    dp.open_notebook(notebook("thirty.ipynb", THIRTY_CELL))
    dp.run_all()
    dp.wait_canvas()
    dp.page.wait_for_function("() => window.__jdCy(0)[1].nodes('node.jd-node').length === 30")
    dp.page.wait_for_timeout(400)
    dp.shot("thirty nodes at the opening zoom")
    r = check_readable(dp, first="automobile_price_data_raw_1")
    assert len(r["visible"]) < 30, "a 30-node pipeline cannot all be readable in one view"
    check_routed(dp)
    auto_layout(dp)
    dp.shot("thirty nodes after auto-layout")
    check_routed(dp)
    check_readable(dp)
    # the user scrolls to see the rest: zoom out with the canvas's own button
    for _ in range(3):
        dp.designer(0).locator(".jd-zoom-out").click()
    dp.page.wait_for_timeout(300)
    dp.shot("thirty nodes zoomed out")


def test_palette_entry_dropped_on_the_canvas_lands_where_dropped(dp, notebook):
    dp.open_notebook(notebook("drop.ipynb", "import json\nimport jupyter_designer as jd\nd = jd.Designer()\nd"))
    dp.run_all()
    dp.wait_canvas()
    d = dp.designer(0)
    search = d.locator(".jd-palette-search input")
    search.fill("clean missing")
    entry = d.locator(".jd-palette-results .jd-component-clean_missing_data").first
    entry.wait_for(state="visible")
    canvas = d.locator(".jd-canvas")
    entry.drag_to(canvas, target_position={"x": 260, "y": 180})
    dp.page.wait_for_function("() => window.__jdCy(0)[1].nodes('node.jd-node').length === 1", timeout=20_000)
    dp.page.wait_for_timeout(300)
    dp.shot("component dropped")
    nid = dp.node_ids()[0]
    # where it landed, in screen pixels inside the canvas
    at = dp.page.evaluate("([i, id]) => window.__jdCy(i)[1].getElementById(id).renderedPosition()", [0, nid])
    assert at["x"] == pytest.approx(260, abs=3) and at["y"] == pytest.approx(180, abs=3)
    kernel = json_from_output(dp.add_cell_and_run(
        "print(json.dumps({k: [n.title, list(n.position)] for k, n in d.pipeline.nodes.items()}))"))
    assert kernel[nid][0] == "Clean Missing Data"
    assert kernel[nid][1] == pytest.approx(list(dp.model_position(nid)), abs=0.11)

    # a dataset too, at another place
    search.fill("automobile")
    data = d.locator(".jd-palette-results .jd-dataset-automobile_price_data_raw").first
    data.wait_for(state="visible")
    data.drag_to(canvas, target_position={"x": 200, "y": 60})
    dp.page.wait_for_function("() => window.__jdCy(0)[1].nodes('node.jd-node').length === 2", timeout=20_000)
    dp.shot("dataset dropped")
    new = [n for n in dp.node_ids() if n != nid][0]
    at = dp.page.evaluate("([i, id]) => window.__jdCy(i)[1].getElementById(id).renderedPosition()", [0, new])
    assert at["x"] == pytest.approx(200, abs=3) and at["y"] == pytest.approx(60, abs=3)
    assert dp.node_data(new)["kind"] == "dataset"


def test_canvas_draws_before_a_busy_kernel_is_free(dp, notebook):
    name = notebook("busy.ipynb", f"%load_ext jupyter_designer\n%designer sample {SAMPLE}",
                    "import time\ntime.sleep(20)\nprint('slept')")
    dp.open_notebook(name)
    # not awaited: the command's promise settles only when every cell has run
    dp.page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    dp.page.wait_for_function(
        "() => { const [c, cy] = window.__jdCy(0); return !!cy && cy.nodes('node.jd-node').length === 8; }",
        timeout=60_000)
    # the second cell is still sleeping: its output is not there yet and the kernel is busy
    state = dp.page.evaluate(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   const out = w.content.widgets[1].node.querySelector('.jp-OutputArea');
                   return {kernel: w.sessionContext.session.kernel.status,
                           output: out ? out.innerText : ''}; }""")
    dp.designer(0).locator(".jd-canvas").scroll_into_view_if_needed()
    dp.shot("canvas drawn while the kernel sleeps")
    assert state["kernel"] == "busy" and "slept" not in state["output"], state
    # the picture is the sample's, readable and routed, before any reply from the kernel
    check_readable(dp)
    check_routed(dp)
    dp.wait_all_executed(60)
    dp.wait_kernel_idle()
    dp.shot("after the sleep")
    assert len(dp.node_ids()) == 8
