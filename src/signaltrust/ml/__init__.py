"""Machine learning: leak-free validation, sample weights, models, calibration, explanations."""

from signaltrust.ml.explain import Explanation, explain
from signaltrust.ml.models import (
    CalibratedModel,
    StackedEnsemble,
    get_model,
    list_models,
)
from signaltrust.ml.regimes import GaussianHMMRegimes, GMMRegimes
from signaltrust.ml.validation import CombinatorialPurgedKFold, PurgedKFold, WalkForwardSplit
from signaltrust.ml.weights import (
    concurrent_labels,
    label_uniqueness,
    time_decay,
    uniqueness_weights,
)

__all__ = [
    "Explanation",
    "GMMRegimes",
    "GaussianHMMRegimes",
    "explain",
    "CalibratedModel",
    "StackedEnsemble",
    "get_model",
    "list_models",
    "CombinatorialPurgedKFold",
    "PurgedKFold",
    "WalkForwardSplit",
    "concurrent_labels",
    "label_uniqueness",
    "time_decay",
    "uniqueness_weights",
]
