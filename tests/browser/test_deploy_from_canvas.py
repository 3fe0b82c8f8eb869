"""From a completed training run to a called real-time endpoint, with clicks only.

A notebook cell trains the automobile price sample in code and shows its run in a designer;
from there everything is a click or typed text: Create inference pipeline (real-time),
Submit, Deploy, and the Endpoints tab (show the key, Test, Regenerate, Delete). The kernel
is asked what it holds after each step, and the scoring URL the panel shows is called over
HTTP from this process with the key the panel shows.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from designer_page import json_from_output

pytestmark = pytest.mark.browser

ENDPOINT = "autos-canvas"
MASK = "\u2022" * 16

TRAIN = """\
import json
import jupyter_designer as jd
from jupyter_designer import serving
p = jd.load_sample("Automobile price prediction (basic)")
h = jd.submit(p, experiment="deploy from canvas")
d = jd.Designer.from_run(h.run_id)
d"""

KEYS = f"print(json.dumps(serving.endpoint_keys(jd.workspace(), {ENDPOINT!r})))"


def post(url: str, body: bytes, key: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read().decode() or "{}")


def test_deploy_a_realtime_endpoint_from_the_canvas_and_call_it(dp, notebook, lab):
    dp.open_notebook(notebook("deploy.ipynb", TRAIN))
    dp.run_all(timeout=300)
    dp.wait_canvas()
    d = dp.designer()
    trained = dp.node_titles()
    assert "Train Model" in trained.values() and "Evaluate Model" in trained.values()
    assert set(dp.statuses().values()) == {"completed"}
    dp.shot("training run")

    # -- Create inference pipeline -> Real-time ----------------------------------------------------
    create = d.locator(".jd-btn-create-inference")
    create.wait_for()
    assert create.is_enabled()
    create.click()
    d.locator(".jd-serving-form.jd-form-create-inference").wait_for()
    dp.shot("create inference form")
    d.locator(".jd-serving-form .jd-create-realtime").click()
    d.locator(".jd-status", has_text="Created ").wait_for(timeout=60_000)
    dp.page.wait_for_function(
        "() => window.__jdCy(0)[1].nodes('node.jd-node').some(n => n.data('title') === 'Web Service Input')",
        timeout=60_000)
    titles = sorted(dp.node_titles().values())
    assert "Web Service Input" in titles and "Web Service Output" in titles
    assert [t for t in titles if t.startswith("MD-")] == [
        "MD-Automobile price prediction (basic)-Train Model-Trained model"]
    assert [t for t in titles if t.startswith("TD-")] == [
        "TD-Automobile price prediction (basic)-Clean Missing Data-Cleaning transformation"]
    assert {"Score Model", "Apply Transformation"} <= set(titles)
    assert "Train Model" not in titles and "Evaluate Model" not in titles
    assert d.locator(".jd-serving-form").is_hidden()
    assert "real time inference" in dp.status_text()
    dp.shot("real-time inference pipeline")

    # -- Submit it --------------------------------------------------------------------------------
    d.locator(".jd-btn-submit").click()
    d.locator(".jd-status", has_text="Run ").wait_for()
    statuses = dp.wait_statuses(timeout=300)
    assert set(statuses.values()) <= {"completed", "reused"}, statuses
    d.locator(".jd-status", has_text="completed").wait_for(timeout=60_000)
    dp.shot("inference run finished")

    # -- Deploy -> endpoint name -> confirm ----------------------------------------------------------
    deploy = d.locator(".jd-btn-deploy")
    dp.page.wait_for_function("(b) => !b.disabled", arg=deploy.element_handle())
    deploy.click()
    name_box = d.locator(".jd-serving-form .jd-field-name input")
    name_box.wait_for()
    assert name_box.input_value() == "automobile-price-prediction"  # the suggested name
    name_box.click()
    name_box.press("Control+a")
    name_box.press("Delete")
    name_box.press_sequentially(ENDPOINT)
    assert name_box.input_value() == ENDPOINT
    dp.shot("deploy form")
    d.locator(".jd-form-deploy-submit").click()
    d.locator(".jd-status", has_text=f"Deployed real-time endpoint '{ENDPOINT}' version 1").wait_for(
        timeout=120_000)

    # -- the Endpoints tab opens on it --------------------------------------------------------------
    outputs = d.locator(".jd-outputs")
    current = outputs.locator(".lm-TabBar-tab.lm-mod-current, .p-TabBar-tab.p-mod-current").first
    current.get_by_text("Endpoints").wait_for()
    panel = d.locator(".jd-endpoint-panel")
    panel.locator(".jd-endpoint-details", has_text=ENDPOINT).wait_for()
    assert panel.locator(".jd-endpoint-choose select").input_value() == ENDPOINT
    panel.scroll_into_view_if_needed()
    dp.shot("endpoints tab")

    # the scoring URL points at this server
    url = panel.locator(".jd-endpoint-url code").first.inner_text().strip()
    assert url == f"{lab.base}/designer/endpoints/{ENDPOINT}/score"
    assert "path on your Jupyter server" not in panel.locator(".jd-endpoint-url").inner_text()

    # -- Show the primary key: unmasked, the kernel's key --------------------------------------------
    primary = panel.locator(".jd-key-primary")
    secondary = panel.locator(".jd-key-secondary")
    assert primary.locator(".jd-key-value").inner_text().strip() == MASK
    primary.locator(".jd-key-show").click()
    primary.locator(".jd-key-show", has_text="Hide").wait_for()
    dp.page.wait_for_function("(e) => !e.innerText.includes('\u2022')",
                              arg=primary.locator(".jd-key-value").element_handle())
    shown_key = primary.locator(".jd-key-value").inner_text().strip()
    assert secondary.locator(".jd-key-value").inner_text().strip() == MASK
    dp.shot("primary key shown")
    keys = json_from_output(dp.add_cell_and_run(KEYS))
    assert shown_key == keys["primaryKey"] and len(shown_key) >= 20
    assert keys["secondaryKey"] not in panel.inner_text()

    # -- Copy the (masked) secondary key: it reaches the clipboard, though the page never had it --
    dp.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dp.lab.base)
    secondary.locator(".jd-copy-button").click()
    d.locator(".jd-status", has_text="Copied the secondary key").wait_for()
    assert dp.page.evaluate("() => navigator.clipboard.readText()") == keys["secondaryKey"]
    assert keys["secondaryKey"] not in panel.inner_html()

    # -- Test with the prefilled example request ------------------------------------------------------
    panel.scroll_into_view_if_needed()
    request_text = panel.locator(".jd-endpoint-request textarea").input_value()
    request = json.loads(request_text)
    assert list(request["Inputs"]) == ["WebServiceInput0"] and len(request["Inputs"]["WebServiceInput0"]) == 1
    panel.locator(".jd-endpoint-test-run").click()
    response = panel.locator(".jd-endpoint-response")
    response.get_by_text("Scored Labels").wait_for(timeout=60_000)
    assert "200 OK: 1 row scored" in response.inner_text()
    response.scroll_into_view_if_needed()
    dp.shot("test response")
    in_kernel = json.loads(response.locator(".jd-endpoint-result").inner_text())
    kernel_label = in_kernel["Results"]["WebServiceOutput0"][0]["Scored Labels"]

    # -- the shown URL, called over HTTP with the shown key --------------------------------------------
    status, body = post(url, request_text.encode(), shown_key)
    assert status == 200, body
    rows = body["Results"]["WebServiceOutput0"]
    assert len(rows) == 1 and rows[0]["Scored Labels"] == pytest.approx(kernel_label, rel=1e-5)
    assert post(url, request_text.encode(), None)[0] == 401
    assert post(url, request_text.encode(), "not-" + shown_key)[0] == 401

    # -- Regenerate the primary key ------------------------------------------------------------------
    primary.locator(".jd-key-regenerate").click()
    d.locator(".jd-status", has_text="Regenerated the primary key").wait_for()
    dp.page.wait_for_function("([e, old]) => e.innerText.trim() !== old && !e.innerText.includes('\u2022')",
                              arg=[primary.locator(".jd-key-value").element_handle(), shown_key])
    new_key = primary.locator(".jd-key-value").inner_text().strip()
    assert new_key != shown_key
    panel.scroll_into_view_if_needed()
    dp.shot("primary key regenerated")
    after = json_from_output(dp.add_cell_and_run(KEYS))
    assert after["primaryKey"] == new_key and after["secondaryKey"] == keys["secondaryKey"]
    assert post(url, request_text.encode(), shown_key)[0] == 401
    assert post(url, request_text.encode(), new_key)[0] == 200

    # -- Delete (asks first), then nothing answers -----------------------------------------------------
    panel.scroll_into_view_if_needed()
    delete = panel.locator(".jd-endpoint-delete")
    delete.click()
    panel.locator(".jd-endpoint-delete", has_text="Confirm delete").wait_for()
    panel.locator(".jd-endpoint-message", has_text="cannot be undone").wait_for()
    dp.shot("delete asks to confirm")
    assert json_from_output(dp.add_cell_and_run(
        "print(json.dumps([e['name'] for e in serving.list_endpoints(jd.workspace())]))")) == [ENDPOINT]
    panel.scroll_into_view_if_needed()
    delete.click()
    d.locator(".jd-status", has_text=f"Deleted real-time endpoint '{ENDPOINT}'").wait_for(timeout=60_000)
    panel.get_by_text("No real-time endpoints yet").wait_for()
    assert panel.locator(".jd-endpoint-choose select option").count() == 0
    assert delete.is_disabled()
    panel.scroll_into_view_if_needed()
    dp.shot("endpoint deleted")
    assert json_from_output(dp.add_cell_and_run(
        "print(json.dumps([e['name'] for e in serving.list_endpoints(jd.workspace())]))")) == []
    status, body = post(url, request_text.encode(), new_key)
    assert status == 404, body
