"""The training loop of the sequence models: mini-batches, early stopping, seeded determinism."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from signaltrust.ml.models.deep.windows import gather_windows


@contextmanager
def seeded_torch(seed: int, n_threads: int, device: str) -> Iterator[torch.Generator]:
    """Run a block with torch seeded, deterministic algorithms and a fixed thread count.

    The global RNG state, the thread count and the determinism flag are restored afterwards,
    so fitting one model does not change the randomness or threading of anything else.
    """
    prev_threads = torch.get_num_threads()
    prev_det = torch.are_deterministic_algorithms_enabled()
    prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(n_threads)
    # CUDA kernels (cuDNN LSTM) are not all deterministic: warn there instead of failing.
    torch.use_deterministic_algorithms(True, warn_only=device != "cpu")
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            yield gen
    finally:
        torch.set_num_threads(prev_threads)
        torch.use_deterministic_algorithms(prev_det, warn_only=prev_warn)


@dataclass
class SequenceData:
    """Padded features, the rows to score, their targets and weights (float32/int64 arrays)."""

    padded: np.ndarray
    rows: np.ndarray
    target: np.ndarray
    weight: np.ndarray

    def batch(self, idx: np.ndarray, lookback: int, device: str) -> tuple[torch.Tensor, ...]:
        x = torch.from_numpy(gather_windows(self.padded, self.rows[idx], lookback)).to(device)
        return (
            x,
            torch.from_numpy(self.target[idx]).to(device),
            torch.from_numpy(self.weight[idx]).to(device),
        )


@dataclass
class TrainingRecord:
    """What happened during training: per-epoch losses, the best epoch, whether it stopped early."""

    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    n_epochs: int = 0
    stopped_early: bool = False


def sample_loss(out: torch.Tensor, target: torch.Tensor, classifier: bool) -> torch.Tensor:
    """Per-sample loss: cross-entropy on class codes, squared error on standardised targets."""
    if classifier:
        return F.cross_entropy(out, target, reduction="none")
    return (out.squeeze(-1) - target) ** 2


def _weighted_mean(loss: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return (loss * weight).sum() / weight.sum().clamp_min(1e-12)


LossFunction = Callable[[Any, torch.Tensor], torch.Tensor]


def evaluate_loss(
    net: nn.Module,
    data: SequenceData,
    *,
    lookback: int,
    batch_size: int,
    device: str,
    classifier: bool,
    loss: LossFunction | None = None,
) -> float:
    """Weighted mean loss over ``data`` with dropout off."""
    per_sample = loss or (lambda out, y: sample_loss(out, y, classifier))
    net.eval()
    total, weight = 0.0, 0.0
    with torch.no_grad():
        for start in range(0, len(data.rows), batch_size):
            idx = np.arange(start, min(start + batch_size, len(data.rows)))
            x, y, w = data.batch(idx, lookback, device)
            total += float((per_sample(net(x), y) * w).sum())
            weight += float(w.sum())
    return total / max(weight, 1e-12)


def train_network(
    net: nn.Module,
    train: SequenceData,
    valid: SequenceData | None,
    *,
    classifier: bool,
    lookback: int,
    learning_rate: float,
    weight_decay: float,
    batch_size: int,
    max_epochs: int,
    patience: int,
    device: str,
    generator: torch.Generator,
    loss: LossFunction | None = None,
) -> TrainingRecord:
    """Train with Adam; with ``valid``, keep the weights of the best validation epoch and stop
    after ``patience`` epochs without improvement. Batches are drawn in a seeded random order
    (each window is self-contained, so shuffling windows mixes no time order into a sample)."""
    per_sample = loss or (lambda out, y: sample_loss(out, y, classifier))
    record = TrainingRecord()
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate, weight_decay=weight_decay)
    best_loss, best_state, since_best = np.inf, None, 0
    n = len(train.rows)
    for epoch in range(1, max_epochs + 1):
        net.train()
        order = torch.randperm(n, generator=generator).numpy()
        total, count = 0.0, 0.0
        for start in range(0, n, batch_size):
            x, y, w = train.batch(order[start : start + batch_size], lookback, device)
            batch_loss = _weighted_mean(per_sample(net(x), y), w)
            opt.zero_grad()
            batch_loss.backward()
            opt.step()
            total += float(batch_loss.detach()) * len(x)
            count += len(x)
        entry = {"epoch": float(epoch), "train_loss": total / max(count, 1.0)}
        record.n_epochs = epoch
        if valid is not None:
            val_loss = evaluate_loss(
                net,
                valid,
                lookback=lookback,
                batch_size=4 * batch_size,
                device=device,
                classifier=classifier,
                loss=loss,
            )
            entry["valid_loss"] = val_loss
            if val_loss < best_loss - 1e-7:
                best_loss, since_best, record.best_epoch = val_loss, 0, epoch
                best_state = copy.deepcopy(net.state_dict())
            else:
                since_best += 1
        else:
            record.best_epoch = epoch
        record.history.append(entry)
        if valid is not None and since_best >= patience:
            record.stopped_early = True
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    return record
