"""Graph IR, op registry and executors. Importing the package registers every op."""

from app.graph.ops import REGISTRY

__all__ = ["REGISTRY"]
