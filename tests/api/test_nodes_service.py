"""The node service against a real paper node process: start, read, command, stop."""

from __future__ import annotations

import time

import pytest

from signaltrust.api.services.nodes import NodeService
from signaltrust.core.errors import ValidationError
from signaltrust.storage import Database

#: goog's daily bars at about 50 per second
SPEED = "4320000"


def _until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def service(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    database.upgrade()
    nodes = NodeService(database, home=tmp_path / "home", log_dir=tmp_path / "logs")
    yield nodes
    for process in list(nodes._processes.values()):
        if process.poll() is None:
            process.kill()
            process.wait(10)
    database.dispose()


@pytest.mark.slow
def test_node_when_started_then_it_trades_answers_close_and_stops_on_command(service):
    started = service.start("n1", data="goog", strategy="sma_cross", speed=SPEED)
    assert started["status"] == "starting" and started["command"][:2] == ["signaltrust", "paper"]
    service.wait_started("n1")
    assert [n["name"] for n in service.list()] == ["n1"]
    fill = _until(lambda: service.fills("n1"))[0]
    assert fill["side"] == "BUY" and fill["symbol"] == "goog"
    _until(lambda: service.positions("n1"))
    answer = service.command("n1", "close", actor="alice", wait=10)
    assert answer["answered"] and "closing" in answer["answer"]
    sells = _until(lambda: [f for f in service.fills("n1", after=fill["seq"])
                            if f["side"] == "SELL"])
    assert float(sells[0]["position_after"]) == pytest.approx(0.0, abs=1e-9)
    orders = service.orders("n1")
    assert {"client_order_id", "status", "symbol"} <= set(orders[0])
    pnl = service.pnl("n1")[0]
    assert pnl["start_cash"] == 100_000.0
    assert pnl["pnl"] == pytest.approx(pnl["equity"] - 100_000.0)
    stop = service.command("n1", "stop", actor="alice", wait=10)
    assert stop["answer"] == "stopping"
    assert _until(lambda: service.get("n1")["status"] == "stopped")
    logs = service.journal("n1", ("command",))
    assert [c["command"] for c in logs] == ["close", "stop"]
    assert all(c["actor"] == "alice" for c in logs)


def test_node_when_name_or_data_is_bad_then_refused_before_a_process_starts(service):
    with pytest.raises(ValidationError) as caught:
        service.start("bad name!", data="goog", strategy="sma_cross")
    assert caught.value.field == "name"
    with pytest.raises(ValidationError) as caught:
        service.start("n2", data="/tmp/x.csv", strategy="sma_cross")
    assert caught.value.field == "data"
    with pytest.raises(ValidationError) as caught:
        service.start("n2", data="goog", strategy="sma_cross", speed="-3")
    assert caught.value.field == "speed"
    assert service._processes == {}


def test_command_when_node_is_unknown_then_refused_naming_it(service):
    with pytest.raises(ValidationError) as caught:
        service.command("ghost", "stop", actor="alice")
    assert caught.value.field == "name"
