"""Runs on a Designer: submit and cancel, the run's events colouring the canvas and filling
the status line, the outputs and logs of a run's nodes in the output tabs, read-only run
views (``Designer.from_run``) and their clones, and the kernel's one thread that keeps every
live designer showing its draft's latest run, wherever that run was submitted."""

from __future__ import annotations

import threading
import time
import weakref
from typing import TYPE_CHECKING

from jupyter_designer import app

from .canvas import format_duration
from .charts import esc

if TYPE_CHECKING:
    from .designer import Designer


class RunControls:
    """The run methods of :class:`~jupyter_designer.widgets.designer.Designer` (a part of that
    class: it uses the designer's canvas, status line, output tabs and runs panel)."""


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
        tab = self.outputs.show_output(value, title, scored=self._scored_inputs(node_id, rec),
                                       source=(self.run_id, node_id))
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


__all__ = ["RunControls"]
