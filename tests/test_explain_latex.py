"""app.explain.latex: names, numbers and symbols, checked against strings written by hand."""

from __future__ import annotations

import pytest

from app.explain.latex import frac, num, num_text, product, tex_name, value


@pytest.mark.parametrize(
    ("name", "tex"),
    [("x1", "x_1"), ("w5", "w_5"), ("w12", "w_{12}"), ("E_total", "E_{total}"),
     ("E_o1", "E_{o_1}"), ("o12@3", "o_{12}^{(3)}"), ("target_o1", "\\mathit{target}_{o_1}"),
     ("h1_2", "h_{1,2}"), ("h1@2", "h_1^{(2)}"), ("E_total@3", "E_{total}^{(3)}"),
     ("W1", "W_1"), ("beta", "\\beta"), ("dot", "\\mathit{dot}"),
     ("a b{c}$", "\\text{a b\\{c\\}\\$}"), ("w1*x1", "\\text{w1*x1}"),
     ("x\\y^z_", "\\text{x\\textbackslash{}y\\textasciicircum{}z\\_}")],
)
def test_names(name: str, tex: str) -> None:
    assert tex_name(name) == tex


@pytest.mark.parametrize("name", ["alpha", "alpha1", "alpha_t", "sigma", "Sigma", "sigma2"])
def test_the_notations_own_letters_are_never_a_users_name(name: str) -> None:
    # α is the learning rate of the update line, σ the sigmoid: a variable called alpha must
    # not typeset as α (issue 10.5); it is written as the word
    tex = tex_name(name)
    assert "\\alpha" not in tex and "\\sigma" not in tex and "\\Sigma" not in tex
    assert tex.startswith(f"\\mathit{{{name.rstrip('0123456789').split('_')[0]}}}")


@pytest.mark.parametrize(
    ("x", "tex"),
    [(0.0554, "0.0554"), (-0.019049, "-0.01905"), (0.00043856773447434685, "0.0004386"),
     (0.7413650695523157, "0.7414"), (1.0, "1"), (0.0, "0"), (-0.0, "0"), (100.0, "100"),
     (12345.678, "12346"), (1.5e-7, "1.5 \\times 10^{-7}"), (-2.5e9, "-2.5 \\times 10^{9}"),
     (0.99996, "1")],
)
def test_one_number_rule_four_significant_digits(x: float, tex: str) -> None:
    assert num(x) == tex


def test_numbers_as_plain_text_and_arrays() -> None:
    assert num_text(1.5e-7) == "1.5×10⁻⁷" and num_text(-0.019049) == "-0.01905"
    assert value([0.44, 0.52]) == "[0.44, 0.52]"
    assert value([[0.088, 0.176], [0.104, 0.208]]) == (
        "\\begin{bmatrix}0.088 & 0.176 \\\\ 0.104 & 0.208\\end{bmatrix}")
    assert value(list(range(10))) == "[0, 1, 2, 3, 4, \\dots]"


def test_symbols_and_products() -> None:
    assert frac("E_{total}", "w_5") == "\\frac{\\partial E_{total}}{\\partial w_5}"
    assert frac("f", "w_5 h_1") == "\\frac{\\partial f}{\\partial (w_5 h_1)}"
    assert product(["-(t - o)", "o(1 - o)", "1", "h"]) == "-(t - o) \\cdot o(1 - o) \\cdot h"
    assert product(["a", "b + c"]) == "a \\cdot \\left(b + c\\right)"
    assert product(["1", "1"]) == "1" and product(["x", "0"]) == "0"
