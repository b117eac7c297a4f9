"""The estimator shared by the sequence models: validation, scaling, windows, fit and MC dropout.

A sequence model scores sample t from the window of the last ``lookback`` rows of X ending AT
row t. Features are standardised with the mean and scale of the training rows only; the
validation rows for early stopping are the LAST ``validation_fraction`` of the training period
(never shuffled across time). ``warmup="pad"`` (default) zero-pads the first ``lookback - 1``
rows so every row gets a prediction; ``warmup="nan"`` gives them NaN instead. Only full windows
are used to train.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models.base import (
    ArrayLike,
    check_choice,
    check_eval_set,
    check_features,
    check_positive,
    check_sample_weight,
    check_target,
    encode_classes,
)
from signaltrust.ml.models.deep.training import SequenceData, seeded_torch, train_network
from signaltrust.ml.models.deep.windows import gather_windows, pad_for_windows

PREDICT_BATCH = 4096


def resolve_device(device: str) -> str:
    """``"auto"`` is the GPU when torch sees one, else the CPU."""
    check_choice("device", device, ["auto", "cpu", "cuda"])
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValidationError(
            "device='cuda' but torch sees no GPU",
            field="device",
            value=device,
            fix="use device='auto' or 'cpu', or install a CUDA build of torch==2.13.0",
        )
    return device


class SequenceModel(BaseEstimator):
    """Common fit/predict of the LSTM, CNN and Transformer models (subclasses add the network)."""

    _classifier = False

    def _build_network(self, n_features: int, n_outputs: int) -> nn.Module:  # pragma: no cover
        raise NotImplementedError

    def _check_params(self) -> None:
        check_positive("lookback", self.lookback, integer=True)
        check_positive("learning_rate", self.learning_rate)
        check_positive("weight_decay", self.weight_decay, allow_zero=True)
        check_positive("batch_size", self.batch_size, integer=True)
        check_positive("max_epochs", self.max_epochs, integer=True)
        check_positive("patience", self.patience, integer=True)
        check_positive("n_threads", self.n_threads, integer=True)
        check_choice("warmup", self.warmup, ["pad", "nan"])
        if not (isinstance(self.dropout, (int, float)) and 0.0 <= self.dropout < 1.0):
            raise ValidationError(
                "dropout must be in [0, 1)",
                field="dropout",
                value=self.dropout,
                fix="pass e.g. dropout=0.2",
            )
        vf = self.validation_fraction
        if not (isinstance(vf, (int, float)) and 0.0 <= vf < 1.0):
            raise ValidationError(
                "validation_fraction must be in [0, 1)",
                field="validation_fraction",
                value=vf,
                fix="pass e.g. 0.2 (the last 20% of the training period)",
            )

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        eval_set: Any = None,
    ) -> SequenceModel:
        """Fit on time-ordered rows; early-stop on ``eval_set`` or the end of the training rows."""
        return self._fit(X, y, sample_weight, eval_set, None)

    def _fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None,
        eval_set: Any,
        aux: ArrayLike | None,
    ) -> SequenceModel:
        """The fit itself; ``aux`` is a second target per row for models with two heads."""
        self._check_params()
        device = resolve_device(self.device)
        Xa = check_features(self, X, fit=True, allow_nan=False)
        ya = check_target(y, len(Xa))
        ya = encode_classes(self, ya, fit=True) if self._classifier else ya.astype(np.float64)
        w = check_sample_weight(sample_weight, len(Xa))
        w = np.ones(len(Xa)) if w is None else w
        evals = check_eval_set(self, eval_set, allow_nan=False, classifier=self._classifier)
        rows = np.arange(self.lookback - 1, len(Xa))
        n_val = 0 if evals else int(round(len(rows) * self.validation_fraction))
        if len(rows) - n_val < 1 or (self.validation_fraction > 0 and not evals and n_val < 1):
            raise ValidationError(
                f"X has {len(Xa)} rows: too few for lookback={self.lookback} and "
                f"validation_fraction={self.validation_fraction}",
                field="len(X)",
                value=len(Xa),
                fix="pass more rows, a shorter lookback or validation_fraction=0",
            )
        train_rows, val_rows = rows[: len(rows) - n_val], rows[len(rows) - n_val :]
        fit_part = Xa[: train_rows[-1] + 1]  # scaling statistics: training rows only
        self.feature_mean_ = fit_part.mean(axis=0)
        scale = fit_part.std(axis=0)
        self.feature_scale_ = np.where(scale > 1e-12, scale, 1.0)
        target = self._targets(ya, train_rows, aux, len(Xa))
        padded = pad_for_windows(self._standardise(Xa), self.lookback)
        train = SequenceData(
            padded, train_rows, target[train_rows], w[train_rows].astype(np.float32)
        )
        valid = None
        if evals:
            Xe, ye = evals[0]
            e_rows = np.arange(self.lookback - 1, len(Xe))
            if len(e_rows) == 0:
                raise ValidationError(
                    f"eval_set X has {len(Xe)} rows, fewer than lookback={self.lookback}",
                    field="eval_set",
                    value=len(Xe),
                    fix="pass a longer validation period",
                )
            te = self._targets(ye if self._classifier else ye.astype(np.float64), None, None,
                               len(Xe))
            valid = SequenceData(
                pad_for_windows(self._standardise(Xe), self.lookback),
                e_rows,
                te[e_rows],
                np.ones(len(e_rows), dtype=np.float32),
            )
        elif n_val:
            valid = SequenceData(padded, val_rows, target[val_rows], w[val_rows].astype(np.float32))
        n_outputs = len(self.classes_) if self._classifier else 1
        with seeded_torch(int(self.random_state), int(self.n_threads), device) as gen:
            net = self._build_network(Xa.shape[1], n_outputs).to(device)
            record = train_network(
                net,
                train,
                valid,
                classifier=self._classifier,
                loss=self._loss(),
                lookback=self.lookback,
                learning_rate=self.learning_rate,
                weight_decay=self.weight_decay,
                batch_size=self.batch_size,
                max_epochs=self.max_epochs,
                patience=self.patience,
                device=device,
                generator=gen,
            )
        self.module_ = net.to("cpu").eval()
        self.history_ = record.history
        self.best_epoch_ = record.best_epoch
        self.n_epochs_ = record.n_epochs
        self.stopped_early_ = record.stopped_early
        self.device_ = device
        return self

    def _standardise(self, Xa: np.ndarray) -> np.ndarray:
        return (Xa - self.feature_mean_) / self.feature_scale_

    def _targets(
        self, ya: np.ndarray, train_rows: np.ndarray | None, aux: ArrayLike | None, n: int
    ) -> np.ndarray:
        """The training target array (one head: the encoded y; subclasses add a second)."""
        return self._encode_target(ya, train_rows)

    def _loss(self) -> Callable[[Any, torch.Tensor], torch.Tensor] | None:
        """Per-sample loss of the network's output (None: cross-entropy or squared error)."""
        return None

    def _net_outputs(self, out: Any) -> torch.Tensor:
        """The network's output as the columns ``_forward`` returns (probabilities, values)."""
        return torch.softmax(out, dim=1) if self._classifier else out

    def _postprocess(self, result: np.ndarray) -> np.ndarray:
        """Undo the target scaling of regression outputs (passes, n_samples, n_outputs)."""
        return result if self._classifier else result * self.target_scale_ + self.target_mean_

    def _encode_target(self, ya: np.ndarray, train_rows: np.ndarray | None) -> np.ndarray:
        if self._classifier:
            return ya.astype(np.int64)
        if train_rows is not None:
            self.target_mean_ = float(ya[train_rows].mean())
            sd = float(ya[train_rows].std())
            self.target_scale_ = sd if sd > 1e-12 else 1.0
        return ((ya - self.target_mean_) / self.target_scale_).astype(np.float32)

    def _forward(self, X: ArrayLike, mc_samples: int) -> np.ndarray:
        """Network outputs (passes, n_samples, n_outputs); dropout on when mc_samples > 0."""
        check_positive("mc_samples", mc_samples, integer=True, allow_zero=True)
        Xa = check_features(self, X, fit=False, allow_nan=False)
        device = self.device_ if self.device_ == "cpu" or torch.cuda.is_available() else "cpu"
        padded = pad_for_windows(self._standardise(Xa), self.lookback)
        rows = np.arange(len(Xa))
        net = self.module_.to(device)
        passes = max(mc_samples, 1)
        outs = []
        # A separate seed for MC dropout: the same X gives the same spread on every call.
        with seeded_torch(int(self.random_state) + 1, int(self.n_threads), device), torch.no_grad():
            net.train(
                mc_samples > 0
            )  # the networks have no batch-norm: train() only turns dropout on
            for _ in range(passes):
                parts = []
                for start in range(0, len(rows), PREDICT_BATCH):
                    x = gather_windows(padded, rows[start : start + PREDICT_BATCH], self.lookback)
                    out = self._net_outputs(net(torch.from_numpy(x).to(device)))
                    parts.append(out.cpu().numpy().astype(np.float64))
                outs.append(np.concatenate(parts, axis=0))
        self.module_ = net.to("cpu").eval()
        result = self._postprocess(np.stack(outs))
        if self.warmup == "nan":
            result[:, : self.lookback - 1] = np.nan
        return result


class SequenceClassifierOutputs:
    """predict / predict_proba / predict_uncertainty of the sequence classifiers."""

    classes_: np.ndarray
    _forward: Callable[[ArrayLike, int], np.ndarray]

    def predict_proba(self, X: ArrayLike, mc_samples: int = 0) -> np.ndarray:
        """Class probabilities (``classes_`` order); with ``mc_samples``, the MC-dropout mean."""
        return self._forward(X, mc_samples).mean(axis=0)

    def predict_uncertainty(
        self, X: ArrayLike, mc_samples: int = 30
    ) -> tuple[np.ndarray, np.ndarray]:
        """Monte Carlo dropout: (mean, std) of the class probabilities over ``mc_samples``."""
        _check_mc(mc_samples)
        out = self._forward(X, mc_samples)
        return out.mean(axis=0), out.std(axis=0)

    def predict_proba_samples(self, X: ArrayLike, mc_samples: int = 30) -> np.ndarray:
        """MC-dropout probability draws, shape (mc_samples, n_samples, n_classes)."""
        _check_mc(mc_samples)
        return self._forward(X, mc_samples)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class (float with NaN for the warm-up rows when ``warmup="nan"``)."""
        proba = self.predict_proba(X)
        missing = np.isnan(proba).any(axis=1)
        labels = self.classes_[np.argmax(np.nan_to_num(proba, nan=0.0), axis=1)]
        if missing.any():
            labels = labels.astype(np.float64)
            labels[missing] = np.nan
        return labels


class SequenceRegressorOutputs:
    """predict / predict_uncertainty of the sequence regressors."""

    _forward: Callable[[ArrayLike, int], np.ndarray]

    def predict(self, X: ArrayLike, mc_samples: int = 0) -> np.ndarray:
        """The predicted target; with ``mc_samples`` the MC-dropout mean."""
        return self._forward(X, mc_samples).mean(axis=0)[:, 0]

    def predict_uncertainty(
        self, X: ArrayLike, mc_samples: int = 30
    ) -> tuple[np.ndarray, np.ndarray]:
        """Monte Carlo dropout: (mean, std) of the prediction over ``mc_samples`` passes."""
        _check_mc(mc_samples)
        out = self._forward(X, mc_samples)[:, :, 0]
        return out.mean(axis=0), out.std(axis=0)


def _check_mc(mc_samples: int) -> None:
    if not isinstance(mc_samples, (int, np.integer)) or mc_samples < 2:
        raise ValidationError(
            "predict_uncertainty needs at least 2 dropout passes",
            field="mc_samples",
            value=mc_samples,
            fix="pass mc_samples=30",
        )
