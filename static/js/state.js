// The one store. Only this module mutates state; everything else reads a snapshot and asks for
// changes with `set`, then re-renders from what `subscribe` hands it.
//
//   const store = createStore({ frame: 0 });
//   const off = store.subscribe((state, prev) => { if (state.frame !== prev.frame) draw(state); });
//   store.set({ frame: 3 });           // shallow merge, listeners run synchronously
//   store.set((s) => ({ frame: s.frame + 1 }));

/**
 * @typedef {Object} AppState
 * @property {Array<import("./api.js").Example>} examples
 * @property {Map<string, import("./api.js").Op>} ops
 * @property {string|null} exampleId
 * @property {"expression"|"network"} mode
 * @property {{endpoint: string, body: Object}|null} request   the request that produced `result`
 * @property {import("./api.js").GraphResult|null} result
 * @property {Object|null} script      steps.buildScript(result)
 * @property {number} frame             0..script.frames
 * @property {boolean} playing
 * @property {number} speed
 * @property {{kind: "node"|"edge", id: string}|null} selection
 * @property {Object|null} error        the API's error body, or a network failure
 * @property {boolean} loading
 */

/** @returns {AppState} */
export function initialState() {
  return {
    examples: [],
    ops: new Map(),
    exampleId: null,
    mode: "expression",
    request: null,
    result: null,
    script: null,
    frame: 0,
    playing: false,
    speed: 1,
    selection: null,
    error: null,
    loading: false,
  };
}

export function createStore(initial = initialState()) {
  let state = Object.freeze({ ...initial });
  const listeners = new Set();
  return {
    get: () => state,
    /** @param {Partial<AppState> | ((s: AppState) => Partial<AppState>)} patch */
    set(patch) {
      const prev = state;
      const change = typeof patch === "function" ? patch(prev) : patch;
      if (!change) return;
      const changed = Object.keys(change).some((k) => !Object.is(change[k], prev[k]));
      if (!changed) return;
      state = Object.freeze({ ...prev, ...change });
      for (const fn of [...listeners]) fn(state, prev);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
