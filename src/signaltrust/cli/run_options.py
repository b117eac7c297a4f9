"""What every research command shares: the strategy named on the command line and the account
and costs of the configuration.

``--strategy`` is a built-in name (``sma_cross``) or your own Strategy class, written
``path/to/file.py:ClassName`` or ``package.module:ClassName``; a rule strategy runs in the
vectorised engine, any other Strategy in the trading core. Costs come from the options given,
else from the configuration's ``[backtest]`` section: the CLI reads the configuration, the
library functions take what it passes.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from signaltrust.core.errors import ValidationError


def resolve_strategy(spec: str) -> Any:
    """A built-in strategy's name as given, or an instance of ``file.py:Class`` /
    ``module:Class`` (built with no arguments)."""
    if ":" not in spec:
        return spec
    where, _, name = spec.rpartition(":")
    fix = "write --strategy path/to/file.py:ClassName or package.module:ClassName"
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise ValidationError("no such strategy file", field="strategy", value=where,
                                      fix=fix)
            module_name = f"signaltrust_user_{path.stem}"
            loader = importlib.util.spec_from_file_location(module_name, path)
            if loader is None or loader.loader is None:
                raise ValidationError("cannot load this file", field="strategy", value=where,
                                      fix=fix)
            module = importlib.util.module_from_spec(loader)
            sys.modules[module_name] = module
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's code may raise anything on import
        raise ValidationError(
            f"the strategy's module failed to load ({type(exc).__name__}: {exc})",
            field="strategy", value=where, fix="run the file with python to see the error",
        ) from None
    cls = getattr(module, name, None)
    from signaltrust.strategy import Strategy

    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise ValidationError(
            f"{where} has no Strategy class named {name!r}", field="strategy", value=spec,
            fix="name a subclass of signaltrust.strategy.Strategy defined in that module",
        )
    try:
        return cls()
    except TypeError as exc:
        raise ValidationError(
            f"{name} cannot be built without arguments ({exc})", field="strategy", value=spec,
            fix="give every constructor argument a default; pass parameters with --param",
        ) from None


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
