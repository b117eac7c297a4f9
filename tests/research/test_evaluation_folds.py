"""The walk-forward's faster fold runs give the old path's predictions exactly.

Old path: folds one after the other, the libraries' own BLAS threads (``n_jobs=None,
blas_threads=None``, the code before the change). New: one BLAS thread per fit (the default)
and folds in joblib worker processes (``n_jobs=2``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.ml.models import get_model
from signaltrust.research.ml_eval import walk_forward_evaluation
from signaltrust.research.ml_eval.dataset import learning_table

ENSEMBLE = {"models": [("lgbm", get_model("lgbm", n_estimators=40, num_leaves=7, n_jobs=1)),
                       ("logistic", get_model("logistic"))], "cv": 3}


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return load("sp500").loc["2010-01-01":"2014-12-31"]


def _run(bars, model, **kwargs):
    return walk_forward_evaluation(bars, model, n_splits=3, explain_last=0, seed=3, **kwargs)


@pytest.fixture(scope="module")
def old_path(bars):
    return _run(bars, "ensemble", model_params=ENSEMBLE, n_jobs=None, blas_threads=None)


def test_walk_forward_when_one_blas_thread_then_ensemble_predictions_identical(bars, old_path):
    new = _run(bars, "ensemble", model_params=ENSEMBLE)
    pd.testing.assert_frame_equal(new.predictions, old_path.predictions, check_exact=True)
    assert len(new.predictions) > 500 and new.predictions["score"].between(0, 1).all()


def test_walk_forward_when_folds_in_worker_processes_then_identical_probabilities(bars, old_path):
    new = _run(bars, "ensemble", model_params=ENSEMBLE, n_jobs=2)
    np.testing.assert_array_equal(new.predictions["score"].to_numpy(),
                                  old_path.predictions["score"].to_numpy())
    assert new.metrics == old_path.metrics and new.folds == old_path.folds
    X = learning_table(load("sp500").loc["2014-01-01":"2015-12-31"], "technical",
                       "triple_barrier", 10).X  # the last fold's model on later rows too
    np.testing.assert_array_equal(new.estimator.predict_proba(X),
                                  old_path.estimator.predict_proba(X))


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True])
def test_walk_forward_when_n_jobs_invalid_then_error_names_it(bars, n_jobs):
    with pytest.raises(ValidationError, match="n_jobs"):
        _run(bars, "logistic", n_jobs=n_jobs)
