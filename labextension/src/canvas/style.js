// Cytoscape stylesheet of the pipeline canvas.
//
// Node sizes match the engine's layout constants (engine/pipeline.py NODE_W, NODE_H), so
// free-spot placement and auto-layout computed in Python look right in the browser.

export const NODE_W = 220;
export const NODE_H = 60;
export const PORT_SIZE = 11;

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
        "text-max-width": NODE_W - 24,
        "text-valign": "center",
        "text-halign": "center",
        "font-family": "Segoe UI, Helvetica Neue, Arial, sans-serif",
        "font-size": 12,
        "line-height": 1.25,
        color: "#201f1e",
        "z-index": 10,
        "overlay-padding": 4,
      },
    },
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
        label: "",
        "z-index": 20,
        "overlay-padding": 5,
      },
    },
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
        "curve-style": "taxi",
        "taxi-direction": "vertical",
        "taxi-turn": "50%",
        "taxi-turn-min-distance": 8,
        "z-index": 5,
      },
    },
    { selector: "edge:selected", style: { width: 3, "line-color": "#0078d4", "target-arrow-color": "#0078d4" } },
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
