// The chain-rule derivation of one weight, written as the seed writes it: every factor with its
// number, the product per path, the sum over paths, and the update w+ = w − α·∂E/∂w.
//
//   showDerivation(el, "w1", result.derivations.w1)

import { fmt, fmtCompact, fmtTerm, isScalar } from "./format.js";
import { renderTex } from "./tex.js";
import { h, clear } from "./dom.js";

// factors of array-valued paths may be arrays, or null where only the vector-Jacobian product exists
const show = (v) => (v === null || v === undefined ? "—" : isScalar(v) ? fmt(v) : fmtCompact(v, 4, 4));

function tex(source, display = true) {
  const el = h(display ? "div" : "span", { class: display ? "tex display" : "tex" });
  renderTex(el, source, { display });
  return el;
}

/** @param {HTMLElement} el @param {string} name @param {import("./api.js").Derivation|null} d */
export function showDerivation(el, name, d, { loading = false, error = null, onPath = () => {} } = {}) {
  clear(el);
  if (loading) return el.append(h("p", { class: "muted", text: `Deriving ∂E/∂${name}…` }));
  if (error) return el.append(h("p", { class: "error-message", text: error }));
  if (!d) return el.append(h("p", { class: "muted", text: "Click a weight (w1, w5…) to see its chain rule." }));
  el.append(h("h3", { class: "insp-title" }, [h("span", { class: "insp-label", text: name })]));
  const paths = Array.isArray(d.paths) ? d.paths : [];
  if (d.symbol) el.append(tex(`${d.symbol} = ${paths.length > 1 ? "\\sum_{\\text{paths}} \\prod \\text{factors}" : "\\prod \\text{factors}"}`));
  paths.forEach((p, i) => {
    // pointing at (or focusing) a path marks it on the graph
    const box = h("div", { class: "path", tabindex: "0", "aria-label": `Path ${i + 1}: ${(p.stops ?? []).join(" ← ")}` });
    const mark = () => onPath(p.stops ?? null);
    const unmark = () => onPath(null);
    box.addEventListener("mouseenter", mark);
    box.addEventListener("mouseleave", unmark);
    box.addEventListener("focus", mark);
    box.addEventListener("blur", unmark);
    const route = (p.stops ?? []).join(" → ");
    box.append(h("h4", { text: paths.length > 1 ? `Path ${i + 1} of ${paths.length}` : "The path" }, [route ? h("span", { class: "route", text: `  ${route}` }) : null]));
    const table = h("table", { class: "factors" });
    for (const f of p.factors ?? []) {
      const sym = h("td", { class: "f-sym" });
      renderTex(sym, String(f.symbol ?? ""));
      const formula = h("td", { class: "f-formula" });
      renderTex(formula, String(f.formula ?? ""));
      table.append(h("tr", {}, [sym, h("td", { class: "eq", text: "=" }), formula, h("td", { class: "eq", text: "=" }), h("td", { class: "num", text: show(f.value) })]));
    }
    box.append(table);
    const factors = p.factors ?? [];
    if (factors.every((f) => isScalar(f.value)) && isScalar(p.product)) {
      const nums = factors.map((f) => fmtTerm(f.value)).join(" × ");
      box.append(h("p", { class: "num product" }, [h("span", { text: `${nums} = ` }), h("strong", { class: "grad", text: fmt(p.product) })]));
    } else if (p.product != null) {
      box.append(h("p", { class: "num product" }, [h("span", { text: "product (vector-Jacobian products, right to left) = " }), h("strong", { class: "grad", text: show(p.product) })]));
    }
    el.append(box);
  });
  if (d.paths_truncated) el.append(h("p", { class: "muted small", text: "More paths exist; only the first ones are shown." }));
  if (paths.length > 1 && paths.every((p) => isScalar(p.product))) {
    el.append(h("p", { class: "num total" }, [
      h("span", { text: `Sum over the ${paths.length} paths: ${paths.map((p, i) => (i ? fmtTerm(p.product) : fmt(p.product))).join(" + ")} = ` }),
      h("strong", { class: "grad", text: fmt(d.total) }),
    ]));
  } else if (d.total != null) {
    el.append(h("p", { class: "num total" }, [h("span", { text: "total = " }), h("strong", { class: "grad", text: show(d.total) })]));
  }
  const u = d.update;
  if (u) {
    el.append(h("h4", { text: "Gradient descent update" }));
    if (d.latex_name) el.append(tex(`${d.latex_name}^{+} = ${d.latex_name} - \\alpha \\, ${d.symbol ?? ""}`));
    el.append(h("p", { class: "num update" }, [h("span", { text: `${name}⁺ = ${fmt(u.before)} − ${fmt(u.alpha)} × ${fmtTerm(u.grad)} = ` }), h("strong", { text: fmt(u.after) })]));
  }
  if (d.latex) {
    const more = h("details", { class: "whole" }, [h("summary", { text: "The whole derivation as one formula" })]);
    more.append(tex(d.latex));
    el.append(more);
  }
}
