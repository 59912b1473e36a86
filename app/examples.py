"""Ready, named requests served by /api/examples: the course's and the seed's worked examples.

Each is ``{"id", "title", "description", "endpoint", "request"}``; POST ``request`` to
``endpoint`` to get the traced graph. The page's examples menu lists exactly these, in order.
"""

from __future__ import annotations

from app.network_examples import NETWORK_EXAMPLES, Example

GRAPH_EXAMPLES: list[Example] = [
    {
        "id": "cs231n-simple",
        "title": "(x + y) · z",
        "description": "The course's first circuit: add distributes, mul swaps. "
        "x = -2, y = 5, z = -4 gives dx = -4, dy = -4, dz = 3.",
        "endpoint": "/api/graph",
        "request": {"expression": "q = x + y\nf = q * z", "values": {"x": -2, "y": 5, "z": -4}},
    },
    {
        "id": "sigmoid-neuron",
        "title": "A 2-input sigmoid neuron, staged",
        "description": "f = σ(w0 x0 + w1 x1 + w2), staged as the course does: the dot product, "
        "then one sigmoid gate whose local gradient is (1 - f) f.",
        "endpoint": "/api/graph",
        "request": {
            "expression": "dot = w0*x0 + w1*x1 + w2\nf = sigmoid(dot)",
            "values": {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
        },
    },
    {
        "id": "sigmoid-neuron-gates",
        "title": "The same neuron, one elementary gate at a time",
        "description": "f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) through neg, exp, add and div "
        "gates: the same gradients as the single sigmoid gate, the long way.",
        "endpoint": "/api/graph",
        "request": {
            "expression": "dot = w0*x0 + w1*x1 + w2\nnegdot = -dot\ne = exp(negdot)\n"
            "den = 1 + e\nf = 1 / den",
            "values": {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
        },
    },
    {
        "id": "vectorized-norm",
        "title": "f = ||W x||², vectorized",
        "description": "The seed's vectorized example: q = W x, f = ||q||²; grad W = 2 q xᵀ, "
        "grad x = 2 Wᵀ q, each with its variable's shape.",
        "endpoint": "/api/graph",
        "request": {
            "expression": "q = W @ x\nf = sum(q ** 2)",
            "values": {"W": [[0.1, 0.5], [-0.3, 0.8]], "x": [0.2, 0.4]},
        },
    },
    {
        "id": "gates",
        "title": "Gate patterns: 2 (x y + max(z, w))",
        "description": "add distributes, mul swaps, max routes to the larger input: "
        "x = 3, y = -4, z = 2, w = -1 gives dx = -8, dy = 6, dz = 2, dw = 0.",
        "endpoint": "/api/graph",
        "request": {"expression": "2 * (x * y + max(z, w))",
                    "values": {"x": 3, "y": -4, "z": 2, "w": -1}},
    },
    {
        "id": "fan-out",
        "title": "Fan-out: f = x · x + x",
        "description": "x feeds three edges; its gradient is the sum of what they carry: "
        "2x + 1.",
        "endpoint": "/api/graph",
        "request": {"expression": "f = x * x + x", "values": {"x": 3}},
    },
    {
        "id": "two-layer-relu",
        "title": "f = W2 max(0, W1 x)",
        "description": "The seed's two-layer network: a ReLU between two linear layers.",
        "endpoint": "/api/graph",
        "request": {
            "expression": "h = relu(W1 @ x)\nf = sum(W2 @ h)",
            "values": {"W1": [[0.5, -0.2], [0.3, 0.8], [-0.6, 0.1]], "x": [1.0, 2.0],
                       "W2": [[0.7, -0.4, 0.2]]},
        },
    },
]

# The seed's network comes first: it is what Chainrule was made to show, and the page's default.
EXAMPLES: list[Example] = [*NETWORK_EXAMPLES[:1], *GRAPH_EXAMPLES, *NETWORK_EXAMPLES[1:]]
