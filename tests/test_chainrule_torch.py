"""chainrule.from_torch: every op it maps, an MLP and the seed network written in PyTorch give
the gradients PyTorch's autograd gives (computed here, in float64), to 1e-12; what it cannot map
names itself. Skipped without PyTorch (scripts/test installs the CPU wheel where it is on disk).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (scripts/test installs torch 2.13.0, CPU, from "
    "/opt/wheels where that wheel is on disk): the from_torch tests need it")
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import chainrule  # noqa: E402
import chainrule.torch_import  # noqa: E402

G = torch.Generator().manual_seed(14)


def randn(*shape: int) -> Any:
    return torch.randn(*shape, generator=G, dtype=torch.float64)


def positive(*shape: int) -> Any:
    return torch.rand(*shape, generator=G, dtype=torch.float64) + 0.5


def autograd(fn: Callable[..., Any], inputs: list[Any]) -> tuple[Any, dict[str, Any]]:
    """PyTorch's own answer: the output and d sum(output) / d every float input and parameter,
    named as from_torch names them (argument names, parameters' qualified names)."""
    import inspect

    names = list(inspect.signature(fn.forward if isinstance(fn, nn.Module) else fn).parameters)
    leaves = {}
    args = []
    for name, x in zip(names, inputs, strict=False):
        x = x.detach().clone()
        if x.is_floating_point():
            x = x.to(torch.float64).requires_grad_(True)
            leaves[name] = x
        args.append(x)
    if isinstance(fn, nn.Module):
        fn = fn.to(torch.float64)
        leaves.update(dict(fn.named_parameters()))
    out = fn(*args)
    grads = torch.autograd.grad(out, list(leaves.values()), torch.ones_like(out),
                                allow_unused=True)
    return out.detach().numpy(), {k: g.numpy() for k, g in zip(leaves, grads, strict=True)
                                  if g is not None}


def assert_like_torch(fn: Callable[..., Any], *inputs: Any) -> chainrule.Result:
    import copy

    r = chainrule.from_torch(fn, *inputs)
    out, grads = autograd(copy.deepcopy(fn) if isinstance(fn, nn.Module) else fn, list(inputs))
    assert set(r.grad) == set(grads)
    for name, g in grads.items():
        ours = np.asarray(r.grad[name])
        assert ours.shape == g.shape, name
        scale = max(np.abs(g).max(), np.finfo(float).tiny)
        assert np.abs(ours - g).max() <= 1e-12 * scale, (name, ours, g)
    assert np.abs(np.asarray(r.value) - out).max() <= 1e-12 * max(np.abs(out).max(), 1e-300)
    assert r.torch_check is not None and set(r.torch_check) == set(grads)
    return r


# --- every op it maps ---------------------------------------------------------------------------

CASES: dict[str, tuple[Callable[..., Any], list[Any]]] = {
    "add, broadcast (a non-scalar output)": (lambda a, b: a + b, [randn(3, 2), randn(2)]),
    "sub, torch.sub and a number first": (lambda a, b: torch.sub(1.5 - a, b).sum(),
                                          [randn(2, 2), randn(2, 2)]),
    "mul, method and a number": (lambda a, b: (a.mul(b) * 2).sum(), [randn(3), randn(3)]),
    "div, both ways": (lambda a, b: (a / b + 2 / b).mean(), [randn(4), positive(4)]),
    "pow, number and tensor exponents": (lambda a, b: (a ** 2 + torch.pow(b, a)).sum(),
                                         [randn(3), positive(3)]),
    "neg": (lambda a: (-a * a).sum(), [randn(3)]),
    "exp and log": (lambda a, b: (torch.exp(a) + b.log()).sum(), [randn(3), positive(3)]),
    "sqrt and abs": (lambda a, b: (b.sqrt() * a.abs()).sum(), [positive(3), positive(3)]),
    "maximum and minimum": (lambda a, b: (torch.maximum(a, b) - torch.minimum(a, b)).sum(),
                            [randn(4), randn(4)]),
    "sigmoid, three spellings": (lambda a: (torch.sigmoid(a) + F.sigmoid(a) * a.sigmoid()).sum(),
                                 [randn(3)]),
    "tanh": (lambda a: torch.tanh(a).sum() + F.tanh(a).mean(), [randn(2, 3)]),
    "relu": (lambda a: (F.relu(a) + torch.relu(2 * a)).sum(), [randn(5)]),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.2).sum() + F.leaky_relu(a).sum(), [randn(5)]),
    "elu": (lambda a: F.elu(a, alpha=0.7).sum(), [randn(5)]),
    "matmul, mm, mv": (lambda w, x, a: (w @ x).sum() + torch.mm(a, w).sum() + torch.mv(w, x).sum(),
                       [randn(2, 3), randn(3), randn(4, 2)]),
    "transpose: .T, .t(), transpose(0, 1)": (
        lambda a: (a.T @ a).sum() + a.t().mean() + a.transpose(0, 1).sum(), [randn(3, 2)]),
    "sum and mean": (lambda a: a.sum() * a.mean() + torch.sum(a) + torch.mean(a * a),
                     [randn(2, 2)]),
    "mse_loss": (lambda a, t: F.mse_loss(a, t), [randn(3, 2), randn(3, 2)]),
    "cross_entropy, class indices": (lambda z, y: F.cross_entropy(z, y),
                                     [randn(4, 3), torch.tensor([0, 2, 1, 2])]),
    "cross_entropy, one sample": (lambda z, y: F.cross_entropy(z, y),
                                  [randn(3), torch.tensor(1)]),
    "cross_entropy, probabilities": (
        lambda z, p: F.cross_entropy(z, p),
        [randn(2, 3), torch.tensor([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]], dtype=torch.float64)]),
    "nll_loss of log_softmax": (lambda z, y: F.nll_loss(F.log_softmax(z, dim=-1), y),
                                [randn(3, 4), torch.tensor([3, 0, 1])]),
    "F.linear": (lambda x, w, b: F.linear(x, w, b).sum(), [randn(3, 2), randn(4, 2), randn(4)]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_op_gives_torchs_gradients(case: str) -> None:
    fn, inputs = CASES[case]
    assert_like_torch(fn, *inputs)


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 5)
        self.fc2 = nn.Linear(5, 2)

    def forward(self, x: Any, y: Any) -> Any:
        return F.cross_entropy(self.fc2(torch.relu(self.fc1(x))), y)


class Seed(nn.Module):
    """The seed's 2-2-2 sigmoid network, written out in PyTorch: one bias per layer (b1 is
    shared by h1 and h2), E_total = sum 1/2 (target - o)^2."""

    def __init__(self) -> None:
        super().__init__()
        # float64 from the start: 0.15 as a float32 is 0.1500000059604645
        f64 = torch.float64
        self.W1 = nn.Parameter(torch.tensor([[0.15, 0.2], [0.25, 0.3]], dtype=f64))
        self.b1 = nn.Parameter(torch.tensor(0.35, dtype=f64))
        self.W2 = nn.Parameter(torch.tensor([[0.4, 0.45], [0.5, 0.55]], dtype=f64))
        self.b2 = nn.Parameter(torch.tensor(0.6, dtype=f64))

    def forward(self, x: Any, target: Any) -> Any:
        h = torch.sigmoid(self.W1 @ x + self.b1)
        o = torch.sigmoid(self.W2 @ h + self.b2)
        return (0.5 * (target - o) ** 2).sum()


MODULES: dict[str, tuple[Callable[[], nn.Module], list[Any]]] = {
    "an MLP (Linear, relu, Linear, cross-entropy) on a batch": (
        MLP, [randn(6, 3), torch.tensor([0, 1, 1, 0, 1, 0])]),
    "Linear on one sample (W x + b)": (lambda: nn.Linear(3, 2), [randn(3)]),
    "Linear without bias on a batch (X Wᵀ)": (lambda: nn.Linear(3, 2, bias=False), [randn(4, 3)]),
    "Sequential of activation modules": (
        lambda: nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 4), nn.LeakyReLU(0.1),
                              nn.Linear(4, 3), nn.ELU(0.5), nn.Linear(3, 2), nn.ReLU(),
                              nn.Linear(2, 1), nn.Sigmoid()),
        [randn(5, 2)]),
}


@pytest.mark.parametrize("case", list(MODULES))
def test_modules_give_torchs_gradients_under_their_parameter_names(case: str) -> None:
    make, inputs = MODULES[case]
    torch.manual_seed(0)
    assert_like_torch(make(), *inputs)


def test_loss_modules() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 3), nn.Sigmoid())
            self.ce, self.mse = nn.CrossEntropyLoss(), nn.MSELoss()
            self.nll, self.logp = nn.NLLLoss(), nn.LogSoftmax(dim=1)

        def forward(self, x: Any, y: Any, t: Any) -> Any:
            z = self.body(x)
            return self.ce(z, y) + self.mse(z, t) + self.nll(self.logp(z), y)

    torch.manual_seed(1)
    r = assert_like_torch(Net(), randn(4, 3), torch.tensor([2, 0, 1, 1]), randn(4, 3))
    assert {"body.0.weight", "body.0.bias", "x", "t"} == set(r.grad)


def test_the_mlp_keeps_pytorchs_names_and_the_module() -> None:
    torch.manual_seed(0)
    model = MLP()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    r = chainrule.from_torch(model, randn(6, 3), torch.tensor([0, 1, 1, 0, 1, 0]))
    assert list(r.grad) == ["x", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert r.grad["fc1.weight"].shape == (5, 3)
    assert r.nodes["fc1"].op == "add" and r.nodes["relu"].inputs == ("fc1",)
    assert r.nodes["cross_entropy"].op == "softmax_cross_entropy"
    assert all(p.dtype == torch.float32 for p in model.parameters())  # copied, not changed
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    # its request replays through the REST API's form to the same document
    assert chainrule.trace(r.request).to_json() == r.to_json()


def test_the_seed_network_written_in_pytorch() -> None:
    x = torch.tensor([0.05, 0.1], dtype=torch.float64)
    t = torch.tensor([0.01, 0.99], dtype=torch.float64)
    r = assert_like_torch(Seed(), x, t)
    # and the seed's own numbers: Chainrule's neurons view of the same network
    seed = chainrule.trace({"layers": [2, 2, 2], "inputs": [[0.05, 0.1]],
                            "targets": [[0.01, 0.99]],
                            "params": {"W1": [[0.15, 0.2], [0.25, 0.3]], "b1": 0.35,
                                       "W2": [[0.4, 0.45], [0.5, 0.55]], "b2": 0.6}})
    w = seed.grad
    np.testing.assert_allclose(r.grad["W1"], [[w["w1"], w["w2"]], [w["w3"], w["w4"]]],
                               rtol=1e-13)
    np.testing.assert_allclose(r.grad["W2"], [[w["w5"], w["w6"]], [w["w7"], w["w8"]]],
                               rtol=1e-13)
    assert r.grad["b1"] == pytest.approx(w["b1"], rel=1e-13)
    assert r.value == pytest.approx(seed.value, rel=1e-15)
    assert r.grad["W2"][0, 0] == pytest.approx(0.0821670405642308, rel=1e-12)  # the seed's w5


# --- what it cannot map ---------------------------------------------------------------------------

UNSUPPORTED: dict[str, tuple[Callable[..., Any], list[Any], str]] = {
    "softmax alone": (lambda a: torch.softmax(a, -1).sum(), [randn(3)], "torch.softmax"),
    "a cumulative sum": (lambda a: torch.cumsum(a, 0).sum(), [randn(3)], "torch.cumsum"),
    "a method it does not know": (lambda a: a.clamp(0, 1).sum(), [randn(3)], "Tensor.clamp"),
    "an nn layer it does not know": (nn.Softmax(dim=1), [randn(2, 3)], "softmax"),
    "a sum over one dimension": (lambda a: a.sum(1).sum(), [randn(2, 2)], "sum over a dim"),
    "a loss summed, not averaged": (lambda a, t: F.mse_loss(a, t, reduction="sum"),
                                    [randn(2), randn(2)], "reduction='sum'"),
    "an in-place relu": (nn.Sequential(nn.ReLU(inplace=True)), [randn(2)], "inplace=True"),
    "log_softmax without nll_loss": (lambda a: F.log_softmax(a, dim=-1).sum(), [randn(2, 3)],
                                     "log_softmax"),
    "floor division": (lambda a: (a // 2).sum(), [randn(3)], "operator.floordiv"),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_an_op_it_cannot_map_names_itself(case: str) -> None:
    fn, inputs, named = UNSUPPORTED[case]
    with pytest.raises(chainrule.ChainruleError) as caught:
        chainrule.from_torch(fn, *inputs)
    e = caught.value
    assert e.kind == "unsupported"
    assert named in e.message
    if "softmax" in case:
        assert "F.cross_entropy(logits, target)" in e.message
    else:
        assert "It maps: Linear, " in e.message and "mse_loss" in e.message


def test_a_tensor_of_three_dimensions_is_refused() -> None:
    with pytest.raises(chainrule.ChainruleError, match=r"a has shape \[2, 2, 2\]: Chainrule's "
                       "values are numbers, vectors and matrices"):
        chainrule.from_torch(lambda a: a.sum(), randn(2, 2, 2))


def test_code_that_fx_cannot_trace_is_refused_clearly() -> None:
    def branchy(a: Any) -> Any:
        return a.sum() if a.sum() > 0 else (-a).sum()

    with pytest.raises(chainrule.ChainruleError, match=r"torch\.fx cannot trace") as caught:
        chainrule.from_torch(branchy, randn(3))
    assert caught.value.kind == "unsupported"
    with pytest.raises(TypeError, match=r"takes 2 inputs \(a, b\); 1 example inputs given"):
        chainrule.from_torch(lambda a, b: (a * b).sum(), randn(2))


def test_a_disagreement_with_pytorch_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # the check runs on every call: with a bound no difference can meet (not even 0), it fails
    monkeypatch.setattr(chainrule.torch_import, "TOLERANCE", -1.0)
    with pytest.raises(chainrule.ChainruleError, match="disagree") as caught:
        chainrule.from_torch(lambda a: (a * a).sum(), randn(2))
    assert caught.value.kind == "mismatch"
