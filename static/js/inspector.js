// The inspector panel: a node's value, gradient, op formula and local derivatives (KaTeX from
// /api/ops), what flows in and out of it; an edge's "upstream × local = carried"; the numerical
// gradient check of a leaf.
//
//   showInspector(el, { result, selection, ops, onGradcheck })

import { fmt, fmtCompact, fmtShape, fmtSum, flat, isScalar, shapeOf } from "./format.js";
import { nodeById, outputName } from "./steps.js";
import { fillTemplate, partial, renderTex, texName } from "./tex.js";
import { h, clear } from "./dom.js";

const PATTERNS = new Map([
  ["add-distributes", "add distributes: each input receives the upstream gradient unchanged"],
  ["mul-swaps", "mul swaps: the local gradient is the other input's value"],
  ["max-routes", "max routes: the whole gradient goes to the larger input, the other gets 0"],
  ["fan-out", "fan-out: the source feeds several edges; its gradient is the sum of what they carry"],
]);

/** A value as a small table (or one number). */
export function valueView(v, cls = "") {
  if (v === null || v === undefined) return h("span", { class: "muted", text: "none (a constant: no input reaches it)" });
  if (isScalar(v)) return h("span", { class: `num ${cls}`, text: fmt(v) });
  const rows = Array.isArray(v[0]) ? v : [v];
  const table = h("table", { class: `matrix ${cls}` });
  for (const r of rows.slice(0, 8)) {
    const tr = h("tr");
    for (const x of r.slice(0, 8)) tr.append(h("td", { text: fmt(x) }));
    if (r.length > 8) tr.append(h("td", { text: "…" }));
    table.append(tr);
  }
  if (rows.length > 8) table.append(h("tr", {}, [h("td", { text: "⋮" })]));
  return table;
}

/** A number for KaTeX: 4.39e-4 as 4.39 \times 10^{-4}. */
function texNumber(x) {
  const [m, e] = fmt(x).split("e");
  return e === undefined ? m : `${m} \\times 10^{${e}}`;
}

function tex(tag, source, display = false) {
  const el = h(tag, { class: display ? "tex display" : "tex" });
  renderTex(el, source, { display });
  return el;
}

function row(name, content) {
  return h("div", { class: "kv" }, [h("dt", { text: name }), h("dd", {}, [content])]);
}

export function showInspector(el, { result, selection, ops, frame, onGradcheck, onExplain, canExplain }) {
  clear(el);
  if (!result || !selection) {
    el.append(h("p", { class: "muted", text: "Click a node or an edge (or focus one and press Enter)." }));
    return;
  }
  const nodes = nodeById(result);
  if (selection.kind === "node") {
    const n = nodes.get(selection.id);
    if (!n) return;
    nodeView(el, result, n, ops, frame, onGradcheck, onExplain, canExplain);
  } else {
    const e = result.edges[Number(selection.id)];
    if (!e) return;
    edgeView(el, result, e, ops);
  }
}

function nodeView(el, result, n, ops, frame, onGradcheck, onExplain, canExplain) {
  const nodes = nodeById(result);
  const out = texName(outputName(result));
  const name = texName(n.label);
  const op = ops.get(n.op);
  el.append(
    h("h3", { class: "insp-title" }, [
      h("span", { class: "insp-label", text: n.label }),
      h("span", { class: "tag", text: n.op === "input" ? (n.role ?? "input") : n.op }),
      n.group ? h("span", { class: "tag soft", text: n.group }) : null,
    ]),
  );
  if (n.label !== n.id) el.append(h("p", { class: "muted small", text: `id: ${n.id}` }));
  const dl = h("dl", { class: "kvs" });
  dl.append(row("shape", h("span", { text: fmtShape(n.shape ?? shapeOf(n.value)) })));
  dl.append(row("value", valueView(n.value)));
  const reached = !frame || frame.grads.includes(n.id);
  const gradLabel = h("span", {});
  renderTex(gradLabel, partial(out, name));
  dl.append(h("div", { class: "kv" }, [h("dt", {}, [gradLabel]), h("dd", {}, [reached ? valueView(n.grad, "grad") : h("span", { class: "muted", text: "not reached yet (play the backward pass)" })])]));
  el.append(dl);

  // the op: forward formula and the local derivative per input
  if (op) {
    const ins = n.inputs.map((i) => texName(nodes.get(i).label));
    el.append(h("h4", { text: "Operation" }));
    el.append(tex("div", `${name} = ${fillTemplate(op.latex, ins, name)}`, true));
    const locals = h("div", { class: "locals" });
    n.inputs.forEach((src, i) => {
      const d = op.dlatex[Math.min(i, op.dlatex.length - 1)];
      // with its number when the local gradient is one (the API sends it per edge)
      const e = result.edges.find((x) => x.target === n.id && x.slot === i);
      const num = e && isScalar(e.local_grad) ? ` = ${texNumber(e.local_grad)}` : "";
      locals.append(tex("div", `${partial(name, ins[i])} = ${fillTemplate(d, ins, name)}${num}`, true));
    });
    el.append(locals);
    if (op.note) el.append(h("p", { class: "note small", text: op.note }));
  }

  // fan-in of the gradient: what each use sends back
  const outs = result.edges.filter((e) => e.source === n.id && e.grad != null);
  if (outs.length && n.grad != null) {
    el.append(h("h4", { text: outs.length > 1 ? `Gradient: the sum over ${outs.length} uses` : "Gradient" }));
    const list = h("ul", { class: "contribs" });
    for (const e of outs) {
      const t = nodes.get(e.target);
      list.append(h("li", {}, [h("span", { text: `from ${t.named ? t.label : `${t.label} (${t.id})`}: ` }), h("span", { class: "num grad", text: fmtCompact(e.grad, 4, 4) })]));
    }
    el.append(list);
    if (outs.length > 1 && outs.every((e) => isScalar(e.grad))) el.append(h("p", { class: "num sum", text: fmtSum(outs.map((e) => e.grad), n.grad) }));
  }

  if (n.inputs.length === 0 && n.grad != null && onGradcheck) {
    const box = h("div", { class: "gradcheck" });
    const btn = h("button", { type: "button", class: "btn small", text: "Check numerically" });
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      clear(box).append(btn, h("span", { class: "muted small", text: " computing central differences…" }));
      try {
        const c = await onGradcheck(n.id);
        clear(box).append(gradcheckView(c));
      } catch (err) {
        clear(box).append(btn, h("p", { class: "error-message", text: err.message }));
        btn.disabled = false;
      }
    });
    box.append(btn, h("span", { class: "muted small", text: " compare with (f(x+h) − f(x−h)) / 2h" }));
    el.append(box);
  }
  if (n.role === "weight" && onExplain && canExplain) {
    el.append(h("button", { type: "button", class: "btn small", text: `Show the chain rule for ${n.label}`, on: { click: () => onExplain(n.id) } }));
  }
}

export function gradcheckView(c) {
  if (!c) return h("p", { class: "muted", text: "No check was returned for this input." });
  const ok = c.rel_error !== null && c.rel_error < 1e-4;
  return h("div", { class: "gc" }, [
    h("dl", { class: "kvs" }, [
      row("analytic", valueView(c.analytic)),
      row("numeric", valueView(c.numeric)),
      row("rel. error", h("span", { class: `num ${ok ? "ok" : "bad"}`, text: c.rel_error === null ? "n/a" : c.rel_error.toExponential(1) })),
    ]),
    h("p", { class: ok ? "ok" : "bad", text: ok ? "✓ backprop agrees with central differences" : "✗ they disagree (a kink nearby?)" }),
  ]);
}

function edgeView(el, result, e, ops) {
  const nodes = nodeById(result);
  const src = nodes.get(e.source);
  const tgt = nodes.get(e.target);
  const out = texName(outputName(result));
  const a = texName(src.label);
  const y = texName(tgt.label);
  el.append(h("h3", { class: "insp-title" }, [h("span", { class: "insp-label", text: `${src.label} → ${tgt.label}` }), h("span", { class: "tag", text: `input ${e.slot}` })]));
  const dl = h("dl", { class: "kvs" });
  dl.append(row("upstream", valueView(tgt.grad, "grad")));
  dl.append(row("local", e.local_grad === null ? h("span", { class: "muted", text: "a Jacobian (not elementwise): the API sends the product only" }) : valueView(e.local_grad)));
  dl.append(row("carried", valueView(e.grad, "grad")));
  el.append(dl);
  el.append(tex("div", `${partial(out, a)} \\mathrel{+}= ${partial(out, y)} \\cdot ${partial(y, a)}`, true));
  if (isScalar(tgt.grad) && isScalar(e.local_grad) && isScalar(e.grad)) {
    el.append(h("p", { class: "num eq", text: `${fmt(tgt.grad)} × ${fmt(e.local_grad)} = ${fmt(e.grad)}` }));
  } else if (e.grad != null && flat(e.grad).length > 1) {
    el.append(h("p", { class: "muted small", text: "The carried gradient has the source's shape (vector-Jacobian product)." }));
  }
  const op = ops.get(tgt.op);
  if (op) {
    const ins = tgt.inputs.map((i) => texName(nodes.get(i).label));
    el.append(tex("div", `${partial(y, a)} = ${fillTemplate(op.dlatex[Math.min(e.slot, op.dlatex.length - 1)], ins, y)}`, true));
  }
  if (e.patterns.length) {
    const ul = h("ul", { class: "patterns" });
    for (const p of e.patterns) ul.append(h("li", {}, [h("span", { class: `badge p-${p}`, text: p }), h("span", { text: ` ${PATTERNS.get(p) ?? ""}` })]));
    el.append(ul);
  }
}
