"""Every indicator is causal: its values up to bar t computed on data[:t+1] equal those computed
on the full series, so no value looks at the future."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust import ta

from .cases import ALL_CASES, case_id
from .conftest import random_walk

CUTS = [0, 1, 2, 5, 13, 27, 40, 60, 61, 99, 150, 211, 298]


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def _compute(name, inputs, params, frame, end=None):
    arrays = [frame[column].to_numpy(dtype=float)[:end] for column in inputs]
    return _as_tuple(getattr(ta, name)(*arrays, **params))


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_indicator_when_future_bars_removed_then_past_values_unchanged(case):
    name, inputs, params = case
    frame = random_walk(seed=11, n=300)
    full = _compute(name, inputs, params, frame)
    for cut in CUTS:
        partial = _compute(name, inputs, params, frame, end=cut + 1)
        for whole, part in zip(full, partial, strict=True):
            np.testing.assert_array_equal(part, whole[: cut + 1], err_msg=f"{name} at cut {cut}")


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_indicator_when_future_bars_changed_then_past_values_unchanged(case):
    name, inputs, params = case
    frame = random_walk(seed=12, n=300)
    altered = frame.copy()
    altered.iloc[200:] = random_walk(seed=13, n=300).iloc[200:].to_numpy()
    altered["high"] = altered[["open", "high", "close"]].max(axis=1)
    altered["low"] = altered[["open", "low", "close"]].min(axis=1)
    outputs = list(
        zip(
            _compute(name, inputs, params, frame),
            _compute(name, inputs, params, altered),
            strict=True,
        )
    )
    for original, changed in outputs:
        np.testing.assert_array_equal(original[:200], changed[:200], err_msg=name)
    # the test can fail: the change after bar 200 does reach the later values
    assert any(
        not np.array_equal(original[250:], changed[250:], equal_nan=True)
        for original, changed in outputs
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(1, 199), case=st.sampled_from(ALL_CASES))
def test_indicator_when_any_prefix_then_equals_full_run_prefix(seed, cut, case):
    name, inputs, params = case
    frame = random_walk(seed=seed, n=200)
    for whole, part in zip(
        _compute(name, inputs, params, frame),
        _compute(name, inputs, params, frame, end=cut),
        strict=True,
    ):
        np.testing.assert_array_equal(part, whole[:cut])
