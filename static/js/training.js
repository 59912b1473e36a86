// The training panel of a network: the loss curve (a d3 line chart of loss_history) and the
// parameters before and after the steps.
//
//   showTraining(chartSvg, tableEl, result)

import { d3 } from "./lib.js";
import { fmt } from "./format.js";
import { h, clear } from "./dom.js";

export function drawLossChart(svgEl, history) {
  const svg = d3.select(svgEl);
  svg.selectAll("*").remove();
  const W = 300;
  const H = 150;
  const m = { t: 12, r: 12, b: 26, l: 46 };
  svg.attr("viewBox", `0 0 ${W} ${H}`);
  if (!history || history.length === 0) {
    svg.append("text").attr("class", "muted").attr("x", W / 2).attr("y", H / 2).attr("text-anchor", "middle").text("Train to see the loss curve");
    return;
  }
  const pts = history.map((v, i) => [i, v]);
  const x = d3.scaleLinear().domain([0, Math.max(1, history.length - 1)]).range([m.l, W - m.r]);
  const positive = history.every((v) => v > 0);
  const [lo, hi] = d3.extent(history);
  const y = (positive && hi / lo > 20 ? d3.scaleLog() : d3.scaleLinear()).domain(positive && hi / lo > 20 ? [lo, hi] : [Math.min(0, lo), hi || 1]).nice().range([H - m.b, m.t]);
  svg.append("g").attr("class", "axis").attr("transform", `translate(0,${H - m.b})`).call(d3.axisBottom(x).ticks(Math.min(5, history.length - 1)).tickFormat(d3.format("~d")));
  svg.append("g").attr("class", "axis").attr("transform", `translate(${m.l},0)`).call(d3.axisLeft(y).ticks(4, "~g"));
  svg.append("path").attr("class", "loss-line").attr("d", d3.line().x((d) => x(d[0])).y((d) => y(d[1]))(pts));
  const last = pts[pts.length - 1];
  svg.append("circle").attr("class", "loss-dot").attr("r", 3).attr("cx", x(last[0])).attr("cy", y(last[1]));
  svg.append("text").attr("class", "axis-label").attr("x", W - m.r).attr("y", m.t + 2).attr("text-anchor", "end").text(`loss ${fmt(last[1])} after ${history.length - 1} step${history.length === 2 ? "" : "s"}`);
}

/** Flatten {name: number | list} into rows of [name, value] pairs. */
function entries(params) {
  if (!params) return [];
  return Object.entries(params).flatMap(([k, v]) => (typeof v === "number" ? [[k, v]] : (v.flat ? v.flat() : []).map((x, i) => [`${k}[${i}]`, x])));
}

export function showParams(el, result) {
  clear(el);
  const before = entries(result.training?.params_before ?? result.params);
  if (!before.length) return;
  const after = new Map(result.training ? entries(result.params) : []);
  const table = h("table", { class: "params" });
  table.append(h("tr", {}, [h("th", { text: "param" }), h("th", { text: "before" }), h("th", { text: "after" }), h("th", { text: "change" })]));
  for (const [k, v] of before.slice(0, 200)) {
    const a = after.get(k);
    const d = a === undefined ? null : a - v;
    table.append(h("tr", {}, [h("td", { text: k }), h("td", { class: "num", text: fmt(v) }), h("td", { class: "num", text: a === undefined ? "" : fmt(a) }), h("td", { class: `num ${d > 0 ? "up" : d < 0 ? "down" : ""}`, text: d === null ? "" : fmt(d) })]));
  }
  el.append(table);
}
