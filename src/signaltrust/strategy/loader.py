"""A strategy from its text: a built-in name, ``path/to/file.py:ClassName`` or
``package.module:ClassName``, built with parameters.

The CLI and the trading node share this: a node stores the text in its configuration and
rebuilds the same strategy when it restarts.

>>> load_strategy("sma_cross", {"fast": 5}).params
{'fast': 5}
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.strategy.api import Strategy

_FIX = "write path/to/file.py:ClassName or package.module:ClassName"


def strategy_class(spec: str) -> type[Strategy]:
    """The Strategy subclass named by ``file.py:Class`` or ``module:Class``."""
    where, _, name = spec.rpartition(":")
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise ValidationError("no such strategy file", field="strategy", value=where,
                                      fix=_FIX)
            module_name = f"signaltrust_user_{path.stem}"
            loader = importlib.util.spec_from_file_location(module_name, path)
            if loader is None or loader.loader is None:
                raise ValidationError("cannot load this file", field="strategy", value=where,
                                      fix=_FIX)
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
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise ValidationError(
            f"{where} has no Strategy class named {name!r}", field="strategy", value=spec,
            fix="name a subclass of signaltrust.strategy.Strategy defined in that module",
        )
    return cls


def build_strategy(spec: str) -> Any:
    """A built-in strategy's name as given, or an instance of ``file.py:Class`` /
    ``module:Class`` built with no arguments (its parameters come with the run)."""
    if ":" not in spec:
        return spec
    cls = strategy_class(spec)
    try:
        return cls()
    except TypeError as exc:
        raise ValidationError(
            f"{cls.__name__} cannot be built without arguments ({exc})", field="strategy",
            value=spec, fix="give every constructor argument a default; pass parameters with "
            "--param",
        ) from None


def load_strategy(spec: str, params: Mapping[str, Any] | None = None) -> Strategy:
    """The strategy ``spec`` names (a built-in or your class) with ``params`` set."""
    from signaltrust.strategy import get_strategy

    return get_strategy(build_strategy(spec), **dict(params or {}))


__all__ = ["build_strategy", "load_strategy", "strategy_class"]
