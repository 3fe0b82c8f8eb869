"""The lineage view of a Designer: pick a model or an endpoint and see, as a read-only graph,
which runs, dataset versions and model versions it came from (``app.lineage``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W

from .charts import esc

if TYPE_CHECKING:
    from .designer import Designer

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 250, 46, 90, 18, 12
#: fill and border of a node by kind
COLOURS = {
    "endpoint": ("#e8f0fe", "#1a73e8"), "endpoint-version": ("#e8f0fe", "#1a73e8"),
    "registered-model": ("#fef7e0", "#b06000"), "model": ("#fef7e0", "#b06000"),
    "transformation": ("#f3e8fd", "#8430ce"), "run": ("#e6f4ea", "#137333"),
    "dataset": ("#fce8e6", "#c5221f"), "draft": ("#f1f3f4", "#5f6368"),
    "pipeline-endpoint": ("#e0f7fa", "#00838f"), "pipeline-endpoint-version": ("#e0f7fa", "#00838f"),
    "schedule": ("#f1f3f4", "#5f6368"),
}
LIVE = " \u00b7 LIVE"
KIND_TITLES = {"endpoint-version": "endpoint version", "registered-model": "registered model",
               "pipeline-endpoint-version": "pipeline endpoint version",
               "pipeline-endpoint": "pipeline endpoint"}


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def layout(result: dict) -> dict:
    """node id -> (x, y): the subject on the left, what each thing came from one column to its
    right (a node sits in the column of its longest path from the subject)."""
    out_edges: dict = {}
    for e in result["edges"]:
        out_edges.setdefault(e["source"], []).append(e["target"])
    depth = {result["subject"]["id"]: 0}
    frontier = [result["subject"]["id"]]
    for _ in range(len(result["nodes"])):
        nxt = []
        for nid in frontier:
            for t in out_edges.get(nid, []):
                if depth.get(t, -1) < depth[nid] + 1 and depth[nid] + 1 < len(result["nodes"]):
                    depth[t] = depth[nid] + 1
                    nxt.append(t)
        if not nxt:
            break
        frontier = nxt
    # nodes not reachable from the subject (e.g. endpoints serving a model) go left of it
    for n in result["nodes"]:
        depth.setdefault(n["id"], -1)
    shift = -min(depth.values())
    columns: dict = {}
    for n in result["nodes"]:
        columns.setdefault(depth[n["id"]] + shift, []).append(n["id"])
    pos = {}
    for col, ids in columns.items():
        for row, nid in enumerate(ids):
            pos[nid] = (PAD + col * (NODE_W + GAP_X), PAD + row * (NODE_H + GAP_Y))
    return pos


def lineage_svg(result: dict) -> str:
    """The lineage graph as an SVG picture: boxes per thing, arrows to what it came from."""
    nodes = {n["id"]: n for n in result["nodes"]}
    pos = layout(result)
    width = max(x for x, _ in pos.values()) + NODE_W + PAD
    height = max(y for _, y in pos.values()) + NODE_H + PAD
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="jd-lineage-graph" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
             '<defs><marker id="jd-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
             'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
             '<path d="M 0 0 L 10 5 L 0 10 z" fill="#80868b"/></marker></defs>']
    for e in result["edges"]:
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        if x2 > x1:
            sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2
        else:
            sx, sy, tx, ty = x1, y1 + NODE_H / 2, x2 + NODE_W, y2 + NODE_H / 2
        mx = (sx + tx) / 2
        parts.append(f'<path class="jd-lineage-edge" d="M {sx} {sy} C {mx} {sy}, {mx} {ty}, '
                     f'{tx} {ty}" fill="none" stroke="#80868b" stroke-width="1.3" '
                     f'marker-end="url(#jd-arrow)"><title>{esc(e["relation"])}</title></path>')
        parts.append(f'<text x="{mx}" y="{(sy + ty) / 2 - 3}" font-size="10" fill="#5f6368" '
                     f'text-anchor="middle">{esc(e["relation"])}</text>')
    for nid, (x, y) in pos.items():
        n = nodes[nid]
        fill, stroke = COLOURS.get(n["kind"], ("#fff", "#5f6368"))
        live = n.get("live") or nid == result["subject"]["id"]
        title = KIND_TITLES.get(n["kind"], n["kind"])
        shares = [f"{d['deployment']} {d['traffic']}%" for d in n.get("deployments") or []
                  if d.get("deployment") and d.get("traffic") is not None]
        title += LIVE if n.get("live") else ""
        title += f" \u00b7 {', '.join(shares)}" if shares else ""
        parts.append(
            f'<g class="jd-lineage-node jd-lineage-{esc(n["kind"])}" data-id="{esc(nid)}">'
            f'<title>{esc(n["label"])}</title>'
            f'<rect x="{x}" y="{y}" rx="6" width="{NODE_W}" height="{NODE_H}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{2.5 if live else 1.2}"/>'
            f'<text x="{x + 8}" y="{y + 16}" font-size="10" fill="{stroke}">'
            f'{esc(title.upper())}</text>'
            f'<text x="{x + 8}" y="{y + 34}" font-size="12" fill="#202124">'
            f'{esc(_cut(_short(n), 38))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _short(n: dict) -> str:
    kind = n["kind"]
    if kind == "run":
        return n.get("run_id", n["label"])
    if kind == "dataset":
        return f"{n['name']} v{n['version']}"
    if kind == "model" and "name" in n:
        aliases = n.get("aliases") or []
        return f"{n['name']} v{n['version']}" + (f" [{', '.join(aliases)}]" if aliases else "")
    if kind in ("endpoint-version", "pipeline-endpoint-version"):
        return f"{n['name']} v{n['version']}"
    if "artifact" in n:   # a stored model or transformation no registered model names
        stem = n["label"].split(" (not registered)")[0].split(" ", 2)[-1]
        parts = stem.rsplit("-", 2)
        return f"{parts[-2] if len(parts) == 3 else stem} (not registered)"
    return n.get("name") or n["label"]


def answer_html(result: dict) -> str:
    ans = result.get("answer") or {}
    rows = []
    for what, items, fmt in (
            ("Models", ans.get("models"), lambda m: f"{m['name']} v{m['version']}" + (
                f" [{', '.join(m['aliases'])}]" if m.get("aliases") else "")),
            ("Runs", ans.get("runs"), lambda r: f"{r['run_id']} ({r.get('experiment') or ''})"),
            ("Datasets", ans.get("datasets"), lambda d: f"{d['name']} v{d['version']}")):
        if items:
            rows.append(f"<tr><th>{what}</th><td>{esc(', '.join(fmt(i) for i in items))}</td></tr>")
    return (f'<table class="jd-table jd-lineage-answer">{"".join(rows)}</table>' if rows
            else "<i>Nothing recorded behind it.</i>")


class LineagePanel(W.VBox):
    """Choose a model or an endpoint; see its lineage graph and what is behind it."""

    def __init__(self, designer: Designer):
        super().__init__()
        self.designer = designer
        self.add_class("jd-lineage-panel")
        self.subject = W.Dropdown(options=[], description="Lineage of",
                                  layout=W.Layout(width="360px"),
                                  style={"description_width": "initial"})
        self.version = W.Text(placeholder="all versions", description="version",
                              layout=W.Layout(width="200px"), style={"description_width": "initial"})
        self.show_button = W.Button(description="Show", icon="sitemap", layout=W.Layout(width="auto"))
        self.refresh_button = W.Button(description="Refresh list", icon="refresh",
                                       layout=W.Layout(width="auto"))
        for b, c in ((self.show_button, "jd-lineage-show"), (self.refresh_button, "jd-lineage-refresh")):
            b.add_class("jd-btn")
            b.add_class(c)
        self.show_button.on_click(lambda _b: self.show())
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.message = W.HTML("")
        self.answer = W.HTML("")
        self.graph = W.HTML("", layout=W.Layout(overflow="auto", max_height="520px"))
        self.graph.add_class("jd-lineage-canvas")
        self.result: dict | None = None
        self.children = [W.HBox([self.subject, self.version, self.show_button, self.refresh_button],
                                layout=W.Layout(align_items="center", flex_flow="row wrap")),
                         self.message, self.answer, self.graph]

    def refresh(self) -> list:
        """List the registered models, real-time endpoints and pipeline endpoints."""
        from jupyter_designer.serving import PipelineEndpoints, RealtimeEndpoints

        ws = self.designer.workspace
        options = [(f"endpoint: {e['name']}", ("endpoint", e["name"]))
                   for e in RealtimeEndpoints(ws).list()]
        options += [(f"model: {m.name}", ("model", m.name)) for m in ws.list_models()]
        options += [(f"pipeline endpoint: {e['name']}", ("pipeline-endpoint", e["name"]))
                    for e in PipelineEndpoints(ws).list()]
        self.subject.options = options
        if not options:
            self.message.value = ("<i>No registered model or endpoint yet: register a trained "
                                  "model or deploy an endpoint first.</i>")
        else:
            self.message.value = ""
        return options

    def show(self, name: str | None = None, kind: str | None = None, version=None) -> dict | None:
        from jupyter_designer.app.lineage import lineage
        from jupyter_designer.engine.errors import DesignerError

        if name is None:
            if not self.subject.options:
                self.refresh()
            if self.subject.value is None:
                return None
            kind, name = self.subject.value
        if version is None and self.version.value.strip():
            v = self.version.value.strip()
            version = int(v) if v.isdigit() else v
        try:
            self.result = lineage(self.designer.workspace, name, kind=kind, version=version)
        except DesignerError as exc:
            self.message.value = f'<span class="jd-param-error">{esc(exc)}</span>'
            self.graph.value = self.answer.value = ""
            return None
        head = {"endpoint": "Behind what is live now", "model": "Behind the latest version",
                "pipeline-endpoint": "Behind the default version"}[self.result["subject"]["kind"]]
        if version is not None:
            head = f"Behind version {version}"
        self.message.value = f"<b>{esc(head)}</b>"
        self.answer.value = answer_html(self.result)
        self.graph.value = lineage_svg(self.result)
        return self.result


__all__ = ["LineagePanel", "lineage_svg", "layout"]
