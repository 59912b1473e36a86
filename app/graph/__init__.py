"""Graph IR, op registry and engine. Importing the package registers every op."""

from app.graph import losses, ops_network, ops_tensor  # noqa: F401  (registration side effects)
from app.graph.ops import REGISTRY

__all__ = ["REGISTRY"]
