"""Builders: user input (expression text, graph JSON) -> the graph IR of :mod:`app.graph.ir`.

    >>> from app.builders import parse_expression
    >>> parse_expression("(x + y) * z").output
    'mul#1'

Importing any ``app.graph`` module runs ``app/graph/__init__.py``, which registers every op,
so the builders always see the full REGISTRY.
"""

from app.builders.expression import ExpressionLimits, parse_expression
from app.builders.graph_json import build_graph

__all__ = ["ExpressionLimits", "build_graph", "parse_expression"]
