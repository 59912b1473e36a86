// The gradient colour scale (viridis on a log scale of |grad|, colour-blind safe) and its
// legend. Edges and pulses are painted with it; the legend is its own small SVG.
//
//   const scale = gradScale(result);   // {lo, hi, t, color(m), width(m)}
//   drawLegend(legendSvg, scale, "f");

import { d3 } from "./lib.js";
import { fmt, magnitude } from "./format.js";

/** Log-scale colour and width of |grad| over every edge of a result (viridis, colour-blind safe). */
export function gradScale(result) {
  const mags = result.edges.map((e) => (e.grad == null ? 0 : magnitude(e.grad))).filter((m) => m > 0 && Number.isFinite(m));
  let lo = mags.length ? d3.min(mags) : 1e-3;
  let hi = mags.length ? d3.max(mags) : 1;
  if (hi / lo < 100) {
    // a narrow range would paint tiny differences as huge ones: keep at least two decades
    const mid = Math.sqrt(hi * lo);
    lo = Math.min(lo, mid / 10);
    hi = Math.max(hi, mid * 10);
  }
  const t = d3.scaleLog().domain([lo, hi]).range([0, 1]).clamp(true);
  // large gradients dark and thick, vanishing ones pale and thin (viridis from 0.86 to 0)
  const color = (m) => d3.interpolateViridis(0.86 * (1 - t(m)));
  const width = (m) => 1.2 + 5 * t(m);
  return { lo, hi, t, color, width };
}

/** The colour legend: a log-scale bar of |grad| with ticks, drawn into its own small SVG. */
export function drawLegend(svgEl, scale, outLabel = "out") {
  const svg = d3.select(svgEl);
  svg.selectAll("*").remove();
  if (!scale) return;
  const W = 260;
  const x = d3.scaleLog().domain([scale.lo, scale.hi]).range([10, W - 10]);
  svg.attr("viewBox", `0 0 ${W + 190} 40`);
  const id = "legend-gradient";
  const grad = svg.append("defs").append("linearGradient").attr("id", id);
  d3.range(0, 1.0001, 0.1).forEach((t) => {
    grad.append("stop").attr("offset", `${t * 100}%`).attr("stop-color", scale.color(scale.lo * Math.pow(scale.hi / scale.lo, t)));
  });
  svg.append("rect").attr("x", 10).attr("y", 11).attr("width", W - 20).attr("height", 10).attr("fill", `url(#${id})`).attr("rx", 2);
  // powers of ten inside the domain, else its two ends
  const lo10 = Math.ceil(Math.log10(scale.lo));
  const hi10 = Math.floor(Math.log10(scale.hi));
  const step = Math.max(1, Math.ceil((hi10 - lo10 + 1) / 5));
  const ticks = d3.range(lo10, hi10 + 1, step).map((e) => Math.pow(10, e));
  const axis = svg.append("g").attr("class", "legend-axis").attr("transform", "translate(0,24)");
  axis.selectAll("text").data(ticks.length ? ticks : [scale.lo, scale.hi]).join("text")
    .attr("x", (v) => x(v)).attr("y", 11).attr("text-anchor", "middle").text((v) => fmt(v, 2));
  svg.append("text").attr("class", "legend-title").attr("x", W + 2).attr("y", 20).text(`|∂${outLabel}/∂·| carried per edge`);
}
