"""The result document's v2 fields: the seed's strips digit for digit, arrays against numpy, no
id or dash anywhere, every LaTeX string typesets in KaTeX, the same bytes in a fresh process.

Expected numbers are computed here by hand with numpy and printed with Python's own
4-significant-digit format, never read from Chainrule.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.builders.graph_json import build_graph
from app.examples import EXAMPLES, GRAPH_EXAMPLES
from app.explain.document import SCRIPT_MAX_NODES, TEX_MAX_EDGES
from app.graph.engine import run
from app.limits import Limits
from app.network_service import network_document
from app.serialize import trace_to_dict
from app.service import graph_document

ROOT = Path(__file__).resolve().parent.parent
FRAC = "\\frac{\\partial %s}{\\partial %s}"
E = "E_{total}"


def d(top: str, below: str) -> str:
    return FRAC % (top, below)


def g4(x: float) -> str:
    return format(x, ".4g")


def document(example_id: str) -> dict[str, Any]:
    ex = next(e for e in EXAMPLES if e["id"] == example_id)
    if ex["endpoint"] == "/api/network":
        return network_document(ex["request"], Limits.defaults())
    return graph_document(ex["request"], Limits.defaults())


def step_where_final(doc: dict[str, Any], node: str) -> dict[str, Any]:
    return next(st for st in doc["script"]["backward"] if node in st["final"])


def seed_numbers() -> dict[str, Any]:
    """The seed by hand (numpy): the gradients the strips quote."""
    x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    w1, w2 = np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])
    h = 1 / (1 + np.exp(-(w1 @ x + 0.35)))
    o = 1 / (1 + np.exp(-(w2 @ h + 0.60)))
    de_do = -(t - o)
    de_dz = de_do * o * (1 - o)
    return {"h": h, "de_do": de_do, "do_dz": o * (1 - o), "de_dz": de_dz,
            "de_dh": w2.T @ de_dz}


def test_the_seeds_document() -> None:
    doc = document("seed-network")
    assert doc["version"] == 2 and doc["tex_edges"] is True
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes["z1"]["formula"] == "z_1 = w_1 x_1 + w_2 x_2 + b_1"  # + b1: every input
    z1 = 0.15 * 0.05 + 0.20 * 0.10 + 0.35
    assert nodes["z1"]["value_tex"] == ("z_1 = w_1 x_1 + w_2 x_2 + b_1 = 0.15 \\cdot 0.05 + "
                                        f"0.2 \\cdot 0.1 + 0.35 = {g4(z1)}")
    assert nodes["w1"]["value_tex"] is None
    assert (nodes["w5*h1"]["name"], nodes["w5*h1"]["tex"]) == ("the product w5·h1", "w_5 h_1")
    assert (nodes["h1"]["depth"], nodes["h1"]["fan_out"]) == (3, 2)
    steps = doc["script"]["backward"]
    for nid, n in nodes.items():  # final_step is the step that lists the node as final
        if n["grad"] is None:
            assert n["final_step"] is None
        else:
            assert nid in steps[n["final_step"]]["final"]
    for i, e in enumerate(doc["edges"]):
        assert e["step"] is None if e["grad"] is None else i in steps[e["step"]]["edges"]
    assert [p["key"] for p in doc["script"]["phases"]] == ["step1", "step2"]
    assert len(doc["script"]["forward"]) == 1 + max(n["depth"] for n in nodes.values())


def test_the_strip_is_the_seeds_chain_rule_digit_for_digit() -> None:
    ref = seed_numbers()
    doc = document("seed-network")
    de_do1, do1_dz3, de_dz3 = ref["de_do"][0], ref["do_dz"][0], ref["de_dz"][0]
    assert [g4(de_do1), g4(do1_dz3), g4(de_dz3)] == ["0.7414", "0.1868", "0.1385"]
    assert step_where_final(doc, "z3")["tex"] == (
        f"{d(E, 'z_3')} = {d(E, 'o_1')} \\cdot {d('o_1', 'z_3')} = "
        f"{g4(de_do1)} \\times {g4(do1_dz3)} = {g4(de_dz3)}")
    h1 = ref["h"][0]
    w5_line = (f"{d(E, 'w_5')} = {d(E, 'z_3')} \\cdot {d('z_3', 'w_5')} = "
               f"{g4(de_dz3)} \\times {g4(h1)} = {g4(de_dz3 * h1)}")
    assert w5_line in step_where_final(doc, "w5")["tex"].split(" \\qquad ")
    # h1: the sum over its two uses, (-0.0381) in parentheses after the +
    de_dz4 = ref["de_dz"][1]
    h1_line = (f"{d(E, 'h_1')} = {d(E, 'z_3')} \\cdot {d('z_3', 'h_1')} + {d(E, 'z_4')} \\cdot "
               f"{d('z_4', 'h_1')} = {g4(de_dz3)} \\times 0.4 + ({g4(de_dz4)}) \\times 0.5 = "
               f"{g4(ref['de_dh'][0])}")
    assert h1_line in step_where_final(doc, "h1")["tex"].split(" \\qquad ")
    edge = next(e for e in doc["edges"] if (e["source"], e["target"]) == ("w5", "w5*h1"))
    assert edge["local_tex"] == f"{d('(w_5 h_1)', 'w_5')} = h_1 = {g4(h1)}"
    assert edge["chain_tex"] == f"{g4(de_dz3)} \\times {g4(h1)} = {g4(de_dz3 * h1)}"


def test_the_vectorized_example_against_numpy() -> None:
    w, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    q = w @ x
    doc = document("vectorized-norm")
    edges = {(e["source"], e["target"]): e for e in doc["edges"]}
    gw, gx = np.outer(2 * q, x), 2 * w.T @ q
    assert edges["W", "q"]["local_tex"] == (
        "\\nabla_{W} f = 2 q \\, x^T = \\begin{bmatrix}" + f"{g4(gw[0, 0])} & {g4(gw[0, 1])} "
        f"\\\\ {g4(gw[1, 0])} & {g4(gw[1, 1])}" + "\\end{bmatrix}")
    assert edges["x", "q"]["local_tex"] == f"\\nabla_{{x}} f = 2 W^T q = [{g4(gx[0])}, {g4(gx[1])}]"
    assert edges["q", "pow#1"]["local_tex"] == (
        f"\\frac{{\\partial q^{{2}}}}{{\\partial q}} = 2 q = [{g4(2 * q[0])}, {g4(2 * q[1])}]")
    assert edges["W", "q"]["chain_tex"] is None  # a VJP: nothing scalar to multiply
    assert step_where_final(doc, "q")["tex"] == f"\\nabla_{{q}} f = 2 q = [{g4(2 * q[0])}, " \
        f"{g4(2 * q[1])}]"


def test_an_unnamed_output_is_explained_gate_by_gate() -> None:
    doc = document("gates")  # 2 * (x * y + max(z, w)) at x = 3, y = -4, z = 2, w = -1
    assert step_where_final(doc, "x")["tex"].split(" \\qquad ")[0] == (
        f"{d('f', 'x')} = {d('f', '(x y)')} \\cdot {d('(x y)', 'x')} = 2 \\times (-4) = -8")
    doc = document("fan-out")  # f = x * x + x at 3: as the inspector, 3 + 3 + 1
    assert step_where_final(doc, "x")["tex"] == f"{d('f', 'x')} = x + x + 1 = 3 + 3 + 1 = 7"


def test_the_fan_out_card_and_the_inspector_agree() -> None:
    # the inspector lists what each edge leaving x carries, in the document's edge order; the
    # card's chains are in that same order, with the same numbers
    ex = next(e for e in EXAMPLES if e["id"] == "fan-out")
    doc = graph_document({**ex["request"], "explain": ["x"]}, Limits.defaults())
    carried = [e["grad"] for e in doc["edges"] if e["source"] == "x"]
    (factor,) = doc["derivations"]["x"]["lines"][0]["terms"][0]["factors"]
    assert [c["value"] for c in factor["chains"]] == carried == [3.0, 3.0, 1.0]
    assert factor["tex"].endswith("= 3 + 3 + 1 = 7")


def test_big_graphs_say_what_they_leave_out() -> None:
    def chain(n: int, fan_in: int) -> dict[str, Any]:
        nodes = [{"id": f"x{i}", "op": "input"} for i in range(fan_in)]
        nodes += [{"id": f"s{k}", "op": "add",
                   "inputs": [f"s{k - 1}" if k else "x0", *(f"x{i}" for i in range(1, fan_in))]}
                  for k in range(n)]
        return {"nodes": nodes, "output": f"s{n - 1}"}

    mid = trace_to_dict(run(build_graph(chain(600, 4)), {f"x{i}": 1.0 for i in range(4)}))
    assert len(mid["edges"]) > TEX_MAX_EDGES and len(mid["nodes"]) <= SCRIPT_MAX_NODES
    assert mid["tex_edges"] is False and mid["script"] is not None
    assert all(e["local_tex"] is None and e["chain_tex"] is None for e in mid["edges"])
    assert all(st["tex"] is None for st in mid["script"]["backward"])
    assert all(n["tex"] for n in mid["nodes"])
    big = trace_to_dict(run(build_graph(chain(SCRIPT_MAX_NODES, 2)), {"x0": 1.0, "x1": 2.0}))
    assert big["script"] is None and big["version"] == 2
    assert "tex" not in big["nodes"][0] and "step" not in big["edges"][0]


# --- every string of every example ---------------------------------------------------------


NETWORKS = [("tanh", "mse", [3, 4, 2], "neurons"),
            (["relu", "identity"], "softmax_cross_entropy", [2, 3, 3], "neurons"),
            (["leaky_relu", "elu", "identity"], "hinge", [2, 3, 2, 3], "layers"),
            (["maxout", "sigmoid"], "half_sse", [2, 3, 2], "neurons"),
            ("sigmoid", "half_sse", [2, 2, 2], "layers")]


def every_example_with_derivations() -> Iterator[dict[str, Any]]:
    """Every example, and networks of every activation, loss and view, each with the
    derivation of every input (the graph examples: of every node)."""
    rng = np.random.default_rng(0)
    for act, loss, layers, view in NETWORKS:
        targets = np.eye(layers[-1])[[0, 1]] if loss in ("softmax_cross_entropy", "hinge") \
            else rng.uniform(0, 1, (2, layers[-1]))
        req = {"layers": layers, "activation": act, "loss": loss, "view": view,
               "inputs": rng.normal(size=(2, layers[0])).tolist(), "targets": targets.tolist(),
               "per_neuron_biases": True, "learning_rate": 0.1}
        doc = network_document(req, Limits.defaults())
        req["explain"] = [n["id"] for n in doc["nodes"] if n["op"] == "input"][:20]
        yield network_document(req, Limits.defaults())
    for ex in EXAMPLES:
        req = dict(ex["request"])
        if ex["endpoint"] == "/api/network":
            req["steps"] = min(int(req.get("steps", 0)), 5)
            doc = network_document(req, Limits.defaults())
            req["explain"] = [n["id"] for n in doc["nodes"] if n["op"] == "input"][:12]
            yield network_document(req, Limits.defaults())
        else:
            doc = graph_document(req, Limits.defaults())
            req["explain"] = [n["id"] for n in doc["nodes"]]
            req["learning_rate"] = 0.1
            yield graph_document(req, Limits.defaults())


NODE_PARAMS = ("node", "nodes", "largest", "output")


def strings(doc: dict[str, Any]) -> Iterator[str]:
    """Every text the page shows from a document: names, LaTeX, narration params (a node id
    param is shown as that node's LaTeX name: it must be a node)."""
    yield from (n["name"] for n in doc["nodes"])
    yield from latex(doc)
    tex = {n["id"]: n["tex"] for n in doc["nodes"]}
    script = doc["script"]
    for part in (script["start"], *script["forward"], *script["backward"], script["done"]):
        for say in part["say"]:
            for key, value in say["params"].items():
                if key in NODE_PARAMS:
                    yield from (tex[v] for v in (value if isinstance(value, list) else [value]))
                else:
                    yield json.dumps(value, ensure_ascii=False)


def latex(doc: dict[str, Any]) -> Iterator[str]:
    """Every LaTeX string of a document."""
    for n in doc["nodes"]:
        yield from (s for s in (n["tex"], n["formula"], n["value_tex"]) if s)
    for e in doc["edges"]:
        yield from (s for s in (e["local_tex"], e["chain_tex"]) if s)
    yield from (st["tex"] for st in doc["script"]["backward"] if st["tex"])
    for dn in (doc.get("derivations") or {}).values():
        yield from latex_of_derivation(dn)


def latex_of_derivation(dn: dict[str, Any]) -> Iterator[str]:
    yield from (dn["symbol"], dn["latex"], dn["tex"])
    if dn["paths_latex"]:
        yield dn["paths_latex"]
    if dn["update"]:
        yield dn["update"]["latex"]
    for line in dn["lines"]:
        yield line["tex"]
        for term in line["terms"]:
            yield from (term["tex"], term["symbol"], term["value_tex"])
            for f in term["factors"]:
                yield from (f["tex"], f["symbol"], f["value_tex"])
                yield from (c["formula"] for c in f.get("chains") or [])
    for p in dn["paths"]:
        yield from (f["tex"] for f in p["factors"])


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return list(every_example_with_derivations())


def test_no_id_and_no_dash_where_a_value_belongs(docs: list[dict[str, Any]]) -> None:
    shown = [s for doc in docs for s in strings(doc)]
    assert len(shown) > 2000
    bad = [s for s in shown if "#" in s or "—" in s or "const" in s or "None" in s]
    assert bad == []


KATEX_CHECK = """
const fs = require("fs"), vm = require("vm");
const ctx = {}; ctx.self = ctx; vm.createContext(ctx);
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), ctx);
const bad = [];
for (const s of JSON.parse(fs.readFileSync(0, "utf8"))) {
  try { ctx.katex.renderToString(s, {throwOnError: true, strict: "ignore"}); }
  catch (e) { bad.push([s, e.message]); }
}
process.stdout.write(JSON.stringify(bad));
"""


def test_every_latex_string_typesets_in_katex(docs: list[dict[str, Any]]) -> None:
    node = shutil.which("node")
    katex = ROOT / "static" / "vendor" / "katex.min.js"
    if node is None or not katex.exists():
        pytest.skip("node or the vendored KaTeX is not available")
    tex = [s for doc in docs for s in latex(doc)]
    weird = ["a b{c}$", "x\\y^z_", "100%", "~&", "alpha", "sigma"]  # names of every kind
    req = {"graph": {"nodes": [*({"id": w, "op": "input"} for w in weird),
                               {"id": "f", "op": "add", "inputs": weird}], "output": "f"},
           "values": dict.fromkeys(weird, 1.0), "explain": weird, "learning_rate": 0.1}
    tex = sorted({*tex, *latex(graph_document(req, Limits.defaults()))})
    result = subprocess.run([node, "-e", KATEX_CHECK, str(katex)], input=json.dumps(tex),
                            capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout) == []


HASH_ALL = """
import hashlib, sys
from app.examples import GRAPH_EXAMPLES
from app.limits import Limits
from app.service import graph_job
h = hashlib.sha256()
for ex in GRAPH_EXAMPLES:
    req = {**ex["request"], "explain": ["x", "W"] if "W" in ex["request"]["values"] else []}
    h.update(graph_job(req, Limits.defaults()))
print(h.hexdigest())
"""


def test_the_same_request_gives_the_same_bytes_in_a_fresh_process() -> None:
    runs = [subprocess.run([sys.executable, "-c", HASH_ALL], capture_output=True, text=True,
                           cwd=ROOT, check=True, timeout=120,
                           env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout
            for seed in ("1", "2")]
    assert runs[0] == runs[1] and len(runs[0].strip()) == 64
    assert hashlib.sha256(b"").hexdigest() not in runs[0]
    assert GRAPH_EXAMPLES
