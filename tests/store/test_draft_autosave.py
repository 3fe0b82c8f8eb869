"""Drafts are never lost: autosave within a second, history and restore, two editors of one
draft, and a kernel killed mid-edit (a real process, ``kill -9``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.store import DraftConflictError, Workspace
from jupyter_designer.store.drafts import DraftAutosave


def _wait(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def _tutorial_start(p: Pipeline):
    data = p.add_dataset("Automobile price data (Raw)")
    clean = p.add_component("Clean Missing Data", {"Cleaning mode": "Remove entire row"})
    p.connect(data, None, clean, "Dataset")
    return data, clean


def test_every_edit_is_saved_within_a_second(ws):
    p = Pipeline("Pipeline draft 1", workspace=ws)
    saver = DraftAutosave(p, ws, "Pipeline draft 1")
    try:
        data, clean = _tutorial_start(p)
        t0 = time.monotonic()
        assert _wait(lambda: saver.state == "saved" and ws.draft_version("Pipeline draft 1"))
        assert time.monotonic() - t0 < 1.5  # the delay is 0.25 s, the bound 1 s; a busy machine adds
        doc = ws.load_draft("pipeline draft 1")
        assert {n["id"] for n in doc["nodes"]} == {data.id, clean.id}
        assert len(doc["edges"]) == 1
        # an edit made in code on the same draft is saved as well, as a new version
        p.set_comment(clean, "drops rows with missing values")
        p.move_node(data, 10, 20)
        assert _wait(lambda: ws.load_draft("Pipeline draft 1")["nodes"][0].get("comment")
                     or any(n.get("comment") for n in ws.load_draft("Pipeline draft 1")["nodes"]))
        latest = ws.load_draft("Pipeline draft 1")
        assert Pipeline.from_dict(latest).to_dict() == p.to_dict()
        assert saver.version == ws.draft_version("Pipeline draft 1")
    finally:
        saver.close()


def test_a_stream_of_edits_is_saved_at_least_every_second(ws):
    p = Pipeline("busy", workspace=ws)
    saver = DraftAutosave(p, ws, "busy", delay=0.5, max_delay=1.0)
    try:
        node = p.add_component("Clean Missing Data")
        # edits every 0.1 s for 2.5 s: the debounce alone would never save; the bound does
        saved_while_editing = set()
        end = time.monotonic() + 2.5
        i = 0
        while time.monotonic() < end:
            i += 1
            p.move_node(node, i, i)
            time.sleep(0.1)
            v = ws.draft_version("busy")
            if v:
                saved_while_editing.add(v)
        assert len(saved_while_editing) >= 2, saved_while_editing
    finally:
        saver.close()
    assert ws.load_draft("busy")["nodes"][0]["position"] == [float(i), float(i)]


def test_history_lists_versions_and_restore_brings_one_back(ws):
    p = Pipeline("hist", workspace=ws)
    saver = DraftAutosave(p, ws, "hist")
    try:
        a = p.add_component("Clean Missing Data")
        saver.flush()
        b = p.add_component("Select Columns in Dataset")
        p.connect(a, None, b, None)
        saver.flush()
        assert [h["version"] for h in saver.history()] == [2, 1]
        assert [(h["nodes"], h["edges"]) for h in saver.history()] == [(2, 1), (1, 0)]
        v = saver.restore(1)
        assert v == 3  # a restore is a new version; the versions in between stay
        assert set(p.nodes) == {a.id}
        assert [h["version"] for h in ws.draft_history("hist")] == [3, 2, 1]
        assert p.undo()  # a restore is one undoable edit
        assert set(p.nodes) == {a.id, b.id}
    finally:
        saver.close()
    with pytest.raises(Exception, match="no pipeline draft named 'nope'"):
        ws.draft_history("nope")


def test_two_editors_never_overwrite_each_other_silently(ws):
    first = Pipeline("shared", workspace=ws)
    s1 = DraftAutosave(first, ws, "shared")
    first.add_component("Clean Missing Data")
    s1.flush()
    # a second notebook opens the same draft
    second = Pipeline.from_dict(ws.load_draft("shared"), workspace=ws)
    s2 = DraftAutosave(second, ws, "shared", base_version=ws.draft_version("shared"))
    try:
        second.add_component("Split Data")
        s2.flush()
        assert s2.state == "saved" and ws.draft_version("shared") == 2
        # the first editor's next edit is refused, not written over the second's
        first.add_component("Normalize Data")
        s1.flush()
        assert s1.state == "conflict"
        assert isinstance(s1.conflict, DraftConflictError)
        assert "saved elsewhere" in s1.status_text() and "version 2" in s1.status_text()
        assert ws.draft_version("shared") == 2
        titles = sorted(n["component"] for n in ws.load_draft("shared")["nodes"])
        assert titles == ["clean_missing_data", "split_data"]
        # ... and no later edit slips through while it is paused
        first.add_component("Join Data")
        time.sleep(0.6)
        assert ws.draft_version("shared") == 2
        # the first editor keeps its copy under a new name
        new = s1.save_as()
        assert new == "shared (copy)" and s1.state == "saved"
        assert sorted(n["component"] for n in ws.load_draft(new)["nodes"]) == [
            "clean_missing_data", "join_data", "normalize_data"]
        # or reloads the other's version
        second.add_component("Join Data")
        s2.flush()
        third = Pipeline.from_dict(ws.load_draft("shared", 1), workspace=ws)
        s3 = DraftAutosave(third, ws, "shared", base_version=1)
        third.add_component("Edit Metadata")
        s3.flush()
        assert s3.state == "conflict"
        assert s3.reload() == 3
        assert sorted(n.component for n in third.nodes.values()) == [
            "clean_missing_data", "join_data", "split_data"]
        s3.close()
    finally:
        s1.close()
        s2.close()


def test_conflict_check_is_atomic_across_processes(tmp_path):
    """Two processes save over the same base version at once: exactly one wins."""
    ws_path = tmp_path / "ws"
    w = Workspace(ws_path)
    w.save_draft("race", {"name": "race", "nodes": [], "edges": []})
    w.close()
    script = textwrap.dedent(f"""
        import sys, time
        from jupyter_designer.store import Workspace, DraftConflictError
        ws = Workspace({str(ws_path)!r})
        start = float(sys.argv[2])
        while time.time() < start:
            time.sleep(0.001)
        try:
            ws.save_draft("race", {{"name": "race", "writer": sys.argv[1]}}, base_version=1)
            print("saved")
        except DraftConflictError:
            print("conflict")
    """)
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", script, str(i), str(start)],
                              stdout=subprocess.PIPE, text=True) for i in range(4)]
    outs = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert outs == ["conflict", "conflict", "conflict", "saved"]


def test_pipeline_file_is_written_beside_the_draft(ws, tmp_path):
    path = tmp_path / "train.json"
    p = Pipeline("from file", workspace=ws)
    p.add_component("Clean Missing Data")
    p.save(path)
    loaded = Pipeline.load(path, workspace=ws)
    saver = DraftAutosave(loaded, ws, "from file", path=path)
    try:
        loaded.add_component("Split Data")
        saver.flush()
        assert Pipeline.load(path).to_dict() == loaded.to_dict()
        assert ws.load_draft("from file") == loaded.to_dict()
        assert not list(tmp_path.glob(".train.json.*"))  # no temp file left behind
    finally:
        saver.close()


def test_a_file_that_cannot_be_written_is_said_and_the_draft_still_saved(ws, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "p.json"
    p = Pipeline("ro", workspace=ws)
    saver = DraftAutosave(p, ws, "ro", path=path)
    try:
        os.chmod(folder, 0o500)
        if os.access(folder, os.W_OK):  # root ignores modes: make the path a folder instead
            os.chmod(folder, 0o700)
            path.mkdir()
        p.add_component("Clean Missing Data")
        saver.flush()
        assert saver.state == "error"
        assert "could not be written" in saver.status_text() and "saved in the workspace" in saver.status_text()
        assert len(ws.load_draft("ro")["nodes"]) == 1
    finally:
        os.chmod(folder, 0o700)
        saver.close()


def test_kill_9_mid_edit_loses_at_most_the_last_second(tmp_path):
    """A kernel-like process edits a draft continuously and is killed with SIGKILL: what the
    store has is a consistent document no older than about a second before the kill."""
    ws_path = tmp_path / "ws"
    progress = tmp_path / "progress"
    script = textwrap.dedent(f"""
        import time
        from jupyter_designer.engine.pipeline import Pipeline
        from jupyter_designer.store import Workspace
        from jupyter_designer.store.drafts import DraftAutosave
        ws = Workspace({str(ws_path)!r})
        p = Pipeline("killed", workspace=ws)
        DraftAutosave(p, ws, "killed")
        i = 0
        while True:
            i += 1
            p.add_component("Clean Missing Data", comment=str(i))
            with open({str(progress)!r}, "a") as f:
                f.write(f"{{i}} {{time.time()}}\\n")
            time.sleep(0.05)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        assert _wait(lambda: progress.exists() and len(progress.read_text().splitlines()) > 60, 60)
        os.kill(proc.pid, signal.SIGKILL)
        killed_at = time.time()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    edits = [line.split() for line in progress.read_text().splitlines()]
    ws = Workspace(ws_path)
    doc = ws.load_draft("killed")
    saved = max(int(n["comment"]) for n in doc["nodes"])
    assert len(doc["nodes"]) == saved  # a whole document: every edit up to the saved one
    made_at = {int(i): float(t) for i, t in edits}
    last = max(made_at)
    lost = [i for i in made_at if i > saved]
    # what was lost was made within the last ~second before the kill
    assert all(made_at[i] >= killed_at - 1.5 for i in lost), (saved, last, lost[:3])
    assert saved >= last - 40
