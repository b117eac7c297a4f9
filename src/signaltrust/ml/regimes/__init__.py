"""Market regimes: Gaussian HMM and mixture detectors applied causally.

The switch between strategies by regime is ``signaltrust.strategy.RegimeSwitch``.

>>> from signaltrust.data import load
>>> from signaltrust.ml.regimes import GaussianHMMRegimes
>>> bars = load("sp500")
>>> model = GaussianHMMRegimes(random_state=0).fit(bars.loc[:"2012"])  # doctest: +SKIP
>>> model.transform(bars).tail(1)  # filtered P(regime | bars up to t)  # doctest: +SKIP
"""

from signaltrust.ml.regimes.filter import forward_filter, gaussian_log_density
from signaltrust.ml.regimes.models import (
    GaussianHMMRegimes,
    GMMRegimes,
    label_states,
    regime_observations,
)

__all__ = [
    "GMMRegimes", "GaussianHMMRegimes", "forward_filter",
    "gaussian_log_density", "label_states", "regime_observations",
]
