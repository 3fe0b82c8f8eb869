"""Nothing built on the canvas is lost, in a real JupyterLab: a draft built with the mouse in
an empty ``%designer`` survives a kernel restart (re-running the cell shows it, with the run's
colours), and a run submitted from code colours the canvas."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.browser

DATA = "automobile_price_data_raw_1"


def _restart_kernel(dp) -> None:
    """Kernel > Restart Kernel..., confirmed in JupyterLab's dialog, as a user does."""
    p = dp.page
    # wait for this restart, not for the old kernel's last "idle"
    p.evaluate("""() => { window.__jdRestarted = false;
        const ctx = window.jupyterapp.shell.currentWidget.sessionContext;
        ctx.statusChanged.connect((_, s) => { if (s === 'restarting') window.__jdRestarted = true; }); }""")
    p.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-kernel'); }")
    accept = p.locator(".jp-Dialog .jp-mod-accept")
    accept.wait_for(state="visible", timeout=30_000)
    dp.shot("restart dialog")
    accept.click()
    p.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   const k = w.sessionContext.session.kernel;
                   return window.__jdRestarted && k && k.status === 'idle'; }""", timeout=90_000)
    # the widget manager restores the kernel's widgets after a restart; a widget created while
    # that is still going on can miss its messages (the canvas then says so): a person takes
    # a moment before running the cell again
    p.wait_for_timeout(3000)


def _run_cell(dp, index: int, timeout: float = 120) -> None:
    dp.page.evaluate("(i) => { const nb = window.jupyterapp.shell.currentWidget.content;"
                     " nb.activeCellIndex = i; }", index)
    dp.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
    dp.wait_all_executed(timeout)
    dp.wait_kernel_idle(timeout)


def _view(dp, i: int = 0) -> dict:
    return dp.page.evaluate(
        """(i) => { const [c, cy] = window.__jdCy(i);
                    const o = {};
                    cy.nodes('node.jd-node').forEach(n => { o[n.id()] = {
                        x: Math.round(n.position('x')), y: Math.round(n.position('y')),
                        status: ['completed', 'reused', 'failed', 'running', 'queued']
                            .filter(s => n.hasClass(s))[0] || null }; });
                    return o; }""", i)


def _drop(dp, query: str, entry_class: str, x: float, y: float) -> str:
    """Drag a palette entry onto the canvas at (x, y); returns the new node's id."""
    d = dp.designer()
    before = set(dp.node_ids())
    search = d.locator(".jd-palette-search input")
    search.fill(query)
    entry = d.locator(f".jd-palette-results .{entry_class}").first
    entry.wait_for(state="visible")
    entry.drag_to(d.locator(".jd-canvas"), target_position={"x": x, "y": y})
    dp.page.wait_for_function("(n) => window.__jdCy(0)[1].nodes('node.jd-node').length > n",
                              arg=len(before), timeout=20_000)
    search.fill("")
    new = [n for n in dp.node_ids() if n not in before]
    assert len(new) == 1, new
    return new[0]


def _exclude_by_keyboard(dp, node: str, column: str) -> None:
    """Select Columns: With rules, all columns, Exclude, type the name, Enter, then Apply."""
    dp.click_node(node)
    dp.wait_props_for(node)
    row = dp.param_row("select_columns")
    row.get_by_role("button", name="With rules").click()
    row.locator(".jd-rule-begin select").wait_for()
    row.locator(".jd-rule-begin select").select_option(label="All columns")
    row.locator(".jd-rule-action select").select_option(label="Exclude")
    entry = row.locator(".jd-rule-entry input")
    entry.click()
    entry.press_sequentially(column)
    entry.press("Enter")
    row.locator(".jd-rule-chip").first.wait_for()
    row.locator(".jd-rule-apply").first.click()
    summary = row.locator(".jd-column-summary")
    dp.page.wait_for_function("(e) => e.innerText.includes('25 of 26 columns selected') && "
                              "!e.innerText.includes('Not applied yet')", arg=summary.element_handle())


def test_a_draft_built_with_the_mouse_survives_a_kernel_restart(dp, notebook, lab):
    dp.open_notebook(notebook("empty_draft.ipynb", "%load_ext jupyter_designer\n%designer"))
    dp.run_all()
    dp.wait_canvas()
    dp.shot("empty draft")
    assert "Pipeline draft" in dp.designer().locator(".jd-draft-status").inner_text()

    data = _drop(dp, "Automobile price", "jd-dataset-automobile_price_data_raw", 240, 70)
    select = _drop(dp, "Select Columns", "jd-component-select_columns_in_dataset", 240, 210)
    summary = _drop(dp, "Summarize", "jd-component-summarize_data", 240, 350)
    dp.connect(data, "dataset", select, "dataset")
    dp.wait_edge((data, "dataset", select, "dataset"))
    dp.connect(select, "results_dataset", summary, "input")
    dp.wait_edge((select, "results_dataset", summary, "input"))
    _exclude_by_keyboard(dp, select, "normalized-losses")
    dp.shot("built by dragging, rule set by keyboard")
    dp.designer().locator(".jd-btn-submit").click()
    dp.wait_statuses(("completed", "reused"), ids=[select, summary])
    dp.designer().locator(".jd-draft-status", has_text="saved").wait_for(timeout=10_000)
    before = _view(dp)
    assert before[summary]["status"] == "completed"
    rule = dp.add_cell_and_run("import json; print(json.dumps(Out[1].pipeline.nodes[%r].params['select_columns']))"
                               % select)
    assert json.loads(rule.strip().splitlines()[-1])["rules"][0]["values"] == ["normalized-losses"]
    dp.shot("run completed")

    _restart_kernel(dp)
    _run_cell(dp, 0)
    dp.wait_canvas()
    dp.page.wait_for_function("() => window.__jdCy(0)[1].nodes('node.jd-node').length === 3")
    try:
        dp.page.wait_for_function(
            "(id) => window.__jdCy(0)[1].getElementById(id).hasClass('completed')", arg=summary,
            timeout=15_000)
    except Exception:
        print("CLASSES", dp.node_classes(summary))
        print("KERNEL", dp.add_cell_and_run("d = Out[1]; print(d.run_id, d.canvas.statuses, d.canvas._ready, d.canvas.stats, [(n['id'], n.get('status')) for n in d.canvas.graph['nodes']])"))
        print("VIEW", dp.page.evaluate("() => window.__jdCy(0)[1].nodes('node.jd-node').map(n => [n.id(), n.classes(), n.data('status')])"))
        print("ALL", dp.page.evaluate("() => Array.from(document.querySelectorAll('.jd-canvas')).map(c => [c.isConnected, !!c._cy, c._cy ? c._cy.nodes('node.jd-node').map(n => n.data('status')) : null, c.closest('.jp-Cell') ? Array.from(c.closest('.jp-Notebook').querySelectorAll('.jp-Cell')).indexOf(c.closest('.jp-Cell')) : -1])"))
        raise
    dp.shot("after restart, cell run again")
    after = _view(dp)
    assert after == before  # same nodes, places and run colours
    assert sorted(dp.edges()) == sorted([(data, "dataset", select, "dataset"),
                                         (select, "results_dataset", summary, "input")])
    assert "Reopened draft" in dp.status_text()
    rule = dp.add_cell_and_run("import json; print(json.dumps(Out[1].pipeline.nodes[%r].params['select_columns']))"
                               % select)
    assert json.loads(rule.strip().splitlines()[-1])["rules"][0] == {
        "action": "exclude", "by": "names", "values": ["normalized-losses"]}

    # the command line sees the draft too
    env = dict(os.environ, JUPYTER_DESIGNER_WORKSPACE=str(lab.workspace))
    out = subprocess.run([sys.executable, "-m", "jupyter_designer.cli", "list", "pipelines", "--json"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    names = [d["name"] for d in json.loads(out.stdout)]
    assert any(str(n).startswith("Pipeline draft") for n in names), out.stdout


TUTORIAL = """\
import jupyter_designer as jd
ws = jd.workspace()
p = jd.load_sample("Automobile price prediction (basic)", workspace=ws)
jd.Designer(p, workspace=ws)"""


def test_a_run_submitted_from_code_colours_the_canvas(dp, notebook):
    dp.open_notebook(notebook("code_run.ipynb", TUTORIAL))
    dp.run_all()
    dp.wait_canvas()
    assert dp.designer().locator(".jd-btn-create-inference").is_disabled()
    dp.add_cell_and_run("run = jd.submit(p, experiment='from code', workspace=ws)\nrun.wait()\nprint(run.run_id)")
    dp.wait_statuses(("completed", "reused"), timeout=120)
    dp.designer().scroll_into_view_if_needed()
    dp.shot("coloured by a run from code")
    statuses = set(v["status"] for v in _view(dp).values())
    assert statuses <= {"completed", "reused"}, statuses
    dp.page.wait_for_function(
        "() => !document.querySelector('.jd-designer .jd-btn-create-inference').disabled")
    assert "Run " in dp.status_text()

    # the Runs tab lists the run with readable Open and Clone buttons
    d = dp.designer()
    d.locator(".jd-outputs .p-TabBar-tab, .jd-outputs .lm-TabBar-tab", has_text="Runs").first.click()
    d.locator(".jd-runs-refresh").click()
    row = d.locator(".jd-run").first
    row.wait_for(timeout=20_000)
    # the list is redrawn when a run ends or Refresh is pressed: act once it has settled
    dp.page.wait_for_timeout(1500)
    for _ in range(5):
        try:
            row.scroll_into_view_if_needed(timeout=5_000)
            break
        except Exception:
            dp.page.wait_for_timeout(500)
    dp.shot("runs tab")
    for cls, label in ((".jd-run-open", "Open"), (".jd-run-clone", "Clone")):
        b = row.locator(cls)
        assert b.inner_text().strip() == label
        # the label is shown whole, not cut to "...": the button is as wide as its content
        widths = b.evaluate("(e) => [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().width]")
        assert widths[2] >= 60 and widths[0] <= widths[1] + 6, widths
