// Cytoscape stylesheet of the pipeline canvas.
//
// Node sizes match the engine's layout constants (engine/pipeline.py NODE_W, NODE_H), so
// free-spot placement and auto-layout computed in Python look right in the browser.

export const NODE_W = 220;
export const NODE_H = 60;
// Ports are at least 12 px on screen at the opening zoom (see READABLE_ZOOM in view.js).
export const PORT_SIZE = 14;
export const FONT_SIZE = 13;
// Node text starts right of the category icon.
const TEXT_LEFT = 36;

// One glyph per palette category (data nodes: per data type), drawn at a node's left.
const svg = (body, colour) => "data:image/svg+xml;utf8," + encodeURIComponent(
  `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 20 20" fill="none" ` +
  `stroke="${colour}" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`);
export const ICONS = {
  dataset: svg('<ellipse cx="10" cy="4.5" rx="7" ry="2.5"/><path d="M3 4.5v11c0 1.4 3.1 2.5 7 2.5s7-1.1 7-2.5v-11"/><path d="M3 10c0 1.4 3.1 2.5 7 2.5s7-1.1 7-2.5"/>', "#2b88d8"),
  model: svg('<path d="M10 2l7 4v8l-7 4-7-4V6z"/><path d="M3 6l7 4 7-4M10 10v8"/>', "#8764b8"),
  transformation: svg('<circle cx="10" cy="10" r="3"/><path d="M10 2v2.5M10 15.5V18M2 10h2.5M15.5 10H18M4.3 4.3l1.8 1.8M13.9 13.9l1.8 1.8M4.3 15.7l1.8-1.8M13.9 6.1l1.8-1.8"/>', "#038387"),
  web_service_input: svg('<path d="M11 3h5a1 1 0 011 1v12a1 1 0 01-1 1h-5"/><path d="M2 10h10M8.5 6.5L12 10l-3.5 3.5"/>', "#107c10"),
  web_service_output: svg('<path d="M9 3H4a1 1 0 00-1 1v12a1 1 0 001 1h5"/><path d="M8 10h10M14.5 6.5L18 10l-3.5 3.5"/>', "#ca5010"),
  web_service: svg('<circle cx="10" cy="10" r="7.5"/><path d="M2.5 10h15M10 2.5c2.5 2.5 2.5 12.5 0 15M10 2.5c-2.5 2.5-2.5 12.5 0 15"/>', "#605e5c"),
  data_io: svg('<path d="M6 16V4M3 7l3-3 3 3M14 4v12M11 13l3 3 3-3"/>', "#2b88d8"),
  transform: svg('<path d="M3 6h10M10 3l3 3-3 3M17 14H7M10 11l-3 3 3 3"/>', "#038387"),
  feature: svg('<path d="M3 4h14l-5.5 6.5V16l-3 1.5v-7z"/>', "#8a6d00"),
  statistics: svg('<path d="M3 17h14M5 17V10M9 17V5M13 17v-8M17 17v-4"/>', "#0078d4"),
  algorithm: svg('<circle cx="4.5" cy="10" r="2"/><circle cx="15.5" cy="4.5" r="2"/><circle cx="15.5" cy="15.5" r="2"/><path d="M6.3 9l7.4-3.6M6.3 11l7.4 3.6"/>', "#ca5010"),
  training: svg('<path d="M3 17l4-6 3 3 4-7 3 4"/><path d="M3 3v14h14"/>', "#8764b8"),
  scoring: svg('<circle cx="10" cy="10" r="7.5"/><path d="M6.5 10.5l2.5 2.5 4.5-5"/>', "#107c10"),
  python: svg('<path d="M7 3h5a2 2 0 012 2v4H7a2 2 0 00-2 2v1H4a2 2 0 01-2-2V7a2 2 0 012-2h3z"/><path d="M13 17H8a2 2 0 01-2-2v-4h7a2 2 0 002-2V8h1a2 2 0 012 2v3a2 2 0 01-2 2h-3z"/>', "#3776ab"),
  text: svg('<path d="M4 5V3h12v2M10 3v14M7 17h6"/>', "#605e5c"),
  component: svg('<rect x="3" y="3" width="14" height="14" rx="2"/><path d="M7 10h6M10 7v6"/>', "#605e5c"),
};

// Port colours by port type (the reference product's directory type names).
export const PORT_COLOURS = {
  DataFrameDirectory: "#0078d4",
  ModelDirectory: "#8764b8",
  UntrainedModelDirectory: "#ca5010",
  TransformationDirectory: "#038387",
  EvaluationResultsDirectory: "#c239b3",
  AnyDirectory: "#605e5c",
};

export function stylesheet() {
  const s = [
    {
      selector: "node.jd-node",
      style: {
        shape: "round-rectangle",
        width: NODE_W,
        height: NODE_H,
        "background-color": "#ffffff",
        "border-width": 1.5,
        "border-color": "#a19f9d",
        label: "data(label)",
        "text-wrap": "wrap",
        "text-max-width": NODE_W - TEXT_LEFT - 8,
        "text-valign": "center",
        "text-halign": "center",
        "text-justification": "left",
        "text-margin-x": (TEXT_LEFT - 8) / 2,
        "font-family": "Segoe UI, Helvetica Neue, Arial, sans-serif",
        "font-size": FONT_SIZE,
        "line-height": 1.2,
        "background-image": ICONS.component,
        "background-width": 20,
        "background-height": 20,
        "background-position-x": 10,
        "background-position-y": "50%",
        "background-fit": "none",
        "background-clip": "none",
        "background-image-containment": "over",
        color: "#201f1e",
        "z-index": 10,
        "overlay-padding": 4,
      },
    },
    ...Object.entries(ICONS).map(([key, uri]) => ({ selector: `node.jd-icon-${key}`, style: { "background-image": uri } })),
    {
      selector: "node.jd-kind-dataset",
      style: { "background-color": "#eff6fc", "border-color": "#2b88d8" },
    },
    { selector: "node.jd-data-model", style: { "background-color": "#f4f0fa", "border-color": "#8764b8" } },
    { selector: "node.jd-data-transformation", style: { "background-color": "#eef8f8", "border-color": "#038387" } },
    { selector: "node.jd-bound", style: { "border-style": "double", "border-width": 4 } },
    // run status
    { selector: "node.not_started", style: { "border-color": "#a19f9d" } },
    { selector: "node.queued", style: { "border-style": "dashed", "border-color": "#8a8886", "background-color": "#faf9f8" } },
    { selector: "node.running", style: { "border-width": 3, "border-color": "#0078d4", "background-color": "#deecf9" } },
    { selector: "node.completed", style: { "border-width": 2, "border-color": "#107c10", "background-color": "#f1faf1" } },
    { selector: "node.reused", style: { "border-width": 2, "border-style": "dashed", "border-color": "#107c10", "background-color": "#f1faf1" } },
    { selector: "node.failed", style: { "border-width": 3, "border-color": "#a4262c", "background-color": "#fde7e9" } },
    { selector: "node.skipped", style: { opacity: 0.55 } },
    { selector: "node.interrupted", style: { "border-width": 2, "border-style": "dashed", "border-color": "#a4262c" } },
    { selector: "node.jd-invalid", style: { "border-width": 2, "border-style": "dashed", "border-color": "#d13438" } },
    {
      selector: "node.jd-node:selected",
      style: { "border-width": 3, "border-color": "#0078d4", "overlay-opacity": 0 },
    },
    // ports
    {
      selector: "node.jd-port",
      style: {
        shape: "ellipse",
        width: PORT_SIZE,
        height: PORT_SIZE,
        "background-color": "#ffffff",
        "border-width": 2,
        "border-color": "#0078d4",
        // port names: shown when zoomed in (or on hover), hidden below a readable size
        label: "data(plabel)",
        "font-size": 10,
        "min-zoomed-font-size": 13,
        color: "#323130",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": 1,
        "text-halign": "right",
        "text-margin-x": 2,
        "z-index": 20,
        "overlay-padding": 5,
      },
    },
    { selector: "node.jd-port-in", style: { "text-valign": "top" } },
    { selector: "node.jd-port-out", style: { "text-valign": "bottom" } },
    { selector: "node.jd-port.jd-hover", style: { "min-zoomed-font-size": 0, "font-size": 12, "z-index": 30 } },
    { selector: "node.jd-port-out", style: { "background-color": "#0078d4" } },
    { selector: "node.jd-port.jd-optional", style: { "border-style": "dashed" } },
    { selector: "node.jd-port.jd-connected", style: { "background-color": "#0078d4" } },
    { selector: "node.jd-port.eh-target, node.jd-port.eh-presumptive-target", style: { width: PORT_SIZE + 6, height: PORT_SIZE + 6, "border-width": 3 } },
    { selector: "node.jd-port.eh-source", style: { width: PORT_SIZE + 4, height: PORT_SIZE + 4 } },
    // edges
    {
      selector: "edge",
      style: {
        width: 2,
        "line-color": "#8a8886",
        "target-arrow-color": "#8a8886",
        "target-arrow-shape": "triangle",
        "arrow-scale": 0.8,
        "curve-style": "straight",
        "z-index": 5,
        "overlay-padding": 5,
      },
    },
    // a routed edge: corners from the router (see route.js), as segment weights/distances
    {
      selector: "edge.jd-routed",
      style: {
        "curve-style": "round-segments",
        "segment-radius": 8,
        "edge-distances": "node-position",
      },
    },
    { selector: "edge.jd-edge.jd-hover", style: { width: 3, "line-color": "#605e5c", "target-arrow-color": "#605e5c" } },
    {
      selector: "edge:selected",
      style: { width: 4, "line-color": "#0078d4", "target-arrow-color": "#0078d4", "underlay-color": "#0078d4",
               "underlay-opacity": 0.25, "underlay-padding": 5, "z-index": 8 },
    },
    { selector: "edge.jd-edge-pending, edge.eh-preview, edge.eh-ghost-edge", style: { "line-style": "dashed", "line-color": "#0078d4", "target-arrow-color": "#0078d4" } },
    { selector: "edge.eh-ghost-edge.eh-preview-active", style: { opacity: 0 } },
    { selector: ".jd-readonly node.jd-port-out", style: {} },
  ];
  for (const [type, colour] of Object.entries(PORT_COLOURS)) {
    s.push({ selector: `node.jd-port.jd-type-${type}`, style: { "border-color": colour } });
    s.push({ selector: `node.jd-port-out.jd-type-${type}, node.jd-port-in.jd-connected.jd-type-${type}`, style: { "background-color": colour } });
  }
  return s;
}
