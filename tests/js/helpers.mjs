// Shared by the node tests: the saved API results (tests/js/fixtures/*.json, captured from the
// running API) and a tiny helper to load them.
import { readFileSync } from "node:fs";

export function fixture(name) {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));
}
