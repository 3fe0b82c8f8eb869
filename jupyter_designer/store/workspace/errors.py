"""The errors of workspace operations (besides the dataset and artifact errors)."""

from __future__ import annotations

import datetime as _dt

from jupyter_designer.engine.errors import DesignerError


class DraftConflictError(DesignerError):
    """Another editor saved a draft since this one loaded it; nothing was written."""

    def __init__(self, name: str, latest: int | None, base, *, writer: str = "", saved=None):
        self.name, self.latest, self.base, self.writer, self.saved = name, latest, base, writer, saved
        when = f" at {_dt.datetime.fromtimestamp(saved).strftime('%H:%M:%S')}" if saved else ""
        super().__init__(
            f"Pipeline draft {name!r} was saved elsewhere{when} (version {latest}); this copy "
            f"was loaded from {'no saved version' if base is None else f'version {base}'}. "
            "Reload it to see the other edits, or save this copy under a new name.")


class WorkspaceError(DesignerError, ValueError):
    """A workspace operation got a value it cannot store (bad status, non-JSON document, ...)."""
