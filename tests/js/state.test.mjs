import { test } from "node:test";
import assert from "node:assert/strict";
import { createStore, initialState } from "../../static/js/state.js";

test("set merges, notifies with (state, prev), and freezes snapshots", () => {
  const store = createStore(initialState());
  const seen = [];
  store.subscribe((s, prev) => seen.push([prev.frame, s.frame]));
  store.set({ frame: 2 });
  store.set((s) => ({ frame: s.frame + 1 }));
  assert.deepEqual(seen, [[0, 2], [2, 3]]);
  assert.ok(Object.isFrozen(store.get()));
  assert.throws(() => { "use strict"; store.get().frame = 9; });
});

test("no change, no notification; unsubscribe stops them", () => {
  const store = createStore({ a: 1 });
  let calls = 0;
  const off = store.subscribe(() => calls++);
  store.set({ a: 1 });
  store.set(() => null);
  assert.equal(calls, 0);
  store.set({ a: 2 });
  off();
  store.set({ a: 3 });
  assert.equal(calls, 1);
});
