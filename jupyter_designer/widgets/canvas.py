"""The pipeline canvas: an anywidget over cytoscape.js, synchronised with a Pipeline draft.

Why not ipycytoscape: it sends no drag positions back, has no background or edge-drawing
events and empties the graph when some traits change after display. This widget bundles
cytoscape 3.x + cytoscape-edgehandles 4.x with our own view code (sources in
``labextension/src/canvas/``, built by ``labextension/build.sh`` into ``static/canvas.js``,
which is committed so that ``pip install`` needs no node).

Protocol (no whole-graph trait): the browser view sends ``{"type": "ready"}``; Python
answers with a full ``snapshot``; afterwards every change travels as one small custom
message (``add_node``, ``remove_node``, ``update_node`` with only the changed fields,
``add_edge``, ``remove_edge``, ``status``, ``issues``, ...), several of them grouped in one
``batch`` for a compound edit (undo, paste, auto-layout). The view never changes the graph
by itself: a drag, a drawn connection or the Delete key become requests (``move``,
``connect``, ``delete``) that Python applies to the draft, whose change events flow back.
``Canvas.stats`` counts what was sent, for benchmarks.
"""

from __future__ import annotations

import json
import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import anywidget
import traitlets

STATIC = Path(__file__).parent / "static"

#: node run statuses the canvas colours (CSS classes of the same names in the browser)
STATUSES = ("not_started", "queued", "running", "completed", "reused", "failed", "skipped",
            "interrupted")
_STATUS_GLYPH = {"queued": "\u2026 queued", "running": "\u25cf running", "reused": "\u21bb reused",
                 "failed": "\u2717 failed", "skipped": "\u2013 skipped",
                 "interrupted": "\u2717 interrupted", "not_started": ""}


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(int(round(seconds)), 60)
    if m < 60:
        return f"{m} min {s} s"
    h, m = divmod(m, 60)
    return f"{h} h {m} min"


def status_text(status: str | None, duration: float | None = None) -> str:
    """The short line a node shows for its run status, e.g. ``"✓ 0.42 s"``."""
    if not status:
        return ""
    if status == "completed":
        return "\u2713 " + (format_duration(duration) if duration is not None else "completed")
    if status == "failed" and duration:
        return f"\u2717 failed after {format_duration(duration)}"
    return _STATUS_GLYPH.get(status, status)


def _port_view(p: dict) -> dict:
    d = {"key": p["key"], "label": p["label"], "type": p["type"],
         "type_title": p.get("type_title", "")}
    if p.get("optional"):
        d["optional"] = True
    return d


def node_view(d: dict) -> dict:
    """What the browser needs of a node (from ``Node.as_dict()``); no run status."""
    from jupyter_designer.engine.params import is_binding

    v = {"id": d["id"], "kind": d["kind"], "title": d["title"], "comment": d.get("comment") or "",
         "x": float(d["position"][0]), "y": float(d["position"][1]),
         "inputs": [_port_view(p) for p in d.get("inputs", [])],
         "outputs": [_port_view(p) for p in d.get("outputs", [])]}
    if d["kind"] == "dataset":
        data = d.get("data") or {}
        v["data_type"] = data.get("type", "dataset")
        bound = bool(data.get("parameter"))
    else:
        bound = any(is_binding(x) for x in (d.get("params") or {}).values())
    v["bound"] = bound
    return v


class Canvas(anywidget.AnyWidget):
    """The designer canvas for one :class:`~jupyter_designer.engine.pipeline.Pipeline`.

    ``canvas.pipeline`` is the draft itself: edits made on the canvas change it, and edits
    made in code (``pipeline.add_component(...)``) appear on the canvas.

    Browser hooks for tests: the view's container element has class ``jd-canvas`` and
    holds the cytoscape instance as ``container._cy``; component nodes have classes
    ``jd-node``, ``jd-kind-component``/``jd-kind-dataset`` and their run status
    (``completed``, ``failed``, ...); ports are nodes of class ``jd-port jd-port-in`` /
    ``jd-port-out`` with data ``node`` and ``key``.
    """

    _esm = STATIC / "canvas.js"
    _css = STATIC / "canvas.css"

    height = traitlets.Unicode("520px").tag(sync=True)
    readonly = traitlets.Bool(False).tag(sync=True)

    def __init__(self, pipeline=None, *, height: str = "520px", readonly: bool = False, **kw):
        super().__init__(height=height, readonly=readonly, **kw)
        self.stats = {"messages": 0, "bytes": 0, "snapshots": 0, "received": 0}
        self.pipeline = None
        self.selection: dict = {"nodes": [], "edges": []}
        self._unsubscribe: Callable | None = None
        self._sent: dict[str, dict] = {}
        self._status: dict[str, dict] = {}
        self._issues: dict[str, str] = {}
        self._ready = False
        self._hold_depth = 0
        self._held: list[dict] = []
        self._lock = threading.RLock()
        self._handlers: dict[str, list[Callable]] = {}
        self.on_msg(self._on_view_message)
        if pipeline is not None:
            self.attach(pipeline)

    # -- wiring --------------------------------------------------------------------------
    def attach(self, pipeline) -> None:
        """Show ``pipeline`` (replacing the one shown) and follow its changes."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.pipeline = pipeline
        self._status.clear()
        self._issues.clear()
        self.selection = {"nodes": [], "edges": []}
        self._unsubscribe = pipeline.observe(self._on_pipeline_event)
        self.send_snapshot()

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def on(self, kind: str, callback: Callable) -> None:
        """Call ``callback(message)`` for view events: ``select``, ``port_click``, ``open``,
        ``context``, ``command``, ``refused``, ``connected``, ``deleted``, ``ready``."""
        self._handlers.setdefault(kind, []).append(callback)

    def _fire(self, kind: str, msg: dict) -> None:
        for cb in list(self._handlers.get(kind, ())):
            cb(msg)

    # -- sending -------------------------------------------------------------------------
    def _post(self, msg: dict) -> None:
        with self._lock:
            if not self._ready:
                return
            if self._hold_depth:
                self._held.append(msg)
                return
            self._send_now(msg)

    def _send_now(self, msg: dict) -> None:
        self.stats["messages"] += 1
        self.stats["bytes"] += len(json.dumps(msg, separators=(",", ":"), default=str))
        self.send(msg)

    @contextmanager
    def hold(self):
        """Group the messages of a compound edit into one ``batch`` message."""
        with self._lock:
            self._hold_depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._hold_depth -= 1
                if self._hold_depth == 0 and self._held:
                    msgs, self._held = self._held, []
                    self._send_now(msgs[0] if len(msgs) == 1 else {"type": "batch", "messages": msgs})

    def send_snapshot(self, view: str | None = None) -> None:
        """Send the whole graph (the answer to a view's ``ready``)."""
        p = self.pipeline
        nodes, edges = [], []
        self._sent = {}
        if p is not None:
            for n in p.nodes.values():
                v = node_view(n.as_dict())
                self._sent[n.id] = v
                nodes.append(self._with_marks(v))
            edges = [e.as_dict() for e in p.edges.values()]
        msg = {"type": "snapshot", "nodes": nodes, "edges": edges}
        if view:
            msg["view"] = view
        with self._lock:
            if self._ready:
                self.stats["snapshots"] += 1
                self._send_now(msg)

    def _with_marks(self, v: dict) -> dict:
        v = dict(v)
        st = self._status.get(v["id"])
        if st:
            v["status"] = st["status"]
            v["status_text"] = st.get("text", "")
            if st.get("error"):
                v["error"] = st["error"]
        if v["id"] in self._issues:
            v["issue"] = self._issues[v["id"]]
        return v

    # -- pipeline events -> messages ----------------------------------------------------------
    def _on_pipeline_event(self, ev: dict) -> None:
        t = ev["type"]
        if t == "node_added":
            v = node_view(ev["node"])
            self._sent[v["id"]] = v
            self._post({"type": "add_node", "node": self._with_marks(v)})
        elif t == "node_changed":
            v = node_view(ev["node"])
            old = self._sent.get(v["id"])
            self._sent[v["id"]] = v
            if old is None:
                self._post({"type": "add_node", "node": self._with_marks(v)})
                return
            changes = {k: val for k, val in v.items() if old.get(k) != val}
            if changes:
                self._post({"type": "update_node", "id": v["id"], "changes": changes})
        elif t == "node_removed":
            nid = ev["id"]
            self._sent.pop(nid, None)
            self._status.pop(nid, None)
            self._issues.pop(nid, None)
            self.selection["nodes"] = [n for n in self.selection["nodes"] if n != nid]
            self._post({"type": "remove_node", "id": nid})
        elif t == "edge_added":
            self._post({"type": "add_edge", "edge": dict(ev["edge"])})
        elif t == "edge_removed":
            self.selection["edges"] = [e for e in self.selection["edges"] if e != ev["id"]]
            self._post({"type": "remove_edge", "id": ev["id"]})
        elif t == "reset":
            self.send_snapshot()

    # -- run status and marks ---------------------------------------------------------------
    def set_status(self, node_id: str, status: str | None, *, duration: float | None = None,
                   error: str | None = None, text: str | None = None) -> None:
        """Colour one node by its run status, with a label such as ``"✓ 0.42 s"``."""
        self.set_statuses({node_id: {"status": status, "duration": duration, "error": error,
                                     "text": text}})

    def set_statuses(self, statuses: dict, *, reset: bool = False) -> None:
        """Set several nodes' statuses in one message; ``reset`` clears the others first."""
        out = {}
        with self._lock:
            if reset:
                self._status.clear()
            for nid, st in statuses.items():
                if isinstance(st, str):
                    st = {"status": st}
                status = st.get("status")
                if status is not None and status not in STATUSES:
                    raise ValueError(f"unknown node status {status!r}; use one of {', '.join(STATUSES)}")
                entry = {"status": status,
                         "text": st.get("text") or status_text(status, st.get("duration"))}
                if st.get("error"):
                    entry["error"] = str(st["error"])[:500]
                if status is None:
                    self._status.pop(nid, None)
                else:
                    self._status[nid] = entry
                out[nid] = entry
            self._post({"type": "status", "nodes": out, **({"reset": True} if reset else {})})

    def clear_status(self) -> None:
        self.set_statuses({}, reset=True)

    @property
    def statuses(self) -> dict:
        """``{node_id: status}`` as currently shown."""
        return {k: v["status"] for k, v in self._status.items()}

    def set_issues(self, issues: dict) -> None:
        """Mark nodes with a validation problem (``{node_id: message}``; empty clears)."""
        self._issues = {k: str(v) for k, v in issues.items()}
        self._post({"type": "issues", "nodes": dict(self._issues)})

    # -- view commands ---------------------------------------------------------------------
    def select(self, nodes=(), edges=(), *, center: bool = False) -> None:
        self.selection = {"nodes": list(nodes), "edges": list(edges)}
        self._post({"type": "select", "nodes": list(nodes), "edges": list(edges), "center": center})

    def fit(self, ids=None) -> None:
        self._post({"type": "fit", **({"ids": list(ids)} if ids else {})})

    def center(self, node_id: str) -> None:
        self._post({"type": "center", "id": node_id})

    def toast(self, text: str, level: str = "info") -> None:
        self._post({"type": "toast", "text": str(text), "level": level})

    # -- messages from the view ---------------------------------------------------------------
    def _on_view_message(self, _widget, msg, _buffers) -> None:
        if not isinstance(msg, dict) or "type" not in msg:
            return
        self.stats["received"] += 1
        handler = getattr(self, f"_msg_{msg['type']}", None)
        try:
            if handler is not None:
                handler(msg)
            else:
                self._fire(msg["type"], msg)
        except Exception as exc:  # never leave the view waiting, never lose the reason
            logging.getLogger(__name__).exception("canvas message %r failed", msg.get("type"))
            if msg["type"] == "connect":
                self._post({"type": "connect_result", "temp": msg.get("temp"), "ok": False,
                            "reason": f"{type(exc).__name__}: {exc}"})
            self.toast(f"{type(exc).__name__}: {exc}", "error")

    def handle_message(self, msg: dict) -> None:
        """Process a message as if a browser view had sent it (tests, scripted use)."""
        self._on_view_message(self, msg, None)

    def _msg_ready(self, msg):
        with self._lock:
            self._ready = True
        self.send_snapshot(view=msg.get("view"))
        self._fire("ready", msg)

    def _editable(self) -> bool:
        if self.readonly or self.pipeline is None:
            self.toast("This pipeline is read-only. Clone it to edit.", "error")
            return False
        return True

    def _msg_move(self, msg):
        moves = msg.get("moves") or ([msg] if "id" in msg else [])
        p = self.pipeline
        if p is None or self.readonly:
            return
        moves = [m for m in moves if m.get("id") in p.nodes]
        for m in moves:  # the view already shows the new place: no echo
            if m["id"] in self._sent:
                self._sent[m["id"]] = {**self._sent[m["id"]], "x": float(m["x"]), "y": float(m["y"])}
        with self.hold(), _one_step(p, len(moves) > 1):
            for m in moves:
                p.move_node(m["id"], float(m["x"]), float(m["y"]))

    def _msg_connect(self, msg):
        from jupyter_designer.engine.errors import DesignerError

        reply = {"type": "connect_result", "temp": msg.get("temp")}
        if not self._editable():
            self._post({**reply, "ok": False, "reason": "This pipeline is read-only."})
            return
        try:
            edge = self.pipeline.connect(msg["source"], msg.get("source_port"), msg["target"],
                                         msg.get("target_port"))
        except DesignerError as exc:
            self._post({**reply, "ok": False, "reason": str(exc)})
            self._fire("refused", {**msg, "reason": str(exc)})
            return
        except KeyError as exc:
            self._post({**reply, "ok": False, "reason": f"Missing field {exc} in the request."})
            return
        self._post({**reply, "ok": True, "edge": edge.id})
        self._fire("connected", {**msg, "edge": edge.id})

    def _msg_delete(self, msg):
        if not self._editable():
            return
        self.delete(msg.get("nodes") or [], msg.get("edges") or [])

    def delete(self, nodes=(), edges=()) -> None:
        """Remove nodes (with their connections) and connections, as one undoable step."""
        p = self.pipeline
        nodes = [n for n in nodes if n in p.nodes]
        edges = [e for e in edges if e in p.edges]
        if not nodes and not edges:
            return
        with self.hold(), _one_step(p, len(nodes) + len(edges) > 1):
            for eid in edges:
                if eid in p.edges:
                    p.disconnect(eid)
            for nid in nodes:
                if nid in p.nodes:
                    p.remove_node(nid)
        self._fire("deleted", {"nodes": nodes, "edges": edges})

    def _msg_select(self, msg):
        self.selection = {"nodes": list(msg.get("nodes") or []), "edges": list(msg.get("edges") or [])}
        self._fire("select", self.selection)


@contextmanager
def _one_step(pipeline, group: bool):
    """Make several draft edits one undo step (the draft's own grouping of nested edits)."""
    edit = getattr(pipeline, "_edit", None)
    if group and edit is not None:
        with edit():
            yield
    else:
        yield
