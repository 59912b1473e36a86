// Downloads: the graph as SVG or PNG, the result as JSON. Nothing here enters the page's DOM
// except a transient <a download> click: the SVG is serialized from a detached clone, its styles
// go in as a <style> element inside the exported document (an image's own document, not this
// page's), and the PNG is drawn from a blob: URL (the CSP allows img-src blob:).
//
//   await downloadPNG(svgElement, layout, "graph.png")

const SVG_NS = "http://www.w3.org/2000/svg";

/** The stylesheet rules that the graph uses, as text (same-origin sheets only). */
function graphCSS() {
  const out = [];
  for (const sheet of document.styleSheets) {
    let rules;
    try {
      rules = sheet.cssRules;
    } catch {
      continue;
    }
    if (!sheet.href || !sheet.href.includes("/static/css/")) continue;
    for (const r of rules) out.push(r.cssText);
  }
  return out.join("\n");
}

/** The drawing's extent in graph coordinates: the layout, grown to any text that sticks out. */
function bounds(svgEl, layout) {
  const vp = svgEl.querySelector(".viewport");
  let x0 = 0, y0 = 0, x1 = layout.width, y1 = layout.height;
  for (const layer of vp ? vp.children : []) {
    if (layer.classList.contains("pulses")) continue;
    const b = layer.getBBox();
    if (!b.width && !b.height) continue;
    x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height);
  }
  const pad = 12;
  return { x: Math.floor(x0 - pad), y: Math.floor(y0 - pad), width: x1 - x0 + 2 * pad, height: y1 - y0 + 2 * pad };
}

/** A standalone SVG document (string) of the whole graph at scale 1. */
export function svgString(svgEl, layout) {
  const box = bounds(svgEl, layout);
  const clone = svgEl.cloneNode(true);
  const w = Math.ceil(box.width);
  const hgt = Math.ceil(box.height);
  clone.setAttribute("xmlns", SVG_NS);
  clone.setAttribute("width", String(w));
  clone.setAttribute("height", String(hgt));
  clone.setAttribute("viewBox", `${box.x} ${box.y} ${w} ${hgt}`);
  clone.setAttribute("class", "graph-export");
  const vp = clone.querySelector(".viewport");
  if (vp) vp.removeAttribute("transform");
  clone.querySelectorAll(".pulses *").forEach((n) => n.remove());
  const text = new XMLSerializer().serializeToString(clone);
  // the CSS and a white background go in as text: they never touch this page's DOM
  const head = `<style>${graphCSS().replace(/<\/style/gi, "")}</style><rect x="${box.x}" y="${box.y}" width="${w}" height="${hgt}" fill="#ffffff"/>`;
  return text.replace(/^(<svg[^>]*>)/, `$1${head}`);
}

export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadSVG(svgEl, layout, filename = "chainrule-graph.svg") {
  download(new Blob([svgString(svgEl, layout)], { type: "image/svg+xml" }), filename);
}

/** Render the SVG into a canvas at 2x and download it as PNG. */
export function pngBlob(svgEl, layout, scale = 2) {
  const box = bounds(svgEl, layout);
  const url = URL.createObjectURL(new Blob([svgString(svgEl, layout)], { type: "image/svg+xml" }));
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = Math.ceil(Math.ceil(box.width) * scale);
      canvas.height = Math.ceil(Math.ceil(box.height) * scale);
      const ctx = canvas.getContext("2d");
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the canvas could not be encoded"))), "image/png");
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error("the SVG could not be drawn"));
    };
    img.src = url;
  });
}

export async function downloadPNG(svgEl, layout, filename = "chainrule-graph.png") {
  download(await pngBlob(svgEl, layout), filename);
}

export function downloadJSON(result, filename = "chainrule-result.json") {
  download(new Blob([JSON.stringify(result, null, 2)], { type: "application/json" }), filename);
}
