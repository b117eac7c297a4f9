"""Token and cost accounting per agent, with daily quotas (a UTC day).

An agent over its quota for the day is not sent to the LLM: it answers with its rule report,
and the supervisor reports the quota. The ledger can be rebuilt from the audit trail's
``usage`` records, so a restart keeps the day's count.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

NS_PER_DAY = 86_400 * 1_000_000_000


def utc_day(ts_ns: int) -> int:
    return int(ts_ns) // NS_PER_DAY


@dataclass
class Usage:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __plain__(self) -> dict[str, Any]:
        return {"requests": self.requests, "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens, "tokens": self.tokens,
                "cost_usd": round(self.cost_usd, 6)}


@dataclass
class UsageLedger:
    """What each agent spent each UTC day, and whether it may still ask the LLM."""

    daily_tokens: int = 200_000
    daily_cost_usd: float = 5.0
    input_cost_per_mtok: float = 0.0
    output_cost_per_mtok: float = 0.0
    spent: dict[tuple[str, int], Usage] = field(default_factory=lambda: defaultdict(Usage))

    @classmethod
    def from_settings(cls, agents: Any, llm: Any) -> UsageLedger:
        """A ledger with the ``[agents]`` quotas and the ``[llm]`` prices."""
        return cls(agents.daily_token_quota, agents.daily_cost_quota_usd,
                   llm.input_cost_per_mtok, llm.output_cost_per_mtok)

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_cost_per_mtok
                + output_tokens * self.output_cost_per_mtok) / 1e6

    def add(self, agent: str, input_tokens: int, output_tokens: int, requests: int = 1,
            ts_ns: int | None = None) -> Usage:
        usage = self.spent[(agent, utc_day(ts_ns or time.time_ns()))]
        usage.requests += requests
        usage.input_tokens += int(input_tokens)
        usage.output_tokens += int(output_tokens)
        usage.cost_usd += self.cost(input_tokens, output_tokens)
        return usage

    def today(self, agent: str, ts_ns: int | None = None) -> Usage:
        return self.spent.get((agent, utc_day(ts_ns or time.time_ns())), Usage())

    def allows(self, agent: str, ts_ns: int | None = None) -> bool:
        """False once the agent used its day's tokens or money."""
        used = self.today(agent, ts_ns)
        return used.tokens < self.daily_tokens and used.cost_usd < self.daily_cost_usd

    def replay(self, records: list[Any]) -> UsageLedger:
        """Add the ``usage`` records of an audit trail (e.g. after a restart)."""
        for r in records:
            if r.kind == "usage":
                self.add(r.agent, r.payload.get("input_tokens", 0),
                         r.payload.get("output_tokens", 0), ts_ns=r.ts_ns)
        return self

    def totals(self, ts_ns: int | None = None) -> dict[str, dict[str, Any]]:
        """Each agent's usage today."""
        day = utc_day(ts_ns or time.time_ns())
        return {agent: usage.__plain__() for (agent, d), usage in self.spent.items() if d == day}


__all__ = ["Usage", "UsageLedger", "utc_day"]
