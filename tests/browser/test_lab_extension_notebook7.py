"""The JupyterLab extension in Jupyter Notebook 7 (same server): what the README says works
there (File > New > Designer pipeline, pipeline files on the canvas in the editor page, the
Designer sidebar, "Register as dataset…" on a CSV) does."""

from __future__ import annotations

import json

import pytest

from designer_page import _JS_CY
from test_lab_extension import _wait_file

pytestmark = pytest.mark.browser

EMPTY = {"default_compute": "local", "description": "", "edges": [], "name": "nb7",
         "nodes": [], "parameters": [], "schema_version": 1}


def _tree(dp):
    p = dp.page
    p.goto(f"{dp.lab.base}/tree?token={dp.lab.token}")
    p.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-DirListing-item')",
                        timeout=90_000)


def test_notebook7_tree_has_the_designer_commands_sidebar_and_menus(dp, lab):
    (lab.root / "nb7.dpipeline").write_text(json.dumps(EMPTY))
    (lab.root / "nb7.csv").write_text("a,b\n1,2\n")
    _tree(dp)
    p = dp.page
    info = p.evaluate("""() => { const app = window.jupyterapp;
        return {commands: app.commands.listCommands().filter(c => c.startsWith('jupyter-designer:')),
                factory: (app.docRegistry.defaultWidgetFactory('x.dpipeline') || {}).name}; }""")
    for c in ("new-pipeline", "open-run", "compare-runs", "register-dataset", "show-sidebar"):
        assert f"jupyter-designer:{c}" in info["commands"]
    assert info["factory"] == "Designer canvas"
    item = p.locator(".jp-DirListing-item", has_text="nb7.dpipeline")
    assert item.locator("svg").count() >= 1
    # File > New > Designer pipeline
    p.locator(".lm-MenuBar-item", has_text="File").click()
    p.locator(".lm-Menu-item", has_text="New").first.hover()
    p.locator(".lm-Menu-item", has_text="Designer pipeline").wait_for(state="visible")
    dp.shot("notebook 7 file new")
    p.keyboard.press("Escape")
    p.keyboard.press("Escape")
    # right-click a CSV: Register as dataset
    p.locator(".jp-DirListing-item", has_text="nb7.csv").click(button="right")
    p.locator(".lm-Menu-item", has_text="Register as dataset").wait_for(state="visible")
    dp.shot("notebook 7 csv menu")
    p.keyboard.press("Escape")
    # the sidebar opens (left panel) from its command
    p.evaluate("() => window.jupyterapp.commands.execute('jupyter-designer:show-sidebar')")
    section = p.locator('#jupyter-designer-sidebar .jp-DesignerSidebar-section[data-section="pipelines"]')
    section.wait_for(state="visible")
    dp.shot("notebook 7 sidebar")
    # double-click: Notebook 7 opens the file in its editor page (a new browser tab)
    with p.context.expect_page(timeout=30_000) as opened:
        item.dblclick()
    page = opened.value
    page.wait_for_load_state()
    assert "/edit/nb7.dpipeline" in page.url, page.url
    page.close()


def test_notebook7_editor_page_shows_a_pipeline_file_on_the_canvas(dp, lab):
    path = lab.root / "nb7edit.dpipeline"
    path.write_text(json.dumps({**EMPTY, "name": "nb7edit"}))
    p = dp.page
    p.add_init_script(_JS_CY)
    p.goto(f"{lab.base}/edit/nb7edit.dpipeline?token={lab.token}")
    p.wait_for_function("() => window.__jdCy && window.__jdCy(0)[1] &&"
                        " document.querySelector('.jp-DesignerCanvas .jd-designer .jd-canvas')",
                        timeout=120_000)
    p.wait_for_timeout(500)
    node = dp.add_from_palette("automobile", "jd-dataset-automobile_price_data_raw")
    _wait_file(path, lambda d: any(n["id"] == node for n in d["nodes"]))
    dp.shot("notebook 7 editor page canvas")
