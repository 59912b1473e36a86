"""Chainrule from Python: every value, gradient and chain-rule step of a computation graph.

    import chainrule
    r = chainrule.trace("(x + y) * z", x=-2, y=5, z=-4)
    r.grad                        # {'x': -4.0, 'y': -4.0, 'z': 3.0}
    r.derivation("x")             # the chain rule, step by step (typeset in a notebook)
    r.to_json()                   # the document the REST API returns for the same request

    chainrule.from_torch(model, x, target)       # a small PyTorch model's backward pass
    chainrule.Client("http://127.0.0.1:8000")    # the same calls against a server

``trace`` runs in this process (no server) through the server's own validation and jobs;
``from_torch`` needs PyTorch (``pip install 'chainrule[torch]'``) and ``Client`` httpx
(``pip install 'chainrule[client]'``): neither is imported until it is used. The server is
the ``app`` package of this distribution (the ``chainrule`` command).
"""

from __future__ import annotations

from app import __version__
from chainrule.client import Client
from chainrule.errors import ChainruleError
from chainrule.local import trace
from chainrule.result import Derivation, Edge, Node, Result
from chainrule.torch_import import from_torch

__all__ = [
    "ChainruleError",
    "Client",
    "Derivation",
    "Edge",
    "Node",
    "Result",
    "__version__",
    "from_torch",
    "trace",
]
