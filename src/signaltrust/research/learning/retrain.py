"""One turn of the loop on live data: retrain, register the challenger, gate it, record it.

:func:`retrain_and_review` is what the scheduler's ``retrain`` job runs: on ``bars`` up to now
it takes the last ``eval_rows`` rows whose labels have matured as the evaluation window, trains
a challenger on the ``train_rows`` rows before it whose labels ended before the window, logs it
to the registry (``ml.registry``), proposes it, and lets :class:`ChampionChallenger` decide on
that window against the champion's scores of the same rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from signaltrust.core.errors import ValidationError
from signaltrust.features.base import hash_frame
from signaltrust.research.learning.champion import ChampionChallenger
from signaltrust.research.learning.gate import Decision, GateRules
from signaltrust.research.learning.simulate import build_estimator, up_probability
from signaltrust.research.ml_eval.dataset import learning_table, load_data


def retrain_and_review(registry: Any, database: Any, name: str, *, data: Any = "sp500",
                       model: Any = "lgbm", features: Any = "technical", horizon: int = 10,
                       train_rows: int = 1000, eval_rows: int = 126,
                       rules: GateRules | None = None, seed: int = 0,
                       as_of: Any = None) -> tuple[int, Decision | None]:
    """Retrain on ``data`` (bars up to ``as_of``, default all) and gate the new version.

    Returns the new version and the decision (None when it became the first champion).
    """
    rules = rules or GateRules()
    dataset, bars = load_data(data)
    if as_of is not None:
        bars = bars.loc[:as_of]
    table = learning_table(bars, features, "sign", int(horizon))
    X, y, t1 = table.X, table.y, table.t1
    now = bars.index[-1]
    known = np.flatnonzero(t1.to_numpy() < now)
    if len(known) < eval_rows + 100:
        raise ValidationError("too little matured history to retrain and evaluate",
                              field="data", value=len(known),
                              fix="pass more bars or fewer eval_rows")
    window = known[-eval_rows:]
    before = np.flatnonzero(t1.to_numpy() < X.index[window[0]])[-train_rows:]
    challenger = clone(build_estimator(model, {}, seed)).fit(X.iloc[before], y.iloc[before])
    version = registry.log_training_run(
        challenger, name=name, data_hash=hash_frame(bars.iloc[: before[-1] + 1]),
        features=list(X.columns), params={"horizon": horizon, "train_rows": train_rows,
                                          "dataset": dataset, "label": "sign"},
        seeds={"random_state": seed},
        tags={"loop": "retrain", "trained_to": str(X.index[before[-1]])}).version
    loop = ChampionChallenger(registry, database, name, rules)
    had_champion = loop.champion_version() is not None
    loop.propose(version)
    if not had_champion:
        return version, None
    champion = registry.load_model(name, "production")
    eval_X = X.iloc[window]
    close = bars["close"]
    truth = pd.DataFrame({"forward_return": table.forward_return, "outcome": y,
                          "next_return": (close.shift(-1) / close - 1.0).reindex(X.index)})
    decision = loop.review(
        pd.Series(up_probability(champion, eval_X), index=eval_X.index),
        pd.Series(up_probability(challenger, eval_X), index=eval_X.index), truth)
    return version, decision


__all__ = ["retrain_and_review"]
