"""Nothing built on the canvas is lost: ``%designer`` drafts are named, autosaved, reopened by
the cell that made them after a kernel restart (here: a second IPython session in a new
process), with the last run's colours; and the canvas shows runs submitted from code."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

from test_magics import ws  # noqa: F401  (a workspace of its own; `ip` is in conftest.py)

import jupyter_designer as jd
from jupyter_designer import magics
from jupyter_designer.widgets import Designer


def _in_cell(monkeypatch, cell_id):
    monkeypatch.setattr(magics, "current_cell_id", lambda: cell_id)


def _wait(cond, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def _build(d: Designer):
    data = d.add_dataset("Automobile price data (Raw)", position=(100, 60))
    clean = d.add_component("Clean Missing Data", {"Cleaning mode": "Remove entire row",
                                                   "Columns to be cleaned": ["normalized-losses"]},
                            position=(100, 200), comment="drop incomplete rows")
    d.pipeline.connect(data, None, clean, "Dataset")
    d.pipeline.add_parameter("fraction", "float", 0.7)
    return data, clean


def test_bare_magic_names_the_draft_and_saves_it(ip, ws, monkeypatch):
    _in_cell(monkeypatch, "cell-a")
    d = ip.run_line_magic("designer", "")
    assert d.draft.name == "Pipeline draft 1" and d.pipeline.name == "Pipeline draft 1"
    assert [x.name for x in ws.list_drafts()] == ["Pipeline draft 1"]  # listed from the start
    _build(d)
    assert _wait(lambda: d.draft.state == "saved" and len(ws.load_draft("Pipeline draft 1")["nodes"]) == 2)
    assert "Pipeline draft 1" in d.draft_label.value and "saved" in d.draft_label.value
    # another cell gets another draft
    _in_cell(monkeypatch, "cell-b")
    assert ip.run_line_magic("designer", "").draft.name == "Pipeline draft 2"
    listing = ip.run_line_magic("designer", "list pipelines")
    assert set(listing["Name"]) == {"Pipeline draft 1", "Pipeline draft 2"}


def test_rerunning_the_cell_after_a_restart_shows_exactly_what_was_there(ip, ws, monkeypatch, tmp_path):
    _in_cell(monkeypatch, "cell-restart")
    d = ip.run_line_magic("designer", "")
    _build(d)
    run = jd.submit(d.pipeline, experiment="drafts", workspace=ws)
    run.wait(120)
    d.draft.flush()
    before = d.pipeline.to_dict()
    statuses = dict(d.canvas.statuses)
    assert _wait(lambda: set(d.canvas.statuses.values()) >= {"completed"})
    # a new kernel: a fresh process runs the same cell
    script = textwrap.dedent(f"""
        import json, os
        os.environ["JUPYTER_DESIGNER_WORKSPACE"] = {str(ws.path)!r}
        from ipywidgets.widgets.tests.utils import setup_test_comm
        setup_test_comm()
        from IPython.testing.globalipapp import start_ipython
        from jupyter_designer import magics
        magics.current_cell_id = lambda: "cell-restart"
        ip = start_ipython()
        ip.run_line_magic("load_ext", "jupyter_designer")
        d = ip.run_line_magic("designer", "")
        print(json.dumps({{"doc": d.pipeline.to_dict(), "statuses": d.canvas.statuses,
                          "draft": d.draft.name, "run": d.run_id,
                          "inference": not d.buttons["create-inference"].disabled}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["draft"] == d.draft.name
    assert got["doc"] == before  # nodes, edges, parameters, comments, positions
    assert got["run"] == run.run_id
    shown = {k: v for k, v in got["statuses"].items() if v}
    assert shown and set(shown.values()) == {"completed"}
    assert set(shown) == set(d.pipeline.nodes)
    assert statuses == {} or set(statuses) <= set(shown)


def test_a_run_submitted_from_code_colours_the_canvas(ip, ws, monkeypatch):
    _in_cell(monkeypatch, "cell-code-run")
    d = ip.run_line_magic("designer", "")
    data, clean = _build(d)
    assert d.canvas.statuses.get(clean.id) in (None, "not_started")
    assert d.buttons["create-inference"].disabled
    handle = jd.submit(d.pipeline, experiment="from code", workspace=ws)
    handle.wait(120)
    assert _wait(lambda: d.canvas.statuses.get(clean.id) == "completed")
    assert d.run_id == handle.run_id
    assert handle.run_id in d.status_text


def test_sample_cell_reopens_its_draft_and_new_starts_over(ip, ws, monkeypatch):
    _in_cell(monkeypatch, "cell-sample")
    d = ip.run_line_magic("designer", "sample Automobile price prediction (basic)")
    first = next(iter(d.pipeline.nodes))
    d.pipeline.set_comment(first, "my note")
    d.draft.flush()
    again = ip.run_line_magic("designer", "sample Automobile price prediction (basic)")
    assert again.draft.name == d.draft.name
    assert again.pipeline.nodes[first].comment == "my note"
    assert "Reopened" in again.status_text
    fresh = ip.run_line_magic("designer", "sample Automobile price prediction (basic) --new")
    assert fresh.draft.name != d.draft.name
    assert fresh.pipeline.nodes[first].comment != "my note"


def test_open_a_pipeline_file_saves_back_to_it(ip, ws, monkeypatch, tmp_path):
    _in_cell(monkeypatch, None)
    path = tmp_path / "train.json"
    p = jd.Pipeline("From a file", workspace=ws)
    p.add_component("Clean Missing Data")
    p.save(path)
    d = ip.run_line_magic("designer", f"open {path}")
    assert d.draft.path == path
    d.add_component("Split Data")
    assert _wait(lambda: len(json.loads(path.read_text())["nodes"]) == 2)
    # reopening the file shows the same draft
    d2 = ip.run_line_magic("designer", f"open {path}")
    assert d2.draft.name == d.draft.name and len(d2.pipeline.nodes) == 2


def test_two_canvases_on_one_draft_are_told_and_can_reload_or_keep_a_copy(ip, ws, monkeypatch):
    _in_cell(monkeypatch, "nb1-cell")
    first = ip.run_line_magic("designer", "")
    first.add_component("Clean Missing Data")
    first.draft.flush()
    _in_cell(monkeypatch, "nb2-cell")
    second = ip.run_line_magic("designer", f"open {first.draft.name}")
    second.add_component("Split Data")
    second.draft.flush()
    first.add_component("Normalize Data")
    first.draft.flush()
    assert _wait(lambda: first.draft.state == "conflict")
    assert _wait(lambda: first.draft_bar.layout.display != "none")
    assert "changed elsewhere" in first.draft_label.value
    labels = [getattr(c, "description", "") for c in first.draft_bar.children]
    assert "Reload" in labels and "Save as a copy" in labels
    new = first.save_draft_as()
    assert new == f"{second.draft.name} (copy)"
    assert first.draft.state == "saved" and first.draft_bar.layout.display == "none"
    assert len(ws.load_draft(second.draft.name)["nodes"]) == 2


def test_versions_can_be_listed_and_restored_from_the_designer(ip, ws, monkeypatch):
    _in_cell(monkeypatch, "cell-versions")
    d = ip.run_line_magic("designer", "")
    d.add_component("Clean Missing Data")
    d.draft.flush()
    d.add_component("Split Data")
    d.draft.flush()
    d.toggle_versions()
    pick = next(c for c in d.draft_bar.children if "jd-draft-versions" in c._dom_classes)
    assert len(pick.options) == 3  # the empty draft, one node, two nodes
    assert d.restore_version(2) is not None
    assert len(d.pipeline.nodes) == 1


def test_a_pipeline_built_in_code_keeps_one_draft_per_cell(ws, monkeypatch):
    _in_cell(monkeypatch, "cell-code")
    first = Designer(jd.load_sample("Automobile price prediction (basic)", workspace=ws), workspace=ws)
    again = Designer(jd.load_sample("Automobile price prediction (basic)", workspace=ws), workspace=ws)
    assert again.draft.name == first.draft.name  # running the cell again: a new version, not a new draft
    _in_cell(monkeypatch, "another-cell")
    other = Designer(jd.load_sample("Automobile price prediction (basic)", workspace=ws), workspace=ws)
    assert other.draft.name != first.draft.name
