"""The caps on one request's work, built once from the settings and passed down.

    limits = Limits.from_settings(Settings(max_nodes=500))
    run(graph, values, limits.budget)                  # the engine's work bound
    parse_expression(text, limits.expression)          # the parser's bounds

A plain frozen dataclass (picklable: jobs carry it to worker processes), with one field per cap
of :class:`app.settings.Settings` under the same name; ``GET /api/limits`` serves
:meth:`Limits.public` so that the page's forms show them instead of numbers of their own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from app.builders.expression import ExpressionLimits
from app.builders.network import NetworkLimits
from app.graph.shapes import Budget
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class Limits:
    """Every cap, by its Settings name (see there for what each bounds and its default)."""

    max_nodes: int
    max_elements: int
    max_flops: int
    max_dim: int
    max_values: int
    max_expression_chars: int
    max_expression_terms: int
    max_expression_depth: int
    max_statements: int
    max_layers: int
    max_width: int
    max_neuron_nodes: int
    max_train_steps: int
    max_train_cost: int
    max_train_node_steps: int
    max_explain: int
    max_gradcheck_cost: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    @classmethod
    def defaults(cls) -> Limits:
        """The documented defaults, whatever the environment says (for tests and library use)."""
        return cls.from_settings(Settings.model_construct())

    @property
    def budget(self) -> Budget:
        """The engine's bound on one evaluation."""
        return Budget(max_nodes=self.max_nodes, max_elements=self.max_elements,
                      max_flops=self.max_flops, max_dim=self.max_dim)

    @property
    def expression(self) -> ExpressionLimits:
        """The parser's bounds on one program."""
        return ExpressionLimits(max_length=self.max_expression_chars,
                                max_nodes=self.max_expression_terms,
                                max_depth=self.max_expression_depth,
                                max_statements=self.max_statements)

    @property
    def network(self) -> NetworkLimits:
        """The network builder's and the training's bounds."""
        return NetworkLimits(max_layers=self.max_layers, max_width=self.max_width,
                             max_neuron_nodes=self.max_neuron_nodes,
                             max_train_steps=self.max_train_steps,
                             max_train_cost=self.max_train_cost,
                             max_train_node_steps=self.max_train_node_steps)

    def public(self) -> dict[str, int]:
        """Every cap by name, as ``GET /api/limits`` serves it."""
        return asdict(self)
