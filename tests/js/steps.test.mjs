import { test } from "node:test";
import assert from "node:assert/strict";
import { buildScript, frameAt, phaseAt, arrivals, depths, edgeKey } from "../../static/js/steps.js";
import { fixture } from "./helpers.mjs";

const NAMES = ["cs231n-simple", "fan-out", "vectorized-norm", "gates", "seed-network"];

test("frame 0 is idle with only the leaves' values; the last frame is done with everything", () => {
  for (const name of NAMES) {
    const r = fixture(name);
    const s = buildScript(r);
    const f0 = frameAt(s, 0);
    assert.equal(f0.phase, "idle");
    for (const n of r.nodes) assert.equal(f0.values.has(n.id), n.inputs.length === 0, `${name}: ${n.id}`);
    assert.equal(f0.grads.length, 0);
    const end = frameAt(s, s.frames);
    assert.equal(end.phase, "done");
    assert.equal(end.values.size, r.nodes.length);
    assert.deepEqual(end.grads, r.backward_order, name);
    assert.equal(end.fired.size, r.edges.filter((e) => e.grad !== null).length);
  }
});

test("gradients are revealed exactly in backward_order, one prefix per frame", () => {
  for (const name of NAMES) {
    const r = fixture(name);
    const s = buildScript(r);
    let prev = [];
    for (let k = 0; k <= s.frames; k++) {
      for (const arrived of [false, true]) {
        const f = frameAt(s, k, { arrived });
        assert.deepEqual(f.grads, r.backward_order.slice(0, f.grads.length), `${name} frame ${k}`);
        assert.ok(f.grads.length >= prev.length);
        prev = f.grads;
      }
    }
  }
});

test("a node is finalized only after every edge leaving it has fired (fan-out sums are complete)", () => {
  for (const name of NAMES) {
    const r = fixture(name);
    const s = buildScript(r);
    for (let k = 0; k <= s.frames; k++) {
      const f = frameAt(s, k);
      for (const id of f.grads) {
        r.edges.forEach((e, i) => {
          if (e.source === id && e.grad !== null) assert.ok(f.fired.has(i), `${name} frame ${k}: ${id} final before edge ${i}`);
        });
      }
    }
  }
});

test("the contributions that arrive at a node add up to its gradient (the seed's dE/dh1)", () => {
  const r = fixture("seed-network");
  const s = buildScript(r);
  const end = frameAt(s, s.frames);
  const got = arrivals(r, end.fired);
  for (const n of r.nodes) {
    if (n.grad === null || n.id === r.output) continue;
    const sum = got.get(n.id).reduce((acc, i) => acc + r.edges[i].grad, 0);
    assert.ok(Math.abs(sum - n.grad) <= 1e-12 * Math.max(1, Math.abs(n.grad)), n.id);
  }
  assert.equal(got.get("h1").length, 2, "h1 feeds both outputs");
});

test("in-flight frames: the current step's edges have not arrived yet", () => {
  const r = fixture("cs231n-simple");
  const s = buildScript(r);
  const k = s.forwardFrames + 1; // the output's step: f fires into q and z
  const before = frameAt(s, k, { arrived: false });
  const after = frameAt(s, k, { arrived: true });
  assert.equal(before.current.node, "f");
  assert.equal(before.fired.size, 0);
  assert.equal(after.fired.size, 2);
  assert.ok(after.grads.includes("z"), "the leaf z is folded into f's step");
  assert.ok(!before.grads.includes("z"));
});

test("phases and depths", () => {
  const r = fixture("cs231n-simple");
  const s = buildScript(r);
  assert.deepEqual([...depths(r)], [["x", 0], ["y", 0], ["q", 1], ["z", 0], ["f", 2]]);
  assert.equal(s.forwardFrames, 2);
  assert.deepEqual([0, 1, 2, 3, s.frames].map((k) => phaseAt(s, k)), ["idle", "forward", "forward", "backward", "done"]);
});

test("edge keys are unique and unambiguous even for odd ids", () => {
  const keys = [{ target: "a#0", slot: 1 }, { target: "a", slot: "0#1" }].map(edgeKey);
  assert.notEqual(keys[0], keys[1]);
  const r = fixture("fan-out");
  assert.equal(new Set(r.edges.map(edgeKey)).size, r.edges.length);
});
