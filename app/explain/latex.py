"""The one LaTeX renderer: names, numbers and symbols (op templates: app.explain.templates).

    >>> tex_name("w5"), tex_name("E_total"), tex_name("E_o1"), tex_name("alpha")
    ('w_5', 'E_{total}', 'E_{o_1}', '\\\\mathit{alpha}')
    >>> num(0.05539917), num(-0.019049), num(0.00043856773), num(1.5e-7)
    ('0.0554', '-0.01905', '0.0004386', '1.5 \\\\times 10^{-7}')

Numbers: one rule for every formula, strip and narration param, 4 significant digits with the
trailing zeros dropped, ``× 10^k`` outside 1e-4 <= |x| < 1e6. The raw float64 values travel
beside them in the document for full precision.

Names that the notation itself uses are reserved: the learning rate of the update line
w+ = w - α ∂E/∂w is α and the sigmoid is σ, so a user's variable called ``alpha`` or ``sigma``
is written as the word (``\\mathit{alpha}``), never as the letter (issue 10.5).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

_GREEK_TEXT = ("alpha beta gamma delta epsilon eta theta lambda mu nu xi pi rho tau phi chi psi "
               "omega Gamma Delta Theta Lambda Pi Phi Psi Omega")
GREEK = frozenset(_GREEK_TEXT.split(" "))
# The notation's own letters: alpha (learning rate; leaky ReLU's and ELU's slope), sigma and
# Sigma (the sigmoid, and a sum's look-alike). A user name using them is written as a word.
RESERVED = frozenset({"alpha", "sigma", "Sigma"})
_TEXT_ESC = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&",
             "#": "\\#", "^": "\\textasciicircum{}", "_": "\\_", "%": "\\%",
             "~": "\\textasciitilde{}"}
_NAME = re.compile(r"([A-Za-z]+)(\d*)(?:_([A-Za-z0-9_]+))?")
MAX_SIDE = 6  # entries shown along one axis of an array, then \cdots


@lru_cache(maxsize=16_384)
def tex_name(name: str) -> str:
    """w5 -> w_5, w12 -> w_{12}, E_total -> E_{total}, E_o1 -> E_{o_1}, h1_2 -> h_{1,2},
    h1@2 -> h_1^{(2)} (sample 2), beta -> \\beta, a word -> \\mathit{dot} (so that it does not
    read as the product d o t; alpha and sigma too: reserved); anything else -> \\text{...}
    with LaTeX's specials escaped."""
    base, at, sample = name.partition("@")
    if at and sample.isdigit() and _NAME.fullmatch(base):
        return f"{_name(base)}^{{({sample})}}"
    return _name(name) if _NAME.fullmatch(name) else text(name)


def _name(s: str, sub: bool = False) -> str:
    m = _NAME.fullmatch(s)
    assert m is not None
    word, digits, rest = m.groups()
    if word in GREEK and word not in RESERVED:
        head = f"\\{word}"
    elif len(word) > 1 and not sub:
        head = f"\\mathit{{{word}}}"  # a word, not a product of letters: dot, target, alpha
    else:
        head = word
    if rest is None:
        if not digits:
            return head
        return f"{head}_{digits}" if len(digits) == 1 else f"{head}_{{{digits}}}"  # w_{12}
    if rest.isdigit():
        return f"{head}_{{{digits},{rest}}}" if digits else f"{head}_{{{rest}}}"
    below = _name(rest, sub=True) if _NAME.fullmatch(rest) else text(rest)
    return f"{head}_{{{digits + ',' if digits else ''}{below}}}"


def text(s: str) -> str:
    """Any text as \\text{...}, LaTeX's special characters escaped."""
    return "\\text{" + "".join(_TEXT_ESC.get(ch, ch) for ch in s) + "}"


# --- numbers --------------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _parts(x: float) -> tuple[str, int | None]:
    """The 4-significant-digit mantissa text, and the power of ten (None: plain decimal)."""
    if x == 0 or not math.isfinite(x):
        return ("0" if x == 0 else repr(x)), None
    e = math.floor(math.log10(abs(x)))
    if -4 <= e < 6:
        s = f"{x:.{max(0, 3 - e)}f}"
        return (s.rstrip("0").rstrip(".") if "." in s else s), None
    mant, exp = f"{x:.3e}".split("e")
    return mant.rstrip("0").rstrip("."), int(exp)


@lru_cache(maxsize=65_536)  # a document writes each gradient several times
def num(x: float) -> str:
    """A number in LaTeX: 0.0554, -0.01905, 1.5 \\times 10^{-7}."""
    mant, exp = _parts(float(x))
    return mant if exp is None else f"{mant} \\times 10^{{{exp}}}"


@lru_cache(maxsize=65_536)
def num_text(x: float) -> str:
    """The same number as plain text for narration: 0.0554, 1.5×10⁻⁷."""
    mant, exp = _parts(float(x))
    return mant if exp is None else f"{mant}×10{str(exp).translate(_SUPERSCRIPT)}"


def term(x: float) -> str:
    """A number after an operator: negatives in parentheses, ``+ (-0.01905)``."""
    s = num(x)
    return f"({s})" if s.startswith("-") else s


def value(v: npt.ArrayLike) -> str:
    """A scalar, a vector [0.44, 0.52] or a matrix (bmatrix), at most MAX_SIDE entries a side
    (only those are formatted: a 150 x 150 gradient costs no more than a 6 x 6 one)."""
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 0:
        return num(float(a))
    if a.ndim == 1:
        return "[" + ", ".join(_side(a)) + "]"
    a = a.reshape(a.shape[0], -1)
    rows = [" & ".join(_side(r)) for r in a[:MAX_SIDE]]
    shown = rows + (["\\vdots"] if a.shape[0] > MAX_SIDE else [])
    return "\\begin{bmatrix}" + " \\\\ ".join(shown) + "\\end{bmatrix}"


def value_term(v: npt.ArrayLike) -> str:
    a = np.asarray(v, dtype=np.float64)
    return term(float(a)) if a.ndim == 0 else value(a)


def value_text(v: npt.ArrayLike) -> str:
    """A value as plain text: a number, or [a, b, ...] (arrays flattened, shortened)."""
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 0:
        return num_text(float(a))
    return "[" + ", ".join(_side(a.ravel(), num_text)) + "]"


def _side(xs: npt.NDArray[np.float64], fmt: Callable[[float], str] = num) -> list[str]:
    """The entries of one axis, formatted, the tail beyond MAX_SIDE as \\dots."""
    if len(xs) <= MAX_SIDE:
        return [fmt(x) for x in xs.tolist()]
    return [*(fmt(x) for x in xs[:MAX_SIDE - 1].tolist()), "\\dots"]


# --- symbols --------------------------------------------------------------------------------


def atom(tex: str) -> str:
    """A name as an operand of ∂: parenthesized unless it is a single symbol."""
    return tex if is_atom(tex) else f"({tex})"


@lru_cache(maxsize=16_384)
def is_atom(tex: str) -> bool:
    """No top-level space, sign, comma or equals sign: one symbol, as a base or under ∂."""
    depth = 0
    for ch in tex:
        depth += 1 if ch in "{([" else -1 if ch in "})]" else 0
        if depth == 0 and ch in " +-=,":
            return False
    return True


@lru_cache(maxsize=16_384)
def frac(top: str, bottom: str) -> str:
    """d top / d bottom, both LaTeX names."""
    return f"\\frac{{\\partial {atom(top)}}}{{\\partial {atom(bottom)}}}"


def nabla(wrt: str, of: str) -> str:
    """The gradient of ``of`` with respect to the array ``wrt``: \\nabla_{W} f."""
    return f"\\nabla_{{{wrt}}} {atom(of)}"


def paren(s: str) -> str:
    """Parenthesize a formula with a top-level + or -, or a leading minus."""
    depth = 0
    for i, ch in enumerate(s):
        depth += 1 if ch in "({[" else -1 if ch in ")}]" else 0
        if depth == 0 and (ch == "+" or (ch == "-" and (i == 0 or s[i - 1] == " "))):
            return f"\\left({s}\\right)"
    return s


def product(factors: Sequence[str], sep: str = "\\cdot") -> str:
    """Factors joined by ``sep``, 1s dropped, each parenthesized where needed."""
    kept = [f for f in factors if f != "1"]
    if "0" in kept:
        return "0"
    if not kept:
        return "1"
    if len(kept) == 1:
        return kept[0]
    # the first factor may keep a leading minus: -(t - o) \cdot o(1 - o)
    first = kept[0] if kept[0].startswith("-") and paren(kept[0][1:]) == kept[0][1:] else paren(
        kept[0])
    return f" {sep} ".join([first, *(paren(f) for f in kept[1:])])
