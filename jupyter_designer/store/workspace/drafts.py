"""The pipeline drafts of a workspace: versioned documents, and which cell or file shows which."""

from __future__ import annotations

import hashlib
import json
import time

from jupyter_designer.engine.errors import NotFoundError

from ..artifacts import ArtifactStore
from ..db import Database
from ..records import DraftInfo
from ._common import _check_name, _close_matches, _dumps, _loads
from .errors import DraftConflictError, WorkspaceError


class DraftsPart:
    """Save, load, list and delete pipeline drafts (with their version history)."""

    _db: Database
    _artifacts: ArtifactStore

    def save_draft(self, name: str, document: dict, *, base_version: int | None | bool = False,
                   writer: str = "", note: str = "") -> int:
        """Save a pipeline draft document; returns its version (1, 2, ...). Saving a document
        equal to the latest version returns that version without adding one.

        ``base_version`` guards against two editors overwriting each other: the version the
        caller's copy was loaded from (``None`` for a draft the caller believes new). When
        another writer saved a different document since, :class:`DraftConflictError` is raised
        and nothing is written. The default (``False``) saves unconditionally. ``writer`` names
        who saved (an editor's id), ``note`` says why (e.g. "restored version 3").
        """
        name = _check_name(name, "draft")
        if not isinstance(document, dict):
            raise WorkspaceError(f"A draft document must be a dict (a pipeline's JSON document). "
                                 f"Got {type(document).__name__} instead.")
        text = _dumps(document, f"draft {name!r}")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        key = name.casefold()
        with self._db.write() as c:
            row = c.execute("SELECT version, doc_hash, name, writer, created FROM drafts WHERE "
                            "name_key = ? ORDER BY version DESC LIMIT 1", (key,)).fetchone()
            if row is not None and row["doc_hash"] == digest:
                return row["version"]
            latest = row["version"] if row else None
            if base_version is not False and base_version != latest:
                raise DraftConflictError(row["name"] if row else name, latest, base_version,
                                         writer=row["writer"] if row else "",
                                         saved=row["created"] if row else None)
            version = latest + 1 if row else 1
            c.execute("INSERT INTO drafts (name, name_key, version, document, doc_hash, created,"
                      " writer, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (row["name"] if row else name, key, version, text, digest, time.time(),
                       str(writer or ""), str(note or "")))
        return version

    def draft_version(self, name: str) -> int | None:
        """The latest version of a draft, or None when there is no such draft."""
        row = self._db.one("SELECT MAX(version) FROM drafts WHERE name_key = ?",
                           (str(name).strip().casefold(),))
        return row[0] if row and row[0] is not None else None

    def draft_history(self, name: str) -> list[dict]:
        """Every saved version of a draft, newest first: ``version``, ``saved`` (epoch
        seconds), ``writer``, ``note``, ``nodes`` and ``edges`` (counts)."""
        rows = self._db.query("SELECT version, created, writer, note, document FROM drafts "
                              "WHERE name_key = ? ORDER BY version DESC",
                              (str(name).strip().casefold(),))
        if not rows:
            raise NotFoundError(f"There is no pipeline draft named {name!r}."
                                f"{_close_matches(name, [d.name for d in self.list_drafts()])}")
        out = []
        for r in rows:
            doc = _loads(r["document"], {})
            out.append({"version": r["version"], "saved": r["created"], "writer": r["writer"],
                        "note": r["note"], "nodes": len(doc.get("nodes") or []),
                        "edges": len(doc.get("edges") or [])})
        return out

    def new_draft_name(self, base: str = "Pipeline draft") -> str:
        """A draft name not used yet: ``"Pipeline draft 1"``, ``"Pipeline draft 2"``, ... for
        the default base; ``base`` itself, then ``"base (2)"``, ... for any other."""
        base = _check_name(base, "draft")
        taken = {r[0] for r in self._db.query("SELECT DISTINCT name_key FROM drafts")}
        if base == "Pipeline draft":
            n = 1
            while f"{base} {n}".casefold() in taken:
                n += 1
            return f"{base} {n}"
        if base.casefold() not in taken:
            return base
        n = 2
        while f"{base} ({n})".casefold() in taken:
            n += 1
        return f"{base} ({n})"

    def bind_draft(self, key: str, name: str) -> None:
        """Remember that ``key`` (a notebook cell id, a pipeline file path) shows draft ``name``."""
        with self._db.write() as c:
            c.execute("INSERT OR REPLACE INTO draft_bindings (key, draft_key, created) VALUES (?, ?, ?)",
                      (str(key), str(name).strip().casefold(), time.time()))

    def bound_draft(self, key: str) -> str | None:
        """The name of the draft bound to ``key``, or None (also when that draft was deleted)."""
        row = self._db.one("SELECT d.name FROM draft_bindings b JOIN drafts d ON d.name_key = "
                           "b.draft_key WHERE b.key = ? LIMIT 1", (str(key),))
        return row[0] if row else None

    def load_draft(self, name: str, version: int | None = None) -> dict:
        """A saved draft document (the latest version unless ``version`` is given)."""
        rows = self._db.query("SELECT version, document FROM drafts WHERE name_key = ? "
                              "ORDER BY version", (str(name).strip().casefold(),))
        if not rows:
            known = [r["name"] for r in self._db.query("SELECT DISTINCT name FROM drafts")]
            raise NotFoundError(f"There is no pipeline draft named {name!r}."
                                f"{_close_matches(name, known)}")
        if version is None:
            return json.loads(rows[-1]["document"])
        for r in rows:
            if r["version"] == version:
                return json.loads(r["document"])
        raise NotFoundError(f"Pipeline draft {name!r} has no version {version!r}; its versions "
                            f"are {', '.join(str(r['version']) for r in rows)}.")

    def list_drafts(self) -> list[DraftInfo]:
        """Every saved draft (its latest version), most recently saved first."""
        rows = self._db.query(
            "SELECT name, MAX(version) AS version, COUNT(*) AS versions, MIN(created) AS created,"
            " MAX(created) AS updated FROM drafts GROUP BY name_key ORDER BY updated DESC")
        return [DraftInfo(r["name"], r["version"], r["versions"], r["created"], r["updated"])
                for r in rows]

    def delete_draft(self, name: str) -> None:
        """Delete a draft and all of its versions."""
        with self._db.write() as c:
            n = c.execute("DELETE FROM drafts WHERE name_key = ?",
                          (str(name).strip().casefold(),)).rowcount
            c.execute("DELETE FROM draft_bindings WHERE draft_key = ?", (str(name).strip().casefold(),))
        if not n:
            raise NotFoundError(f"There is no pipeline draft named {name!r}.")
