"""``signaltrust paper``, ``live`` and ``node``: the paper node's JSON equals the event
backtest's, a second start resumes, operators' commands reach the node, live refuses to start
without keys or an unconfirmed --real, and keys never reach the output."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.core.errors import ValidationError

runner = CliRunner()


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_paper_when_json_then_final_equity_and_trades_equal_the_event_backtest():
    import gc

    gc.unfreeze()
    paper = _json(["paper", "--data", "sp500", "--strategy", "sma_cross", "--speed", "max",
                   "--name", "x", "--json"])
    assert gc.get_freeze_count() > 10_000  # a long-lived node: its heap frozen after warm-up
    backtest = _json(["backtest", "--data", "sp500", "--strategy", "sma_cross", "--engine",
                      "event", "--json"])
    assert paper["status"] == "finished"
    assert paper["trades"] == backtest["stats"]["trades"]
    assert abs(paper["final_equity"] - backtest["stats"]["final_equity"]) <= 1e-9 * abs(
        backtest["stats"]["final_equity"])


def test_paper_when_started_again_under_its_name_then_it_resumes_from_its_journal():
    args = ["paper", "--data", "goog", "--param", "fast=5", "--param", "slow=40", "--name",
            "again", "--json"]
    first, second = _json(args), _json(args)
    assert second["final_equity"] == first["final_equity"]
    assert second["journal_entries"] == first["journal_entries"]  # nothing traded twice
    listed = _json(["node", "list", "--json"])["nodes"]
    assert [n["name"] for n in listed] == ["again"]
    status = _json(["node", "status", "again", "--json"])
    assert status["status"] == "finished"
    assert status["accounts"][0]["equity"] == first["final_equity"]


def test_paper_when_resumed_with_other_parameters_then_refused_naming_the_fix():
    assert runner.invoke(app, ["paper", "--data", "goog", "--name", "n1"]).exit_code == 0
    result = runner.invoke(app, ["paper", "--data", "goog", "--param", "fast=7", "--name", "n1"])
    assert result.exit_code == 1
    assert "another configuration" in result.output and "new --name" in result.output
    assert "Traceback" not in result.output


def test_paper_when_name_or_speed_is_bad_then_clear_error():
    result = runner.invoke(app, ["paper", "--data", "goog", "--name", "bad name"])
    assert result.exit_code == 1 and "field: name" in result.output
    result = runner.invoke(app, ["paper", "--data", "goog", "--name", "s", "--speed", "fast"])
    assert result.exit_code == 1 and "speed" in result.output and "Traceback" not in result.output


def test_node_commands_when_node_not_running_then_queued_and_answered_at_its_start():
    assert runner.invoke(app, ["paper", "--data", "goog", "--name", "q"]).exit_code == 0
    queued = _json(["node", "pause", "q", "--wait", "0", "--json"])
    assert queued["answer"].startswith("queued: the node is not running")
    unknown = runner.invoke(app, ["node", "stop", "nobody"])
    assert unknown.exit_code == 1 and "no node named 'nobody'" in unknown.output


def test_node_close_when_a_symbol_is_given_then_the_queued_command_names_it():
    from signaltrust.cli.node import _registry

    assert runner.invoke(app, ["paper", "--data", "goog", "--name", "c"]).exit_code == 0
    one = _json(["node", "close", "c", "--symbol", "goog", "--wait", "0", "--json"])
    every = _json(["node", "close", "c", "--wait", "0", "--json"])
    canceled = _json(["node", "cancel", "c", "--wait", "0", "--json"])
    registry = _registry()
    assert registry.command(one["id"]).args == {"symbol": "goog"}
    assert not registry.command(every["id"]).args
    assert (one["command"], every["command"], canceled["command"]) == ("close", "close", "cancel")
    assert one["answer"].startswith("queued: the node is not running")


def test_live_when_keys_missing_then_refused_naming_the_keys():
    result = runner.invoke(app, ["live", "--broker", "alpaca", "--symbol", "AAPL", "--name",
                                 "l1"])
    assert result.exit_code == 1
    assert "api_key" in result.output and "[venues.alpaca]" in result.output


def test_live_when_real_is_not_confirmed_then_refused_and_keys_stay_hidden(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__VENUES__ALPACA__API_KEY", "PKTESTKEY123456")
    monkeypatch.setenv("SIGNALTRUST__VENUES__ALPACA__SECRET_KEY", "s3cr3tvalue987654")
    result = runner.invoke(app, ["live", "--broker", "alpaca", "--symbol", "AAPL", "--name",
                                 "l1", "--real"], input="yes\n")
    assert result.exit_code == 1
    assert "not confirmed" in result.output
    assert "PKTESTKEY123456" not in result.output and "s3cr3tvalue987654" not in result.output


def test_live_when_broker_is_unknown_then_the_known_ones_are_named():
    result = runner.invoke(app, ["live", "--broker", "nyse", "--symbol", "X", "--name", "l"])
    assert result.exit_code == 1 and "ccxt.<exchange>" in result.output


@pytest.mark.nats
def test_paper_when_the_bus_is_nats_then_its_fills_are_published(monkeypatch):
    from tests.live.bus.conftest import NATS_URL, _opener

    opener = _opener("nats")  # skips (fails in CI) without the server
    name = "cli" + uuid.uuid4().hex[:10]
    monkeypatch.setenv("SIGNALTRUST__BUS__BACKEND", "nats")
    monkeypatch.setenv("SIGNALTRUST__BUS__URL", NATS_URL)
    paper = _json(["paper", "--data", "goog", "--param", "fast=5", "--param", "slow=20",
                   "--name", name, "--json"])

    async def published() -> int:
        bus = await opener()
        try:
            return await bus.last_seq(name)
        finally:
            await bus.delete_node(name)
            await bus.close()

    assert asyncio.run(published()) >= 2 * paper["trades"] > 0


@pytest.mark.slow  # imports ccxt and alpaca-py
def test_open_venue_when_keys_are_configured_then_each_adapter_opens_on_its_paper_endpoint(
        monkeypatch):
    from signaltrust.core.config import load_settings
    from signaltrust.live.venues import missing_keys, open_venue

    for key, value in {"ALPACA__API_KEY": "PK1", "ALPACA__SECRET_KEY": "s1",
                       "OANDA__TOKEN": "t1", "OANDA__ACCOUNT_ID": "101-001-1-001",
                       "CCXT__BINANCE__API_KEY": "k1", "CCXT__BINANCE__SECRET": "c2VjcmV0",
                       "CCXT__KRAKEN__API_KEY": "k1", "CCXT__KRAKEN__SECRET": "c2VjcmV0"}.items():
        monkeypatch.setenv(f"SIGNALTRUST__VENUES__{key}", value)
    settings = load_settings()
    for name in ("alpaca", "oanda", "ccxt.binance", "ccxt:binance"):
        assert missing_keys(name, settings) == []
        venue = open_venue(name, settings)
        assert venue.execution is not None and venue.data is not None
    assert missing_keys("robinhood", settings) == ["api_key", "private_key"]
    with pytest.raises(ValidationError) as err:  # no testnet: no silent real trading
        open_venue("ccxt.kraken", settings)
    assert "no sandbox" in str(err.value) and "--real" in err.value.fix
    assert open_venue("ccxt.kraken", settings, paper=False).execution is not None


def test_paper_when_a_restricted_list_is_configured_then_its_symbol_is_never_bought(
        monkeypatch, tmp_path):
    restricted = tmp_path / "restricted.txt"
    restricted.write_text("goog\n")
    monkeypatch.setenv("SIGNALTRUST__AGENTS__RESTRICTED_FILE", str(restricted))
    paper = _json(["paper", "--data", "goog", "--name", "vetoed", "--json"])
    assert paper["trades"] == 0 and paper["accounts"]["main"]["fills"] == 0
    again = _json(["paper", "--data", "goog", "--name", "vetoed", "--json"])  # resumes
    assert again["status"] == "finished"
