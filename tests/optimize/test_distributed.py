"""Fan-out: in-process by default, Ray when configured, the same results either way."""

from __future__ import annotations

import pytest

from signaltrust.backtest.api import load_bars
from signaltrust.backtest.sweep import sweep
from signaltrust.core.errors import ValidationError
from signaltrust.optimize import distributed
from signaltrust.optimize.distributed import (
    distributed_sweep,
    fan_out,
    ray_address,
    ray_available,
    split_grid,
)


def _square(x, *, offset):
    return x * x + offset


def test_fan_out_when_in_process_then_results_in_input_order():
    seen = []
    out = fan_out(_square, [3, 1, 2], shared={"offset": 1}, ray=False,
                  progress=lambda d, t: seen.append((d, t)))
    assert out == [10, 2, 5]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_ray_address_when_option_given_then_local_address_or_in_process(monkeypatch):
    monkeypatch.setenv(distributed.ENV_ADDRESS, "ray://head:10001")  # the library ignores it
    assert ray_address(None) is None
    assert ray_address(False) is None
    assert ray_address(True) == "local"
    assert ray_address(" ray://head:10001 ") == "ray://head:10001"


def test_ray_option_when_environment_names_a_cluster_then_it_wins_over_the_flag():
    env = {distributed.ENV_ADDRESS: "ray://head:10001"}
    assert distributed.ray_option(False, env) == "ray://head:10001"
    assert distributed.ray_option(True, env) == "ray://head:10001"
    assert distributed.ray_option(True, {}) is True
    assert distributed.ray_option(False, {}) is None


def test_split_grid_when_chunked_then_union_is_the_grid():
    grid = {"fast": [5, 10], "slow": list(range(20, 101, 10))}
    parts = split_grid(grid, 4)
    assert 1 < len(parts) <= 4
    assert sum((p["slow"] for p in parts), []) == grid["slow"]
    assert all(p["fast"] == grid["fast"] for p in parts)


def test_distributed_sweep_when_chunks_in_process_then_equals_one_sweep():
    bars = load_bars("goog").iloc[:800]
    grid = {"fast": [5, 10, 15], "slow": [20, 40, 60, 80]}
    whole = sweep(bars, "sma_cross", grid=grid).table
    parts = distributed_sweep(bars, "sma_cross", grid, chunks=3, ray=False)
    key = ["fast", "slow"]
    left = whole.sort_values(key).reset_index(drop=True)
    right = parts.sort_values(key).reset_index(drop=True)
    assert left.equals(right)


def test_fan_out_when_ray_requested_but_missing_then_error_names_the_fix(monkeypatch):
    if ray_available():
        pytest.skip("Ray is installed here; the missing-Ray message cannot be shown")
    with pytest.raises(ValidationError, match="distributed"):
        fan_out(_square, [1], shared={"offset": 0}, ray=True)


def test_worth_ray_when_estimate_below_the_start_up_then_in_process():
    assert not distributed.worth_ray(0.05, 100)  # 5 s of backtests: not worth starting Ray
    assert distributed.worth_ray(2.0, 40)  # 80 s: worth it
    assert distributed.worth_ray(0.05, 100, running=True)  # Ray already up: cheap tasks pay
    assert not distributed.worth_ray(0.001, 100, running=True)
    assert distributed.worth_ray(0.0, 1, min_seconds=0)


def test_fan_out_when_ray_asked_for_small_work_then_it_stays_in_process():
    if not ray_available():
        pytest.skip("Ray is not installed (optional extra: pip install 'signaltrust[distributed]')")
    import ray

    seen = []
    out = fan_out(_square, [3, 1, 2], shared={"offset": 1}, ray=True,
                  progress=lambda d, t: seen.append((d, t)))
    assert out == [10, 2, 5] and seen == [(1, 3), (2, 3), (3, 3)]
    assert not ray.is_initialized()  # never started: the work was a few microseconds


@pytest.mark.slow
def test_walk_forward_when_ray_then_same_result_as_in_process(monkeypatch):
    if not ray_available():
        pytest.skip("Ray is not installed (optional extra: pip install 'signaltrust[distributed]')")
    # the work here is small: lower the thresholds so that it really runs on Ray
    monkeypatch.setattr(distributed, "RAY_MIN_SECONDS", 0.0)
    monkeypatch.setattr(distributed, "RAY_MIN_SECONDS_WARM", 0.0)
    from signaltrust.optimize.search import optimize
    from signaltrust.optimize.walkforward import walk_forward

    bars = load_bars("goog").iloc[:1100]
    kwargs = {"grid": ["fast=5:25:10", "slow=40:80:20"], "train_bars": 500, "test_bars": 300}
    local = walk_forward(bars, "sma_cross", ray=False, **kwargs)
    try:
        remote = walk_forward(bars, "sma_cross", ray=True, **kwargs)
        searched = [optimize(bars, "sma_cross", space={"fast": range(5, 30), "slow":
                                                       range(35, 90)}, method="tpe",
                             n_trials=8, n_jobs=4, storage="memory", seed=3, ray=flag)
                    for flag in (False, True)]
    finally:
        distributed.shutdown()
    assert local.windows.equals(remote.windows)
    assert local.equity.equals(remote.equity)
    assert local.pbo == remote.pbo and local.deflated_sharpe == remote.deflated_sharpe
    columns = ["fast", "slow", "sharpe_ratio"]
    assert searched[0].trials[columns].equals(searched[1].trials[columns])
