"""Temporal 1-D CNN sequence models (causal dilated convolutions) over look-back windows.

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
from signaltrust.ml.models.deep.networks import TemporalCNNNet


class _CNNBase(SequenceModel):
    def __init__(
        self,
        channels: int = 32,
        kernel_size: int = 3,
        num_layers: int = 2,
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
        self.channels = channels
        self.kernel_size = kernel_size
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
        check_positive("channels", self.channels, integer=True)
        check_positive("kernel_size", self.kernel_size, integer=True)
        check_positive("num_layers", self.num_layers, integer=True)

    def _build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        return TemporalCNNNet(
            n_features, n_outputs, self.channels, self.kernel_size, self.num_layers, self.dropout
        )


class CNNClassifier(ClassifierMixin, SequenceClassifierOutputs, _CNNBase):
    """CNN classifier for binary or {-1, 0, 1} labels with MC-dropout uncertainty."""

    _classifier = True


class CNNRegressor(RegressorMixin, SequenceRegressorOutputs, _CNNBase):
    """CNN regressor (e.g. for forward returns) with MC-dropout uncertainty."""
