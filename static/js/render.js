// The only module that touches the graph's SVG: keyed d3 joins of nodes and edges, the frame's
// values and gradients, pulses along edges, pan and zoom, and the legend.
//
//   const r = createRenderer(svgElement, { onSelect });
//   r.setGraph(result, layout);                      // new graph: join, fit to view
//   await r.setFrame(frame, { duration: 300 });      // values/grads/edge colours of a frame
//   await r.pulse([edgeIndex, ...], 700);            // dots travel target -> source
//
// User-given names are only ever written with .text() (never .html()), and ids are kept in
// Maps and data attributes, so an id like `<img src=x onerror=...>` or `__proto__` is inert.

import { d3 } from "./lib.js";
import { fmtCompact, magnitude } from "./format.js";
import { arrivals } from "./steps.js";
import { gradScale } from "./legend.js";
import { buildNode, writeBlock } from "./nodes.js";
import { edgeText, edgeTitle, equationText, partialText, sumText } from "./labels.js";


export function createRenderer(svgEl, { onSelect = () => {} } = {}) {
  const svg = d3.select(svgEl);
  svg.selectAll("*").remove();
  const viewport = svg.append("g").attr("class", "viewport");
  const edgeLayer = viewport.append("g").attr("class", "edges");
  const nodeLayer = viewport.append("g").attr("class", "nodes");
  const labelLayer = viewport.append("g").attr("class", "edge-labels");
  const pulseLayer = viewport.append("g").attr("class", "pulses");
  // semantic zoom: the carried-gradient labels of past steps only show once they are legible
  const zoom = d3.zoom().scaleExtent([0.15, 4]).on("zoom", (ev) => {
    viewport.attr("transform", ev.transform);
    svg.classed("zoomed-out", ev.transform.k < 0.72);
  });
  svg.call(zoom).on("dblclick.zoom", null);

  let result = null;
  let layout = null;
  let scale = null;
  let byId = new Map();
  let symbols = new Map();
  let usesOf = new Map(); // id -> how many edges carry gradient out of it (its fan-out)
  const line = d3.line().x((p) => p.x).y((p) => p.y).curve(d3.curveBasis);

  function setGraph(res, lay, opSymbols = new Map()) {
    symbols = opSymbols;
    result = res;
    layout = lay;
    byId = new Map(res.nodes.map((n) => [n.id, n]));
    usesOf = new Map();
    for (const e of res.edges) if (e.grad != null) usesOf.set(e.source, (usesOf.get(e.source) ?? 0) + 1);
    scale = gradScale(res);
    pulseLayer.selectAll("*").interrupt().remove();

    // --- edges ---------------------------------------------------------------------------
    const edgeData = res.edges.map((e, i) => ({ e, i, lay: lay.edges[i] }));
    edgeLayer
      .selectAll("g.edge")
      .data(edgeData, (d) => d.lay.key)
      .join((enter) => {
        const g = enter.append("g").attr("class", "edge");
        g.append("path").attr("class", "edge-hit");
        g.append("path").attr("class", "edge-line");
        return g;
      })
      .attr("data-edge-source", (d) => d.e.source)
      .attr("data-edge-target", (d) => d.e.target)
      .attr("data-edge-slot", (d) => d.e.slot)
      .attr("data-edge-index", (d) => d.i)
      .attr("tabindex", -1)
      .on("click", (ev, d) => {
        ev.stopPropagation();
        onSelect({ kind: "edge", id: String(d.i) });
      })
      // (selectAll does not pass the group's new datum down: set each path from its group)
      .each(function (d) {
        d3.select(this).selectAll("path").attr("d", line(d.lay.points));
      })
      .call((g) => g.selectAll("title").data((d) => [d]).join("title").text((d) => edgeTitle(result, d.e)));

    labelLayer
      .selectAll("g.edge-label")
      .data(edgeData, (d) => d.lay.key)
      .join((enter) => {
        const g = enter.append("g").attr("class", "edge-label");
        g.append("rect").attr("rx", 3);
        g.append("text").attr("text-anchor", "middle").attr("dy", "0.35em");
        return g;
      })
      .attr("data-edge-index", (d) => d.i)
      .attr("transform", (d) => {
        const p = midpoint(d.lay.points);
        return `translate(${p.x},${p.y})`;
      })
      .on("click", (ev, d) => {
        ev.stopPropagation();
        onSelect({ kind: "edge", id: String(d.i) });
      });

    // --- nodes ---------------------------------------------------------------------------
    const nodeData = res.nodes.map((n) => ({ n, lay: lay.nodes.get(n.id) }));
    nodeLayer
      .selectAll("g.node")
      .data(nodeData, (d) => d.n.id)
      .join((enter) => enter.append("g"))
      .attr("class", (d) => `node kind-${d.lay.kind} op-${cssToken(d.n.op)} role-${cssToken(d.n.role ?? (d.n.inputs.length ? "op" : "input"))}`)
      .attr("data-node-id", (d) => d.n.id)
      .attr("transform", (d) => `translate(${d.lay.x},${d.lay.y})`)
      .attr("tabindex", 0)
      .attr("role", "button")
      .on("click", (ev, d) => {
        ev.stopPropagation();
        onSelect({ kind: "node", id: d.n.id });
      })
      .on("keydown", (ev, d) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          ev.stopPropagation();
          onSelect({ kind: "node", id: d.n.id });
        }
      })
      .each(function (d) {
        buildNode(d3.select(this), d.n, d.lay, symbols);
      });
    svg.on("click", () => onSelect(null));
    fit(false);
  }

  /**
   * Show a frame. Gradients are written in the order they were finalized (frame.grads), so that
   * an observer sees them appear in backward order even when the page jumps several steps.
   * @returns {Promise<void>} resolves when its transitions have ended
   */
  function setFrame(frame, { duration = 0 } = {}) {
    if (!result) return Promise.resolve();
    const nodes = nodeLayer.selectAll("g.node");
    const finalized = new Set(frame.grads);
    const arrived = arrivals(result, frame.fired);
    // at the very end the last step's equations give way to the plain carried gradients
    const current = frame.phase === "done" && frame.arrived ? null : frame.current;
    const justFinal = new Set();
    if (current) {
      justFinal.add(current.node);
      if (finalized.has(current.leaves[0])) current.leaves.forEach((l) => justFinal.add(l));
    }
    const level = new Set(frame.level ?? []);
    const transitions = [];

    nodes.each(function (d) {
      const g = d3.select(this);
      const id = d.n.id;
      const shown = frame.values.has(id);
      const valueSel = g.select(".value");
      const wasShown = g.classed("has-value");
      writeBlock(valueSel, shown ? d.n.value : null);
      g.classed("has-value", shown);
      if (shown && !wasShown && duration > 0) {
        valueSel.style("opacity", 0);
        transitions.push(valueSel.transition().duration(duration).style("opacity", 1).end());
      } else {
        valueSel.interrupt().style("opacity", null);
      }
      g.attr("aria-label", `${d.n.label}: value ${shown ? fmtCompact(d.n.value, 4, 4) : "not computed yet"}${finalized.has(id) && d.n.grad != null ? `, gradient ${fmtCompact(d.n.grad, 4, 4)}` : ""}`);
      g.classed("computing", level.has(id));
      g.classed("current", !!current && current.node === id);
      g.classed("reached", finalized.has(id));
      // the running sum of what has arrived, until the node is complete
      const got = arrived.get(id) ?? [];
      const total = usesOf.get(id) ?? 0;
      const partial = !finalized.has(id) && got.length > 0;
      g.classed("partial", partial);
      g.select(".grad-partial").text(partial ? partialText(result, got, total) : "");
      // a fan-in sum shows when its node completes, and an inner node's stays on at the end
      const sum = (justFinal.has(id) || (frame.phase === "done" && d.n.inputs.length > 0)) && finalized.has(id) && got.length > 1;
      g.select(".grad-sum").text(sum ? sumText(result, got, d.n.grad) : "");
    });
    // gradients, in the order they were finalized
    const els = new Map();
    nodes.each(function (d) { els.set(d.n.id, this); });
    for (const id of frame.grads) {
      const g = d3.select(els.get(id));
      if (g.attr("data-grad-step") === String(frame.gradStep.get(id))) continue;
      g.attr("data-grad-step", frame.gradStep.get(id));
      writeBlock(g.select(".grad"), byId.get(id).grad);
    }
    nodes.filter((d) => !finalized.has(d.n.id)).each(function () {
      const g = d3.select(this);
      if (g.attr("data-grad-step") === null) return;
      g.attr("data-grad-step", null);
      writeBlock(g.select(".grad"), null);
    });

    // edges: colour and width once they have carried their gradient
    const active = new Set(current ? current.edges : []);
    const levelEdges = new Set();
    result.edges.forEach((e, i) => { if (level.has(e.target)) levelEdges.add(i); });
    edgeLayer.selectAll("g.edge").each(function (d) {
      const g = d3.select(this);
      const fired = frame.fired.has(d.i);
      const m = d.e.grad == null ? 0 : magnitude(d.e.grad);
      g.classed("fired", fired).classed("active", active.has(d.i)).classed("fwd", levelEdges.has(d.i)).classed("zero", fired && m === 0);
      const path = g.select(".edge-line");
      path.style("stroke", fired && m > 0 ? scale.color(m) : null).style("stroke-width", fired && m > 0 ? `${scale.width(m)}px` : null);
    });
    labelLayer.selectAll("g.edge-label").each(function (d) {
      const g = d3.select(this);
      const isActive = active.has(d.i);
      const fired = frame.fired.has(d.i);
      const text = isActive ? equationText(result, d.e) : fired ? edgeText(d.e.grad) : "";
      g.classed("active", isActive).classed("shown", !!text);
      const t = g.select("text").text(text);
      const bb = text ? t.node().getBBox() : { x: 0, y: 0, width: 0, height: 0 };
      g.select("rect").attr("x", bb.x - 3).attr("y", bb.y - 1).attr("width", text ? bb.width + 6 : 0).attr("height", text ? bb.height + 2 : 0);
    });
    return Promise.all(transitions).then(() => {}, () => {});
  }

  /** Dots travel along the edges from the target back to the source (or forward, in blue). */
  function pulse(indices, duration, { forward = false } = {}) {
    if (!result || !indices.length || duration <= 0) return Promise.resolve();
    const paths = new Map();
    edgeLayer.selectAll("g.edge").each(function (d) {
      if (indices.includes(d.i)) paths.set(d.i, d3.select(this).select(".edge-line").node());
    });
    const ends = [];
    for (const i of indices) {
      const path = paths.get(i);
      if (!path) continue;
      const len = path.getTotalLength();
      const m = magnitude(result.edges[i].grad);
      const dot = pulseLayer.append("circle").attr("class", forward ? "pulse fwd" : "pulse")
        .attr("r", forward ? 3.5 : 3 + 2.5 * scale.t(m || scale.lo))
        .style("fill", !forward && m > 0 ? scale.color(m) : null);
      const at = (t) => {
        const p = path.getPointAtLength(len * (forward ? t : 1 - t));
        return `translate(${p.x},${p.y})`;
      };
      dot.attr("transform", at(0));
      ends.push(
        dot.transition().duration(duration).ease(d3.easeCubicInOut).attrTween("transform", () => at).end()
          .finally(() => dot.remove()),
      );
    }
    return Promise.all(ends).then(() => {}, () => {});
  }

  function stop() {
    pulseLayer.selectAll("circle").interrupt().remove();
    nodeLayer.selectAll(".value").interrupt().style("opacity", null);
  }

  function select(sel) {
    nodeLayer.selectAll("g.node").classed("selected", (d) => !!sel && sel.kind === "node" && sel.id === d.n.id);
    edgeLayer.selectAll("g.edge").classed("selected", (d) => !!sel && sel.kind === "edge" && sel.id === String(d.i));
  }

  /**
   * Fit the graph to the view. A graph so big that the whole of it would be illegible (below
   * 45%) is shown at a readable scale from its top instead, unless `whole` is asked for.
   */
  function fit(animated = true, whole = false) {
    if (!layout) return;
    const { width, height } = svgEl.getBoundingClientRect();
    if (!width || !height || !layout.width) return;
    let k = Math.min(width / layout.width, height / layout.height, 1.3);
    let ty = (height - layout.height * k) / 2;
    if (!whole && k < 0.45) {
      k = Math.max(0.45, Math.min(width / layout.width, 1));
      ty = layout.height * k > height ? 8 : (height - layout.height * k) / 2;
    }
    const tx = layout.width * k > width ? 8 : (width - layout.width * k) / 2;
    const t = d3.zoomIdentity.translate(tx, ty).scale(k);
    (animated ? svg.transition().duration(400) : svg).call(zoom.transform, t);
  }

  /**
   * Mark one chain-rule path (its named stops, as the derivation lists them, and the unnamed
   * gates between consecutive stops); null clears it.
   */
  function highlightPath(stops) {
    const on = new Set(stops ?? []);
    if (stops && result) {
      const pairs = new Set();
      for (let i = 0; i + 1 < stops.length; i++) pairs.add(JSON.stringify([stops[i + 1], stops[i]]));
      // a node g between consecutive stops a -> g -> b (a gate, or E_o2 between o2 and E_total)
      for (const n of result.nodes) {
        if (on.has(n.id)) continue;
        const outs = result.edges.filter((e) => e.source === n.id).map((e) => e.target);
        if (n.inputs.some((a) => outs.some((b) => pairs.has(JSON.stringify([a, b]))))) on.add(n.id);
      }
    }
    nodeLayer.selectAll("g.node").classed("on-path", (d) => on.has(d.n.id));
    edgeLayer.selectAll("g.edge").classed("on-path", (d) => on.has(d.e.source) && on.has(d.e.target));
    svg.classed("path-mode", !!stops);
  }

  /** Zoom to a few nodes (a step's node and its inputs) at a legible scale. */
  function focusOn(ids, duration = 450) {
    if (!layout) return Promise.resolve();
    const boxes = ids.map((id) => layout.nodes.get(id)).filter(Boolean);
    if (!boxes.length) return Promise.resolve();
    const { width, height } = svgEl.getBoundingClientRect();
    const x0 = Math.min(...boxes.map((b) => b.x - b.width / 2)) - 60;
    const x1 = Math.max(...boxes.map((b) => b.x + b.width / 2)) + 60;
    const y0 = Math.min(...boxes.map((b) => b.y - b.height / 2)) - 40;
    const y1 = Math.max(...boxes.map((b) => b.y + b.height / 2)) + 40;
    const k = Math.max(0.6, Math.min(1.25, width / (x1 - x0), height / (y1 - y0)));
    const t = d3.zoomIdentity.translate(width / 2 - k * (x0 + x1) / 2, height / 2 - k * (y0 + y1) / 2).scale(k);
    return svg.transition().duration(duration).call(zoom.transform, t).end().catch(() => {});
  }

  /** The scale at which the whole graph fits the view. */
  function fitScale() {
    if (!layout || !layout.width) return 1;
    const { width, height } = svgEl.getBoundingClientRect();
    return Math.min(width / layout.width, height / layout.height);
  }

  /** Centre the view on a node without changing the zoom (keyboard users follow the flow). */
  function reveal(id) {
    const lay = layout && layout.nodes.get(id);
    if (!lay) return;
    const t = d3.zoomTransform(svgEl);
    const { width, height } = svgEl.getBoundingClientRect();
    const [x, y] = t.apply([lay.x, lay.y]);
    if (x > 40 && x < width - 40 && y > 40 && y < height - 40) return;
    svg.transition().duration(300).call(zoom.translateTo, lay.x, lay.y);
  }

  return { setGraph, setFrame, pulse, stop, select, fit, reveal, focusOn, fitScale, highlightPath, get scale() { return scale; } };
}

function midpoint(points) {
  if (points.length % 2 === 1) return points[(points.length - 1) / 2];
  const a = points[points.length / 2 - 1];
  const b = points[points.length / 2];
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

function cssToken(s) {
  return String(s ?? "").replace(/[^a-zA-Z0-9_-]/g, "_");
}
