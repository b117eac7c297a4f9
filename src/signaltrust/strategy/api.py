"""The Strategy API: one strategy class that runs unchanged in backtest, paper and live trading.

A strategy subclasses :class:`Strategy`, declares its parameters on the class (:class:`Param`,
so optimisers search them the same way for every strategy) and reacts to events:
``on_start(ctx)``, ``on_bar(ctx, bar)``, ``on_quote`` / ``on_trade`` (ticks), ``on_order(ctx,
event)``, ``on_fill(ctx, fill)``, ``on_stop(ctx)``. Everything it may see or do goes through
``ctx`` (:class:`Context`): the clock (``ctx.now``), history windows up to the current bar and
never beyond, indicators from ``signaltrust.ta`` that grow with the bars, the portfolio, and
order helpers. The trading core behind the context is not reachable, so a strategy cannot
tell whether a backtest replay, the paper or live node or an RL environment drives it.

A rule strategy (:class:`~signaltrust.strategy.base.RuleStrategy`) is a Strategy that also
offers vectorised signals, which the vectorised engine and compiled sweeps use.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, ClassVar

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Fill, OrderEvent
from signaltrust.strategy.context import Context
from signaltrust.strategy.events import Bar, SizingIntent, Tick
from signaltrust.strategy.params import Param

# ---------------------------------------------------------------------------- strategy


class Strategy:
    """Base of every strategy: declared parameters and the ``on_*`` hooks you override.

    Declare parameters as ``parameters = (Param("fast", 10), ...)``; construct with overrides
    (``MyStrategy(fast=5)``, stored as given); the core resolves and validates them before
    ``on_start`` and exposes them as ``self.p.fast``.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    parameters: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, **params: Any) -> None:
        self.params = dict(params)
        self.p = SimpleNamespace()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    @property
    def label(self) -> str:
        """The strategy's name, or its class name when it has none."""
        return self.name or type(self).__name__

    # -- parameters -------------------------------------------------------------------------
    @classmethod
    def param(cls, name: str) -> Param:
        """The declared parameter ``name`` (ValidationError listing them when unknown)."""
        for p in cls.parameters:
            if p.name == name:
                return p
        label = cls.name or cls.__name__
        raise ValidationError(
            f"strategy {label} has no parameter {name!r}", field=f"{label}.{name}",
            value=name, fix=f"use one of: {', '.join(cls.param_names()) or '(none)'}",
        )

    @classmethod
    def param_names(cls) -> list[str]:
        return [p.name for p in cls.parameters]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The default value of every declared parameter."""
        return {p.name: p.default for p in cls.parameters}

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults, then the constructor's values, then ``params``; validated (ValidationError)."""
        merged = {**self.params, **(params or {})}
        label = self.label
        names = self.param_names()
        for key in merged:
            if key not in names:
                raise ValidationError(
                    f"strategy {label} has no parameter {key!r}",
                    field=f"{label}.{key}",
                    value=merged[key],
                    fix=f"use one of: {', '.join(names) or '(none)'}",
                )
        out = self.defaults()
        for p in self.parameters:
            if p.name in merged:
                out[p.name] = p.coerce(merged[p.name], strategy=label)
        self.check(out)
        return out

    def validate(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Alias of :meth:`resolve`: the full, checked parameter set."""
        return self.resolve(params)

    def check(self, params: dict[str, Any]) -> None:
        """Rules tying parameters together; raise ValidationError naming the parameter."""

    def is_valid(self, params: Mapping[str, Any]) -> bool:
        """Whether ``params`` pass validation (the default sweep constraint)."""
        try:
            self.resolve(params)
        except ValidationError:
            return False
        return True

    def bind(self, params: Mapping[str, Any] | None = None) -> None:
        """Resolve the parameters into ``self.p`` (the core calls this before ``on_start``)."""
        self.p = SimpleNamespace(**self.resolve(params))

    def prepare_bars(self, bars: Any) -> Any:
        """The bars with any data this strategy joins to them before a replay, as columns
        known at each bar's close (default: the bars as they are)."""
        return bars

    def warmup(self, params: Mapping[str, Any] | None = None) -> int:
        """Bars needed before the first decision can appear (0 when unknown)."""
        return 0

    def describe(self) -> dict[str, Any]:
        """Name, summary and declared parameters, as plain data (CLI, docs, optimisers)."""
        return {
            "name": self.label, "summary": self.summary,
            "parameters": [p.to_dict() for p in self.parameters],
            "vectorized": False, "compiled_sweep": False, "default_grid": {},
        }

    def listens(self, hook: str) -> bool:
        """Whether ``hook`` (``"on_order"``, ``"on_fill"``) does anything: the core calls it
        once, when the strategy is added, and delivers nothing to a hook that does nothing.
        Default: the hook is overridden (on the class or the instance)."""
        if hook in self.__dict__:
            return True
        return getattr(type(self), hook) is not getattr(Strategy, hook)

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


__all__ = ["Bar", "Context", "Param", "SizingIntent", "Strategy", "Tick"]
