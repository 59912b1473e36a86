// A node's drawing inside its SVG group: the box, the label and op tag, and the value and
// gradient rows (a number, or a grid of at most 4 x 4 cells). Only render.js calls these.
//
//   buildNode(d3.select(g), node, layoutOfNode, symbols);  writeBlock(g.select(".grad"), node.grad);

import { fmt } from "./format.js";
import { CELL_W, CELL_H, MAX_CELLS, opTag } from "./layout.js";

const PAD = 6;
const HEADER = 20;
const CAP_W = 16; // the "v" / "∇" caption column

/** Draw a node's box, title, value and gradient rows (empty until a frame fills them). */
export function buildNode(g, n, lay, symbols) {
  g.selectAll("*").remove();
  const w = lay.width;
  const h = lay.height;
  g.append("rect").attr("class", "box").attr("x", -w / 2).attr("y", -h / 2).attr("width", w).attr("height", h).attr("rx", lay.kind === "gate" ? 14 : 7);
  const title = g.append("text").attr("class", "title").attr("x", -w / 2 + PAD).attr("y", -h / 2 + PAD + 12);
  title.append("tspan").attr("class", "label").text(n.label);
  const tag = opTag({ ...n, opSymbol: symbols.get(n.op) });
  if (lay.kind !== "gate" && tag !== n.label) title.append("tspan").attr("class", "tag").attr("dx", 6).text(tag);
  if (lay.kind === "gate") {
    title.attr("x", 0).attr("text-anchor", "middle").attr("y", -h / 2 + 15);
    g.append("text").attr("class", "value").attr("x", 0).attr("y", -h / 2 + 32).attr("text-anchor", "middle");
    g.append("text").attr("class", "grad").attr("x", 0).attr("y", -h / 2 + 46).attr("text-anchor", "middle");
  } else {
    const top = -h / 2 + PAD + HEADER;
    block(g, "value", n, lay, top);
    block(g, "grad", n, lay, top + lay.block);
  }
  g.append("text").attr("class", "grad-partial").attr("x", 0).attr("y", -h / 2 - 6).attr("text-anchor", "middle");
  g.append("text").attr("class", "grad-sum").attr("x", 0).attr("y", h / 2 + 14).attr("text-anchor", "middle");
}

// a value or gradient row: caption, then one number or a grid of cells
function block(g, which, n, lay, top) {
  const w = lay.width;
  g.append("text").attr("class", `cap cap-${which}`).attr("x", -w / 2 + PAD).attr("y", top + 12).text(which === "value" ? "v" : "∇");
  if (!lay.grid) {
    g.append("text").attr("class", which).attr("x", w / 2 - PAD).attr("y", top + 12).attr("text-anchor", "end");
    return;
  }
  const grid = g.append("g").attr("class", `${which} grid`);
  const { shownRows, shownCols, rows, cols } = lay.grid;
  const x0 = -w / 2 + PAD + CAP_W;
  for (let r = 0; r < shownRows; r++) {
    for (let c = 0; c < shownCols; c++) {
      grid.append("text").attr("class", "cell").attr("data-r", r).attr("data-c", c)
        .attr("x", x0 + c * CELL_W + CELL_W - 6).attr("y", top + 11 + r * CELL_H).attr("text-anchor", "end");
    }
    if (cols > MAX_CELLS) grid.append("text").attr("class", "more").attr("x", x0 + shownCols * CELL_W + 2).attr("y", top + 11 + r * CELL_H).text("…");
  }
  if (rows > MAX_CELLS) grid.append("text").attr("class", "more").attr("x", x0 + 4).attr("y", top + 8 + shownRows * CELL_H).text("⋮");
}

// write a value into a block (number or grid); null clears it
export function writeBlock(sel, v) {
  if (sel.classed("grid")) {
    const rows = v == null ? null : Array.isArray(v[0]) ? v : [v];
    sel.selectAll("text.cell").text(function () {
      if (!rows) return "";
      const r = +this.getAttribute("data-r");
      const c = +this.getAttribute("data-c");
      return fmt(rows[r][c], 3);
    });
  } else {
    sel.text(v == null ? "" : fmt(v));
  }
}
