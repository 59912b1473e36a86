"""``chainrule.from_torch``: a small PyTorch function or module on Chainrule's graph, checked
against PyTorch's own backward pass.

    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2))
    r = chainrule.from_torch(model, x)      # x: a batch, one sample per row
    r.grad["0.weight"]          # Chainrule's gradient of sum(model(x)), equal to torch's
    r.torch_check               # per input: its relative difference from torch's

torch is imported here only when the function is called (``pip install 'chainrule[torch]'``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.errors import ChainruleError
from chainrule.local import InProcess, LimitsLike, limits_of
from chainrule.requests import GRAPH
from chainrule.result import Result

if TYPE_CHECKING:
    import torch

# Chainrule and PyTorch compute in float64 by different routes (their own summation orders and
# libm calls): on the small functions this is for, they agree to a few ulps of the largest
# entry, far inside this bound (tests/test_chainrule_torch.py measures it on every op).
TOLERANCE = 1e-12


def _import_torch() -> Any:
    try:
        import torch
        import torch.fx
    except ImportError:
        raise ImportError("chainrule.from_torch needs PyTorch: pip install 'chainrule[torch]' "
                          "(for the CPU build, install torch from PyTorch's CPU index first)")\
            from None
    return torch


def _float64(x: object, torch_: Any) -> torch.Tensor:
    """An example input as a tensor: floats as float64, integers (class indices) kept."""
    t = x if isinstance(x, torch_.Tensor) else torch_.as_tensor(np.asarray(x))
    t = t.detach()
    out: torch.Tensor = t.to(torch_.float64) if t.is_floating_point() else t
    return out


def relative_error(ours: object, theirs: object) -> float:
    """max |ours - theirs| over the largest |theirs| entry (0 where both are absent or zero; a
    gradient PyTorch leaves out, None, is a zero gradient)."""
    a = np.zeros(()) if ours is None else np.asarray(ours, dtype=np.float64)
    b = np.zeros(()) if theirs is None else np.asarray(theirs, dtype=np.float64)
    diff = float(np.max(np.abs(a - b), initial=0.0))
    scale = float(np.max(np.abs(b), initial=0.0))
    return diff / scale if scale > 0 else diff


def from_torch(fn_or_module: Callable[..., Any], *example_inputs: object,
               limits: LimitsLike = None) -> Result:
    """Trace ``fn_or_module`` (a function of tensors, or an ``nn.Module``) on
    ``example_inputs`` with torch.fx, run it on Chainrule's engine, and check every gradient
    against PyTorch's autograd (both in float64).

    The graph's inputs are the function's arguments (by their names) and the module's
    parameters (by their qualified names, ``fc1.weight``); an integer tensor is the class
    indices of a cross-entropy target. The module is copied to float64, never changed (a
    float32 parameter keeps its float32 value: 0.15 becomes 0.1500000059604645; make the
    module in float64 to compute with the decimal numbers).
    Returns the :class:`chainrule.Result` of the graph (its ``request`` is the /api/graph
    request that gives the same document), with ``torch_check``: per input, the relative
    difference from PyTorch's gradient. A non-scalar output is differentiated as the sum of its
    entries, by both.

    Raises ChainruleError: kind "unsupported" for an op Chainrule does not map (the message
    names it and lists what is mapped), kind "mismatch" where a value or gradient differs from
    PyTorch's by more than TOLERANCE (relative to its largest entry), or the engine's own error
    (a limit, a numeric problem). ImportError without PyTorch.
    """
    torch = _import_torch()
    from torch.fx.passes.shape_prop import ShapeProp

    from chainrule.torch_graph import to_graph

    fn = copy.deepcopy(fn_or_module).to(torch.float64) \
        if isinstance(fn_or_module, torch.nn.Module) else fn_or_module
    inputs = [_float64(x, torch) for x in example_inputs]
    try:
        gm = torch.fx.symbolic_trace(fn)
    except Exception as e:  # torch.fx's TraceError and the errors of data-dependent code
        raise ChainruleError("unsupported", f"torch.fx cannot trace this function: {e}") from e
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    if len(placeholders) != len(inputs):
        raise TypeError(f"the function takes {len(placeholders)} inputs "
                        f"({', '.join(str(p.target) for p in placeholders)}); "
                        f"{len(inputs)} example inputs given")
    ShapeProp(gm).propagate(*inputs)
    graph, values = to_graph(gm, inputs)
    backend = InProcess(limits_of(limits))
    request = {"graph": graph, "values": values}
    result = Result(backend.run(GRAPH, request), GRAPH, request, backend)
    result.torch_check = _compare(result, fn, inputs, [str(p.target) for p in placeholders],
                                  torch)
    return result


def _compare(result: Result, fn: Callable[..., Any], inputs: list[torch.Tensor],
             names: list[str], torch: Any) -> Mapping[str, float]:
    """PyTorch's forward and backward on fresh copies of the inputs; every gradient compared."""
    leaves: dict[str, torch.Tensor] = {}
    call = []
    for name, x in zip(names, inputs, strict=True):
        x = x.clone().requires_grad_(x.is_floating_point())
        call.append(x)
        if x.is_floating_point():
            leaves[name] = x
    if isinstance(fn, torch.nn.Module):
        leaves.update({k: p for k, p in fn.named_parameters() if p.requires_grad})
        fn.zero_grad(set_to_none=True)
    out = fn(*call)
    wanted = list(leaves)
    grads = torch.autograd.grad(out, [leaves[k] for k in wanted],
                                grad_outputs=torch.ones_like(out), allow_unused=True)
    theirs = {k: None if g is None else g.numpy() for k, g in zip(wanted, grads, strict=True)}
    check = {k: relative_error(result.grad.get(k), theirs[k]) for k in wanted}
    check_value = relative_error(result.value, out.detach().numpy())
    bad = {k: e for k, e in check.items() if not e <= TOLERANCE}
    if bad or not check_value <= TOLERANCE:
        worst = ", ".join(f"{k}: {e:.3g}" for k, e in sorted(bad.items()))
        raise ChainruleError("mismatch", f"Chainrule and PyTorch disagree beyond {TOLERANCE:g} "
                             f"(relative): output {check_value:.3g}; gradients {worst or 'ok'}")
    return check
