// The page's controls: playback buttons, speed and follow, the input tabs, share and export,
// the help dialog and the keyboard shortcuts. Wiring only; the work is done by the player, the
// renderer and the export module.
//
//   const { setTab, toast } = wireControls({ store, player, renderer, shareHash });

import { downloadJSON, downloadPNG, downloadSVG } from "./export.js";

const $ = (sel) => document.querySelector(sel);

export function wireControls({ store, player, renderer, shareHash }) {
  $("#btn-play").addEventListener("click", () => player.toggle());
  $("#btn-forward").addEventListener("click", () => player.step(1));
  $("#btn-back").addEventListener("click", () => player.step(-1));
  $("#btn-reset").addEventListener("click", () => player.goto(0));
  $("#btn-end").addEventListener("click", () => player.goto(store.get().script?.frames ?? 0));
  $("#btn-fit").addEventListener("click", () => renderer.fit(true, true));
  $("#btn-follow").addEventListener("click", () => store.set((s) => ({ follow: !s.follow, followChosen: true })));
  $("#speed").addEventListener("change", (ev) => store.set({ speed: Number(ev.target.value) }));

  function changeSpeed(dir) {
    const sel = $("#speed");
    const i = Math.max(0, Math.min(sel.options.length - 1, sel.selectedIndex + dir));
    sel.selectedIndex = i;
    store.set({ speed: Number(sel.value) });
  }

  // tabs (arrow keys move between them, as in the WAI-ARIA tabs pattern)
  function setTab(name) {
    for (const t of ["expression", "network"]) {
      const tab = $(`#tab-${t}`);
      tab.setAttribute("aria-selected", String(t === name));
      tab.tabIndex = t === name ? 0 : -1;
      $(`#pane-${t}`).hidden = t !== name;
    }
    store.set({ mode: name });
  }
  for (const t of ["expression", "network"]) {
    $(`#tab-${t}`).addEventListener("click", () => setTab(t));
    $(`#tab-${t}`).addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
        const other = t === "expression" ? "network" : "expression";
        setTab(other);
        $(`#tab-${other}`).focus();
      }
    });
  }

  // share and export
  $("#share-btn").addEventListener("click", async () => {
    const url = `${location.origin}${location.pathname}${shareHash()}`;
    try {
      await navigator.clipboard.writeText(url);
      toast("Link copied: it reopens this graph at this step.");
    } catch {
      toast(url);
    }
  });
  const exportBtn = $("#export-btn");
  const exportMenu = $("#export-menu");
  function toggleMenu(open) {
    exportMenu.hidden = !open;
    exportBtn.setAttribute("aria-expanded", String(open));
    if (open) exportMenu.querySelector("button").focus();
  }
  exportBtn.addEventListener("click", () => toggleMenu(exportMenu.hidden));
  exportMenu.addEventListener("click", async (ev) => {
    const kind = ev.target.closest("[data-export]")?.dataset.export;
    const { result, layout } = store.get();
    toggleMenu(false);
    if (!result) return;
    try {
      if (kind === "svg") downloadSVG($("#graph"), layout);
      if (kind === "png") await downloadPNG($("#graph"), layout);
      if (kind === "json") downloadJSON(result);
    } catch (err) {
      toast(`Export failed: ${err.message}`);
    }
  });
  document.addEventListener("click", (ev) => {
    if (!exportMenu.hidden && !ev.target.closest(".menu")) toggleMenu(false);
  });

  // help overlay
  let helpReturn = null;
  function toggleHelp(open) {
    const help = $("#help");
    if (open) {
      helpReturn = document.activeElement;
      help.hidden = false;
      $("#help-close").focus();
    } else if (!help.hidden) {
      help.hidden = true;
      helpReturn?.focus?.();
    }
  }
  $("#help-btn").addEventListener("click", () => toggleHelp(true));
  $("#help-close").addEventListener("click", () => toggleHelp(false));
  $("#help").addEventListener("click", (ev) => ev.target.id === "help" && toggleHelp(false));

  // keyboard shortcuts; typing in a field, or pressing Space/Enter on a button, is left alone
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.key === "Escape") {
      if (!$("#help").hidden || !exportMenu.hidden) {
        toggleHelp(false);
        toggleMenu(false);
      } else if (!t.closest?.("input, textarea, select")) {
        store.set({ selection: null });
      }
      return;
    }
    // the help dialog keeps the focus (its one control) while it is open
    if (ev.key === "Tab" && !$("#help").hidden) {
      ev.preventDefault();
      $("#help-close").focus();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t.closest && t.closest("input, textarea, select, [contenteditable]")) return;
    if (!$("#help").hidden) return;
    const onButton = t.closest && t.closest("button, a, summary, [role=button], [role=tab]");
    const { script } = store.get();
    switch (ev.key) {
      case " ":
        if (onButton) return;
        player.toggle();
        break;
      case "ArrowRight":
        if (t.closest?.("[role=tab]")) return;
        player.step(1);
        break;
      case "ArrowLeft":
        if (t.closest?.("[role=tab]")) return;
        player.step(-1);
        break;
      case "Home":
        player.goto(0);
        break;
      case "End":
        player.goto(script?.frames ?? 0);
        break;
      case "?":
        toggleHelp(true);
        break;
      case "f":
      case "F":
        renderer.fit(true, true);
        break;
      case "z":
      case "Z":
        store.set((s) => ({ follow: !s.follow, followChosen: true }));
        break;
      case "+":
      case "=":
        changeSpeed(1);
        break;
      case "-":
      case "_":
        changeSpeed(-1);
        break;
      default:
        return;
    }
    ev.preventDefault();
  });

  let toastTimer = null;
  function toast(text) {
    const el = $("#toast");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (el.hidden = true), 4000);
  }

  return { setTab, toast };
}
