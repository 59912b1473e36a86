"""Ready requests for POST /api/network, the seed's worked example first.

Each is ``{"id", "title", "description", "endpoint", "request"}`` like app.examples' entries,
to be listed by /api/examples. Loading one never trains; an example meant to be trained says so
in ``train`` ({"endpoint": "/api/network/train", "steps": ...}: POST the document's ``spec``
with those steps). The numbers in the descriptions are rounded for a reader and checked by
tests/test_network_examples.py.
"""

from __future__ import annotations

from typing import Any

Example = dict[str, Any]

SEED_PARAMS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45,
               "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.60}

NETWORK_EXAMPLES: list[Example] = [
    {
        "id": "seed-network",
        "title": "The 2-2-2 sigmoid network: one step of backpropagation",
        "description": "The worked example of the notes. Two inputs (0.05 and 0.10) go through "
        "two hidden sigmoid neurons to two outputs that should be 0.01 and 0.99; the error "
        "E_total is about 0.298. Step 1: w5's gradient is a product of three factors, about "
        "0.082, so w5 moves from 0.40 to about 0.359. Step 2: h1 feeds both outputs, so w1's "
        "gradient adds up two paths; w1 moves from 0.15 to about 0.1498. The biases stay fixed.",
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
            "view": "neurons",
            "explain": ["w5", "w1"],
        },
    },
    {
        "id": "xor",
        "title": "XOR: a 2-3-1 sigmoid network learns it",
        "description": "No single straight line separates XOR's four points; one hidden layer "
        "of three sigmoid neurons can bend the space. The four samples go through the graph "
        "together: every value is a list of four numbers, one per sample, and the weights' "
        "gradients add up the four samples' shares. Untrained, the loss is about 0.135; train "
        "2,000 steps (learning rate 2, biases trained too) and it falls to about 0.004.",
        "endpoint": "/api/network",
        "train": {"endpoint": "/api/network/train", "steps": 2000},
        "request": {
            "layers": [2, 3, 1],
            "activation": "sigmoid",
            "loss": "half_sse",
            "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
            "targets": [[0], [1], [1], [0]],
            "seed": 0,
            "train_biases": True,
            "learning_rate": 2.0,
            "view": "neurons",
            "explain": ["w1"],
        },
    },
    {
        "id": "softmax-3-classes",
        "title": "Three classes: tanh hidden layer, softmax cross-entropy",
        "description": "A 2-3-3 network sorts six points into three classes, shown as layers "
        "(matrices W1, W2). The outputs are scores for the classes; softmax turns them into "
        "probabilities, and the loss is minus the log of the right class's probability. Its "
        "gradient is simply softmax minus the target. Untrained, the loss is about 0.86; 200 "
        "steps (learning rate 0.5) bring it to about 0.008.",
        "endpoint": "/api/network",
        "train": {"endpoint": "/api/network/train", "steps": 200},
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
            "view": "layers",
            "explain": ["W1"],
        },
    },
]
