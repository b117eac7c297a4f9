"""Machine learning: leak-free validation, sample weights, models, calibration, explanations.

Names load on first use, so ``signaltrust.ml.registry`` (the ``signaltrust models`` commands)
does not pay for scikit-learn, SciPy and numba.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from signaltrust.core.lazy import lazy_exports

if TYPE_CHECKING:
    from signaltrust.ml.explain import Explanation, explain
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
    "Explanation": "signaltrust.ml.explain:Explanation",
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


class _Package(types.ModuleType):
    """``signaltrust.ml.explain`` is the function, loaded on first use (pandas, not at import).

    ``explain`` is also the name of its module, and importing a submodule binds the package
    attribute to it; a data descriptor wins over that binding, so the name stays the function
    whatever was imported first, as it was when the function was bound eagerly.
    """

    @property
    def explain(self) -> Any:
        from signaltrust.ml.explain import explain

        return explain

    @explain.setter
    def explain(self, value: Any) -> None:  # the import system's binding of the submodule
        pass


sys.modules[__name__].__class__ = _Package
