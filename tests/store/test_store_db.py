"""The metadata database: WAL, pragmas, schema versions, connections per thread and process."""

import os
import pickle
import sqlite3
import threading

import pandas as pd
import pytest

from jupyter_designer.store import Workspace, WorkspaceError
from jupyter_designer.store.db import SCHEMA_VERSION, WorkspaceVersionError


def test_layout_and_pragmas(ws):
    assert (ws.path / "designer.db").is_file()
    assert (ws.path / "artifacts").is_dir()
    conn = ws._db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    assert ws.schema_version == SCHEMA_VERSION
    assert len(ws.id) == 32


def test_default_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JUPYTER_DESIGNER_WORKSPACE", raising=False)
    with Workspace() as w:
        assert w.path == tmp_path / ".designer"
    monkeypatch.setenv("JUPYTER_DESIGNER_WORKSPACE", str(tmp_path / "from-env"))
    with Workspace() as w:
        assert w.path == tmp_path / "from-env" and w.path.is_dir()


def test_a_file_is_not_a_workspace(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(WorkspaceError, match="it is a file"):
        Workspace(f)


def test_a_newer_schema_is_refused(tmp_path):
    Workspace(tmp_path / "w").close()
    conn = sqlite3.connect(tmp_path / "w" / "designer.db")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceVersionError, match="Upgrade jupyter-designer"):
        Workspace(tmp_path / "w")


def test_migrations_run_once_and_keep_data(tmp_path):
    with Workspace(tmp_path / "w") as w:
        w.save_draft("d", {"a": 1})
        wid = w.id
    with Workspace(tmp_path / "w") as w:
        assert w.id == wid and w.load_draft("d") == {"a": 1}
        assert w.schema_version == SCHEMA_VERSION


def test_one_connection_per_thread(ws):
    seen = []

    def work(i):
        seen.append(id(ws._db.conn))
        ws.save_draft(f"d{i}", {"i": i})

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 8
    assert len(ws.list_drafts()) == 8


def test_threads_writing_at_once_lose_nothing(ws):
    errors = []

    def work(i):
        try:
            for j in range(5):
                ws.register_dataset("shared", pd.DataFrame({"t": [i], "j": [j]}))
                rid = ws.create_run(experiment="e", pipeline_name="p", snapshot={}, parameters={},
                                    compute="local")
                ws.set_node(rid, "n", status="completed")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    versions = ws.dataset_versions("shared")
    assert [v.version for v in versions] == list(range(1, 31))
    assert len({v.content_hash for v in versions}) == 30
    assert len(ws.list_runs(limit=None)) == 30


def test_workspace_pickles_by_path(ws):
    ws.save_draft("d", {"x": 1})
    clone = pickle.loads(pickle.dumps(ws))
    assert clone.path == ws.path and clone.id == ws.id
    assert clone.load_draft("d") == {"x": 1}
    clone.close()


def test_closed_workspace(tmp_path):
    w = Workspace(tmp_path / "w")
    w.close()
    with pytest.raises(Exception, match="closed"):
        w.list_drafts()


def test_forked_child_opens_its_own_connection(ws):
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    ws.save_draft("parent", {"p": 1})
    pid = os.fork()
    if pid == 0:  # child: must not reuse the parent's sqlite connection
        code = 0
        try:
            ws.save_draft("child", {"c": 1})
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert ws.load_draft("child") == {"c": 1}
