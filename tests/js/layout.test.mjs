import { test } from "node:test";
import assert from "node:assert/strict";
import dagre from "@dagrejs/dagre";
import { layoutGraph, nodeSize, gridOf, rankerFor, NETWORK_SIMPLEX_MAX_NODES } from "../../static/js/layout.js";
import { fixture } from "./helpers.mjs";

test("inputs on the left, the output on the right, every edge going left to right", () => {
  for (const name of ["cs231n-simple", "gates", "vectorized-norm", "seed-network"]) {
    const r = fixture(name);
    const lay = layoutGraph(r, dagre);
    const out = lay.nodes.get(r.output);
    for (const n of r.nodes) {
      const p = lay.nodes.get(n.id);
      assert.ok(Number.isFinite(p.x) && Number.isFinite(p.y), `${name}: ${n.id}`);
      if (n.id !== r.output) assert.ok(p.x < out.x, `${name}: ${n.id} left of the output`);
    }
    r.edges.forEach((e, i) => {
      assert.ok(lay.nodes.get(e.source).x < lay.nodes.get(e.target).x, `${name}: edge ${e.source} -> ${e.target}`);
      assert.ok(lay.edges[i].points.length >= 2);
    });
    assert.ok(lay.width > 0 && lay.height > 0);
  }
});

test("the seed's network reads x -> h -> o -> E_total in columns", () => {
  const r = fixture("seed-network");
  const lay = layoutGraph(r, dagre);
  const x = (id) => lay.nodes.get(id).x;
  assert.ok(x("x1") < x("z1") && x("z1") < x("h1") && x("h1") < x("z3") && x("z3") < x("o1") && x("o1") < x("E_o1") && x("E_o1") < x("E_total"));
  assert.equal(x("h1"), x("h2"));
  assert.equal(x("o1"), x("o2"));
  // each weight sits just before the connection it scales
  for (const [w, mul] of [["w1", "w1*x1"], ["w5", "w5*h1"], ["w8", "w8*h2"]]) assert.ok(x(w) < x(mul) && x(mul) - x(w) < 200, w);
});

test("node boxes grow with labels and arrays", () => {
  const small = nodeSize({ id: "x", op: "input", label: "x", inputs: [], named: true, shape: [], value: 1 });
  const long = nodeSize({ id: "x", op: "input", label: "a_very_long_variable_name", inputs: [], named: true, shape: [], value: 1 });
  const mat = nodeSize({ id: "W", op: "input", label: "W", inputs: [], named: true, shape: [3, 2], value: [[1, 2], [3, 4], [5, 6]] });
  assert.ok(long.width > small.width);
  assert.ok(mat.height > small.height);
  assert.deepEqual(gridOf([7, 9]), { rows: 7, cols: 9, shownRows: 4, shownCols: 4 });
  assert.equal(gridOf([]), null);
});

test("hostile ids are plain data to the layout", () => {
  const r = {
    output: "__proto__",
    nodes: [
      { id: "<img src=x onerror=alert(1)>", op: "input", label: "<img src=x onerror=alert(1)>", named: true, inputs: [], shape: [], value: 1, grad: 1 },
      { id: "__proto__", op: "neg", label: "__proto__", named: true, inputs: ["<img src=x onerror=alert(1)>"], shape: [], value: -1, grad: 1 },
    ],
    edges: [{ source: "<img src=x onerror=alert(1)>", target: "__proto__", slot: 0, local_grad: -1, grad: -1, patterns: [] }],
    forward_order: ["<img src=x onerror=alert(1)>", "__proto__"],
    backward_order: ["__proto__", "<img src=x onerror=alert(1)>"],
  };
  const lay = layoutGraph(r, dagre);
  assert.equal(lay.nodes.size, 2);
  assert.ok(lay.nodes.get("__proto__").x > lay.nodes.get("<img src=x onerror=alert(1)>").x);
});

test("large graphs get a linear-time ranker, small ones the tidy one", () => {
  assert.equal(rankerFor(33), "network-simplex");
  assert.equal(rankerFor(NETWORK_SIMPLEX_MAX_NODES), "network-simplex");
  assert.equal(rankerFor(5000), "longest-path");
});
