// Playback: moves the store's frame forward with awaited d3 transitions (transition.end()), so a
// step's pulses land before the next step starts. Stepping back or jumping is instant.
//
//   const player = createPlayer(store, renderer);
//   player.play(); player.pause(); player.step(+1); player.goto(0);

import { frameAt } from "./steps.js";

const FORWARD_MS = 520; // one depth level of the forward pass at 1x
const PULSE_MS = 900; // one backward step's pulses at 1x
const HOLD_MS = 380; // a pause after each step to read the numbers

// with reduced motion the steps still advance one at a time, but nothing travels
const reduced = () => globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;

export function createPlayer(store, renderer) {
  let token = 0; // bumps on every interruption: a running loop sees it and stops

  const sleep = (ms, t) => new Promise((resolve) => setTimeout(() => resolve(t === token), ms));

  /** Animate from frame k-1 to k. Resolves false if interrupted. */
  async function advance(k, t) {
    const { script } = store.get();
    const speed = store.get().speed;
    const frame = frameAt(script, k, { arrived: false });
    if (frame.phase === "forward" || frame.phase === "idle") {
      store.set({ frame: k });
      if (store.get().follow && frame.level?.length) renderer.focusOn(frame.level, 300 / Math.sqrt(speed));
      // values flow in along the edges into this level (highlighted, still empty), then appear
      renderer.setFrame({ ...frame, values: frameAt(script, k - 1).values });
      const level = new Set(frame.level ?? []);
      const into = [];
      store.get().result.edges.forEach((e, i) => level.has(e.target) && into.push(i));
      await renderer.pulse(reduced() ? [] : into, FORWARD_MS / speed / 1.5, { forward: true });
      if (t !== token) return false;
      await renderer.setFrame(frame, { duration: FORWARD_MS / speed / 2 });
      return sleep(HOLD_MS / speed / 2, t);
    }
    // backward: the node is complete; its edges light up with "upstream × local = carried",
    // the pulses travel to the inputs, then the inputs' sums update
    store.set({ frame: k, inFlight: true });
    await renderer.setFrame(frame);
    if (frame.current && store.get().follow) {
      const e = frame.current.edges.map((i) => store.get().result.edges[i].source);
      await renderer.focusOn([frame.current.node, ...e], 350 / Math.sqrt(speed));
    } else if (frame.current) renderer.reveal(frame.current.node);
    await renderer.pulse(frame.current ? frame.current.edges : [], reduced() ? 0 : PULSE_MS / speed);
    if (reduced()) await sleep(PULSE_MS / speed / 2, t);
    if (t !== token) return false;
    store.set({ inFlight: false });
    await renderer.setFrame(frameAt(script, k));
    return sleep(HOLD_MS / speed, t);
  }

  async function play() {
    const s = store.get();
    if (!s.script || s.playing) return;
    const t = ++token;
    if (s.frame >= s.script.frames) store.set({ frame: 0 }), renderer.setFrame(frameAt(s.script, 0));
    store.set({ playing: true });
    while (t === token) {
      const { frame, script } = store.get();
      if (frame >= script.frames) break;
      const ok = await advance(frame + 1, t);
      if (!ok) break;
    }
    if (t === token) {
      store.set({ playing: false });
      if (store.get().follow) renderer.fit(); // the end: step back to see the whole
    }
  }

  function interrupt() {
    token++;
    renderer.stop();
    store.set({ playing: false, inFlight: false });
  }

  /** Show frame k at once. */
  function goto(k) {
    interrupt();
    const { script } = store.get();
    if (!script) return;
    k = Math.max(0, Math.min(script.frames, k));
    store.set({ frame: k });
    renderer.setFrame(frameAt(script, k));
    if (store.get().follow) renderer.fit();
  }

  /** One step: forward animates (that is the point of stepping), back is instant. */
  async function step(dir) {
    const { script, frame } = store.get();
    if (!script) return;
    if (dir < 0) return goto(frame - 1);
    interrupt();
    if (frame >= script.frames) return;
    await advance(frame + 1, token);
  }

  return { play, pause: interrupt, goto, step, toggle: () => (store.get().playing ? interrupt() : play()) };
}
