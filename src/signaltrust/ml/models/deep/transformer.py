"""Small Transformer-encoder sequence models (d_model 32, 2 layers) over look-back windows.

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
from signaltrust.ml.models.deep.networks import TransformerNet


class _TransformerBase(SequenceModel):
    def __init__(
        self,
        d_model: int = 32,
        nhead: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 64,
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
        self.d_model = d_model
        self.nhead = nhead
        self.num_layers = num_layers
        self.dim_feedforward = dim_feedforward
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
        check_positive("d_model", self.d_model, integer=True)
        check_positive("nhead", self.nhead, integer=True)
        check_positive("num_layers", self.num_layers, integer=True)
        check_positive("dim_feedforward", self.dim_feedforward, integer=True)
        if self.d_model % self.nhead:
            from signaltrust.core.errors import ValidationError

            raise ValidationError(
                "d_model must be a multiple of nhead",
                field="nhead",
                value=self.nhead,
                fix=f"pick nhead dividing d_model={self.d_model}",
            )

    def _build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        return TransformerNet(
            n_features,
            n_outputs,
            self.lookback,
            self.d_model,
            self.nhead,
            self.num_layers,
            self.dim_feedforward,
            self.dropout,
        )


class TransformerClassifier(ClassifierMixin, SequenceClassifierOutputs, _TransformerBase):
    """Transformer classifier for binary or {-1, 0, 1} labels with MC-dropout uncertainty."""

    _classifier = True


class TransformerRegressor(RegressorMixin, SequenceRegressorOutputs, _TransformerBase):
    """Transformer regressor (e.g. for forward returns) with MC-dropout uncertainty."""
