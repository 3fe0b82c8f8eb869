"""The workspace's SQLite metadata database.

One connection per thread (and per process: a connection inherited through ``fork`` is
never reused), WAL journal so readers never block the writer, a 30 s busy timeout so
concurrent writers from several processes queue instead of failing, foreign keys on.
Write transactions start with ``BEGIN IMMEDIATE`` so two processes never deadlock while
upgrading a read lock. The schema is versioned in the ``meta`` table and migrated forward
on open.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

from jupyter_designer.engine.errors import DesignerError

BUSY_TIMEOUT_MS = 30_000

# -- schema migrations -----------------------------------------------------------------------
# Each migration takes a connection inside an open write transaction. Append new ones; never
# edit a released one.

_V1 = """
CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    artifact_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    n_columns INTEGER NOT NULL,
    schema TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    UNIQUE (name_key, version)
);
CREATE INDEX datasets_hash ON datasets (content_hash);
CREATE INDEX datasets_artifact ON datasets (artifact_id);
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    doc_hash TEXT NOT NULL,
    created REAL NOT NULL,
    UNIQUE (name_key, version)
);
CREATE TABLE experiments (
    name TEXT PRIMARY KEY,
    created REAL NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    experiment TEXT NOT NULL REFERENCES experiments (name),
    pipeline_name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created REAL NOT NULL,
    finished REAL,
    parameters TEXT NOT NULL DEFAULT '{}',
    compute TEXT NOT NULL DEFAULT 'local',
    snapshot TEXT NOT NULL DEFAULT '{}',
    metrics TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    pid INTEGER,
    pid_start TEXT,
    host TEXT
);
CREATE INDEX runs_experiment ON runs (experiment, created);
CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_pipeline ON runs (pipeline_name, created);
CREATE TABLE nodes (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    title TEXT,
    started REAL,
    finished REAL,
    duration REAL,
    cache_key TEXT,
    outputs TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    log TEXT NOT NULL DEFAULT '',
    metrics TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, node_id)
);
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    artifact_id TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    task TEXT,
    learner TEXT,
    description TEXT NOT NULL DEFAULT '',
    source_run TEXT,
    source_node TEXT,
    tags TEXT NOT NULL DEFAULT '{}',
    created REAL NOT NULL,
    UNIQUE (name_key, version)
);
CREATE TABLE compute (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    created REAL NOT NULL
)
"""


def _migrate_1(conn: sqlite3.Connection) -> None:
    for stmt in _V1.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    conn.execute("INSERT OR IGNORE INTO compute (name, kind, config, created) VALUES (?, ?, ?, ?)",
                 ("local", "local", "{}", time.time()))


def _migrate_2(conn: sqlite3.Connection) -> None:
    """Drafts that live beside their editors: who wrote each version, which notebook cell or
    pipeline file a draft belongs to, and which draft a run was submitted from."""
    conn.execute("ALTER TABLE drafts ADD COLUMN writer TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE drafts ADD COLUMN note TEXT NOT NULL DEFAULT ''")
    conn.execute("CREATE TABLE draft_bindings (key TEXT PRIMARY KEY, draft_key TEXT NOT NULL,"
                 " created REAL NOT NULL)")
    conn.execute("ALTER TABLE runs ADD COLUMN draft TEXT")
    conn.execute("CREATE INDEX runs_draft ON runs (draft, created)")


def _migrate_3(conn: sqlite3.Connection) -> None:
    """Lineage (what each run, dataset version and model version came from), model aliases,
    and schedules with one claimed row per fired tick."""
    for table in ("runs", "datasets", "models"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN lineage TEXT NOT NULL DEFAULT '{{}}'")
    conn.execute("CREATE TABLE model_aliases (name_key TEXT NOT NULL, alias TEXT NOT NULL,"
                 " version INTEGER NOT NULL, updated REAL NOT NULL, PRIMARY KEY (name_key, alias))")
    conn.execute("CREATE TABLE schedules (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                 " target TEXT NOT NULL, trigger TEXT NOT NULL, state TEXT NOT NULL,"
                 " created REAL NOT NULL, updated REAL NOT NULL)")
    conn.execute("CREATE TABLE schedule_ticks (schedule_id TEXT NOT NULL, tick TEXT NOT NULL,"
                 " trigger TEXT NOT NULL, run_id TEXT, error TEXT, worker TEXT, created REAL"
                 " NOT NULL, PRIMARY KEY (schedule_id, tick))")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_1, _migrate_2, _migrate_3]
SCHEMA_VERSION = len(MIGRATIONS)


class WorkspaceVersionError(DesignerError):
    """The workspace was written by a newer version of jupyter-designer."""


class Database:
    """Thread- and process-aware access to ``designer.db``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[tuple[int, int, sqlite3.Connection]] = []  # (pid, thread, connection)
        self._closed = False
        self._migrate()

    # -- connections -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # journal_mode needs a lock; retry explicitly, as SQLite may not call the busy
        # handler while another process is changing the mode at the same moment
        for attempt in range(200):
            try:
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
                break
            except sqlite3.OperationalError:
                if attempt == 199:
                    raise
                time.sleep(0.05)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (created on first use, never one inherited by fork)."""
        if self._closed:
            self.release_thread()
            raise DesignerError(f"The workspace database {self.path} is closed.")
        local = self._local
        pid = os.getpid()
        conn = getattr(local, "conn", None)
        if conn is None or getattr(local, "pid", None) != pid:
            conn = self._connect()
            local.conn, local.pid = conn, pid
            with self._lock:
                # connections inherited through fork belong to the parent: forget, do not close
                self._all = [(p, t, c) for p, t, c in self._all if p == pid]
                self._all.append((pid, threading.get_ident(), conn))
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on error."""
        conn = self.conn
        if conn.in_transaction:  # nested use inside one thread: join the outer transaction
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params=()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params=()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def release_thread(self) -> None:
        """Close this thread's connection (it opens again on next use, unless closed)."""
        me, pid = threading.get_ident(), os.getpid()
        with self._lock:
            mine = [c for p, t, c in self._all if p == pid and t == me]
            self._all = [(p, t, c) for p, t, c in self._all if not (p == pid and t == me)]
        for c in mine:
            try:
                c.close()
            except sqlite3.Error:  # pragma: no cover
                pass
        if getattr(self._local, "conn", None) in mine:
            self._local.conn = None

    def close(self) -> None:
        """Close the connections of this thread and of threads that have ended. A connection
        of a thread still running (an autosave, a run follower) may be in the middle of a
        statement, and closing it from here could crash the interpreter: that thread finds
        the database closed on its next use, and its connection goes with the thread."""
        self._closed = True
        with self._lock:
            pid = os.getpid()
            me = threading.get_ident()
            alive = {t.ident for t in threading.enumerate()}
            keep = []
            for p, t, c in self._all:
                if p != pid:
                    continue
                if t == me or t not in alive:
                    try:
                        c.close()
                    except sqlite3.Error:  # pragma: no cover
                        pass
                else:
                    keep.append((p, t, c))
            self._all = keep
        self._local = threading.local()

    # -- schema ------------------------------------------------------------------------------
    def _migrate(self) -> None:
        conn = self.conn
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        with self.write() as c:
            row = c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise WorkspaceVersionError(
                    f"The workspace database {self.path} has schema version {current}, but this "
                    f"jupyter-designer understands versions up to {SCHEMA_VERSION}. Upgrade "
                    "jupyter-designer to open it.")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[version - 1](c)
                c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                          (str(version),))
            for key, make in (("workspace_id", lambda: uuid.uuid4().hex),
                              ("secret", lambda: secrets.token_hex(32)),
                              ("created", lambda: repr(time.time()))):
                c.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, make()))

    def meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    @property
    def schema_version(self) -> int:
        return int(self.meta("schema_version") or 0)
