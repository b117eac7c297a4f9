"""Walk-forward evaluation: no leakage, honest metrics, reproducible, strategy vs buy-and-hold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.data import load
from signaltrust.features import FeatureSet, TechnicalFeatures
from signaltrust.research.ml_eval import (
    brier_score,
    hit_rate,
    information_coefficient,
    precision_at_top,
    reliability_table,
    roc_auc,
    walk_forward_evaluation,
)
from signaltrust.research.ml_eval.trading import deflated_sharpe

SMALL_LGBM = {"n_estimators": 50, "num_leaves": 15}


@pytest.fixture(scope="module")
def sp500_slice() -> pd.DataFrame:
    return load("sp500").loc["2007-01-01":"2016-12-31"]


@pytest.fixture(scope="module")
def evaluation(sp500_slice):
    return walk_forward_evaluation(
        sp500_slice, "lgbm", label="triple_barrier", horizon=10, n_splits=3,
        model_params=SMALL_LGBM, seed=7, explain_last=2,
    )


def random_walk_bars(n: int = 2600, seed: int = 3) -> pd.DataFrame:
    """Bars whose returns are independent of everything before them: nothing is predictable."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0.0, 0.002, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.005, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.005, n))
    index = pd.bdate_range("2000-01-03", periods=n, tz="UTC").as_unit("ns")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                         "volume": rng.uniform(1e6, 2e6, n)}, index=index)


class PeekingFeatures(FeatureSet):
    """A deliberately broken set: tomorrow's return as a feature (a planted look-ahead leak)."""

    def _plan(self, bars):
        return ["next_return"], {}

    def _compute(self, bars):
        close = bars["close"].to_numpy()
        out = np.full(len(close), np.nan)
        out[:-1] = close[1:] / close[:-1] - 1.0
        return {"next_return": out}


# ------------------------------------------------------------------ metrics on constructed cases


def test_information_coefficient_when_score_is_monotone_in_return_then_plus_or_minus_one():
    returns = np.array([-0.03, 0.01, 0.02, -0.01, 0.05, 0.0, 0.04])
    assert information_coefficient(np.exp(returns * 10), returns) == pytest.approx(1.0)
    assert information_coefficient(-returns, returns) == pytest.approx(-1.0)
    assert np.isnan(information_coefficient(np.ones(7), returns))


def test_hit_rate_when_half_the_calls_are_right_then_one_half():
    score = np.array([0.9, 0.8, 0.2, 0.1, 0.5])  # the last makes no call
    fwd = np.array([0.01, -0.02, -0.01, 0.03, 0.02])
    assert hit_rate(score, fwd) == pytest.approx(0.5)


def test_precision_at_top_when_top_decile_is_all_positive_then_one_and_base_rate_lower():
    score = np.arange(20, dtype=float)
    positive = np.r_[np.zeros(18), np.ones(2)]  # the two highest scores are the positives
    assert precision_at_top(score, positive, 0.1) == 1.0
    assert precision_at_top(-score, positive, 0.1) == 0.0


def test_brier_and_auc_when_probabilities_are_perfect_or_constant_then_known_values():
    y = np.array([0, 1, 1, 0, 1])
    assert brier_score(y.astype(float), y) == 0.0
    assert brier_score(np.full(5, 0.5), y) == pytest.approx(0.25)
    assert roc_auc(np.array([0.1, 0.9, 0.8, 0.2, 0.7]), y) == 1.0
    assert roc_auc(np.full(5, 0.3), y) == pytest.approx(0.5)


def test_reliability_table_when_scores_are_deciles_then_one_row_per_decile():
    score = np.repeat(np.linspace(0.05, 0.95, 10), 10)
    positive = (np.arange(100) % 10 < score * 10).astype(float)
    table = reliability_table(score, positive, np.zeros(100))
    assert len(table) == 10 and table["count"].sum() == 100
    assert np.allclose(table["mean_score"], np.linspace(0.05, 0.95, 10))
    assert table["observed_rate"].is_monotonic_increasing


# ------------------------------------------------------------------ the pipeline


def test_walk_forward_when_evaluated_then_every_training_fold_ends_before_its_test_fold(
    evaluation,
):
    n = evaluation.params["rows_dropped"]  # recorded
    assert n["warm_up"] >= 199  # the SMA(200) warm-up is dropped, not filled
    predictions = evaluation.predictions
    embargo_rows = int(np.ceil(0.01 * (len(predictions) / 3 * 4)))  # ~1% of the samples
    for fold in evaluation.folds:
        assert fold["train_last_t1"] < fold["test_start"]  # purged: no label reaches the fold
        assert fold["train_end"] < fold["test_start"]
        assert fold["gap_bars"] >= embargo_rows - 1  # the embargo gap before the fold
        rows = predictions[predictions["fold"] == fold["fold"]]
        assert rows.index.min() == fold["test_start"] and rows.index.max() == fold["test_end"]
    assert predictions.index.is_monotonic_increasing and predictions.index.is_unique
    assert set(predictions.columns) >= {"score", "label", "forward_return", "fold"}
    assert predictions["score"].between(0, 1).all()


def test_walk_forward_when_same_seed_then_identical_predictions_and_figures(sp500_slice,
                                                                            evaluation):
    again = walk_forward_evaluation(
        sp500_slice, "lgbm", label="triple_barrier", horizon=10, n_splits=3,
        model_params=SMALL_LGBM, seed=7, explain_last=2,
    )
    pd.testing.assert_frame_equal(again.predictions, evaluation.predictions)
    first, second = evaluation.to_dict(), again.to_dict()
    for key in ("ic", "hit_rate", "precision_at_top_decile", "deflated_sharpe", "strategy",
                "buy_and_hold", "data_hash", "seed", "explanations"):
        assert first[key] == second[key], key
    other = walk_forward_evaluation(
        sp500_slice, "lgbm", label="triple_barrier", horizon=10, n_splits=3,
        model_params=SMALL_LGBM, seed=8, explain_last=0,
    )
    assert not np.array_equal(other.predictions["score"], evaluation.predictions["score"])


def test_walk_forward_when_label_is_pure_noise_then_ic_near_zero_and_precision_near_base():
    result = walk_forward_evaluation(
        random_walk_bars(), "lgbm", label="sign", horizon=1, n_splits=3,
        model_params=SMALL_LGBM, explain_last=0,
    )
    m = result.metrics
    n = m["n_predictions"]
    assert n > 1500
    assert abs(m["ic"]) < 4 / np.sqrt(n)  # four standard errors of a zero correlation
    spread = np.sqrt(0.25 / (n * 0.1))
    assert abs(m["precision_at_top_decile"] - m["base_rate"]) < 4 * spread
    assert abs(m["auc"] - 0.5) < 0.06


def test_walk_forward_when_a_feature_peeks_at_the_future_then_the_ic_exposes_the_leak():
    # The pipeline cannot repair a non-causal feature (the truncation tests of features/ do);
    # the noise test above would fail with such a feature, as this one shows.
    result = walk_forward_evaluation(
        random_walk_bars(), "logistic", features=[TechnicalFeatures(), PeekingFeatures()],
        label="sign", horizon=1, n_splits=3, explain_last=0,
    )
    assert result.metrics["ic"] > 0.5
    assert result.metrics["precision_at_top_decile"] > 0.95


def test_walk_forward_when_trading_then_strategy_and_buy_and_hold_share_bars_and_costs(evaluation):
    strategy, bench = evaluation.strategy, evaluation.buy_and_hold_result
    assert strategy.equity.index.equals(bench.equity.index)
    assert strategy.equity.index[0] == evaluation.predictions.index[0]
    assert strategy.settings == bench.settings
    assert strategy.settings["fees"] > 0 and strategy.settings["fill_at"] == "next_open"
    assert evaluation.buy_and_hold["trades"] == 0 and bench.stats["open_trades"] == 1
    assert bench.stats["fees_paid"] > 0  # buy-and-hold pays its entry too
    # entries follow the score: each long entry fills at the open after a bar scored above 0.5
    assert len(strategy.trades) > 0
    scores = evaluation.predictions["score"]
    for when in pd.to_datetime(strategy.trades["entry_time"], utc=True):
        assert scores.loc[:when].iloc[-2] > 0.5


def test_deflated_sharpe_when_more_trials_then_lower(evaluation):
    one, _ = deflated_sharpe(evaluation.strategy, n_trials=1)
    many, how = deflated_sharpe(evaluation.strategy, n_trials=50)
    assert one == pytest.approx(evaluation.deflated_sharpe)
    assert many < one and "n_trials=50" in how


def test_to_dict_when_serialised_then_json_carries_the_headline_keys(evaluation):
    payload = json.loads(json.dumps(to_plain(evaluation), allow_nan=False))
    for key in ("ic", "ic_per_fold", "hit_rate", "precision_at_top_decile", "base_rate", "brier",
                "auc", "deflated_sharpe", "seed", "data_hash", "feature_names", "verdict"):
        assert key in payload, key
    for side in ("strategy", "buy_and_hold"):
        assert {"final_equity", "total_return", "sharpe_ratio", "max_drawdown"} <= set(
            payload[side])
    assert payload["seed"] == 7 and len(payload["data_hash"]) == 64
    assert len(payload["ic_per_fold"]) == 3 and len(payload["reliability"]) == 10


def test_verdict_when_strategy_is_worse_then_it_says_did_not_beat(evaluation):
    beats = evaluation.beats_buy_and_hold
    text = evaluation.verdict()
    assert ("did NOT beat" in text) == (not all(beats.values()))
    assert "deflated Sharpe ratio" in text and "after costs" in text


def test_report_when_written_then_self_contained_html_with_verdict(evaluation, tmp_path):
    path = evaluation.report(tmp_path / "eval.html")
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>") and "plotly" in text
    for anchor in ('id="verdict"', 'id="ic"', 'id="calibration"', 'id="tearsheet"',
                   "buy-and-hold", "Walk-forward folds"):
        assert anchor in text, anchor
    assert evaluation.explanations and all(e["sentence"] for e in evaluation.explanations)
    with pytest.raises(ValidationError):
        evaluation.report(tmp_path / "eval.txt")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"label": "fuzzy"}, "label"), ({"model": "forest"}, "name"),
     ({"features": "sentiment"}, "features"), ({"threshold": 0.5, "exit_threshold": 0.6},
                                               "exit_threshold"),
     ({"horizon": 0}, "horizon"), ({"label": "forward_return", "model": "lgbm_regressor",
                                    "n_trials": 0}, "n_trials")],
)
def test_walk_forward_when_input_is_bad_then_validation_error_names_it(sp500_slice, kwargs,
                                                                       field):
    args = {"model": "logistic", **kwargs}
    with pytest.raises(ValidationError) as err:
        walk_forward_evaluation(sp500_slice, **args)
    assert err.value.field == field


def test_walk_forward_when_label_is_forward_return_then_regressor_scores_around_zero(
    sp500_slice,
):
    result = walk_forward_evaluation(sp500_slice, "logistic", label="forward_return",
                                     horizon=5, n_splits=2, explain_last=0)
    assert type(result.estimator).__name__ == "LinearModel"
    assert result.params["threshold"] == 0.0 and not result.params["probabilistic"]
    assert np.isnan(result.metrics["brier"]) and np.isfinite(result.metrics["ic"])


def test_demo_ml_step_when_run_then_report_under_home_and_honest_comparison(isolated_home):
    from signaltrust.core.config import load_settings
    from signaltrust.research.demo import ml_walkforward

    step = ml_walkforward(load_settings())
    assert step["folds"] == 5 and step["model"] == "lgbm"
    report = Path(step["report_html"])
    assert report.is_relative_to(isolated_home / "reports") and report.stat().st_size > 100_000
    mine, bench = step["strategy"], step["buy_and_hold"]
    beaten = [mine[k] > bench[k] for k in ("total_return", "sharpe_ratio")]
    if not any(beaten):
        assert "did NOT beat buy-and-hold, on total return or on Sharpe ratio" in step["verdict"]
    if all(beaten):
        assert "beat buy-and-hold on both" in step["verdict"]


def test_walk_forward_when_logged_to_registry_then_a_version_with_data_hash_exists(
    sp500_slice, isolated_home
):
    from signaltrust.ml.registry import load_model, tracking_uri

    store = tracking_uri(isolated_home)
    result = walk_forward_evaluation(sp500_slice, "logistic", n_splits=2, explain_last=0,
                                     tracking_uri=store)
    version = result.registry_version
    assert version["data_hash"] == result.data_hash and version["version"] == 1
    assert version["metrics"]["ic"] == pytest.approx(result.metrics["ic"])
    loaded = load_model(version["name"], 1, tracking_uri=store)
    rows = TechnicalFeatures().fit_transform(sp500_slice).loc[result.predictions.index[-5:]]
    np.testing.assert_array_equal(loaded.predict_proba(rows), result.estimator.predict_proba(rows))
    assert result.estimator.predict_proba(rows)[-1, 1] == pytest.approx(
        result.predictions["score"].iloc[-1])  # the logged model is the last fold's


@pytest.mark.slow
def test_docs_ml_when_examples_run_in_order_then_quoted_figures_hold(tmp_path, monkeypatch):
    import re

    docs = Path(__file__).resolve().parents[2] / "docs" / "ml.md"
    monkeypatch.chdir(tmp_path)  # the quick start writes its report to the working folder
    namespace: dict[str, object] = {}
    for index, block in enumerate(re.findall(r"```python\n(.*?)```", docs.read_text(), re.S)):
        exec(compile(block, f"docs/ml.md block {index}", "exec"), namespace)
    assert (tmp_path / "sp500_lgbm_walkforward.html").exists()


def test_walk_forward_when_rolling_window_then_each_fold_trains_on_the_latest_rows(sp500_slice):
    result = walk_forward_evaluation(sp500_slice, "logistic", n_splits=3, train_size=400,
                                     explain_last=0)
    assert [f["n_train"] for f in result.folds] == [400, 400, 400]
    starts = [f["train_start"] for f in result.folds]
    assert starts == sorted(starts) and len(set(starts)) == 3  # the window rolls forward
    with pytest.raises(ValidationError) as err:
        walk_forward_evaluation(sp500_slice, "logistic", train_size=10)
    assert err.value.field == "train_size"
