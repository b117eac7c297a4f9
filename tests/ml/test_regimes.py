"""Regime models: forward filtering by hand, causality by truncation, labels on the S&P 500."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.ml.regimes import (
    GaussianHMMRegimes,
    GMMRegimes,
    forward_filter,
    gaussian_log_density,
    label_states,
)
from signaltrust.strategy import RegimeSwitch, get_strategy
from signaltrust.strategy.regime_switch import signal_positions

CRISIS = slice("2008-09-15", "2009-03-31")


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load("sp500")


@pytest.fixture(scope="module")
def hmm(sp500) -> GaussianHMMRegimes:
    return GaussianHMMRegimes(random_state=0).fit(sp500.loc[:"2012"])


def _normal(x: float, mean: float) -> float:
    return float(np.exp(-0.5 * (x - mean) ** 2) / np.sqrt(2 * np.pi))


def _hand_case():
    start = np.array([0.6, 0.4])
    trans = np.array([[0.7, 0.3], [0.2, 0.8]])
    means = np.array([[0.0], [2.0]])
    covars = np.array([[[1.0]], [[1.0]]])
    obs = np.array([[0.1], [1.9], [0.5]])
    return start, trans, means, covars, obs


def test_forward_filter_when_two_states_three_observations_then_matches_hand_computation():
    start, trans, means, covars, obs = _hand_case()
    b = [[_normal(x, 0.0), _normal(x, 2.0)] for x in obs[:, 0]]
    # t = 1: pi * b, normalised
    a1 = [0.6 * b[0][0], 0.4 * b[0][1]]
    f1 = [a1[0] / sum(a1), a1[1] / sum(a1)]
    # t = 2: (f1 @ A) * b, normalised
    a2 = [(f1[0] * 0.7 + f1[1] * 0.2) * b[1][0], (f1[0] * 0.3 + f1[1] * 0.8) * b[1][1]]
    f2 = [a2[0] / sum(a2), a2[1] / sum(a2)]
    a3 = [(f2[0] * 0.7 + f2[1] * 0.2) * b[2][0], (f2[0] * 0.3 + f2[1] * 0.8) * b[2][1]]
    f3 = [a3[0] / sum(a3), a3[1] / sum(a3)]

    got = forward_filter(start, trans, gaussian_log_density(obs, means, covars))

    np.testing.assert_allclose(got, np.array([f1, f2, f3]), rtol=1e-12)


def test_forward_filter_when_compared_with_hmmlearn_posterior_then_differs_before_the_last_bar():
    from hmmlearn.hmm import GaussianHMM

    start, trans, means, covars, obs = _hand_case()
    model = GaussianHMM(n_components=2, covariance_type="full", init_params="", params="")
    model.startprob_, model.transmat_, model.means_, model.covars_ = start, trans, means, covars
    smoothed = model.predict_proba(obs)  # forward-backward: uses the future

    filtered = forward_filter(start, trans, gaussian_log_density(obs, means, covars))

    assert np.abs(filtered[:2] - smoothed[:2]).max() > 0.01  # we do not smooth
    np.testing.assert_allclose(filtered[-1], smoothed[-1], rtol=1e-10)  # nothing after the end


def test_forward_filter_when_observation_missing_then_predicts_only_and_leading_rows_are_nan():
    start, trans, means, covars, _ = _hand_case()
    obs = np.array([[np.nan], [0.1], [np.nan]])
    got = forward_filter(start, trans, gaussian_log_density(obs, means, covars))

    assert np.isnan(got[0]).all()
    np.testing.assert_allclose(got[2], got[1] @ trans, rtol=1e-12)


def test_hmm_transform_when_data_truncated_then_probabilities_unchanged(sp500, hmm):
    full = hmm.transform(sp500)
    for t in (25, 1500, 2450, 2500, 4000, len(sp500) - 2):
        part = hmm.transform(sp500.iloc[: t + 1])
        np.testing.assert_allclose(part.iloc[-1, :3].to_numpy(float),
                                   full.iloc[t, :3].to_numpy(float), rtol=1e-9, atol=1e-12)
        assert part["regime"].iloc[-1] == full["regime"].iloc[t]


def test_hmm_transform_when_hmmlearn_smooths_then_ours_differs_and_is_causal(sp500, hmm):
    scaled = (hmm._observations(sp500).dropna().to_numpy() - hmm.mean_) / hmm.scale_
    smoothed = hmm.hmm_.predict_proba(scaled)[:, hmm.state_order_]
    ours = hmm.transform(sp500).iloc[:, :3].dropna().to_numpy(float)

    assert np.abs(ours - smoothed).max() > 0.5


def test_hmm_predict_proba_when_applied_then_rows_sum_to_one_and_warmup_is_nan(sp500, hmm):
    proba = hmm.predict_proba(sp500)
    labels = hmm.predict(sp500)

    assert np.isnan(proba[: hmm.window]).all() and labels[0] is None
    np.testing.assert_allclose(proba[hmm.window:].sum(axis=1), 1.0, rtol=1e-12)
    assert set(labels[hmm.window:]) <= set(hmm.regimes_)
    assert hmm.regimes_ == ["trending", "mean_reverting", "volatile"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hmm_labels_when_seed_changes_then_2008_is_volatile_and_labels_agree(sp500, hmm, seed):
    model = hmm if seed == 0 else GaussianHMMRegimes(random_state=seed).fit(sp500.loc[:"2012"])
    labels = model.transform(sp500)["regime"]

    assert (labels.loc[CRISIS] == "volatile").mean() > 0.9
    agree = (labels.dropna() == hmm.transform(sp500)["regime"].dropna()).mean()
    assert agree > 0.95
    stats = model.regime_stats_
    assert stats["volatility"].idxmax() == "volatile"
    assert stats.loc["trending", "drift_to_volatility"] >= stats.loc["mean_reverting",
                                                                    "drift_to_volatility"]


@pytest.mark.parametrize("seed", [0, 1])
def test_gmm_labels_when_fitted_on_sp500_then_2008_is_volatile_and_causal(sp500, seed):
    model = GMMRegimes(random_state=seed).fit(sp500.loc[:"2012"])
    full = model.transform(sp500)

    assert (full["regime"].loc[CRISIS] == "volatile").mean() > 0.8
    t = 2450
    part = model.transform(sp500.iloc[: t + 1])
    np.testing.assert_allclose(part.iloc[-1, :3].to_numpy(float), full.iloc[t, :3].to_numpy(float),
                               rtol=1e-9)


def test_clone_when_regime_model_cloned_then_params_kept_and_unfitted(hmm):
    copy = clone(hmm)

    assert copy.get_params() == hmm.get_params()
    assert not hasattr(copy, "hmm_")
    with pytest.raises(ValidationError, match="not fitted"):
        copy.transform(load("sp500").iloc[:50])


def test_label_states_when_statistics_given_then_rule_is_applied():
    drift = np.array([0.0001, 0.002, -0.001, 0.0])
    vol = np.array([0.01, 0.01, 0.03, 0.02])

    assert label_states(drift, vol) == ["mean_reverting", "trending", "volatile",
                                        "mean_reverting_2"]


def test_fit_when_bad_arguments_then_validation_error_names_the_field(sp500):
    with pytest.raises(ValidationError, match="features"):
        GaussianHMMRegimes(features=("ret", "skew")).fit(sp500)
    with pytest.raises(ValidationError, match="n_regimes"):
        GMMRegimes(n_regimes=1).fit(sp500)
    with pytest.raises(ValidationError, match="too few bars"):
        GMMRegimes().fit(sp500.iloc[:40])


def test_regime_switch_when_labels_given_then_follows_the_mapped_strategy(sp500):
    bars = sp500.loc["2005":"2009"]
    labels = pd.Series(None, index=bars.index, dtype=object)
    labels.iloc[100:600] = "trending"
    labels.iloc[600:900] = "volatile"
    labels.iloc[900:] = "mean_reverting"
    switch = RegimeSwitch({"trending": "sma_cross", "mean_reverting": "bollinger_rsi",
                           "volatile": None})

    target = switch.positions(bars, labels)

    sma = signal_positions(get_strategy("sma_cross").signals(bars)).to_numpy()
    bol = signal_positions(get_strategy("bollinger_rsi").signals(bars)).to_numpy()
    assert (target.iloc[:100] == 0).all() and (target.iloc[600:900] == 0).all()
    np.testing.assert_array_equal(target.iloc[100:600].to_numpy(), sma[100:600])
    np.testing.assert_array_equal(target.iloc[900:].to_numpy(), bol[900:])
    assert (target.iloc[100:600] != 0).any()


def test_regime_switch_when_model_given_then_positions_are_causal(sp500, hmm):
    bars = sp500.loc["2006":"2010"]
    switch = RegimeSwitch({"trending": "sma_cross", "mean_reverting": "bollinger_rsi",
                           "volatile": None}, model=hmm)
    full = switch.positions(bars)
    signals = switch.signals(bars)

    for t in (300, 700, 1100):
        assert switch.positions(bars.iloc[: t + 1]).iloc[-1] == full.iloc[t]
    rebuilt = signal_positions(signals).to_numpy()
    np.testing.assert_array_equal(rebuilt, full.to_numpy())


def test_regime_switch_when_regime_unmapped_then_error_names_it(sp500, hmm):
    switch = RegimeSwitch({"trending": "sma_cross"}, model=hmm)
    with pytest.raises(ValidationError, match="no strategy"):
        switch.positions(sp500.loc["2007":"2009"])
