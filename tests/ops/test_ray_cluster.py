"""A Ray cluster started as a deployment starts one: ``ray start --head`` and a second node with
``ray start --address``, both with token authentication. A sweep and a walk-forward sent to it
from another process give the same numbers as in-process."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow
RAY = Path(sys.executable).with_name("ray")

DRIVER = """
import sys
import pandas as pd
import ray
from signaltrust.backtest.api import load_bars
from signaltrust.backtest.sweep import sweep
from signaltrust.optimize import distributed
from signaltrust.optimize.walkforward import walk_forward

address, out = sys.argv[1], sys.argv[2]
# the work is small: lower the thresholds so that it really goes to the cluster
distributed.RAY_MIN_SECONDS = distributed.RAY_MIN_SECONDS_WARM = 0.0
distributed.ensure_ray(address)
import time
deadline = time.monotonic() + 90
while len([n for n in ray.nodes() if n["Alive"]]) < 2 and time.monotonic() < deadline:
    time.sleep(0.5)
alive = [n for n in ray.nodes() if n["Alive"]]
assert len(alive) == 2 and all(n["Resources"].get("CPU") == 1 for n in alive), alive
bars = load_bars("goog").iloc[:1100]
grid = {"fast": [5, 10, 15, 20], "slow": [30, 50, 70, 90]}
distributed.distributed_sweep(bars, "sma_cross", grid, chunks=4, ray=address).to_parquet(
    out + "/sweep_ray.parquet")
sweep(bars, "sma_cross", grid=grid).table.to_parquet(out + "/sweep_local.parquet")
kwargs = {"grid": ["fast=5:25:10", "slow=40:80:20"], "train_bars": 500, "test_bars": 300}
walk_forward(bars, "sma_cross", ray=address, **kwargs).windows.to_parquet(out + "/wf_ray.parquet")
distributed.shutdown()
walk_forward(bars, "sma_cross", ray=False, **kwargs).windows.to_parquet(out + "/wf_local.parquet")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen) -> None:
    """Stop a ``ray start --block`` and every process it started (its own process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def test_ray_cluster_when_started_with_ray_start_then_sweep_and_walk_forward_equal_in_process(
        tmp_path):
    if not RAY.exists():
        pytest.skip("Ray is not installed (optional extra: pip install 'signaltrust[distributed]')")
    port = _free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
           "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--block", "--num-cpus=1", "--disable-usage-stats"]
    # a short folder: Ray's socket paths must stay under the operating system's limit
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    address = f"127.0.0.1:{port}"
    started: list[subprocess.Popen] = []
    try:
        started.append(subprocess.Popen(  # noqa: S603 - the ray CLI of this environment
            [str(RAY), "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1",
             "--include-dashboard=false", f"--temp-dir={temp}", *common],
            env=env, stdout=(tmp_path / "head.log").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True))
        deadline = time.monotonic() + 90
        while "will now block" not in (tmp_path / "head.log").read_text():
            assert started[0].poll() is None, (tmp_path / "head.log").read_text()[-2000:]
            assert time.monotonic() < deadline, (tmp_path / "head.log").read_text()[-2000:]
            time.sleep(0.5)
        started.append(subprocess.Popen(  # noqa: S603
            [str(RAY), "start", f"--address={address}", "--node-ip-address=127.0.0.1", *common],
            env=env, stdout=(tmp_path / "worker.log").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True))
        driver = subprocess.run(  # noqa: S603 - this interpreter running the script above
            [sys.executable, "-c", DRIVER, address, str(tmp_path)], env=env,
            capture_output=True, text=True, timeout=300, check=False)
        assert driver.returncode == 0, driver.stderr[-3000:]
    finally:
        for process in reversed(started):
            _stop(process)
        shutil.rmtree(temp, ignore_errors=True)
    for name in ("sweep", "wf"):
        remote = pd.read_parquet(tmp_path / f"{name}_ray.parquet")
        local = pd.read_parquet(tmp_path / f"{name}_local.parquet")
        assert len(local) > 0
        if name == "sweep":
            remote = remote.sort_values(["fast", "slow"]).reset_index(drop=True)
            local = local.sort_values(["fast", "slow"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(remote, local, check_exact=True)
