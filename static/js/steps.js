// The animation's script, derived from the API's result and nothing else (pure; no DOM).
//
// Frames: 0 is "idle" (the leaves' values are shown); frames 1..D reveal the forward pass one
// depth level at a time, left to right; then one frame per backward step. A backward step
// belongs to a non-leaf node N of `backward_order`: N's gradient is complete (every node that
// uses N came earlier in the order), so it is finalized, and the edges INTO N fire, carrying
// "grad(N) x local = carried" back to N's inputs. Leaves that follow N in `backward_order` are
// folded into N's step and finalized after the pulses arrive: all their contributions have then
// arrived too. Gradients are therefore revealed exactly in `backward_order`.
//
//   const script = buildScript(result);
//   const f = frameAt(script, script.frames);        // everything shown: phase "done"

/** @typedef {import("./api.js").GraphResult} GraphResult */

/** A stable key for an edge: a target's input slot is unique. */
export function edgeKey(e) {
  return JSON.stringify([e.target, e.slot]);
}

/** Depth of every node: leaves 0, otherwise 1 + the deepest input. */
export function depths(result) {
  const depth = new Map();
  for (const id of result.forward_order) {
    const node = nodeById(result).get(id);
    const d = node.inputs.length ? 1 + Math.max(...node.inputs.map((i) => depth.get(i) ?? 0)) : 0;
    depth.set(id, d);
  }
  return depth;
}

const nodeMaps = new WeakMap();
/** Map id -> node for a result (memoized per result object). */
export function nodeById(result) {
  let m = nodeMaps.get(result);
  if (!m) {
    m = new Map(result.nodes.map((n) => [n.id, n]));
    nodeMaps.set(result, m);
  }
  return m;
}

/**
 * @param {GraphResult} result
 * @returns {{levels: string[][], steps: {node: string, edges: number[], leaves: string[]}[],
 *            frames: number, forwardFrames: number, depth: Map<string, number>}}
 */
export function buildScript(result) {
  const depth = depths(result);
  const maxDepth = Math.max(0, ...depth.values());
  const levels = Array.from({ length: maxDepth + 1 }, () => []);
  for (const id of result.forward_order) levels[depth.get(id)].push(id);

  const nodes = nodeById(result);
  const into = new Map(); // target -> edge indices, in slot order
  result.edges.forEach((e, i) => {
    if (e.grad === null || e.grad === undefined) return; // nothing flows to a constant
    if (!into.has(e.target)) into.set(e.target, []);
    into.get(e.target).push(i);
  });
  const steps = [];
  for (const id of result.backward_order) {
    const isLeaf = nodes.get(id).inputs.length === 0;
    if (isLeaf && steps.length) steps[steps.length - 1].leaves.push(id);
    else steps.push({ node: id, edges: isLeaf ? [] : into.get(id) ?? [], leaves: [] });
  }
  return { levels, steps, forwardFrames: maxDepth, frames: maxDepth + steps.length, depth };
}

/** "idle" | "forward" | "backward" | "done" for frame k. */
export function phaseAt(script, k) {
  if (k >= script.frames) return "done";
  if (k === 0) return "idle";
  return k <= script.forwardFrames ? "forward" : "backward";
}

/**
 * What is visible at frame k. With `arrived: false` the current step's edges are still in
 * flight (the moment before the pulses land): their sources have not received them yet.
 * @returns {{k: number, phase: string, values: Set<string>, grads: string[], gradStep: Map<string, number>,
 *   fired: Set<number>, partial: Map<string, number[]>, current: null | {node: string, edges: number[], leaves: string[], index: number},
 *   level: string[] | null}}
 */
export function frameAt(script, k, { arrived = true } = {}) {
  k = Math.max(0, Math.min(script.frames, k));
  const values = new Set();
  const fwdShown = Math.min(k, script.forwardFrames);
  for (let d = 0; d <= fwdShown; d++) for (const id of script.levels[d]) values.add(id);
  const level = k >= 1 && k <= script.forwardFrames ? script.levels[k] : null;

  const grads = []; // finalized, in order
  const gradStep = new Map();
  const fired = new Set();
  const nBack = Math.max(0, k - script.forwardFrames);
  for (let s = 0; s < nBack; s++) {
    const step = script.steps[s];
    const last = s === nBack - 1;
    grads.push(step.node);
    gradStep.set(step.node, s);
    if (last && !arrived) continue;
    for (const e of step.edges) fired.add(e);
    for (const leaf of step.leaves) {
      grads.push(leaf);
      gradStep.set(leaf, s);
    }
  }
  const current = nBack > 0 ? { ...script.steps[nBack - 1], index: nBack - 1 } : null;
  return { k, phase: phaseAt(script, k), arrived, values, grads, gradStep, fired, level, current };
}

/** The contributions that have arrived at each node (edge indices), for the running sums. */
export function arrivals(result, fired) {
  const m = new Map();
  for (const i of fired) { // a Set keeps insertion order: the order they fired
    const src = result.edges[i].source;
    if (!m.has(src)) m.set(src, []);
    m.get(src).push(i);
  }
  return m;
}

/** What the output is called in "∂out/∂x": its name, or "f" for an unnamed expression. */
export function outputName(result) {
  const n = nodeById(result).get(result.output);
  return n && n.named ? n.label : "f";
}
