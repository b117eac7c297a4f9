"""Sweeps and threads: the rows never depend on the thread count, and nothing is process-global."""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import threading
import time

import numba
import numpy as np
import pytest

from signaltrust.backtest.nb import threads as nb_threads
from signaltrust.backtest.sweep import sweep

SMA_GRID = {"fast": list(range(5, 30, 3)), "slow": list(range(20, 120, 10))}
BOLLINGER_GRID = {"period": [10, 20, 30], "rsi_entry": [25.0, 35.0]}


def _busy_loop() -> None:
    x = 0
    while True:
        x = (x + 1) % 1_000_003


@pytest.mark.parametrize(
    ("strategy", "grid", "options"),
    [
        ("sma_cross", SMA_GRID, {"params": {"allow_short": True}}),  # the fused pass
        ("bollinger_rsi", BOLLINGER_GRID, {}),  # the general pass
        ("sma_cross", {"fast": [5, 10], "slow": [30, 60]}, {"sl_stop": 0.05}),  # with stops
    ],
)
def test_sweep_when_one_or_two_threads_then_identical_tables(strategy, grid, options):
    one = sweep(["goog", "sp500"], strategy, grid, threads=1, **options)
    two = sweep(["goog", "sp500"], strategy, grid, threads=2, **options)
    assert one.threads == 1 and two.threads == min(2, numba.config.NUMBA_NUM_THREADS)
    assert one.table.equals(two.table)


def test_sweep_when_two_python_threads_sweep_at_once_then_same_rows_as_one_after_the_other():
    jobs = {
        "cross": lambda: sweep("goog", "sma_cross", SMA_GRID, threads=2),
        "general": lambda: sweep("sp500", "bollinger_rsi", BOLLINGER_GRID, threads=1),
    }
    sequential = {name: job().table for name, job in jobs.items()}
    start = threading.Barrier(len(jobs))
    concurrent: dict[str, object] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            start.wait()
            for _ in range(3):
                concurrent[name] = jobs[name]().table
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(name,)) for name in jobs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    for name, table in sequential.items():
        assert concurrent[name].equals(table)


def test_sweep_when_done_then_the_calling_threads_numba_count_is_unchanged():
    before = numba.get_num_threads()
    sweep("goog", "sma_cross", SMA_GRID, threads=1)
    assert numba.get_num_threads() == before
    seen: dict[str, int] = {}

    def other() -> None:  # numba's thread count is per thread: another thread's stays its own
        numba.set_num_threads(1)
        sweep("goog", "sma_cross", SMA_GRID, threads=2)
        seen["other"] = numba.get_num_threads()

    worker = threading.Thread(target=other)
    worker.start()
    worker.join()
    assert seen["other"] == 1
    assert numba.get_num_threads() == before


MODULES = [
    "signaltrust.backtest.sweep", "signaltrust.backtest.vectorized", "signaltrust.backtest.nb",
    *(f"signaltrust.backtest.nb.{name}" for name in (
        "account", "layout", "orders", "running", "signals", "steps", "stops",
        "sweep", "sweep_cross", "targets", "threads",
    )),
    "signaltrust.strategy.nb",
]


@pytest.mark.parametrize("module_name", MODULES)
def test_sweep_modules_when_imported_then_hold_no_mutable_module_state(module_name):
    module = importlib.import_module(module_name)
    for name, value in vars(module).items():
        if name.startswith("__"):
            continue
        assert not isinstance(value, (dict, list, set, bytearray, np.ndarray)), (
            f"{module_name}.{name} is mutable module state: keep it in a run object"
        )


def test_plan_threads_when_count_given_then_exactly_that_many_up_to_numbas_pool():
    assert nb_threads.plan_threads(1).threads == 1
    pool = numba.config.NUMBA_NUM_THREADS
    assert nb_threads.plan_threads(pool + 5).threads == pool
    assert nb_threads.plan_threads(0).threads == 1


def test_plan_threads_when_no_count_then_between_one_and_the_calling_threads_numba_count():
    plan = nb_threads.plan_threads()
    assert 1 <= plan.threads <= numba.get_num_threads()
    assert plan.requested is None and plan.usable_cpus >= 1


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="needs Linux's /proc")
def test_plan_threads_when_another_process_keeps_a_cpu_busy_then_that_cpu_is_left_out(
    monkeypatch,
):
    monkeypatch.setattr(nb_threads, "usable_cpus", lambda: 2)
    monkeypatch.setattr(numba, "threading_layer", lambda: "omp")
    burner = mp.get_context("spawn").Process(target=_busy_loop, daemon=True)
    burner.start()
    try:
        deadline = time.monotonic() + 30
        while nb_threads.busy_cpus() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # until the child runs its loop
        plan = nb_threads.plan_threads()
        assert plan.busy_cpus is not None and plan.busy_cpus >= 1
        assert plan.threads == 1
    finally:
        burner.terminate()
        burner.join()


def test_plan_threads_when_run_queue_unreadable_then_numbas_count_capped_by_the_cpus(
    monkeypatch,
):
    def unreadable() -> int:
        raise OSError("no /proc")

    monkeypatch.setattr(nb_threads, "_runnable_tasks", unreadable)
    monkeypatch.setattr(numba, "threading_layer", lambda: "omp")
    plan = nb_threads.plan_threads()
    assert plan.busy_cpus is None
    assert plan.threads == max(1, min(numba.get_num_threads(), plan.usable_cpus))


def test_plan_threads_when_tbb_layer_then_numbas_count_without_reading_the_load(monkeypatch):
    def unexpected(samples: int = 0) -> int:
        raise AssertionError("the load is not read with TBB")

    monkeypatch.setattr(nb_threads, "busy_cpus", unexpected)
    monkeypatch.setattr(numba, "threading_layer", lambda: "tbb")
    plan = nb_threads.plan_threads()
    assert plan.busy_cpus is None
    assert plan.threads == max(1, min(numba.get_num_threads(), plan.usable_cpus))


def test_sweep_when_threads_not_given_then_the_result_says_how_many_ran():
    table = sweep("goog", "sma_cross", {"fast": [10], "slow": [30]})
    assert 1 <= table.threads <= numba.get_num_threads()
