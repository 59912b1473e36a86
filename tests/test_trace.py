"""The trace's per-edge data: forward order, scalars in float columns, arrays beside them."""

from __future__ import annotations

import orjson

from app.builders.expression import parse_expression
from app.graph.engine import run
from app.serialize import dumps, trace_to_dict


def test_edges_in_forward_order_with_scalars_and_arrays_apart() -> None:
    # q = W x (2x2 @ 2), f = sum(q) + s * s: the matmul's edges have no local gradient to
    # show, sum's is d sum / d q = [1, 1]; W, x and q carry arrays back, everything else scalars
    g = parse_expression("q = W @ x; f = sum(q) + s * s")
    t = run(g, {"W": [[1.0, 2.0], [3.0, 4.0]], "x": [5.0, 6.0], "s": 3.0})
    views = list(t.edge_views())
    assert [(v.source, v.target, v.slot) for v in views] == [
        (src, n.id, k) for n in g.nodes for k, src in enumerate(n.inputs)]
    by = {(v.source, v.target): v for v in views}
    w, x = by[("W", "q")], by[("x", "q")]
    assert w.local is None and x.local is None  # a Jacobian edge with a non-scalar output
    assert w.grad is not None and w.grad.tolist() == [[5.0, 6.0], [5.0, 6.0]]  # g x^T, g = 1
    s0 = t.edge(t.edge_index("mul#1", 0))
    assert (s0.source, float(s0.local), float(s0.grad)) == ("s", 3.0, 3.0)  # mul swaps
    e = t.edges
    scalar = [k for k in range(len(views)) if k not in e.local_arrays]
    assert {views[k].source for k in scalar} >= {"s", "sum#1", "mul#1"}
    assert set(e.grad_arrays) == {v.index for v in views if v.source in ("W", "x", "q")}
    # the document reads the same numbers
    doc = orjson.loads(dumps(trace_to_dict(t)))
    assert [d["local_grad"] for d in doc["edges"]] == [None, None, [1.0, 1.0], 3.0, 3.0,
                                                       1.0, 1.0]
    assert [d["grad"] for d in doc["edges"]] == [[[5.0, 6.0], [5.0, 6.0]], [4.0, 6.0],
                                                 [1.0, 1.0], 3.0, 3.0, 1.0, 1.0]


def test_constant_sources_carry_nothing_and_their_targets_no_local_gradient() -> None:
    t = run(parse_expression("c = 2 * 3; f = c * x"), {"x": 5.0})
    v = {(e.source, e.target): e for e in t.edge_views()}
    assert v[("const#1", "c")].local is None  # the backward pass never reached c
    assert v[("c", "f")].grad is None and float(v[("c", "f")].local) == 5.0
    assert float(v[("x", "f")].grad) == 6.0
