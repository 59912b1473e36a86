// The fetch wrapper and the JSON the page receives (JSDoc typedefs of app/api/schemas.py).
//
//   const result = await postJSON("/api/graph", { expression: "x * y", values: { x: 2, y: 3 } });
//   // throws ApiError with .detail = {kind, message, node, field, line, column} on a 4xx

/**
 * @typedef {number | number[] | number[][]} Value
 * @typedef {{id: string, op: string, label: string, named: boolean, role: string|null,
 *   group: string|null, inputs: string[], params: Object<string, number>, shape: number[],
 *   value: Value, grad: Value|null}} GraphNode
 * @typedef {{source: string, target: string, slot: number, local_grad: Value|null,
 *   grad: Value|null, patterns: string[]}} GraphEdge
 * @typedef {{id: string, analytic: Value, numeric: Value|null, rel_error: number|null}} LeafCheck
 * @typedef {{symbol: string, formula: string, value: number}} Factor
 * @typedef {{paths: {factors: Factor[], product: number}[], total: number,
 *   update?: {alpha: number, before: number, grad: number, after: number, latex: string},
 *   latex?: string, paths_truncated?: boolean}} Derivation
 * @typedef {{output: string, seeded_with_ones: boolean, nodes: GraphNode[], edges: GraphEdge[],
 *   forward_order: string[], backward_order: string[], gradcheck?: LeafCheck[],
 *   derivations?: Object<string, Derivation>, loss?: number, params?: Object,
 *   grads?: Object, spec?: Object, training?: {params_before: Object, loss_history: number[]}}} GraphResult
 * @typedef {{id: string, title: string, description: string, endpoint: string, request: Object}} Example
 * @typedef {{name: string, arity: number, category: string, symbol: string, display: string,
 *   text: string, operator: string|null, function: boolean, gate: string|null,
 *   exact_vectorized: boolean, latex: string, dlatex: string[], vjp_latex: string[],
 *   params: Object<string, number>, note: string}} Op
 * @typedef {{name: string, latex: string, dlatex: string, points: {x: number, f: number, df: number}[]}} Activation
 * @typedef {{kind: string, message: string, node?: string|null, field?: string|null,
 *   line?: number|null, column?: number|null}} ErrorDetail
 */

export class ApiError extends Error {
  /** @param {number} status @param {ErrorDetail} detail */
  constructor(status, detail) {
    super(detail.message);
    this.status = status;
    this.detail = detail;
  }
}

async function handle(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const detail = body && body.error ? body.error : { kind: "http", message: `${res.status} ${res.statusText}` };
    throw new ApiError(res.status, detail);
  }
  return body;
}

export async function getJSON(url, { signal } = {}) {
  return handle(await fetch(url, { headers: { Accept: "application/json" }, signal }));
}

export async function postJSON(url, body, { signal } = {}) {
  return handle(
    await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      signal,
    }),
  );
}

/** @returns {Promise<Example[]>} */
export const getExamples = () => getJSON("/api/examples");
/** @returns {Promise<Op[]>} */
export const getOps = () => getJSON("/api/ops");
/** @returns {Promise<Activation[]>} */
export const getActivations = () => getJSON("/api/activations");
/** @returns {Promise<GraphResult>} */
export const evaluate = (endpoint, body, opts) => postJSON(endpoint, body, opts);
