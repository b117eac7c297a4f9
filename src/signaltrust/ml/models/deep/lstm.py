"""LSTM sequence models (classifier and regressor) over causal look-back windows.

Windows of the last ``lookback`` rows ending AT each sample (causal), standardised on the
training rows, early stopping on the end of the training period, Monte Carlo dropout through
``predict_uncertainty``. See :mod:`signaltrust.ml.models.deep.base` for the shared contract.
"""

from __future__ import annotations

from sklearn.base import ClassifierMixin, RegressorMixin
from torch import nn

from signaltrust.ml.models.base import check_positive
from signaltrust.ml.models.deep.base import (
    SequenceClassifierOutputs,
    SequenceModel,
    SequenceRegressorOutputs,
)
from signaltrust.ml.models.deep.networks import LSTMNet


class _LSTMBase(SequenceModel):
    def __init__(
        self,
        hidden_size: int = 32,
        num_layers: int = 1,
        lookback: int = 20,
        dropout: float = 0.2,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        batch_size: int = 256,
        max_epochs: int = 20,
        patience: int = 3,
        validation_fraction: float = 0.2,
        warmup: str = "pad",
        device: str = "auto",
        n_threads: int = 1,
        random_state: int = 0,
    ) -> None:
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lookback = lookback
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.warmup = warmup
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        check_positive("hidden_size", self.hidden_size, integer=True)
        check_positive("num_layers", self.num_layers, integer=True)

    def _build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        return LSTMNet(n_features, n_outputs, self.hidden_size, self.num_layers, self.dropout)


class LSTMClassifier(ClassifierMixin, SequenceClassifierOutputs, _LSTMBase):
    """LSTM classifier for binary or {-1, 0, 1} labels with MC-dropout uncertainty."""

    _classifier = True


class LSTMRegressor(RegressorMixin, SequenceRegressorOutputs, _LSTMBase):
    """LSTM regressor (e.g. for forward returns) with MC-dropout uncertainty."""
