"""Deterministic, unique identifiers for orders, fills and OCO groups.

Ids are ``{prefix}{strategy_id}-{n}`` with a counter per strategy that starts at 1, so the same
run gives the same ids (reproducible backtests). A live node passes a ``prefix`` unique to the
session (e.g. a start timestamp) so ids never repeat across restarts.
"""

from __future__ import annotations

from collections import defaultdict

from signaltrust.core.errors import ValidationError


class IdGenerator:
    """Deterministic id source: ``next_client_order_id("sma")`` -> ``"sma-1"``, ``"sma-2"``, ...

    >>> ids = IdGenerator()
    >>> ids.next_client_order_id("sma"), ids.next_client_order_id("sma"), ids.next_fill_id()
    ('sma-1', 'sma-2', 'F-1')
    """

    def __init__(self, prefix: str = "") -> None:
        if not isinstance(prefix, str) or any(c.isspace() for c in prefix):
            raise ValidationError(
                "must be a string without spaces",
                field="prefix",
                value=prefix,
                fix="pass e.g. 'run42-'",
            )
        self.prefix = prefix
        self._counters: defaultdict[str, int] = defaultdict(int)
        self._checked: set[str] = set()  # strategy ids already validated
        self._last = ""  # the id issued last (reserving it again changes nothing)

    def _next(self, key: str) -> str:
        n = self._counters[key] + 1
        self._counters[key] = n
        self._last = issued = f"{self.prefix}{key}-{n}"
        return issued

    def next_client_order_id(self, strategy_id: str = "default") -> str:
        """A new client order id for ``strategy_id``; never returned twice by this generator."""
        if type(strategy_id) is str and strategy_id in self._checked:
            return self._next(strategy_id)
        if type(strategy_id) is not str or strategy_id.split() != [strategy_id]:
            raise ValidationError(
                "must be a non-empty string without spaces",
                field="strategy_id",
                value=strategy_id,
                fix="pass e.g. 'sma_cross'",
            )
        self._checked.add(strategy_id)
        return self._next(strategy_id)

    def next_fill_id(self) -> str:
        """A new fill id ``F-n``."""
        return self._next("F")

    def next_oco_group(self) -> str:
        """A new one-cancels-other group id ``OCO-n``."""
        return self._next("OCO")

    def reserve(self, client_order_id: str) -> None:
        """Advance a counter past an id made elsewhere (``strategy-n``), so it is never reissued."""
        if client_order_id == self._last:
            return
        if self.prefix and not client_order_id.startswith(self.prefix):
            return
        key, sep, num = client_order_id[len(self.prefix) :].rpartition("-")
        if sep and key and num.isdigit():
            n = int(num)
            if n > self._counters[key]:
                self._counters[key] = n
