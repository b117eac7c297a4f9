"""PBO by CSCV: a hand-computed case, brute force, pure noise and a real edge."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from signaltrust.core.errors import ValidationError
from signaltrust.optimize import probability_of_backtest_overfitting


def _hand_case() -> pd.DataFrame:
    # A shines in the first half only, B earns 1 every block, C earns nothing
    return pd.DataFrame({"A": [4.0, 4.0, -4.0, -4.0], "B": [1.0] * 4, "C": [0.0] * 4})


def test_pbo_when_hand_computed_four_blocks_then_one_third():
    # splits (in-sample blocks): {0,1} picks A, OOS rank 1 of 3 -> w = 1/4, logit ln(1/3);
    # {0,2} {0,3} {1,2} {1,3} pick B (mean 1 > 0 > ... ), OOS rank 3 -> w = 3/4, logit ln 3;
    # {2,3} picks B, OOS A = 4 > B = 1 > C -> rank 2, w = 1/2, logit 0 (counted as overfit)
    result = probability_of_backtest_overfitting(_hand_case(), n_partitions=4, metric="mean")
    assert result.n_splits == 6
    np.testing.assert_allclose(
        result.logits, [math.log(1 / 3), math.log(3), math.log(3), math.log(3), math.log(3), 0.0]
    )
    assert result.pbo == pytest.approx(2 / 6)
    assert [result.configurations[i] for i in result.chosen] == ["A", "B", "B", "B", "B", "B"]
    np.testing.assert_allclose(result.is_performance, [4, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(result.oos_performance, [-4, 1, 1, 1, 1, 1])
    # least squares through (4, -4) and five (1, 1): slope -12.5 / 7.5
    assert result.degradation_slope == pytest.approx(-5 / 3)
    assert result.prob_oos_loss == pytest.approx(1 / 6)


def test_pbo_when_metric_is_a_function_then_same_as_compiled_mean():
    compiled = probability_of_backtest_overfitting(_hand_case(), n_partitions=4, metric="mean")
    custom = probability_of_backtest_overfitting(
        _hand_case(), n_partitions=4, metric=lambda rows: rows.mean(axis=0)
    )
    np.testing.assert_allclose(custom.logits, compiled.logits)
    assert custom.pbo == compiled.pbo


def _brute_force(values: np.ndarray, s: int) -> tuple[list[float], list[int]]:
    """CSCV written out directly: Sharpe per column on the rows of each split."""
    size = len(values) // s
    values = values[len(values) - size * s :]
    blocks = [values[i * size : (i + 1) * size] for i in range(s)]
    logits, chosen = [], []
    for combo in itertools.combinations(range(s), s // 2):
        ins = np.vstack([blocks[i] for i in combo])
        oos = np.vstack([blocks[i] for i in range(s) if i not in combo])
        is_sr = ins.mean(axis=0) / ins.std(axis=0, ddof=1)
        oos_sr = oos.mean(axis=0) / oos.std(axis=0, ddof=1)
        best = int(np.argmax(is_sr))
        w = rankdata(oos_sr)[best] / (values.shape[1] + 1)
        logits.append(math.log(w / (1 - w)))
        chosen.append(best)
    return logits, chosen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pbo_when_compared_with_brute_force_then_same_logits(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(0.001, 0.01, (43, 5))  # 43 rows: the 3 oldest are dropped for S = 4
    result = probability_of_backtest_overfitting(values, n_partitions=4)
    logits, chosen = _brute_force(values, 4)
    np.testing.assert_allclose(result.logits, logits, rtol=1e-10)
    assert result.chosen.tolist() == chosen
    assert result.rows_dropped == 3 and result.rows_used == 40


def test_pbo_when_pure_noise_then_about_one_half_on_average():
    rng = np.random.default_rng(2015)
    values = [
        probability_of_backtest_overfitting(rng.normal(0, 0.01, (400, 20)), n_partitions=8).pbo
        for _ in range(30)
    ]
    assert np.mean(values) == pytest.approx(0.5, abs=0.12)


def test_pbo_when_one_strategy_has_a_real_edge_then_near_zero():
    rng = np.random.default_rng(42)
    values = rng.normal(0.0, 0.01, (1000, 50))
    values[:, 17] += 0.003  # Sharpe 0.3 per bar: found in every split
    result = probability_of_backtest_overfitting(values)
    assert result.pbo < 0.05
    assert result.chosen_counts().index[0] == 17
    assert result.prob_oos_loss < 0.05


def test_pbo_when_sharpe_annualised_then_ranks_and_pbo_unchanged():
    values = np.random.default_rng(4).normal(0, 0.01, (200, 6))
    plain = probability_of_backtest_overfitting(values, n_partitions=8)
    annual = probability_of_backtest_overfitting(values, n_partitions=8, periods_per_year=252)
    assert annual.pbo == plain.pbo
    np.testing.assert_allclose(annual.is_performance, plain.is_performance * math.sqrt(252))


def test_pbo_when_constant_column_then_it_ranks_last_not_first():
    values = np.random.default_rng(9).normal(0.0, 0.01, (80, 4))
    values[:, 0] = 0.0  # never trades: Sharpe undefined
    result = probability_of_backtest_overfitting(values, n_partitions=4)
    assert 0 not in result.chosen


def test_pbo_when_partitions_odd_then_error_names_n_partitions():
    with pytest.raises(ValidationError, match="n_partitions"):
        probability_of_backtest_overfitting(np.zeros((100, 3)), n_partitions=5)


def test_pbo_when_nan_returns_then_error_says_fill():
    values = np.random.default_rng(0).normal(0, 0.01, (100, 3))
    values[5, 1] = np.nan
    with pytest.raises(ValidationError, match="fillna"):
        probability_of_backtest_overfitting(values, n_partitions=4)
