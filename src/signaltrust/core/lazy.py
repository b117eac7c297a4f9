"""Package names that load on first use: ``import signaltrust`` stays fast, ``st.backtest`` works.

>>> __getattr__, __dir__ = lazy_exports(globals(), {"run": "signaltrust.backtest.api:run"})

Each entry maps a public name to ``"module"`` (the name is that module) or ``"module:attribute"``.
The first access imports the module and stores the value in the package, so later look-ups are
ordinary attribute reads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    namespace: dict[str, Any], where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` importing each name of ``where`` on first read."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        target = where.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        value = getattr(module, attribute) if attribute else module
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
