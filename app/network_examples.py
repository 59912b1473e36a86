"""Ready requests for POST /api/network, the seed's worked example first.

Each is ``{"id", "title", "description", "endpoint", "request"}`` like app.examples' entries,
to be listed by /api/examples. The numbers quoted in the descriptions are checked by
tests/test_network_api.py.
"""

from __future__ import annotations

from typing import Any

Example = dict[str, Any]

SEED_PARAMS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45,
               "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.60}

NETWORK_EXAMPLES: list[Example] = [
    {
        "id": "seed-network",
        "title": "The 2-2-2 sigmoid network, one step",
        "description": "The seed's worked example: x = (0.05, 0.10), targets (0.01, 0.99), "
        "E_total = 0.2983711088. Step 1: dE_total/dw5 = dE_total/do1 · do1/dz3 · dz3/dw5 = "
        "0.0821670406, so w5+ = 0.4 − 0.5 · 0.0821670406 = 0.3589164797. Step 2: h1 feeds both "
        "outputs, so dE_total/dw1 sums two paths: w1+ = 0.1497807161. Biases held fixed.",
        "endpoint": "/api/network",
        "request": {
            "layers": [2, 2, 2],
            "activation": "sigmoid",
            "loss": "half_sse",
            "inputs": [[0.05, 0.10]],
            "targets": [[0.01, 0.99]],
            "params": SEED_PARAMS,
            "train_biases": False,
            "learning_rate": 0.5,
            "steps": 1,
            "view": "neurons",
            "explain": ["w5", "w1"],
        },
    },
    {
        "id": "xor",
        "title": "XOR: a 2-3-1 sigmoid network learns it",
        "description": "Four samples, one hidden layer of three sigmoid neurons, biases "
        "trained: no single line separates XOR, the hidden layer bends the space. 2,000 steps "
        "of gradient descent (learning rate 2) take the loss from 0.135 to 0.0036; each "
        "sample has its own copy of the graph (x1@2, h1@2...), sharing the weights.",
        "endpoint": "/api/network",
        "request": {
            "layers": [2, 3, 1],
            "activation": "sigmoid",
            "loss": "half_sse",
            "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
            "targets": [[0], [1], [1], [0]],
            "seed": 0,
            "train_biases": True,
            "learning_rate": 2.0,
            "steps": 2000,
            "view": "neurons",
            "explain": ["w1"],
        },
    },
    {
        "id": "softmax-3-classes",
        "title": "Three classes: tanh hidden layer, softmax cross-entropy",
        "description": "A 2-3-3 network classifies six points of three classes. The outputs "
        "are logits (identity activation), stacked into a vector for softmax cross-entropy, "
        "whose gradient is softmax(o) − target. One bias per neuron, trained; 200 steps take "
        "the loss from 0.86 to 0.008.",
        "endpoint": "/api/network",
        "request": {
            "layers": [2, 3, 3],
            "activation": ["tanh", "identity"],
            "loss": "softmax_cross_entropy",
            "inputs": [[2, 1], [1.5, 2], [-1, 1], [-2, 0.5], [0, -2], [0.5, -1.5]],
            "targets": [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]],
            "seed": 0,
            "per_neuron_biases": True,
            "train_biases": True,
            "learning_rate": 0.5,
            "steps": 200,
            "view": "layers",
            "explain": ["W1"],
        },
    },
]
