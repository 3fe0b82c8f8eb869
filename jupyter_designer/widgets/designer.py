"""The Designer: palette, canvas, properties panel, toolbar, status line and output tabs.

``Designer(pipeline)`` shows a :class:`~jupyter_designer.engine.pipeline.Pipeline` and
``designer.pipeline`` *is* that object: canvas edits change it, code edits appear on the
canvas. Runs go through :class:`~jupyter_designer.engine.runner.Runner` in the background,
so the kernel stays responsive, and their events colour the canvas.

This module holds the Designer itself (its parts, toolbar, editing and status line); its
draft methods and draft bar are in :mod:`~jupyter_designer.widgets.designer_drafts`, its run
methods and run follower in :mod:`~jupyter_designer.widgets.designer_runs`, the Runs tab in
:mod:`~jupyter_designer.widgets.runs_panel` and the serving actions in
:mod:`~jupyter_designer.widgets.serving_actions`.
"""

from __future__ import annotations

import threading

import ipywidgets as W

from .canvas import Canvas
from .charts import esc
from .designer_drafts import DraftBar, DraftControls
from .designer_runs import RunControls, _RunFollower
from .outputs import TAB_TITLES, OutputViews
from .palette import Palette
from .properties import PropertiesPanel
from .runs_panel import RunsPanel, _metric_summary
from .serving_actions import ServingActions

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
    ("export", "Export", "file-code-o", "Export this run (or the draft) as a standalone Python script"),
)
EDIT_ACTIONS = {"undo", "redo", "paste", "delete", "auto-layout", "submit", "run-selected",
                "run-up-to", "copy", "validate"}
#: from a training run to production (``designer.toolbar_extra``; see widgets/serving_actions.py)
EXTRA_ACTIONS = (("create-inference", "Create inference pipeline", "magic"),
                 ("publish", "Publish", "upload"), ("deploy", "Deploy", "cloud-upload"))


class Designer(DraftControls, RunControls, W.VBox):
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
        self.outputs.automl.workspace_of = lambda: self.workspace  # "Open best model as draft"
        main = W.HBox([self.palette, self.canvas, self.properties],
                      layout=W.Layout(width="100%", align_items="stretch"))
        main.add_class("jd-main")
        from .schedules import OpsPanel

        self.ops = OpsPanel(self)  # lineage and schedules, behind a toolbar button
        self.toolbar.children += (self.ops.button,)
        super().__init__([self.toolbar, self.draft_bar, self.serving.form, main, self.status_bar,
                          self.ops, self.outputs], layout=W.Layout(width="100%"))
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
            "first-failed": self.go_to_first_failed, "export": self.export_script,
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

    def export_script(self, folder=None):
        """Write the run on the canvas (else the draft) as a standalone Python script in
        ``folder`` (the notebook's folder by default) and say where; the export's result."""
        from jupyter_designer.app.export import export

        done = bool(self.run_id) and \
            self._guard(lambda: self.workspace.get_run(self.run_id).status) == "completed"
        source = self.run_id if done else self.pipeline
        result = self._guard(lambda: export(self.workspace, source, format="python", folder=folder))
        if result is not None:
            what = f"Run {self.run_id}" if done else "The draft"
            beside = f" (with {', '.join(f.name for f in result.files)})" if result.files else ""
            self.set_status(f"{what} exported to {result.path}{beside}. "
                            f"Run it with: python {result.path.name}")
            self.canvas.toast(f"Exported to {result.path.name}", "success")
        return result

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


__all__ = ["Designer", "RunsPanel", "DraftBar", "ACTIONS", "EDIT_ACTIONS", "EXTRA_ACTIONS", "_metric_summary",
           "_RunFollower"]
