// The pipeline canvas view: one cytoscape.js instance per displayed widget view.
//
// Python owns the pipeline. The view never edits its own graph in response to a user
// gesture (except the dashed "pending" edge while a connection is being checked): it
// sends a small request message and applies what Python answers. Protocol: see
// labextension/README.md.

import cytoscape from "cytoscape";
import edgehandles from "cytoscape-edgehandles";
import { FONT_SIZE, NODE_H, NODE_W, stylesheet } from "./style.js";
import { routeEdges, segmentStyle } from "./route.js";
import { layeredLayout } from "./layout.js";

// The canvas never opens (nor fits for Python) below the zoom at which node text is 12 px.
export const READABLE_ZOOM = 12.2 / FONT_SIZE;
// Palette entries dragged onto the canvas carry {kind, name, version} under this type.
export const DRAG_MIME = "application/x-jupyter-designer-item";

let registered = false;
function registerExtensions() {
  if (!registered) {
    cytoscape.use(edgehandles);
    registered = true;
  }
}

const SEP = "\u241f"; // unit separator glyph: never part of node ids or port keys
export const portId = (nodeId, dir, key) => `${nodeId}${SEP}${dir}${SEP}${key}`;

function truncate(text, n) {
  text = String(text || "").replace(/\s+/g, " ").trim();
  return text.length > n ? text.slice(0, n - 1) + "\u2026" : text;
}

export function nodeLabel(d) {
  // a long title wraps over two lines when the node has room; MD-/TD- titles (and titles
  // of nodes with both a comment and a status) show their short form; hover shows all
  const full = String(d.title || "");
  const extra = (d.comment ? 1 : 0) + (d.status_text ? 1 : 0);
  const title = full.length <= 24 ? full
    : !/^(MD|TD)-/.test(full) && extra < 2 ? truncate(full, 44)
    : d.short_title || truncate(full, 24);
  const lines = [title];
  if (d.comment) lines.push(truncate(d.comment, 26));
  if (d.status_text) lines.push(d.status_text);
  return lines.join("\n");
}

// messages after which edge routes are recomputed
const ROUTED_BY = new Set(["add_node", "remove_node", "update_node", "add_edge", "remove_edge"]);

// {kind, name, version} of a palette entry, from its classes and label (see palette.py).
export function paletteItem(b) {
  const cls = [...b.classList];
  const kind = cls.some((c) => c.startsWith("jd-component-")) ? "component"
    : cls.some((c) => c.startsWith("jd-model-")) ? "model"
    : cls.some((c) => c.startsWith("jd-dataset-")) ? "dataset" : null;
  if (!kind) return null;
  if (kind === "component") return { kind, name: b.getAttribute("title") || b.textContent.trim() };
  const label = (b.textContent || "").trim() || (b.getAttribute("title") || "").trim();
  const m = kind === "model" ? /^(.*) v(\d+)$/.exec(label) : null;
  return m ? { kind, name: m[1], version: Number(m[2]) } : { kind, name: label, version: null };
}

const STATUSES = ["not_started", "queued", "running", "completed", "reused", "failed", "skipped", "interrupted"];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class CanvasView {
  constructor(model, root) {
    this.model = model;
    this.root = root;
    this.viewId = Math.random().toString(36).slice(2, 10);
    this.cy = null;
    this.eh = null;
    this.haveSnapshot = false;
    this.fitted = false;
    this.destroyed = false;
    this.grabbed = new Set();
    this.pendingMoves = new Map();
    this.moveTimer = null;
    this.selTimer = null;
    this.applyingRemote = false;
    this.routeTimer = null;
    this.routeFrame = null;
    this.viewportTimer = null;
    this.layoutRunning = false;
    this.cleanups = [];
    this.onMessage = this.onMessage.bind(this);
  }

  // -- life cycle ------------------------------------------------------------------
  start() {
    const root = this.root;
    root.classList.add("jd-canvas-root");
    this.wrap = el("div", "jd-canvas-wrap");
    this.container = el("div", "jd-canvas");
    this.container.tabIndex = 0;
    // keep JupyterLab's command shortcuts from eating Delete, Ctrl+Z, ... on the canvas
    this.container.setAttribute("data-lm-suppress-shortcuts", "true");
    this.container.setAttribute("data-p-suppress-shortcuts", "true");
    this.toastEl = el("div", "jd-toast");
    this.staleEl = el("div", "jd-canvas-stale",
      "No answer from the kernel yet: this is the draft as it was when the cell ran. " +
      "If the kernel is idle, run the cell again to reconnect the canvas.");
    this.staleEl.style.display = "none";
    this.tooltipEl = el("div", "jd-tooltip");
    this.hintEl = el("div", "jd-empty-hint",
      "Click or drag a dataset or component from the palette to add it. Drag from an output port " +
      "(bottom dot) to an input port (top dot) to connect.");
    const zoom = el("div", "jd-zoom");
    for (const [cls, text, title, fn] of [
      ["jd-zoom-in", "+", "Zoom in", () => this.zoomBy(1.25)],
      ["jd-zoom-out", "\u2212", "Zoom out", () => this.zoomBy(0.8)],
      ["jd-zoom-fit", "\u2922", "Zoom to fit", () => this.fit()],
    ]) {
      const b = el("button", `jd-zoom-btn ${cls}`, text);
      b.title = title;
      b.type = "button";
      b.addEventListener("click", (e) => { e.stopPropagation(); fn(); });
      zoom.appendChild(b);
    }
    this.wrap.append(this.container, this.hintEl, zoom, this.toastEl, this.tooltipEl, this.staleEl);
    root.appendChild(this.wrap);
    this.applyHeight();

    this.model.on("msg:custom", this.onMessage);
    const onHeight = () => this.applyHeight();
    const onReadonly = () => this.applyReadonly();
    this.model.on("change:height", onHeight);
    this.model.on("change:readonly", onReadonly);
    this.cleanups.push(() => {
      this.model.off("msg:custom", this.onMessage);
      this.model.off("change:height", onHeight);
      this.model.off("change:readonly", onReadonly);
    });

    const onGraph = () => { if (this.cy && !this.haveSnapshot) this.renderGraph(this.model.get("graph")); };
    this.model.on("change:graph", onGraph);
    this.cleanups.push(() => this.model.off("change:graph", onGraph));

    this.whenAttached(() => {
      this.createCy();
      // the first picture comes from the widget's state, at once, even if the kernel is busy;
      // the snapshot answering "ready" then reconciles it with the draft
      this.renderGraph(this.model.get("graph"));
      this.watchPalette();
      this.askSnapshot();
    });
  }

  renderGraph(g) {
    if (!g || !this.cy) return;
    this.drawGraph(g.nodes || [], g.edges || []);
  }

  // Cytoscape caches its container's page position and binds scroll listeners on the
  // container's ancestors when created: created before the element is in the page, every
  // mouse event would later be mapped to the wrong place and silently dropped.
  whenAttached(fn) {
    let frames = 0;
    const check = () => {
      if (this.destroyed) return;
      if (this.container.isConnected) {
        requestAnimationFrame(() => !this.destroyed && fn());
        return;
      }
      frames += 1;
      if (frames < 120) requestAnimationFrame(check);
      else setTimeout(check, 250);
    };
    check();
  }

  destroy() {
    this.destroyed = true;
    for (const fn of this.cleanups.splice(0)) {
      try { fn(); } catch (e) { /* already gone */ }
    }
    if (this.eh) this.eh.destroy();
    if (this.cy) this.cy.destroy();
    this.cy = null;
  }

  send(msg) {
    // a view outliving its kernel (restart, shutdown) has nobody to talk to: drop quietly
    try {
      this.model.send(msg);
    } catch (e) {
      /* the comm is closed */
    }
  }

  // Ask for the snapshot until it comes: a "ready" sent while the kernel restarts or the
  // output is re-rendered can be lost, and the view would keep the first picture for good.
  // After about 30 s without an answer the view says so (the kernel may just be busy; the
  // widget manager can also lose a fresh widget's messages right after a kernel restart).
  askSnapshot() {
    let tries = 0;
    const ask = () => {
      if (this.destroyed || this.haveSnapshot) return;
      if (tries >= 4) {
        this.staleEl.style.display = "";
        return;
      }
      tries += 1;
      this.send({ type: "ready", view: this.viewId });
      this.readyTimer = setTimeout(ask, 2000 * 2 ** (tries - 1));
    };
    ask();
    this.cleanups.push(() => clearTimeout(this.readyTimer));
  }

  applyHeight() {
    const h = this.model.get("height") || "520px";
    this.wrap.style.height = h;
    if (this.cy) this.cy.resize();
  }

  get readonly() {
    return !!this.model.get("readonly");
  }

  applyReadonly() {
    const ro = this.readonly;
    this.wrap.classList.toggle("jd-readonly", ro);
    if (!this.cy) return;
    this.cy.autoungrabify(ro);
    if (this.eh) (ro ? this.eh.disable() : this.eh.enable());
  }

  // -- cytoscape ----------------------------------------------------------------------
  createCy() {
    registerExtensions();
    const cy = cytoscape({
      container: this.container,
      elements: [],
      style: stylesheet(),
      layout: { name: "preset", fit: false },
      minZoom: 0.15,
      maxZoom: 2.5,
      boxSelectionEnabled: true,
    });
    this.cy = cy;
    this.container._cy = cy;
    const renderer = cy.renderer();
    const invalidate = () => renderer && renderer.invalidateContainerClientCoordsCache &&
      renderer.invalidateContainerClientCoordsCache();
    // The notebook may be scrolled or the output moved after creation: refresh the cached
    // position whenever the pointer comes back or anything scrolls.
    for (const ev of ["pointerenter", "pointerdown", "wheel"]) {
      this.wrap.addEventListener(ev, invalidate, { capture: true, passive: true });
    }
    document.addEventListener("scroll", invalidate, { capture: true, passive: true });
    this.cleanups.push(() => document.removeEventListener("scroll", invalidate, { capture: true }));
    const ro = new ResizeObserver(() => {
      if (!this.cy) return;
      this.cy.resize();
      if (!this.fitted && this.cy.nodes("node.jd-node").nonempty() && this.container.clientWidth > 0) this.initialView();
      this.queueViewport();
    });
    ro.observe(this.container);
    this.cleanups.push(() => ro.disconnect());

    this.eh = cy.edgehandles({
      canConnect: (src, tgt) => !this.readonly && tgt.hasClass("jd-port-in") &&
        src.data("node") !== tgt.data("node"),
      edgeParams: () => ({ classes: "jd-edge-pending" }),
      hoverDelay: 0,
      snap: true,
      snapThreshold: 14,
      snapFrequency: 60,
      noEdgeEventsInDraw: true,
      disableBrowserGestures: true,
    });
    // Snapping to the target port is throttled; a quick drag can end before the last check
    // ran, and the connection would be silently dropped. Check once more on release.
    const stop = this.eh.stop.bind(this.eh);
    this.eh.stop = () => {
      if (this.eh.active) {
        try { this.eh.snap(); } catch (e) { /* nothing to snap to */ }
      }
      return stop();
    };

    cy.on("tapstart", "node.jd-port-out", (e) => {
      if (!this.readonly) this.eh.start(e.target);
    });
    cy.on("ehcomplete", (e, src, tgt, added) => this.requestConnect(src, tgt, added));
    cy.on("tap", "node.jd-port", (e) => {
      const p = e.target;
      this.send({ type: "port_click", node: p.data("node"), port: p.data("key"), direction: p.data("dir") });
    });
    cy.on("position", "node.jd-node", (e) => { this.placePorts(e.target); this.scheduleRoute(true); });
    cy.on("grab", "node.jd-node", (e) => this.grabbed.add(e.target.id()));
    cy.on("free", "node.jd-node", (e) => this.grabbed.delete(e.target.id()));
    cy.on("dragfree", "node.jd-node", (e) => this.queueMove(e.target));
    cy.on("select unselect", "node.jd-node, edge.jd-edge", () => this.queueSelection());
    cy.on("dbltap", "node.jd-node", (e) => this.send({ type: "open", node: e.target.id() }));
    cy.on("cxttap", "node.jd-node", (e) => this.send({ type: "context", node: e.target.id() }));
    cy.on("tapstart", () => this.container.focus({ preventScroll: true }));
    cy.on("mouseover", "node, edge.jd-edge", (e) => { e.target.addClass("jd-hover"); this.showTooltip(e.target); });
    cy.on("mouseout", "node, edge.jd-edge", (e) => { e.target.removeClass("jd-hover"); this.hideTooltip(); });
    cy.on("viewport drag", () => this.hideTooltip());
    cy.on("viewport", () => this.queueViewport());
    this.acceptDrops();
    this.container.addEventListener("keydown", (e) => this.onKey(e));
    this.applyReadonly();
  }

  zoomBy(factor) {
    if (!this.cy) return;
    const cy = this.cy;
    const c = { x: this.container.clientWidth / 2, y: this.container.clientHeight / 2 };
    cy.zoom({ level: Math.min(cy.maxZoom(), Math.max(cy.minZoom(), cy.zoom() * factor)), renderedPosition: c });
  }

  // Zoom to fit; readable: never below READABLE_ZOOM, showing the graph's top-left part
  // (the first layers) when the whole does not fit at that zoom; the user scrolls and pans.
  fit(ids, readable) {
    const cy = this.cy;
    if (!cy) return;
    const eles = ids && ids.length ? cy.collection(ids.map((i) => cy.getElementById(i))) : cy.nodes("node.jd-node");
    if (eles.empty()) {
      cy.zoom(1);
      cy.pan({ x: this.container.clientWidth / 2, y: NODE_H });
      return;
    }
    const pad = 30;
    cy.fit(eles, pad);
    if (cy.zoom() > 1.2) {
      cy.zoom(1.2);
      cy.center(eles);
    } else if (readable && cy.zoom() < READABLE_ZOOM) {
      const bb = eles.boundingBox();
      const z = READABLE_ZOOM;
      const w = this.container.clientWidth, h = this.container.clientHeight;
      cy.zoom(z);
      // centred on an axis that fits, the top-left corner on one that does not
      const x = bb.w * z + 2 * pad <= w ? (w - bb.w * z) / 2 - bb.x1 * z : pad - bb.x1 * z;
      const y = bb.h * z + 2 * pad <= h ? (h - bb.h * z) / 2 - bb.y1 * z : pad - bb.y1 * z;
      cy.pan({ x, y });
    }
  }

  initialView() {
    if (this.container.clientWidth === 0) return;
    this.fitted = true;
    this.fit(null, true);
  }

  // -- edge routes ---------------------------------------------------------------------------
  // Routes are recomputed after every change of nodes, edges or positions (coalesced; while a
  // node is dragged, a few times a second).
  scheduleRoute(dragging) {
    if (!this.cy || this.destroyed) return;
    if (dragging) {
      if (this.routeTimer) return;
      this.routeTimer = setTimeout(() => { this.routeTimer = null; this.routeAll(); }, 60);
      return;
    }
    if (this.routeFrame) return;
    this.routeFrame = requestAnimationFrame(() => { this.routeFrame = null; this.routeAll(); });
  }

  routeAll() {
    const cy = this.cy;
    if (!cy || this.destroyed) return;
    const boxes = cy.nodes("node.jd-node").map((n) => {
      const p = n.position();
      return { id: n.id(), x1: p.x - NODE_W / 2, y1: p.y - NODE_H / 2, x2: p.x + NODE_W / 2, y2: p.y + NODE_H / 2 };
    });
    const edges = cy.edges("edge.jd-edge").map((e) => ({ id: e.id(), s: e.source().position(), t: e.target().position() }));
    const routes = routeEdges(boxes, edges);
    cy.batch(() => {
      for (const [id, pts] of routes) {
        const e = cy.getElementById(id);
        if (e.empty()) continue;
        const st = segmentStyle(pts);
        e.scratch("jdRoute", pts);
        if (st) {
          e.addClass("jd-routed");
          e.style({ "segment-weights": st.weights, "segment-distances": st.distances });
        } else {
          e.removeClass("jd-routed");
          e.removeStyle("segment-weights segment-distances");
        }
      }
    });
  }

  // -- auto-layout (ELK) -----------------------------------------------------------------------
  async runLayout() {
    const cy = this.cy;
    if (!cy || this.layoutRunning) return;
    this.layoutRunning = true;
    try {
      const nodes = cy.nodes("node.jd-node").map((n) => {
        const d = n.data();
        const xs = (ports) => this.portPositions({ x: NODE_W / 2, y: 0 }, ports.length, true).map((p) => p.x);
        const ix = xs(d.inputs || []), ox = xs(d.outputs || []);
        return { id: n.id(),
                 inputs: (d.inputs || []).map((p, i) => ({ id: portId(d.id, "in", p.key), x: ix[i] })),
                 outputs: (d.outputs || []).map((p, i) => ({ id: portId(d.id, "out", p.key), x: ox[i] })) };
      });
      const edges = cy.edges("edge.jd-edge").map((e) => ({ id: e.id(), source: e.source().id(), target: e.target().id() }));
      const pos = await layeredLayout(nodes, edges, NODE_W, NODE_H);
      if (!this.cy) return;
      // keep the graph where it was: its first node's layer starts at the old top-left
      const old = cy.nodes("node.jd-node").boundingBox();
      let minX = Infinity, minY = Infinity;
      for (const p of pos.values()) { minX = Math.min(minX, p.x); minY = Math.min(minY, p.y); }
      const dx = Number.isFinite(old.x1) ? old.x1 + NODE_W / 2 - minX : 0;
      const dy = Number.isFinite(old.y1) ? old.y1 + NODE_H / 2 - minY : 0;
      const moves = [];
      cy.batch(() => {
        for (const [id, p] of pos) {
          const n = cy.getElementById(id);
          if (n.empty()) continue;
          const q = { x: Math.round((p.x + dx) * 10) / 10, y: Math.round((p.y + dy) * 10) / 10 };
          n.position(q);
          moves.push({ id, ...q });
        }
      });
      this.routeAll();
      this.fit(null, true);
      if (moves.length) this.send({ type: "move", moves, layout: true });
    } catch (err) {
      console.error("jupyter-designer: auto-layout failed", err);
      this.send({ type: "layout_failed", reason: String(err) });
    } finally {
      this.layoutRunning = false;
    }
  }

  // -- viewport (where click-to-add puts new nodes) ------------------------------------------
  queueViewport() {
    clearTimeout(this.viewportTimer);
    this.viewportTimer = setTimeout(() => {
      if (!this.cy || this.destroyed || this.container.clientWidth === 0) return;
      const e = this.cy.extent();
      const r = (v) => Math.round(v * 10) / 10;
      this.send({ type: "viewport", x1: r(e.x1), y1: r(e.y1), x2: r(e.x2), y2: r(e.y2) });
    }, 300);
  }

  // -- drag and drop from the palette ----------------------------------------------------------
  // The palette (ipywidgets buttons) is re-rendered at will: its entries are found and made
  // draggable whenever the designer's DOM changes.
  watchPalette() {
    const designer = () => this.root.closest(".jd-designer");
    const prepare = (b) => {
      if (b.hasAttribute("data-jd-draggable")) return;
      b.setAttribute("data-jd-draggable", "1");
      b.draggable = true;
      b.addEventListener("dragstart", (ev) => {
        const item = paletteItem(b);
        if (!item || !ev.dataTransfer) return;
        ev.dataTransfer.setData(DRAG_MIME, JSON.stringify(item));
        ev.dataTransfer.setData("text/plain", item.name);
        ev.dataTransfer.effectAllowed = "copy";
      });
    };
    const scan = () => {
      const d = designer();
      if (d) d.querySelectorAll(".jd-palette-item:not([data-jd-draggable])").forEach(prepare);
    };
    // entries of this view's designer become draggable when they appear, and at the latest
    // when the pointer reaches them (the palette re-renders its entries at will)
    const onPointer = (ev) => {
      const b = ev.target && ev.target.closest && ev.target.closest(".jd-palette-item");
      if (b && b.closest(".jd-designer") === designer()) prepare(b);
    };
    document.addEventListener("pointerover", onPointer, true);
    document.addEventListener("mouseover", onPointer, true);
    const mo = new MutationObserver(() => scan());
    const d = designer();
    if (d) mo.observe(d, { childList: true, subtree: true });
    scan();
    this.cleanups.push(() => {
      mo.disconnect();
      document.removeEventListener("pointerover", onPointer, true);
      document.removeEventListener("mouseover", onPointer, true);
    });
  }

  acceptDrops() {
    const target = this.wrap;
    const accepts = (ev) => ev.dataTransfer && [...ev.dataTransfer.types].includes(DRAG_MIME);
    const over = (ev) => {
      if (!accepts(ev) || this.readonly) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "copy";
      this.wrap.classList.add("jd-drop-target");
    };
    const leave = () => this.wrap.classList.remove("jd-drop-target");
    const drop = (ev) => {
      leave();
      if (!accepts(ev) || this.readonly || !this.cy) return;
      ev.preventDefault();
      let item;
      try { item = JSON.parse(ev.dataTransfer.getData(DRAG_MIME)); } catch (e) { return; }
      const r = this.container.getBoundingClientRect();
      const pan = this.cy.pan(), z = this.cy.zoom();
      const x = (ev.clientX - r.left - pan.x) / z, y = (ev.clientY - r.top - pan.y) / z;
      this.send({ type: "drop", kind: item.kind, name: item.name, version: item.version ?? null,
                  x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 });
    };
    target.addEventListener("dragover", over);
    target.addEventListener("dragenter", over);
    target.addEventListener("dragleave", leave);
    target.addEventListener("drop", drop);
  }

  // -- ports --------------------------------------------------------------------------
  portPositions(pos, n, top) {
    const out = [];
    for (let i = 0; i < n; i++) {
      out.push({ x: pos.x - NODE_W / 2 + (NODE_W * (i + 1)) / (n + 1), y: pos.y + (top ? -NODE_H / 2 : NODE_H / 2) });
    }
    return out;
  }

  placePorts(node) {
    const cy = this.cy;
    const pos = node.position();
    const d = node.data();
    const ins = d.inputs || [];
    const outs = d.outputs || [];
    const pin = this.portPositions(pos, ins.length, true);
    const pout = this.portPositions(pos, outs.length, false);
    ins.forEach((p, i) => cy.getElementById(portId(d.id, "in", p.key)).position(pin[i]));
    outs.forEach((p, i) => cy.getElementById(portId(d.id, "out", p.key)).position(pout[i]));
  }

  addPorts(nid, pos, ports, dir) {
    const ps = this.portPositions(pos, ports.length, dir === "in");
    return ports.map((p, i) => ({
      group: "nodes",
      data: { id: portId(nid, dir, p.key), node: nid, key: p.key, dir, plabel: p.label,
              ptype: p.type, ptitle: p.type_title || "", optional: !!p.optional },
      position: ps[i],
      classes: `jd-port jd-port-${dir} jd-type-${p.type}${p.optional ? " jd-optional" : ""}`,
      grabbable: false,
      selectable: false,
    }));
  }

  // -- graph edits from Python ----------------------------------------------------------
  nodeClasses(n) {
    const cls = ["jd-node", `jd-kind-${n.kind}`];
    if (n.icon) cls.push(`jd-icon-${n.icon}`);
    if (n.data_type) cls.push(`jd-data-${n.data_type}`);
    if (n.status) cls.push(n.status);
    if (n.issue) cls.push("jd-invalid");
    if (n.bound) cls.push("jd-bound");
    return cls.join(" ");
  }

  addNode(n) {
    const cy = this.cy;
    if (cy.getElementById(n.id).nonempty()) this.removeNode(n.id);
    const pos = { x: n.x || 0, y: n.y || 0 };
    const data = { ...n, label: nodeLabel(n) };
    delete data.x;
    delete data.y;
    cy.add([
      { group: "nodes", data, position: pos, classes: this.nodeClasses(n) },
      ...this.addPorts(n.id, pos, n.inputs || [], "in"),
      ...this.addPorts(n.id, pos, n.outputs || [], "out"),
    ]);
  }

  removeNode(id) {
    const cy = this.cy;
    const node = cy.getElementById(id);
    if (node.empty()) return;
    const d = node.data();
    const ports = [...(d.inputs || []).map((p) => portId(id, "in", p.key)),
      ...(d.outputs || []).map((p) => portId(id, "out", p.key))];
    ports.forEach((pid) => cy.getElementById(pid).remove());
    node.remove();
  }

  updateNode(id, changes) {
    const cy = this.cy;
    const node = cy.getElementById(id);
    if (node.empty()) return;
    const d = { ...node.data(), ...changes };
    if ("inputs" in changes || "outputs" in changes) {
      // ports changed (a user component was redefined): rebuild, keeping connections
      const edges = this.edgesOf(id).map((e) => e.json());
      this.removeNode(id);
      this.addNode({ ...d, x: changes.x ?? node.position("x"), y: changes.y ?? node.position("y") });
      edges.forEach((j) => {
        if (cy.getElementById(j.data.source).nonempty() && cy.getElementById(j.data.target).nonempty()) {
          cy.add({ group: "edges", data: j.data, classes: j.classes });
        }
      });
      return;
    }
    const { x, y, ...rest } = changes;
    if (Object.keys(rest).length) {
      node.data({ ...rest, label: nodeLabel(d) });
      node.classes(this.nodeClasses(d));
    }
    if ((x !== undefined || y !== undefined) && !this.grabbed.has(id)) {
      node.position({ x: x ?? node.position("x"), y: y ?? node.position("y") });
    }
  }

  edgesOf(id) {
    return this.cy.edges().filter((e) => e.source().data("node") === id || e.target().data("node") === id);
  }

  addEdge(e) {
    const cy = this.cy;
    const src = portId(e.source, "out", e.source_port);
    const tgt = portId(e.target, "in", e.target_port);
    if (cy.getElementById(src).empty() || cy.getElementById(tgt).empty()) return;
    cy.getElementById(e.id).remove();
    cy.add({ group: "edges", data: { id: e.id, source: src, target: tgt }, classes: "jd-edge" });
    cy.getElementById(tgt).addClass("jd-connected");
  }

  removeEdge(id) {
    const edge = this.cy.getElementById(id);
    if (edge.empty()) return;
    const tgt = edge.target();
    edge.remove();
    if (tgt.connectedEdges().empty()) tgt.removeClass("jd-connected");
  }

  setStatus(nodes, reset) {
    const cy = this.cy;
    if (reset) {
      cy.nodes("node.jd-node").forEach((n) => {
        n.removeClass(STATUSES.join(" "));
        n.data({ status: null, status_text: "", error: null, label: nodeLabel({ ...n.data(), status_text: "" }) });
      });
    }
    for (const [id, st] of Object.entries(nodes || {})) {
      const n = cy.getElementById(id);
      if (n.empty()) continue;
      n.removeClass(STATUSES.join(" "));
      if (st.status) n.addClass(st.status);
      const d = { ...n.data(), status: st.status, status_text: st.text || "", error: st.error || null };
      n.data({ status: d.status, status_text: d.status_text, error: d.error, label: nodeLabel(d) });
    }
  }

  setIssues(issues) {
    this.cy.nodes("node.jd-node").forEach((n) => {
      const msg = (issues || {})[n.id()];
      n.data("issue", msg || null);
      n.toggleClass("jd-invalid", !!msg);
    });
  }

  select(nodes, edges, center) {
    const cy = this.cy;
    this.applyingRemote = true;
    try {
      cy.$(":selected").unselect();
      const ids = [...(nodes || []), ...(edges || [])];
      const eles = cy.collection(ids.map((i) => cy.getElementById(i)).filter((x) => x.nonempty()));
      eles.select();
      if (center && eles.nonempty()) {
        cy.animate({ center: { eles }, duration: 250 });
      }
    } finally {
      this.applyingRemote = false;
    }
  }

  ensureVisible(id) {
    const cy = this.cy;
    const n = cy.getElementById(id);
    if (n.empty() || this.container.clientWidth === 0) return;
    const bb = n.boundingBox();
    const ext = cy.extent();
    if (bb.x1 < ext.x1 || bb.x2 > ext.x2 || bb.y1 < ext.y1 || bb.y2 > ext.y2) {
      cy.animate({ center: { eles: n }, duration: 200 });
    }
  }

  drawGraph(nodes, edges) {
    const cy = this.cy;
    const selected = cy.$(":selected").map((x) => x.id());
    cy.batch(() => {
      cy.elements().remove();
      nodes.forEach((n) => this.addNode(n));
      edges.forEach((e) => this.addEdge(e));
    });
    this.applyReadonly();
    if (selected.length) this.select(selected.filter((i) => cy.getElementById(i).nonempty()), []);
    this.routeAll();
    if (!this.fitted && nodes.length) this.initialView();
    this.updateHint();
  }

  applySnapshot(msg) {
    this.haveSnapshot = true;
    this.staleEl.style.display = "none";
    this.drawGraph(msg.nodes || [], msg.edges || []);
  }

  updateHint() {
    const empty = this.cy.nodes("node.jd-node").empty();
    this.hintEl.style.display = empty && !this.readonly ? "" : "none";
  }

  // -- messages from Python -------------------------------------------------------------
  onMessage(msg) {
    if (!msg || !msg.type || !this.cy) return;
    if (msg.type === "snapshot") {
      if (msg.view && msg.view !== this.viewId && this.haveSnapshot) return;
      this.applySnapshot(msg);
      return;
    }
    if (!this.haveSnapshot) return; // a snapshot for this view is on its way
    if (msg.type === "batch") {
      this.cy.batch(() => msg.messages.forEach((m) => this.apply(m)));
    } else {
      this.apply(msg);
    }
    const types = msg.type === "batch" ? msg.messages.map((m) => m.type) : [msg.type];
    if (types.some((t) => ROUTED_BY.has(t))) this.scheduleRoute(false);
    this.updateHint();
  }

  apply(msg) {
    switch (msg.type) {
      case "add_node":
        this.addNode(msg.node);
        if (!msg.quiet) this.ensureVisible(msg.node.id);
        break;
      case "remove_node":
        this.removeNode(msg.id);
        break;
      case "update_node":
        this.updateNode(msg.id, msg.changes || {});
        break;
      case "add_edge":
        this.addEdge(msg.edge);
        break;
      case "remove_edge":
        this.removeEdge(msg.id);
        break;
      case "status":
        this.setStatus(msg.nodes, msg.reset);
        break;
      case "issues":
        this.setIssues(msg.nodes);
        break;
      case "select":
        this.select(msg.nodes, msg.edges, msg.center);
        break;
      case "connect_result":
        this.cy.getElementById(msg.temp).remove();
        if (!msg.ok) this.toast(msg.reason || "Cannot connect these ports.", "error");
        break;
      case "toast":
        this.toast(msg.text, msg.level);
        break;
      case "fit":
        this.fit(msg.ids, true);
        break;
      case "layout":
        this.runLayout();
        break;
      case "center": {
        const n = this.cy.getElementById(msg.id);
        if (n.nonempty()) this.cy.animate({ center: { eles: n }, duration: 250 });
        break;
      }
      default:
        break;
    }
  }

  // -- requests to Python -----------------------------------------------------------
  requestConnect(src, tgt, added) {
    const temp = added.id();
    this.send({ type: "connect", temp, source: src.data("node"), source_port: src.data("key"),
                target: tgt.data("node"), target_port: tgt.data("key") });
    // never leave a dashed edge behind if the kernel does not answer
    setTimeout(() => this.cy && this.cy.getElementById(temp).remove(), 15000);
  }

  queueMove(node) {
    this.pendingMoves.set(node.id(), node.position());
    clearTimeout(this.moveTimer);
    this.moveTimer = setTimeout(() => {
      const moves = [...this.pendingMoves].map(([id, p]) => ({ id, x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 }));
      this.pendingMoves.clear();
      if (moves.length && !this.readonly) this.send({ type: "move", moves });
    }, 0);
  }

  selection() {
    return {
      nodes: this.cy.$("node.jd-node:selected").map((n) => n.id()),
      edges: this.cy.$("edge.jd-edge:selected").map((e) => e.id()),
    };
  }

  queueSelection() {
    if (this.applyingRemote) return;
    clearTimeout(this.selTimer);
    this.selTimer = setTimeout(() => this.cy && this.send({ type: "select", ...this.selection() }), 0);
  }

  onKey(e) {
    if (!this.cy) return;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    let handled = true;
    if ((e.key === "Delete" || e.key === "Backspace") && !mod) {
      const sel = this.selection();
      if (!this.readonly && (sel.nodes.length || sel.edges.length)) this.send({ type: "delete", ...sel });
    } else if (mod && key === "z" && !e.shiftKey) {
      this.send({ type: "command", name: "undo" });
    } else if (mod && (key === "y" || (key === "z" && e.shiftKey))) {
      this.send({ type: "command", name: "redo" });
    } else if (mod && key === "c") {
      this.send({ type: "command", name: "copy", ...this.selection() });
    } else if (mod && key === "v") {
      this.send({ type: "command", name: "paste" });
    } else if (mod && key === "a") {
      this.cy.nodes("node.jd-node").select();
    } else if (e.key === "Escape") {
      this.cy.$(":selected").unselect();
    } else {
      handled = false;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  // -- toast and tooltip -------------------------------------------------------------
  toast(text, level) {
    const t = this.toastEl;
    t.textContent = text;
    t.className = `jd-toast jd-toast-${level || "info"} jd-toast-show`;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { t.className = "jd-toast"; }, level === "error" ? 7000 : 3500);
  }

  showTooltip(ele) {
    const d = ele.data();
    let text;
    if (ele.hasClass("jd-port")) {
      text = `${d.plabel} \u2014 ${d.ptitle}${d.optional ? " (optional)" : ""}`;
      if (d.dir === "out") text += this.readonly ? "" : "\nDrag to an input port to connect";
    } else if (ele.hasClass("jd-edge")) {
      const s = ele.source().data(), t = ele.target().data();
      const title = (id) => this.cy.getElementById(id).data("title") || id;
      text = `${title(s.node)}: ${s.plabel} \u2192 ${title(t.node)}: ${t.plabel}`;
      const p = ele.midpoint();
      const z = this.cy.zoom(), pan = this.cy.pan();
      const tt = this.tooltipEl;
      tt.textContent = text;
      tt.style.left = `${Math.round(p.x * z + pan.x + 12)}px`;
      tt.style.top = `${Math.round(p.y * z + pan.y + 8)}px`;
      tt.classList.add("jd-tooltip-show");
      return;
    } else if (ele.hasClass("jd-node")) {
      const parts = [d.title];
      if (d.comment) parts.push(d.comment);
      if (d.issue) parts.push("\u26a0 " + d.issue);
      if (d.error) parts.push("\u2717 " + d.error);
      text = parts.join("\n");
    } else {
      return;
    }
    const rp = ele.renderedPosition();
    const tt = this.tooltipEl;
    tt.textContent = text;
    tt.style.left = `${Math.round(rp.x + 12)}px`;
    tt.style.top = `${Math.round(rp.y + (ele.hasClass("jd-port") ? 10 : ele.renderedHeight() / 2 + 4))}px`;
    tt.classList.add("jd-tooltip-show");
  }

  hideTooltip() {
    this.tooltipEl.classList.remove("jd-tooltip-show");
  }
}
