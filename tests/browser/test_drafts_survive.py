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
    p.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-kernel'); }")
    accept = p.locator(".jp-Dialog .jp-mod-accept")
    accept.wait_for(state="visible", timeout=30_000)
    dp.shot("restart dialog")
    accept.click()
    p.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   const k = w.sessionContext.session.kernel;
                   return k && k.status === 'idle'; }""", timeout=90_000)


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


def test_a_draft_built_with_the_mouse_survives_a_kernel_restart(dp, notebook, lab):
    dp.open_notebook(notebook("empty_draft.ipynb", "%load_ext jupyter_designer\n%designer"))
    dp.run_all()
    dp.wait_canvas()
    dp.shot("empty draft")
    assert "Pipeline draft" in dp.designer().locator(".jd-draft-status").inner_text()

    data = dp.add_from_palette("Automobile price", "jd-dataset-automobile_price_data_raw")
    summary = dp.add_from_palette("Summarize", "jd-component-summarize_data")
    dp.drag_node(summary, 60, 40)
    dp.connect(data, "dataset", summary, "input")
    dp.wait_edge((data, "dataset", summary, "input"))
    dp.shot("built")
    dp.designer().locator(".jd-btn-submit").click()
    dp.wait_statuses(("completed", "reused"), ids=[summary])
    dp.designer().locator(".jd-draft-status", has_text="saved").wait_for(timeout=10_000)
    before = _view(dp)
    assert before[summary]["status"] == "completed"
    dp.shot("run completed")

    _restart_kernel(dp)
    _run_cell(dp, 0)
    dp.wait_canvas()
    dp.page.wait_for_function("() => window.__jdCy(0)[1].nodes('node.jd-node').length === 2")
    try:
        dp.page.wait_for_function(
            "(id) => window.__jdCy(0)[1].getElementById(id).hasClass('completed')", arg=summary,
            timeout=15_000)
    except Exception:
        print("CLASSES", dp.node_classes(summary))
        print("KERNEL", dp.add_cell_and_run("d = Out[1]; print(d.run_id, d.canvas.statuses, d.canvas._ready, [(n['id'], n.get('status')) for n in d.canvas.graph['nodes']])"))
        raise
    dp.shot("after restart, cell run again")
    after = _view(dp)
    assert after == before  # same nodes, places and run colours
    assert dp.edges() == [(data, "dataset", summary, "input")]
    assert "Reopened draft" in dp.status_text()

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
