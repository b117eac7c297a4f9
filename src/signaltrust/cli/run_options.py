"""What every research command shares: the strategy named on the command line and the account
and costs of the configuration.

``--strategy`` is a built-in name (``sma_cross``) or your own Strategy class, written
``path/to/file.py:ClassName`` or ``package.module:ClassName``; a rule strategy runs in the
vectorised engine, any other Strategy in the trading core. Costs come from the options given,
else from the configuration's ``[backtest]`` section: the CLI reads the configuration, the
library functions take what it passes.
"""

from __future__ import annotations

from typing import Any


def resolve_strategy(spec: str) -> Any:
    """A built-in strategy's name as given, or an instance of ``file.py:Class`` /
    ``module:Class`` (built with no arguments)."""
    from signaltrust.strategy.loader import build_strategy

    return build_strategy(spec)


def configured_costs(
    cash: float | None, fees: float | None, slippage_bps: float | None, fill_at: str | None
) -> dict[str, Any]:
    """``cash``, ``fees``, ``slippage`` (a fraction), ``fixed_fees``, ``min_fees`` and
    ``fill_at`` of a command: the options given, else the configuration's."""
    from signaltrust.core.config import load_settings

    config = load_settings().backtest
    return {
        "cash": config.cash if cash is None else cash,
        "fees": config.fees if fees is None else fees,
        "slippage": (config.slippage_bps if slippage_bps is None else slippage_bps) / 10_000.0,
        "fixed_fees": config.fixed_fees,
        "min_fees": config.min_fees,
        "fill_at": config.fill_at if fill_at is None else fill_at,
    }
