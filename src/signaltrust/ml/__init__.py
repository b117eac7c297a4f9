"""Machine learning: leak-free validation, sample weights, models, calibration, explanations.

Names load on first use, so ``signaltrust.ml.registry`` (the ``signaltrust models`` commands)
does not pay for scikit-learn, SciPy and numba.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signaltrust.core.lazy import lazy_exports

# ``explain`` is also the name of its module: bound now, or importing the module would rebind
# the package attribute to it (pandas only; no scikit-learn)
from signaltrust.ml.explain import Explanation, explain

if TYPE_CHECKING:
    from signaltrust.ml.models import CalibratedModel, StackedEnsemble, get_model, list_models
    from signaltrust.ml.regimes import GaussianHMMRegimes, GMMRegimes
    from signaltrust.ml.validation import (
        CombinatorialPurgedKFold,
        PurgedKFold,
        WalkForwardSplit,
    )
    from signaltrust.ml.weights import (
        concurrent_labels,
        label_uniqueness,
        time_decay,
        uniqueness_weights,
    )

_WHERE = {
    "GMMRegimes": "signaltrust.ml.regimes:GMMRegimes",
    "GaussianHMMRegimes": "signaltrust.ml.regimes:GaussianHMMRegimes",
    "CalibratedModel": "signaltrust.ml.models:CalibratedModel",
    "StackedEnsemble": "signaltrust.ml.models:StackedEnsemble",
    "get_model": "signaltrust.ml.models:get_model",
    "list_models": "signaltrust.ml.models:list_models",
    "CombinatorialPurgedKFold": "signaltrust.ml.validation:CombinatorialPurgedKFold",
    "PurgedKFold": "signaltrust.ml.validation:PurgedKFold",
    "WalkForwardSplit": "signaltrust.ml.validation:WalkForwardSplit",
    "concurrent_labels": "signaltrust.ml.weights:concurrent_labels",
    "label_uniqueness": "signaltrust.ml.weights:label_uniqueness",
    "time_decay": "signaltrust.ml.weights:time_decay",
    "uniqueness_weights": "signaltrust.ml.weights:uniqueness_weights",
}
__all__ = [
    "CalibratedModel", "CombinatorialPurgedKFold", "Explanation", "GMMRegimes",
    "GaussianHMMRegimes", "PurgedKFold", "StackedEnsemble", "WalkForwardSplit",
    "concurrent_labels", "explain", "get_model", "label_uniqueness", "list_models",
    "time_decay", "uniqueness_weights",
]
__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
