"""The designer's JupyterLab extension in a real JupyterLab: the "ML Designer" launcher card
creates a pipeline file and opens it as a canvas tab backed by a kernel; what is built there
is saved to the file and comes back when the file is opened again."""

from __future__ import annotations

import json
import time

import pytest

from designer_page import _JS_CY

pytestmark = pytest.mark.browser

COMMANDS = ["jupyter-designer:new-pipeline", "jupyter-designer:open-file",
            "jupyter-designer:open-in-notebook"]


def _open_lab(dp) -> None:
    p = dp.page
    p.add_init_script(_JS_CY)
    p.goto(f"{dp.lab.base}/lab?reset&token={dp.lab.token}")
    p.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Launcher')",
                        timeout=90_000)
    p.evaluate(_JS_CY)


def _wait_file(path, predicate, timeout: float = 30):
    """The pipeline document on disk once ``predicate(doc)`` holds (the canvas saves it)."""
    deadline = time.monotonic() + timeout
    doc = None
    while time.monotonic() < deadline:
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            doc = None
        if doc is not None and predicate(doc):
            return doc
        time.sleep(0.3)
    raise AssertionError(f"{path} never matched; last content: {doc}")


def _wait_tab_canvas(dp, timeout: float = 120) -> None:
    """The current tab is a pipeline tab and its designer canvas is drawn."""
    dp.page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   if (!w || !w.node.querySelector('.jp-DesignerCanvas')) return false;
                   const [c, cy] = window.__jdCy(0);
                   return !!cy && c.isConnected &&
                          !!w.node.querySelector('.jd-designer .jd-canvas'); }""",
        timeout=timeout * 1000)
    dp.page.wait_for_timeout(500)


def test_extension_registers_file_type_commands_and_launcher(dp):
    _open_lab(dp)
    p = dp.page
    info = p.evaluate("""() => {
        const app = window.jupyterapp;
        const ft = app.docRegistry.getFileType('dpipeline');
        const factory = app.docRegistry.defaultWidgetFactory('x.dpipeline');
        return {commands: app.commands.listCommands(),
                fileType: ft ? {extensions: ft.extensions, icon: !!ft.icon, name: ft.displayName} : null,
                factory: factory ? factory.name : null,
                palette: ['jupyter-designer:new-pipeline', 'jupyter-designer:open-file',
                          'jupyter-designer:open-in-notebook'].map(
                    c => app.commands.label(c, {isPalette: true}))}; }""")
    for c in COMMANDS:
        assert c in info["commands"]
    assert info["fileType"] == {"extensions": [".dpipeline"], "icon": True, "name": "Designer pipeline"}
    assert info["factory"] == "Designer canvas"
    assert info["palette"] == ["Designer: New pipeline", "Designer: Open pipeline file…",
                               "Designer: Open in a notebook"]
    card = p.locator(".jp-LauncherCard", has_text="ML Designer")
    card.wait_for(state="visible")
    assert card.locator("svg").count() >= 1, "the launcher card has no icon"
    # the command palette lists the Designer commands
    p.evaluate("() => { window.jupyterapp.commands.execute('apputils:activate-command-palette'); }")
    p.keyboard.type("Designer:")
    items = p.locator(".lm-CommandPalette-item", has_text="Designer:")
    items.first.wait_for(state="visible")
    labels = items.all_inner_texts()
    dp.shot("command palette")
    for label in ("Designer: New pipeline", "Designer: Open pipeline file", "Designer: Open in a notebook"):
        assert any(label in t for t in labels), labels
    p.keyboard.press("Escape")


def test_launcher_card_creates_a_pipeline_that_survives_close_and_reopen(dp, lab):
    (lab.root / "Untitled.dpipeline").unlink(missing_ok=True)
    (lab.root / "Untitled1.dpipeline").unlink(missing_ok=True)
    (lab.root / "Untitled.dpipeline").write_text("{}")  # taken: the new file gets the next name
    _open_lab(dp)
    p = dp.page
    dp.shot("launcher")
    p.locator(".jp-LauncherCard", has_text="ML Designer").click()
    path = lab.root / "Untitled1.dpipeline"
    doc = _wait_file(path, lambda d: d.get("schema_version") == 1)
    assert doc["nodes"] == [] and doc["edges"] == []
    _wait_tab_canvas(dp)
    title = p.evaluate("() => window.jupyterapp.shell.currentWidget.title.label")
    assert title == "Untitled1.dpipeline"
    dp.shot("new pipeline tab")

    data = dp.add_from_palette("automobile", "jd-dataset-automobile_price_data_raw")
    clean = dp.add_from_palette("clean missing", "jd-component-clean_missing_data")
    dp.connect(data, "dataset", clean, "dataset")
    dp.wait_edge((data, "dataset", clean, "dataset"))
    dp.shot("two nodes connected in the tab")
    saved = _wait_file(path, lambda d: len(d["nodes"]) == 2 and len(d["edges"]) == 1)
    assert {n["id"] for n in saved["nodes"]} == {data, clean}

    # close the tab (its kernel goes with it) and open the file again from the file browser
    p.locator(".lm-DockPanel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()
    p.wait_for_function("() => !document.querySelector('.jp-DesignerCanvas')")
    dp.shot("tab closed")
    p.evaluate("() => { window.jupyterapp.commands.execute('filebrowser:activate'); }")
    p.evaluate("() => { window.jupyterapp.commands.execute('filebrowser:refresh'); }")
    item = p.locator('.jp-DirListing-item[data-file-type="dpipeline"]', has_text="Untitled1.dpipeline")
    item.wait_for(state="visible")
    assert item.locator("svg").count() >= 1, "pipeline files have no icon in the file browser"
    dp.shot("file browser")
    item.dblclick()
    _wait_tab_canvas(dp)
    p.wait_for_function("(n) => window.__jdCy(0)[1].nodes('node.jd-node').length >= n", arg=2)
    dp.shot("reopened")
    assert set(dp.node_ids()) == {data, clean}
    assert (data, "dataset", clean, "dataset") in dp.edges()
    assert "Clean Missing Data" in dp.node_titles()[clean]

    # Open in a notebook: a notebook beside the file whose cell opens it
    p.evaluate("() => { window.jupyterapp.commands.execute('jupyter-designer:open-in-notebook'); }")
    p.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget;"
                        " return w && w.context && w.context.path.endsWith('.ipynb'); }")
    nb_path = p.evaluate("() => window.jupyterapp.shell.currentWidget.context.path")
    assert nb_path == "Untitled1.ipynb"
    nb = json.loads((lab.root / nb_path).read_text())
    assert nb["cells"][0]["source"] in ("%load_ext jupyter_designer\n%designer open Untitled1.dpipeline",
                                        ["%load_ext jupyter_designer\n", "%designer open Untitled1.dpipeline"])
    dp.shot("open in a notebook")


def test_file_new_menu_creates_pipeline_in_current_folder(dp, lab):
    sub = lab.root / "project"
    sub.mkdir(exist_ok=True)
    _open_lab(dp)
    p = dp.page
    p.evaluate("() => { window.jupyterapp.commands.execute('filebrowser:go-to-path', {path: 'project'}); }")
    p.wait_for_function("() => window.jupyterapp.serviceManager && document.querySelector('.jp-BreadCrumbs') &&"
                        " document.querySelector('.jp-BreadCrumbs').innerText.includes('project')")
    p.locator(".lm-MenuBar-item", has_text="File").click()
    p.locator(".lm-Menu-item", has_text="New").first.hover()
    entry = p.locator(".lm-Menu-item", has_text="Designer pipeline")
    entry.wait_for(state="visible")
    dp.shot("file new menu")
    entry.click()
    _wait_file(sub / "Untitled.dpipeline", lambda d: d.get("name") == "Untitled")
    _wait_tab_canvas(dp)
    dp.shot("tab from file new")


def test_designer_sidebar_lists_runs_by_experiment_with_live_status(dp, lab):
    _open_lab(dp)
    p = dp.page
    assert p.evaluate("() => Array.from(window.jupyterapp.shell.widgets('left')).some("
                      "w => w.id === 'jupyter-designer-sidebar')")
    run = lab.api("POST", "/designer/api/runs",
                  {"sample": "Automobile price prediction (basic)", "experiment": "sidebar-check"})
    p.evaluate("() => { window.jupyterapp.commands.execute('jupyter-designer:show-sidebar'); }")
    panel = p.locator("#jupyter-designer-sidebar")
    panel.wait_for(state="visible")
    row = panel.locator(f'.jp-DesignerSidebar-run[data-run-id="{run["run_id"]}"]')
    row.wait_for(state="visible", timeout=30_000)
    assert "sidebar-check" in panel.locator(".jp-DesignerSidebar-experiment").all_inner_texts()
    dp.shot("sidebar with a run")
    # the status is polled: the run's row reaches a final status without a refresh click
    p.wait_for_function(
        """(id) => { const r = document.querySelector(`.jp-DesignerSidebar-run[data-run-id="${id}"]`);
                     const s = r && r.querySelector('.jp-DesignerSidebar-status').textContent;
                     return ['completed', 'failed', 'reused'].includes(s); }""",
        arg=run["run_id"], timeout=180_000)
    dp.shot("sidebar run finished")
    assert not panel.locator(".jp-DesignerSidebar-error").count(), \
        panel.locator(".jp-DesignerSidebar-error").all_inner_texts()
