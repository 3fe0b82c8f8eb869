"""The Designer: palette, canvas, properties panel, toolbar, status line and output tabs.

``Designer(pipeline)`` shows a :class:`~jupyter_designer.engine.pipeline.Pipeline` and
``designer.pipeline`` *is* that object: canvas edits change it, code edits appear on the
canvas. Runs go through :class:`~jupyter_designer.engine.runner.Runner` in the background,
so the kernel stays responsive, and their events colour the canvas.
"""

from __future__ import annotations

import threading
import time
import weakref

import ipywidgets as W

from jupyter_designer import app

from .canvas import Canvas, format_duration
from .charts import esc, fmt, table
from .serving_actions import ServingActions
from .outputs import TAB_TITLES, OutputViews
from .palette import Palette
from .properties import PropertiesPanel

#: the clipboard shared by every designer of the kernel (copy in one, paste in another)
_CLIPBOARD: dict = {}

#: toolbar actions, in display order: (action, label, icon, tooltip)
ACTIONS = (
    ("validate", "Validate", "check", "Check the pipeline and mark problems"),
    ("submit", "Submit", "play", "Run the pipeline in the background"),
    ("run-selected", "Run selected", "forward", "Run only the selected nodes (reusing their inputs)"),
    ("run-up-to", "Run up to here", "step-forward", "Run the selected node and everything before it"),
    ("cancel", "Cancel", "stop", "Cancel the running pipeline"),
    ("undo", "", "undo", "Undo (Ctrl+Z)"),
    ("redo", "", "repeat", "Redo (Ctrl+Y)"),
    ("copy", "", "copy", "Copy the selected nodes (Ctrl+C)"),
    ("paste", "", "paste", "Paste (Ctrl+V)"),
    ("delete", "", "trash", "Delete the selection (Delete)"),
    ("auto-layout", "", "sitemap", "Arrange the nodes top to bottom"),
    ("fit", "", "expand", "Zoom to fit"),
    ("clone", "Clone", "clone", "Clone this run into a new, editable draft"),
)
EDIT_ACTIONS = {"undo", "redo", "paste", "delete", "auto-layout", "submit", "run-selected",
                "run-up-to", "copy", "validate"}
#: from a training run to production (``designer.toolbar_extra``; see widgets/endpoints.py)
EXTRA_ACTIONS = (("create-inference", "Create inference pipeline", "magic"),
                 ("publish", "Publish", "upload"), ("deploy", "Deploy", "cloud-upload"))


class Designer(W.VBox):
    """The visual pipeline designer.

    Parameters
    ----------
    pipeline : Pipeline, optional
        The draft to edit (a new empty one by default).
    workspace : jupyter_designer.store.Workspace, optional
        Where datasets, runs and outputs live (``Workspace()`` by default, created when
        first needed).
    """

    def __init__(self, pipeline=None, workspace=None, *, experiment: str = "Default",
                 readonly: bool = False, runner=None, height: str = "560px",
                 draft: str | None = None, draft_file=None, binding: str | None = None,
                 autosave: bool = True):
        from jupyter_designer.engine.pipeline import Pipeline

        if workspace is None and pipeline is not None:
            workspace = getattr(pipeline, "workspace", None)
        self._workspace = workspace
        self._runner = runner
        if pipeline is None:
            pipeline = Pipeline(name="Pipeline draft", workspace=workspace)
            if workspace is not None and autosave and not readonly and draft is None:
                draft = workspace.new_draft_name()
                pipeline.name = draft
        self.pipeline = pipeline
        if getattr(self.pipeline, "workspace", None) is None and workspace is not None:
            self.pipeline.workspace = workspace
        self.readonly = bool(readonly)
        self.run_id: str | None = None
        self.handle = None
        self.run_state: dict = {}
        self._lock = threading.RLock()
        self._unsubscribe = None

        # -- parts --------------------------------------------------------------------
        self.canvas = Canvas(self.pipeline, height=height, readonly=self.readonly)
        self.canvas.layout = W.Layout(flex="1 1 auto", width="auto", min_width="300px")
        self.palette = Palette(on_component=self.add_component, on_dataset=self._add_data,
                               workspace_getter=lambda: self.workspace)
        self.properties = PropertiesPanel(self)
        self.experiment = W.Text(value=experiment, description="Experiment",
                                 layout=W.Layout(width="240px"), style={"description_width": "initial"})
        self.experiment.add_class("jd-experiment")
        self.buttons: dict[str, W.Button] = {}
        tools = []
        for action, label, icon, tip in ACTIONS:
            b = W.Button(description=label, icon=icon, tooltip=tip,
                         layout=W.Layout(width="auto" if label else "36px"))
            b.add_class("jd-btn")
            b.add_class(f"jd-btn-{action}")
            b.on_click(lambda _b, a=action: self.do(a))
            self.buttons[action] = b
            tools.append(b)
        self.buttons["submit"].button_style = "primary"
        self.toolbar_extra = W.HBox(layout=W.Layout(margin="0 0 0 8px"))
        self.toolbar_extra.add_class("jd-toolbar-extra")
        for action, label, icon in EXTRA_ACTIONS:
            b = W.Button(description=label, icon=icon, disabled=True, tooltip=label,
                         layout=W.Layout(width="auto"))
            b.add_class("jd-btn")
            b.add_class(f"jd-btn-{action}")
            b.on_click(lambda _b, a=action: self.do(a))
            self.buttons[action] = b
        self.toolbar_extra.children = [self.buttons[a] for a, _, _ in EXTRA_ACTIONS]
        self.toolbar = W.HBox(tools[:2] + [self.experiment] + tools[2:] + [self.toolbar_extra],
                              layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self.toolbar.add_class("jd-toolbar")

        self.status = W.HTML("Ready.")
        self.status.add_class("jd-status")
        self.first_failed_button = W.Button(description="Go to first failed node", icon="crosshairs",
                                            layout=W.Layout(width="auto", display="none"),
                                            button_style="danger")
        self.first_failed_button.add_class("jd-btn")
        self.first_failed_button.add_class("jd-btn-first-failed")
        self.first_failed_button.on_click(lambda _b: self.go_to_first_failed())
        self.buttons["first-failed"] = self.first_failed_button
        self.draft_label = W.HTML("")
        self.draft_label.add_class("jd-draft-status")
        self.versions_button = W.Button(description="Versions", icon="history", tooltip=(
            "Saved versions of this draft: restore an earlier one"), layout=W.Layout(width="auto"))
        self.versions_button.add_class("jd-btn")
        self.versions_button.add_class("jd-btn-versions")
        self.versions_button.on_click(lambda _b: self.toggle_versions())
        self.status_bar = W.HBox([self.status, W.HBox([self.first_failed_button, self.draft_label,
                                                       self.versions_button],
                                                      layout=W.Layout(align_items="center",
                                                                      flex="0 0 auto"))],
                                 layout=W.Layout(align_items="center", justify_content="space-between"))
        self.draft_bar = DraftBar(self)

        self.runs_panel = RunsPanel(self)
        self.serving = ServingActions(self)
        self.endpoints = self.serving.panel
        self.outputs = OutputViews(runs=self.runs_panel, endpoints=self.endpoints)
        main = W.HBox([self.palette, self.canvas, self.properties],
                      layout=W.Layout(width="100%", align_items="stretch"))
        main.add_class("jd-main")
        super().__init__([self.toolbar, self.draft_bar, self.serving.form, main, self.status_bar,
                          self.outputs], layout=W.Layout(width="100%"))
        self.add_class("jd-designer")

        # -- wiring ---------------------------------------------------------------------
        self.canvas.on("select", self._on_select)
        self.canvas.on("port_click", self._on_port_click)
        self.canvas.on("open", self._on_open)
        self.canvas.on("command", self._on_command)
        self.canvas.on("refused", lambda m: self.set_status(f"Not connected: {m['reason']}", error=True))
        self.canvas.on("drop", self._on_drop)
        self.outputs.observe(self._on_tab, "selected_index")
        self._unsubscribe = self.pipeline.observe(self._on_pipeline_event)
        self.draft = None
        self._followed: dict = {}
        self._binding = binding
        if autosave and not readonly:
            if binding is None and draft is None and getattr(self.pipeline, "draft_name", None) is None:
                # a pipeline built in a cell's code: running the cell again saves a new version
                # of the same draft instead of starting another one
                from jupyter_designer.magics import current_cell_id

                cell = current_cell_id()
                if cell:
                    self._binding = f"cell:{cell}|code {str(self.pipeline.name).casefold()}"
                    draft = self.workspace.bound_draft(self._binding)
            self._start_draft(draft, draft_file)
        self._apply_readonly()
        self._update_buttons()
        if not readonly:
            self.follow_runs()

    def _on_tab(self, change) -> None:
        # Runs and Endpoints list what the workspace holds when opened
        if change["new"] == TAB_TITLES.index("Runs"):
            self.runs_panel.refresh()
        elif change["new"] == TAB_TITLES.index("Endpoints"):
            self.endpoints.refresh()

    # -- workspace and runner -----------------------------------------------------------------
    @property
    def workspace(self):
        if self._workspace is None:
            from jupyter_designer.api import workspace as default_workspace
            self._workspace = default_workspace()
            if getattr(self.pipeline, "workspace", None) is None:
                self.pipeline.workspace = self._workspace
        return self._workspace

    @property
    def runner(self):
        if self._runner is None:
            from jupyter_designer.engine.runner import Runner
            self._runner = Runner(self.workspace)
        return self._runner

    def compute_targets(self) -> list[str]:
        names = ["local"]
        ws = self._workspace
        if ws is not None and hasattr(ws, "list_compute"):
            try:
                names += [c.name for c in ws.list_compute() if c.name not in names]
            except Exception:
                pass
        return names

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

    # -- runs submitted anywhere (canvas, code, magics, CLI, REST, pipeline endpoints) -------------
    def follow_runs(self, interval: float = 0.5) -> None:
        """Show the runs of this draft wherever they were submitted, live."""
        _RunFollower.add(self, interval)

    def _poll_runs(self) -> None:
        if self.readonly or self.draft is None:
            return
        p = self.pipeline
        ws = self._workspace
        if ws is None:
            return
        latest = ws.latest_draft_run(self.draft.name, p.name)
        if latest is None:
            return
        rid, status = latest
        if self.handle is not None and rid == self.handle.run_id:
            return  # a run of this canvas: its events colour the nodes
        f = self._followed
        if f.get("run_id") == rid and f.get("final"):
            return
        nodes = ws.node_statuses(rid)
        key = (status, tuple(sorted(nodes.items())))
        if f.get("run_id") == rid and f.get("key") == key:
            return
        from jupyter_designer.store.records import FINAL_RUN_STATUSES

        final = status in FINAL_RUN_STATUSES
        self._followed = {"run_id": rid, "key": key, "final": final}
        try:
            rec = ws.get_run(rid)
        except Exception:
            return
        if self.handle is not None and not self.handle.done:
            return
        self.run_id = rid
        self.show_run_record(rec)
        if final:
            self._update_buttons()
            if self.runs_panel.loaded:
                self.runs_panel.refresh()

    def close(self) -> None:
        """Save the draft's pending edits and close the widgets."""
        self._closed_designer = True
        self._stop_draft()
        super().close()

    # -- switching pipelines ----------------------------------------------------------------
    def set_pipeline(self, pipeline, *, readonly: bool = False) -> None:
        """Show another draft (e.g. a clone) in this designer."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.pipeline = pipeline
        if getattr(pipeline, "workspace", None) is None and self._workspace is not None:
            pipeline.workspace = self._workspace
        self._unsubscribe = pipeline.observe(self._on_pipeline_event)
        self.readonly = readonly
        self.canvas.readonly = readonly
        self.canvas.attach(pipeline)
        if hasattr(self, "draft"):
            self._stop_draft()
            self._followed = {}
            if not readonly:
                self._start_draft()
            else:
                self._show_draft_state()
        self._apply_readonly()
        self.properties.show(None)
        self._update_buttons()

    def _apply_readonly(self) -> None:
        ro = self.readonly
        self.canvas.readonly = ro
        self.palette.layout.display = "none" if ro else None
        self.buttons["clone"].layout.display = None if (ro and self.run_id) else "none"
        self.experiment.disabled = ro
        self._update_buttons()
        self.properties.refresh()

    # -- editing (what the palette and toolbar call) ------------------------------------------------
    def add_component(self, name: str, params: dict | None = None, **kw):
        """Add a component by name (with parameter values, as ``Pipeline.add_component``) at a
        free spot and select it."""
        if self.readonly:
            return None
        if kw.get("position") is None:  # a free spot near the middle of what the canvas shows
            kw["position"] = self.canvas.free_spot()
        node = self._guard(lambda: self.pipeline.add_component(name, params, **kw))
        if node is not None:
            self.select([node.id])
            self.set_status(f"Added {node.title}.")
        return node

    def add_dataset(self, name: str, version=None, **kw):
        if self.readonly:
            return None
        if kw.get("position") is None:
            kw["position"] = self.canvas.free_spot()
        node = self._guard(lambda: self.pipeline.add_dataset(name, version, **kw))
        if node is not None:
            self.select([node.id])
            self.set_status(f"Added {node.title}.")
        return node

    def _add_data(self, name, version, kind):
        return self.add_dataset(name, version, type="model" if kind == "model" else "dataset")

    def select(self, nodes=(), edges=(), *, center: bool = False) -> None:
        """Select nodes on the canvas and show the single selected node's properties."""
        self.canvas.select(nodes, edges, center=center)
        self._on_select({"nodes": list(nodes), "edges": list(edges)})

    @property
    def selection(self) -> dict:
        return self.canvas.selection

    def do(self, action: str):
        """Run a toolbar action by name (``"undo"``, ``"submit"``, ``"auto-layout"``, ...)."""
        fn = {
            "validate": self.validate, "submit": self.submit, "run-selected": self.run_selected,
            "run-up-to": self.run_up_to, "cancel": self.cancel, "undo": self.undo, "redo": self.redo,
            "copy": self.copy, "paste": self.paste, "delete": self.delete_selection,
            "auto-layout": self.auto_layout, "fit": self.canvas.fit, "clone": self.clone,
            "first-failed": self.go_to_first_failed,
            "create-inference": lambda: self.serving.open("create-inference"),
            "publish": lambda: self.serving.open("publish"),
            "deploy": lambda: self.serving.open("deploy"),
        }.get(action)
        if fn is None:
            raise ValueError(f"unknown action {action!r}")
        return fn()

    def _guard(self, fn):
        """Run an edit; a refused edit goes to the status line instead of a traceback."""
        from jupyter_designer.engine.errors import DesignerError

        try:
            return fn()
        except DesignerError as exc:
            self.set_status(str(exc), error=True)
            self.canvas.toast(str(exc), "error")
            return None

    def undo(self) -> bool:
        if self.readonly:
            return False
        with self.canvas.hold():
            done = self.pipeline.undo()
        self.set_status("Undone." if done else "Nothing to undo.")
        self._update_buttons()
        return done

    def redo(self) -> bool:
        if self.readonly:
            return False
        with self.canvas.hold():
            done = self.pipeline.redo()
        self.set_status("Redone." if done else "Nothing to redo.")
        self._update_buttons()
        return done

    def copy(self, nodes=None) -> dict | None:
        ids = list(nodes if nodes is not None else self.selection["nodes"])
        if not ids:
            self.set_status("Select nodes to copy.")
            return None
        clip = self._guard(lambda: self.pipeline.copy(ids))
        if clip is not None:
            _CLIPBOARD.clear()
            _CLIPBOARD.update(clip)
            self.set_status(f"Copied {len(ids)} node(s).")
        return clip

    def paste(self, clipboard: dict | None = None) -> list:
        if self.readonly:
            return []
        clip = clipboard or dict(_CLIPBOARD)
        if not clip.get("nodes"):
            self.set_status("Nothing to paste: copy nodes first.")
            return []
        with self.canvas.hold():
            new = self._guard(lambda: self.pipeline.paste(clip)) or []
        if new:
            self.select([n.id for n in new])
            self.set_status(f"Pasted {len(new)} node(s).")
        return new

    def delete_selection(self) -> None:
        if self.readonly:
            return
        sel = self.selection
        if not sel["nodes"] and not sel["edges"]:
            self.set_status("Select nodes or connections to delete.")
            return
        self._guard(lambda: self.canvas.delete(sel["nodes"], sel["edges"]))
        self.select([])

    def _on_drop(self, msg: dict) -> None:
        """A palette entry was dropped on the canvas: add it where it was dropped."""
        pos = (msg["x"], msg["y"])
        if msg["kind"] == "component":
            self.add_component(msg["name"], position=pos)
        else:
            self.add_dataset(msg["name"], msg.get("version") if msg["kind"] == "model" else None,
                             position=pos, type="model" if msg["kind"] == "model" else "dataset")

    def auto_layout(self) -> None:
        if self.readonly:
            return
        if self.canvas.request_layout():  # the view lays out with ELK: one move, one undo step
            return
        with self.canvas.hold():
            self._guard(self.pipeline.auto_layout)
        self.canvas.fit()

    # -- validation -----------------------------------------------------------------------------
    def validate(self, parameters: dict | None = None) -> list:
        """Check the draft; mark the nodes with problems; returns the issues."""
        issues = self.pipeline.validate(parameters)
        marks: dict = {}
        for i in issues:
            if i.node_id and i.node_id not in marks:
                marks[i.node_id] = i.message
        self.canvas.set_issues(marks)
        if issues:
            items = "".join(f"<li>{esc(str(i))}</li>" for i in issues[:12])
            more = f"<li>\u2026 and {len(issues) - 12} more</li>" if len(issues) > 12 else ""
            self.set_status(f"{len(issues)} problem{'s' if len(issues) != 1 else ''} found:"
                            f"<ul style='margin:2px 0'>{items}{more}</ul>", error=True, html=True)
            first = next((i.node_id for i in issues if i.node_id), None)
            if first:
                self.select([first], center=True)
        else:
            self.set_status("The pipeline is valid.")
        return issues

    # -- running ------------------------------------------------------------------------------
    def submit(self, *, up_to=None, only=None, regenerate: bool = False, parameters: dict | None = None,
               experiment: str | None = None, compute: str | None = None):
        """Validate and run the draft in the background; returns the run handle (or None)."""
        if self.readonly:
            return None
        if self.running:
            self.set_status("A run is still going: wait for it or cancel it.", error=True)
            return None
        issues = self.validate(parameters)
        if issues:
            return None
        self.canvas.clear_status()
        self.first_failed_button.layout.display = "none"
        with self._lock:
            self.run_state = {"run_id": None, "total": 0, "done": 0, "running": {}, "failed": [],
                              "started": time.time(), "status": "running", "nodes": {}}
        from jupyter_designer.engine.errors import DesignerError
        try:
            handle = app.submit_run(self.workspace, self.pipeline,
                                    experiment=experiment or self.experiment.value or "Default",
                                    parameters=parameters, runner=self.runner, regenerate=regenerate,
                                    up_to=up_to, only=only, compute=compute, background=True,
                                    on_event=self._on_run_event)
        except DesignerError as exc:
            self.set_status(f"Not submitted: {exc}", error=True)
            return None
        self.handle = handle
        self.run_id = handle.run_id
        self._update_buttons()
        return handle

    @property
    def running(self) -> bool:
        """Whether a run submitted here is still going."""
        if self.handle is None or self.handle.done:
            return False
        return self.run_state.get("status", "running") == "running"

    def run_selected(self):
        nodes = self.selection["nodes"]
        if not nodes:
            self.set_status("Select the nodes to run.")
            return None
        return self.submit(only=list(nodes))

    def run_up_to(self):
        nodes = self.selection["nodes"]
        if len(nodes) != 1:
            self.set_status("Select one node to run the pipeline up to it.")
            return None
        return self.submit(up_to=nodes[0])

    def cancel(self) -> None:
        if self.running:
            self.handle.cancel()
            self.set_status("Canceling: nodes already running will finish first.")

    def wait(self, timeout: float | None = None):
        """Block until the current run ends (for scripts and tests)."""
        if self.handle is None:
            return None
        rec = self.handle.wait(timeout)
        return rec

    def _on_run_event(self, ev) -> None:
        """Runner events (from a worker thread) -> node colours, status line, logs."""
        kind = ev.kind
        with self._lock:
            st = self.run_state
            if st.get("run_id") not in (None, ev.run_id):
                return  # an older run still reporting
            st["run_id"] = ev.run_id
            self.run_id = ev.run_id
            if ev.total:
                st["total"] = ev.total
            if kind == "run_started":
                st["total"] = ev.total
            elif kind.startswith("node_") and ev.node_id:
                status = ev.status or kind[5:]
                st["nodes"][ev.node_id] = {"status": status, "duration": ev.duration, "error": ev.error,
                                           "log": ev.log, "title": ev.title}
                if status == "running":
                    st["running"][ev.node_id] = ev.title or ev.node_id
                else:
                    st["running"].pop(ev.node_id, None)
                if status in ("completed", "reused", "failed"):
                    st["done"] = max(st["done"], ev.done or 0, sum(
                        1 for n in st["nodes"].values() if n["status"] in ("completed", "reused", "failed")))
                if status == "failed" and ev.node_id not in st["failed"]:
                    st["failed"].append(ev.node_id)
            elif kind == "run_finished":
                st["status"] = ev.status
                st["running"].clear()
                st["duration"] = ev.duration
                st["error"] = ev.error
        if kind.startswith("node_") and ev.node_id:
            status = ev.status or kind[5:]
            self.canvas.set_status(ev.node_id, status, duration=ev.duration, error=ev.error)
            if status == "failed":
                self.first_failed_button.layout.display = None
                if self.selection["nodes"] == [ev.node_id]:
                    self._show_logs(ev.node_id)
        self._render_run_status()
        if kind == "run_finished":
            rec = self._record()
            if rec is not None:  # data nodes report no events: colour them from the record
                data = {nid: {"status": n.status} for nid, n in rec.nodes.items()
                        if nid in self.pipeline.nodes and self.pipeline.nodes[nid].kind == "dataset"
                        and n.status in ("completed", "failed")}
                if data:
                    self.canvas.set_statuses(data)
            self._update_buttons()
            if self.runs_panel.loaded:
                self.runs_panel.refresh()
            sel = self.selection["nodes"]
            if len(sel) == 1:
                self._show_node_outputs(sel[0], switch=False)

    def _render_run_status(self) -> None:
        st = self.run_state
        if not st:
            return
        total, done = st.get("total", 0), st.get("done", 0)
        rid = st.get("run_id") or ""
        if st.get("status") == "running":
            running = list(st["running"].values())
            what = f", running {', '.join(running[:3])}" + ("\u2026" if len(running) > 3 else "") if running else ""
            failed = f", {len(st['failed'])} failed" if st["failed"] else ""
            self.set_status(f"Run {rid}: {done}/{total} nodes{what}{failed}")
        else:
            final = st.get("status")
            dur = format_duration(st.get("duration"))
            text = f"Run {rid} {final} in {dur} ({done}/{total} nodes)"
            if st["failed"]:
                titles = [st["nodes"][n].get("title") or n for n in st["failed"]]
                text += f": {len(titles)} failed ({', '.join(titles[:3])})"
            elif final != "completed" and st.get("error"):
                text += f": {st['error']}"
            self.set_status(text, error=final != "completed")

    def go_to_first_failed(self):
        """Select and centre the first failed node of the run and show its log."""
        failed = list(self.run_state.get("failed") or [])
        if not failed:
            failed = [nid for nid, s in self.canvas._status.items() if s.get("status") == "failed"]
        if not failed:
            self.set_status("No node failed.")
            return None
        nid = failed[0]
        self.select([nid], center=True)
        self._show_logs(nid)
        self.outputs.select("Logs")
        return nid

    # -- run records ----------------------------------------------------------------------------
    def _record(self):
        if not self.run_id:
            return None
        try:
            return self.workspace.get_run(self.run_id)
        except Exception:
            return None

    def _show_logs(self, nid: str) -> None:
        title = self.pipeline.nodes[nid].title if nid in self.pipeline.nodes else nid
        rec = self._record()
        n = rec.nodes.get(nid) if rec is not None else None
        if n is None:
            live = (self.run_state.get("nodes") or {}).get(nid)
            if live is None:
                self.outputs.logs.value = f"<b>{esc(title)}</b>: not run yet."
                return
            self.outputs.show_log(title, live["status"], error=live.get("error"), log=live.get("log"),
                                  duration=live.get("duration"))
            return
        self.outputs.show_log(title, n.status, error=n.error, log=n.log, duration=n.duration)

    def show_output(self, node_id: str, port: str | None = None, *, switch: bool = True):
        """Show one output of a node of the current run in the output tabs."""
        data_node = self.pipeline.nodes.get(node_id)
        if data_node is not None and data_node.kind == "dataset":
            return self._show_data_node(data_node, switch)  # no run needed to look at data
        rec = self._record()
        if rec is None or node_id not in rec.nodes:
            self.set_status("Run the pipeline to see this node's outputs.")
            return None
        n = rec.nodes[node_id]
        if not n.outputs:
            self.set_status(f"{n.title or node_id} has no stored outputs ({n.status}).")
            return None
        port = port if port in n.outputs else next(iter(n.outputs))
        try:
            value = self.workspace.run_output(self.run_id, node_id, port)
        except Exception as exc:
            self.set_status(f"Cannot load output {port!r} of {n.title}: {exc}", error=True)
            return None
        node = self.pipeline.nodes.get(node_id)
        label = port
        if node is not None:
            try:
                label = node.output(port).label
            except Exception:
                pass
        title = f"{n.title or node_id} \u203a {label}"
        tab = self.outputs.show_output(value, title, scored=self._scored_inputs(node_id, rec))
        if switch:
            self.outputs.select(tab)
        return value

    def _show_data_node(self, node, switch: bool):
        data = node.data or {}
        try:
            if data.get("type", "dataset") == "model":
                value = self.workspace.get_model(data["name"], data.get("version"))
            else:
                value = self.workspace.get_dataset(data["name"], data.get("version"))
        except Exception as exc:
            self.set_status(str(exc), error=True)
            return None
        tab = self.outputs.show_output(value, node.title)
        if switch:
            self.outputs.select(tab)
        return value

    def _scored_inputs(self, node_id: str, rec) -> list:
        """The tables feeding an Evaluate Model node (for the residual summary)."""
        out = []
        node = self.pipeline.nodes.get(node_id)
        if node is None or node.kind != "component":
            return out
        for port in node.inputs:
            edge = next((e for e in self.pipeline.edges.values()
                         if e.target == node_id and e.target_port == port.key), None)
            if edge is None or edge.source not in rec.nodes:
                continue
            if edge.source_port not in rec.nodes[edge.source].outputs:
                continue
            try:
                out.append(self.workspace.run_output(self.run_id, edge.source, edge.source_port))
            except Exception:
                out.append(None)
        return out

    def _show_node_outputs(self, nid: str, switch: bool = False) -> None:
        # outputs load on request (a click on an output port); logs are cheap to show
        if self.run_id and nid in self.pipeline.nodes:
            self._show_logs(nid)

    # -- canvas events --------------------------------------------------------------------------
    def _on_select(self, sel: dict) -> None:
        nodes = sel.get("nodes") or []
        self.properties.show(nodes[0] if len(nodes) == 1 else None)
        if len(nodes) == 1 and self.run_id:
            self._show_node_outputs(nodes[0], switch=False)
        self._update_buttons()

    def _on_port_click(self, msg: dict) -> None:
        if msg.get("direction") != "out":
            return
        self.show_output(msg["node"], msg.get("port"))

    def _on_open(self, msg: dict) -> None:
        nid = msg.get("node")
        if self.run_id and nid:
            self.show_output(nid)

    def _on_command(self, msg: dict) -> None:
        name = msg.get("name")
        if name == "copy":
            self.copy(msg.get("nodes"))
        elif name in ("undo", "redo", "paste"):
            self.do(name)

    def _on_pipeline_event(self, ev: dict) -> None:
        t = ev["type"]
        if t in ("node_changed", "node_removed") and ev.get("id") == self.properties.node_id:
            self.properties.refresh()
        elif t in ("edge_added", "edge_removed", "parameters_changed", "reset"):
            # column pickers and pipeline settings depend on these
            self.properties.refresh()
        if t == "node_removed":
            self.canvas.selection["nodes"] = [n for n in self.canvas.selection["nodes"] if n != ev["id"]]
        self._update_buttons()

    def _on_parameters_changed(self) -> None:
        self.properties.refresh()

    # -- status and buttons ---------------------------------------------------------------------
    def set_status(self, text: str, *, error: bool = False, html: bool = False) -> None:
        body = text if html else esc(text)
        cls = "jd-status-failed" if error else "jd-status-ok"
        self.status.value = f'<span class="{cls}">{body}</span>'

    @property
    def status_text(self) -> str:
        import html
        import re
        return html.unescape(re.sub(r"<[^>]+>", " ", self.status.value)).strip()

    def _update_buttons(self) -> None:
        if not hasattr(self, "buttons"):
            return
        ro = self.readonly
        running = self.running
        sel = self.canvas.selection
        for action in EDIT_ACTIONS:
            self.buttons[action].disabled = ro
        if not ro:
            self.buttons["undo"].disabled = not self.pipeline.can_undo
            self.buttons["redo"].disabled = not self.pipeline.can_redo
            self.buttons["submit"].disabled = running
            self.buttons["run-selected"].disabled = running or not sel["nodes"]
            self.buttons["run-up-to"].disabled = running or len(sel["nodes"]) != 1
            self.buttons["delete"].disabled = not (sel["nodes"] or sel["edges"])
            self.buttons["copy"].disabled = not sel["nodes"]
            self.buttons["paste"].disabled = not _CLIPBOARD.get("nodes")
        self.buttons["copy"].disabled = not sel["nodes"]
        self.buttons["cancel"].disabled = not running
        self.buttons["cancel"].layout.display = None if running else "none"
        self.buttons["clone"].layout.display = None if (ro and self.run_id) else "none"
        if hasattr(self, "serving"):
            self.serving.update_buttons()

    # -- serving ------------------------------------------------------------------------------------
    def create_inference(self, kind: str = "realtime"):
        """Create a real-time (``"realtime"``) or batch (``"batch"``) inference pipeline from the
        completed training run shown here and open it as the draft; returns it or ``None``."""
        return self.serving.create_inference(kind)

    def publish(self, endpoint: str, *, description: str = "", set_default: bool = False):
        """Publish the draft (or the run shown) to a pipeline endpoint; returns the version."""
        return self.serving.publish(endpoint, description=description, set_default=set_default)

    def deploy(self, name: str, *, description: str | None = None, replace: bool = False):
        """Deploy this real-time inference pipeline as endpoint ``name`` and show it in the
        Endpoints tab; returns the endpoint's record or ``None``."""
        return self.serving.deploy(name, description=description, replace=replace)

    def open_draft(self, pipeline, status: str | None = None):
        """Show a new, editable draft in place of the current pipeline or run view."""
        self.canvas.clear_status()
        self.run_id = None
        self.run_state = {}
        self.first_failed_button.layout.display = "none"
        self.set_pipeline(pipeline, readonly=False)
        if status:
            self.set_status(status)
        return pipeline

    # -- run views ---------------------------------------------------------------------------------
    @classmethod
    def from_run(cls, run_id: str, workspace=None, **kw) -> "Designer":
        """A read-only view of a run: its snapshot with node statuses; ``clone()`` to edit."""
        from jupyter_designer.engine.pipeline import Pipeline

        if workspace is None:
            from jupyter_designer.api import workspace as default_workspace
            workspace = default_workspace()
        rec = workspace.get_run(run_id)
        pipeline = Pipeline.from_dict(rec.snapshot, workspace=workspace)
        d = cls(pipeline, workspace, readonly=True, experiment=rec.experiment, **kw)
        d.run_id = run_id
        d.show_run_record(rec)
        d._apply_readonly()
        return d

    def show_run_record(self, rec) -> None:
        """Colour the canvas from a stored run record."""
        statuses = {nid: {"status": n.status, "duration": n.duration, "error": n.error}
                    for nid, n in rec.nodes.items() if nid in self.pipeline.nodes and n.status}
        self.canvas.set_statuses(statuses, reset=True)
        failed = [nid for nid, n in rec.nodes.items() if n.status == "failed"]
        comps = [nid for nid in rec.nodes if nid in self.pipeline.nodes
                 and self.pipeline.nodes[nid].kind == "component"]
        done = sum(1 for nid in comps if rec.nodes[nid].status in ("completed", "reused", "failed"))
        with self._lock:
            self.run_state = {"run_id": rec.id, "total": len(comps), "done": done, "running": {},
                              "failed": failed, "status": rec.status, "duration": rec.duration,
                              "error": rec.error,
                              "nodes": {nid: {"status": n.status, "title": n.title, "error": n.error,
                                              "duration": n.duration, "log": n.log}
                                        for nid, n in rec.nodes.items()}}
        self.first_failed_button.layout.display = None if failed else "none"
        if rec.status == "running":
            self.set_status(f"Run {rec.id} ({rec.experiment}) is running: {done}/{len(comps)} nodes.")
        else:
            self._render_run_status()

    def clone(self):
        """Turn the run view into an editable draft (a copy of the run's pipeline)."""
        from jupyter_designer.engine.pipeline import Pipeline

        if self.run_id is None:
            doc = self.pipeline.to_dict()
        else:
            try:
                doc = self.workspace.clone_run(self.run_id)
            except Exception:
                doc = self.pipeline.to_dict()
        new = Pipeline.from_dict(doc, workspace=self._workspace)
        if not str(new.name).endswith("(clone)"):
            new.name = f"{new.name} (clone)"
        return self.open_draft(new, "Cloned into a new draft: edit and submit it.")


def _metric_summary(metrics: dict, n: int = 3) -> str:
    """The first metrics of a run; with two scored inputs (``left: ...``/``right: ...``) the
    first metrics of both sides, so neither model is hidden."""
    sides = {}
    for k, v in metrics.items():
        side, _, name = k.partition(": ")
        if name and side in ("left", "right"):
            sides.setdefault(name, {})[side] = v
    if sides:
        return ", ".join(f"{name}: " + " / ".join(f"{side} {fmt(v, 3)}" for side, v in vals.items())
                         for name, vals in list(sides.items())[:max(1, n - 1)])
    return ", ".join(f"{k}={fmt(v, 3)}" for k, v in list(metrics.items())[:n])


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


class _RunFollower:
    """One thread of the kernel that keeps every live designer showing its draft's latest run."""

    _designers: "weakref.WeakSet[Designer]" = None
    _thread = None
    _lock = threading.Lock()
    interval = 0.5

    @classmethod
    def add(cls, designer: Designer, interval: float = 0.5) -> None:
        with cls._lock:
            if cls._designers is None:
                cls._designers = weakref.WeakSet()
            cls._designers.add(designer)
            cls.interval = min(cls.interval, float(interval))
            if cls._thread is None or not cls._thread.is_alive():
                cls._thread = threading.Thread(target=cls._loop, name="designer-run-follower",
                                               daemon=True)
                cls._thread.start()
        designer._poll_runs()  # the last run's colours are there from the first picture

    @classmethod
    def _loop(cls) -> None:
        while True:
            time.sleep(cls.interval)
            for d in list(cls._designers or ()):
                ws = getattr(d, "_workspace", None)
                db = getattr(ws, "_db", None)
                if getattr(d, "_closed_designer", False) or getattr(db, "_closed", False):
                    cls._designers.discard(d)
                    if db is not None and hasattr(db, "release_thread"):
                        db.release_thread()  # this thread's connection to a closed workspace
                    continue
                try:
                    d._poll_runs()
                except Exception:  # a closed workspace, a deleted run: try again next time
                    pass


class RunsPanel(W.VBox):
    """Run history: list, open read-only, clone, compare."""

    def __init__(self, designer: Designer):
        super().__init__()
        self.designer = designer
        self.add_class("jd-runs-panel")
        self.filter = W.Text(placeholder="experiment (all)", layout=W.Layout(width="180px"),
                             continuous_update=False)
        self.refresh_button = W.Button(description="Refresh", icon="refresh", layout=W.Layout(width="auto"))
        self.compare_button = W.Button(description="Compare selected", icon="columns",
                                       layout=W.Layout(width="auto"))
        for b, c in ((self.refresh_button, "jd-runs-refresh"), (self.compare_button, "jd-runs-compare")):
            b.add_class("jd-btn")
            b.add_class(c)
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.compare_button.on_click(lambda _b: self.compare())
        self.filter.observe(lambda _c: self.refresh(), "value")
        self.list = W.VBox()
        self.list.add_class("jd-runs-list")
        self.detail = W.VBox()
        self.detail.add_class("jd-runs-detail")
        self.checks: dict[str, W.Checkbox] = {}
        self.children = [W.HBox([self.filter, self.refresh_button, self.compare_button]), self.list,
                         self.detail]
        self.loaded = False
        self.list.children = [W.HTML("<i>Press Refresh to list the runs of this workspace.</i>")]

    def refresh(self) -> list:
        d = self.designer
        try:
            runs = d.workspace.list_runs(experiment=self.filter.value.strip() or None, limit=50)
        except Exception as exc:
            self.list.children = [W.HTML(f'<span class="jd-param-error">{esc(exc)}</span>')]
            return []
        self.loaded = True
        rows = []
        self.checks = {}
        for rec in runs:
            chk = W.Checkbox(value=False, indent=False, layout=W.Layout(width="24px", flex="0 0 auto"))
            self.checks[rec.id] = chk
            metrics = {k: v for k, v in (rec.metrics or {}).items() if isinstance(v, (int, float))}
            mtext = _metric_summary(metrics)
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.created)) if rec.created else ""
            dot = " \u00b7 "
            extra = dot + esc(mtext) if mtext else ""
            info = W.HTML(f'<span class="jd-run-row jd-run-{esc(rec.status)}"><b>{esc(rec.id)}</b> '
                          f"{esc(rec.experiment)}{dot}{esc(rec.pipeline_name)}{dot}"
                          f"<b>{esc(rec.status)}</b>{dot}{esc(format_duration(rec.duration))}"
                          f"{dot}{esc(when)}{extra}</span>", layout=W.Layout(flex="1 1 auto", min_width="0"))
            # buttons keep their size; the run's line takes what is left and wraps
            fixed = dict(width="auto", min_width="72px", flex="0 0 auto")
            open_b = W.Button(description="Open", icon="eye", layout=W.Layout(**fixed))
            open_b.add_class("jd-run-open")
            open_b.on_click(lambda _b, rid=rec.id: self.open_run(rid))
            clone_b = W.Button(description="Clone", icon="clone", layout=W.Layout(**fixed))
            clone_b.add_class("jd-run-clone")
            clone_b.on_click(lambda _b, rid=rec.id: self.clone_run(rid))
            row = W.HBox([chk, open_b, clone_b, info], layout=W.Layout(align_items="center"))
            row.add_class("jd-run")
            rows.append(row)
        self.list.children = rows or [W.HTML("<i>No runs yet.</i>")]
        return runs

    def open_run(self, run_id: str) -> Designer:
        """Show a run read-only below the list."""
        view = Designer.from_run(run_id, self.designer.workspace, height="420px")
        close = W.Button(description="Close", icon="times", layout=W.Layout(width="auto"))
        close.on_click(lambda _b: setattr(self.detail, "children", []))
        self.detail.children = [W.HBox([W.HTML(f"<b>Run {esc(run_id)}</b> (read-only)"), close]), view]
        self.opened = view
        return view

    def clone_run(self, run_id: str):
        """Load a copy of a run's pipeline into the designer as a new draft."""
        from jupyter_designer.engine.pipeline import Pipeline

        d = self.designer
        doc = d.workspace.clone_run(run_id)
        new = Pipeline.from_dict(doc, workspace=d.workspace)
        new.name = f"{new.name} (clone)"
        return d.open_draft(new, f"Cloned run {run_id} into a new draft.")

    def compare(self, run_ids=None):
        ids = list(run_ids) if run_ids is not None else sorted(rid for rid, c in self.checks.items() if c.value)
        if len(ids) < 2:
            self.detail.children = [W.HTML("<i>Tick two or more runs to compare them.</i>")]
            return None
        df = self.designer.workspace.compare_runs(ids)
        rows = [[str(idx), *[v for v in r]] for idx, r in zip(df.index, df.itertuples(index=False))]
        html = table(rows, ["", *[str(c) for c in df.columns]], cls="jd-table jd-compare",
                     first_col_header=True)
        self.detail.children = [W.HTML(f"<b>Comparing {len(ids)} runs</b><div style='overflow:auto'>{html}</div>")]
        return df
