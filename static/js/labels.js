// The words and numbers written on the graph (pure: no DOM, tested under node): the
// carried-gradient label of an edge, "upstream × local = carried" while it fires, the running
// and the complete fan-in sums, an edge's tooltip.
//
//   equationText(result, edge)   -> "-4 × 1 = -4"
//   sumText(result, [i, j], 7)   -> "3 + 3 + 1 = 7"

import { fmt, fmtCompact, fmtSum, flat, isScalar, shapeOf } from "./format.js";
import { nodeById } from "./steps.js";

export function partialText(result, got, total) {
  const terms = got.map((i) => result.edges[i].grad);
  if (got.length >= total) return terms.every(isScalar) ? `${terms.map((t) => fmt(t)).join(" + ")} ✓` : "all arrived ✓";
  if (terms.every(isScalar)) return `${terms.map((t) => fmt(t)).join(" + ")} + … (${got.length}/${total})`;
  return `${got.length} of ${total} arrived`;
}

export function sumText(result, got, grad) {
  // the complete sum reads in the graph's order (the seed's dE_o1/dh1 + dE_o2/dh1)
  const terms = [...got].sort((a, b) => a - b).map((i) => result.edges[i].grad);
  if (terms.every(isScalar)) return fmtSum(terms, grad);
  return `sum of ${terms.length} contributions`;
}

export function edgeTitle(result, e) {
  const name = (id) => nodeById(result).get(id).label;
  const local = e.local_grad == null ? "" : `, local gradient ${fmtCompact(e.local_grad, 4, 4)}`;
  const carried = e.grad == null ? "carries no gradient (a constant)" : `carries ${fmtCompact(e.grad, 4, 4)} back`;
  return `${name(e.source)} → ${name(e.target)} (input ${e.slot})${local}; ${carried}`;
}

/** "upstream × local = carried" for an edge (numbers), or a shorter line for arrays. */
export function equationText(result, e) {
  const up = nodeById(result).get(e.target).grad;
  if (isScalar(up) && isScalar(e.local_grad) && isScalar(e.grad)) return `${fmt(up)} × ${fmt(e.local_grad)} = ${fmt(e.grad)}`;
  if (e.local_grad != null && flat(e.local_grad).length <= 2 && flat(up).length <= 2) return `${fmtCompact(up, 3)} ⊙ ${fmtCompact(e.local_grad, 3)} = ${fmtCompact(e.grad, 3)}`;
  return `vjp → ${edgeText(e.grad)}`;
}

/** The carried gradient on an edge: a number, a short vector, or the shape of a bigger array
 * (its numbers are in the source node's grid and in the inspector). */
export function edgeText(g) {
  if (isScalar(g)) return fmt(g);
  const n = flat(g).length;
  if (n <= 2) return fmtCompact(g, 3);
  return `∇ ${shapeOf(g).join("×")}`;
}
