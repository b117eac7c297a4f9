"""The risk state operators set through the API: limit overrides over ``[risk]`` and the kill
switch, kept in the application database so that every API worker and node sees the same."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import insert, select, update

from signaltrust.core.config import RiskSettings
from signaltrust.storage.api_tables import risk_state
from signaltrust.storage.database import Database

LIMITS, KILL_SWITCH = "limits", "kill_switch"


class RiskState:
    """Limit overrides and the kill switch of a database."""

    def __init__(self, database: Database, configured: RiskSettings) -> None:
        self.database = database
        self.configured = configured

    def _get(self, key: str) -> tuple[Any, str | None, int | None]:
        with self.database.engine.connect() as connection:
            row = connection.execute(select(risk_state).where(risk_state.c.key == key)).first()
        return (None, None, None) if row is None else (row.value, row.actor, row.updated_ns)

    def _set(self, key: str, value: Any, actor: str) -> None:
        now = time.time_ns()
        with self.database.engine.begin() as connection:
            done = connection.execute(update(risk_state).where(risk_state.c.key == key)
                                      .values(value=value, actor=actor, updated_ns=now))
            if done.rowcount == 0:
                connection.execute(insert(risk_state), {"key": key, "value": value,
                                                        "actor": actor, "updated_ns": now})

    def overrides(self) -> dict[str, Any]:
        """The limits changed through the API (name -> value)."""
        value, _, _ = self._get(LIMITS)
        return dict(value or {})

    def limits(self) -> RiskSettings:
        """The effective limits: the configuration with the overrides on top (validated)."""
        from signaltrust.risk.engine import validate_limits

        return validate_limits({**self.configured.model_dump(mode="json"), **self.overrides()})

    def set_limit(self, name: str, value: Any, actor: str) -> tuple[Any, Any]:
        """Change one limit (None removes it); ``(before, after)``. ConfigError when refused."""
        from signaltrust.core.errors import ValidationError
        from signaltrust.risk.engine import validate_limits

        if name not in RiskSettings.model_fields:
            raise ValidationError(f"unknown risk limit {name!r}", field="name", value=name,
                                  fix=f"use one of {sorted(RiskSettings.model_fields)}")
        before = getattr(self.limits(), name)
        overrides = {**self.overrides(), name: value}
        checked = validate_limits({**self.configured.model_dump(mode="json"), **overrides})
        after = checked.model_dump(mode="json")[name]
        overrides[name] = after
        self._set(LIMITS, overrides, actor)
        return before, after

    def kill_switch(self) -> dict[str, Any]:
        """``{"on": bool, "reason", "actor", "updated_ns"}``."""
        value, actor, updated = self._get(KILL_SWITCH)
        value = value or {"on": False, "reason": None}
        return {**value, "actor": actor, "updated_ns": updated}

    def set_kill_switch(self, on: bool, reason: str | None, actor: str) -> dict[str, Any]:
        """Engage (``on``) or release the kill switch."""
        self._set(KILL_SWITCH, {"on": bool(on), "reason": reason}, actor)
        return self.kill_switch()


__all__ = ["KILL_SWITCH", "LIMITS", "RiskState"]
