"""The draft of a Designer: autosave state in the status bar, the bar under the toolbar that
shows a draft problem (changed elsewhere, not saved) or the saved versions, and the
Designer's draft methods (restore a version, reload, save as a copy)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import ipywidgets as W

from .charts import esc

if TYPE_CHECKING:
    from .designer import Designer


class DraftControls:
    """The draft methods of :class:`~jupyter_designer.widgets.designer.Designer` (a part of
    that class: it uses the designer's canvas, status line and draft bar)."""


    # -- the draft: autosave, versions, conflicts ---------------------------------------------
    def _start_draft(self, name: str | None = None, path=None) -> None:
        """Autosave the pipeline shown as draft ``name`` (within a second of every edit)."""
        from jupyter_designer.store.drafts import DraftAutosave

        ws = self.workspace
        p = self.pipeline
        saver = getattr(p, "draft_autosave", None)
        if saver is None or saver._closed:
            if name is None:
                name = getattr(p, "draft_name", None) or ws.new_draft_name(p.name or "Pipeline draft")
            if p.name in ("Pipeline draft", "Untitled pipeline", ""):
                p.name = name
            latest = ws.draft_version(name)
            base = getattr(p, "draft_version", None)
            saver = DraftAutosave(p, ws, name, path=path or getattr(p, "draft_file", None),
                                  base_version=latest if base is None else base)
            if base is None or latest is None or base != latest:
                saver._on_edit()  # this copy is not saved yet (new, or built in code)
                saver.flush()
        self.draft = saver
        self._draft_listener = saver.on_change(lambda _s: self._show_draft_state())
        if self._binding:
            try:
                ws.bind_draft(self._binding, saver.name)
            except Exception:  # a binding is a convenience; the draft itself is saved
                pass
        self._show_draft_state()

    def _stop_draft(self) -> None:
        if getattr(self, "draft", None) is not None:
            self._draft_listener()
            self.draft.flush()
            self.draft = None

    def _show_draft_state(self) -> None:
        saver = self.draft
        if saver is None:
            self.draft_label.value = ""
            self.versions_button.layout.display = "none"
            self.draft_bar.hide()
            return
        self.versions_button.layout.display = None
        cls = {"saved": "jd-draft-saved", "pending": "jd-draft-pending",
               "conflict": "jd-draft-conflict", "error": "jd-draft-error"}[saver.state]
        short = {"saved": "saved", "pending": "saving\u2026", "conflict": "not saved: changed elsewhere",
                 "error": "not saved"}[saver.state]
        self.draft_label.value = (f'<span class="{cls}" title="{esc(saver.status_text())}">'
                                  f"<b>{esc(saver.name)}</b> \u00b7 {short}</span>")
        if saver.state in ("conflict", "error"):
            self.draft_bar.show_problem(saver)
        elif self.draft_bar.mode == "problem":
            self.draft_bar.hide()

    def toggle_versions(self):
        """Show (or hide) the saved versions of the draft, to restore one."""
        if self.draft_bar.mode == "versions":
            self.draft_bar.hide()
        else:
            self.draft_bar.show_versions()

    def restore_version(self, version: int):
        """Show saved version ``version`` of the draft again (one undoable edit)."""
        if self.draft is None:
            self.set_status("This view is not a draft.", error=True)
            return None
        with self.canvas.hold():
            v = self._guard(lambda: self.draft.restore(version))
        if v is not None:
            self.set_status(f"Restored version {version} of draft {self.draft.name!r} (saved as "
                            f"version {v}).")
        return v

    def reload_draft(self):
        """Drop this canvas's unsaved edits and show the draft as saved by another editor."""
        if self.draft is None:
            return None
        with self.canvas.hold():
            v = self._guard(self.draft.reload)
        self.set_status(f"Reloaded draft {self.draft.name!r} (version {v}).")
        return v

    def save_draft_as(self, name: str | None = None):
        """Keep this canvas's copy as a new draft."""
        if self.draft is None:
            return None
        new = self._guard(lambda: self.draft.save_as(name))
        if new and self._binding:
            self.workspace.bind_draft(self._binding, new)
        if new:
            self.set_status(f"Saved as a new draft {new!r}.")
        return new


class DraftBar(W.HBox):
    """Under the toolbar: a draft problem (changed elsewhere, not saved) with what to do about
    it, or the list of saved versions to restore one."""

    def __init__(self, designer: Designer):
        super().__init__(layout=W.Layout(display="none", align_items="center", flex_flow="row wrap",
                                         padding="4px 6px", margin="2px 0"))
        self.designer = designer
        self.mode = None
        self.add_class("jd-draft-bar")

    def hide(self) -> None:
        self.mode = None
        self.children = []
        self.layout.display = "none"

    def _button(self, label: str, cls: str, icon: str, fn, style: str = "") -> W.Button:
        b = W.Button(description=label, icon=icon, button_style=style, layout=W.Layout(width="auto",
                                                                                       flex="0 0 auto"))
        b.add_class("jd-btn")
        b.add_class(cls)
        b.on_click(lambda _b: fn())
        return b

    def show_problem(self, saver) -> None:
        self.mode = "problem"
        d = self.designer
        text = W.HTML(f'<span class="jd-param-error">{esc(saver.status_text())}</span>',
                      layout=W.Layout(flex="1 1 300px"))
        kids = [text]
        if saver.state == "conflict":
            kids += [self._button("Reload", "jd-draft-reload", "refresh", d.reload_draft, "warning"),
                     self._button("Save as a copy", "jd-draft-save-as", "copy", d.save_draft_as)]
        else:
            kids += [self._button("Try again", "jd-draft-retry", "refresh", saver.flush)]
        self.children = kids
        self.layout.display = None

    def show_versions(self) -> None:
        d = self.designer
        if d.draft is None:
            return
        self.mode = "versions"
        try:
            history = d.draft.history()
        except Exception as exc:
            self.children = [W.HTML(f'<span class="jd-param-error">{esc(exc)}</span>')]
            self.layout.display = None
            return
        options = []
        for h in history:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(h["saved"]))
            note = f" \u00b7 {h['note']}" if h.get("note") else ""
            options.append((f"v{h['version']} \u00b7 {when} \u00b7 {h['nodes']} nodes, "
                            f"{h['edges']} connections{note}", h["version"]))
        pick = W.Dropdown(options=options, value=options[min(1, len(options) - 1)][1] if options else None,
                          layout=W.Layout(width="420px"))
        pick.add_class("jd-draft-versions")
        restore = self._button("Restore", "jd-draft-restore", "undo",
                               lambda: (d.restore_version(pick.value), self.hide()))
        close = self._button("", "jd-draft-close", "times", self.hide)
        close.layout.width = "36px"
        self.children = [W.HTML(f"<b>Versions of {esc(d.draft.name)}</b>&nbsp;"), pick, restore, close]
        self.layout.display = None


__all__ = ["DraftBar", "DraftControls"]
