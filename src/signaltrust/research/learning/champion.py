"""Champion and challenger on the model registry's aliases, every decision recorded.

The champion is the version at the ``production`` alias (what the API's signals service
serves); a retrained model is registered and pointed at by ``challenger``. :meth:`review` runs
the gate (:func:`gate.decide`) on scores of the same purged out-of-sample window, moves
``production`` only when the gate says so, and writes the decision with its evidence to the
``promotion_decisions`` table. :meth:`rollback` points ``production`` back at the champion
before the last promotion, and records that too.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
from sqlalchemy import desc, insert, select

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.research.learning.gate import Decision, GateRules, decide
from signaltrust.storage.database import Database
from signaltrust.storage.learning_tables import promotion_decisions

CHAMPION = "production"
CHALLENGER = "challenger"


class ChampionChallenger:
    """Promotion and rollback of one registered model (``registry``: ``ml.registry``'s
    ``ModelRegistry``) with decisions recorded in ``database``."""

    def __init__(self, registry: Any, database: Database, name: str,
                 rules: GateRules | None = None, actor: str = "loop") -> None:
        self.registry = registry
        self.database = database
        self.name = name
        self.rules = rules or GateRules()
        self.actor = actor

    def _version_at(self, alias: str) -> int | None:
        try:
            return int(self.registry.get_model_version(self.name, alias).version)
        except KeyError:
            return None

    def champion_version(self) -> int | None:
        return self._version_at(CHAMPION)

    def propose(self, version: int) -> None:
        """Mark ``version`` as the challenger; the first model ever becomes champion at once."""
        self.registry.promote(self.name, version, CHALLENGER)
        if self.champion_version() is None:
            self.registry.promote(self.name, version, CHAMPION)
            self._record("initial", None, version, True, "no champion yet: the first model "
                         "serves", {})

    def review(self, champion_scores: pd.Series, challenger_scores: pd.Series,
               truth: pd.DataFrame) -> Decision:
        """Gate the challenger against the champion on the same window; promote if it passes."""
        champion, challenger = self.champion_version(), self._version_at(CHALLENGER)
        if challenger is None:
            raise ValidationError("no challenger to review", field="challenger", value=None,
                                  fix="register a retrained model and call propose(version)")
        decision = decide(champion_scores, challenger_scores, truth, self.rules)
        if decision.promoted:
            self.registry.promote(self.name, challenger, CHAMPION)
        self._record("promote" if decision.promoted else "keep", champion, challenger,
                     decision.promoted, decision.reason, decision.evidence)
        return decision

    def review_ab(self, comparison: Any) -> bool:
        """Promote the challenger when an A/B or shadow comparison (``serving.compare_arms``,
        champion as arm a) names it the winner; record the decision either way."""
        champion, challenger = self.champion_version(), self._version_at(CHALLENGER)
        if challenger is None:
            raise ValidationError("no challenger to review", field="challenger", value=None,
                                  fix="register a retrained model and call propose(version)")
        promoted = comparison.winner == "b"
        reason = (f"A/B: challenger hit rate {comparison.hit_rate_b:.3f} vs "
                  f"{comparison.hit_rate_a:.3f} (p={comparison.hit_pvalue:.3g}, "
                  f"n={comparison.n_b}/{comparison.n_a}): {comparison.winner}")
        if promoted:
            self.registry.promote(self.name, challenger, CHAMPION)
        self._record("promote" if promoted else "keep", champion, challenger, promoted, reason,
                     {"ab": comparison.to_dict()})
        return promoted

    def rollback(self, reason: str = "rollback requested") -> int:
        """Point ``production`` back at the champion before the last promotion; its version."""
        with self.database.engine.connect() as conn:
            last = conn.execute(select(promotion_decisions).where(
                promotion_decisions.c.model == self.name,
                promotion_decisions.c.action == "promote",
            ).order_by(desc(promotion_decisions.c.id)).limit(1)).mappings().first()
        if last is None or last["champion_version"] is None:
            raise ValidationError("nothing to roll back: no promotion recorded", field="model",
                                  value=self.name, fix="rollback follows a promotion")
        current, previous = self.champion_version(), int(last["champion_version"])
        self.registry.promote(self.name, previous, CHAMPION)
        self._record("rollback", current, previous, True, reason,
                     {"from_version": current, "to_version": previous,
                      "undoes_decision": int(last["id"])})
        return previous

    def _record(self, action: str, champion: int | None, challenger: int | None,
                promoted: bool, reason: str, evidence: dict[str, Any]) -> None:
        with self.database.engine.begin() as conn:
            conn.execute(insert(promotion_decisions).values(
                ts_ns=time.time_ns(), model=self.name, action=action,
                champion_version=None if champion is None else str(champion),
                challenger_version=None if challenger is None else str(challenger),
                metric=self.rules.metric, promoted=bool(promoted), reason=reason,
                evidence=to_plain(evidence, default=str), actor=self.actor))


def decisions(database: Database, model: str | None = None, limit: int = 50
              ) -> list[dict[str, Any]]:
    """The recorded promotion decisions, newest first."""
    query = select(promotion_decisions).order_by(desc(promotion_decisions.c.id)).limit(limit)
    if model is not None:
        query = query.where(promotion_decisions.c.model == model)
    with database.engine.connect() as conn:
        return [to_plain(dict(r)) for r in conn.execute(query).mappings()]


__all__ = ["CHALLENGER", "CHAMPION", "ChampionChallenger", "decisions"]
