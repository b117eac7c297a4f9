"""Walk-forward folds trained as Ray tasks give the same predictions as in-process."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.data import load
from signaltrust.optimize import distributed
from signaltrust.research.ml_eval import walk_forward_evaluation


@pytest.mark.slow
def test_walk_forward_when_folds_on_ray_then_same_predictions_as_in_process(monkeypatch):
    if not distributed.ray_available():
        pytest.skip("Ray is not installed (optional extra: pip install 'signaltrust[distributed]')")
    monkeypatch.setattr(distributed, "RAY_MIN_SECONDS", 0.0)  # small work: use Ray anyway
    monkeypatch.setattr(distributed, "RAY_MIN_SECONDS_WARM", 0.0)
    bars = load("sp500").loc["2010-01-01":"2016-12-31"]
    kwargs = {"label": "sign", "horizon": 5, "n_splits": 3, "explain_last": 0}
    local = walk_forward_evaluation(bars, "logistic", **kwargs)
    try:
        remote = walk_forward_evaluation(bars, "logistic", ray=True, **kwargs)
    finally:
        distributed.shutdown()
    pd.testing.assert_frame_equal(local.predictions, remote.predictions)
    assert local.folds == remote.folds
