// The network builder: layers, an activation per layer, loss, inputs and targets, learning rate,
// view. It reads into a /api/network request and loads one back.
//
//   const nf = createNetworkForm(formEl, { onRun, activations: ["sigmoid", "tanh"] });
//   nf.load(example.request);

import { parseLayers, parseRows } from "./requests.js";
import { h, clear } from "./dom.js";

// Display names of the losses the registry serves (/api/ops, category "loss"); an unknown one shows
// its op name.
const LOSS_NAMES = new Map([
  ["half_sse", "½ Σ (target − o)²"],
  ["mse", "mean squared error"],
  ["softmax_cross_entropy", "softmax + cross-entropy"],
  ["hinge", "hinge (multiclass SVM)"],
]);

export function createNetworkForm(form, { onRun }) {
  const $ = (sel) => form.querySelector(sel);
  const layersEl = $("#net-layers");
  const actsEl = $("#net-activations");
  const lossEl = $("#net-loss");
  const errorBox = $("#net-error");
  let activations = ["sigmoid", "tanh", "relu"];
  let base = null; // the loaded request: its params are kept while the shape is the same

  setLosses(["half_sse"]);

  function setLosses(names) {
    const previous = lossEl.value || "half_sse";
    clear(lossEl);
    for (const l of names) lossEl.append(h("option", { value: l, text: LOSS_NAMES.get(l) ?? l }));
    lossEl.value = names.includes(previous) ? previous : names[0];
  }

  function setActivations(names) {
    if (names && names.length) activations = names;
    renderActs(currentActs());
  }

  function currentActs() {
    return [...actsEl.querySelectorAll("select")].map((s) => s.value);
  }

  function renderActs(previous = []) {
    const r = parseLayers(layersEl.value);
    const n = r.ok ? r.value.length - 1 : previous.length;
    clear(actsEl);
    for (let i = 0; i < n; i++) {
      const id = `net-act-${i}`;
      const sel = h("select", { id });
      for (const a of activations) sel.append(h("option", { value: a, text: a }));
      // the seed's sigmoid unless the learner (or the loaded example) chose another
      sel.value = previous[i] ?? previous[previous.length - 1] ?? (activations.includes("sigmoid") ? "sigmoid" : activations[0]);
      const name = i === n - 1 ? "output layer" : n > 2 ? `hidden layer ${i + 1}` : "hidden layer";
      actsEl.append(h("label", { for: id, class: "act-row" }, [h("span", { text: name }), sel]));
    }
  }

  function load(req) {
    base = req;
    layersEl.value = (req.layers ?? [2, 2, 2]).join(", ");
    const act = req.activation ?? "sigmoid";
    const n = (req.layers ?? [2, 2, 2]).length - 1;
    for (const a of Array.isArray(act) ? act : [act]) if (!activations.includes(a)) activations = [...activations, a];
    renderActs(Array.isArray(act) ? act : Array(n).fill(act));
    lossEl.value = req.loss ?? "half_sse";
    $("#net-inputs").value = JSON.stringify(req.inputs ?? [[0.05, 0.1]]).replace(/,/g, ", ");
    $("#net-targets").value = JSON.stringify(req.targets ?? [[0.01, 0.99]]).replace(/,/g, ", ");
    $("#net-lr").value = String(req.learning_rate ?? 0.5);
    $("#net-seed").value = req.seed ?? "";
    $("#net-view").value = req.view ?? "neurons";
    $("#net-biases").checked = !!req.train_biases;
    errorBox.hidden = true;
  }

  function read() {
    const fail = (message) => {
      showError({ message });
      return { ok: false };
    };
    const layers = parseLayers(layersEl.value);
    if (!layers.ok) return fail(`Layers: ${layers.message}`);
    const sizes = layers.value;
    const inputs = parseRows($("#net-inputs").value, sizes[0], "Inputs");
    if (!inputs.ok) return fail(inputs.message);
    const targets = parseRows($("#net-targets").value, sizes[sizes.length - 1], "Targets");
    if (!targets.ok) return fail(targets.message);
    if (targets.value.length !== inputs.value.length) return fail("Give one target row per input row.");
    const lr = Number($("#net-lr").value);
    if (!Number.isFinite(lr) || lr < 0) return fail("The learning rate is a number ≥ 0.");
    const acts = currentActs();
    const body = {
      layers: sizes,
      activation: acts.every((a) => a === acts[0]) ? acts[0] : acts,
      loss: lossEl.value,
      inputs: inputs.value,
      targets: targets.value,
      learning_rate: lr,
      train_biases: $("#net-biases").checked,
      view: $("#net-view").value,
    };
    const seed = $("#net-seed").value.trim();
    if (seed !== "") body.seed = Number(seed);
    else if (base && base.params && sameLayers(base.layers, sizes)) body.params = base.params;
    else if (base && Number.isInteger(base.seed)) body.seed = base.seed;
    else body.seed = 0;
    // the loaded example's derivations name the nodes of its own view (w5, or W2)
    if (base && base.explain && (base.view ?? "neurons") === body.view) body.explain = base.explain;
    errorBox.hidden = true;
    return { ok: true, body };
  }

  function showError(detail) {
    errorBox.hidden = false;
    errorBox.querySelector(".error-message").textContent = detail.field ? `${detail.message}` : detail.message;
  }

  layersEl.addEventListener("input", () => renderActs(currentActs()));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const r = read();
    if (r.ok) onRun(r.body);
  });

  return { load, read, showError, setActivations, setLosses };
}

function sameLayers(a, b) {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}
