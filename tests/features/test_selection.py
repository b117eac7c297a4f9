"""Feature importance out of sample: informative features beat noise under MDA and SFI, MDI
agrees, correlated substitutes cluster together, PCA sees only its training folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from signaltrust.core.errors import ValidationError
from signaltrust.features.selection import (
    clustered_mdi,
    feature_clusters,
    mda_importance,
    mdi_importance,
    pca_out_of_sample,
    sfi_importance,
)
from signaltrust.ml.validation import PurgedKFold

INFORMATIVE = ["signal_a", "signal_b"]
NOISE = ["noise_1", "noise_2", "noise_3"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 800
    a, b = rng.normal(size=n), rng.normal(size=n)
    X = pd.DataFrame({"signal_a": a, "signal_b": b,
                      "copy_a": a + 0.05 * rng.normal(size=n),
                      **{name: rng.normal(size=n) for name in NOISE}},
                     index=pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC"))
    y = (a + b + 0.5 * rng.normal(size=n) > 0).astype(int)
    t1 = pd.Series(X.index + pd.Timedelta(days=2), index=X.index)
    return X, y, t1


@pytest.fixture(scope="module")
def forest(data):
    X, y, _ = data
    return RandomForestClassifier(n_estimators=50, max_features=1, random_state=0,
                                  n_jobs=1).fit(X, y)


def test_mdi_when_forest_fitted_then_informative_features_rank_above_noise(data, forest):
    X, _, _ = data
    out = mdi_importance(forest, X.columns)
    assert out["mean"].sum() == pytest.approx(1.0)
    assert out.loc[INFORMATIVE, "mean"].min() > out.loc[NOISE, "mean"].max()


def test_mda_when_purged_folds_then_informative_features_lose_score_and_noise_does_not(data):
    X, y, t1 = data
    out = mda_importance(LogisticRegression(), X, y, t1=t1, scoring="accuracy", seed=1)
    assert out.loc["signal_b", "mean"] > 0.1
    # signal_a has a substitute (copy_a): shuffled alone, it loses less, but more than noise
    assert out.loc["signal_a", "mean"] > out.loc[NOISE, "mean"].max() + 0.02
    assert out.loc[NOISE, "mean"].abs().max() < 0.02


def test_sfi_when_scored_alone_then_informative_features_beat_noise(data):
    X, y, t1 = data
    out = sfi_importance(LogisticRegression(), X, y, cv=PurgedKFold(4, t1=t1),
                         scoring="accuracy")
    assert out.loc[INFORMATIVE, "mean"].min() > 0.6
    assert out.loc[NOISE, "mean"].max() < 0.57


def test_clusters_when_a_feature_copies_another_then_they_share_a_cluster(data):
    X, _, _ = data
    clusters = feature_clusters(X)
    together = [c for c in clusters if "signal_a" in c][0]
    assert "copy_a" in together and "signal_b" not in together


def test_clustered_mda_when_substitutes_shuffled_together_then_their_importance_shows(data):
    X, y, _ = data
    model = LogisticRegression()
    single = mda_importance(model, X, y, cv=KFold(4), scoring="accuracy")
    clusters = [["signal_a", "copy_a"], ["signal_b"], NOISE]
    grouped = mda_importance(model, X, y, cv=KFold(4), scoring="accuracy", clusters=clusters)
    pair = grouped.loc[grouped["features"] == "signal_a, copy_a", "mean"].iloc[0]
    assert pair > single.loc["signal_a", "mean"] + single.loc["copy_a", "mean"]


def test_clustered_mdi_when_summed_then_clusters_share_the_whole(data, forest):
    X, _, _ = data
    out = clustered_mdi(forest, X.columns, [["signal_a", "copy_a"], ["signal_b"], NOISE])
    assert out["mean"].sum() == pytest.approx(1.0)
    assert out["features"].iloc[0] in ("signal_a, copy_a", "signal_b")


def test_pca_when_fitted_per_fold_then_equal_training_fold_fit_and_blind_to_later_rows(data):
    X, _, _ = data
    cv = TimeSeriesSplit(n_splits=4)
    out = pca_out_of_sample(X, n_components=2, cv=cv)
    train, test = list(cv.split(X))[-1]
    pipe = make_pipeline(StandardScaler(), PCA(2)).fit(X.iloc[train])
    assert np.allclose(out.iloc[test].to_numpy(), pipe.transform(X.iloc[test]))
    altered = X.copy()
    altered.iloc[test] = altered.iloc[test] * 10 + 3
    again = pca_out_of_sample(altered, n_components=2, cv=cv)
    pd.testing.assert_frame_equal(out.iloc[: test[0]], again.iloc[: test[0]])
    full = make_pipeline(StandardScaler(), PCA(2)).fit(altered).transform(altered.iloc[test])
    assert not np.allclose(again.iloc[test].to_numpy(), full)
    assert out.iloc[: len(X) // 5 - 1].isna().all().all()  # the first rows are never tested


def test_selection_when_features_hold_nan_or_model_not_a_forest_then_validation_error(data):
    X, y, _ = data
    with pytest.raises(ValidationError, match="NaN"):
        sfi_importance(LogisticRegression(), X.assign(signal_a=np.nan), y)
    with pytest.raises(ValidationError, match="tree ensemble"):
        mdi_importance(LogisticRegression(), X.columns)
    with pytest.raises(ValidationError, match="n_components"):
        pca_out_of_sample(X, n_components=99)
