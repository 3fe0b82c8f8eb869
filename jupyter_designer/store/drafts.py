"""Autosave of a pipeline draft: every edit reaches the workspace's draft store within a second.

:class:`DraftAutosave` follows a :class:`~jupyter_designer.engine.pipeline.Pipeline`'s change
events (canvas gestures and code edits alike) and saves the draft's document as a new version of
its named draft (SQLite, one transaction: a version is either wholly there or not), and, for a
draft opened from a pipeline file, writes that file too (temp file + rename). Saves are grouped:
the first save comes ``delay`` seconds after the last edit, never later than ``max_delay``
seconds after the first unsaved one, so a killed kernel loses at most that second.

Two editors of one draft never overwrite each other silently: each save says which version its
copy was loaded from, and a save over a version written by someone else is refused
(:class:`~jupyter_designer.store.workspace.DraftConflictError`). Autosave then pauses and the
editor offers :meth:`DraftAutosave.reload` or :meth:`DraftAutosave.save_as`.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import uuid
import weakref
from pathlib import Path
from typing import Callable

from jupyter_designer.engine.errors import DesignerError

from .workspace import DraftConflictError

log = logging.getLogger(__name__)

_LIVE: "weakref.WeakSet[DraftAutosave]" = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:  # a clean interpreter exit saves what is pending
    for saver in list(_LIVE):
        try:
            saver.flush()
        except Exception:  # pragma: no cover - best effort at exit
            pass


def file_key(path) -> str:
    """The binding key of a pipeline file (its resolved path)."""
    return "file:" + str(Path(path).expanduser().resolve())


def cell_key(cell_id: str) -> str:
    """The binding key of a notebook cell."""
    return "cell:" + str(cell_id)


class DraftAutosave:
    """Keep the workspace's draft ``name`` (and ``path``, if given) equal to ``pipeline``.

    ``base_version`` is the draft version the pipeline was loaded from (None for a draft that
    has no saved version yet). The current state is :attr:`state`: ``"saved"``, ``"pending"``
    (edits not saved yet), ``"conflict"`` (another editor saved; autosave paused) or ``"error"``.
    ``on_change(saver)`` callbacks run (on the saving thread) whenever the state changes.
    """

    def __init__(self, pipeline, workspace, name: str, *, path=None, base_version: int | None = None,
                 delay: float = 0.25, max_delay: float = 1.0, writer: str | None = None):
        self.pipeline = pipeline
        self.workspace = workspace
        self.name = name
        self.path = Path(path) if path else None
        self.version = base_version
        self.delay = float(delay)
        self.max_delay = float(max_delay)
        self.writer = writer or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.state = "saved"
        self.error: str | None = None
        self.conflict: DraftConflictError | None = None
        self.saved_at: float | None = None
        self.saves = 0
        self._listeners: list[Callable] = []
        self._cond = threading.Condition(threading.RLock())
        self._dirty_since: float | None = None
        self._last_edit = 0.0
        self._closed = False
        self._file_text: str | None = None
        pipeline.draft_name = name
        pipeline.draft_autosave = self
        self._unsubscribe = pipeline.observe(self._on_edit)
        self._thread = threading.Thread(target=self._loop, name=f"draft-autosave-{name}", daemon=True)
        self._thread.start()
        _LIVE.add(self)

    # -- life cycle ----------------------------------------------------------------------
    @classmethod
    def for_pipeline(cls, pipeline, workspace, name: str | None = None, **kw) -> "DraftAutosave":
        """The autosave already following ``pipeline``, or a new one for draft ``name``."""
        saver = getattr(pipeline, "draft_autosave", None)
        if isinstance(saver, DraftAutosave) and not saver._closed:
            return saver
        if name is None:
            raise DesignerError("A new draft autosave needs the draft's name.")
        return cls(pipeline, workspace, name, **kw)

    def on_change(self, callback: Callable[["DraftAutosave"], None]) -> Callable[[], None]:
        self._listeners.append(callback)

        def remove():
            if callback in self._listeners:
                self._listeners.remove(callback)
        return remove

    def close(self) -> None:
        """Save what is pending and stop following the pipeline."""
        self.flush()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._unsubscribe()
        if getattr(self.pipeline, "draft_autosave", None) is self:
            self.pipeline.draft_autosave = None
        _LIVE.discard(self)

    # -- edits -----------------------------------------------------------------------------
    def _on_edit(self, _event=None) -> None:
        with self._cond:
            now = time.monotonic()
            self._last_edit = now
            if self._dirty_since is None:
                self._dirty_since = now
            changed = self.state == "saved"
            if self.state in ("saved", "error"):
                self.state = "pending"
            self._cond.notify_all()
        if changed:
            self._notify()

    def _due(self) -> float | None:
        if self._dirty_since is None or self.state == "conflict":
            return None
        return min(self._last_edit + self.delay, self._dirty_since + self.max_delay)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed:
                    due = self._due()
                    now = time.monotonic()
                    if due is not None and now >= due:
                        break
                    self._cond.wait(None if due is None else due - now)
                if self._closed:
                    db = getattr(self.workspace, "_db", None)
                    if db is not None and hasattr(db, "release_thread"):
                        db.release_thread()
                    return
            try:
                self.flush()
            except Exception:  # pragma: no cover - flush records its own errors
                log.exception("autosave of draft %r failed", self.name)
            finally:
                # an idle autosave holds no connection: saves come at most once a second
                db = getattr(self.workspace, "_db", None)
                if db is not None and hasattr(db, "release_thread"):
                    db.release_thread()
                time.sleep(self.max_delay)

    # -- saving ------------------------------------------------------------------------------
    def _workspace_closed(self) -> bool:
        db = getattr(self.workspace, "_db", None)
        return bool(getattr(db, "_closed", False))

    def _document(self) -> dict | None:
        p = self.pipeline
        for _ in range(20):  # the kernel's thread may be in the middle of an edit
            if getattr(p, "_depth", 0):
                time.sleep(0.005)
                continue
            try:
                return p.to_dict()
            except RuntimeError:  # a dict changed size while being read
                time.sleep(0.005)
        return None

    def flush(self) -> int | None:
        """Save now if anything is unsaved; returns the draft's version."""
        with self._cond:
            if self._dirty_since is None or self.state == "conflict":
                return self.version
            doc = self._document()
            if doc is None:
                return self.version
            self._dirty_since = None
            try:
                version = self.workspace.save_draft(self.name, doc, base_version=self.version,
                                                    writer=self.writer)
            except DraftConflictError as exc:
                self.state, self.conflict, self.error = "conflict", exc, str(exc)
                self._dirty_since = time.monotonic()  # still unsaved
                failed = True
            except Exception as exc:
                if self._workspace_closed():  # the workspace was closed: nothing more to save to
                    self._closed = True
                    self._cond.notify_all()
                    return self.version
                self.state, self.error = "error", f"Draft {self.name!r} not saved: {exc}"
                self._dirty_since = time.monotonic()
                log.warning("%s", self.error)
                failed = True
            else:
                failed = False
            if failed:
                version = self.version
            else:
                self._saved(version, doc)
        self._notify()
        return version

    def _saved(self, version: int, doc: dict) -> None:
        self.version = version
        self.state, self.error = "saved", None
        if self.path is not None:
            self._write_file(doc)
        self.saved_at = time.time()
        self.saves += 1
        if self._dirty_since is not None and self.state == "saved":  # an edit came in meanwhile
            self.state = "pending"

    def _write_file(self, doc: dict) -> None:
        from jupyter_designer.engine.serialization import dumps
        from jupyter_designer.fileio import atomic_write

        text = dumps(doc)
        if text == self._file_text:
            return
        try:
            atomic_write(self.path, text)
            self._file_text = text
        except OSError as exc:
            self.state = "error"
            self.error = (f"The pipeline file {self.path} could not be written ({exc}); the draft "
                          f"{self.name!r} is saved in the workspace.")

    def _notify(self) -> None:
        for cb in list(self._listeners):
            try:
                cb(self)
            except Exception:  # pragma: no cover - a broken listener must not stop saving
                log.exception("draft autosave listener failed")

    # -- resolving conflicts, history -------------------------------------------------------
    def _load_into_pipeline(self, doc: dict) -> None:
        from jupyter_designer.engine.pipeline import Pipeline

        other = Pipeline.from_dict(doc, source=f"draft {self.name!r}", workspace=self.workspace)
        self.pipeline.replace_with(other)

    def reload(self) -> int | None:
        """Drop this copy's unsaved edits and show the latest saved version."""
        with self._cond:
            latest = self.workspace.draft_version(self.name)
            if latest is None:
                self.state, self.conflict = "pending", None
                self._dirty_since = time.monotonic()
                self._cond.notify_all()
                return None
            doc = self.workspace.load_draft(self.name, latest)
            self._load_into_pipeline(doc)
            self.version = latest
            self._dirty_since = None
            self.state, self.conflict, self.error = "saved", None, None
        self._notify()
        return latest

    def save_as(self, name: str | None = None) -> str:
        """Keep this copy as a new draft (``name`` or "<name> (copy)" made unique)."""
        with self._cond:
            new = self.workspace.new_draft_name(name or f"{self.name} (copy)")
            self.name = new
            self.pipeline.draft_name = new
            self.version = None
            self.path = None
            self._file_text = None
            self.state, self.conflict, self.error = "pending", None, None
            self._dirty_since = self._last_edit = time.monotonic() - self.max_delay
        self.flush()
        return new

    def history(self) -> list[dict]:
        """The draft's saved versions, newest first (see ``Workspace.draft_history``)."""
        return self.workspace.draft_history(self.name)

    def restore(self, version: int) -> int | None:
        """Show saved version ``version`` again; saved at once as the newest version (the
        versions in between stay in the history)."""
        doc = self.workspace.load_draft(self.name, int(version))
        with self._cond:
            self._load_into_pipeline(doc)
            self._dirty_since = self._last_edit = time.monotonic() - self.max_delay
        return self.flush()

    def status_text(self) -> str:
        """A short line for the editor: where the draft is saved, or what went wrong."""
        if self.state == "conflict":
            return str(self.conflict)
        if self.state == "error":
            return self.error or "Not saved."
        if self.state == "pending":
            return f"Draft {self.name!r}: saving\u2026"
        if self.saved_at is None:
            where = f" (v{self.version})" if self.version else ""
            return f"Draft {self.name!r}{where}"
        t = time.strftime("%H:%M:%S", time.localtime(self.saved_at))
        file = f" and {self.path.name}" if self.path else ""
        return f"Draft {self.name!r} v{self.version} saved{file} at {t}"
