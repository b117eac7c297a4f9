"""FeatureStore: hits return the same frame, changes miss, corrupt files are never served."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from signaltrust.data import load
from signaltrust.features import Alpha158Features, FeatureStore, TechnicalFeatures


@pytest.fixture
def bars() -> pd.DataFrame:
    return load("sp500").iloc[:1500]


def test_store_when_root_given_then_frames_live_under_it(tmp_path, bars):
    store = FeatureStore(tmp_path / "features")
    store.get_or_compute(TechnicalFeatures(), bars)
    assert list((tmp_path / "features").rglob("*.parquet"))


def test_get_or_compute_when_hit_then_exactly_the_same_frame(tmp_path, bars):
    store = FeatureStore(tmp_path)
    first = store.get_or_compute(Alpha158Features(), bars)
    second = store.get_or_compute(Alpha158Features(), bars)
    pd.testing.assert_frame_equal(second, first, check_exact=True)
    assert second.attrs == first.attrs
    assert second.index.dtype == first.index.dtype
    assert (store.stats.hits, store.stats.misses) == (1, 1)
    fresh = Alpha158Features().fit_transform(bars)
    pd.testing.assert_frame_equal(second, fresh, check_exact=True)


def test_get_or_compute_when_data_changes_then_miss(tmp_path, bars):
    store = FeatureStore(tmp_path)
    store.get_or_compute(TechnicalFeatures(), bars)
    changed = bars.copy()
    changed.iloc[-1, changed.columns.get_loc("close")] *= 1.0001
    assert store.key(TechnicalFeatures(), changed) != store.key(TechnicalFeatures(), bars)
    out = store.get_or_compute(TechnicalFeatures(), changed)
    assert store.stats.misses == 2 and store.stats.hits == 0
    assert out["ret_1"].iloc[-1] != TechnicalFeatures().fit_transform(bars)["ret_1"].iloc[-1]


def test_get_or_compute_when_params_change_then_miss(tmp_path, bars):
    store = FeatureStore(tmp_path)
    store.get_or_compute(TechnicalFeatures(), bars)
    out = store.get_or_compute(TechnicalFeatures(rsi_period=21), bars)
    assert store.stats.misses == 2
    assert "rsi_21" in out.columns


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_get_or_compute_when_file_corrupt_then_recomputed_not_served(tmp_path, bars, damage):
    store = FeatureStore(tmp_path)
    feature_set = TechnicalFeatures()
    expected = store.get_or_compute(feature_set, bars)
    path = store.path(store.key(feature_set, bars))
    raw = path.read_bytes()
    path.write_bytes(
        {"garbage": b"not parquet at all" * 50, "truncated": raw[: len(raw) // 2], "empty": b""}[
            damage
        ]
    )
    again = store.get_or_compute(feature_set, bars)
    pd.testing.assert_frame_equal(again, expected, check_exact=True)
    assert store.stats.recomputed_corrupt == 1
    third = store.get_or_compute(feature_set, bars)  # the rewritten file is served again
    pd.testing.assert_frame_equal(third, expected, check_exact=True)
    assert store.stats.hits == 1


def test_get_or_compute_when_values_tampered_then_checksum_refuses_them(tmp_path, bars):
    store = FeatureStore(tmp_path)
    feature_set = TechnicalFeatures()
    expected = store.get_or_compute(feature_set, bars)
    path = store.path(store.key(feature_set, bars))
    table = pq.read_table(path)
    tampered = table.to_pandas()
    tampered.iloc[500, 0] += 1.0  # a readable file with one wrong value
    new = pa.Table.from_pandas(tampered, preserve_index=True).replace_schema_metadata(
        table.schema.metadata
    )
    pq.write_table(new, path)
    again = store.get_or_compute(feature_set, bars)
    pd.testing.assert_frame_equal(again, expected, check_exact=True)
    assert store.stats.recomputed_corrupt == 1


def test_clear_when_called_then_files_removed_and_next_call_misses(tmp_path, bars):
    store = FeatureStore(tmp_path)
    store.get_or_compute(TechnicalFeatures(), bars)
    assert store.clear() == 1
    store.get_or_compute(TechnicalFeatures(), bars)
    assert store.stats.misses == 2
