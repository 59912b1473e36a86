import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeHash, encodeHash, hashFor, toBase64Url, fromBase64Url } from "../../static/js/url.js";

const examples = [{ id: "cs231n-simple", endpoint: "/api/graph", request: { expression: "q = x + y\nf = q * z", values: { x: -2, y: 5, z: -4 } } }];

test("#example=... opens an example", () => {
  assert.deepEqual(decodeHash("#example=seed-network"), { frame: null, example: "seed-network" });
  assert.deepEqual(decodeHash("#example=gates&frame=7"), { frame: 7, example: "gates" });
});

test("an expression round-trips through #expr=&values=", () => {
  const s = { expr: "q = x + y\nf = q * z  # ünïcode", values: { x: [1, 2], y: [[1, 2], [3, 4]] } };
  const d = decodeHash(encodeHash(s));
  assert.equal(d.expr, s.expr);
  assert.deepEqual(d.values, s.values);
});

test("any request round-trips through #req=<base64url json>", () => {
  const req = { endpoint: "/api/network", body: { layers: [2, 2, 2], activation: ["sigmoid", "tanh"], inputs: [[0.05, 0.1]], note: "ü → ∂" } };
  const h = encodeHash({ req, frame: 3 });
  assert.match(h, /^#req=[A-Za-z0-9_-]+&frame=3$/);
  assert.deepEqual(decodeHash(h), { frame: 3, req });
});

test("hashFor picks the shortest form that reproduces the request", () => {
  assert.deepEqual(hashFor({ endpoint: "/api/graph", body: { values: { z: -4, y: 5, x: -2 }, expression: "q = x + y\nf = q * z" } }, examples, "cs231n-simple"), { example: "cs231n-simple" });
  assert.deepEqual(hashFor({ endpoint: "/api/graph", body: { expression: "x*y", values: { x: 1 } } }, examples, "cs231n-simple"), { expr: "x*y", values: { x: 1 } });
  // typing an example's expression back in is that example again
  assert.deepEqual(hashFor({ endpoint: "/api/graph", body: { expression: "q = x + y\nf = q * z", values: { x: -2, y: 5, z: -4 } } }, examples, null), { example: "cs231n-simple" });
  const net = { endpoint: "/api/network", body: { layers: [1, 1] } };
  assert.deepEqual(hashFor(net, examples, null), { req: net });
});

test("hostile or broken hashes are refused with a message, never thrown", () => {
  for (const h of ["#req=!!!", "#req=" + toBase64Url('{"endpoint":"https://evil.example/x","body":{}}'), "#expr=x&values=[1]", "#expr=x&values={bad"]) {
    const d = decodeHash(h);
    assert.ok(d.error, h);
    assert.equal(d.req, undefined);
  }
  const proto = decodeHash("#expr=x&values=" + encodeURIComponent('{"__proto__": {"polluted": 1}}'));
  assert.equal({}.polluted, undefined);
  assert.equal(proto.error, undefined);
});

test("base64url handles every unicode character", () => {
  const s = "∂E/∂w₁ = 🙂 <img src=x onerror=alert(1)>";
  assert.equal(fromBase64Url(toBase64Url(s)), s);
});
