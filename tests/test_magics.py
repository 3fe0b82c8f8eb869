"""``%designer`` / ``%%designer`` in a real IPython shell, with widgets on a dummy comm."""

import json

import pytest
from ipywidgets.widgets.tests.utils import setup_test_comm, teardown_test_comm

import jupyter_designer as jd
from jupyter_designer.widgets import Designer

BASIC = "Automobile price prediction (basic)"


@pytest.fixture
def ws(tmp_path, monkeypatch):
    setup_test_comm()
    monkeypatch.setenv("JUPYTER_DESIGNER_WORKSPACE", str(tmp_path / "ws"))
    yield jd.workspace()
    teardown_test_comm()


def magic(ip, line):
    return ip.run_line_magic("designer", line)


def test_bare_magic_opens_a_new_empty_draft(ip, ws):
    d = magic(ip, "")
    assert isinstance(d, Designer)
    assert d.pipeline.nodes == {} or len(d.pipeline.nodes) == 0
    assert d.workspace is ws


def test_open_a_saved_draft_whose_name_has_spaces(ip, ws):
    p = jd.Pipeline("Moved nodes draft", workspace=ws)
    data = p.add_dataset("Automobile price data (Raw)")
    clean = p.add_component("Clean Missing Data")
    p.connect(data, None, clean, "Dataset")
    ws.save_draft("Moved nodes draft", p.to_dict())
    d = magic(ip, "open Moved nodes draft")
    assert isinstance(d, Designer)
    assert sorted(d.pipeline.nodes) == sorted(p.nodes)
    assert len(d.pipeline.edges) == 1
    # quoted names work the same
    assert sorted(magic(ip, "open 'Moved nodes draft'").pipeline.nodes) == sorted(p.nodes)


def test_open_a_pipeline_file_and_a_sample(ip, ws, tmp_path):
    sample = magic(ip, f"sample {BASIC}")
    assert isinstance(sample, Designer)
    assert any(n.kind == "component" and n.component == "score_model" for n in sample.pipeline.nodes.values())
    path = tmp_path / "mine.json"
    sample.pipeline.save(path)
    opened = magic(ip, f"open {path}")
    assert sorted(opened.pipeline.nodes) == sorted(sample.pipeline.nodes)


def test_cell_magic_body_is_a_pipeline_file(ip, ws):
    doc = jd.load_sample(BASIC, workspace=ws).to_json()
    d = ip.run_cell_magic("designer", "", doc)
    assert isinstance(d, Designer)
    assert len(d.pipeline.nodes) == len(json.loads(doc)["nodes"])


def test_cell_magic_with_a_malformed_body_prints_the_json_path(ip, ws, capsys):
    doc = json.loads(jd.load_sample(BASIC, workspace=ws).to_json())
    doc["nodes"] = "not a list"
    assert ip.run_cell_magic("designer", "", json.dumps(doc)) is None
    out = capsys.readouterr().out
    assert out.startswith("error:") and "nodes" in out
    assert "Traceback" not in out


def test_submit_list_and_read_only_run_view(ip, ws, capsys):
    handle = magic(ip, f"submit {BASIC} --experiment magics")
    assert handle.status == "completed"
    runs = magic(ip, "list runs --experiment magics")
    assert list(runs["Run"]) == [handle.run_id]
    assert runs["Status"].iloc[0] == "completed"
    view = magic(ip, f"run {handle.run_id}")
    assert isinstance(view, Designer) and view.readonly
    assert view.run_id == handle.run_id
    # a second submit reuses every node
    again = magic(ip, f"submit {BASIC} --experiment magics")
    assert {n.status for n in again.record().nodes.values()} <= {"reused", "completed"}
    assert "reused" in {n.status for n in again.record().nodes.values()}


@pytest.mark.parametrize("what, column", [("components", "Component"), ("samples", "Sample"),
                                          ("datasets", "Name"), ("pipelines", "Name"),
                                          ("models", "Name")])
def test_list_gives_a_table(ip, ws, what, column):
    table = magic(ip, f"list {what}")
    assert column in table.columns or table.empty
    if what == "components":
        assert {"Clean Missing Data", "Train Model", "Score Model"} <= set(table["Component"])
    if what == "samples":
        assert BASIC in set(table["Sample"])


@pytest.mark.parametrize("line, says", [
    ("frobnicate", "invalid choice"),
    ("list widgets", "invalid choice"),
    ("open", "the following arguments are required"),
    ("run", "the following arguments are required"),
    ("submit x --param nope", "NAME=VALUE"),
    ("open 'unbalanced", "quotation"),
])
def test_bad_arguments_print_a_usage_line_not_a_traceback(ip, ws, capsys, line, says):
    assert magic(ip, line) is None
    out = capsys.readouterr().out
    assert says in out
    assert "usage: %designer" in out
    assert "Traceback" not in out


def test_unknown_names_print_what_exists(ip, ws, capsys):
    assert magic(ip, "open No such draft") is None
    out = capsys.readouterr().out
    assert out.startswith("error:") and "No such draft" in out and "samples" in out
    assert magic(ip, "run 0000-no-such-run") is None
    assert "0000-no-such-run" in capsys.readouterr().out
