"""The pipeline canvas: an anywidget over cytoscape.js, synchronised with a Pipeline draft.

Why not ipycytoscape: it sends no drag positions back, has no background or edge-drawing
events and empties the graph when some traits change after display. This widget bundles
cytoscape 3.x + cytoscape-edgehandles 4.x with our own view code (sources in
``labextension/src/canvas/``, built by ``labextension/build.sh`` into ``static/canvas.js``,
which is committed so that ``pip install`` needs no node).

Protocol: the ``graph`` trait holds what the first picture needs (nodes, edges, statuses,
marks), so a view draws at once even while the kernel is busy; it is synced when no view is
ready yet (at most once per executed cell) and otherwise refreshed only when a new view asks
for the widget's state, so changes cost no trait traffic. The browser view sends
``{"type": "ready"}``; Python answers with a full ``snapshot`` that reconciles the view with
the draft; afterwards every change travels as one small custom
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


#: the longest node title shown on one line of a node at the opening zoom
SHORT_TITLE = 24

#: category icon of a component node, by palette category (data nodes: by data type)
_CATEGORY_ICONS = {"Data Input and Output": "data_io", "Data Transformation": "transform",
                   "Feature Selection": "feature", "Statistical Functions": "statistics",
                   "Machine Learning Algorithms": "algorithm", "Model Training": "training",
                   "Model Scoring & Evaluation": "scoring", "Python Language": "python",
                   "Text Analytics": "text", "Web Service": "web_service"}


def short_title(title: str, limit: int = SHORT_TITLE) -> str:
    """A node title that fits on one line of a node; the full title shows on hover.

    ``MD-``/``TD-`` titles (``MD-<pipeline>-<node>-<port>``) keep their prefix and the node
    they came from, which tells nodes apart, rather than the pipeline name they all share.
    """
    title = " ".join(str(title or "").split())
    if len(title) <= limit:
        return title
    if title[:3] in ("MD-", "TD-"):
        parts = title[3:].rsplit("-", 2)
        if len(parts) == 3:
            tail = f"{parts[1]}-{parts[2]}"
            if len(tail) + 4 > limit:
                tail = parts[1]
            if len(tail) + 4 <= limit:
                return f"{title[:3]}\u2026{tail}"
            return f"{title[:3]}\u2026{tail[-(limit - 4):]}"
        return f"{title[:3]}\u2026{title[-(limit - 4):]}"
    return title[:limit - 1].rstrip() + "\u2026"


def node_icon(d: dict) -> str:
    """The key of a node's category icon (the view draws one glyph per key)."""
    if d["kind"] == "dataset":
        return (d.get("data") or {}).get("type", "dataset")
    if d.get("component") in ("web_service_input", "web_service_output"):
        return d["component"]
    return _CATEGORY_ICONS.get(d.get("category") or "", "component")


def node_view(d: dict) -> dict:
    """What the browser needs of a node (from ``Node.as_dict()``); no run status."""
    from jupyter_designer.engine.params import is_binding

    v = {"id": d["id"], "kind": d["kind"], "title": d["title"], "short_title": short_title(d["title"]),
         "comment": d.get("comment") or "",
         "x": float(d["position"][0]), "y": float(d["position"][1]),
         "inputs": [_port_view(p) for p in d.get("inputs", [])],
         "outputs": [_port_view(p) for p in d.get("outputs", [])]}
    if d["kind"] == "dataset":
        data = d.get("data") or {}
        v["data_type"] = data.get("type", "dataset")
        v["category"] = {"model": "Trained models", "transformation": "Transformations"}.get(
            v["data_type"], "Datasets")
        bound = bool(data.get("parameter"))
    else:
        v["category"] = d.get("category") or ""
        bound = any(is_binding(x) for x in (d.get("params") or {}).values())
    v["icon"] = node_icon(d)
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
    #: what the first picture needs: ``{"nodes": [node views with marks], "edges": [...]}``
    graph = traitlets.Dict().tag(sync=True)

    def __init__(self, pipeline=None, *, height: str = "520px", readonly: bool = False, **kw):
        graph = graph_view(pipeline) if pipeline is not None else {"nodes": [], "edges": []}
        # the graph travels in the widget's opening state: no extra message
        super().__init__(height=height, readonly=readonly, graph=graph, **kw)
        self.stats = {"messages": 0, "bytes": 0, "snapshots": 0, "received": 0}
        self.pipeline = None
        self.selection: dict = {"nodes": [], "edges": []}
        self.viewport: dict | None = None
        self._unsubscribe: Callable | None = None
        self._sent: dict[str, dict] = {}
        self._status: dict[str, dict] = {}
        self._removed_status: dict[str, dict] = {}
        self._issues: dict[str, str] = {}
        self._ready = False
        self._graph_dirty = False
        self._flush_scheduled = False
        self._hold_depth = 0
        self._held: list[dict] = []
        self._lock = threading.RLock()
        self._handlers: dict[str, list[Callable]] = {}
        self.on_msg(self._on_view_message)
        if pipeline is not None:
            self.attach(pipeline, _initial=True)

    # -- wiring --------------------------------------------------------------------------
    def attach(self, pipeline, *, _initial: bool = False) -> None:
        """Show ``pipeline`` (replacing the one shown) and follow its changes."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.pipeline = pipeline
        self._status.clear()
        self._removed_status.clear()
        self._issues.clear()
        self.selection = {"nodes": [], "edges": []}
        self._unsubscribe = pipeline.observe(self._on_pipeline_event)
        if not _initial:
            self._mark_graph_stale()
        self.send_snapshot()

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def on(self, kind: str, callback: Callable) -> None:
        """Call ``callback(message)`` for view events: ``select``, ``port_click``, ``open``,
        ``context``, ``command``, ``refused``, ``connected``, ``deleted``, ``ready``, ``drop``
        (``{"kind": "component"|"dataset"|"model", "name", "version", "x", "y"}``: a palette
        entry was dropped at canvas position x, y; without a ``drop`` callback the canvas adds
        the node to its pipeline itself)."""
        self._handlers.setdefault(kind, []).append(callback)

    def _fire(self, kind: str, msg: dict) -> None:
        for cb in list(self._handlers.get(kind, ())):
            cb(msg)

    # -- sending -------------------------------------------------------------------------
    def _post(self, msg: dict) -> None:
        with self._lock:
            if msg.get("type") in _GRAPH_MESSAGES:
                self._mark_graph_stale()
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

    # -- the first picture (the ``graph`` trait) ------------------------------------------------
    def _graph_value(self) -> dict:
        return graph_view(self.pipeline, self._with_marks)

    def _mark_graph_stale(self) -> None:
        """The draft or its marks changed: keep ``graph`` current without per-change traffic.

        No view ready: the trait is synced once the running cell has finished (at once outside
        a kernel), so the first picture is right even if the next cell keeps the kernel busy.
        A view ready: it follows the change messages; the trait is refreshed lazily, when a new
        view (a page reload) asks for the widget's state.
        """
        self._graph_dirty = True
        if self._ready or self._flush_scheduled:
            return
        ip = _ipython()
        if ip is None:
            self._flush_graph()
            return
        self._flush_scheduled = True

        def flush(*_args):
            try:
                ip.events.unregister("post_execute", flush)
            except ValueError:
                pass
            self._flush_scheduled = False
            if not self._ready:
                self._flush_graph()

        ip.events.register("post_execute", flush)

    def _flush_graph(self) -> None:
        if self._graph_dirty:
            self._graph_dirty = False
            self.graph = self._graph_value()

    def get_state(self, key=None, drop_defaults=False):
        if getattr(self, "_graph_dirty", False) and getattr(self, "_ready", False) and (
                key is None or key == "graph" or (not isinstance(key, str) and "graph" in key)):
            # a view asks for the state (e.g. after a page reload): answer with the current
            # graph without syncing it to the views already following the change messages
            self._graph_dirty = False
            self._trait_values["graph"] = self._graph_value()
        return super().get_state(key, drop_defaults)

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
        # also the edits that send nothing (a drag the view already shows)
        self._mark_graph_stale()
        if t == "node_added":
            v = node_view(ev["node"])
            self._sent[v["id"]] = v
            # a node coming back (undo of a deletion) shows the run status it had
            if v["id"] in self._removed_status:
                self._status[v["id"]] = self._removed_status.pop(v["id"])
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
            st = self._status.pop(nid, None)
            if st is not None:
                self._removed_status[nid] = st
            self._issues.pop(nid, None)
            self.selection["nodes"] = [n for n in self.selection["nodes"] if n != nid]
            self._post({"type": "remove_node", "id": nid})
        elif t == "edge_added":
            self._post({"type": "add_edge", "edge": dict(ev["edge"])})
        elif t == "edge_removed":
            self.selection["edges"] = [e for e in self.selection["edges"] if e != ev["id"]]
            self._post({"type": "remove_edge", "id": ev["id"]})
        elif t == "reset":
            self._mark_graph_stale()
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
                self._removed_status.clear()
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
                self._removed_status.pop(nid, None)
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

    def request_layout(self) -> bool:
        """Ask the view to lay the graph out (ELK's layered algorithm, top to bottom, port
        order kept); it answers with one ``move`` of every node, one undo step. Returns False
        when no view is ready, so that the caller can lay out in Python instead."""
        with self._lock:
            if not self._ready or self.pipeline is None or self.readonly:
                return False
        self._post({"type": "layout"})
        return True

    def free_spot(self) -> tuple[float, float]:
        """A position for a new node: free (overlapping no node) and near the middle of the
        visible part of the canvas; beside the graph when no view has reported its viewport."""
        from jupyter_designer.engine.pipeline import GAP_X, GAP_Y, NODE_H, NODE_W

        nodes = [n.position for n in self.pipeline.nodes.values()] if self.pipeline else []
        step_x, step_y = (NODE_W + GAP_X) / 2, (NODE_H + GAP_Y) / 2

        def free(x, y):
            return all(abs(x - nx) >= NODE_W + GAP_X / 2 or abs(y - ny) >= NODE_H + GAP_Y / 2
                       for nx, ny in nodes)

        vp = self.viewport
        if vp:
            cx, cy = (vp["x1"] + vp["x2"]) / 2, (vp["y1"] + vp["y2"]) / 2
            # rings around the middle, nearest first; a spot inside the view if there is one
            cands = sorted(((i, j) for i in range(-8, 9) for j in range(-12, 13)),
                           key=lambda ij: (abs(ij[0] * step_x) + abs(ij[1] * step_y), ij[1], ij[0]))
            inside = None
            for i, j in cands:
                x, y = round(cx + i * step_x, 1), round(cy + j * step_y, 1)
                if not free(x, y):
                    continue
                if (vp["x1"] + NODE_W / 2 <= x <= vp["x2"] - NODE_W / 2
                        and vp["y1"] + NODE_H / 2 <= y <= vp["y2"] - NODE_H / 2):
                    return (x, y)
                if inside is None:
                    inside = (x, y)
            if inside is not None:
                return inside
        if not nodes:
            return (0.0, 0.0)
        x = max(p[0] for p in nodes) + NODE_W + GAP_X
        y = min(p[1] for p in nodes)
        while not free(x, y):
            y += NODE_H + GAP_Y
        return (float(x), float(y))

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
        with self._lock:
            if self._status:  # run colours once more on their own: cheap, and they must show
                self._send_now({"type": "status", "nodes": dict(self._status), "reset": True})
        self._fire("ready", msg)

    def _msg_viewport(self, msg):
        try:
            vp = {k: float(msg[k]) for k in ("x1", "y1", "x2", "y2")}
        except (KeyError, TypeError, ValueError):
            return
        if vp["x2"] > vp["x1"] and vp["y2"] > vp["y1"]:
            self.viewport = vp

    def _msg_drop(self, msg):
        kind, name = msg.get("kind"), msg.get("name")
        if kind not in ("component", "dataset", "model") or not isinstance(name, str) or not name:
            raise ValueError(f"A dropped palette entry needs a kind (component, dataset or model) "
                             f"and a name; got kind={kind!r}, name={name!r}.")
        try:
            x, y = float(msg["x"]), float(msg["y"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"A dropped palette entry needs numeric x and y; got "
                             f"x={msg.get('x')!r}, y={msg.get('y')!r}.") from None
        if not self._editable():
            return
        drop = {"type": "drop", "kind": kind, "name": name, "version": msg.get("version"),
                "x": round(x, 1), "y": round(y, 1)}
        if self._handlers.get("drop"):
            self._fire("drop", drop)
        elif kind == "component":
            self.pipeline.add_component(name, position=(drop["x"], drop["y"]))
        else:
            self.pipeline.add_dataset(name, drop["version"], position=(drop["x"], drop["y"]),
                                      type="model" if kind == "model" else "dataset")

    def _msg_layout_failed(self, msg):
        # the view could not lay the graph out: the Python layout, one undo step
        if self.pipeline is None or self.readonly:
            return
        with self.hold():
            self.pipeline.auto_layout()
        self.fit()

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


#: messages after which the ``graph`` trait no longer shows the draft as it is
_GRAPH_MESSAGES = frozenset({"add_node", "remove_node", "update_node", "add_edge", "remove_edge",
                             "status", "issues", "snapshot"})


def graph_view(pipeline, with_marks: Callable[[dict], dict] | None = None) -> dict:
    """The ``graph`` trait's value: node views (with marks) and edges of ``pipeline``."""
    if pipeline is None:
        return {"nodes": [], "edges": []}
    nodes = [node_view(n.as_dict()) for n in pipeline.nodes.values()]
    if with_marks is not None:
        nodes = [with_marks(v) for v in nodes]
    return {"nodes": nodes, "edges": [e.as_dict() for e in pipeline.edges.values()]}


def _ipython():
    """The running IPython shell with its event hooks, or None outside a kernel."""
    import sys

    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    ip = get_ipython()
    # only a kernel's shell runs cells for a front end (a terminal or test shell has no kernel,
    # and its post_execute may never come)
    if ip is None or not hasattr(ip, "events") or getattr(ip, "kernel", None) is None:
        return None
    return ip


@contextmanager
def _one_step(pipeline, group: bool):
    """Make several draft edits one undo step (the draft's own grouping of nested edits)."""
    edit = getattr(pipeline, "_edit", None)
    if group and edit is not None:
        with edit():
            yield
    else:
        yield
