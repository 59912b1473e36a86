// The vendored libraries are classic scripts that set globals (static/vendor/*.min.js, loaded
// before the modules). This is the one place that reads them, so that every other module imports
// its dependencies explicitly and the pure ones (format, steps, layout, url, state) never touch
// `window` and run under `node --test`.
export const d3 = window.d3;
export const katex = window.katex;
export const dagre = window.dagre;
