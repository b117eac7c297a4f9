"""SignalTrust models behind one scikit-learn interface, and the registry ``get_model(name)``.

Classifiers: ``lgbm``, ``xgb``, ``logistic``, ``lstm``, ``cnn``, ``transformer``, ``cnn_lstm``,
``ensemble``; regressors: ``linear``, ``lgbm_regressor``, ``xgb_regressor``, ``lstm_regressor``,
``cnn_regressor``, ``transformer_regressor``, ``cnn_lstm_regressor``. The deep models import torch only when asked for.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models.calibration import CalibratedModel
from signaltrust.ml.models.ensemble import StackedEnsemble
from signaltrust.ml.models.gbm import (
    LGBMClassifierModel,
    LGBMRegressorModel,
    XGBClassifierModel,
    XGBRegressorModel,
)
from signaltrust.ml.models.linear import LinearModel, LogisticModel

_REGISTRY: dict[str, str] = {
    "lgbm": "gbm:LGBMClassifierModel",
    "lgbm_regressor": "gbm:LGBMRegressorModel",
    "xgb": "gbm:XGBClassifierModel",
    "xgb_regressor": "gbm:XGBRegressorModel",
    "logistic": "linear:LogisticModel",
    "linear": "linear:LinearModel",
    "lstm": "deep.lstm:LSTMClassifier",
    "lstm_regressor": "deep.lstm:LSTMRegressor",
    "cnn": "deep.cnn:CNNClassifier",
    "cnn_regressor": "deep.cnn:CNNRegressor",
    "transformer": "deep.transformer:TransformerClassifier",
    "transformer_regressor": "deep.transformer:TransformerRegressor",
    "cnn_lstm": "deep.hybrid:CNNLSTMClassifier",
    "cnn_lstm_regressor": "deep.hybrid:CNNLSTMRegressor",
    "ensemble": "ensemble:StackedEnsemble",
}
_DEEP = {
    "LSTMClassifier": "lstm",
    "LSTMRegressor": "lstm",
    "CNNClassifier": "cnn",
    "CNNRegressor": "cnn",
    "TransformerClassifier": "transformer",
    "TransformerRegressor": "transformer",
    "CNNLSTMClassifier": "hybrid",
    "CNNLSTMRegressor": "hybrid",
}


def list_models() -> list[str]:
    """The names ``get_model`` accepts."""
    return sorted(_REGISTRY)


def model_class(name: str) -> type:
    """The estimator class registered under ``name`` (e.g. ``"lgbm"``)."""
    if name not in _REGISTRY:
        raise ValidationError(
            "unknown model name", field="name", value=name, fix=f"use one of {list_models()}"
        )
    module, cls = _REGISTRY[name].split(":")
    return getattr(importlib.import_module(f"signaltrust.ml.models.{module}"), cls)


def get_model(name: str, **params: Any) -> Any:
    """Build a model by name with its parameters: ``get_model("lgbm", n_estimators=200)``."""
    cls = model_class(name)
    allowed = list(inspect.signature(cls).parameters)
    unknown = [p for p in params if p not in allowed]
    if unknown:
        raise ValidationError(
            f"unknown parameter for model {name!r}",
            field=unknown[0],
            value=params[unknown[0]],
            fix=f"use one of {allowed}",
        )
    return cls(**params)


def __getattr__(attr: str) -> Any:  # the deep models load torch lazily
    if attr in _DEEP:
        module = importlib.import_module(f"signaltrust.ml.models.deep.{_DEEP[attr]}")
        return getattr(module, attr)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


__all__ = [
    "CalibratedModel",
    "CNNClassifier",
    "CNNLSTMClassifier",
    "CNNLSTMRegressor",
    "CNNRegressor",
    "LGBMClassifierModel",
    "LGBMRegressorModel",
    "LinearModel",
    "LogisticModel",
    "LSTMClassifier",
    "LSTMRegressor",
    "StackedEnsemble",
    "TransformerClassifier",
    "TransformerRegressor",
    "XGBClassifierModel",
    "XGBRegressorModel",
    "get_model",
    "list_models",
    "model_class",
]
