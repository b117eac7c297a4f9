"""What an agent is: a job, a trigger, typed inputs, a typed report and the tools it may call.

Each agent turns its inputs into a rule report (:meth:`Agent.assess`), deterministic and with
no LLM. When a :class:`~signaltrust.agents.llm.Reasoner` is configured, the coordinator also
asks it for reasoning about that report, with the agent's tools (:meth:`Agent.tools`);
hard numbers, vetoes and limits are the rules' alone.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from signaltrust.agents.reports import AgentReport


@dataclass(frozen=True)
class AgentSpec:
    """The card of an agent: its name, job, what triggers it, what it reads, what it may call."""

    name: str
    job: str
    trigger: str
    inputs: str
    report: str = "AgentReport"
    tools: tuple[str, ...] = ()

    def __plain__(self) -> dict[str, Any]:
        return {"name": self.name, "job": self.job, "trigger": self.trigger,
                "inputs": self.inputs, "report": self.report, "tools": list(self.tools)}


class MLView(BaseModel):
    """The meta-model's view of the latest bar: its probability of a rise and why."""

    model_config = ConfigDict(extra="forbid")

    probability: float = Field(ge=0.0, le=1.0)
    contributions: list[dict[str, Any]] = Field(default_factory=list)
    sentence: str = Field(default="", description="the SHAP explanation in one sentence")
    regime: str | None = None
    regime_bias: float = Field(default=0.0, ge=-1.0, le=1.0,
                               description="the regime's drift over its volatility, scaled")
    model: str = ""
    train_rows: int = 0
    #: set while the contributions are still being computed (see :meth:`pending`)
    _settled: threading.Event | None = PrivateAttr(default=None)

    def pending(self) -> MLView:
        """This view, marked as waiting for its contributions (:meth:`settle` adds them)."""
        self._settled = threading.Event()
        return self

    def settle(self, contributions: list[dict[str, Any]], sentence: str) -> None:
        """Add the contributions and their sentence to a pending view."""
        self.contributions, self.sentence = contributions, sentence
        event, self._settled = self._settled, None  # a settled view pickles like any other
        if event is not None:
            event.set()

    def explained_by(self, compute: Callable[[], tuple[list[dict[str, Any]], str]]
                     ) -> Callable[[], MLView]:
        """Mark this view pending and return the call that settles it: ``compute()`` gives the
        contributions and their sentence. The call computes once (later calls return the view)
        and settles the view even when ``compute`` fails, so no reader waits for ever."""
        self.pending()

        def explain() -> MLView:
            if self.is_settled():
                return self
            contributions: list[dict[str, Any]] = []
            sentence = ""
            try:
                contributions, sentence = compute()
            finally:
                self.settle(contributions, sentence)
            return self

        return explain

    def is_settled(self) -> bool:
        return self._settled is None

    def settled(self, timeout: float | None = 30.0) -> MLView:
        """This view once its contributions are in (at once unless it is pending)."""
        event = self._settled
        if event is not None:
            event.wait(timeout)
        return self


class MarketInputs(BaseModel):
    """What the market agents read about one symbol, all of it known at ``as_of``."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    symbol: str
    asset_class: str = "equity"
    as_of: pd.Timestamp
    bars: pd.DataFrame
    features: dict[str, float] = Field(default_factory=dict)
    ml: MLView | None = None
    documents: pd.DataFrame | None = None
    transfers: pd.DataFrame | None = None

    @field_validator("as_of", mode="before")
    @classmethod
    def _utc(cls, value: object) -> pd.Timestamp:
        return utc(value)


@dataclass
class Agent(ABC):
    """An agent: ``assess(inputs) -> report`` by rules; ``tools(inputs)`` for an LLM."""

    spec: ClassVar[AgentSpec]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @abstractmethod
    def assess(self, inputs: Any) -> AgentReport:
        """The rule report of these inputs."""

    def tools(self, inputs: Any) -> dict[str, Callable[[], Any]]:
        """Read-only tools an LLM may call while reasoning about the report."""
        return {}

    def prompt(self, inputs: Any, report: AgentReport) -> str:
        """The question put to an LLM about ``report``."""
        symbol = getattr(inputs, "symbol", "")
        return (f"{self.spec.job}. Symbol: {symbol}. As of {report.as_of}. The rule report "
                f"says {report.stance} (score {report.score:+.2f}, confidence "
                f"{report.confidence:.2f}): {report.summary}")


def utc(value: object) -> pd.Timestamp:
    """A timestamp in UTC (a naive one is read as UTC)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def clip(value: float, low: float = -1.0, high: float = 1.0) -> float:
    return float(min(max(value, low), high))


__all__ = ["Agent", "AgentSpec", "MLView", "MarketInputs", "clip", "utc"]
