"""From a training run to production in the designer: create inference pipelines, publish,
deploy, and the endpoint panel (URL, keys, Test form, snippets)."""

import importlib.util
import json
from html import unescape
import sys
import time
from pathlib import Path

import pytest

from jupyter_designer import serving
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.widgets import Designer
from jupyter_designer.widgets.endpoints import (MASK, EndpointPanel, endpoint_name_from,
                                                pipeline_endpoint_name_from, server_base_url)
from jupyter_designer.widgets.outputs import TAB_TITLES

from widget_helpers import PROBE

SERVING_TESTS = Path(__file__).resolve().parents[1] / "serving"
sys.path.insert(0, str(SERVING_TESTS))
from automobile import automobile_pipeline  # noqa: E402

# the serving tests' fixtures: ``trained`` is a private copy of a workspace holding a
# completed run of the automobile price regression, as ``(workspace, run id)``
_spec = importlib.util.spec_from_file_location("serving_test_fixtures", SERVING_TESTS / "conftest.py")
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
trained_dir, trained = _fixtures.trained_dir, _fixtures.trained

SERVER_ENV = ("JUPYTER_SERVER_URL", "JPY_PARENT_PID", "JUPYTERHUB_SERVICE_PREFIX")


@pytest.fixture(autouse=True)
def unknown_server(monkeypatch):
    """As in a kernel whose Jupyter server's address is not known."""
    for name in SERVER_ENV:
        monkeypatch.delenv(name, raising=False)


def ready(d):
    d.canvas.handle_message({"type": "ready", "view": "v"})
    return d


def wait_finished(d, timeout=120):
    d.wait(timeout)
    deadline = time.time() + 10
    while d.run_state.get("status") == "running" and time.time() < deadline:
        time.sleep(0.05)
    assert d.run_state.get("status") == "completed", d.status_text


def extra_state(d):
    return {a: d.buttons[a].disabled for a in ("create-inference", "publish", "deploy")}


def components(p):
    return sorted(n.component for n in p.nodes.values() if n.kind == "component")


def failed(d):
    return "jd-status-failed" in d.status.value and "Traceback" not in d.status.value


def deployed(ws, run_id, name="autos"):
    """A run view of the training run, turned into a real-time inference draft and deployed."""
    d = ready(Designer.from_run(run_id, ws))
    d.create_inference("realtime")
    d.do("deploy")
    d.serving.fields["name"].value = name
    d.serving.submit_button.click()
    assert not failed(d), d.status_text
    return d


# -- buttons -----------------------------------------------------------------------------------
def test_buttons_are_enabled_when_they_can_act(trained):
    ws, run_id = trained
    empty = Designer(workspace=ws)
    assert extra_state(empty) == {"create-inference": True, "publish": True, "deploy": True}

    draft = ready(Designer(automobile_pipeline(ws), ws))
    assert extra_state(draft) == {"create-inference": True, "publish": False, "deploy": True}
    assert "Submit the training pipeline" in draft.buttons["create-inference"].tooltip
    draft.submit()
    wait_finished(draft)
    assert extra_state(draft) == {"create-inference": False, "publish": False, "deploy": True}
    assert draft.run_id in draft.buttons["create-inference"].tooltip

    view = Designer.from_run(run_id, ws)
    assert extra_state(view) == {"create-inference": False, "publish": False, "deploy": True}

    view.create_inference("realtime")
    assert extra_state(view) == {"create-inference": True, "publish": False, "deploy": False}
    assert "real-time endpoint" in view.buttons["deploy"].tooltip


def test_a_disabled_action_says_what_to_do(trained):
    ws, run_id = trained
    d = ready(Designer(automobile_pipeline(ws), ws))
    d.do("deploy")
    assert d.serving.opened is None and failed(d)
    assert "Deploy needs a real-time inference pipeline" in d.status_text


# -- create inference pipeline -------------------------------------------------------------------
def test_create_realtime_inference_from_a_run_view_opens_the_new_draft(trained):
    ws, run_id = trained
    d = ready(Designer.from_run(run_id, ws))
    assert d.readonly
    d.buttons["create-inference"].click()
    assert d.serving.opened == "create-inference" and d.serving.form.layout.display is None
    assert "jd-form-create-inference" in d.serving.form._dom_classes
    assert run_id in d.serving.form.children[0].value
    realtime = next(b for b in d.serving.form.children if "jd-create-realtime" in b._dom_classes)
    realtime.click()

    p = d.pipeline
    assert p.name == "Automobile price prediction (basic)-real time inference"
    assert not d.readonly and not d.canvas.readonly and d.run_id is None and d.run_state == {}
    assert d.canvas.pipeline is p and d.canvas.statuses == {}
    assert components(p) == ["apply_transformation", "score_model", "select_columns_in_dataset",
                             "web_service_input", "web_service_output"]
    data = sorted(n.data["name"][:3] for n in p.nodes.values()
                  if n.kind == "dataset" and n.data.get("type") in ("model", "transformation"))
    assert data == ["MD-", "TD-"]
    assert d.serving.opened is None and d.serving.form.layout.display == "none"
    assert f"from run {run_id}" in d.status_text and not failed(d)
    assert p.validate() == []


def test_create_batch_inference_after_a_submit_in_the_designer(trained):
    ws, _ = trained
    d = ready(Designer(automobile_pipeline(ws), ws))
    d.submit()
    wait_finished(d)
    p = d.create_inference("batch")
    assert d.pipeline is p and p.name.endswith("-batch inference")
    assert list(p.parameters) == ["input_data"]
    assert "web_service_input" not in components(p) and "score_model" in components(p)
    assert extra_state(d) == {"create-inference": True, "publish": False, "deploy": True}


# -- publish -----------------------------------------------------------------------------------------
def test_publish_a_run_then_a_draft_as_versions_1_and_2(trained):
    ws, run_id = trained
    d = ready(Designer.from_run(run_id, ws))
    d.do("publish")
    f = d.serving.fields
    assert f["endpoint"].value == "Automobile price prediction basic"
    assert "Publish run " + run_id in d.serving.form.children[0].value
    f["endpoint"].value = "retrain"
    f["description"].value = "the training run"
    d.serving.submit_button.click()
    assert d.status_text == ("Published 'Automobile price prediction (basic)' as version 1 of "
                             "pipeline endpoint 'retrain' (the default).")
    assert d.serving.opened is None

    d.create_inference("batch")
    d.do("publish")
    assert d.serving.fields["endpoint"].options == ("retrain",)
    assert "this draft" in d.serving.form.children[0].value
    version = d.publish("retrain", description="batch scoring")
    assert version["version"] == "2" and version["source_run"] is None
    assert "as version 2 of pipeline endpoint 'retrain' (default: version 1)" in d.status_text
    rec = serving.PipelineEndpoints(ws).get("retrain")
    assert [v["version"] for v in rec["versions"]] == ["1", "2"]
    assert rec["versions"][0]["source_run"] == run_id
    assert rec["versions"][0]["description"] == "the training run"
    assert rec["default_version"] == "1"
    d.publish("retrain", set_default=True)
    assert serving.PipelineEndpoints(ws).get("retrain")["default_version"] == "3"
    assert "version 3 of pipeline endpoint 'retrain' (the default)" in d.status_text


def test_publish_errors_go_to_the_status_line(trained, ws):
    tws, run_id = trained
    d = ready(Designer.from_run(run_id, tws))
    assert d.publish("") is None and failed(d)
    assert d.status_text == "Name the pipeline endpoint to publish to."
    assert d.publish("bad/name") is None and failed(d)
    assert d.status_text.startswith("Not published: A pipeline endpoint name must be 1 to 64")
    assert not serving.list_pipeline_endpoints(tws)

    # an invalid draft: the probe has no input
    e = ready(Designer(workspace=ws))
    probe = e.add_component(PROBE)
    assert not e.buttons["publish"].disabled
    assert e.publish("probe endpoint") is None and failed(e)
    assert e.status_text.startswith("Not published: fix the pipeline first:")
    assert probe.id in e.canvas._issues
    assert not serving.list_pipeline_endpoints(ws)


# -- deploy and the endpoint panel -----------------------------------------------------------------
def test_deploy_shows_url_keys_and_snippets(trained):
    ws, run_id = trained
    d = ready(Designer.from_run(run_id, ws))
    d.create_inference("realtime")
    d.do("deploy")
    assert d.serving.fields["name"].value == "automobile-price-prediction"
    d.serving.fields["name"].value = "autos"
    d.serving.fields["description"].value = "car prices"
    d.serving.submit_button.click()
    assert d.status_text == "Deployed real-time endpoint 'autos' version 1: test it in the Endpoints tab."
    rec = serving.get_endpoint(ws, "autos")
    assert rec["version"] == 1 and rec["description"] == "car prices"
    assert rec["versions"][0]["source_run"] is None  # from the draft

    panel = d.endpoints
    assert d.outputs.selected_index == TAB_TITLES.index("Endpoints")
    assert d.outputs.children[TAB_TITLES.index("Endpoints")] is panel
    assert panel.name == "autos" and panel.choose.value == "autos"
    assert "<code>/designer/endpoints/autos/score</code>" in panel.url.value
    assert "path on your Jupyter server" in panel.url.value
    assert panel.url_copy.text == "/designer/endpoints/autos/score"
    assert "car prices" in panel.body.children[0].value

    keys = serving.endpoint_keys(ws, "autos")
    for which, field in (("primary", "primaryKey"), ("secondary", "secondaryKey")):
        value = panel.key_values[which].value
        assert MASK in value and keys[field] not in value
        assert panel.key_copy[which].text == keys[field]
    panel.key_show["primary"].value = True
    assert keys["primaryKey"] in panel.key_values["primary"].value
    assert keys["secondaryKey"] not in panel.key_values["secondary"].value
    assert panel.key_show["primary"].description == "Hide"
    panel.key_show["primary"].value = False
    assert MASK in panel.key_values["primary"].value

    snippets = serving.endpoint_snippets("autos", "http://localhost:8888/", workspace=ws)
    assert panel.snippet_copy["curl"].text == snippets["curl"]
    assert panel.snippet_copy["python"].text == snippets["python"]
    assert "curl -X POST &#x27;http://localhost:8888/designer/endpoints/autos/score&#x27;" \
        in panel.snippet_views["curl"].value
    assert "WebServiceInput0" in panel.snippet_views["python"].value

    panel.key_copy["secondary"]._on_view_message(None, {"type": "copied"}, [])
    assert d.status_text == "Copied the secondary key."


def test_deploy_a_run_of_the_inference_pipeline_and_replace_it(trained):
    ws, run_id = trained
    d = deployed(ws, run_id)
    d.submit()                                 # run the real-time inference pipeline
    wait_finished(d)
    inference_run = d.run_id
    view = ready(Designer.from_run(inference_run, ws))
    assert extra_state(view) == {"create-inference": True, "publish": False, "deploy": False}
    assert view.deploy("autos") is None and failed(view)
    assert "'autos' exists already" in view.status_text and "Replace it with a new version" in view.status_text
    info = view.deploy("autos", replace=True)
    assert info["version"] == 2 and info["versions"][1]["source_run"] == inference_run
    assert view.endpoints.name == "autos" and "version 2" in view.endpoints.body.children[0].value
    assert view.deploy("cars") is not None
    view.endpoints.refresh()
    assert view.endpoints.choose.options == ("autos", "cars")


def test_the_test_form_scores_in_the_kernel(trained):
    ws, run_id = trained
    panel = deployed(ws, run_id).endpoints
    request = json.loads(panel.request.value)
    assert list(request["Inputs"]) == ["WebServiceInput0"]
    row = request["Inputs"]["WebServiceInput0"][0]
    assert "make" in row and "price" not in row
    panel.test_button.click()
    out = panel.last_response["Results"]["WebServiceOutput0"]
    assert len(out) == 1 and isinstance(out[0]["Scored Labels"], float) and out[0]["Scored Labels"] > 1000
    assert "200 OK: 1 row scored" in panel.response.value and "Scored Labels" in panel.response.value

    request["Inputs"]["WebServiceInput0"] = [row, {**row, "horsepower": 250.0}]
    panel.request.value = json.dumps(request)
    two = panel.test()["Results"]["WebServiceOutput0"]
    assert len(two) == 2 and two[0]["Scored Labels"] != two[1]["Scored Labels"]
    assert "2 rows scored" in panel.response.value


def test_the_test_form_shows_what_is_wrong(trained):
    ws, run_id = trained
    d = deployed(ws, run_id)
    panel = d.endpoints
    panel.request.value = "{not json"
    assert panel.test() is None and panel.last_response is None
    assert "The request is not valid JSON" in panel.response.value and "jd-param-error" in panel.response.value
    assert failed(d) and "Test of 'autos' failed" in d.status_text

    request = json.loads(json.dumps(panel.example))
    del request["Inputs"]["WebServiceInput0"][0]["make"]
    panel.request.value = json.dumps(request)
    panel.test_button.click()
    assert "has no column &#x27;make&#x27;" in panel.response.value
    panel.request.value = json.dumps({"Inputs": {"Elsewhere": []}})
    panel.test_button.click()
    assert "Unknown input &#x27;Elsewhere&#x27;" in panel.response.value
    assert "Traceback" not in panel.response.value

    panel.example_button.click()
    assert json.loads(panel.request.value) == panel.example
    assert panel.test() is not None


def test_regenerate_a_key(trained):
    ws, run_id = trained
    d = deployed(ws, run_id)
    panel = d.endpoints
    before = serving.endpoint_keys(ws, "autos")
    panel.key_regenerate["secondary"].click()
    after = serving.endpoint_keys(ws, "autos")
    assert after["secondaryKey"] != before["secondaryKey"] and after["primaryKey"] == before["primaryKey"]
    assert panel.api_keys == after and panel.key_copy["secondary"].text == after["secondaryKey"]
    assert d.status_text.startswith("Regenerated the secondary key of 'autos'")
    assert "Regenerated the secondary key" in panel.message.value
    panel.key_show["secondary"].value = True
    assert after["secondaryKey"] in panel.key_values["secondary"].value
    new_primary = panel.regenerate("primary")
    assert new_primary == serving.endpoint_keys(ws, "autos")["primaryKey"] != before["primaryKey"]


def test_delete_an_endpoint_asks_first_then_lists_the_others(trained):
    ws, run_id = trained
    d = deployed(ws, run_id, "autos")
    serving.deploy(ws, "cars", run_id=run_id)
    panel = d.endpoints
    panel.refresh()
    assert panel.name == "autos" and not panel.delete_button.disabled
    assert panel.delete_cancel.layout.display == "none"

    # the first click only asks; "Keep it" changes nothing
    panel.delete_button.click()
    assert panel.delete_armed and panel.delete_button.description == "Confirm delete"
    assert panel.delete_button.button_style == "danger" and panel.delete_cancel.layout.display is None
    assert "cannot be undone" in panel.message.value
    assert serving.RealtimeEndpoints(ws).exists("autos")
    panel.delete_cancel.click()
    assert not panel.delete_armed and panel.delete_button.description == "Delete"
    assert panel.delete_cancel.layout.display == "none" and panel.message.value == ""
    assert serving.RealtimeEndpoints(ws).exists("autos")

    # choosing another endpoint forgets a pending confirmation
    panel.delete_button.click()
    panel.choose.value = "cars"
    assert panel.name == "cars" and not panel.delete_armed
    panel.choose.value = "autos"

    # the second click deletes, the chooser shows what is left, the status line says so
    panel.delete_button.click()
    panel.delete_button.click()
    assert not serving.RealtimeEndpoints(ws).exists("autos")
    assert [e["name"] for e in serving.list_endpoints(ws)] == ["cars"]
    assert panel.choose.options == ("cars",) and panel.name == "cars"
    assert d.status_text == "Deleted real-time endpoint 'autos': it no longer answers scoring requests."
    assert not failed(d) and "Deleted real-time endpoint" in panel.message.value
    with pytest.raises(Exception, match="no real-time endpoint 'autos'"):
        serving.score(ws, "autos", panel.example)

    # the last one: the panel says there are none, and Delete is off
    assert panel.delete("cars")
    assert panel.choose.options == () and panel.name is None and panel.delete_button.disabled
    assert "No real-time endpoints yet" in panel.body.children[0].value
    panel.delete_button.click()
    assert not panel.delete_armed

    # an endpoint deleted elsewhere: the error goes to the status line, no traceback, and the
    # chooser no longer offers it
    serving.deploy(ws, "trucks", run_id=run_id)
    panel.refresh()
    assert panel.name == "trucks"
    serving.delete_endpoint(ws, "trucks")
    panel.delete_button.click()
    panel.delete_button.click()
    assert failed(d) and "Traceback" not in panel.message.value
    assert d.status_text.startswith("Endpoint 'trucks' was not deleted: There is no real-time endpoint")
    assert panel.choose.options == () and panel.name is None and panel.delete_button.disabled


def test_deploy_again_after_delete_serves_the_new_pipeline_everywhere(trained):
    from jupyter_designer.serving import protocols
    from jupyter_designer.serving.realtime import EndpointHost

    ws, run_id = trained
    d = deployed(ws, run_id, "autos")
    example = d.endpoints.example
    server = EndpointHost(ws)  # the Jupyter server's host: another process, its own cache

    def served():
        compiled = server.compiled(server.lookup("autos"))
        return protocols.score_reference(compiled, json.dumps(example).encode())[1]

    before = served()["Results"]["WebServiceOutput0"][0]["Scored Labels"]
    assert d.endpoints.delete("autos")

    # another model under the same name: trained on 30 % of the rows instead of 70 %
    p = automobile_pipeline(ws)
    split = next(n for n in p.nodes.values() if n.component == "split_data")
    split.params["fraction_of_rows_in_the_first_output_dataset"] = 0.3
    other = ready(Designer(p, ws))
    other.submit()
    wait_finished(other)
    other.create_inference("realtime")
    assert other.deploy("autos")["version"] == 1
    after = serving.score(ws, "autos", example)["Results"]["WebServiceOutput0"][0]["Scored Labels"]
    assert after != pytest.approx(before)
    assert served()["Results"]["WebServiceOutput0"][0]["Scored Labels"] == pytest.approx(after)


def test_deploy_errors_go_to_the_status_line(trained):
    ws, run_id = trained
    training = ready(Designer(automobile_pipeline(ws), ws))
    assert training.deploy("autos") is None and failed(training)
    assert "is not a real-time inference pipeline" in training.status_text
    assert "Create inference pipeline" in training.status_text

    d = ready(Designer.from_run(run_id, ws))
    d.create_inference("realtime")
    assert d.deploy("Bad Name") is None and failed(d)
    assert d.status_text.startswith("Not deployed: A real-time endpoint name must be 3 to 32")
    assert d.deploy("") is None and d.status_text == "Name the endpoint to deploy."
    assert serving.list_endpoints(ws) == []


def test_create_inference_errors_go_to_the_status_line(trained, ws):
    tws, _ = trained
    d = ready(Designer(automobile_pipeline(tws), tws))
    assert d.create_inference("realtime") is None and failed(d)
    assert "No completed training run" in d.status_text and "submit it" in d.status_text

    # a run with nothing scored: no inference pipeline to derive
    e = ready(Designer(workspace=ws))
    data = e.add_dataset("probe data")
    probe = e.add_component(PROBE)
    e.pipeline.connect(data, "dataset", probe, "dataset")
    e.submit()
    wait_finished(e)
    assert not e.buttons["create-inference"].disabled
    before = e.pipeline
    assert e.create_inference("realtime") is None and failed(e)
    assert e.status_text.startswith("No inference pipeline created:")
    assert e.pipeline is before
    assert e.create_inference("nightly") is None
    assert "must be 'realtime' or 'batch'" in e.status_text


def test_endpoints_tab_lists_the_workspace_endpoints(trained):
    ws, run_id = trained
    d = ready(Designer(workspace=ws))
    d.outputs.selected_index = TAB_TITLES.index("Endpoints")
    assert d.endpoints.loaded and d.endpoints.choose.options == ()
    assert "No real-time endpoints yet" in d.endpoints.body.children[0].value
    serving.deploy(ws, "autos", run_id=run_id)
    d.endpoints.refresh_button.click()
    assert d.endpoints.choose.value == "autos" and d.endpoints.name == "autos"
    assert not d.endpoints.show("nothing-here")
    assert "There is no real-time endpoint &#x27;nothing-here&#x27;" in d.endpoints.message.value
    assert d.endpoints.name == "autos"


def test_refresh_shows_what_changed_elsewhere_and_keeps_the_test_form_otherwise(trained):
    ws, run_id = trained
    d = deployed(ws, run_id, "autos")
    panel = d.endpoints
    panel.key_show["primary"].value = True
    panel.request.value = "{}"                      # the user's own request
    panel.refresh_button.click()                    # nothing changed: nothing is rebuilt
    assert panel.request.value == "{}" and panel.key_show["primary"].value

    # a key regenerated by another panel, a notebook or the REST API
    keys = serving.regenerate_key(ws, "autos", "primary")
    panel.refresh_button.click()
    assert panel.api_keys == keys and panel.key_copy["primary"].text == keys["primaryKey"]

    # a key regenerated here is no change from elsewhere
    panel.request.value = "{}"
    panel.key_regenerate["secondary"].click()
    panel.refresh_button.click()
    assert panel.request.value == "{}"

    # a new version deployed from another designer
    serving.deploy(ws, "autos", run_id=run_id, replace=True)
    d.outputs.selected_index = TAB_TITLES.index("Preview")
    d.outputs.selected_index = TAB_TITLES.index("Endpoints")  # opening the tab refreshes too
    assert panel.record["version"] == 2 and "version 2" in panel.body.children[0].value


def test_a_standalone_panel_with_a_known_server_url(trained, monkeypatch):
    ws, run_id = trained
    serving.deploy(ws, "autos", run_id=run_id)
    monkeypatch.setenv("JUPYTER_SERVER_URL", "https://hub.example.org/user/ann")
    panel = EndpointPanel(ws, "autos")
    assert panel.scoring_url == "https://hub.example.org/user/ann/designer/endpoints/autos/score"
    assert "path on your Jupyter server" not in panel.url.value
    assert "https://hub.example.org/user/ann/designer/endpoints/autos/score" in panel.snippets["curl"]
    assert panel.test()["Results"]["WebServiceOutput0"][0]["Scored Labels"] > 1000


# -- helpers -----------------------------------------------------------------------------------------
def test_server_base_url(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    assert server_base_url({"JUPYTER_SERVER_URL": "http://h:9/x"}) == ("http://h:9/x/", True)
    (tmp_path / "jpserver-4242.json").write_text(json.dumps({"url": "http://127.0.0.1:8890/lab-base/"}))
    assert server_base_url({"JPY_PARENT_PID": "4242"}) == ("http://127.0.0.1:8890/lab-base/", True)
    assert server_base_url({"JPY_PARENT_PID": "4243"}) == ("/", False)
    assert server_base_url({"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/"}) == ("/user/ann/", False)
    assert server_base_url({}) == ("/", False)


def test_suggested_names_are_valid():
    from jupyter_designer.serving.pipeline_endpoints import check_name as check_pipeline_endpoint
    from jupyter_designer.serving.realtime import check_name as check_endpoint

    cases = {"Automobile price prediction (basic)-real time inference": "automobile-price-prediction",
             "Autos": "autos", "42 things": "endpoint-42-things", "": "endpoint", "x": "endpoint"}
    for text, name in cases.items():
        assert endpoint_name_from(text) == name
        check_endpoint(name)
    assert pipeline_endpoint_name_from("Automobile price prediction (basic)-batch inference") == \
        "Automobile price prediction basic-batch inference"
    assert pipeline_endpoint_name_from("(x)") == "x"
    for text in ("Automobile (basic)", "???", "a" * 90):
        check_pipeline_endpoint(pipeline_endpoint_name_from(text))


def test_a_pipeline_object_still_works_after_switching(trained):
    """The designer's pipeline is the object it shows, also after Create inference pipeline."""
    ws, run_id = trained
    d = ready(Designer.from_run(run_id, ws))
    new = d.create_inference("realtime")
    assert isinstance(new, Pipeline) and d.pipeline is new
    before = len(new.nodes)
    d.add_component("Normalize Data")
    assert len(new.nodes) == before + 1 and d.pipeline.can_undo


def test_keys_are_copied_without_being_kept_in_the_widget_state(trained):
    """A notebook saved with its widget state must not contain the endpoint's keys: the key
    copy buttons send a key only when clicked; other copy buttons share their text."""
    from jupyter_designer.widgets.endpoints import CopyButton

    ws, run_id = trained
    d = deployed(ws, run_id, "autos-secret")
    panel = d.endpoints
    keys = panel.api_keys
    for which, field in (("primary", "primaryKey"), ("secondary", "secondaryKey")):
        button = panel.key_copy[which]
        state = button.get_state()
        assert keys[field] not in json.dumps(state, default=str)
        assert state["secret"] is True and state["shared_text"] == ""
        sent = []
        button.send = lambda content, buffers=None, sent=sent: sent.append(content)
        button._on_view_message(button, {"type": "request"}, [])
        assert sent == [{"type": "text", "text": keys[field]}]
    plain = CopyButton("http://127.0.0.1/x")
    assert plain.get_state()["shared_text"] == "http://127.0.0.1/x"
    sent = []
    plain.send = lambda content, buffers=None: sent.append(content)
    plain._on_view_message(plain, {"type": "request"}, [])
    assert sent == []  # nothing secret to hand out


# -- the example request scores; a removed row is explained ----------------------------------------
def test_the_example_request_is_a_training_row_the_pipeline_scores(trained):
    """With normalized-losses kept, Clean Missing Data ('Remove entire row') drops the first
    training rows (no normalized-losses): the example is the first row that gets a prediction."""
    from jupyter_designer.engine.runner import Runner
    from automobile import node_of

    ws, _ = trained
    p = automobile_pipeline(ws)
    p.set_param(node_of(p, "select_columns_in_dataset"), "select_columns",
                {"begin_with": "all", "rules": []})
    h = Runner(ws).submit(p, "all columns")
    assert ws.get_run(h.run_id).status == "completed"
    serving.deploy(ws, "all-columns", run_id=h.run_id)
    first = ws.get_dataset("Automobile price data (Raw)").iloc[0]
    assert first.isna().any()                      # the first training row has a missing value
    panel = EndpointPanel(ws, "all-columns")
    row = panel.example["Inputs"]["WebServiceInput0"][0]
    assert all(v is not None for v in row.values()), row
    assert json.loads(panel.request.value) == panel.example
    response = panel.test()
    assert len(response["Results"]["WebServiceOutput0"]) == 1
    assert "200 OK: 1 row scored" in panel.response.value
    assert "got no prediction" not in panel.response.value


def test_a_row_the_pipeline_removes_is_named_with_the_step(trained):
    ws, run_id = trained
    d = deployed(ws, run_id)
    panel = d.endpoints
    request = json.loads(json.dumps(panel.example))
    row = request["Inputs"]["WebServiceInput0"][0]
    request["Inputs"]["WebServiceInput0"] = [row, {**row, "bore": None}]
    panel.request.value = json.dumps(request)
    response = panel.test()
    text = unescape(panel.response.value)
    assert "Traceback" not in text
    if response is None:
        # the serving layer refuses a request whose rows it would drop: a readable 400 naming the row
        assert "400 Bad Request" in text and "Row 1" in text and "bore" in text, text
    else:
        assert len(response["Results"]["WebServiceOutput0"]) == 1
        assert "1 of the 2 rows sent got no prediction" in text, text
        assert "Apply Transformation removed 1 of its 2 rows" in text or "row 1" in text, text
        assert "Remove entire row" in text
        assert failed(d) and "got no prediction" in d.status_text
