"""A saved agent as a strategy built by name: what the paper and live nodes load.

The nodes (and ``--strategy module:Class``) build a strategy with no arguments and hand it its
parameters; :class:`SavedAgent` takes the path of an agent saved by
:func:`~signaltrust.research.rl.agent.save_agent` (or ``signaltrust rl train --out``) as its
``agent`` parameter and loads it on first use.
"""

from __future__ import annotations

from typing import Any, ClassVar

from signaltrust.research.rl.agent import load_agent
from signaltrust.research.rl.strategy import RLStrategy
from signaltrust.strategy.api import Strategy
from signaltrust.strategy.params import Param


class SavedAgent(RLStrategy):
    """A saved agent as a strategy built by name, for the paper and live nodes and the CLI:
    ``signaltrust paper --strategy signaltrust.research.rl.saved:SavedAgent --param
    agent=agent.pkl --name rl-demo`` (the file from ``signaltrust rl train --out``; a pickle:
    load only your own). The agent is loaded on first use."""

    name: ClassVar[str] = "rl_saved_agent"
    parameters: ClassVar[tuple[Param, ...]] = (
        *RLStrategy.parameters,
        Param("agent", "", "str", doc="path of the saved agent (signaltrust rl train --out)"),
    )

    def __init__(self, **params: Any) -> None:
        Strategy.__init__(self, **params)
        self._loaded: Any = None

    @property  # type: ignore[override]
    def agent(self) -> Any:
        if self._loaded is None:
            self._loaded = load_agent(self.params.get("agent", ""))
        return self._loaded

    def __repr__(self) -> str:
        return f"SavedAgent(agent={self.params.get('agent', '')!r})"


__all__ = ["SavedAgent"]
