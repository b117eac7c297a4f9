"""CNN+LSTM hybrid with attention pooling and two heads: a class and a return, with MC dropout.

A causal convolutional front end (left-padded dilated 1-D convolutions) turns each bar of the
look-back window into ``channels`` local patterns; an LSTM runs over them; attention pooling
weighs the LSTM's states over the window (``attention_weights`` gives the weights per bar);
the pooled state feeds a classification head (class logits) and a regression head (a return).
Both heads train together: the loss is the primary head's (cross-entropy for the classifier,
squared error on the standardised target for the regressor) plus ``aux_weight`` times the
other's. The classifier's second target is the realised return you pass as
``fit(X, y, regression_target=r)`` (without it the return head stays untrained and
``predict_return`` refuses); the regressor's is the sign of its own target.

Windows, scaling, early stopping, seeds, devices and Monte Carlo dropout follow the shared
contract of :mod:`signaltrust.ml.models.deep.base`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from torch import nn
from torch.nn import functional as F

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models.base import (
    ArrayLike,
    check_features,
    check_positive,
    check_target,
    positive_class_score,
)
from signaltrust.ml.models.deep.base import (
    SequenceClassifierOutputs,
    SequenceModel,
    SequenceRegressorOutputs,
    _check_mc,
)
from signaltrust.ml.models.deep.training import seeded_torch
from signaltrust.ml.models.deep.windows import gather_windows, pad_for_windows


class CNNLSTMAttentionNet(nn.Module):
    """Causal convolutions -> LSTM -> attention pooling -> (class logits, value)."""

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        channels: int,
        kernel_size: int,
        conv_layers: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = n_features
        for i in range(conv_layers):
            dilation = 2**i
            layers += [
                nn.ConstantPad1d(((kernel_size - 1) * dilation, 0), 0.0),  # left pad: causal
                nn.Conv1d(in_ch, channels, kernel_size, dilation=dilation),
                nn.ReLU(),
                nn.Dropout(dropout),
            ]
            in_ch = channels
        self.conv = nn.Sequential(*layers)
        self.lstm = nn.LSTM(
            channels,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.attention_proj = nn.Linear(hidden_size, hidden_size)
        self.attention_score = nn.Linear(hidden_size, 1, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.classify = nn.Linear(hidden_size, n_classes)
        self.regress = nn.Linear(hidden_size, 1)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(pooled state (batch, hidden), attention weights (batch, lookback), summing to 1)."""
        h = self.conv(x.transpose(1, 2)).transpose(1, 2)  # (batch, lookback, channels)
        states, _ = self.lstm(h)
        scores = self.attention_score(torch.tanh(self.attention_proj(states))).squeeze(-1)
        weights = torch.softmax(scores, dim=1)
        return (weights.unsqueeze(-1) * states).sum(dim=1), weights

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled, _ = self.encode(x)
        z = self.dropout(pooled)
        return self.classify(z), self.regress(z)


class _HybridBase(SequenceModel):
    def __init__(
        self,
        channels: int = 32,
        kernel_size: int = 3,
        conv_layers: int = 1,
        hidden_size: int = 32,
        num_layers: int = 1,
        aux_weight: float = 0.5,
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
        self.conv_layers = conv_layers
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.aux_weight = aux_weight
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
        for name in ("channels", "kernel_size", "conv_layers", "hidden_size", "num_layers"):
            check_positive(name, getattr(self, name), integer=True)
        check_positive("aux_weight", self.aux_weight, allow_zero=True)

    def _build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        n_classes = n_outputs if self._classifier else 2  # the regressor's side head: down/up
        return CNNLSTMAttentionNet(
            n_features,
            n_classes,
            self.channels,
            self.kernel_size,
            self.conv_layers,
            self.hidden_size,
            self.num_layers,
            self.dropout,
        )

    # -- targets and loss: column 0 the class code, column 1 the standardised value ----------
    def _standardised_value(self, value: np.ndarray, train_rows: np.ndarray | None) -> np.ndarray:
        if train_rows is not None:
            known = value[train_rows][np.isfinite(value[train_rows])]
            self.target_mean_ = float(known.mean()) if len(known) else 0.0
            sd = float(known.std()) if len(known) else 0.0
            self.target_scale_ = sd if sd > 1e-12 else 1.0
        return (value - self.target_mean_) / self.target_scale_

    def _loss(self) -> Any:
        primary_is_class = self._classifier
        weight = float(self.aux_weight)

        def joint_loss(out: tuple[torch.Tensor, torch.Tensor], target: torch.Tensor) -> Any:
            logits, value = out
            ce = F.cross_entropy(logits, target[:, 0].long(), reduction="none")
            r = target[:, 1]
            known = torch.isfinite(r)
            se = torch.where(known, (value.squeeze(-1) - torch.nan_to_num(r)) ** 2, 0.0)
            return ce + weight * se if primary_is_class else se + weight * ce

        return joint_loss

    def _net_outputs(self, out: Any) -> torch.Tensor:
        logits, value = out
        return torch.cat([torch.softmax(logits, dim=1), value], dim=1)

    def _postprocess(self, result: np.ndarray) -> np.ndarray:
        result = result.copy()
        result[..., -1] = result[..., -1] * self.target_scale_ + self.target_mean_
        return result

    def _joint(self, X: ArrayLike, mc_samples: int) -> np.ndarray:
        """(passes, n_samples, n_classes + 1): class probabilities, then the value."""
        return SequenceModel._forward(self, X, mc_samples)

    # -- attention ---------------------------------------------------------------------------
    def attention_weights(self, X: ArrayLike) -> pd.DataFrame:
        """The attention weight of each bar of each row's window (dropout off; rows sum to 1).

        Columns are ``bars_ago`` (``lookback - 1`` ... 0: the row itself); the index is X's.
        """
        Xa = check_features(self, X, fit=False, allow_nan=False)
        padded = pad_for_windows(self._standardise(Xa), self.lookback)
        net = self.module_.eval()
        with seeded_torch(int(self.random_state) + 1, int(self.n_threads), "cpu"), \
                torch.no_grad():
            _, weights = net.encode(
                torch.from_numpy(gather_windows(padded, np.arange(len(Xa)), self.lookback))
            )
        out = weights.numpy().astype(np.float64)
        if self.warmup == "nan":
            out[: self.lookback - 1] = np.nan
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(Xa))
        columns = pd.Index(range(self.lookback - 1, -1, -1), name="bars_ago")
        return pd.DataFrame(out, index=index, columns=columns)

    def predict_joint(self, X: ArrayLike, mc_samples: int = 0) -> pd.DataFrame:
        """Both heads per row: ``score`` (P(up); P(1) + 0.5 P(0) for three classes) and
        ``predicted_return``; with ``mc_samples`` >= 2, their MC-dropout means and the
        ``score_std`` / ``predicted_return_std`` columns."""
        if mc_samples:
            _check_mc(mc_samples)
        out = self._joint(X, mc_samples)
        classes = self.classes_ if self._classifier else np.array([0, 1])
        scores = np.stack([positive_class_score(classes, p[:, :-1]) for p in out])
        values = out[:, :, -1]
        if self._classifier and not self.has_return_head_:
            values = np.full_like(values, np.nan)
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(out.shape[1])
        frame = pd.DataFrame(
            {"score": scores.mean(axis=0), "predicted_return": values.mean(axis=0)}, index=index
        )
        if mc_samples:
            frame["score_std"] = scores.std(axis=0)
            frame["predicted_return_std"] = values.std(axis=0)
        return frame


class CNNLSTMClassifier(ClassifierMixin, SequenceClassifierOutputs, _HybridBase):
    """CNN+LSTM with attention: class probabilities and a return, MC-dropout uncertainty."""

    _classifier = True

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        eval_set: Any = None,
        regression_target: ArrayLike | None = None,
    ) -> CNNLSTMClassifier:
        """Fit both heads: the class from ``y``, the return from ``regression_target``.

        ``regression_target`` (one number per row, NaN where unknown) must be known by the time
        the row's label is: the return realised up to the label's end, not beyond it.
        """
        if regression_target is not None:
            r = check_target(regression_target, len(np.asarray(y)), field="regression_target")
            regression_target = r.astype(np.float64)
        self.has_return_head_ = regression_target is not None
        return self._fit(X, y, sample_weight, eval_set, regression_target)

    def _targets(
        self, ya: np.ndarray, train_rows: np.ndarray | None, aux: ArrayLike | None, n: int
    ) -> np.ndarray:
        value = np.full(n, np.nan) if aux is None else np.asarray(aux, dtype=np.float64)
        scaled = self._standardised_value(value, train_rows)
        return np.column_stack([ya.astype(np.float64), scaled]).astype(np.float32)

    def _forward(self, X: ArrayLike, mc_samples: int) -> np.ndarray:
        return self._joint(X, mc_samples)[..., :-1]

    def predict_return(self, X: ArrayLike, mc_samples: int = 0) -> np.ndarray:
        """The return head's prediction (its MC-dropout mean with ``mc_samples``)."""
        if not getattr(self, "has_return_head_", False):
            raise ValidationError(
                "the return head was not trained",
                field="regression_target",
                value=None,
                fix="fit(X, y, regression_target=realised_returns) to train it",
            )
        return self._joint(X, mc_samples)[..., -1].mean(axis=0)


class CNNLSTMRegressor(RegressorMixin, SequenceRegressorOutputs, _HybridBase):
    """CNN+LSTM with attention: a return and P(up) from a side head, MC-dropout uncertainty."""

    _classifier = False
    has_return_head_ = True

    def _targets(
        self, ya: np.ndarray, train_rows: np.ndarray | None, aux: ArrayLike | None, n: int
    ) -> np.ndarray:
        value = np.asarray(ya, dtype=np.float64)
        scaled = self._standardised_value(value, train_rows)
        return np.column_stack([(value > 0).astype(np.float64), scaled]).astype(np.float32)

    def _forward(self, X: ArrayLike, mc_samples: int) -> np.ndarray:
        return self._joint(X, mc_samples)[..., -1:]

    def predict_up_proba(self, X: ArrayLike, mc_samples: int = 0) -> np.ndarray:
        """P(target > 0) from the side head (its MC-dropout mean with ``mc_samples``)."""
        return self._joint(X, mc_samples)[..., 1].mean(axis=0)
