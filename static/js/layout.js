// Pure layout: a layered left-to-right drawing of the graph (dagre, rankdir LR), inputs on the
// left and the output on the right. Returns positions and sizes; never touches the DOM. dagre is
// passed in (window.dagre in the page, the npm package under node), so this runs in tests.
//
//   const lay = layoutGraph(result, dagre);
//   lay.nodes.get("x")  // {id, x, y, width, height, kind, grid}   (x, y: the box's centre)
//   lay.edges[i]        // {index, key, points: [{x, y}, ...]}    (same order as result.edges)

import { shapeOf } from "./format.js";
import { edgeKey } from "./steps.js";

export const CELL_W = 56; // one number of a grid ("-0.00877", "4.39e-4" at 10.5px)
export const CELL_H = 14;
export const MAX_CELLS = 4; // rows and columns shown; the rest is "…"
const CHAR_W = 7.4; // ~13px system-ui, for sizing boxes around labels
const HEADER = 20;
const PAD = 6;

/** How a value is drawn: a number, or a grid of at most MAX_CELLS x MAX_CELLS numbers. */
export function gridOf(shape) {
  if (shape.length === 0) return null;
  const rows = shape.length === 2 ? shape[0] : 1;
  const cols = shape.length === 2 ? shape[1] : shape[0];
  return {
    rows, cols,
    // a vector is drawn as one row
    shownRows: Math.min(rows, MAX_CELLS),
    shownCols: Math.min(cols, MAX_CELLS),
  };
}

/** "gate" for an unnamed internal op with a number (a small box), "var" for the rest. */
export function kindOf(node) {
  const scalar = (node.shape ?? shapeOf(node.value)).length === 0;
  return node.inputs.length && !node.named && scalar ? "gate" : "var";
}

/** Box size of a node from its label and its value's shape. */
export function nodeSize(node) {
  const grid = gridOf(node.shape ?? shapeOf(node.value));
  const kind = kindOf(node);
  const title = kind === "gate" ? node.label : `${node.label}${node.label === node.op ? "" : "  " + opTag(node)}`;
  const titleW = title.length * CHAR_W + 2 * PAD + 4;
  let width, block;
  if (grid) {
    width = Math.max(titleW, grid.shownCols * CELL_W + (grid.cols > MAX_CELLS ? 14 : 0) + 2 * PAD + 18);
    block = grid.shownRows * CELL_H + (grid.rows > MAX_CELLS ? 10 : 0) + 4;
  } else if (kind === "gate") {
    // an unnamed op is a small box: its symbol, then value and gradient in small type
    return { width: Math.max(62, Math.ceil(titleW)), height: 54, grid: null, kind, block: 14 };
  } else {
    width = Math.max(titleW, 92);
    block = 16;
  }
  return { width: Math.ceil(width), height: HEADER + 2 * block + 2 * PAD, grid, kind, block };
}

/** The small op tag beside a label: "input", "σ", "×"... */
export function opTag(node) {
  if (node.op === "input") return node.role && node.role !== "input" ? node.role : "input";
  if (node.op === "const") return "const";
  return node.opSymbol ?? node.op;
}

// dagre's network-simplex ranker draws the tidiest columns but grows as ~n^2.4 (7 s at 1,000
// nodes, minutes or a stack overflow at 5,000: bench/page.py); longest-path is linear. The
// graphs people read node by node are far below the threshold.
export const NETWORK_SIMPLEX_MAX_NODES = 300;
export const rankerFor = (n) => (n <= NETWORK_SIMPLEX_MAX_NODES ? "network-simplex" : "longest-path");

/**
 * @param {import("./api.js").GraphResult} result
 * @param {any} dagre   the dagre module
 * @param {{symbols?: Map<string, string>}} [opts]  op name -> symbol, for the tags
 */
export function layoutGraph(result, dagre, opts = {}) {
  const symbols = opts.symbols ?? new Map();
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const network = result.nodes.some((n) => n.role);
  g.setGraph({
    rankdir: "LR",
    nodesep: network ? 24 : 30, // room for a fan-in sum under a box
    ranksep: network ? 64 : 120, // room for the edge labels between the columns
    edgesep: 12,
    marginx: 48, // a fan-in sum under a box may be wider than the box
    marginy: 24,
    ranker: rankerFor(result.nodes.length),
  });
  g.setDefaultEdgeLabel(() => ({}));
  // dagre keeps nodes in plain objects: an id like "__proto__" would break it, so it only ever
  // sees our own keys "n0", "n1"...
  const key = new Map(result.nodes.map((n, i) => [n.id, `n${i}`]));
  const sized = new Map();
  for (const node of result.nodes) {
    const n = { ...node, opSymbol: symbols.get(node.op) };
    const s = nodeSize(n);
    sized.set(node.id, s);
    g.setNode(key.get(node.id), { width: s.width, height: s.height });
  }
  const byId = new Map(result.nodes.map((n) => [n.id, n]));
  result.edges.forEach((e, i) => {
    // a weight or bias is drawn beside the connection it scales: a short, stiff edge
    const src = byId.get(e.source);
    const stiff = src && (src.role === "weight" || src.role === "bias" || src.role === "target");
    g.setEdge(key.get(e.source), key.get(e.target), { weight: stiff ? 4 : 1, minlen: 1 }, String(i));
  });
  dagre.layout(g);

  const nodes = new Map();
  for (const node of result.nodes) {
    const p = g.node(key.get(node.id));
    const s = sized.get(node.id);
    nodes.set(node.id, { id: node.id, x: p.x, y: p.y, width: s.width, height: s.height, kind: s.kind, grid: s.grid, block: s.block });
  }
  const edges = result.edges.map((e, i) => {
    const pe = g.edge(key.get(e.source), key.get(e.target), String(i));
    return { index: i, key: edgeKey(e), points: clipEnds(pe.points, nodes.get(e.source), nodes.get(e.target)) };
  });
  const gg = g.graph();
  return { nodes, edges, width: gg.width ?? 0, height: gg.height ?? 0 };
}

// dagre's end points sit on the box borders already; this only guards against degenerate input
// (a single point) so that the renderer can always draw a path.
function clipEnds(points, a, b) {
  if (points && points.length >= 2) return points.map((p) => ({ x: p.x, y: p.y }));
  return [{ x: a.x + a.width / 2, y: a.y }, { x: b.x - b.width / 2, y: b.y }];
}
