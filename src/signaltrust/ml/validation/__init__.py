"""Leak-free validation: purged and embargoed k-fold, walk-forward and combinatorial splitters."""

from signaltrust.ml.validation.splitters import (
    CombinatorialPurgedKFold,
    PurgedKFold,
    WalkForwardSplit,
)

__all__ = ["CombinatorialPurgedKFold", "PurgedKFold", "WalkForwardSplit"]
