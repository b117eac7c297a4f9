"""SignalTrust: an AI trading platform that tells you, with evidence, how far to trust a signal.

>>> import signaltrust as st
>>> result = st.backtest.run("goog", "sma_cross", params={"fast": 10, "slow": 30})
>>> st.data.load("goog"), st.ta.rsi, st.ml, st.optimize, st.risk, st.research

Each subpackage loads on first access, so ``import signaltrust`` (and the ``signaltrust``
command's ``--help``) does not pay for pandas, numba, scikit-learn or torch.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

__version__ = "0.1.0"

#: the subpackages, found beside this file (``st.<name>`` imports one on first access)
SUBPACKAGES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg))

__all__ = ["SUBPACKAGES", "__version__", *SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name not in SUBPACKAGES:
        raise AttributeError(f"module 'signaltrust' has no attribute {name!r}")
    return importlib.import_module(f"signaltrust.{name}")  # binds it here as well


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SUBPACKAGES))
