"""Purged k-fold, walk-forward and combinatorial purged splitters (López de Prado, AFML ch. 7).

Each is a scikit-learn cross-validator: ``split(X, y=None, groups=None)`` yields
``(train_idx, test_idx)`` positions, so it plugs into ``cross_val_score(..., cv=...)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from math import comb
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator

from signaltrust.core.errors import ValidationError
from signaltrust.ml.validation.intervals import (
    check_samples,
    contiguous_blocks,
    embargo_rule,
    label_intervals,
    train_mask,
)

Embargo: TypeAlias = float | pd.Timedelta


def _count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValidationError(
            f"{name} must be a whole number >= {minimum}",
            field=name,
            value=value,
            fix=f"pass e.g. {name}={max(minimum, 5)}",
        )
    return int(value)


class _PurgedSplitter(BaseCrossValidator):
    t1: pd.Series

    def __repr__(self) -> str:
        params = {k: v for k, v in vars(self).items() if k != "t1"}
        t1 = self.t1
        shown = f"<{len(t1)} end times>" if isinstance(t1, pd.Series) else repr(t1)
        inner = ", ".join([f"t1={shown}"] + [f"{k}={v!r}" for k, v in params.items()])
        return f"{type(self).__name__}({inner})"


class PurgedKFold(_PurgedSplitter):
    """K-fold cross-validation for overlapping labels: contiguous test folds, purged and embargoed.

    The samples are split into ``n_splits`` contiguous folds in time order (no shuffling);
    each is the test set once. A training sample is dropped when its label interval
    [t0, t1] overlaps the test fold's span [first t0, last t1] (purging), or when it starts
    within the embargo after that span (``embargo``: a fraction of the samples, rounded up,
    or a ``pd.Timedelta``). Training data may lie on both sides of the test fold.

    >>> cv = PurgedKFold(n_splits=5, t1=labels["t1"], embargo=0.01)  # doctest: +SKIP
    >>> cross_val_score(model, X, y, cv=cv)  # doctest: +SKIP
    """

    def __init__(
        self, n_splits: int = 5, *, t1: pd.Series | None = None, embargo: Embargo = 0.01
    ) -> None:
        self.n_splits = n_splits
        self.t1 = t1
        self.embargo = embargo

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds."""
        return _count("n_splits", self.n_splits, 2)

    def split(
        self, X: Any = None, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (train positions, test positions) for each fold, purged and embargoed."""
        n_splits = self.get_n_splits()
        intervals = label_intervals(self.t1)
        n = check_samples(X, intervals, self.t1, n_splits, f"n_splits={n_splits} folds")
        rule = embargo_rule(self.embargo, intervals)
        positions = np.arange(n)
        for start, stop in contiguous_blocks(n, n_splits):
            keep = train_mask(intervals, [(start, stop)], rule)
            yield positions[keep], positions[start:stop]


class WalkForwardSplit(_PurgedSplitter):
    """Walk-forward splits: each test fold is later than all of its training data, purged.

    The last ``n_splits * test_size`` samples form ``n_splits`` consecutive test folds
    (``test_size`` defaults to ``n // (n_splits + 1)``). A fold trains on the samples before it
    whose labels end before the fold starts (purging), minus an embargo gap just before the
    fold (the last ``ceil(embargo * n)`` samples, or those starting within ``embargo`` time of
    it), so that serially correlated features do not straddle the boundary.
    ``train_size=None`` grows the training window (anchored); an int keeps only the latest
    ``train_size`` training samples (rolling). A fold with fewer than ``min_train_size``
    training samples (default 1) is an error naming the fix.
    """

    def __init__(
        self,
        n_splits: int = 5,
        *,
        t1: pd.Series | None = None,
        train_size: int | None = None,
        test_size: int | None = None,
        embargo: Embargo = 0.01,
        min_train_size: int | None = None,
    ) -> None:
        self.n_splits = n_splits
        self.t1 = t1
        self.train_size = train_size
        self.test_size = test_size
        self.embargo = embargo
        self.min_train_size = min_train_size

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of walk-forward steps."""
        return _count("n_splits", self.n_splits, 1)

    def split(
        self, X: Any = None, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (train positions, test positions), oldest fold first; train precedes test."""
        n_splits = self.get_n_splits()
        intervals = label_intervals(self.t1)
        n = check_samples(
            X, intervals, self.t1, n_splits + 1, f"{n_splits} walk-forward folds and a training set"
        )
        test_size = (
            n // (n_splits + 1)
            if self.test_size is None
            else _count("test_size", self.test_size, 1)
        )
        train_size = None if self.train_size is None else _count("train_size", self.train_size, 1)
        minimum = (
            1 if self.min_train_size is None else _count("min_train_size", self.min_train_size, 1)
        )
        if n_splits * test_size >= n:
            raise ValidationError(
                "the test folds leave no training data",
                field="test_size",
                value=f"{n_splits} x {test_size} test samples of {n}",
                fix="lower test_size or n_splits",
            )
        kind, amount = embargo_rule(self.embargo, intervals)
        t0, t1 = intervals.t0, intervals.t1
        folds = []
        for k in range(n_splits):
            start = n - (n_splits - k) * test_size
            stop = start + test_size
            first = t0[start]
            candidate = np.arange(start)
            candidate = candidate[t1[:start] < first]
            if kind == "samples":
                candidate = candidate[candidate < start - amount]
            else:
                candidate = candidate[t0[candidate] < first - amount]
            if train_size is not None:
                candidate = candidate[-train_size:]
            if len(candidate) < minimum:
                raise ValidationError(
                    f"walk-forward fold {k} has {len(candidate)} training samples after purging "
                    f"and the embargo, fewer than min_train_size={minimum}",
                    field="min_train_size",
                    value=len(candidate),
                    fix="use fewer or smaller test folds (n_splits, test_size), a smaller embargo, "
                    "or a lower min_train_size",
                )
            folds.append((candidate, np.arange(start, stop)))
        yield from folds


class CombinatorialPurgedKFold(_PurgedSplitter):
    """Combinatorial purged k-fold (CPCV): every choice of ``n_test_splits`` of ``n_splits`` groups.

    The samples form ``n_splits`` contiguous groups; each split tests on ``n_test_splits`` of
    them and trains on the rest, purged and embargoed around every test group as in
    :class:`PurgedKFold`. There are ``comb(n_splits, n_test_splits)`` splits, and their test
    groups assemble into ``n_paths = comb(n_splits - 1, n_test_splits - 1)`` full backtest
    paths (:meth:`backtest_paths`), the input of the probability of backtest overfitting.
    """

    def __init__(
        self,
        n_splits: int = 6,
        n_test_splits: int = 2,
        *,
        t1: pd.Series | None = None,
        embargo: Embargo = 0.01,
    ) -> None:
        self.n_splits = n_splits
        self.n_test_splits = n_test_splits
        self.t1 = t1
        self.embargo = embargo

    def _sizes(self) -> tuple[int, int]:
        n_splits = _count("n_splits", self.n_splits, 2)
        n_test = _count("n_test_splits", self.n_test_splits, 1)
        if n_test >= n_splits:
            raise ValidationError(
                "n_test_splits must be smaller than n_splits",
                field="n_test_splits",
                value=n_test,
                fix=f"pass n_test_splits between 1 and {n_splits - 1}",
            )
        return n_splits, n_test

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of train/test splits: comb(n_splits, n_test_splits)."""
        n_splits, n_test = self._sizes()
        return comb(n_splits, n_test)

    @property
    def n_paths(self) -> int:
        """Number of complete backtest paths the splits' test groups form."""
        n_splits, n_test = self._sizes()
        return comb(n_splits - 1, n_test - 1)

    def test_groups(self) -> list[tuple[int, ...]]:
        """The group numbers tested by each split, in the order :meth:`split` yields them."""
        n_splits, n_test = self._sizes()
        return list(combinations(range(n_splits), n_test))

    def backtest_paths(self) -> np.ndarray:
        """Split number that supplies each group's test predictions, per path.

        Returns an int array of shape (n_paths, n_splits): row p, column g is the split whose
        predictions on group g belong to path p. Each path covers every group exactly once.
        """
        n_splits, _ = self._sizes()
        paths = np.full((self.n_paths, n_splits), -1, dtype=np.int64)
        used = np.zeros(n_splits, dtype=np.int64)
        for split_number, groups in enumerate(self.test_groups()):
            for g in groups:
                paths[used[g], g] = split_number
                used[g] += 1
        return paths

    def split(
        self, X: Any = None, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (train positions, test positions) for every combination of test groups."""
        n_splits, _ = self._sizes()
        intervals = label_intervals(self.t1)
        n = check_samples(X, intervals, self.t1, n_splits, f"n_splits={n_splits} groups")
        rule = embargo_rule(self.embargo, intervals)
        blocks = contiguous_blocks(n, n_splits)
        positions = np.arange(n)
        for chosen in self.test_groups():
            tested = [blocks[g] for g in chosen]
            keep = train_mask(intervals, tested, rule)
            test = np.concatenate([positions[a:b] for a, b in tested])
            yield positions[keep], test
