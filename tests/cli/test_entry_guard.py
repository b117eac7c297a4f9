"""The console script's last guard: a bug is named as one, never shown as a traceback."""

from __future__ import annotations

import errno
import logging

import pytest

from signaltrust.cli import main as cli_main
from signaltrust.core.errors import ValidationError


def _raising(exc: BaseException):
    def app() -> None:
        raise exc

    return app


def test_run_when_a_bug_escapes_then_one_message_and_exit_1(monkeypatch, capsys):
    monkeypatch.setattr(cli_main, "app", _raising(RuntimeError("boom at postgresql://u:pw@db/x")))
    monkeypatch.delenv("SIGNALTRUST_DEBUG", raising=False)
    with pytest.raises(SystemExit) as caught:
        cli_main.run()
    err = capsys.readouterr().err
    assert caught.value.code == 1
    assert "internal error: RuntimeError" in err and "SIGNALTRUST_DEBUG=1" in err
    assert "Traceback" not in err and ":pw@" not in err


def test_run_when_debug_is_set_then_the_bug_is_raised(monkeypatch):
    monkeypatch.setattr(cli_main, "app", _raising(RuntimeError("boom")))
    monkeypatch.setenv("SIGNALTRUST_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli_main.run()


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (ValidationError("bad thing", field="x", fix="do y"), "error: bad thing"),
        (OSError(errno.ENOSPC, "No space left on device", "/data/out.html"), "the disk is full"),
    ],
)
def test_run_when_a_user_error_escapes_a_command_then_one_line_exit_1(
    monkeypatch, capsys, exc, words
):
    monkeypatch.setattr(cli_main, "app", _raising(exc))
    monkeypatch.delenv("SIGNALTRUST_DEBUG", raising=False)
    with pytest.raises(SystemExit) as caught:
        cli_main.run()
    assert caught.value.code == 1 and words in capsys.readouterr().err


def test_run_when_a_log_line_holds_a_url_then_its_password_is_masked(monkeypatch, caplog):
    def logs() -> None:
        logging.getLogger("signaltrust.test").warning("connecting to %s", "postgresql://u:pw@db/x")

    monkeypatch.setattr(cli_main, "app", logs)
    factory = logging.getLogRecordFactory()
    try:
        with caplog.at_level(logging.WARNING):
            cli_main.run()
    finally:
        logging.setLogRecordFactory(factory)
    assert "postgresql://u:********@db/x" in caplog.text and ":pw@" not in caplog.text
