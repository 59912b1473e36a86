"""Op templates filled with the nodes' LaTeX names: part of the one LaTeX renderer.

    >>> fill("#0 + #1", ["w_1 x_1", "w_2 x_2", "b_1"], variadic=True)
    'w_1 x_1 + w_2 x_2 + b_1'
    >>> fill("#0 \\\\cdot #1", ["w_5", "h_1"]), fill("#0 \\\\cdot #1", ["x + y", "z"])
    ('w_5 h_1', '\\\\left(x + y\\\\right) z')

An op's templates (app.graph.ops) write ``#0``, ``#1``... for its inputs and ``#y`` for its
output; a template is cut once into literals and slots (cached), each slot knowing how its input
must be bracketed there, so that filling it is a join.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from app.explain.latex import is_atom, num, paren

_SLOT = re.compile(r"#(\d+|y)")
_CONST_STEP = re.compile(r"#(\d+) ([-+]) 1\b")
UPSTREAM = "\\bar{y}"  # the upstream gradient in a Jacobian op's VJP template
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def fill(
    template: str,
    ins: Sequence[str],
    y: str = "y",
    *,
    variadic: bool = False,
    consts: Sequence[float | None] = (),
    slot: int | None = None,
) -> str:
    """An op's template with #0, #1... replaced by the inputs' LaTeX and #y by the output's.

    ``variadic``: the template shows two inputs (``#0 + #1``), its separator is repeated for
    every input. ``consts``: inputs that are constant numbers, so that ``#1 - 1`` becomes a
    number (``2 q`` for d/dq q^2, not ``2 q^{2 - 1}``). An input is parenthesized where its
    formula would otherwise change meaning (a sum in a product, a product under a power), and
    ``a \\cdot b`` is written ``a b`` when b begins with a letter, as the seed writes w_1 x_1.
    ``slot`` replaces ``{i}`` (a component's index) by slot + 1.
    """
    lits, slots, thin = _compile(template, len(ins), variadic, tuple(consts), slot)
    out: list[str] = []
    for k, (key, kind, jux) in enumerate(slots):
        tex = y if key < 0 else ins[key] if key < len(ins) else f"#{key}"
        out.append(" " if jux and _juxtaposes(tex) else lits[k])
        out.append(_bracket(tex, kind))
    out.append(lits[-1])
    s = "".join(out)
    # a number times a name needs no thin space: 2 q, not 2 \, q
    return _THIN.sub(r"\1 ", s) if thin else s


_THIN = re.compile(r"(\d) \\, (?=[A-Za-z\\])")
Slot = tuple[int, str, bool]  # input index (-1: the output), bracket kind, may juxtapose


@lru_cache(maxsize=4096)
def _compile(
    template: str, n: int, variadic: bool, consts: tuple[float | None, ...], slot: int | None
) -> tuple[tuple[str, ...], tuple[Slot, ...], bool]:
    """A template cut into literals and slots, each slot with how its input is bracketed."""
    if variadic and "#0" in template and "#1" in template:
        a, b = template.index("#0"), template.index("#1")
        sep = template[a + 2:b]
        template = template[:a] + sep.join(f"#{k}" for k in range(n)) + template[b + 2:]
    if slot is not None:
        template = template.replace("{i}", f"{{{slot + 1}}}")

    def const_step(m: re.Match[str]) -> str:
        k = int(m[1])
        c = consts[k] if k < len(consts) else None
        return m[0] if c is None else num(c - 1 if m[2] == "-" else c + 1)

    template = _CONST_STEP.sub(const_step, template).replace("^{1}", "")  # x^{1} is x
    lits: list[str] = []
    slots: list[Slot] = []
    pos = 0
    for m in _SLOT.finditer(template):
        before = template[pos:m.start()]
        lits.append(before)
        slots.append((-1 if m[1] == "y" else int(m[1]),
                      _kind(template[:m.start()], template[m.end():]),
                      bool(slots) and before.strip() == "\\cdot"))
        pos = m.end()
    lits.append(template[pos:])
    return tuple(lits), tuple(slots), any("\\," in lit for lit in lits)


def _juxtaposes(right: str) -> bool:
    return bool(right) and (right[0].isalpha() or right[0] in "\\({")


_OPENS = ("{", "(", "[", ",", "&", "=", ">", "<", "\\ge", "\\le")
_CLOSES = ("}", ")", "]", ",", "&", "=", ">", "<", "\\ge", "\\le", "\\right", "\\\\")


def _kind(before: str, after: str) -> str:
    """How an input between ``before`` and ``after`` of a template is bracketed: as a base
    under ^ or _ (one symbol), bare, bare unless it starts with a minus (after +), or
    parenthesized if it is a sum (an operand of a product or of a minus)."""
    b, a = before.rstrip(), after.lstrip()
    if a.startswith(("^", "_")):
        return a[0]
    opens, closes = not b or b.endswith(_OPENS), not a or a.startswith(_CLOSES)
    sums = a.startswith(("+", "-"))
    if b.endswith("+") and (closes or sums):
        return "+"
    return "bare" if opens and (closes or sums) else "factor"


@lru_cache(maxsize=16384)
def _bracket(tex: str, kind: str) -> str:
    if kind in ("^", "_"):
        if _PLAIN_NUMBER.fullmatch(tex) and not tex.startswith("-"):
            return tex
        if is_atom(tex) and not tex.startswith("-"):
            return f"{{{tex}}}" if kind in tex else tex  # o_1^{(2)} under ^2: no double script
        return f"\\left({tex}\\right)"
    if kind == "+":
        return f"\\left({tex}\\right)" if tex.startswith("-") else tex
    return tex if kind == "bare" else paren(tex)
