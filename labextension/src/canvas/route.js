// Orthogonal edge routes around node boxes.
//
// Every edge leaves its output port straight down and enters its input port straight down;
// in between it follows horizontal and vertical lines that keep a margin from every node
// box, found by A* on a sparse grid made of the boxes' (widened) sides, the gaps' middles
// and the ports' columns. A bend costs extra, so routes are short and have few corners.
// The same router serves laid-out and hand-dragged pipelines: routes are recomputed after
// every change of nodes, edges or positions.

export const MARGIN = 14;
const BEND = 40;

function uniqSorted(values) {
  const s = [...new Set(values.map((v) => Math.round(v * 10) / 10))].sort((a, b) => a - b);
  return s;
}

// The middles of consecutive coordinates, so that routes run in the middle of channels.
function withMiddles(sorted) {
  const out = [];
  for (let i = 0; i < sorted.length; i++) {
    out.push(sorted[i]);
    if (i + 1 < sorted.length && sorted[i + 1] - sorted[i] > 2 * MARGIN) out.push((sorted[i] + sorted[i + 1]) / 2);
  }
  return out;
}

class Heap {
  constructor() { this.a = []; }
  get size() { return this.a.length; }
  push(item) {
    const a = this.a;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p][0] <= a[i][0]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop() {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && a[l][0] < a[m][0]) m = l;
        if (r < a.length && a[r][0] < a[m][0]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

// boxes: [{id, x1, y1, x2, y2}]; edges: [{id, s: {x, y}, t: {x, y}}] where s is an output
// port on a box's bottom side and t an input port on a box's top side.
// Returns Map(edge id -> [{x, y}, ...]): the whole polyline, from s to t, corners only.
export function routeEdges(boxes, edges) {
  const result = new Map();
  if (!edges.length) return result;
  const m = MARGIN;
  const inflated = boxes.map((b) => ({ x1: b.x1 - m, y1: b.y1 - m, x2: b.x2 + m, y2: b.y2 + m }));
  const xsRaw = [], ysRaw = [];
  for (const b of inflated) { xsRaw.push(b.x1, b.x2); ysRaw.push(b.y1, b.y2); }
  for (const e of edges) {
    xsRaw.push(e.s.x, e.t.x);
    ysRaw.push(e.s.y + m, e.t.y - m);
  }
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const v of xsRaw) { minX = Math.min(minX, v); maxX = Math.max(maxX, v); }
  for (const v of ysRaw) { minY = Math.min(minY, v); maxY = Math.max(maxY, v); }
  // a frame around everything, so a route can always go round
  xsRaw.push(minX - 2 * m, maxX + 2 * m);
  ysRaw.push(minY - 2 * m, maxY + 2 * m);
  const xs = withMiddles(uniqSorted(xsRaw));
  const ys = withMiddles(uniqSorted(ysRaw));
  // lines hugging a box cost a little more: routes prefer the middle of a channel
  const xHug = new Set(inflated.flatMap((b) => [b.x1, b.x2]).map((v) => Math.round(v * 10) / 10));
  const yHug = new Set(inflated.flatMap((b) => [b.y1, b.y2]).map((v) => Math.round(v * 10) / 10));
  const hugX = xs.map((v) => xHug.has(Math.round(v * 10) / 10));
  const hugY = ys.map((v) => yHug.has(Math.round(v * 10) / 10));
  const nx = xs.length, ny = ys.length;
  const inside = (x, y) => {
    for (const b of inflated) if (x > b.x1 + 0.01 && x < b.x2 - 0.01 && y > b.y1 + 0.01 && y < b.y2 - 0.01) return true;
    return false;
  };
  // blocked grid points and blocked steps to the right / downwards
  const blocked = new Uint8Array(nx * ny);
  const hBlocked = new Uint8Array(nx * ny);
  const vBlocked = new Uint8Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      blocked[k] = inside(xs[i], ys[j]) ? 1 : 0;
      if (i + 1 < nx) hBlocked[k] = inside((xs[i] + xs[i + 1]) / 2, ys[j]) ? 1 : 0;
      if (j + 1 < ny) vBlocked[k] = inside(xs[i], (ys[j] + ys[j + 1]) / 2) ? 1 : 0;
    }
  }
  const xi = new Map(xs.map((v, i) => [Math.round(v * 10) / 10, i]));
  const yi = new Map(ys.map((v, i) => [Math.round(v * 10) / 10, i]));
  const idx = (map, v) => map.get(Math.round(v * 10) / 10);
  // usage of grid steps by routes already found: a small cost keeps routes apart
  const used = new Float32Array(nx * ny * 2);

  for (const e of edges) {
    const si = idx(xi, e.s.x), sj = idx(yi, e.s.y + m);
    const ti = idx(xi, e.t.x), tj = idx(yi, e.t.y - m);
    let path = null;
    if (si !== undefined && sj !== undefined && ti !== undefined && tj !== undefined) {
      path = astar(si, sj, ti, tj);
    }
    const pts = [{ x: e.s.x, y: e.s.y }];
    if (path) {
      for (const [i, j] of path) pts.push({ x: xs[i], y: ys[j] });
    } else {
      // no way round (e.g. overlapping nodes): a plain orthogonal route
      const midY = (e.s.y + e.t.y) / 2;
      pts.push({ x: e.s.x, y: midY }, { x: e.t.x, y: midY });
    }
    pts.push({ x: e.t.x, y: e.t.y });
    const corners = simplify(pts);
    result.set(e.id, corners);
    if (path) {
      for (let k = 1; k < path.length; k++) {
        const [i0, j0] = path[k - 1], [i1, j1] = path[k];
        const i = Math.min(i0, i1), j = Math.min(j0, j1);
        used[(j * nx + i) * 2 + (j0 === j1 ? 0 : 1)] += 1;
      }
    }
  }
  return result;

  function astar(si, sj, ti, tj) {
    // state: (grid point, direction 0 = horizontal, 1 = vertical); the route starts and
    // ends going vertically (out of and into a port)
    const N = nx * ny;
    const dist = new Float64Array(N * 2).fill(Infinity);
    const prev = new Int32Array(N * 2).fill(-1);
    const start = (sj * nx + si) * 2 + 1;
    const goalK = tj * nx + ti;
    dist[start] = 0;
    const heap = new Heap();
    const h = (i, j) => Math.abs(xs[i] - xs[ti]) + Math.abs(ys[j] - ys[tj]);
    heap.push([h(si, sj), start]);
    let found = -1;
    while (heap.size) {
      const [f, s] = heap.pop();
      const k = s >> 1, dir = s & 1;
      const g = dist[s];
      if (f - h(k % nx, (k / nx) | 0) > g + 1e-6) continue;
      if (k === goalK) {
        if (dir === 1) { found = s; break; }
        const s2 = k * 2 + 1;
        if (g + BEND < dist[s2]) { dist[s2] = g + BEND; prev[s2] = s; heap.push([g + BEND, s2]); }
        continue;
      }
      const i = k % nx, j = (k / nx) | 0;
      const steps = [];
      if (i + 1 < nx && !hBlocked[k]) steps.push([i + 1, j, 0, used[k * 2]]);
      if (i > 0 && !hBlocked[k - 1]) steps.push([i - 1, j, 0, used[(k - 1) * 2]]);
      if (j + 1 < ny && !vBlocked[k]) steps.push([i, j + 1, 1, used[k * 2 + 1]]);
      if (j > 0 && !vBlocked[k - nx]) steps.push([i, j - 1, 1, used[(k - nx) * 2 + 1]]);
      for (const [i2, j2, d2, u] of steps) {
        const k2 = j2 * nx + i2;
        if (blocked[k2] && k2 !== goalK) continue;
        const len = Math.abs(xs[i2] - xs[i]) + Math.abs(ys[j2] - ys[j]);
        const hug = d2 === 0 ? hugY[j] : hugX[i];
        const cost = g + len * (1 + 0.15 * Math.min(u, 4) + (hug ? 0.2 : 0)) + (d2 !== dir ? BEND : 0);
        const s2 = k2 * 2 + d2;
        if (cost < dist[s2] - 1e-9) {
          dist[s2] = cost;
          prev[s2] = s;
          heap.push([cost + h(i2, j2), s2]);
        }
      }
    }
    if (found < 0) return null;
    const out = [];
    for (let s = found; s >= 0; s = prev[s]) {
      const k = s >> 1;
      const p = [k % nx, (k / nx) | 0];
      if (!out.length || out[out.length - 1][0] !== p[0] || out[out.length - 1][1] !== p[1]) out.push(p);
      if (s === start) break;
    }
    return out.reverse();
  }
}

// Drop repeated and collinear points of an orthogonal polyline.
export function simplify(pts) {
  const out = [];
  for (const p of pts) {
    const last = out[out.length - 1];
    if (last && Math.abs(last.x - p.x) < 0.05 && Math.abs(last.y - p.y) < 0.05) continue;
    out.push({ x: p.x, y: p.y });
    while (out.length >= 3) {
      const [a, b, c] = out.slice(-3);
      const collinear = (Math.abs(a.x - b.x) < 0.05 && Math.abs(b.x - c.x) < 0.05) ||
        (Math.abs(a.y - b.y) < 0.05 && Math.abs(b.y - c.y) < 0.05);
      if (!collinear) break;
      out.splice(out.length - 2, 1);
    }
  }
  return out;
}

// Cytoscape "segments" edges place their corners relative to the line between the two
// ends: a weight along it and a distance across it.
export function segmentStyle(points) {
  const s = points[0], t = points[points.length - 1];
  const dx = t.x - s.x, dy = t.y - s.y;
  const len2 = dx * dx + dy * dy;
  const corners = points.slice(1, -1);
  if (!corners.length || len2 < 1e-6) return null;
  const len = Math.sqrt(len2);
  const nX = -dy / len, nY = dx / len;
  const weights = [], distances = [];
  for (const p of corners) {
    const px = p.x - s.x, py = p.y - s.y;
    weights.push(((px * dx + py * dy) / len2).toFixed(4));
    distances.push((px * nX + py * nY).toFixed(2));
  }
  return { weights: weights.join(" "), distances: distances.join(" ") };
}
