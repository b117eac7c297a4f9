"""Feature sets, labels (forward returns, triple barrier) and the feature store."""

# Feature sets, alignment and the store (features helper); labels live in features.labels.
from signaltrust.features.align import align_asof, bar_ends
from signaltrust.features.alpha158 import Alpha158Features
from signaltrust.features.base import FeatureSet
from signaltrust.features.cross_asset import CrossAssetFeatures
from signaltrust.features.macro import MACRO_LAGS, MacroFeatures
from signaltrust.features.store import FeatureStore
from signaltrust.features.technical import TechnicalFeatures

__all__ = [
    "FeatureSet",
    "TechnicalFeatures",
    "Alpha158Features",
    "CrossAssetFeatures",
    "MacroFeatures",
    "MACRO_LAGS",
    "align_asof",
    "bar_ends",
    "FeatureStore",
]
