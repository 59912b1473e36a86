"""Gradient descent: the seed's step to the last digit, agreement with the neurons view, XOR."""

from __future__ import annotations

import numpy as np
import pytest

from app.builders.network import (
    NetworkLimits,
    apply_params,
    by_neuron_name,
    init_params,
    make_spec,
    neuron_names,
)
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.graph.engine import run
from app.graph.ir import GraphError
from app.network_examples import SEED_PARAMS
from app.train import check_training, train
from tests.test_network import CASES, T, X, _random_case, seed_closed_form

# The classic worked example's weights after one step (learning rate 0.5, biases fixed), as it
# publishes them (M. Mazur, "A Step by Step Backpropagation Example", 2015: 8 to 9 digits) ...
PUBLISHED = {"w1": "0.149780716", "w2": "0.19956143", "w3": "0.24975114", "w4": "0.29950229",
             "w5": "0.35891648", "w6": "0.408666186", "w7": "0.511301270", "w8": "0.561370121"}
# ... and to the last digit: w - 0.5 dE/dw with the gradients of the closed form
_REF = seed_closed_form()
MAZUR = {w: float(SEED_PARAMS[w] - 0.5 * _REF[f"d{w}"]) for w in PUBLISHED}


def test_the_closed_form_step_is_the_published_one() -> None:
    for name, text in PUBLISHED.items():
        decimals = len(text.split(".")[1])
        assert round(MAZUR[name], decimals) == pytest.approx(float(text), abs=1e-12), name


def test_one_step_on_the_seed_reproduces_the_worked_example() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    params = apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    after, history = train(spec, params, X, T, 0.5, steps=1)
    got = by_neuron_name(spec, after)
    for name, want in MAZUR.items():
        assert float(got[name]) == pytest.approx(want, rel=1e-12), name
    assert (float(got["b1"]), float(got["b2"])) == (0.35, 0.60)  # held fixed
    assert len(history) == 2
    assert history[0] == pytest.approx(0.298371108760003, rel=1e-12)
    assert history[1] < history[0]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_a_training_step_is_the_neurons_views_gradient_step(case: int) -> None:
    spec, params, x, t = _random_case(case, *CASES[case])
    trace = run(neurons_graph(spec, t), {**neuron_inputs(x), **by_neuron_name(spec, params)})
    after, _ = train(spec, params, x, t, 0.3, steps=1, train_biases=True)
    before, got = by_neuron_name(spec, params), by_neuron_name(spec, after)
    for name in neuron_names(spec):
        want = float(before[name]) - 0.3 * float(trace.grads[name])
        assert float(got[name]) == pytest.approx(want, rel=1e-12, abs=1e-15), name


def test_zero_steps_keep_the_parameters_and_give_one_loss() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    params = apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    after, history = train(spec, params, X, T, 0.5, steps=0)
    assert len(history) == 1
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(after, params, strict=True))


def test_xor_is_learned() -> None:
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    t = np.array([[0], [1], [1], [0]], dtype=float)
    spec = make_spec([2, 3, 1], "sigmoid", "half_sse", False)
    after, history = train(spec, init_params(spec, 0), x, t, 2.0, 2000, train_biases=True)
    assert len(history) == 2001
    assert history[-1] < 0.01 < 0.1 < history[0]
    # the prediction of every sample is on the right side of 0.5
    h = 1 / (1 + np.exp(-(x @ after[0][0].T + after[0][1])))
    o = 1 / (1 + np.exp(-(h @ after[1][0].T + after[1][1])))
    assert np.array_equal(o[:, 0] > 0.5, t[:, 0] > 0.5)


def test_training_is_bounded_up_front() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    with pytest.raises(GraphError) as e:
        check_training(spec, 1, NetworkLimits().max_train_steps + 1)
    assert e.value.kind == "limit"
    big = make_spec([64, 64, 64], "relu", "mse", False)
    with pytest.raises(GraphError) as e:
        check_training(big, 1000, 1000)
    assert e.value.kind == "limit" and "multiply-adds" in e.value.message


def test_divergence_is_reported_as_a_numeric_error() -> None:
    spec = make_spec([1, 1], "identity", "mse", False)
    params = apply_params(spec, init_params(spec, 0), {"w1": 1.0})
    with pytest.raises(GraphError) as e:
        train(spec, params, np.array([[100.0]]), np.array([[0.0]]), 1e3, 2000)
    assert e.value.kind == "numeric" and "diverged" in e.value.message


def test_the_training_bounds_come_from_the_limits_passed_in() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    check_training(spec, 4, 10, NetworkLimits(max_train_steps=10))
    for limits, fragment in ((NetworkLimits(max_train_steps=9), "at most 9 training steps"),
                             (NetworkLimits(max_train_cost=399), "the limit is 399"),
                             (NetworkLimits(max_train_node_steps=149), "at most 9 steps")):
        with pytest.raises(GraphError) as e:
            train(spec, init_params(spec, 0), np.zeros((4, 2)), np.zeros((4, 2)), 0.5, 10,
                  limits=limits)
        assert e.value.kind == "limit" and fragment in e.value.message, e.value.message


def test_deep_networks_get_fewer_steps() -> None:
    deep = make_spec([2] * 8, "tanh", "mse", False)
    check_training(deep, 4, 6000)
    with pytest.raises(GraphError) as e:
        check_training(deep, 4, 10_000)
    assert e.value.kind == "limit" and "at most 6666 steps" in e.value.message
