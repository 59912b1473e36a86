"""The script's narration: message keys and params, never prose.

    [{"key": "backward.complete", "params": {"node": "o1", "value": "0.7414"}},
     {"key": "backward.fires", "params": {"node": "o1", "n": 1}}]

The page's catalog words each key in English or Korean; docs/design/plan.md ("Narration keys")
lists every key, its params and the English wording. Params named node, nodes, largest, output
are node ids; value and values are numbers already written by app.explain.latex's rule (plain
text); n, more, uses, count, level are integers. Wide layers are summarised (more than
MAX_LISTED nodes final in one step: a count and the largest gradient) so that a sentence never
grows with the width of a layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.explain import latex
from app.explain.names import Names
from app.explain.schedule import Schedule
from app.graph.ops import Array
from app.graph.trace import Trace

Json = dict[str, Any]
Say = list[Json]
MAX_LISTED = 3  # nodes named in one "final" sentence; beyond, a summary
MAX_LEVEL = 5  # nodes named in one forward level
MAX_DONE = 6  # inputs named in the closing sentence
GATE_PATTERNS = ("add-distributes", "mul-swaps", "max-routes")


def msg(key: str, **params: Any) -> Json:
    return {"key": key, "params": params}


class Narrator:
    def __init__(self, trace: Trace, names: Names, sched: Schedule, doc: Json) -> None:
        self.trace, self.names, self.sched, self.doc = trace, names, sched, doc
        self.out = trace.graph.output
        self._texts: dict[str, str] = {}
        self.outs: dict[int, list[int]] = {}  # the carrying edges leaving each node
        for e, src in enumerate(sched.sources):
            if sched.carries[e]:
                self.outs.setdefault(src, []).append(e)

    def _value(self, node: str) -> str:
        if node not in self._texts:
            self._texts[node] = latex.value_text(self.trace.grads[node])
        return self._texts[node]

    def start(self) -> Say:
        return [msg("start", output=self.out)]

    def forward(self, k: int, level: list[str]) -> Say:
        if k == 0:
            return []
        return [msg("forward.level", level=k, nodes=level[:MAX_LEVEL],
                    more=max(0, len(level) - MAX_LEVEL))]

    def backward(self, k: int) -> Say:
        st = self.sched.steps[k]
        grads = self.trace.grads
        says: Say = []
        if k == 0 and st.node == self.out:
            says.append(msg("backward.start", node=self.out))
            if self.trace.seeded_with_ones:
                says.append(msg("backward.start_sum", node=self.out))
        else:
            outs = [self.doc["edges"][e]["grad"]
                    for e in self.outs.get(self.sched.pos[st.node], [])]
            uses = len(outs)
            if uses > 1:
                values = ([latex.num_text(v) for v in outs]
                          if all(np.ndim(v) == 0 for v in outs) else [])
                says.append(msg("backward.sum", node=st.node, uses=uses, values=values,
                                value=self._value(st.node)))
            else:
                says.append(msg("backward.complete", node=st.node, value=self._value(st.node)))
        if st.edges:
            says.append(msg("backward.fires", node=st.node, n=len(st.edges)))
            found = {p for e in st.edges for p in self.doc["edges"][e]["patterns"]}
            pattern = next((p for p in GATE_PATTERNS if p in found), None)
            if pattern:
                says.append(msg(f"pattern.{pattern}", node=st.node))
        final = [f for f in st.final if f not in (st.node, self.out)]
        if 0 < len(final) <= MAX_LISTED:
            says.append(msg("backward.final", nodes=final,
                            values=[self._value(f) for f in final]))
        elif final:
            largest = max(final, key=lambda f: _magnitude(grads[f]))
            says.append(msg("backward.final_many", count=len(final), largest=largest,
                            value=self._value(largest)))
        return says

    def done(self) -> Say:
        graph, grads = self.trace.graph, self.trace.grads
        inputs = [n.id for n in graph.nodes if n.op == "input" and n.id in grads]
        if not inputs:
            return [msg("done.constant", output=self.out)]
        says = [msg("done", nodes=inputs[:MAX_DONE],
                    values=[self._value(i) for i in inputs[:MAX_DONE]],
                    more=max(0, len(inputs) - MAX_DONE))]
        if self.trace.seeded_with_ones:
            says.append(msg("done.sum", output=self.out))
        return says


def _magnitude(g: Array) -> float:
    return abs(float(g)) if g.ndim == 0 else float(np.max(np.abs(g)))
