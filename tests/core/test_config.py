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


@pytest.mark.parametrize(
    ("variable", "named"),
    [
        ("SIGNALTRUST__STOR__BACKEND", "store"),  # a misspelt section, with the likely one
        ("SIGNALTRUST__BACKTEST__FEEZ", "fees"),
        ("SIGNALTRUST__HOME__X", "home"),
    ],
)
def test_load_settings_when_env_names_unknown_section_or_key_then_refused(
    monkeypatch, variable, named
):
    monkeypatch.setenv(variable, "postgres")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert variable in str(info.value) and named in str(info.value)


def test_load_settings_when_config_file_named_but_missing_then_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNALTRUST_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_settings()
    assert info.value.field == "SIGNALTRUST_CONFIG"


def test_load_settings_when_config_path_is_a_folder_then_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNALTRUST_CONFIG", str(tmp_path))
    with pytest.raises(ConfigError, match="folder"):
        load_settings()


def test_load_settings_when_env_json_is_malformed_then_error_names_the_variable(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__RISK__DRAWDOWN_LEVELS", "[[0.1, 0.5]")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "SIGNALTRUST__RISK__DRAWDOWN_LEVELS" in str(info.value) and "JSON" in str(info.value)


@pytest.mark.parametrize("text", ["slippage_bps = true", "cash = false"])
def test_load_settings_when_a_boolean_is_given_for_a_number_then_refused(isolated_home, text):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text(f"[backtest]\n{text}\n")
    with pytest.raises(ConfigError, match="boolean is not a number"):
        load_settings()


def test_load_settings_when_a_boolean_field_then_booleans_still_work(isolated_home):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("[log]\njson_logs = true\n")
    assert load_settings().log.json_logs is True


def test_load_settings_when_bad_url_value_then_password_not_in_the_error():
    with pytest.raises(ConfigError) as info:
        load_settings(store={"postgres_url": ["postgresql://u:hunter2@db/x"]})
    assert "store.postgres_url" in str(info.value) and "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://u:hunter2@db:5432/x", "postgresql://u:********@db:5432/x"),
        ('missing "=" after "postgresql://u:p@ss@h/x"', 'missing "=" after "postgresql://u:********@h/x"'),
        ("host=db password=hunter2 user=u", "host=db password=******** user=u"),
        ("postgresql://db/x?password=hunter2&sslmode=off", "postgresql://db/x?password=********&sslmode=off"),
        ("postgresql://u@db/x", "postgresql://u@db/x"),
    ],
)
def test_mask_secrets_when_text_holds_a_password_then_it_is_replaced(text, shown):
    from signaltrust.core.config import mask_secrets

    assert mask_secrets(text) == shown
