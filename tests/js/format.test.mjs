import { test } from "node:test";
import assert from "node:assert/strict";
import { fmt, fmtTerm, fmtSum, fmtCompact, parseValue, shapeOf, magnitude, valueToText } from "../../static/js/format.js";

test("fmt: four significant digits, trailing zeros dropped", () => {
  assert.equal(fmt(0.036254), "0.03625");
  assert.equal(fmt(0.7513650695523157), "0.7514");
  assert.equal(fmt(-4), "-4");
  assert.equal(fmt(3.0), "3");
  assert.equal(fmt(0), "0");
  assert.equal(fmt(1 / 3), "0.3333");
});

test("fmt: e-notation outside [1e-3, 1e5)", () => {
  assert.equal(fmt(1.5e-7), "1.5e-7");
  assert.equal(fmt(-0.00031592453680036716), "-3.16e-4");
  assert.equal(fmt(123456), "1.23e5");
  assert.equal(fmt(0.001), "0.001");
  assert.equal(fmt(12345.4), "12345");
  assert.equal(fmt(1234.56), "1235");
});

test("fmt: non-finite and missing values", () => {
  assert.equal(fmt(Infinity), "∞");
  assert.equal(fmt(NaN), "NaN");
  assert.equal(fmt(null), "");
});

test("fmtSum writes the seed's fan-in sum with negatives in parentheses", () => {
  assert.equal(fmtSum([0.0363, -0.0195], 0.0168), "0.0363 + (-0.0195) = 0.0168");
  assert.equal(fmtTerm(-2), "(-2)");
  assert.equal(fmtTerm(2), "2");
});

test("fmtCompact: nested lists, cut with an ellipsis", () => {
  assert.equal(fmtCompact([[1, 2], [3, 4]]), "[[1, 2], [3, 4]]");
  assert.equal(fmtCompact([1, 2, 3, 4, 5], 4, 3), "[1, 2, 3, …]");
});

test("parseValue accepts numbers, vectors, matrices, and refuses the rest", () => {
  assert.deepEqual(parseValue("-2.5"), { ok: true, value: -2.5 });
  assert.deepEqual(parseValue("[1, 2]"), { ok: true, value: [1, 2] });
  assert.deepEqual(parseValue("1 2 3"), { ok: true, value: [1, 2, 3] });
  assert.deepEqual(parseValue("[[0.1, 0.5], [-0.3, 0.8]]"), { ok: true, value: [[0.1, 0.5], [-0.3, 0.8]] });
  assert.deepEqual(parseValue("[1 2; 3 4]"), { ok: true, value: [[1, 2], [3, 4]] });
  for (const bad of ["", "abc", "[[1], [2, 3]]", "[1, [2]]", "[]", "[[[1]]]", "1e999", "{\"a\": 1}"]) {
    assert.equal(parseValue(bad).ok, false, bad);
  }
});

test("valueToText round-trips through parseValue", () => {
  for (const v of [3, [1, -2], [[0.1, 0.5], [-0.3, 0.8]]]) assert.deepEqual(parseValue(valueToText(v)).value, v);
});

test("shapes and magnitudes", () => {
  assert.deepEqual(shapeOf(1), []);
  assert.deepEqual(shapeOf([1, 2]), [2]);
  assert.deepEqual(shapeOf([[1, 2, 3], [4, 5, 6]]), [2, 3]);
  assert.equal(magnitude([[-1, 3]]), 2);
});

test("fmt survives being mapped (an index is not a digit count)", () => {
  assert.doesNotThrow(() => [0.5, -2, 3.14159].map(fmt));
  assert.equal(fmt(0.123456, 0), "0.1235");
  assert.equal(fmt(0.123456, 500), "0.1235");
});
