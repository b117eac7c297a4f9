"""Purged splitters: no train label overlaps a test label, the embargo holds, sklearn takes them."""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.features.labels import triple_barrier_labels
from signaltrust.ml.validation import CombinatorialPurgedKFold, PurgedKFold, WalkForwardSplit


def _t1(gaps, horizons):
    """Irregular timestamps (gaps in days) and labels ending ``horizons`` samples later."""
    days = np.cumsum(gaps)
    index = pd.DatetimeIndex(
        pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(days, "D")
    ).as_unit("ns")
    end = np.minimum(np.arange(len(index)) + np.asarray(horizons), len(index) - 1)
    return pd.Series(index[end], index=index)


def _runs(test):
    """Contiguous runs of test positions."""
    breaks = np.flatnonzero(np.diff(test) != 1) + 1
    return np.split(test, breaks)


def _assert_no_leak(t1, train, test, embargo):
    t0 = t1.index.to_numpy()
    end = t1.to_numpy()
    assert len(np.intersect1d(train, test)) == 0
    # every pair (train i, test j): [t0_i, t1_i] and [t0_j, t1_j] do not overlap
    overlap = (t0[train][:, None] <= end[test][None, :]) & (
        end[train][:, None] >= t0[test][None, :]
    )
    assert not overlap.any()
    for run in _runs(test):
        last = end[run].max()
        if isinstance(embargo, pd.Timedelta):
            starts = t0[train]
            assert not ((starts > last) & (starts <= last + embargo.to_timedelta64())).any()
        else:
            first_after = np.searchsorted(t0, last, side="right")
            h = int(np.ceil(embargo * len(t1)))
            assert not ((train >= first_after) & (train < first_after + h)).any()


settings_ = settings(max_examples=60, deadline=None)
sizes = st.integers(12, 150)


@st.composite
def label_sets(draw):
    n = draw(sizes)
    gaps = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    horizons = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    return _t1(gaps, horizons)


embargoes = st.one_of(st.floats(0.0, 0.15), st.integers(0, 10).map(lambda d: pd.Timedelta(days=d)))


@settings_
@given(t1=label_sets(), n_splits=st.integers(2, 6), embargo=embargoes)
def test_purged_kfold_when_any_labels_then_no_leak_and_each_sample_tested_once(
    t1, n_splits, embargo
):
    tested = np.zeros(len(t1), dtype=int)
    for train, test in PurgedKFold(n_splits, t1=t1, embargo=embargo).split(
        pd.DataFrame(index=t1.index)
    ):
        _assert_no_leak(t1, train, test, embargo)
        assert np.all(np.diff(test) == 1)  # contiguous in time
        tested[test] += 1
    assert np.all(tested == 1)


@settings_
@given(
    t1=label_sets(),
    n_splits=st.integers(1, 5),
    embargo=embargoes,
    rolling=st.one_of(st.none(), st.integers(1, 30)),
)
def test_walk_forward_when_any_labels_then_train_precedes_test_and_no_leak(
    t1, n_splits, embargo, rolling
):
    cv = WalkForwardSplit(n_splits, t1=t1, embargo=embargo, train_size=rolling)
    try:
        folds = list(cv.split(t1.to_frame()))
    except ValidationError as error:  # too little data left to train on: refused, not leaked
        assert error.field in {"min_train_size", "test_size", "n_splits"}
        return
    assert len(folds) == n_splits
    t0 = t1.index.to_numpy()
    for train, test in folds:
        assert train.max() < test.min()
        assert t1.to_numpy()[train].max() < t0[test].min()
        if rolling is not None:
            assert len(train) <= rolling
        _assert_no_leak(t1, train, test, embargo)
        start = test.min()
        if isinstance(embargo, pd.Timedelta):
            assert (t0[train] < t0[start] - embargo.to_timedelta64()).all()
        else:
            assert (train < start - int(np.ceil(embargo * len(t1)))).all()
    tests = np.concatenate([test for _, test in folds])
    assert np.all(np.diff(tests) == 1)  # consecutive, non-overlapping test folds


@settings_
@given(t1=label_sets(), n_splits=st.integers(3, 6), k=st.integers(1, 2), embargo=embargoes)
def test_combinatorial_when_any_labels_then_no_leak_and_paths_cover_every_group(
    t1, n_splits, k, embargo
):
    cv = CombinatorialPurgedKFold(n_splits, k, t1=t1, embargo=embargo)
    splits = list(cv.split())
    assert len(splits) == cv.get_n_splits() == comb(n_splits, k)
    tested = np.zeros(len(t1), dtype=int)
    for train, test in splits:
        _assert_no_leak(t1, train, test, embargo)
        tested[test] += 1
    assert np.all(tested == comb(n_splits - 1, k - 1))
    paths = cv.backtest_paths()
    assert paths.shape == (cv.n_paths, n_splits)
    groups = cv.test_groups()
    for path in paths:
        assert all(g in groups[s] for g, s in enumerate(path))


def test_purged_kfold_when_labels_do_not_overlap_and_no_embargo_then_nothing_purged():
    t1 = _t1([1] * 20, [0] * 20)
    for train, test in PurgedKFold(4, t1=t1, embargo=0.0).split():
        assert len(train) + len(test) == 20


def test_purged_kfold_when_labels_span_five_bars_then_neighbours_purged_and_embargo_after():
    t1 = _t1([1] * 40, [5] * 40)
    train, test = list(PurgedKFold(4, t1=t1, embargo=0.05).split())[1]
    assert (test.min(), test.max()) == (10, 19)
    # labels 5..9 end at 10..14, inside the fold; labels 20..24 start before its last end (24)
    assert train.tolist() == [*range(0, 5), *range(27, 40)]  # 25, 26: the 2-sample embargo


def test_cross_val_score_when_cv_is_purged_kfold_then_scores_match_manual_loop():
    bars = load("sp500").iloc[-800:]
    labels = triple_barrier_labels(bars["close"], horizon=10).dropna(subset=["t1"])
    X = pd.DataFrame({"r5": bars["close"].pct_change(5), "r20": bars["close"].pct_change(20)}).loc[
        labels.index
    ]
    keep = X.notna().all(axis=1)
    X, labels = X[keep], labels[keep]
    y = labels["label"].astype(int)
    cv = PurgedKFold(5, t1=labels["t1"], embargo=0.01)
    scores = cross_val_score(LogisticRegression(), X, y, cv=cv)
    manual = []
    for train, test in cv.split(X):
        model = LogisticRegression().fit(X.iloc[train], y.iloc[train])
        manual.append(model.score(X.iloc[test], y.iloc[test]))
    assert len(scores) == 5
    np.testing.assert_allclose(scores, manual)


def test_splitters_when_t1_before_its_index_then_error_names_t1():
    t1 = _t1([1] * 10, [1] * 10)
    t1.iloc[3] = t1.index[0]
    with pytest.raises(ValidationError, match="before its own sample") as info:
        list(PurgedKFold(2, t1=t1).split())
    assert info.value.field == "t1"


def test_splitters_when_index_not_monotonic_then_error_with_sort_fix():
    t1 = _t1([1] * 10, [1] * 10).iloc[[1, 0, *range(2, 10)]]
    with pytest.raises(ValidationError, match="sort") as info:
        list(WalkForwardSplit(2, t1=t1).split())
    assert info.value.field == "t1.index"


@pytest.mark.parametrize(
    "cv",
    [PurgedKFold(6), WalkForwardSplit(5), CombinatorialPurgedKFold(6, 2)],
    ids=["kfold", "walkforward", "combinatorial"],
)
def test_splitters_when_too_few_samples_then_error_names_n_splits(cv):
    cv.t1 = _t1([1] * 5, [0] * 5)
    with pytest.raises(ValidationError) as info:
        list(cv.split())
    assert info.value.field == "n_splits" and "lower n_splits" in info.value.fix


def test_splitters_when_t1_has_unknown_labels_then_error_tells_to_drop_them():
    t1 = _t1([1] * 10, [1] * 10)
    t1.iloc[-1] = pd.NaT
    with pytest.raises(ValidationError, match="missing end times"):
        list(PurgedKFold(2, t1=t1).split())


def test_splitters_when_x_index_differs_from_t1_then_error():
    t1 = _t1([1] * 10, [1] * 10)
    X = pd.DataFrame({"a": range(10)}, index=t1.index + pd.Timedelta(days=1))
    with pytest.raises(ValidationError, match="t1.loc"):
        list(PurgedKFold(2, t1=t1).split(X))
    with pytest.raises(ValidationError, match="one row per sample"):
        list(PurgedKFold(2, t1=t1).split(np.zeros((9, 1))))


@pytest.mark.parametrize("embargo", [1.5, -0.1, "5D"])
def test_splitters_when_embargo_invalid_then_error_names_embargo(embargo):
    with pytest.raises(ValidationError) as info:
        list(PurgedKFold(2, t1=_t1([1] * 10, [1] * 10), embargo=embargo).split())
    assert info.value.field == "embargo"


def test_walk_forward_when_embargo_leaves_no_training_then_error_names_min_train_size():
    t1 = _t1([1] * 12, [3] * 12)
    with pytest.raises(ValidationError) as info:
        list(WalkForwardSplit(3, t1=t1, embargo=0.2).split())
    assert info.value.field == "min_train_size"


def test_splitter_repr_when_printed_then_short():
    cv = PurgedKFold(3, t1=_t1([1] * 10, [1] * 10))
    assert repr(cv) == "PurgedKFold(t1=<10 end times>, n_splits=3, embargo=0.01)"


@pytest.mark.slow
def test_docs_when_examples_run_then_they_work_and_purging_lowers_the_leaky_score(capsys):
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "ml_validation.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/ml_validation.md", "exec"), namespace)
    assert namespace["leaky"].mean() > namespace["honest"].mean()
