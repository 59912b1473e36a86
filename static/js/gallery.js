// The activation gallery (from /api/activations): each function f and its derivative f' on one
// small chart, with their formulas.
//
//   showGallery(el, activations)

import { d3 } from "./lib.js";
import { renderTex } from "./tex.js";
import { h, clear } from "./dom.js";

export function showGallery(el, activations) {
  clear(el);
  if (!activations || !activations.length) {
    el.append(h("p", { class: "muted", text: "No activation functions were served." }));
    return;
  }
  el.append(h("p", { class: "legend-inline small" }, [h("span", { class: "sw f", text: "f" }), h("span", { class: "sw df", text: "f′" })]));
  const grid = h("div", { class: "gallery" });
  for (const a of activations) {
    if (!a.points?.length) {
      // maxout: no curve of one variable; its rule in words and symbols
      const fig = h("figure", { class: "act" }, [h("figcaption", { text: a.name })]);
      const f = h("div", { class: "tex small" });
      renderTex(f, `h = ${a.latex}`);
      fig.append(f, h("p", { class: "muted small", text: a.note }));
      grid.append(fig);
      continue;
    }
    const fig = h("figure", { class: "act" });
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "act-chart");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `${a.name} and its derivative`);
    fig.append(h("figcaption", { text: a.name }), svg);
    const f = h("div", { class: "tex small" });
    renderTex(f, `f(x) = ${a.latex}`);
    const df = h("div", { class: "tex small" });
    renderTex(df, `f'(x) = ${a.dlatex}`);
    fig.append(f, df);
    grid.append(fig);
    plot(svg, a.points ?? []);
  }
  el.append(grid);
}

function plot(svgEl, points) {
  const W = 140;
  const H = 90;
  const svg = d3.select(svgEl).attr("viewBox", `0 0 ${W} ${H}`);
  if (!points.length) return;
  const x = d3.scaleLinear().domain(d3.extent(points, (p) => p.x)).range([4, W - 4]);
  const ys = points.flatMap((p) => [p.f, p.df]).filter(Number.isFinite);
  const [lo, hi] = d3.extent(ys);
  const y = d3.scaleLinear().domain([Math.min(lo, -0.1), Math.max(hi, 1)]).nice().range([H - 4, 4]);
  svg.append("line").attr("class", "zero").attr("x1", 4).attr("x2", W - 4).attr("y1", y(0)).attr("y2", y(0));
  svg.append("line").attr("class", "zero").attr("x1", x(0)).attr("x2", x(0)).attr("y1", 4).attr("y2", H - 4);
  const line = (key) => d3.line().defined((p) => Number.isFinite(p[key])).x((p) => x(p.x)).y((p) => y(p[key]));
  svg.append("path").attr("class", "f").attr("d", line("f")(points));
  svg.append("path").attr("class", "df").attr("d", line("df")(points));
}
