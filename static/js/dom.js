// Tiny DOM builder for the panels: text is always set with textContent (user data stays text).
//
//   h("p", { class: "muted", text: "hello" }, [h("b", { text: "x" })])

export function h(tag, opts = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = String(v);
    else if (k === "class") el.className = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}
