// Auto-layout with ELK's layered algorithm (elkjs, bundled; runs without a web worker):
// layers top to bottom, ports kept where the canvas draws them (so their order holds).

import ELK from "elkjs/lib/elk.bundled.js";

let elk = null;

// nodes: [{id, inputs: [{id, x}], outputs: [{id, x}]}] with port x relative to the node's
// left side; edges: [{id, source, target}] between port ids. Resolves to
// Map(node id -> {x, y}) of node centres, the first layer's top at y = 0.
export async function layeredLayout(nodes, edges, width, height) {
  if (!elk) elk = new ELK();
  const graph = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
      "elk.spacing.nodeNode": "50",
      "elk.layered.spacing.edgeNodeBetweenLayers": "20",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
      "elk.separateConnectedComponents": "true",
      "elk.spacing.componentComponent": "60",
    },
    children: nodes.map((n) => ({
      id: n.id,
      width,
      height,
      layoutOptions: { "elk.portConstraints": "FIXED_POS" },
      ports: [
        ...n.inputs.map((p) => ({ id: p.id, x: p.x - 1, y: -1, width: 2, height: 2,
                                  layoutOptions: { "elk.port.side": "NORTH" } })),
        ...n.outputs.map((p) => ({ id: p.id, x: p.x - 1, y: height - 1, width: 2, height: 2,
                                   layoutOptions: { "elk.port.side": "SOUTH" } })),
      ],
    })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const out = await elk.layout(graph);
  const pos = new Map();
  for (const c of out.children || []) {
    pos.set(c.id, { x: Math.round((c.x + width / 2) * 10) / 10, y: Math.round((c.y + height / 2) * 10) / 10 });
  }
  return pos;
}
