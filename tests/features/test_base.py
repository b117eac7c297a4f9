"""The FeatureSet contract: scikit-learn transformer behaviour and readable, stable names."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.features import (
    Alpha158Features,
    CrossAssetFeatures,
    MacroFeatures,
    TechnicalFeatures,
)
from signaltrust.features.base import hash_frame

SETS = [
    TechnicalFeatures(),
    Alpha158Features(),
    CrossAssetFeatures(),
    MacroFeatures(),
]
IDS = [type(s).__name__ for s in SETS]
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load("sp500")


@pytest.mark.parametrize("feature_set", SETS, ids=IDS)
def test_clone_when_cloned_then_same_params_and_same_output(feature_set, sp500):
    copy = clone(feature_set)
    assert copy is not feature_set
    assert copy.get_params() == feature_set.get_params()
    bars = sp500.iloc[-400:]
    pd.testing.assert_frame_equal(copy.fit_transform(bars), feature_set.fit_transform(bars))


@pytest.mark.parametrize("feature_set", SETS, ids=IDS)
def test_set_params_when_round_tripped_then_get_params_returns_them(feature_set):
    params = feature_set.get_params()
    other = type(feature_set)().set_params(**params)
    assert other.get_params() == params
    assert other.definition_hash() == feature_set.definition_hash()


def test_init_when_params_invalid_then_fit_raises_not_init(sp500):
    technical = TechnicalFeatures(rsi_period=-3)  # sklearn: no validation in __init__
    assert technical.rsi_period == -3
    with pytest.raises(ValidationError, match="rsi_period"):
        technical.fit(sp500)
    with pytest.raises(ValidationError, match="windows"):
        Alpha158Features(windows=(5, 1)).fit(sp500)


@pytest.mark.parametrize("feature_set", SETS, ids=IDS)
def test_fit_when_called_then_returns_self_and_names_match_transform(feature_set, sp500):
    bars = sp500.iloc[:600]
    assert feature_set.fit(bars) is feature_set
    frame = feature_set.transform(bars)
    assert frame.index.equals(bars.index)
    assert list(frame.columns) == list(feature_set.get_feature_names_out())
    assert (frame.dtypes == np.float64).all()


@pytest.mark.parametrize("feature_set", SETS, ids=IDS)
def test_names_when_listed_then_unique_readable_and_stable(feature_set, sp500):
    unfitted = list(clone(feature_set).get_feature_names_out())  # every input assumed present
    fitted_set = clone(feature_set).fit(sp500)
    fitted = list(fitted_set.get_feature_names_out())
    assert fitted == [name for name in unfitted if name in fitted]
    assert bool(set(unfitted) - set(fitted)) == bool(fitted_set.skipped_)  # only skips differ
    assert len(set(fitted)) == len(fitted)
    assert all(NAME.match(name) for name in fitted), [n for n in fitted if not NAME.match(n)]
    assert list(clone(feature_set).get_feature_names_out()) == unfitted  # same on every call


def test_names_when_sets_combined_then_no_collisions():
    names = [n for s in SETS for n in s.get_feature_names_out()]
    assert len(set(names)) == len(names)


def test_transform_when_not_fitted_then_works_stateless(sp500):
    frame = TechnicalFeatures().transform(sp500.iloc[:300])
    assert frame.shape == (300, len(TechnicalFeatures().get_feature_names_out()))


def test_pipeline_when_feature_set_is_a_step_then_it_transforms(sp500):
    pipeline = Pipeline([("features", TechnicalFeatures(ma_periods=(10, 20)))])
    out = pipeline.fit_transform(sp500.iloc[:300])
    assert list(out.columns) == list(pipeline.get_feature_names_out())


@pytest.mark.parametrize(
    "bars, match",
    [
        ("not a frame", "DataFrame"),
        (pd.DataFrame({"close": [1.0, 2.0]}), "DatetimeIndex"),
    ],
)
def test_transform_when_input_invalid_then_validation_error_names_it(bars, match):
    with pytest.raises(ValidationError, match=match):
        TechnicalFeatures().transform(bars)


def test_transform_when_index_unsorted_or_columns_missing_then_validation_error(sp500):
    with pytest.raises(ValidationError, match="increasing"):
        TechnicalFeatures().transform(sp500.iloc[::-1])
    with pytest.raises(ValidationError, match="high"):
        TechnicalFeatures().transform(sp500.drop(columns=["high"]))


def test_definition_hash_when_params_or_version_change_then_differs():
    base = TechnicalFeatures().definition_hash()
    assert TechnicalFeatures().definition_hash() == base
    assert TechnicalFeatures(rsi_period=21).definition_hash() != base

    class Revised(TechnicalFeatures):
        version = "2"

    assert Revised().definition()["version"] == "2"
    assert Alpha158Features().definition_hash() != base


def test_hash_frame_when_one_value_or_timestamp_changes_then_differs(sp500):
    bars = sp500.iloc[:100]
    base = hash_frame(bars)
    assert hash_frame(bars.copy()) == base
    changed = bars.copy()
    changed.iloc[50, 3] += 1e-9
    assert hash_frame(changed) != base
    shifted = bars.copy()
    shifted.index = shifted.index + pd.Timedelta(seconds=1)
    assert hash_frame(shifted) != base
    assert hash_frame(bars.rename(columns={"close": "last"})) != base
