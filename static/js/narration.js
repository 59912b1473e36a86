// The sentence under the controls: what the current frame does, in words and numbers.
// `describe` is pure (tested under node); `showNarration` writes it with textContent.
//
//   describe(result, script, frame) -> {title: "Backward 3/9", parts: [{text, kind}]}

import { fmt, fmtCompact, fmtSum, fmtTerm, isScalar } from "./format.js";
import { nodeById, arrivals, outputName } from "./steps.js";
import { h, clear } from "./dom.js";
import { fillTemplate, renderTex, texName } from "./tex.js";

const MAX_ITEMS = 5;

const INFIX = new Set(["add", "sub", "mul", "div", "pow"]);

// the course's gate patterns, as the API tags the edges
const PATTERN_WORDS = new Map([
  ["add-distributes", "add distributes: every input gets the upstream gradient unchanged"],
  ["mul-swaps", "mul swaps: each input's local gradient is the other input"],
  ["max-routes", "max routes: the whole gradient goes to the larger input, the other gets 0"],
]);

/** "dot = 4 + (-3) = 1", "f = σ(1) = 0.7311": a forward step with its numbers (scalars only). */
export function forwardText(result, id, symbols = new Map()) {
  const nodes = nodeById(result);
  const n = nodes.get(id);
  const name = n.named ? n.label : `${n.label} (${n.id})`;
  const ins = n.inputs.map((i) => nodes.get(i).value);
  const sym = symbols.get(n.op) ?? n.label;
  if (!n.inputs.length || !ins.every(isScalar) || !isScalar(n.value)) return `${name} = ${fmtCompact(n.value, 4, 4)}`;
  const args = ins.map((v, i) => (i === 0 ? fmt(v) : fmtTerm(v)));
  const expr = INFIX.has(n.op) ? args.join(` ${sym} `) : `${sym}(${ins.map((v) => fmt(v)).join(", ")})`;
  return `${name} = ${expr} = ${fmt(n.value)}`;
}

/** A number for KaTeX: 4.39e-4 as 4.39 \times 10^{-4}, negatives in parentheses. */
function texNum(x) {
  const [m, e] = fmt(x).split("e");
  const t = e === undefined ? m : `${m} \\times 10^{${e}}`;
  return x < 0 ? `(${t})` : t;
}

/**
 * The local derivative of an edge as the op's formula with its number, then the chain rule:
 *   "\partial o_1/\partial z_3 = o_1(1 - o_1) = 0.1868,\; 0.7414 \times 0.1868 = 0.1385"
 * (null where the op or a number is missing: the plain text is shown instead).
 */
export function edgeTex(result, e, ops) {
  const nodes = nodeById(result);
  const t = nodes.get(e.target);
  const up = t.grad;
  const op = ops && ops.get(t.op);
  if (!op || !isScalar(up) || !isScalar(e.local_grad) || !isScalar(e.grad)) return null;
  const ins = t.inputs.map((i) => texName(nodes.get(i).label));
  const y = t.named ? texName(t.label) : "y";
  const local = fillTemplate(op.dlatex[Math.min(e.slot, op.dlatex.length - 1)], ins, y);
  const lhs = t.named ? `\\partial ${y} / \\partial ${ins[e.slot]} = ` : "";
  return `${lhs}${local} = ${texNum(e.local_grad)},\\quad ${texNum(up)} \\times ${texNum(e.local_grad)} = ${texNum(e.grad)}`;
}

export function describe(result, script, frame, symbols = new Map(), ops = null) {
  const nodes = nodeById(result);
  // an unnamed gate is called by its symbol and id: "× (mul#1)"
  const label = (id) => {
    const n = nodes.get(id);
    return n.named || !n.inputs.length ? n.label : `${n.label} (${n.id})`;
  };
  const out = outputName(result);
  const d = (id) => `∂${out}/∂${label(id)}`;
  const B = script.steps.length;
  if (frame.phase === "idle") {
    return { title: "Ready", parts: [{ text: `The inputs are set. Play (Space) runs the forward pass left to right, then sends the gradient of ${out} back to every input, one chain-rule step at a time.` }] };
  }
  if (frame.phase === "forward") {
    const ids = frame.level ?? [];
    const items = ids.slice(0, MAX_ITEMS).map((id) => forwardText(result, id, symbols));
    if (ids.length > MAX_ITEMS) items.push(`… ${ids.length - MAX_ITEMS} more`);
    return { title: `Forward ${frame.k}/${script.forwardFrames}`, parts: [{ text: "Computing " }, { text: items.join(";  "), kind: "num" }] };
  }
  const cur = frame.current;
  if (frame.phase === "done" && (frame.arrived || !cur)) {
    // the summary: the gradient of every input
    const leaves = result.forward_order.filter((id) => nodes.get(id).op === "input");
    const items = leaves.slice(0, 6).map((id) => `${d(id)} = ${fmtCompact(nodes.get(id).grad, 4, 3)}`);
    if (leaves.length > 6) items.push(`… ${leaves.length - 6} more (click a node)`);
    if (!leaves.some((id) => nodes.get(id).grad != null)) {
      return { title: "Done", parts: [{ text: `No input reaches ${out}: it is a constant, and there is nothing to differentiate.` }] };
    }
    const parts = [{ text: "Every gradient has arrived: " }, { text: items.join(";  "), kind: "grad" }];
    if (result.seeded_with_ones) parts.push({ text: ` (${out} is not a number: these are the gradients of the sum of its entries)`, kind: "note" });
    return { title: `Done ${B}/${B}`, parts };
  }
  if (!cur) return { title: "Done", parts: [] };
  const n = nodes.get(cur.node);
  const parts = [];
  const fired = new Set(frame.fired);
  cur.edges.forEach((i) => fired.add(i));
  const got = arrivals(result, fired).get(cur.node) ?? [];
  if (cur.index === 0) {
    parts.push({ text: `Start at the output: ${d(cur.node)} = ` }, { text: fmtCompact(n.grad, 4, 4), kind: "grad" });
    if (result.seeded_with_ones) parts.push({ text: " (the output is not a number: we differentiate the sum of its entries)" });
  } else {
    parts.push({ text: `${d(cur.node)} is complete` });
    if (got.length > 1 && got.every((i) => isScalar(result.edges[i].grad))) {
      const terms = [...got].sort((a, b) => a - b).map((i) => result.edges[i].grad);
      parts.push({ text: `: the sum over its ${got.length} uses, ` }, { text: fmtSum(terms, n.grad), kind: "grad" });
    } else {
      parts.push({ text: " = " }, { text: fmtCompact(n.grad, 4, 4), kind: "grad" });
    }
  }
  if (cur.edges.length) {
    parts.push({ text: `. Chain rule into its input${cur.edges.length > 1 ? "s" : ""}: ` });
    cur.edges.slice(0, MAX_ITEMS).forEach((i, j) => {
      const e = result.edges[i];
      const eq = isScalar(n.grad) && isScalar(e.local_grad) ? `${fmt(n.grad)} × ${fmt(e.local_grad)} = ${fmt(e.grad)}` : fmtCompact(e.grad, 3, 4);
      parts.push({ text: `${j ? ";  " : ""}${label(e.source)} gets ` }, { text: eq, kind: "num", tex: edgeTex(result, e, ops) });
    });
    if (cur.edges.length > MAX_ITEMS) parts.push({ text: `; … ${cur.edges.length - MAX_ITEMS} more` });
    const pattern = result.edges[cur.edges[0]].patterns.find((p) => PATTERN_WORDS.has(p));
    if (pattern) parts.push({ text: ` (${PATTERN_WORDS.get(pattern)})`, kind: "note" });
  }
  return { title: `Backward ${cur.index + 1}/${B}`, parts };
}

export function showNarration(el, result, script, frame, symbols, ops) {
  clear(el);
  if (!result || !script) return;
  const { title, parts } = describe(result, script, frame, symbols, ops);
  el.append(h("strong", { class: "n-title", text: title }));
  for (const p of parts) {
    if (p.tex && globalThis.katex) {
      // the local derivative's formula and the chain-rule product, typeset
      const span = h("span", { class: "n-tex" });
      renderTex(span, p.tex);
      el.append(span);
    } else {
      el.append(p.kind ? h("span", { class: `n-${p.kind}`, text: p.text }) : document.createTextNode(p.text));
    }
  }
}
