"""The Designer sidebar in a real JupyterLab: a real-time endpoint's scoring URL copied from
it answers a call with its key; runs are compared, opened on the canvas, cloned and deleted;
a CSV of the file browser is registered by right-click and shows in the canvas palette; the
pipeline tab is dirty while an edit is not yet in its file."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from test_lab_extension import _open_lab, _wait_file, _wait_tab_canvas

pytestmark = pytest.mark.browser

SAMPLE = "Automobile price prediction (basic)"


def _wait_run(lab, run_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rec = lab.api("GET", f"/designer/api/runs/{run_id}")
        if rec["status"] in ("completed", "failed", "canceled", "interrupted"):
            return rec
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish")


@pytest.fixture(scope="module")
def runs(lab):
    """Two completed runs of the sample (experiment "sidebar") and an endpoint from the first."""
    ids = []
    for _ in range(2):
        run = lab.api("POST", "/designer/api/runs", {"sample": SAMPLE, "experiment": "sidebar"})
        rec = _wait_run(lab, run["run_id"])
        assert rec["status"] == "completed", rec
        ids.append(run["run_id"])
    lab.api("POST", "/designer/api/endpoints", {"name": "cars", "run_id": ids[0]})
    return ids


def _sidebar(dp):
    _open_lab(dp)
    dp.page.evaluate("() => window.jupyterapp.commands.execute('jupyter-designer:show-sidebar')")
    panel = dp.page.locator("#jupyter-designer-sidebar")
    panel.wait_for(state="visible")
    return panel


def test_palette_lists_the_sidebar_commands(dp):
    _open_lab(dp)
    labels = dp.page.evaluate("""() => ['open-run', 'open-draft', 'clone-run', 'compare-runs',
        'register-dataset', 'preview-dataset'].map(
        c => window.jupyterapp.commands.label('jupyter-designer:' + c, {isPalette: true}))""")
    assert labels == ["Designer: Open run…", "Designer: Open draft…", "Designer: Clone run…",
                      "Designer: Compare runs", "Designer: Register dataset…",
                      "Designer: Preview dataset…"]


def test_endpoint_scoring_url_copied_from_the_sidebar_answers(dp, lab, runs):
    dp.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab.base)
    panel = _sidebar(dp)
    ep = panel.locator('.jp-DesignerSidebar-realtime[data-name="cars"]')
    ep.wait_for(state="visible", timeout=30_000)
    ep.locator('.jp-DesignerSidebar-health[data-health="healthy"]').wait_for(timeout=30_000)
    ep.scroll_into_view_if_needed()
    dp.shot("real-time endpoint in the sidebar")

    ep.locator('button[data-action="copy-url"]').click()
    ep.locator(".jp-DesignerSidebar-copied").first.wait_for()
    url = dp.page.evaluate("() => navigator.clipboard.readText()")
    assert url.startswith(lab.base) and url.endswith("/designer/endpoints/cars/score"), url

    # keys: shown masked, copied whole
    ep.locator('button[data-action="keys"]').click()
    key_line = ep.locator('.jp-DesignerSidebar-key[data-key="primary"]')
    key_line.wait_for()
    key_line.locator('button[data-action="copy-primary"]').click()
    key_line.locator(".jp-DesignerSidebar-copied").wait_for()
    key = dp.page.evaluate("() => navigator.clipboard.readText()")
    assert key == lab.api("GET", "/designer/api/endpoints/cars/keys")["primaryKey"]
    dp.shot("keys shown")

    example = lab.api("GET", "/designer/api/endpoints/cars")["example_request"]
    req = urllib.request.Request(url, method="POST", data=json.dumps(example).encode(),
                                 headers={"Authorization": f"Bearer {key}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        answer = json.loads(r.read())
    rows = answer["Results"]["WebServiceOutput0"]
    assert rows and "Scored Labels" in rows[0]

    # the test call of the sidebar sends the example request and shows the answer
    ep = panel.locator('.jp-DesignerSidebar-realtime[data-name="cars"]')
    ep.locator('button[data-action="test"]').click()
    shown = ep.locator(".jp-DesignerSidebar-answer")
    shown.wait_for(timeout=30_000)
    assert "→ 200" in shown.inner_text() and "Scored Labels" in shown.inner_text()
    dp.shot("test call answered")

    # regenerate the secondary key: confirmed in a dialog, the old one stops working
    old = lab.api("GET", "/designer/api/endpoints/cars/keys")["secondaryKey"]
    ep.locator('button[data-action="regenerate-secondary"]').click()
    dp.page.locator(".jp-Dialog").wait_for()
    dp.shot("regenerate key dialog")
    dp.page.locator(".jp-Dialog button", has_text="Regenerate").click()
    dp.page.wait_for_function(
        "(old) => { const c = document.querySelector("
        "'.jp-DesignerSidebar-realtime[data-name=\"cars\"] .jp-DesignerSidebar-key[data-key=\"secondary\"] code');"
        " return c && c.textContent.length > 8 && c.textContent !== old; }", arg=old)
    new = lab.api("GET", "/designer/api/endpoints/cars/keys")["secondaryKey"]
    assert new != old
    shown = ep.locator('.jp-DesignerSidebar-key[data-key="secondary"] code').inner_text()
    assert shown == new


def test_runs_compare_open_clone_and_delete(dp, lab, runs):
    panel = _sidebar(dp)
    p = dp.page
    for rid in runs:
        row = panel.locator(f'.jp-DesignerSidebar-run[data-run-id="{rid}"]')
        row.wait_for(timeout=30_000)
        row.locator(".jp-DesignerSidebar-select").check()
    panel.locator('button[data-action="compare"]').click()
    table = p.locator(".jp-DesignerCompare-table")
    table.wait_for(timeout=30_000)
    text = table.inner_text()
    assert runs[0] in text and runs[1] in text
    assert p.locator('.jp-DesignerCompare-table tr[data-kind="metric"]').count() >= 3
    assert "Coefficient of Determination" in text
    dp.shot("runs compared")

    # open a run: a canvas tab of its pipeline, coloured by its node statuses
    row = panel.locator(f'.jp-DesignerSidebar-run[data-run-id="{runs[0]}"]')
    row.locator('button[data-action="open"]').click()
    p.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   return w && w.node.querySelector('.jp-DesignerKernelView') &&
                          w.node.querySelector('.jd-designer .jd-canvas'); }""", timeout=120_000)
    p.wait_for_function("() => { const [c, cy] = window.__jdCy(0);"
                        " return cy && cy.nodes('node.completed').length >= 5; }", timeout=60_000)
    p.wait_for_timeout(500)
    dp.shot("run opened on the canvas")
    p.evaluate("() => window.jupyterapp.shell.currentWidget.close()")

    # clone: a new pipeline file with the run's nodes, opened on the canvas
    row.locator('button[data-action="clone"]').click()
    path = lab.root / f"{SAMPLE} (clone).dpipeline"
    doc = _wait_file(path, lambda d: len(d.get("nodes", [])) >= 8)
    assert doc["name"] == f"{SAMPLE} (clone)"
    _wait_tab_canvas(dp)
    dp.shot("clone opened")
    p.evaluate("() => window.jupyterapp.shell.currentWidget.close()")

    # delete asks first; canceled, the run stays; confirmed, it goes
    row = panel.locator(f'.jp-DesignerSidebar-run[data-run-id="{runs[1]}"]')
    row.locator('button[data-action="delete"]').click()
    dialog = p.locator(".jp-Dialog")
    dialog.wait_for()
    assert runs[1] in dialog.inner_text()
    dp.shot("delete run dialog")
    dialog.locator("button", has_text="Cancel").click()
    assert lab.api("GET", f"/designer/api/runs/{runs[1]}")["id"] == runs[1]
    row.locator('button[data-action="delete"]').click()
    p.locator(".jp-Dialog button", has_text="Delete").click()
    row.wait_for(state="detached", timeout=30_000)
    assert not any(r["id"] == runs[1] for r in lab.api("GET", "/designer/api/runs"))
    assert not panel.locator(".jp-DesignerSidebar-error").count(), \
        panel.locator(".jp-DesignerSidebar-error").all_inner_texts()


def test_register_csv_by_right_click_then_in_the_palette(dp, lab):
    (lab.root / "cars_small.csv").write_text(
        "make,price,sold\naudi,13950,2024-01-02\nbmw,,2024-02-03\nvw,9000,2024-03-04\n")
    panel = _sidebar(dp)
    p = dp.page
    p.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    p.evaluate("() => window.jupyterapp.commands.execute('filebrowser:refresh')")
    item = p.locator(".jp-DirListing-item", has_text="cars_small.csv")
    item.wait_for(state="visible")
    item.click(button="right")
    entry = p.locator(".lm-Menu-item", has_text="Register as dataset")
    entry.wait_for(state="visible")
    dp.shot("context menu of a CSV")
    entry.click()
    dialog = p.locator(".jp-Dialog")
    dialog.locator(".jp-DesignerRegister-name").wait_for()
    assert dialog.locator(".jp-DesignerRegister-name").input_value() == "cars_small"
    dialog.locator(".jp-DesignerRegister-name").fill("small cars")
    dialog.locator(".jp-DesignerRegister-description").fill("three cars")
    dp.shot("register dialog")
    dialog.locator("button", has_text="Register").click()
    result = p.locator(".jp-Dialog .jp-DesignerRegistered")
    result.wait_for(timeout=30_000)
    text = result.inner_text()
    assert 'Registered "small cars" version 1: 3 rows, 3 columns.' in text
    assert "Columns with missing values: price (1)." in text
    assert "sold" in text  # read as dates
    dp.shot("registration result")
    p.locator(".jp-Dialog button", has_text="Preview").click()
    preview = p.locator('.jp-DesignerPreview[data-dataset="small cars"] .jp-DesignerPreview-table')
    preview.wait_for(timeout=30_000)
    assert "audi" in preview.inner_text()
    dp.shot("dataset preview")
    panel.locator('.jp-DesignerSidebar-dataset[data-name="small cars"]').wait_for(state="attached")

    # a new canvas lists it in its palette
    p.evaluate("() => window.jupyterapp.commands.execute('jupyter-designer:new-pipeline', {cwd: ''})")
    _wait_tab_canvas(dp)
    d = dp.designer()
    d.locator(".jd-palette-search input").fill("small cars")
    found = d.locator(".jd-palette-results", has_text="small cars")
    found.wait_for(state="visible", timeout=30_000)
    dp.shot("registered dataset in the palette")


def test_pipeline_tab_is_dirty_until_the_edit_is_saved(dp, lab):
    _open_lab(dp)
    p = dp.page
    p.evaluate("() => window.jupyterapp.commands.execute('jupyter-designer:new-pipeline', {cwd: ''})")
    _wait_tab_canvas(dp)
    path = lab.root / p.evaluate("() => window.jupyterapp.shell.currentWidget.context.path")
    # every change of the tab's title class is recorded: the edit makes it dirty, the save clean
    p.evaluate("""() => { const w = window.jupyterapp.shell.currentWidget; window.__jdTitle = [];
        w.title.changed.connect(() => window.__jdTitle.push(w.title.className.includes('jp-mod-dirty'))); }""")
    node = dp.add_from_palette("automobile", "jd-dataset-automobile_price_data_raw")
    _wait_file(path, lambda d: any(n["id"] == node for n in d["nodes"]))
    p.wait_for_function("() => window.__jdTitle.includes(true) &&"
                        " window.__jdTitle[window.__jdTitle.length - 1] === false", timeout=30_000)
    saved = p.locator(".jp-DesignerCanvas-saved")
    assert saved.get_attribute("data-dirty") == "false"
    p.wait_for_function("() => document.querySelector('.jp-DesignerCanvas-saved').textContent.startsWith('Saved')")
    dp.shot("saved state after the autosave")
    # the file's draft is in the sidebar; Open shows it on a canvas of its own kernel
    draft = p.evaluate("() => document.querySelector('.jp-DesignerCanvas .jd-draft-saved b').textContent")
    p.evaluate("() => window.jupyterapp.commands.execute('jupyter-designer:show-sidebar')")
    row = p.locator(f'#jupyter-designer-sidebar .jp-DesignerSidebar-draft[data-name="{draft}"]')
    row.wait_for(timeout=30_000)
    row.locator('button[data-action="open"]').click()
    p.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   return w && w.node.querySelector('.jp-DesignerKernelView[data-view="draft"]') &&
                          w.node.querySelector('.jd-designer .jd-canvas'); }""", timeout=120_000)
    p.wait_for_function("(n) => { const c = document.querySelector('.jp-DesignerKernelView .jd-canvas');"
                        " return c && c._cy && c._cy.getElementById(n).length === 1; }",
                        arg=node, timeout=60_000)
    p.wait_for_timeout(500)
    dp.shot("draft opened from the sidebar")


def test_run_submitted_from_a_notebook_shows_with_live_status(dp, lab, notebook):
    name = notebook("submit.ipynb", "%load_ext jupyter_designer",
                    f"%designer submit {SAMPLE} -e from-notebook --regenerate")
    dp.open_notebook(name)
    p = dp.page
    p.evaluate("() => window.jupyterapp.commands.execute('jupyter-designer:show-sidebar')")
    panel = p.locator("#jupyter-designer-sidebar")
    panel.wait_for(state="visible")
    # every status the sidebar shows for runs of the experiment, as it shows them
    p.evaluate("""() => { window.__jdSeen = [];
        const record = () => document.querySelectorAll('#jupyter-designer-sidebar .jp-DesignerSidebar-run')
          .forEach(r => { const s = r.dataset.status; const k = r.dataset.runId + ':' + s;
                          if (r.closest('.jp-DesignerSidebar-runs') && !window.__jdSeen.includes(k)) window.__jdSeen.push(k); });
        new MutationObserver(record).observe(document.getElementById('jupyter-designer-sidebar'),
                                             {subtree: true, childList: true}); }""")
    p.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    group = panel.locator(".jp-DesignerSidebar-experiment", has_text="from-notebook")
    group.wait_for(state="visible", timeout=60_000)
    dp.shot("run from a notebook in the sidebar")
    p.wait_for_function(
        """() => { const h = Array.from(document.querySelectorAll('.jp-DesignerSidebar-experiment'))
                     .find(e => e.textContent === 'from-notebook');
                   const row = h && h.nextElementSibling.querySelector('.jp-DesignerSidebar-run');
                   return row && row.dataset.status === 'completed'; }""", timeout=180_000)
    dp.shot("run from a notebook completed")
    runs = [r for r in lab.api("GET", "/designer/api/runs") if r["experiment"] == "from-notebook"]
    assert len(runs) == 1 and runs[0]["status"] == "completed"
    seen = [s.split(":", 1)[1] for s in p.evaluate("() => window.__jdSeen")
            if s.startswith(runs[0]["id"] + ":")]
    assert seen[-1] == "completed", seen


def test_pipeline_endpoint_versions_and_default_from_the_sidebar(dp, lab, runs):
    lab.api("POST", "/designer/api/pipeline-endpoints", {"name": "cars-batch"})
    for rid in runs[:1] * 2:
        lab.api("POST", "/designer/api/pipeline-endpoints/cars-batch/versions", {"run_id": rid})
    assert str(lab.api("GET", "/designer/api/pipeline-endpoints/cars-batch")["default_version"]) == "1"
    panel = _sidebar(dp)
    ep = panel.locator('.jp-DesignerSidebar-pipeline[data-name="cars-batch"]')
    ep.wait_for(timeout=30_000)
    assert "default v1" in ep.inner_text()
    select = ep.locator("select.jp-DesignerSidebar-default")
    assert select.locator("option").count() == 2
    select.select_option("2")
    panel.locator('.jp-DesignerSidebar-pipeline[data-name="cars-batch"]', has_text="default v2").wait_for(
        timeout=30_000)
    assert str(lab.api("GET", "/designer/api/pipeline-endpoints/cars-batch")["default_version"]) == "2"
    dp.shot("pipeline endpoint default changed")


def test_registration_errors_are_shown(dp, lab):
    (lab.root / "clash.csv").write_text("a,b\n1,2\n")
    _open_lab(dp)
    p = dp.page
    p.evaluate("() => { window.jupyterapp.commands.execute('jupyter-designer:register-dataset',"
               " {path: 'clash.csv'}); }")
    dialog = p.locator(".jp-Dialog")
    dialog.locator(".jp-DesignerRegister-name").fill("Automobile price data (Raw)")
    dialog.locator("button", has_text="Register").click()
    error = p.locator(".jp-Dialog", has_text="Could not register the dataset")
    error.wait_for(timeout=30_000)
    assert "name of a built-in sample dataset" in error.inner_text()
    dp.shot("registration error")
    error.locator("button").last.click()
