import { test } from "node:test";
import assert from "node:assert/strict";
import { texName, texText, fillTemplate } from "../../static/js/tex.js";
import { caretLine, offsetOf, freeVariables } from "../../static/js/editor.js";
import { describe as describeFrame, forwardText } from "../../static/js/narration.js";
import { buildScript, frameAt } from "../../static/js/steps.js";
import { graphSpecFromResult, parseLayers, parseRows } from "../../static/js/requests.js";
import { fixture } from "./helpers.mjs";

test("names become maths; anything odd becomes escaped text", () => {
  assert.equal(texName("x"), "x");
  assert.equal(texName("w1"), "w_{1}");
  assert.equal(texName("E_total"), "E_{\\text{total}}");
  assert.equal(texName("dot"), "\\mathrm{dot}");
  assert.equal(texText("a_b{c}$\\"), "\\text{a\\_b\\{c\\}\\$∖}");
  assert.ok(!texName("<img src=x onerror=alert(1)>").includes("\\href"));
});

test("op templates take the inputs' names", () => {
  assert.equal(fillTemplate("#0 \\cdot #1", ["x", "y"], "f"), "{x} \\cdot {y}");
  assert.equal(fillTemplate("#y(1 - #y)", ["z"], "h_{1}"), "{h_{1}}(1 - {h_{1}})");
});

test("the caret sits under the reported column", () => {
  assert.equal(caretLine("q = x + * y", 9), "        ^");
  assert.equal(offsetOf("a = 1\nb = )", 2, 5), 10);
});

test("narration: the seed's fan-in is spelled out as a sum", () => {
  const r = fixture("seed-network");
  const s = buildScript(r);
  const k = s.forwardFrames + 1 + s.steps.findIndex((st) => st.node === "h1");
  const d = describeFrame(r, s, frameAt(s, k));
  const text = d.parts.map((p) => p.text).join("");
  // the seed's numbers, in its order: dE_total/dh1 = dE_o1/dh1 + dE_o2/dh1
  assert.match(text, /∂E_total\/∂h1 is complete: the sum over its 2 uses, 0\.0554 \+ \(-0\.01905\) = 0\.03635/);
  // step 1 of the seed: dE_total/dw5 = 0.7414 x 0.1868 x 0.5933 = 0.08217
  const k5 = s.forwardFrames + 1 + s.steps.findIndex((st) => st.node === "w5*h1");
  const t5 = describeFrame(r, s, frameAt(s, k5)).parts.map((p) => p.text).join("");
  assert.match(t5, /w5 gets 0\.1385 × 0\.5933 = 0\.08217/);
  const end = describeFrame(r, s, frameAt(s, s.frames));
  assert.match(end.title, /^Done/);
});

test("a result replays as an explicit graph (for the gradient check of networks)", () => {
  const r = fixture("seed-network");
  const spec = graphSpecFromResult(r);
  assert.equal(spec.graph.output, "E_total");
  assert.equal(spec.graph.nodes.length, r.nodes.length);
  assert.equal(spec.values.w5, r.nodes.find((n) => n.id === "w5").value);
  assert.ok(spec.graph.nodes.find((n) => n.id === "target_o1").value !== undefined);
});

test("network form parsing", () => {
  assert.deepEqual(parseLayers("2, 2, 2"), { ok: true, value: [2, 2, 2] });
  assert.equal(parseLayers("2").ok, false);
  assert.equal(parseLayers("2, 0").ok, false);
  assert.deepEqual(parseRows("[0.05, 0.1]", 2, "Inputs"), { ok: true, value: [[0.05, 0.1]] });
  assert.equal(parseRows("[[1, 2, 3]]", 2, "Inputs").ok, false);
});

test("free variables: the inputs an expression needs", () => {
  assert.deepEqual(freeVariables("q = x + y\nf = q * z"), ["x", "y", "z"]);
  assert.deepEqual(freeVariables("f = exp(a) * 1e-3 + max(b, 2.5e3)"), ["a", "b"]);
  assert.deepEqual(freeVariables("h = relu(W1 @ x)  # a comment with words\nf = sum(W2 @ h)"), ["W1", "x", "W2"]);
  assert.deepEqual(freeVariables("2 * (x * y + max(z, w))"), ["x", "y", "z", "w"]);
  assert.deepEqual(freeVariables("a = 1\nb = a == c"), ["c"]);
});

test("forward steps are written with their numbers", () => {
  const r = fixture("cs231n-simple");
  const symbols = new Map([["add", "+"], ["mul", "×"]]);
  assert.equal(forwardText(r, "q", symbols), "q = -2 + 5 = 3");
  assert.equal(forwardText(r, "f", symbols), "f = 3 × (-4) = -12");
  const v = fixture("vectorized-norm");
  assert.equal(forwardText(v, "q"), "q = [0.22, 0.26]");
});

test("narration names the gate pattern of a step", () => {
  const r = fixture("gates");
  const s = buildScript(r);
  const texts = [];
  for (let k = s.forwardFrames + 1; k <= s.frames; k++) texts.push(describeFrame(r, s, frameAt(s, k, { arrived: false })).parts.map((p) => p.text).join(""));
  const all = texts.join("\n");
  assert.match(all, /mul swaps/);
  assert.match(all, /add distributes/);
  assert.match(all, /max routes/);
});

test("labels on the graph: the chain-rule equation, sums, tooltips", async () => {
  const { equationText, sumText, partialText, edgeText, edgeTitle } = await import("../../static/js/labels.js");
  const r = fixture("cs231n-simple");
  const e = r.edges.find((x) => x.source === "x");
  assert.equal(equationText(r, e), "-4 × 1 = -4");
  const f = fixture("fan-out");
  const into = f.edges.map((x, i) => (x.source === "x" ? i : -1)).filter((i) => i >= 0);
  assert.equal(sumText(f, into, 7), "3 + 3 + 1 = 7");
  assert.equal(partialText(f, into.slice(0, 1), 3), "3 + … (1/3)");
  assert.equal(edgeText([[1, 2], [3, 4]]), "∇ 2×2");
  assert.equal(edgeText([0.5, 0.25]), "[0.5, 0.25]");
  assert.match(edgeTitle(r, e), /^x → q \(input 0\), local gradient 1; carries -4 back$/);
});

test("a backward edge typeset: the op's local derivative with its number, then the product", async () => {
  const { edgeTex } = await import("../../static/js/narration.js");
  const r = fixture("seed-network");
  const ops = new Map([["sigmoid", { dlatex: ["#y(1 - #y)"] }], ["mul", { dlatex: ["#1", "#0"] }]]);
  const e = r.edges.find((x) => x.source === "z3" && x.target === "o1");
  assert.equal(edgeTex(r, e, ops), "\\partial o_{1} / \\partial z_{3} = {o_{1}}(1 - {o_{1}}) = 0.1868,\\quad 0.7414 \\times 0.1868 = 0.1385");
  const w5 = r.edges.find((x) => x.source === "w5");
  assert.equal(edgeTex(r, w5, ops), "{h_{1}} = 0.5933,\\quad 0.1385 \\times 0.5933 = 0.08217");
  assert.equal(edgeTex(r, e, null), null);
});
