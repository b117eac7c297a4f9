"""Labels for supervised learning, each with the time its outcome becomes known (``t1``).

>>> from signaltrust.data import load
>>> from signaltrust.features.labels import triple_barrier_labels
>>> labels = triple_barrier_labels(load("sp500")["close"], horizon=10)  # doctest: +SKIP
"""

from signaltrust.features.labels.barrier import ewm_volatility, meta_labels, triple_barrier_labels
from signaltrust.features.labels.horizon import forward_returns, horizon_end_times, sign_labels

__all__ = [
    "ewm_volatility",
    "forward_returns",
    "horizon_end_times",
    "meta_labels",
    "sign_labels",
    "triple_barrier_labels",
]
