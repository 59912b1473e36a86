// The expression editor and the values editor: reading what the learner typed, validating it,
// and showing the API's errors inline at their line and column.
//
//   const ed = createExpressionEditor(formEl, { onRun });
//   ed.load("q = x + y\nf = q * z", { x: -2, y: 5, z: -4 });
//   ed.showError({ kind: "expression", message: "unexpected ')'", line: 1, column: 7 });

import { parseValue, valueToText } from "./format.js";
import { h, clear } from "./dom.js";

/** The caret line under column `column` (1-based) of `line`; tabs kept so the caret aligns. */
export function caretLine(lineText, column) {
  const prefix = [...lineText].slice(0, Math.max(0, column - 1)).map((c) => (c === "\t" ? "\t" : " ")).join("");
  return `${prefix}^`;
}

/** Character offset of (line, column), both 1-based, in text. */
export function offsetOf(text, line, column) {
  const lines = text.split("\n");
  let off = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) off += lines[i].length + 1;
  return Math.min(text.length, off + Math.max(0, column - 1));
}

/**
 * The variables an expression reads without assigning them: the inputs that need values.
 * A light scan (the API's parser is the judge): names not followed by "(", not assigned on the
 * left of a line's "=", not part of a number such as 1e-3.
 *   freeVariables("q = x + y\nf = exp(q) * z") -> ["x", "y", "z"]
 */
export function freeVariables(text) {
  const assigned = new Set();
  const seen = [];
  for (const raw of String(text).split("\n")) {
    const line = raw.replace(/#.*/, "");
    const m = /^\s*([A-Za-z_]\w*)\s*=(?!=)/.exec(line);
    const rhs = m ? line.slice(m[0].length) : line;
    for (const t of rhs.matchAll(/(?<![\w.])([A-Za-z_]\w*)(?!\w)(\s*\()?/g)) {
      if (t[2] || assigned.has(t[1]) || seen.includes(t[1])) continue;
      seen.push(t[1]);
    }
    if (m) assigned.add(m[1]);
  }
  return seen.filter((v) => !assigned.has(v));
}

export function createExpressionEditor(form, { onRun }) {
  const textarea = form.querySelector("#expr-input");
  const errorBox = form.querySelector("#expr-error");
  const snippet = errorBox.querySelector(".error-snippet");
  const message = errorBox.querySelector(".error-message");
  const list = form.querySelector("#values-list");
  const hint = form.querySelector("#values-hint");
  /** @type {Map<string, string>} variable -> the text in its field (a Map: ids are user data) */
  let texts = new Map();

  function renderValues() {
    clear(list);
    hint.hidden = texts.size > 0;
    let i = 0;
    for (const [name, text] of texts) {
      const id = `value-${i++}`;
      const input = h("input", { id, type: "text", class: "value-input", spellcheck: "false", autocomplete: "off", "data-name": name });
      input.value = text;
      const msg = h("span", { class: "value-msg", id: `${id}-msg`, "aria-live": "polite" });
      input.setAttribute("aria-describedby", `${id}-msg`);
      input.addEventListener("input", () => {
        delete input.dataset.fresh;
        texts.set(name, input.value);
        validate(input, msg);
      });
      list.append(h("div", { class: "value-row" }, [h("label", { for: id, class: "value-name", text: name }), input, msg]));
    }
  }

  function validate(input, msg) {
    const r = parseValue(input.value);
    input.setAttribute("aria-invalid", r.ok ? "false" : "true");
    msg.textContent = r.ok ? (input.dataset.fresh ? "a new input, set to 1: edit me" : shapeHint(r.value)) : r.message;
    msg.classList.toggle("bad", !r.ok);
    return r;
  }

  function shapeHint(v) {
    if (!Array.isArray(v)) return "";
    return Array.isArray(v[0]) ? `${v.length}×${v[0].length}` : `${v.length}`;
  }

  /** {ok, body} for /api/graph, or {ok: false} after marking the invalid fields. */
  function read() {
    // new variables get a field (value 1) before the request, so that the API need not refuse it
    const fresh = freeVariables(textarea.value).filter((v) => !texts.has(v));
    if (fresh.length) {
      for (const v of fresh) texts.set(v, "1");
      renderValues();
      for (const v of fresh) {
        const input = [...list.querySelectorAll("input")].find((i) => i.dataset.name === v);
        if (input) input.dataset.fresh = "1";
      }
    }
    const values = {};
    let ok = true;
    for (const row of list.querySelectorAll(".value-row")) {
      const input = row.querySelector("input");
      const r = validate(input, row.querySelector(".value-msg"));
      if (!r.ok) {
        if (ok) input.focus();
        ok = false;
      } else {
        Object.defineProperty(values, input.dataset.name, { value: r.value, enumerable: true, writable: true, configurable: true });
      }
    }
    const expression = textarea.value;
    if (!expression.trim()) {
      showError({ kind: "expression", message: "Type an expression, e.g. (x + y) * z", line: null, column: null });
      return { ok: false };
    }
    return ok ? { ok: true, body: { expression, values } } : { ok: false };
  }

  /** Fill the editor from a request body. */
  function load(expression, values) {
    textarea.value = expression ?? "";
    texts = new Map(Object.entries(values ?? {}).map(([k, v]) => [k, valueToText(v)]));
    clearError();
    renderValues();
  }

  /** After a run: one field per input of the result, keeping what was typed. */
  function syncInputs(inputs) {
    const next = new Map();
    for (const { id, value } of inputs) next.set(id, texts.has(id) ? texts.get(id) : valueToText(value));
    texts = next;
    renderValues();
  }

  function addInput(name, text = "1") {
    if (!texts.has(name)) {
      texts.set(name, text);
      renderValues();
    }
  }

  function showError(detail) {
    errorBox.hidden = false;
    textarea.setAttribute("aria-invalid", "true");
    const said = (w) => detail.message.includes(w);
    const where = detail.line && !said(`line ${detail.line}`) ? ` (line ${detail.line}, column ${detail.column})`
      : detail.node && !said(detail.node) ? ` (at ${detail.node})` : "";
    message.textContent = `${detail.message}${where}`;
    if (detail.kind === "expression" && detail.line && detail.column) {
      const lines = textarea.value.split("\n");
      const text = lines[detail.line - 1] ?? "";
      clear(snippet);
      // the line, with the offending character marked, and a caret under it
      const chars = [...text];
      const col = Math.min(detail.column - 1, chars.length);
      snippet.append(
        h("span", { class: "ln", text: `${detail.line} | ` }),
        chars.slice(0, col).join(""),
        h("mark", { class: "err-at", text: chars[col] ?? " " }),
        chars.slice(col + 1).join(""),
        "\n",
        h("span", { class: "ln", text: `${" ".repeat(String(detail.line).length)} | ` }),
        h("span", { class: "caret", text: caretLine(text, detail.column) }),
      );
      snippet.hidden = false;
      const off = offsetOf(textarea.value, detail.line, detail.column);
      textarea.setSelectionRange(off, Math.min(textarea.value.length, off + 1));
    } else {
      snippet.hidden = true;
    }
  }

  function clearError() {
    errorBox.hidden = true;
    textarea.removeAttribute("aria-invalid");
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const r = read();
    if (r.ok) onRun(r.body);
  });
  textarea.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  textarea.addEventListener("input", () => {
    if (!errorBox.hidden) textarea.classList.add("stale");
  });

  return { load, read, syncInputs, addInput, showError, clearError, focus: () => textarea.focus() };
}
