"""Hints of the seed's network: the pattern, the formula, the seed's numbers, never the answer."""

from __future__ import annotations

import re

import pytest

from app.exercises import problem
from app.exercises.hints import PATTERNS, SENTENCES
from app.limits import Limits


def test_the_sentences_have_no_digits() -> None:
    # so that no sentence can ever show an answer, whatever the numbers
    for sentence in [*SENTENCES.values(), *PATTERNS.values()]:
        assert not re.search(r"\d", sentence), sentence


def test_the_hint_of_dE_dw5_is_the_seeds_step_1() -> None:
    p = problem("seed-network", 0, Limits.defaults())
    w5 = next(b for b in p.blanks if b.key == "grad:w5")
    hint = w5.hint.public(w5.expected)
    assert hint["key"] == "hint.grad" and hint["patterns"] == ["mul-swaps"]
    # upstream dE/dz3 = 0.7414 x 0.1868 = 0.1385 and the local h1 = 0.5933 (the seed's numbers)
    assert "0.1385" in hint["tex"] and "h_1 = 0.5933" in hint["tex"]
    assert "0.0822" not in hint["tex"] + hint["text"] and "0.08217" not in hint["tex"]
    assert w5.hint.worked(w5.expected).startswith(
        "\\frac{\\partial E_{total}}{\\partial w_5} = ")
    assert "= 0.08217" in w5.hint.worked(w5.expected)


def test_a_number_equal_to_the_answer_is_left_out() -> None:
    # an add gate passes its upstream gradient on unchanged: the upstream IS the answer
    p = problem("seed-network", 0, Limits.defaults())
    o1 = next(b for b in p.blanks if b.key == "local:z3->o1#0")  # o1 (1 - o1) = 0.1868
    assert "o_1 = 0.7514" in o1.hint.public(o1.expected)["tex"]
    g = problem("gates", 1, Limits.defaults())  # q = x + y, m = max(q, z), f = m * x
    grad_y = next(b for b in g.blanks if b.key == "grad:y")  # = dq = df/dm = x
    assert float(grad_y.expected) == 4
    hint = grad_y.hint.public(grad_y.expected)
    assert "add-distributes" in hint["patterns"]
    assert "4" not in re.findall(r"(?<![\w#.{])\d+(?:\.\d+)?", hint["tex"] + hint["text"])
    assert "= 4" in grad_y.hint.worked(grad_y.expected)  # the full line keeps it


KATEX = """
const fs = require("fs"), vm = require("vm");
const ctx = {}; ctx.self = ctx; vm.createContext(ctx);
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), ctx);
const bad = [];
for (const s of JSON.parse(fs.readFileSync(0, "utf8"))) {
  try { ctx.katex.renderToString(s, {throwOnError: true, strict: "error"}); }
  catch (e) { bad.push([s, e.message]); }
}
process.stdout.write(JSON.stringify(bad));
"""


def test_every_prompt_hint_and_worked_line_renders_in_katex() -> None:
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from app.exercises import KINDS

    node = shutil.which("node")
    katex = Path(__file__).resolve().parent.parent / "static" / "vendor" / "katex.min.js"
    if node is None or not katex.exists():
        pytest.skip("node or the vendored KaTeX is not available")
    strings: list[str] = []
    for kind in KINDS:
        for seed in range(8):
            for b in problem(kind, seed, Limits.defaults()).blanks:
                hint = b.hint.public(b.expected)
                strings += [b.prompt, b.hint.worked(b.expected)]
                strings += [hint["tex"]] if hint["tex"] else []
    result = subprocess.run([node, "-e", KATEX, str(katex)], input=json.dumps(strings),
                            capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout) == []
    assert len(strings) > 500
