// Wiring only: API -> store -> layout -> render -> animation -> panels. No maths and no layout
// here; each piece lives in its own module.

import { dagre } from "./lib.js";
import { ApiError, evaluate, getActivations, getExamples, getOps } from "./api.js";
import { createStore, initialState } from "./state.js";
import { buildScript, frameAt, phaseAt, nodeById, outputName } from "./steps.js";
import { layoutGraph } from "./layout.js";
import { createRenderer } from "./render.js";
import { drawLegend } from "./legend.js";
import { createPlayer } from "./animate.js";
import { showNarration } from "./narration.js";
import { showInspector } from "./inspector.js";
import { showDerivation } from "./derivation.js";
import { drawLossChart, showParams } from "./training.js";
import { showGallery } from "./gallery.js";
import { createExpressionEditor } from "./editor.js";
import { createNetworkForm } from "./netform.js";
import { inputsOf, graphSpecFromResult } from "./requests.js";
import { decodeHash, encodeHash, hashFor } from "./url.js";
import { wireControls } from "./controls.js";

const $ = (sel) => document.querySelector(sel);
const store = createStore({ ...initialState(), layout: null, inFlight: false, trainLog: [], follow: false, followChosen: false });

const renderer = createRenderer($("#graph"), { onSelect: (selection) => store.set({ selection }) });
const player = createPlayer(store, renderer);
const editor = createExpressionEditor($("#pane-expression"), { onRun: (body) => run("/api/graph", body) });
const netForm = createNetworkForm($("#pane-network"), { onRun: (body) => run("/api/network", body) });

let inflight = null; // AbortController of the request in progress
let lastHash = "";

// --- loading a graph ----------------------------------------------------------------------------

async function run(endpoint, body, { exampleId = null, frame = 0, keepLog = false } = {}) {
  inflight?.abort();
  const ctl = new AbortController();
  inflight = ctl;
  store.set({ loading: true });
  setStatus("Computing…");
  let result;
  try {
    result = await evaluate(endpoint, body, { signal: ctl.signal });
  } catch (err) {
    if (err.name === "AbortError") return;
    const detail = err instanceof ApiError ? err.detail : { kind: "network", message: `The server could not be reached (${err.message}).` };
    store.set({ error: detail });
    showError(endpoint, detail);
    return;
  } finally {
    if (inflight === ctl) {
      inflight = null;
      store.set({ loading: false });
      setStatus(null);
    }
  }
  // outside the try: a failure to draw is a bug of the page, not "the server could not be reached"
  const request = result.training ? { endpoint: "/api/network", body: result.spec } : { endpoint, body };
  if (!ctl.signal.aborted) show(result, request, exampleId, frame, keepLog);
}

function show(result, request, exampleId, frame, keepLog) {
  player.pause();
  const symbols = new Map([...store.get().ops.values()].map((o) => [o.name, o.symbol]));
  const script = buildScript(result);
  const layout = layoutGraph(result, dagre, { symbols });
  renderer.setGraph(result, layout, symbols);
  const k = Math.max(0, Math.min(script.frames, frame ?? 0));
  const history = result.training?.loss_history ?? [];
  // a request equal to an example's is that example (the menu and the link say so)
  const named = hashFor(request, store.get().examples, exampleId).example;
  exampleId = named ?? null;
  $("#example-select").value = exampleId ?? "";
  if (!exampleId) $("#example-description").textContent = "";
  const trainLog = keepLog ? [...store.get().trainLog, ...history.slice(store.get().trainLog.length ? 1 : 0)] : history.slice();
  store.set({ result, script, layout, request, exampleId, frame: k, selection: null, error: null, trainLog });
  renderer.setFrame(frameAt(script, k));
  // a graph too big to read whole is followed step by step, unless the learner has chosen
  if (!store.get().followChosen) store.set({ follow: renderer.fitScale() < 0.7 });
  drawLegend($("#legend"), renderer.scale, outputName(result));
  editor.clearError();
  $("#net-error").hidden = true;
  if (request.endpoint === "/api/graph" && typeof request.body.expression === "string") editor.syncInputs(inputsOf(result));
  writeHash();
}

function showError(endpoint, detail) {
  if (endpoint === "/api/network") {
    setTab("network");
    netForm.showError(detail);
    return;
  }
  setTab("expression");
  // an input without a value: offer a field for it
  if (detail.node && /no value given/.test(detail.message)) editor.addInput(detail.node);
  editor.showError(detail);
}

function setStatus(text) {
  const el = $("#graph-status");
  el.hidden = !text;
  el.textContent = text ?? "";
}

function loadExample(id, frame = 0) {
  const ex = store.get().examples.find((e) => e.id === id);
  if (!ex) return false;
  $("#example-select").value = id;
  $("#example-description").textContent = ex.description;
  if (ex.endpoint === "/api/network") {
    netForm.load(ex.request);
    setTab("network");
  } else {
    editor.load(ex.request.expression ?? "", ex.request.values ?? {});
    setTab("expression");
  }
  run(ex.endpoint, ex.request, { exampleId: id, frame });
  return true;
}

function openHash(hash) {
  const h = decodeHash(hash);
  const { examples } = store.get();
  if (h.error) toast(h.error);
  if (h.example && loadExample(h.example, h.frame ?? 0)) return;
  if (h.example) toast(`There is no example called “${h.example}”.`);
  if (h.expr !== undefined || h.req) $("#example-description").textContent = "";
  if (h.expr !== undefined) {
    editor.load(h.expr, h.values);
    setTab("expression");
    $("#example-select").value = "";
    return run("/api/graph", { expression: h.expr, values: h.values }, { frame: h.frame ?? 0 });
  }
  if (h.req) {
    $("#example-select").value = "";
    if (h.req.endpoint === "/api/network") {
      netForm.load(h.req.body);
      setTab("network");
    } else if (typeof h.req.body.expression === "string") {
      editor.load(h.req.body.expression, h.req.body.values);
      setTab("expression");
    }
    return run(h.req.endpoint, h.req.body, { frame: h.frame ?? 0 });
  }
  if (examples.length) loadExample(examples[0].id);
}

function writeHash(withFrame = false) {
  const s = store.get();
  if (!s.request) return "";
  const hash = encodeHash({ ...hashFor(s.request, s.examples, s.exampleId), frame: withFrame ? s.frame : null });
  if (!withFrame && hash !== location.hash) {
    lastHash = hash;
    history.replaceState(null, "", hash);
  }
  return hash;
}

// --- reacting to state --------------------------------------------------------------------------

store.subscribe((s, prev) => {
  if (s.script !== prev.script || s.frame !== prev.frame || s.inFlight !== prev.inFlight) {
    let phase = s.script ? phaseAt(s.script, s.frame) : "idle";
    if (phase === "done" && s.inFlight) phase = "backward"; // the last pulses are still travelling
    document.body.dataset.phase = phase;
    $("#step-counter").textContent = s.script ? `${s.frame} / ${s.script.frames}` : "";
    $(".progress-bar").style.width = s.script ? `${(100 * s.frame) / Math.max(1, s.script.frames)}%` : "0";
    if (s.script) showNarration($("#narration"), s.result, s.script, frameAt(s.script, s.frame, { arrived: !s.inFlight }), symbolsOf(s.ops), s.ops);
    $("#btn-back").disabled = !s.script || s.frame === 0;
    $("#btn-reset").disabled = !s.script || s.frame === 0;
    $("#btn-forward").disabled = !s.script || s.frame >= s.script.frames;
    $("#btn-end").disabled = !s.script || s.frame >= s.script.frames;
  }
  if (s.playing !== prev.playing) {
    const b = $("#btn-play");
    b.setAttribute("aria-label", s.playing ? "Pause" : "Play");
    b.classList.toggle("playing", s.playing);
  }
  if (s.loading !== prev.loading) document.body.classList.toggle("loading", s.loading);
  if (s.follow !== prev.follow) $("#btn-follow").setAttribute("aria-pressed", String(s.follow));
  if (s.selection !== prev.selection || s.result !== prev.result || (s.selection && s.frame !== prev.frame)) {
    renderer.select(s.selection);
    refreshInspector(s);
    if (s.selection !== prev.selection && s.selection) revealCard($("#inspector"));
    if (s.selection !== prev.selection && s.selection) requestAnimationFrame(() => !$("#derivation").hidden && s.selection.kind === "node" && isLeaf(s, s.selection.id) && revealCard($("#derivation")));
  }
  if (s.selection !== prev.selection || s.result !== prev.result) refreshDerivation(s);
  if (s.result !== prev.result || s.trainLog !== prev.trainLog) refreshTraining(s);
});

const symbolCache = new WeakMap();
function symbolsOf(ops) {
  if (!symbolCache.has(ops)) symbolCache.set(ops, new Map([...ops.values()].map((o) => [o.name, o.symbol])));
  return symbolCache.get(ops);
}

// in the stacked layouts the panels sit beside or below the graph: bring the answer into view
function revealCard(card) {
  const r = card.getBoundingClientRect();
  const layoutStacked = getComputedStyle($(".stage")).position !== "static" ? r.left > $(".stage").getBoundingClientRect().right - 1 : true;
  if (!layoutStacked) return;
  if (r.top < 0 || r.top > window.innerHeight - 120) card.scrollIntoView({ block: "start", behavior: "smooth" });
}

function isLeaf(s, id) {
  const n = s.result && nodeById(s.result).get(id);
  return !!n && n.inputs.length === 0;
}

function refreshInspector(s) {
  showInspector($("#inspector-body"), {
    result: s.result,
    selection: s.selection,
    ops: s.ops,
    frame: s.script ? frameAt(s.script, s.frame) : null,
    onGradcheck: gradcheck,
  });
}

async function gradcheck(id) {
  const { request, result } = store.get();
  // a network is checked at the parameters it shows: its spec, without training again
  const [endpoint, base] = result.spec ? ["/api/network", { ...result.spec }] : ["/api/graph", request.endpoint === "/api/graph" ? { ...request.body } : graphSpecFromResult(result)];
  delete base.explain;
  const res = await evaluate(endpoint, { ...base, gradcheck: true });
  return (res.gradcheck ?? []).find((c) => c.id === id);
}

// derivations: of a network's weight or bias, or of any input of an expression
const derivationCache = new Map();
async function refreshDerivation(s) {
  const panel = $("#derivation");
  const body = $("#derivation-body");
  const sel = s.selection;
  const node = s.result && sel && sel.kind === "node" ? nodeById(s.result).get(sel.id) : null;
  const wants = node && node.op === "input" && node.grad != null && (!node.role || node.role === "weight" || node.role === "bias" || node.role === "input");
  if (!wants) {
    panel.hidden = s.request?.endpoint !== "/api/network";
    if (!panel.hidden) showDerivation(body, "", null);
    return;
  }
  panel.hidden = false;
  const onPath = (stops) => renderer.highlightPath(stops);
  renderer.highlightPath(null);
  const have = s.result.derivations?.[node.id] ?? derivationCache.get(s.result)?.get(node.id);
  if (have) return showDerivation(body, node.label, have, { onPath });
  showDerivation(body, node.label, null, { loading: true });
  try {
    // a network is explained at the parameters it shows (its spec): never trained again
    const req = { ...(s.result.spec ?? s.request.body), explain: [node.id] };
    const res = await evaluate(s.result.spec ? "/api/network" : s.request.endpoint, req);
    const d = res.derivations?.[node.id] ?? null;
    if (!derivationCache.has(s.result)) derivationCache.set(s.result, new Map());
    derivationCache.get(s.result).set(node.id, d);
    if (store.get().selection === sel) showDerivation(body, node.label, d, d ? { onPath } : { error: "No derivation was returned for this node." });
  } catch (err) {
    if (store.get().selection === sel) showDerivation(body, node.label, null, { error: err.message });
  }
}

function refreshTraining(s) {
  const isNet = s.request?.endpoint === "/api/network";
  $("#training").hidden = !isNet;
  if (!isNet) return;
  drawLossChart($("#loss-chart"), s.trainLog);
  showParams($("#training-params"), s.result);
}

async function train(steps) {
  const { request, result } = store.get();
  if (!request || request.endpoint !== "/api/network" || !result.spec) return;
  await run("/api/network/train", { ...result.spec, steps }, { keepLog: true });
}

// --- controls -----------------------------------------------------------------------------------

const { setTab, toast } = wireControls({ store, player, renderer, shareHash: () => writeHash(true) });
$("#example-select").addEventListener("change", (ev) => ev.target.value && loadExample(ev.target.value));
$("#train-one").addEventListener("click", () => train(1));
$("#train-n-btn").addEventListener("click", () => train(Math.max(1, Math.min(10000, Number($("#train-n").value) || 1))));

window.addEventListener("hashchange", () => {
  if (location.hash !== lastHash) openHash(location.hash);
});
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => renderer.fit(false), 150);
});

// gallery: drawn the first time it is opened
let galleryLoaded = false;
let activationsPromise = null;
$("#gallery").addEventListener("toggle", async (ev) => {
  if (!ev.target.open || galleryLoaded) return;
  galleryLoaded = true;
  try {
    showGallery($("#gallery-body"), await (activationsPromise ?? getActivations()));
  } catch (err) {
    galleryLoaded = false;
    $("#gallery-body").textContent = `The activation functions could not be loaded (${err.message}).`;
  }
});

// --- boot -----------------------------------------------------------------------------------------

async function boot() {
  try {
    const [examples, ops] = await Promise.all([getExamples(), getOps()]);
    // the seed's network is the default and comes first
    examples.sort((a, b) => (b.id === "seed-network") - (a.id === "seed-network"));
    store.set({ examples, ops: new Map(ops.map((o) => [o.name, o])) });
    fillExamples(examples);
    // the editor's help lists the functions the API knows (unary and named ops)
    const fns = ops.filter((o) => /^[a-z_]+$/.test(o.name) && o.arity !== 0 && !["add", "sub", "mul", "div", "pow", "neg", "matmul", "identity"].includes(o.name));
    if (fns.length) $("#ops-list").textContent = fns.map((o) => o.name).join(", ");
    netForm.setLosses(ops.filter((o) => o.category === "loss").map((o) => o.name));
    // the network builder offers what /api/activations serves (the gallery reuses it)
    activationsPromise = getActivations();
    activationsPromise.then((acts) => netForm.setActivations(acts.map((a) => a.name)), () => {});
  } catch (err) {
    toast(`The API could not be reached: ${err.message}`);
    return;
  }
  openHash(location.hash);
}


function fillExamples(examples) {
  const sel = $("#example-select");
  sel.replaceChildren();
  const groups = [
    ["Networks", examples.filter((e) => e.endpoint === "/api/network")],
    ["Expressions", examples.filter((e) => e.endpoint !== "/api/network")],
  ];
  const custom = document.createElement("option");
  custom.value = "";
  custom.textContent = "(your own graph)";
  custom.disabled = true;
  sel.append(custom);
  for (const [label, list] of groups) {
    if (!list.length) continue;
    const og = document.createElement("optgroup");
    og.label = label;
    for (const e of list) {
      const o = document.createElement("option");
      o.value = e.id;
      o.textContent = e.title;
      og.append(o);
    }
    sel.append(og);
  }
}

boot();
