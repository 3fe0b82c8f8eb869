"""Pipeline drafts: versions, deterministic JSON, listing, deleting."""

import json
import time

import pytest

from jupyter_designer.engine.errors import NotFoundError
from jupyter_designer.store import DraftInfo, WorkspaceError

DOC = {"schema_version": 1, "name": "train", "nodes": [{"id": "n1", "component": "Split Data",
                                                        "params": {"fraction": 0.7}}],
       "edges": [], "parameters": []}


def test_save_and_load_versions(ws):
    assert ws.save_draft("Train", DOC) == 1
    # same content in another key order is the same document
    reordered = json.loads(json.dumps(DOC, sort_keys=True))
    reordered = dict(reversed(list(reordered.items())))
    assert ws.save_draft("train", reordered) == 1
    changed = {**DOC, "nodes": [{**DOC["nodes"][0], "params": {"fraction": 0.8}}]}
    assert ws.save_draft("Train", changed) == 2
    assert ws.load_draft("train") == changed
    assert ws.load_draft("TRAIN", 1) == DOC
    with pytest.raises(NotFoundError, match="no version 5; its versions are 1, 2"):
        ws.load_draft("train", 5)


def test_documents_are_stored_as_deterministic_json(ws):
    ws.save_draft("a", {"b": 1, "a": [1, 2]})
    ws.save_draft("b", {"a": [1, 2], "b": 1})
    texts = [r["document"] for r in ws._db.query("SELECT document FROM drafts ORDER BY name")]
    assert texts[0] == texts[1] == '{"a":[1,2],"b":1}'


def test_list_and_delete(ws):
    ws.save_draft("first", DOC)
    time.sleep(0.01)
    ws.save_draft("second", DOC)
    ws.save_draft("second", {**DOC, "name": "x"})
    drafts = ws.list_drafts()
    assert all(isinstance(d, DraftInfo) for d in drafts)
    assert [(d.name, d.version, d.versions) for d in drafts] == [("second", 2, 2), ("first", 1, 1)]
    assert drafts[0].updated >= drafts[0].created
    ws.delete_draft("SECOND")
    assert [d.name for d in ws.list_drafts()] == ["first"]
    with pytest.raises(NotFoundError):
        ws.load_draft("second")
    with pytest.raises(NotFoundError):
        ws.delete_draft("second")


def test_bad_drafts(ws):
    with pytest.raises(WorkspaceError, match="must be a dict"):
        ws.save_draft("x", [1, 2])
    with pytest.raises(WorkspaceError, match="must be JSON data"):
        ws.save_draft("x", {"f": object()})
    with pytest.raises(WorkspaceError, match="name"):
        ws.save_draft("", DOC)
    assert ws.list_drafts() == []
    ws.save_draft("pipeline one", DOC)
    with pytest.raises(NotFoundError, match="Did you mean 'pipeline one'"):
        ws.load_draft("pipeline onw")
