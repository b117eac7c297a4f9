"""Helpers of the trading-node tests: a paper node's configuration, running it, reading what
its journal holds, and running it in a child process that the test kills with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections import Counter
from typing import Any

import pandas as pd

from signaltrust.live import codec
from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig
from signaltrust.live.feeds import ReplayFeed
from signaltrust.live.node import NodeResult, TradingNode
from signaltrust.storage import Database, Journal, open_database


def paper_config(name: str, spec: str = "sma_cross", params: dict | None = None,
                 **node: Any) -> NodeConfig:
    account = AccountConfig(strategies=[StrategyConfig(spec=spec, params=params or {})])
    return NodeConfig(name=name, data=["sp500"], accounts=[account], **node)


def run_node(config: NodeConfig, database: Database, frames: dict[str, pd.DataFrame],
             **options: Any) -> NodeResult:
    return asyncio.run(TradingNode(config, database, frames=frames, **options).run())


def crash_after(config: NodeConfig, database: Database, frames: dict[str, pd.DataFrame],
                steps: int) -> None:
    """Run a node for ``steps`` bars, commit, and leave it as a crash would (no snapshot)."""
    node = TradingNode(config, database, frames=frames)
    node.recover()

    async def play() -> None:
        taken = 0
        async for bars in ReplayFeed(node.frames):
            node.step("bars", max(b.end_ns for b in bars),
                      {"bars": [codec.bar_payload(b) for b in bars]})
            taken += 1
            if taken == steps:
                break

    asyncio.run(play())
    node.commit()


def fills(database: Database, name: str) -> list[tuple]:
    """Every fill the journal holds: account, fill id, quantity, price, fee, cash and
    position after it."""
    return [(e.payload["account"], e.payload["fill_id"], e.payload["quantity"],
             e.payload["price"], e.payload["fee"], e.payload["cash_after"],
             e.payload["position_after"])
            for e in Journal(database, name).entries() if e.kind == "fill"]


def submitted_ids(database: Database, name: str) -> list[str]:
    """The client order ids of every order the journal says was submitted."""
    return [e.payload["client_order_id"] for e in Journal(database, name).entries()
            if e.kind == "order" and e.payload["status"] == "SUBMITTED"]


def sent_twice(ids: list[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def kill_loop(url: str | None, home: str, config: NodeConfig, frames: dict[str, pd.DataFrame],
              *, kills: int, expected_entries: int, seed: int = 0,
              schema: str | None = None) -> list[int]:
    """Run the node in a forked child and SIGKILL it, ``kills`` times, restarting it each time
    from its journal; then let it finish. Returns the journal's length after each kill.

    About 40 % of the kills come at a random moment of the start (opening, recovery, replay);
    the rest once the journal has grown to a random point a little further on
    (``expected_entries`` is an uninterrupted run's journal length), so that the kills spread
    over the whole run whatever the machine's speed. A node that finishes before all the kills
    were made is started again and killed while it starts (it recovers, finds nothing left)."""
    rng = random.Random(seed)
    lengths: list[int] = []
    observer = open_database(url, home, schema=schema)
    journal = Journal(observer, config.name)
    finished = False
    for _ in range(50 * kills):
        pid = os.fork()
        if pid == 0:  # the child: a fresh engine on the same database, run to the end
            code = 1
            try:
                database = open_database(url, home, schema=schema)
                run_node(config, database, frames)
                code = 0
            finally:
                os._exit(code)
        status = None
        if len(lengths) < kills:
            if finished or rng.random() < 0.4:
                time.sleep(rng.uniform(0.0, 0.03 if finished else 0.1))
            else:
                now = journal.count()
                left = max(1.0, 0.6 * (kills - len(lengths)))  # the progressing kills to come
                target = now + rng.uniform(0.05, 0.5) * max(expected_entries - now, 0) / left
                while journal.count() < target:
                    done, code = os.waitpid(pid, os.WNOHANG)
                    if done:
                        status = code
                        break
                    time.sleep(0.002)
            if status is None:
                os.kill(pid, signal.SIGKILL)
        if status is None:
            _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status):
            if os.WEXITSTATUS(status) != 0:
                raise AssertionError(f"the node exited with {os.WEXITSTATUS(status)}")
            finished = True
            if len(lengths) >= kills:
                observer.dispose()
                return lengths
            continue
        lengths.append(journal.count())
    raise AssertionError(f"only {len(lengths)} of {kills} kills landed")
