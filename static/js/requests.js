// Building API requests from what the learner typed, and back (pure).
//
//   graphSpecFromResult(result)  -> {graph: {nodes, output}, values}   (replays any result,
//                                  e.g. a network, through /api/graph, for the gradient check)

/** The /api/graph request that reproduces a traced result exactly (leaves keep their values). */
export function graphSpecFromResult(result) {
  const values = {};
  const nodes = result.nodes.map((n) => {
    const spec = { id: n.id, op: n.op, inputs: n.inputs };
    if (n.params && Object.keys(n.params).length) spec.params = n.params;
    if (n.op === "const") spec.value = n.value;
    if (n.op === "input") values[n.id] = n.value;
    if (n.named && n.label && n.label.length <= 100) spec.label = n.label;
    return spec;
  });
  return { graph: { nodes, output: result.output }, values };
}

/** The input variables of a result (op "input"), in forward order, with their values. */
export function inputsOf(result) {
  return result.nodes.filter((n) => n.op === "input").map((n) => ({ id: n.id, value: n.value }));
}

/** Parse "2, 3, 2" into layer sizes. */
export function parseLayers(text) {
  const parts = String(text).split(/[\s,;x×]+/).filter(Boolean);
  if (parts.length < 2) return { ok: false, message: "give at least two sizes (inputs and outputs)" };
  const sizes = parts.map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) return { ok: false, message: "sizes are whole numbers from 1 to 64" };
  return { ok: true, value: sizes };
}

/** A 2-d list of numbers from text (rows of examples). */
export function parseRows(text, width, what) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, message: `${what}: not valid JSON, e.g. [[0.05, 0.1]]` };
  }
  if (Array.isArray(v) && v.length && !Array.isArray(v[0])) v = [v];
  if (!Array.isArray(v) || !v.length || v.some((r) => !Array.isArray(r) || r.length !== width || r.some((x) => typeof x !== "number" || !Number.isFinite(x)))) {
    return { ok: false, message: `${what}: rows of ${width} number${width === 1 ? "" : "s"} each` };
  }
  return { ok: true, value: v };
}
