"""What a trading node runs, as plain, validated data: kept in the node's registry row so that
a restart under the same name rebuilds the same node."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$"


class StrategyConfig(BaseModel):
    """A strategy of an account: a built-in name or ``file.py:Class``, its parameters and id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,48}$")


class AccountConfig(BaseModel):
    """One account of a node: its broker (``paper`` or a venue name), starting cash and costs
    (a paper account's simulated venue with the backtest's models and defaults: fees,
    slippage, fill timing, latency, volume participation), leverage, risk limits (the
    ``[risk]`` section's fields) and strategies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(default="main", pattern=r"^[A-Za-z0-9_]{1,32}$")
    broker: str = "paper"
    cash: float = Field(default=100_000.0, gt=0)
    fees: float = Field(default=0.001, ge=0, lt=1)
    fixed_fees: float = Field(default=0.0, ge=0)
    min_fees: float = Field(default=0.0, ge=0)
    slippage: float = Field(default=0.0002, ge=0, lt=1, description="fraction of the price")
    fill_at: Literal["next_open", "close"] = "next_open"
    latency_ms: float = Field(default=0.0, ge=0, description="paper venue: order latency")
    participation: float | None = Field(
        default=None, gt=0, le=1,
        description="paper venue: the largest share of a bar's volume one order may fill "
        "(partial fills; None: no cap)")
    leverage: float = Field(default=1.0, gt=0)
    risk: dict[str, Any] = Field(default_factory=dict)
    strategies: list[StrategyConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_ids(self) -> AccountConfig:
        ids = [s.id or s.spec for s in self.strategies]
        if len(set(ids)) != len(ids):
            raise ValueError("two strategies of one account share an id; give each an id")
        return self


class NodeConfig(BaseModel):
    """A trading node: its name, mode, data, accounts and journal settings.

    ``data`` (paper) names the stored or bundled bars its replay feed plays, at ``speed`` times
    real time (None: as fast as it goes); ``symbols`` and ``timeframe`` (live) what it streams.
    ``commit_every``: steps per journal transaction while nothing leaves the process (a paper
    node; a step that sends an order is always committed before it is sent).
    ``snapshot_every``: steps between snapshots (a restart replays only what came after).
    ``reconcile_seconds``: how often a live node compares its accounts with their brokers
    (also at every start and on ``node reconcile``); an order sent less than
    ``reconcile_grace`` seconds ago is in flight, not missing. ``warmup_bars``: a live node's
    first start plays that much of the venue's history through its strategies, orders denied.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME)
    mode: Literal["paper", "live"] = "paper"
    data: list[str] = Field(default_factory=list)
    data_hash: str | None = None
    symbols: list[str] = Field(default_factory=list)
    timeframe: str = "1m"
    speed: float | None = Field(default=None, gt=0)
    accounts: list[AccountConfig] = Field(min_length=1)
    commit_every: int = Field(default=64, ge=1)
    snapshot_every: int = Field(default=2000, ge=1)
    reconcile_seconds: float = Field(default=60.0, gt=0)
    reconcile_grace: float = Field(default=10.0, ge=0)
    warmup_bars: int = Field(default=300, ge=0)

    @field_validator("accounts")
    @classmethod
    def _distinct_accounts(cls, accounts: list[AccountConfig]) -> list[AccountConfig]:
        names = [a.name for a in accounts]
        if len(set(names)) != len(names):
            raise ValueError("two accounts share a name; give each a name")
        return accounts


__all__ = ["AccountConfig", "NodeConfig", "StrategyConfig"]
