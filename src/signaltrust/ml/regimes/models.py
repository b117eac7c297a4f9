"""Regime detectors (Gaussian HMM, Gaussian mixture) fitted on a window, applied causally.

Both follow the scikit-learn contract (constructor arguments stored as given, ``fit`` /
``predict`` / ``predict_proba`` / ``transform``, ``clone``-able) and take bars (a frame with a
``close`` column, or a Series of closes). Observations per bar, each known at the bar's close:

* ``ret``: the one-bar log return ``log(close_t / close_{t-1})``;
* ``vol``: the standard deviation of the last ``window`` log returns;
* ``trend``: the mean of the last ``window`` log returns.

They are standardised with the training window's mean and scale. The HMM's probability at bar
t is the forward-filtered P(state_t | obs_1..t) (:mod:`.filter`), never hmmlearn's smoothed
posterior; the mixture's is the per-bar posterior P(state | obs_t). Bars before the first full
observation (the first ``window`` bars) get NaN probabilities and no label.

Labelling rule (deterministic given the fit), from each state's fitted statistics in the
units of the data: ``volatility`` is the state's mean of ``vol`` (or, without ``vol``, the
state's standard deviation of ``ret``); ``drift`` is its mean of ``trend`` (or of ``ret``).
The state with the highest volatility is ``volatile``; of the others, the one with the highest
``|drift| / volatility`` is ``trending``; the next is ``mean_reverting``; any further states
are ``mean_reverting_2``, ``mean_reverting_3``, ... in the same order. Output columns follow
the order ``trending, mean_reverting[, ...], volatile``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from signaltrust.core.errors import ValidationError
from signaltrust.ml.regimes.filter import forward_filter, gaussian_log_density

FEATURES = ("ret", "vol", "trend")
TRENDING, MEAN_REVERTING, VOLATILE = "trending", "mean_reverting", "volatile"


def regime_observations(bars: Any, features: tuple[str, ...], window: int) -> pd.DataFrame:
    """The causal observation frame (one column per feature) the regime models see."""
    close = _close(bars)
    log_ret = np.log(close / close.shift(1))
    columns: dict[str, pd.Series] = {}
    for name in features:
        if name == "ret":
            columns[name] = log_ret
        elif name == "vol":
            columns[name] = log_ret.rolling(window, min_periods=window).std()
        elif name == "trend":
            columns[name] = log_ret.rolling(window, min_periods=window).mean()
    return pd.DataFrame(columns, index=close.index)


def _close(bars: Any) -> pd.Series:
    if isinstance(bars, pd.DataFrame):
        if "close" not in bars.columns:
            raise ValidationError(
                "bars need a close column", field="bars.columns", value=list(bars.columns),
                fix="pass OHLC bars (signaltrust.data.load('sp500')) or a Series of closes",
            )
        close = bars["close"]
    elif isinstance(bars, pd.Series):
        close = bars
    else:
        raise ValidationError(
            "regime models take bars (a DataFrame with close) or a Series of closes",
            field="bars", value=type(bars).__name__, fix="pass signaltrust.data.load(name)",
        )
    close = close.astype(np.float64)
    if (close <= 0).any():
        bad = close[close <= 0].index[0]
        raise ValidationError(
            "closes must be positive for log returns", field="close", value=f"{bad}",
            fix="remove or correct non-positive closes",
        )
    return close


def label_states(drift: np.ndarray, volatility: np.ndarray) -> list[str]:
    """Trader-readable names for fitted states (see the module docstring for the rule)."""
    k = len(volatility)
    labels = [""] * k
    volatile = int(np.argmax(volatility))
    labels[volatile] = VOLATILE
    rest = [s for s in range(k) if s != volatile]
    strength = np.abs(drift) / np.maximum(volatility, 1e-300)
    rest.sort(key=lambda s: (-strength[s], s))
    for rank, state in enumerate(rest):
        if rank == 0:
            labels[state] = TRENDING
        elif rank == 1:
            labels[state] = MEAN_REVERTING
        else:
            labels[state] = f"{MEAN_REVERTING}_{rank}"
    return labels


class _RegimeModel(TransformerMixin, BaseEstimator):
    """Shared feature handling, labelling and output of the regime models."""

    # -- checks and observations ---------------------------------------------------------------
    def _check(self) -> tuple[str, ...]:
        if not isinstance(self.n_regimes, (int, np.integer)) or self.n_regimes < 2:
            raise ValidationError("n_regimes must be an integer >= 2", field="n_regimes",
                                  value=self.n_regimes, fix="use n_regimes=3")
        feats = (self.features,) if isinstance(self.features, str) else tuple(self.features)
        unknown = [f for f in feats if f not in FEATURES]
        if not feats or unknown or len(set(feats)) != len(feats):
            raise ValidationError("unknown or repeated regime feature", field="features",
                                  value=self.features, fix=f"choose from {FEATURES}")
        if not isinstance(self.window, (int, np.integer)) or self.window < 2:
            raise ValidationError("window must be an integer >= 2", field="window",
                                  value=self.window, fix="use window=20")
        return feats

    def _observations(self, bars: Any) -> pd.DataFrame:
        return regime_observations(bars, self.features_, int(self.window))

    def _fit_observations(self, bars: Any) -> np.ndarray:
        self.features_ = self._check()
        obs = self._observations(bars).dropna()
        if len(obs) < 10 * self.n_regimes:
            raise ValidationError(
                "too few bars to fit the regime model", field="bars", value=len(obs),
                fix=f"fit on at least {10 * self.n_regimes + self.window} bars",
            )
        values = obs.to_numpy()
        self.mean_ = values.mean(axis=0)
        self.scale_ = values.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        return (values - self.mean_) / self.scale_

    def _scaled(self, bars: Any) -> tuple[pd.Index, np.ndarray]:
        if not hasattr(self, "state_order_"):
            raise ValidationError("the regime model is not fitted", field="model",
                                  value=type(self).__name__, fix="call fit(train_bars) first")
        obs = self._observations(bars)
        return obs.index, (obs.to_numpy() - self.mean_) / self.scale_

    def _label(self, means: np.ndarray, covars: np.ndarray) -> None:
        """Name the states from their fitted means and covariances (data units)."""
        means = means * self.scale_ + self.mean_
        variances = np.array([np.diag(c) for c in covars]) * self.scale_**2
        f = list(self.features_)
        volatility = means[:, f.index("vol")] if "vol" in f else np.sqrt(
            variances[:, f.index("ret")] if "ret" in f else variances[:, 0])
        drift = means[:, f.index("trend")] if "trend" in f else (
            means[:, f.index("ret")] if "ret" in f else np.zeros(len(means)))
        labels = label_states(drift, volatility)
        named = [lab for lab in labels if lab != VOLATILE]
        order = sorted(named, key=lambda s: (s != TRENDING, s)) + [VOLATILE]
        self.regimes_ = order
        self.state_order_ = np.array([labels.index(lab) for lab in order])
        self.regime_stats_ = pd.DataFrame(
            {"state": self.state_order_, "drift": drift[self.state_order_],
             "volatility": volatility[self.state_order_],
             "drift_to_volatility": (np.abs(drift) / volatility)[self.state_order_]},
            index=pd.Index(order, name="regime"),
        )

    # -- output -------------------------------------------------------------------------------
    def _state_proba(self, scaled: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict_proba(self, bars: Any) -> np.ndarray:
        """Regime probabilities per bar, (n_bars, n_regimes), columns in ``regimes_`` order.

        Causal: row t uses bars up to t only. Rows before the first full observation are NaN.
        """
        _, scaled = self._scaled(bars)
        return self._state_proba(scaled)[:, self.state_order_]

    def predict(self, bars: Any) -> np.ndarray:
        """The most probable regime name per bar (``None`` before the first full observation)."""
        proba = self.predict_proba(bars)
        out = np.full(len(proba), None, dtype=object)
        ok = ~np.isnan(proba).any(axis=1)
        out[ok] = np.asarray(self.regimes_, dtype=object)[np.argmax(proba[ok], axis=1)]
        return out

    def transform(self, bars: Any) -> pd.DataFrame:
        """Regime features: ``prob_<regime>`` columns and ``regime`` (the label), per bar."""
        index, scaled = self._scaled(bars)
        proba = self._state_proba(scaled)[:, self.state_order_]
        frame = pd.DataFrame(proba, index=index, columns=[f"prob_{r}" for r in self.regimes_])
        labels = np.full(len(proba), None, dtype=object)
        ok = ~np.isnan(proba).any(axis=1)
        labels[ok] = np.asarray(self.regimes_, dtype=object)[np.argmax(proba[ok], axis=1)]
        frame["regime"] = pd.Series(labels, index=index, dtype="object")
        return frame

    def fit_transform(self, bars: Any, y: Any = None, **fit_params: Any) -> pd.DataFrame:
        """Fit on ``bars`` and return their regime features (in-sample: prefer fit, transform)."""
        return self.fit(bars, y).transform(bars)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array([f"prob_{r}" for r in self.regimes_] + ["regime"], dtype=object)


class GaussianHMMRegimes(_RegimeModel):
    """Gaussian hidden Markov regimes (hmmlearn), applied with the forward filter only.

    ``n_init`` fits start from seeds drawn from ``random_state``; the one with the highest
    training log-likelihood is kept. ``covariance_type`` is hmmlearn's ("full" or "diag").
    """

    def __init__(
        self, n_regimes: int = 3, features: tuple[str, ...] = ("ret", "vol"), window: int = 20,
        covariance_type: str = "full", n_iter: int = 100, tol: float = 1e-3, n_init: int = 3,
        random_state: int = 0,
    ) -> None:
        self.n_regimes = n_regimes
        self.features = features
        self.window = window
        self.covariance_type = covariance_type
        self.n_iter = n_iter
        self.tol = tol
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, bars: Any, y: Any = None) -> GaussianHMMRegimes:
        """Fit the HMM on the training bars (EM, ``n_init`` starts) and name its states."""
        from hmmlearn.hmm import GaussianHMM

        if self.covariance_type not in ("full", "diag"):
            raise ValidationError("covariance_type must be 'full' or 'diag'",
                                  field="covariance_type", value=self.covariance_type,
                                  fix="use covariance_type='full'")
        scaled = self._fit_observations(bars)
        rng = np.random.RandomState(self.random_state)
        seeds = rng.randint(0, 2**31 - 1, size=max(1, self.n_init))
        best, best_score = None, -np.inf
        for seed in seeds:
            hmm = GaussianHMM(n_components=self.n_regimes, covariance_type=self.covariance_type,
                              n_iter=self.n_iter, tol=self.tol, random_state=int(seed))
            hmm.fit(scaled)
            score = hmm.score(scaled)
            if np.isfinite(score) and score > best_score:
                best, best_score = hmm, score
        if best is None:
            raise ValidationError("the HMM did not converge to a finite likelihood", field="bars",
                                  value=len(scaled), fix="use more bars or fewer regimes")
        self.hmm_ = best
        self.log_likelihood_ = float(best_score)
        self.startprob_ = best.startprob_
        self.transmat_ = best.transmat_
        self.means_ = best.means_
        self.covars_ = best.covars_  # full (k, d, d) matrices whatever the covariance_type
        self._label(self.means_, self.covars_)
        stay = np.diag(self.transmat_)[self.state_order_]
        self.regime_stats_["expected_duration"] = 1.0 / np.maximum(1.0 - stay, 1e-12)
        return self

    def log_emission(self, scaled: np.ndarray) -> np.ndarray:
        """log b_k(x_t) for standardised observations: (n, d) -> (n, k)."""
        return gaussian_log_density(scaled, self.means_, self.covars_)

    def _state_proba(self, scaled: np.ndarray) -> np.ndarray:
        return forward_filter(self.startprob_, self.transmat_, self.log_emission(scaled))


class GMMRegimes(_RegimeModel):
    """Gaussian-mixture regimes (scikit-learn): each bar's posterior from its own observation.

    A mixture has no memory between bars, so its default observations are the smoothed
    ``trend`` and ``vol`` (on one-bar returns it separates big up days from big down days).
    """

    def __init__(
        self, n_regimes: int = 3, features: tuple[str, ...] = ("trend", "vol"), window: int = 20,
        covariance_type: str = "full", n_init: int = 5, max_iter: int = 200,
        random_state: int = 0,
    ) -> None:
        self.n_regimes = n_regimes
        self.features = features
        self.window = window
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, bars: Any, y: Any = None) -> GMMRegimes:
        """Fit the mixture on the training bars and name its components."""
        from sklearn.mixture import GaussianMixture

        scaled = self._fit_observations(bars)
        self.gmm_ = GaussianMixture(
            n_components=self.n_regimes, covariance_type=self.covariance_type,
            n_init=self.n_init, max_iter=self.max_iter, random_state=self.random_state,
        ).fit(scaled)
        covars = _full_covariances(self.gmm_.covariances_, self.covariance_type,
                                   self.n_regimes, scaled.shape[1])
        self._label(self.gmm_.means_, covars)
        self.regime_stats_["weight"] = self.gmm_.weights_[self.state_order_]
        return self

    def _state_proba(self, scaled: np.ndarray) -> np.ndarray:
        out = np.full((len(scaled), self.n_regimes), np.nan)
        ok = ~np.isnan(scaled).any(axis=1)
        if ok.any():
            out[ok] = self.gmm_.predict_proba(scaled[ok])
        return out


def _full_covariances(cov: np.ndarray, kind: str, k: int, d: int) -> np.ndarray:
    if kind == "full":
        return cov
    if kind == "diag":
        return np.array([np.diag(c) for c in cov])
    if kind == "spherical":
        return np.array([np.eye(d) * c for c in cov])
    return np.repeat(cov[None, :, :], k, axis=0)  # tied
