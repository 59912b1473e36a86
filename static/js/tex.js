// LaTeX for names and op templates (pure), and one DOM helper that renders it with
// katex.render (which builds DOM nodes: no innerHTML, no inline style attributes, CSP-safe).
//
//   texName("w1") -> "w_{1}"     texName("E_total") -> "E_{\\text{total}}"
//   fillTemplate("#0 \\cdot #1", ["x", "y"], "f") -> "x \\cdot y"

const TEXT_ESC = new Map([
  ["\\", "∖"], ["{", "\\{"], ["}", "\\}"], ["$", "\\$"], ["&", "\\&"], ["#", "\\#"],
  ["^", "ˆ"], ["_", "\\_"], ["%", "\\%"], ["~", "˜"],
]);

/** Text as a KaTeX \text{...} argument, every special character escaped. */
export function texText(s) {
  return `\\text{${[...String(s)].map((c) => TEXT_ESC.get(c) ?? c).join("")}}`;
}

/** A variable's name as maths: x, w_{1}, E_{\text{total}}, \text{anything else}. */
export function texName(name) {
  const s = String(name);
  let m;
  if (/^[A-Za-z]$/.test(s)) return s;
  if ((m = /^([A-Za-z])_?(\d+)$/.exec(s))) return `${m[1]}_{${m[2]}}`;
  if ((m = /^([A-Za-z])_([A-Za-z0-9]+)$/.exec(s))) return `${m[1]}_{${texText(m[2])}}`;
  if ((m = /^([A-Za-z]+)_?(\d+)$/.exec(s)) && m[1].length <= 6) return `\\mathrm{${m[1]}}_{${m[2]}}`;
  if (/^[A-Za-z]+$/.test(s) && s.length <= 12) return `\\mathrm{${s}}`;
  return texText(s);
}

/** An op template with #0, #1... replaced by the inputs' names and #y by the output's. */
export function fillTemplate(template, inputs, output = "y") {
  return String(template)
    .replace(/#y/g, `{${output}}`)
    .replace(/#(\d+)/g, (_, i) => `{${inputs[Number(i)] ?? inputs[inputs.length - 1] ?? "a"}}`);
}

/** d(output)/d(input) as a fraction. */
export function partial(out, inp) {
  return `\\frac{\\partial ${out}}{\\partial ${inp}}`;
}

/** Render TeX into an element (replacing its content). Never throws: bad TeX shows as text.
 * (throwOnError stays on: KaTeX paints its error message with a style attribute, which the CSP
 * refuses; we show the source instead.) */
export function renderTex(el, tex, { display = false } = {}) {
  const katex = globalThis.katex;
  if (!katex) {
    el.textContent = tex;
    return;
  }
  try {
    katex.render(tex, el, { displayMode: display, throwOnError: true, strict: "ignore", trust: false, output: "htmlAndMathml" });
  } catch {
    el.textContent = tex;
  }
}
