"""With ``n_jobs=1`` the stacked ensemble fits its members on one BLAS thread, and its
probabilities are exactly those of a fit with the libraries' own thread count."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_info

from signaltrust.ml.models import StackedEnsemble, get_model


class ThreadRecordingLogistic(LogisticRegression):
    """A logistic regression that notes the BLAS thread counts it was fitted under."""

    def fit(self, X, y, sample_weight=None):
        self.blas_threads_ = sorted({p["num_threads"] for p in threadpool_info()
                                     if p["user_api"] == "blas"})
        return super().fit(X, y, sample_weight=sample_weight)


def _problem(n: int = 600):
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f{i}" for i in range(6)])
    y = (X["f0"] - X["f3"] + 0.7 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _ensemble(n_jobs):
    return StackedEnsemble(models=[("lgbm", get_model("lgbm", n_estimators=30, n_jobs=1)),
                                   ("logit", ThreadRecordingLogistic(max_iter=500))],
                           cv=3, n_jobs=n_jobs)


def test_ensemble_when_n_jobs_is_one_then_members_fit_on_one_blas_thread():
    X, y = _problem()
    fitted = _ensemble(1).fit(X, y)
    assert dict(fitted.estimators_)["logit"].blas_threads_ == [1]


def test_ensemble_when_blas_capped_then_probabilities_identical_to_library_threads():
    X, y = _problem()
    capped = _ensemble(1).fit(X, y).predict_proba(X)
    free = _ensemble(None).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(capped, free)
