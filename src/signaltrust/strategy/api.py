"""The Strategy API: one strategy class that runs unchanged in backtest, paper and live trading.

A strategy subclasses :class:`Strategy`, declares its parameters on the class (``Param``, as the
rule strategies do, so optimisers search them the same way) and reacts to events:
``on_start(ctx)``, ``on_bar(ctx, bar)``, ``on_quote`` / ``on_trade`` (ticks), ``on_order(ctx,
event)``, ``on_fill(ctx, fill)``, ``on_stop(ctx)``. Everything it may see or do goes through
``ctx`` (:class:`Context`): the clock (``ctx.now``), history windows up to the current bar and
never beyond, indicators from ``signaltrust.ta``, the portfolio, and order helpers. The context
is built over four interfaces (a clock, market data, the portfolio and an order router); the
engine behind them is not reachable, so a strategy cannot tell which mode it runs in.
"""

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, ClassVar

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Fill, OrderEvent
from signaltrust.strategy.base import Param
from signaltrust.strategy.context import Context
from signaltrust.strategy.events import Bar, SizingIntent, Tick

# ---------------------------------------------------------------------------- strategy


class Strategy:
    """Base of event-driven strategies: override the ``on_*`` hooks you need.

    Declare parameters as ``parameters = (Param("fast", 10), ...)``; construct with overrides
    (``MyStrategy(fast=5)``, stored as given); the engine resolves and validates them before
    ``on_start`` and exposes them as ``self.p.fast``.
    """

    name: ClassVar[str] = ""
    parameters: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, **params: Any) -> None:
        self.params = dict(params)
        self.p = SimpleNamespace()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {p.name: p.default for p in cls.parameters}

    @classmethod
    def param_names(cls) -> list[str]:
        return [p.name for p in cls.parameters]

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults, then the constructor's values, then ``params``; validated (ValidationError)."""
        merged = {**self.params, **(params or {})}
        label = self.name or type(self).__name__
        for key in merged:
            if key not in self.param_names():
                raise ValidationError(
                    f"strategy {label} has no parameter {key!r}",
                    field=f"{label}.{key}",
                    value=merged[key],
                    fix=f"use one of: {', '.join(self.param_names()) or '-'}",
                )
        out = self.defaults()
        for p in self.parameters:
            if p.name in merged:
                out[p.name] = p.coerce(merged[p.name], strategy=label)
        self.check(out)
        return out

    def check(self, params: dict[str, Any]) -> None:
        """Rules tying parameters together; raise ValidationError naming the parameter."""

    def bind(self, params: Mapping[str, Any] | None = None) -> None:
        """Resolve the parameters into ``self.p`` (the engine calls this before ``on_start``)."""
        self.p = SimpleNamespace(**self.resolve(params))

    # -- hooks ----------------------------------------------------------------------------
    def on_start(self, ctx: Context) -> None:
        """Before the first event: create indicator handles, read parameters."""

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        """A bar of ``bar.symbol`` has completed (``ctx.now`` is its end)."""

    def on_quote(self, ctx: Context, tick: Tick) -> None:
        """A quote (bid/ask) arrived."""

    def on_trade(self, ctx: Context, tick: Tick) -> None:
        """A market trade (price/size) arrived."""

    def on_order(self, ctx: Context, event: OrderEvent) -> None:
        """An order changed state (NEW, SUBMITTED, ACCEPTED, ..., DENIED with ``event.reason``)."""

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        """One of this strategy's orders (partly) filled."""

    def on_stop(self, ctx: Context) -> None:
        """After the last event."""


__all__ = ["Bar", "Context", "SizingIntent", "Strategy", "Tick"]
