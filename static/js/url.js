// The whole page state in the URL hash, and back (pure: strings in, objects out).
//
//   #example=seed-network                       an example by id
//   #expr=q%20%3D%20x%20%2B%20y&values={"x":1}  an expression and its values (graph endpoint)
//   #req=<base64url of {"endpoint", "body"}>    any request (networks, edited graphs)
//   ...&frame=12                                optional: the animation frame to open at
//
//   decodeHash("#example=gates")  -> {example: "gates", frame: null}
//   encodeHash({expr: "x*y", values: {x: 1, y: 2}})

/** @returns {{example?: string, expr?: string, values?: Object, req?: {endpoint: string, body: Object}, frame: number|null, error?: string}} */
export function decodeHash(hash) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  const out = { frame: null };
  const f = params.get("frame");
  if (f !== null && /^\d+$/.test(f)) out.frame = Number(f);
  try {
    if (params.has("req")) {
      const req = JSON.parse(fromBase64Url(params.get("req")));
      if (!req || typeof req !== "object" || typeof req.endpoint !== "string" || !isPlainObject(req.body)) throw new Error("bad request");
      if (!/^\/api\/[a-z]+$/.test(req.endpoint)) throw new Error("bad endpoint");
      out.req = { endpoint: req.endpoint, body: req.body };
    } else if (params.has("expr")) {
      out.expr = params.get("expr");
      const v = params.get("values");
      out.values = v ? JSON.parse(v) : {};
      if (!isPlainObject(out.values)) throw new Error("values must be an object");
    } else if (params.has("example")) {
      out.example = params.get("example");
    }
  } catch (e) {
    return { frame: out.frame, error: `The link could not be read (${e.message}).` };
  }
  return out;
}

/** @param {{example?: string, expr?: string, values?: Object, req?: {endpoint: string, body: Object}, frame?: number|null}} s */
export function encodeHash(s) {
  const params = new URLSearchParams();
  if (s.example) params.set("example", s.example);
  else if (s.expr !== undefined) {
    params.set("expr", s.expr);
    params.set("values", JSON.stringify(s.values ?? {}));
  } else if (s.req) params.set("req", toBase64Url(JSON.stringify({ endpoint: s.req.endpoint, body: s.req.body })));
  if (s.frame !== undefined && s.frame !== null) params.set("frame", String(s.frame));
  return `#${params.toString().replace(/\+/g, "%20")}`;
}

/**
 * The shortest hash that reproduces a request: the example's id when the request is the
 * example's, else expr+values for a plain expression, else the whole request.
 */
export function hashFor(request, examples, exampleId) {
  const same = (e) => e.endpoint === request.endpoint && sameJSON(e.request, request.body);
  const ex = examples.find((e) => e.id === exampleId && same(e)) ?? examples.find(same);
  if (ex) return { example: ex.id };
  const b = request.body;
  const keys = Object.keys(b).filter((k) => b[k] !== undefined);
  if (request.endpoint === "/api/graph" && typeof b.expression === "string" && keys.every((k) => k === "expression" || k === "values")) {
    return { expr: b.expression, values: b.values ?? {} };
  }
  return { req: request };
}

export function sameJSON(a, b) {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}
