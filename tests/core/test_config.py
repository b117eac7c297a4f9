"""Configuration: TOML file, environment overrides, validation at start, masked secrets."""

from __future__ import annotations

import pytest

from signaltrust.core.config import load_settings
from signaltrust.core.errors import ConfigError


def test_load_settings_when_nothing_set_then_defaults_with_costs_on(isolated_home):
    settings = load_settings()
    assert settings.home == isolated_home
    assert settings.store.backend == "duckdb"
    assert settings.backtest.fees > 0
    assert settings.lake_path == isolated_home / "lake"


def test_load_settings_when_toml_and_env_then_env_wins(isolated_home, monkeypatch):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text('[backtest]\nfees = 0.002\ncash = 5000\n')
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__FEES", "0.0005")
    settings = load_settings()
    assert settings.backtest.fees == 0.0005
    assert settings.backtest.cash == 5000


def test_load_settings_when_bad_env_value_then_error_names_key_value_and_allowed(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__STORE__BACKEND", "mysql")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "store.backend" in message
    assert "mysql" in message
    assert "duckdb" in message and "postgres" in message


def test_load_settings_when_unknown_key_in_toml_then_refused(isolated_home):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("[backtest]\nfeez = 0.1\n")
    with pytest.raises(ConfigError, match="backtest.feez"):
        load_settings()


def test_load_settings_when_toml_is_broken_then_error_names_the_file(isolated_home):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("[backtest\n")
    with pytest.raises(ConfigError, match="config.toml"):
        load_settings()


def test_masked_when_secret_set_then_never_printed(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__STORE__POSTGRES_URL", "postgresql://u:hunter2@db/x")
    shown = load_settings().masked()
    assert shown["store"]["postgres_url"] == "********"
    assert "hunter2" not in repr(shown)
