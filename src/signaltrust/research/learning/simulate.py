"""Replay history through the whole loop: monthly retraining, the promotion gate, drift.

At the first trading day of every month from ``start`` to ``end``:

1. the labels known that day are those whose end time ``t1`` is before it; the last
   ``eval_rows`` of them are the evaluation window (purged: every label inside it has matured);
2. a challenger is trained on the ``train_rows`` rows before that window whose labels ended
   before the window starts (so neither model has seen the window);
3. the gate (:func:`gate.decide`) compares the champion and the challenger on the window;
4. the month is served by the champion (gated), by the newest model (always promoting) and by
   the first model (never retraining); the three stitched month-by-month series of scores are
   the out-of-sample results, traded with costs against buy-and-hold.

Feature drift (PSI/KS of the month's features against the champion's training rows) and ADWIN
on the champion's live error are recorded; drift triggers an alert event, not a trade.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.ml.drift import ErrorDrift, drift_report
from signaltrust.ml.models import get_model, model_class
from signaltrust.research.learning.gate import GateRules, decide
from signaltrust.research.learning.signal_log import score_outcomes
from signaltrust.research.ml_eval.dataset import learning_table, load_data
from signaltrust.research.ml_eval.trading import headline, trade_scores

PATHS = ("gated", "always_promote", "never_retrain")
SMALL_MODEL = {"n_estimators": 100}


@dataclass
class SimulationResult:
    """Every decision of the replay and the three stitched out-of-sample results."""

    data: str
    model: str
    decisions: list[dict[str, Any]]
    results: dict[str, dict[str, Any]]
    buy_and_hold: dict[str, Any]
    drift_events: list[dict[str, Any]]
    settings: dict[str, Any]
    elapsed_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def promotions(self) -> int:
        return sum(1 for d in self.decisions if d["promoted"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data, shared by ``loop simulate --json`` and the API."""
        return to_plain({
            "data": self.data, "model": self.model, "decisions": self.decisions,
            "promotions": self.promotions, "results": self.results,
            "buy_and_hold": self.buy_and_hold, "drift_events": self.drift_events,
            "settings": self.settings, "elapsed_seconds": self.elapsed_seconds,
            "notes": self.notes,
        })


def build_estimator(model: Any, params: dict[str, Any], seed: int) -> Any:
    """An unfitted classifier: a registry name (small: 100 trees, one thread) or a clone."""
    if isinstance(model, str):
        accepted = inspect.signature(model_class(model)).parameters
        full = dict(SMALL_MODEL if "n_estimators" in accepted else {}, **params)
        if "random_state" in accepted:
            full.setdefault("random_state", seed)
        if "n_jobs" in accepted:
            full.setdefault("n_jobs", 1)
        return get_model(model, **full)
    return clone(model)


def up_probability(model: Any, X: pd.DataFrame) -> np.ndarray:
    """The fitted classifier's probability of the up class for each row of X."""
    classes = list(model.classes_)
    return np.asarray(model.predict_proba(X))[:, classes.index(1.0) if 1.0 in classes else -1]


def simulate_loop(
    data: str | pd.DataFrame = "sp500",
    model: Any = "lgbm",
    *,
    start: str = "2008-01-01",
    end: str = "2018-12-31",
    features: Any = "technical",
    horizon: int = 10,
    train_rows: int = 1000,
    eval_rows: int = 126,
    rules: GateRules | None = None,
    model_params: dict[str, Any] | None = None,
    psi_threshold: float = 0.2,
    ks_pvalue: float = 0.01,
    adwin_delta: float = 0.002,
    seed: int = 0,
    fees: float | None = None,
    slippage: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Monthly retraining from ``start`` to ``end`` with the gate, against never retraining and
    against always promoting (see the module docstring). Small models by default
    (``n_estimators=100``, one thread)."""
    began = time.perf_counter()
    rules = rules or GateRules()
    name, bars = load_data(data)
    table = learning_table(bars, features, "sign", int(horizon))
    X, y, t1 = table.X, table.y, table.t1
    close = bars["close"]
    truth = pd.DataFrame({
        "forward_return": table.forward_return, "outcome": y,
        "next_return": (close.shift(-1) / close - 1.0).reindex(X.index),
    })
    index = X.index
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    if index.tz is not None:
        lo, hi = lo.tz_localize(index.tz), hi.tz_localize(index.tz)
    period = index[(index >= lo) & (index <= hi)]
    months = period.to_series().groupby([period.year, period.month]).first()
    if len(months) < 2:
        raise ValidationError("the period holds fewer than two months of rows", field="start",
                              value=f"{start}..{end}", fix="pass a longer period of the data")
    starts = list(months.to_numpy())
    t1_values = t1.to_numpy()
    template = build_estimator(model, dict(model_params or {}), seed)
    serving: dict[str, Any] = {}
    trained_on: dict[str, pd.Index] = {}
    stitched: dict[str, list[pd.Series]] = {p: [] for p in PATHS}
    decisions: list[dict[str, Any]] = []
    drift_events: list[dict[str, Any]] = []
    adwin = ErrorDrift(delta=adwin_delta)
    for k, month_start in enumerate(starts):
        month_end = starts[k + 1] if k + 1 < len(starts) else hi + pd.Timedelta(days=1)
        known = np.flatnonzero(t1_values < month_start)
        if len(known) < eval_rows + 50:
            raise ValidationError("too little history before the first month", field="start",
                                  value=start, fix="start later or pass fewer eval_rows")
        window = known[-eval_rows:]
        before = np.flatnonzero(t1_values < index[window[0]])[-train_rows:]
        challenger = clone(template).fit(X.iloc[before], y.iloc[before])
        eval_X = X.iloc[window]
        record: dict[str, Any] = {"month": month_start, "challenger_trained_on": [
            index[before[0]], index[before[-1]]], "n_train": len(before)}
        if not serving:
            serving = {p: challenger for p in PATHS}
            trained_on = {p: index[before] for p in PATHS}
            record.update(promoted=True, reason="first model: no champion yet", evidence={})
        else:
            decision = decide(
                pd.Series(up_probability(serving["gated"], eval_X), index=eval_X.index),
                pd.Series(up_probability(challenger, eval_X), index=eval_X.index), truth, rules)
            record.update(promoted=decision.promoted, reason=decision.reason,
                          evidence=decision.evidence)
            if decision.promoted:
                serving["gated"], trained_on["gated"] = challenger, index[before]
            serving["always_promote"], trained_on["always_promote"] = challenger, index[before]
        rows = (index >= month_start) & (index < month_end)
        month_X = X.loc[rows]
        for path in PATHS:
            stitched[path].append(
                pd.Series(up_probability(serving[path], month_X), index=month_X.index))
        if len(month_X):
            report = drift_report(X.loc[trained_on["gated"]], month_X,
                                  psi_threshold=psi_threshold, ks_pvalue=ks_pvalue)
            record["feature_drift"] = {"share_drifted": report.share_drifted,
                                       "drifted": report.drifted[:10]}
            errors = np.abs(stitched["gated"][-1].to_numpy() - y.loc[rows].to_numpy())
            offset = adwin.seen
            for pos in adwin.update_many(errors):
                drift_events.append({"kind": "performance_decay", "detector": "adwin",
                                     "time": month_X.index[pos - offset],
                                     "mean_error_after": adwin.mean})
            if report.share_drifted > 0.5:
                drift_events.append({"kind": "feature_drift", "time": month_start,
                                     "share_drifted": report.share_drifted})
        decisions.append(record)
        if progress is not None:
            progress(k + 1, len(starts))
    results: dict[str, dict[str, Any]] = {}
    buy_and_hold: dict[str, Any] = {}
    for path in PATHS:
        score = pd.concat(stitched[path])
        oos = truth.loc[score.index]
        figures = score_outcomes(pd.DataFrame({"score": score, "outcome": oos["outcome"],
                                               "realized_return": oos["forward_return"]}))
        strategy, bh = trade_scores(bars.loc[score.index[0]: score.index[-1]], score, entry=0.5,
                                    exit=0.5, center=0.5, allow_short=False, fees=fees,
                                    slippage=slippage)
        results[path] = {**figures, **headline(strategy)}
        buy_and_hold = headline(bh)
    settings = {"start": start, "end": end, "horizon": horizon, "train_rows": train_rows,
                "eval_rows": eval_rows, "rules": to_plain(rules), "seed": seed,
                "label": "sign", "features": table.feature_sets,
                "model_params": {k: v for k, v in template.get_params(deep=False).items()
                                 if isinstance(v, (int, float, str, bool, type(None)))}}
    return SimulationResult(data=name, model=model if isinstance(model, str) else
                            type(model).__name__, decisions=decisions, results=results,
                            buy_and_hold=buy_and_hold, drift_events=drift_events,
                            settings=settings, elapsed_seconds=time.perf_counter() - began)


__all__ = ["PATHS", "SimulationResult", "simulate_loop"]
