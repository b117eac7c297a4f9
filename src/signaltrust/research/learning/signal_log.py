"""The signal log: every prediction served, traded or scored in shadow, and its outcome.

>>> from signaltrust.storage import Database
>>> db = Database("sqlite://"); _ = db.upgrade()
>>> log = SignalLog(db)
>>> log.log_prediction(symbol="SPY", ts="2018-01-02", model="sp500_lgbm", model_version="3",
...                    feature_hash="abc", score=0.7, decision="long") > 0
True

A prediction's label matures ``horizon`` bars after the bar it was made on (the last bar at or
before its time). :meth:`SignalLog.join_outcomes` then writes its realised return and its
outcome: with the ``hit`` rule, 1 when the close ``horizon`` bars later is more than
``threshold`` above (0 otherwise); with ``triple_barrier``, 1 when the upper barrier
(``threshold`` above) is touched first within the horizon, 0 when the lower one is or neither
is and the return at the vertical barrier is not positive. Nothing is joined before it matures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, insert, select, update

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.research.ml_eval.scoring import (
    brier_score,
    hit_rate,
    information_coefficient,
    precision_at_top,
)
from signaltrust.storage.database import Database
from signaltrust.storage.learning_tables import signal_log

SERVED = ("live", "traded", "shadow", "ab")
OUTCOME_RULES = ("hit", "triple_barrier")


def _ns(ts: Any, field: str = "ts") -> int:
    try:
        stamp = pd.Timestamp(ts)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize("UTC")
        return int(stamp.value)
    except (ValueError, TypeError, OverflowError) as exc:  # OutOfBoundsDatetime is a ValueError
        raise ValidationError("a time between 1970 and 2261 is expected", field=field,
                              value=str(ts), fix="pass an ISO time, e.g. 2018-12-31T21:00Z"
                              ) from exc


@dataclass(frozen=True)
class SignalScores:
    """Quality of one model's matured signals over a window."""

    model: str
    model_version: str | None
    start: Any
    end: Any
    n: int
    hit_rate: float
    precision_at_top: float
    brier: float
    ic: float
    mae: float

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)


def score_outcomes(frame: pd.DataFrame, *, center: float = 0.5) -> dict[str, float]:
    """Hit rate, precision at the top decile, Brier, IC and MAE of scored rows.

    ``frame`` has ``score`` (a probability of the outcome), ``outcome`` (1/0) and
    ``realized_return``. MAE is the mean absolute gap between score and outcome.
    """
    s, o, r = frame["score"], frame["outcome"], frame["realized_return"]
    gap = (s - o).abs().dropna()
    return {
        "n": int(o.notna().sum()),
        "hit_rate": hit_rate(s, r, center),
        "precision_at_top": precision_at_top(s, o, 0.1),
        "brier": brier_score(s, o),
        "ic": information_coefficient(s, r),
        "mae": float(gap.mean()) if len(gap) else float("nan"),
    }


def outcomes(close: pd.Series, times: pd.Series, *, horizon: int, threshold: float,
             rule: str = "hit", high: pd.Series | None = None,
             low: pd.Series | None = None) -> pd.DataFrame:
    """Realised return, outcome and maturity time of predictions made at ``times``.

    Rows whose horizon has not passed on ``close`` (or made before its first bar) stay NaN.
    """
    if rule not in OUTCOME_RULES:
        raise ValidationError("unknown outcome rule", field="outcome", value=rule,
                              fix=f"use one of {', '.join(OUTCOME_RULES)}")
    index = close.index
    stamps = pd.DatetimeIndex(pd.to_datetime(times.to_numpy(), utc=True))
    idx = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    pos = idx.searchsorted(stamps, side="right") - 1
    values = close.to_numpy(dtype="float64")
    hi = values if high is None else high.to_numpy(dtype="float64")
    lo = values if low is None else low.to_numpy(dtype="float64")
    out = pd.DataFrame(index=times.index, columns=["realized_return", "outcome", "matured_ns"],
                       dtype="float64")
    for row, p in zip(times.index, pos, strict=True):
        if p < 0 or p + horizon >= len(values):
            continue
        entry = values[p]
        ret = values[p + horizon] / entry - 1.0
        if rule == "hit":
            hit = 1.0 if ret > threshold else 0.0
        else:
            up, down = entry * (1 + threshold), entry * (1 - threshold)
            hit = 1.0 if ret > 0 else 0.0
            for k in range(p + 1, p + horizon + 1):
                if hi[k] >= up:  # both touched on one bar counts as the stop: the cautious read
                    hit = 0.0 if lo[k] <= down else 1.0
                    break
                if lo[k] <= down:
                    hit = 0.0
                    break
        out.loc[row] = [ret, hit, float(idx[p + horizon].value)]
    return out


class SignalLog:
    """The signal log of a database (``storage.Database``, migrated to 0005 or later)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def log_prediction(self, *, symbol: str, ts: Any, model: str, model_version: str | int,
                       feature_hash: str, score: float, decision: str,
                       confidence: float | None = None, served: str = "live",
                       price: float | None = None) -> int:
        """Record one prediction; returns its id. ``served``: live, traded, shadow or ab."""
        if served not in SERVED:
            raise ValidationError("unknown serving mode", field="served", value=served,
                                  fix=f"use one of {', '.join(SERVED)}")
        if not np.isfinite(float(score)):
            raise ValidationError("a logged score must be a finite number", field="score",
                                  value=score, fix="log the model's probability or prediction")
        row = {"ts_ns": _ns(ts), "symbol": str(symbol), "model": str(model),
               "model_version": str(model_version), "feature_hash": str(feature_hash),
               "score": float(score), "confidence": None if confidence is None else
               float(confidence), "decision": str(decision), "served": served,
               "price": None if price is None else float(price), "created_ns": time.time_ns()}
        with self.database.engine.begin() as conn:
            return int(conn.execute(insert(signal_log).values(**row)).inserted_primary_key[0])

    def frame(self, *, model: str | None = None, symbol: str | None = None,
              start: Any = None, end: Any = None, served: str | None = None) -> pd.DataFrame:
        """Logged predictions as a DataFrame (``time`` as UTC timestamps), oldest first."""
        query = select(signal_log)
        conds = []
        if model is not None:
            conds.append(signal_log.c.model == model)
        if symbol is not None:
            conds.append(signal_log.c.symbol == symbol)
        if served is not None:
            conds.append(signal_log.c.served == served)
        if start is not None:
            conds.append(signal_log.c.ts_ns >= _ns(start, "start"))
        if end is not None:
            conds.append(signal_log.c.ts_ns <= _ns(end, "end"))
        if conds:
            query = query.where(and_(*conds))
        with self.database.engine.connect() as conn:
            frame = pd.read_sql(query.order_by(signal_log.c.ts_ns, signal_log.c.id), conn)
        frame["time"] = pd.to_datetime(frame["ts_ns"], utc=True)
        return frame

    def join_outcomes(self, symbol: str, bars: pd.DataFrame, *, horizon: int, threshold: float,
                      rule: str = "hit") -> int:
        """Write the outcome of every matured, not yet scored prediction on ``symbol``.

        ``bars`` are the symbol's bars (close, and high/low for the triple barrier). Returns how
        many predictions were scored.
        """
        with self.database.engine.connect() as conn:
            pending = pd.read_sql(select(signal_log.c.id, signal_log.c.ts_ns).where(and_(
                signal_log.c.symbol == symbol, signal_log.c.outcome.is_(None))), conn)
        if pending.empty:
            return 0
        times = pd.Series(pd.to_datetime(pending["ts_ns"], utc=True).to_numpy(),
                          index=pending["id"])
        result = outcomes(bars["close"], times, horizon=horizon, threshold=threshold, rule=rule,
                          high=bars.get("high"), low=bars.get("low")).dropna()
        with self.database.engine.begin() as conn:
            for row_id, row in result.iterrows():
                conn.execute(update(signal_log).where(signal_log.c.id == int(row_id)).values(
                    outcome=float(row["outcome"]), realized_return=float(row["realized_return"]),
                    matured_ns=int(row["matured_ns"])))
        return len(result)

    def scores(self, model: str, *, model_version: str | int | None = None, start: Any = None,
               end: Any = None, served: str | None = None) -> SignalScores:
        """Hit rate, precision at the top, Brier, IC and MAE of a model's matured signals."""
        frame = self.frame(model=model, start=start, end=end, served=served)
        if model_version is not None:
            frame = frame[frame["model_version"] == str(model_version)]
        frame = frame[frame["outcome"].notna()]
        figures = score_outcomes(frame)
        return SignalScores(
            model=model, model_version=None if model_version is None else str(model_version),
            start=frame["time"].iloc[0] if len(frame) else None,
            end=frame["time"].iloc[-1] if len(frame) else None, **figures)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per model: predictions logged and how many have an outcome."""
        with self.database.engine.connect() as conn:
            rows = conn.execute(select(signal_log.c.model, func.count(),
                                       func.count(signal_log.c.outcome))
                                .group_by(signal_log.c.model)).all()
        return {m: {"logged": int(n), "matured": int(k)} for m, n, k in rows}


def log_prediction(database: Database, **fields: Any) -> int:
    """Record one served prediction in ``database``'s signal log (see
    :meth:`SignalLog.log_prediction`); what the API's signals service calls."""
    return SignalLog(database).log_prediction(**fields)


__all__ = ["SignalLog", "SignalScores", "log_prediction", "outcomes", "score_outcomes"]
