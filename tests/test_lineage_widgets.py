"""The Designer's lineage and schedules panels, driven as a user would (ipywidgets with a
dummy comm): the lineage graph of an endpoint after retraining, and a schedule created,
paused, resumed and deleted from the panel."""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_lineage import retrained  # noqa: E402,F401  (the module fixture)


def test_lineage_panel_shows_the_live_version(retrained):
    from jupyter_designer.widgets import Designer

    ws, run1, run2 = retrained
    d = Designer(workspace=ws)
    assert d.ops.layout.display == "none" and d.ops.button in d.toolbar.children
    d.ops.button.click()
    assert d.ops.visible
    panel = d.ops.lineage
    labels = [label for label, _ in panel.subject.options]
    assert "endpoint: autos" in labels and "model: price" in labels
    panel.subject.value = ("endpoint", "autos")
    panel.show_button.click()
    assert "cars v2" in panel.answer.value and run2 in panel.answer.value
    assert "price v2 [champion]" in panel.answer.value
    svg = panel.graph.value
    assert svg.startswith("<svg") and "ENDPOINT VERSION \u00b7 LIVE" in svg
    # every edge of the graph is drawn, and every node once
    assert svg.count('class="jd-lineage-edge"') == len(panel.result["edges"])
    assert len(re.findall(r'class="jd-lineage-node ', svg)) == len(panel.result["nodes"])
    panel.version.value = "1"
    panel.show_button.click()
    assert "cars v1" in panel.answer.value and run1 in panel.answer.value
    panel.subject.value = ("model", "price")
    panel.version.value = "best"
    panel.show_button.click()
    assert "no alias &#x27;best&#x27;" in panel.message.value and panel.graph.value == ""


def test_schedules_panel_create_pause_resume_delete(retrained):
    from jupyter_designer.serving import PipelineEndpoints
    from jupyter_designer.store.schedules import Schedules
    from jupyter_designer.widgets import Designer

    ws, run1, run2 = retrained
    if not PipelineEndpoints(ws).exists("retrain"):
        PipelineEndpoints(ws).publish("retrain", run2)
    d = Designer(workspace=ws)
    d.ops.toggle(True)
    panel = d.ops.schedules
    assert "retrain" in panel.target.options
    panel.name.value = "weekday mornings"
    panel.target.value = "retrain"
    panel.trigger.value = "0 6 * * 1-5"
    panel.create_button.click()
    assert "Created schedule" in panel.message.value, panel.message.value
    assert Schedules(ws).get("weekday mornings").state == "active"
    row = panel.list.children[0]
    pause = next(b for b in row.children if "jd-schedule-pause" in b._dom_classes)
    pause.click()
    assert Schedules(ws).get("weekday mornings").state == "paused"
    resume = next(b for b in panel.list.children[0].children
                  if "jd-schedule-resume" in b._dom_classes)
    resume.click()
    assert Schedules(ws).get("weekday mornings").state == "active"
    # bad input names what is wrong
    panel.name.value = "bad"
    panel.trigger.value = "every morning"
    panel.create_button.click()
    assert "fields" in panel.message.value
    delete = next(b for b in panel.list.children[0].children
                  if "jd-schedule-delete" in b._dom_classes)
    delete.click()
    assert Schedules(ws).list() == []
    assert "No schedules yet" in panel.list.children[0].value
