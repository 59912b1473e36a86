// Number formatting: one place decides how many digits a learner sees.
//
//   fmt(0.036254)   -> "0.03625"      fmt(-4)  -> "-4"        fmt(1.5e-7) -> "1.5e-7"
//   fmtTerm(-0.02)  -> "(-0.02)"      (a term inside a sum or a product)
//   fmtCompact([[1,2],[3,4]]) -> "[[1, 2], [3, 4]]"
//
// Four significant digits (the seed's worked example writes 0.0363, 0.7514...), fixed notation
// between 1e-3 and 1e5, otherwise e-notation with three significant digits; trailing zeros go.

export const DIGITS = 4;

/** @param {number} x @param {number} [digits] @returns {string} */
export function fmt(x, digits = DIGITS) {
  if (x === null || x === undefined) return "";
  if (typeof x !== "number" || Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  if (x === 0) return "0";
  if (!(digits >= 1 && digits <= 21)) digits = DIGITS;
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = x.toExponential(Math.max(0, digits - 2)).split("e");
    return `${stripZeros(m)}e${Number(e)}`;
  }
  if (a >= 10 ** digits) return x.toFixed(0); // 12345 stays 12345 (never a rounded "12350")
  return stripZeros(x.toPrecision(digits));
}

function stripZeros(s) {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** A term of a sum or product: negatives in parentheses. */
export function fmtTerm(x, digits = DIGITS) {
  const s = fmt(x, digits);
  return x < 0 ? `(${s})` : s;
}

/** The shape of a value as the API sends it: [] for a number, [n] for a list, [r, c] for rows. */
export function shapeOf(v) {
  if (!Array.isArray(v)) return [];
  if (v.length && Array.isArray(v[0])) return [v.length, v[0].length];
  return [v.length];
}

export function isScalar(v) {
  return typeof v === "number";
}

/** "2×3" for a shape, "scalar" for []. */
export function fmtShape(shape) {
  return shape.length ? shape.join("×") : "scalar";
}

/** Any value on one line; long arrays are cut with "…". */
export function fmtCompact(v, digits = DIGITS, maxItems = 6) {
  if (v === null || v === undefined) return "";
  if (!Array.isArray(v)) return fmt(v, digits);
  const items = v.slice(0, maxItems).map((x) => fmtCompact(x, digits, maxItems));
  if (v.length > maxItems) items.push("…");
  return `[${items.join(", ")}]`;
}

/** Every number of a value, flattened row by row. */
export function flat(v) {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

/** A representative magnitude of a gradient: |g| for a number, the mean |g_i| of an array. */
export function magnitude(v) {
  const xs = flat(v);
  if (!xs.length) return 0;
  return xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length;
}

/** "0.0363 + (-0.0195) = 0.0168" for the contributions that fan in to one gradient. */
export function fmtSum(terms, total, digits = DIGITS) {
  const parts = terms.map((t, i) => (i === 0 ? fmt(t, digits) : fmtTerm(t, digits)));
  return `${parts.join(" + ")} = ${fmt(total, digits)}`;
}

/** Parse a value typed by a learner: a number, [a, b], [[a, b], [c, d]]; JSON-ish (tolerates
 * spaces as separators inside brackets and a missing outer bracket for a vector).
 * @returns {{ok: true, value: number|number[]|number[][]} | {ok: false, message: string}} */
export function parseValue(text) {
  const s = String(text).trim();
  if (!s) return { ok: false, message: "empty" };
  let v;
  try {
    // tolerate "1 2 3" and "[1 2; 3 4]" (MATLAB-style rows)
    let t = s;
    if (/;/.test(t)) t = `[${t.replace(/^\[|\]$/g, "").split(";").map((r) => `[${r}]`).join(",")}]`;
    t = t.replace(/(\d|\.)\s+(?=[-+\d.])/g, "$1, ");
    if (!/^[[\-+\d.]/.test(t)) throw new Error();
    if (/^[-+\d.]/.test(t) && t.includes(",")) t = `[${t}]`;
    v = JSON.parse(t.replace(/\+(?=\d|\.)/g, ""));
  } catch {
    return { ok: false, message: "not a number, [vector] or [[matrix]]" };
  }
  const bad = (x) => typeof x !== "number" || !Number.isFinite(x);
  if (typeof v === "number") return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, message: "not finite" };
  if (!Array.isArray(v) || v.length === 0) return { ok: false, message: "empty list" };
  if (Array.isArray(v[0])) {
    const n = v[0].length;
    if (!n) return { ok: false, message: "empty row" };
    for (const row of v) {
      if (!Array.isArray(row) || row.length !== n) return { ok: false, message: "rows must have equal lengths" };
      if (row.some(bad)) return { ok: false, message: "every entry must be a finite number" };
    }
    return { ok: true, value: v };
  }
  if (v.some(bad)) return { ok: false, message: "every entry must be a finite number (at most 2 dimensions)" };
  return { ok: true, value: v };
}

/** The text a value is edited as: compact JSON. */
export function valueToText(v) {
  return JSON.stringify(v).replace(/,/g, ", ").replace(/\], \[/g, "], [");
}
