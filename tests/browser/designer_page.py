"""Driving a notebook with designer widgets in JupyterLab the way a user does: mouse and keys.

Only the *reading* of state goes through JavaScript (the cytoscape instance the canvas
keeps on its container as ``container._cy``, JupyterLab's ``window.jupyterapp``); every
*change* is a click, a drag or typed text, so a broken gesture fails the test.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

SEP = "\u241f"  # separator of port element ids in the canvas (see static/canvas.js)

# -- JavaScript snippets (arguments: [designer index, ...]) -------------------------------------
_JS_CY = """
window.__jdCy = (i) => {
  const d = document.querySelectorAll('.jd-designer')[i];
  const c = d && d.querySelector('.jd-canvas');
  return c && c._cy ? [c, c._cy] : [null, null];
};
window.__jdPoint = (i, id) => {
  const [c, cy] = window.__jdCy(i);
  if (!cy) return null;
  const e = cy.getElementById(id);
  if (e.empty()) return null;
  const r = c.getBoundingClientRect();
  const p = e.renderedPosition();
  return {x: r.left + p.x, y: r.top + p.y, w: e.renderedWidth(), h: e.renderedHeight(),
          inside: p.x > 8 && p.y > 8 && p.x < r.width - 8 && p.y < r.height - 8};
};
"""


class DesignerPage:
    """One JupyterLab page showing one notebook; ``shot`` writes numbered screenshots."""

    def __init__(self, page, lab, artifacts: Path):
        self.page = page
        self.lab = lab
        self.artifacts = Path(artifacts)
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.step = 0
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    # -- artifacts -------------------------------------------------------------------------
    def shot(self, name: str) -> Path:
        self.step += 1
        path = self.artifacts / f"{self.step:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        try:
            self.page.screenshot(path=str(path), full_page=False)
        except Exception as exc:  # a screenshot must never hide the real failure
            path.with_suffix(".txt").write_text(f"screenshot failed: {exc}")
        return path

    def dump_console(self) -> None:
        (self.artifacts / "console.log").write_text("\n".join(self.console))

    # -- notebook --------------------------------------------------------------------------
    def open_notebook(self, name: str, *, ui: str = "lab") -> None:
        """Open ``name`` in JupyterLab (``ui="lab"``) or in Jupyter Notebook 7 (``"notebook"``)."""
        p = self.page
        p.goto(self.lab.url(name) if ui == "lab" else self.lab.notebook7_url(name))
        p.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')",
                            timeout=90_000)
        p.add_init_script(_JS_CY)
        p.evaluate(_JS_CY)
        self.wait_kernel_idle(timeout=90)
        # more room for the designer: close the file browser
        if ui == "lab":
            p.evaluate("() => { const s = window.jupyterapp.shell; if (!s.leftCollapsed) s.collapseLeft(); }")

    def wait_kernel_idle(self, timeout: float = 60) -> None:
        self.page.wait_for_function(
            """() => { const w = window.jupyterapp.shell.currentWidget;
                       const k = w && w.sessionContext && w.sessionContext.session &&
                                 w.sessionContext.session.kernel;
                       return !!k && k.status === 'idle'; }""", timeout=timeout * 1000)

    def run_all(self, *, timeout: float = 120) -> None:
        """Run > Run All Cells, then wait for the kernel to be idle again."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.wait_all_executed(timeout)
        self.wait_kernel_idle(timeout)

    def wait_all_executed(self, timeout: float) -> None:
        self.page.wait_for_function(
            """() => { const nb = window.jupyterapp.shell.currentWidget.content;
                       return nb.widgets.every(c => {
                         if (c.model.type !== 'code') return true;
                         const prompt = c.node.querySelector('.jp-InputPrompt');
                         return c.model.executionCount !== null &&
                                !(prompt && prompt.textContent.includes('*')); }); }""",
            timeout=timeout * 1000)

    def add_cell_and_run(self, source: str, *, timeout: float = 120) -> str:
        """Append a code cell, run it (Shift+Enter's command) and return its text output."""
        p = self.page
        index = p.evaluate(
            """(src) => { const nb = window.jupyterapp.shell.currentWidget.content;
                          const n = nb.model.cells.length;
                          nb.model.sharedModel.insertCell(n, {cell_type: 'code', source: src});
                          nb.activeCellIndex = n; return n; }""", source)
        p.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
        self.wait_all_executed(timeout)
        self.wait_kernel_idle(timeout)
        return self.cell_output(index)

    def cell_output(self, index: int) -> str:
        return self.page.evaluate(
            """(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
                        const o = c.node.querySelector('.jp-OutputArea');
                        return o ? o.innerText : ''; }""", index)

    # -- designer parts ----------------------------------------------------------------------
    def designer(self, i: int = 0):
        return self.page.locator(".jd-designer").nth(i)

    def wait_canvas(self, i: int = 0, timeout: float = 60) -> None:
        self.page.wait_for_function(
            "(i) => { const [c, cy] = window.__jdCy(i); return !!cy && c.isConnected; }", arg=i,
            timeout=timeout * 1000)
        self.designer(i).locator(".jd-canvas").scroll_into_view_if_needed()
        self.page.wait_for_timeout(300)

    def status_text(self, i: int = 0) -> str:
        return self.designer(i).locator(".jd-status").inner_text()

    def add_from_palette(self, query: str, entry_class: str, i: int = 0) -> str:
        """Search the palette and click the entry; returns the id of the node it added."""
        d = self.designer(i)
        before = set(self.node_ids(i))
        search = d.locator(".jd-palette-search input")
        search.fill(query)
        entry = d.locator(f".jd-palette-results .{entry_class}")
        entry.first.wait_for(state="visible")
        entry.first.click()
        self.page.wait_for_function(
            "([i, n]) => { const [c, cy] = window.__jdCy(i); return cy.nodes('node.jd-node').length > n; }",
            arg=[i, len(before)])
        new = [n for n in self.node_ids(i) if n not in before]
        assert len(new) == 1, f"clicking {entry_class} added {new}"
        search.fill("")
        return new[0]

    # -- canvas state (read) ---------------------------------------------------------------------
    def node_ids(self, i: int = 0) -> list[str]:
        return self.page.evaluate(
            "(i) => { const [c, cy] = window.__jdCy(i); return cy ? cy.nodes('node.jd-node').map(n => n.id()) : []; }", i)

    def node_titles(self, i: int = 0) -> dict:
        return self.page.evaluate(
            "(i) => { const [c, cy] = window.__jdCy(i); const o = {}; cy.nodes('node.jd-node').forEach(n => { o[n.id()] = n.data('title'); }); return o; }", i)

    def node_classes(self, nid: str, i: int = 0) -> list[str]:
        return self.page.evaluate(
            "([i, id]) => { const [c, cy] = window.__jdCy(i); return cy.getElementById(id).classes(); }", [i, nid])

    def node_data(self, nid: str, i: int = 0) -> dict:
        return self.page.evaluate(
            "([i, id]) => { const [c, cy] = window.__jdCy(i); const d = cy.getElementById(id).data(); return JSON.parse(JSON.stringify(d)); }",
            [i, nid])

    def model_position(self, nid: str, i: int = 0) -> tuple[float, float]:
        p = self.page.evaluate(
            "([i, id]) => { const [c, cy] = window.__jdCy(i); return cy.getElementById(id).position(); }", [i, nid])
        return p["x"], p["y"]

    def edges(self, i: int = 0) -> list[tuple]:
        """Connections shown: (source node, source port, target node, target port)."""
        return [tuple(e) for e in self.page.evaluate(
            """(i) => { const [c, cy] = window.__jdCy(i);
                        return cy.edges('edge.jd-edge').map(e => [e.source().data('node'), e.source().data('key'),
                                                                   e.target().data('node'), e.target().data('key')]); }""", i)]

    def port_id(self, nid: str, direction: str, key: str) -> str:
        return f"{nid}{SEP}{direction}{SEP}{key}"

    def point(self, element_id: str, i: int = 0) -> dict:
        pt = self.page.evaluate("([i, id]) => window.__jdPoint(i, id)", [i, element_id])
        assert pt is not None, f"no element {element_id!r} on canvas {i}"
        return pt

    # -- canvas gestures ----------------------------------------------------------------------
    def fit(self, i: int = 0) -> None:
        """The canvas's own "Zoom to fit" button."""
        self.designer(i).locator(".jd-canvas").scroll_into_view_if_needed()
        self.designer(i).locator(".jd-zoom-fit").click()
        self.page.wait_for_timeout(250)

    def visible_point(self, element_id: str, i: int = 0) -> tuple[float, float]:
        """Where to put the mouse on a node or port, zooming to fit if it is out of view."""
        self.designer(i).locator(".jd-canvas").scroll_into_view_if_needed()
        pt = self.point(element_id, i)
        if not pt["inside"]:
            self.fit(i)
            pt = self.point(element_id, i)
        assert pt["inside"], f"{element_id!r} is outside the canvas even after zoom to fit: {pt}"
        hit = self.page.evaluate(
            """([i, x, y]) => { const [c] = window.__jdCy(i); const e = document.elementFromPoint(x, y);
                               return !!e && c.contains(e); }""", [i, pt["x"], pt["y"]])
        assert hit, f"something covers {element_id!r} at ({pt['x']:.0f}, {pt['y']:.0f})"
        return pt["x"], pt["y"]

    def click_node(self, nid: str, i: int = 0) -> None:
        x, y = self.visible_point(nid, i)
        self.page.mouse.click(x, y)

    def click_port(self, nid: str, direction: str, key: str, i: int = 0) -> None:
        x, y = self.visible_point(self.port_id(nid, direction, key), i)
        self.page.mouse.click(x, y)

    def drag_node(self, nid: str, dx: float, dy: float, i: int = 0) -> None:
        """Press on the node, move by (dx, dy) screen pixels in steps, release."""
        m = self.page.mouse
        x, y = self.visible_point(nid, i)
        m.move(x, y)
        m.down()
        m.move(x + dx / 3, y + dy / 3, steps=4)
        m.move(x + dx, y + dy, steps=8)
        m.up()

    def connect(self, src: str, src_port: str, dst: str, dst_port: str, i: int = 0) -> None:
        """Drag from an output port to an input port (edgehandles draws the connection)."""
        a = self.port_id(src, "out", src_port)
        b = self.port_id(dst, "in", dst_port)
        self.visible_point(a, i)
        bx, by = self.visible_point(b, i)   # may zoom to fit: read both points afterwards
        ax, ay = self.visible_point(a, i)
        m = self.page.mouse
        m.move(ax, ay)
        m.down()
        m.move(ax + (bx - ax) * 0.3, ay + (by - ay) * 0.3 + 6, steps=5)
        m.move(bx, by, steps=10)
        self.page.wait_for_timeout(60)
        m.up()

    def wait_edge(self, edge: tuple, i: int = 0, timeout: float = 15) -> None:
        self.page.wait_for_function(
            """([i, e]) => { const [c, cy] = window.__jdCy(i);
                 return cy.edges('edge.jd-edge').some(x => x.source().data('node') === e[0] &&
                   x.source().data('key') === e[1] && x.target().data('node') === e[2] &&
                   x.target().data('key') === e[3]); }""", arg=[i, list(edge)], timeout=timeout * 1000)

    def wait_statuses(self, wanted=("completed",), ids=None, i: int = 0, timeout: float = 180,
                      settled=("completed", "reused", "failed", "skipped", "interrupted")) -> dict:
        """Wait until every node (or ``ids``) shows a final status; returns {id: status}.

        Fails at once with the statuses shown if a node settles on a status not in ``wanted``.
        """
        deadline = time.monotonic() + timeout
        statuses = {}
        while time.monotonic() < deadline:
            statuses = self.statuses(i)
            subset = {k: v for k, v in statuses.items() if ids is None or k in ids}
            if subset and all(v in settled for v in subset.values()):
                return subset
            time.sleep(0.4)
        raise AssertionError(f"nodes did not settle within {timeout} s: {statuses}; "
                             f"status line: {self.status_text(i)!r}")

    def statuses(self, i: int = 0) -> dict:
        return self.page.evaluate(
            """(i) => { const [c, cy] = window.__jdCy(i); const o = {};
                        cy.nodes('node.jd-node').forEach(n => { o[n.id()] = n.data('status') || null; });
                        return o; }""", i)

    # -- properties panel -----------------------------------------------------------------------
    def props(self, i: int = 0):
        return self.designer(i).locator(".jd-properties")

    def wait_props_for(self, nid: str, i: int = 0) -> None:
        self.props(i).locator(".jd-props-title", has_text=f"[{nid}]").wait_for()

    def param_row(self, param_key: str, i: int = 0):
        return self.props(i).locator(f".jd-param-row-{param_key}")

    def choose(self, param_key: str, label: str, i: int = 0) -> None:
        """Pick ``label`` in the dropdown of a parameter (a column picker's or an enum's)."""
        sel = self.param_row(param_key, i).locator("select").first
        sel.select_option(label=label)

    def toast_text(self, i: int = 0) -> str:
        return self.designer(i).locator(".jd-toast").inner_text()


def json_from_output(text: str):
    """The last JSON line printed by a cell."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith(("{", "[")):
            return json.loads(line)
    raise AssertionError(f"no JSON in the cell output: {text!r}")


def _shot_of(self, locator, name: str):
    """A screenshot of one part of the page (e.g. the properties panel), numbered like ``shot``."""
    self.step += 1
    path = self.artifacts / f"{self.step:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    try:
        locator.screenshot(path=str(path))
    except Exception as exc:  # a screenshot must never hide the real failure
        path.with_suffix(".txt").write_text(f"screenshot failed: {exc}")
    return path


DesignerPage.shot_of = _shot_of
