"""Configuration: one TOML file plus ``SIGNALTRUST__SECTION__KEY`` environment overrides.

Precedence, highest first: arguments to :func:`load_settings`, environment variables, the TOML
file (``$SIGNALTRUST_CONFIG``, else ``<home>/config.toml``), the defaults below. The data home
is ``$SIGNALTRUST_HOME`` or ``~/.signaltrust``. Every value is validated at start; a bad one
raises :class:`ConfigError` naming the key, the value and what is allowed. Refused too: an
environment variable naming an unknown section or key, a ``$SIGNALTRUST_CONFIG`` that does not
exist or is a folder, malformed JSON in an override, and a boolean where a number is expected.
Secrets (URL passwords, keys) never appear in messages: :func:`mask_secrets`.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from signaltrust.core.errors import ConfigError

ENV_PREFIX = "SIGNALTRUST__"
MASK = "********"
# greedy up to the last '@' before a quote or line end: a malformed URL may hold '@' or spaces
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s'\"]*):[^'\"\n]*@")
_KEY_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'[^']*'|\"[^\"]*\"|[^\s;&]+)", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&\s'\"]+)", re.I)
_SECRET_KEYS = ("url", "password", "api_key", "secret", "token", "_key", "passphrase")


def mask_secrets(text: Any) -> str:
    """``text`` with passwords in URLs and ``password=`` pairs replaced by ``********``.

    >>> mask_secrets("postgresql://u:hunter2@db:5432/x")
    'postgresql://u:********@db:5432/x'
    """
    out = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}:{MASK}@", str(text))
    for pattern in (_QUERY_PASSWORD, _KEY_PASSWORD):
        out = pattern.sub(lambda m: m.group("head") + MASK, out)
    return out


def default_home() -> Path:
    """The data home: ``$SIGNALTRUST_HOME`` or ``~/.signaltrust``."""
    return Path(os.environ.get("SIGNALTRUST_HOME") or Path.home() / ".signaltrust").expanduser()


def config_path() -> Path:
    """The TOML file read at start: ``$SIGNALTRUST_CONFIG`` or ``<home>/config.toml``."""
    explicit = os.environ.get("SIGNALTRUST_CONFIG")
    return Path(explicit).expanduser() if explicit else default_home() / "config.toml"


def _numeric(annotation: Any) -> bool:
    """Whether a field's type is a number (or an optional number), where True would pass as 1."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_numeric(a) for a in typing.get_args(annotation) if a is not type(None))
    return False


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_not_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _numeric(field.annotation):
            raise ValueError("a boolean is not a number; write a number (true is not 1.0)")
        return value


class StoreSettings(_Section):
    """Where bars live: a Parquet lake under the home (DuckDB), or PostgreSQL."""

    backend: Literal["duckdb", "postgres"] = "duckdb"
    path: Path | None = Field(default=None, description="lake folder; default <home>/lake")
    postgres_url: SecretStr | None = Field(
        default=None, description="e.g. postgresql://user:pass@127.0.0.1:5432/test"
    )
    postgres_schema: str = Field(default="signaltrust", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class DataSettings(_Section):
    """Thresholds of the data-quality checks."""

    outlier_sigma: float = Field(default=8.0, gt=0, description="robust z-score of a return")
    stale_run: int = Field(default=5, ge=2, description="identical consecutive bars to flag")
    max_gap_report: int = Field(default=50, ge=1, description="gaps listed per check")


class BacktestSettings(_Section):
    """Defaults of every backtest. Costs are on unless set to zero on purpose."""

    cash: float = Field(default=100_000.0, gt=0)
    fees: float = Field(default=0.001, ge=0, lt=1, description="fraction of notional per order")
    fixed_fees: float = Field(default=0.0, ge=0, description="per order, in account currency")
    min_fees: float = Field(default=0.0, ge=0)
    slippage_bps: float = Field(default=2.0, ge=0, lt=10_000)
    fill_at: Literal["next_open", "close"] = "next_open"
    max_grid_combinations: int = Field(
        default=1_000_000, ge=1, description="larger sweeps need --large-grid (allow_large=True)"
    )
    max_grid_memory_mb: int = Field(
        default=4096, ge=1, description="estimated sweep memory beyond which --large-grid is needed"
    )


class RiskSettings(_Section):
    """Pre-trade limits, drawdown protection and circuit breakers; ``None`` means no limit.

    Fractions are fractions (``0.05`` is 5 %); money limits are in the account currency.
    """

    max_order_quantity: float | None = Field(default=None, gt=0, description="units per order")
    max_order_notional: float | None = Field(default=None, gt=0, description="money per order")
    max_position_quantity: float | None = Field(
        default=None, gt=0, description="absolute units held per instrument"
    )
    max_position_notional: float | None = Field(
        default=None, gt=0, description="absolute money held per instrument"
    )
    max_gross_exposure: float | None = Field(
        default=None, gt=0, description="sum of |position value| over instruments, money"
    )
    max_net_exposure: float | None = Field(
        default=None, gt=0, description="|sum of signed position values|, money"
    )
    max_leverage: float | None = Field(default=None, gt=0, description="gross exposure / equity")
    max_orders_per_second: int | None = Field(default=None, ge=1)
    max_orders_per_minute: int | None = Field(default=None, ge=1)
    price_band_pct: float | None = Field(
        default=None, gt=0, lt=1, description="fat finger: 0.05 denies prices 5 % off the last"
    )
    check_buying_power: bool = True
    daily_loss_pct: float | None = Field(
        default=None, gt=0, lt=1, description="0.03 halts after a 3 % loss since the day start"
    )
    max_consecutive_losses: int | None = Field(default=None, ge=1)
    consecutive_loss_state: Literal["REDUCING", "HALTED"] = "REDUCING"
    consecutive_loss_cooldown_bars: int = Field(default=5, ge=1)
    volatility_spike_k: float | None = Field(
        default=None, gt=0, description="|last return| > k x trailing volatility -> REDUCING"
    )
    volatility_window: int = Field(default=20, ge=2, description="bars of trailing volatility")
    volatility_cooldown_bars: int = Field(default=5, ge=1)
    stale_after_seconds: float | None = Field(
        default=None, gt=0, description="deny orders on data older than this"
    )
    drawdown_levels: list[tuple[float, float]] = Field(
        default_factory=list, description="[[drawdown, exposure multiplier], ...] e.g. [[0.1, 0.5]]"
    )
    recovery_drawdown: float | None = Field(
        default=None, ge=0, lt=1, description="drawdown under which full exposure returns"
    )
    # portfolio limits: the order's marginal effect on the whole book (signaltrust.risk.book)
    max_var_pct: float | None = Field(
        default=None, gt=0, lt=1, description="one-bar historical VaR loss / equity, after"
    )
    max_cvar_pct: float | None = Field(
        default=None, gt=0, lt=1, description="one-bar historical CVaR loss / equity, after"
    )
    var_cutoff: float = Field(default=0.05, gt=0, lt=0.5, description="tail: 0.05 is 95 %")
    risk_lookback: int = Field(default=250, ge=20, description="bars of returns for VaR, corr")
    max_correlation: float | None = Field(
        default=None, gt=-1, le=1, description="new exposure vs each held position, signed"
    )
    max_sector_exposure: float | None = Field(
        default=None, gt=0, description="gross value of one sector / equity"
    )
    max_asset_class_exposure: float | None = Field(
        default=None, gt=0, description="gross value of one asset class / equity"
    )
    sectors: dict[str, str] = Field(default_factory=dict, description="symbol -> sector")
    asset_classes: dict[str, str] = Field(
        default_factory=dict, description="symbol -> asset class"
    )

    @field_validator("drawdown_levels")
    @classmethod
    def _levels_increase(cls, levels: list[tuple[float, float]]) -> list[tuple[float, float]]:
        previous_dd, previous_mult = 0.0, 1.0
        for drawdown, multiplier in levels:
            if not previous_dd < drawdown < 1.0:
                raise ValueError(
                    "drawdowns must increase strictly and lie in (0, 1), e.g. [[0.1, 0.5], "
                    f"[0.2, 0.0]]; got {drawdown} after {previous_dd}"
                )
            if not 0.0 <= multiplier <= previous_mult:
                raise ValueError(
                    "multipliers must lie in [0, 1] and not increase with the drawdown; got "
                    f"{multiplier} after {previous_mult}"
                )
            previous_dd, previous_mult = drawdown, multiplier
        return levels

    @field_validator("recovery_drawdown")
    @classmethod
    def _recovery_below_levels(cls, value: float | None, info: ValidationInfo) -> float | None:
        levels = info.data.get("drawdown_levels") or []
        if value is not None and levels and not value < levels[0][0]:
            raise ValueError(
                f"must be below the first drawdown level {levels[0][0]} (hysteresis)"
            )
        return value


class LogSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    json_logs: bool = False


class ApiSettings(_Section):
    """The API server (``signaltrust api``): where it listens, its secret, TLS, CORS and limits.

    Beyond loopback it refuses to start without a strong ``secret_key`` and TLS files."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes")
    api_key: SecretStr | None = None
    secret_key: SecretStr | None = Field(
        default=None, description="signs the access tokens (32+ characters); on loopback a "
        "random one is kept in <home>/api_secret.key when unset"
    )
    tls_certfile: Path | None = Field(default=None, description="PEM certificate (HTTPS)")
    tls_keyfile: Path | None = Field(default=None, description="PEM private key (HTTPS)")
    cors_origins: list[str] = Field(
        default_factory=list, description="browser origins allowed, e.g. https://desk.example"
    )
    access_token_minutes: float = Field(default=15.0, gt=0, le=1440)
    refresh_token_days: float = Field(default=7.0, gt=0, le=365)
    rate_limit: str = Field(
        default="600/minute", description="requests per key or user (the limits syntax)"
    )
    address_rate_limit: str = Field(
        default="1200/minute", description="requests per client address"
    )
    login_rate_limit: str = Field(
        default="20/minute", description="token requests per client address"
    )
    rate_limit_storage: SecretStr = Field(
        default=SecretStr("memory://"), description="memory:// or redis://127.0.0.1:6379/0"
    )
    max_request_bytes: int = Field(default=1_048_576, ge=1024, description="largest body")
    lockout_failures: int = Field(default=5, ge=1, description="failed logins before lock-out")
    lockout_minutes: float = Field(default=15.0, gt=0, description="how long a lock-out lasts")


class DatabaseSettings(_Section):
    """Application state (the trading nodes' journals, users, runs): SQLite under ``home`` by
    default, PostgreSQL (``postgresql+psycopg://...``) when several processes share it."""

    url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<home>/signaltrust.db"
    )


class _VenueSection(_Section):
    """What every venue shares: where to connect, timeouts and retries (keys are SecretStr)."""

    timeout_s: float = Field(default=10.0, gt=0, description="seconds before a request is ambiguous")
    retries: int = Field(default=4, ge=0, le=20, description="retries of idempotent requests")
    backoff_s: float = Field(default=0.5, gt=0, description="first retry wait; doubles, jittered")


class AlpacaSettings(_VenueSection):
    """Alpaca (US stocks and ETFs): the paper endpoint unless ``paper = false``."""

    api_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    paper: bool = True
    feed: Literal["iex", "sip"] = Field(default="iex", description="sip needs a paid plan")
    trading_url: str | None = Field(default=None, description="default: the paper or live API")
    data_url: str | None = Field(default=None, description="default: https://data.alpaca.markets")
    trading_stream_url: str | None = None
    data_stream_url: str | None = None
    requests_per_minute: int = Field(default=200, ge=1, description="Alpaca's documented limit")


class CcxtSettings(_VenueSection):
    """One CCXT exchange (``[venues.ccxt.binance]``): keys and an optional sandbox/testnet."""

    api_key: SecretStr | None = None
    secret: SecretStr | None = None
    password: SecretStr | None = Field(default=None, description="the passphrase some need")
    sandbox: bool = Field(default=False, description="the exchange's testnet, where it has one")
    api_url: str | None = Field(default=None, description="one base URL for every REST endpoint")
    ws_url: str | None = Field(default=None, description="one base URL for every stream")


class OandaSettings(_VenueSection):
    """OANDA v20 (FX): the practice environment unless ``practice = false``."""

    token: SecretStr | None = None
    account_id: str | None = None
    practice: bool = True
    api_url: str | None = Field(default=None, description="default: the practice or live REST")
    stream_url: str | None = Field(default=None, description="default: the practice or live stream")
    requests_per_second: int = Field(default=100, ge=1, description="OANDA's documented limit")


class RobinhoodSettings(_VenueSection):
    """The Robinhood crypto trading API: an API key and the base64 ed25519 private key."""

    api_key: SecretStr | None = None
    private_key: SecretStr | None = Field(default=None, description="base64 ed25519 seed")
    api_url: str | None = Field(default=None, description="default: https://trading.robinhood.com")
    requests_per_minute: int = Field(default=100, ge=1, description="the API's documented limit")


class VenuesSettings(_Section):
    """Keys and endpoints of the venue adapters (``signaltrust.live.adapters``)."""

    alpaca: AlpacaSettings = AlpacaSettings()
    oanda: OandaSettings = OandaSettings()
    robinhood: RobinhoodSettings = RobinhoodSettings()
    ccxt: dict[str, CcxtSettings] = Field(
        default_factory=dict, description="per exchange id: [venues.ccxt.binance] ..."
    )


class BusSettings(_Section):
    """The event bus a node publishes on (``signaltrust.live.bus``): in this process by default,
    NATS JetStream or Redis Streams so that other processes can follow."""

    backend: Literal["memory", "nats", "redis"] = "memory"
    url: SecretStr | None = Field(
        default=None, description="default nats://127.0.0.1:4222 or redis://127.0.0.1:6379/0"
    )
    max_events: int = Field(
        default=100_000, ge=1, description="events kept per node (JetStream max_msgs, Redis "
        "MAXLEN ~, in memory)"
    )
    max_age_hours: float | None = Field(
        default=168.0, gt=0, description="JetStream: events older than this are dropped; none: "
        "kept until max_events"
    )
    connect_timeout_s: float = Field(default=2.0, gt=0, description="seconds to reach the server")
    pnl_interval_ms: int = Field(
        default=1000, ge=0, description="at most one P&L event per this many ms; 0: every bar"
    )
    queue_size: int = Field(
        default=100_000, ge=1, description="events waiting to be published; beyond, dropped "
        "and counted in a status event"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="log records from this level go to the logs topic"
    )


class LLMSettings(_Section):
    """The language model the oversight agents may ask (``signaltrust.agents``): none by default
    (every agent answers from its rules); any OpenAI-compatible endpoint, or a local llama.cpp
    or Ollama server (its OpenAI-compatible URL, e.g. http://127.0.0.1:11434/v1)."""

    backend: Literal["none", "openai", "llamacpp", "ollama"] = "none"
    base_url: str | None = Field(
        default=None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1"
    )
    api_key: SecretStr | None = Field(default=None, description="sent as a bearer token")
    model: str = Field(default="gpt-4o-mini", min_length=1, description="model name")
    timeout_s: float = Field(default=20.0, gt=0, le=600, description="seconds per request")
    retries: int = Field(default=1, ge=0, le=10, description="retries of a failed request")
    output_retries: int = Field(
        default=1, ge=0, le=10, description="re-asks after an answer that breaks the schema"
    )
    input_cost_per_mtok: float = Field(default=0.0, ge=0, description="USD per million tokens")
    output_cost_per_mtok: float = Field(default=0.0, ge=0, description="USD per million tokens")


class AgentsSettings(_Section):
    """The oversight agents: the explained signal's blend, daily LLM quotas, human approval."""

    probability_weight: float = Field(
        default=0.6, ge=0, le=1, description="weight of the meta-model's probability"
    )
    llm_weight: float = Field(
        default=0.4, ge=0, le=1, description="weight of the LLM's confidence (when one answers)"
    )
    daily_token_quota: int = Field(
        default=200_000, ge=0, description="LLM tokens per agent per UTC day; beyond: rules"
    )
    daily_cost_quota_usd: float = Field(
        default=5.0, ge=0, description="LLM spend per agent per UTC day; beyond: rules"
    )
    approval_level: Literal["none", "reduce", "halt"] = Field(
        default="halt", description="agent actions at or above this wait for a human "
        "(none: every action waits)"
    )
    cache_seconds: float = Field(
        default=300.0, ge=0, description="an explained signal is reused this long per bar"
    )
    restricted_file: Path | None = Field(default=None, description="restricted symbols, one a line")
    sanctions_file: Path | None = Field(default=None, description="sanctioned names, one a line")


class LearningSettings(_Section):
    """The continuous learning loop (``signaltrust.research.learning``): how signals are scored,
    when a challenger is promoted, what drift triggers retraining, and the scheduler's jobs
    (cron expressions, UTC; an empty one turns the job off)."""

    hit_threshold: float = Field(
        default=0.02, gt=0, lt=1, description="a signal is a hit when the price moves this much"
    )
    horizon_bars: int = Field(default=10, ge=1, description="bars until a signal's label matures")
    outcome: Literal["hit", "triple_barrier"] = "hit"
    metric: Literal["hit_rate", "ic", "brier", "precision_at_top", "sharpe"] = Field(
        default="ic", description="the metric a challenger must beat the champion on"
    )
    min_improvement: float = Field(
        default=0.03, ge=0, description="relative improvement needed to promote (0.03 = 3 %)"
    )
    min_samples: int = Field(default=60, ge=10, description="out-of-sample rows needed to decide")
    bootstrap_samples: int = Field(default=500, ge=100, le=100_000)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    eval_days: int = Field(default=30, ge=1, description="evaluation window of the live scores")
    psi_threshold: float = Field(default=0.2, gt=0, description="PSI above this is drift")
    ks_pvalue: float = Field(default=0.01, gt=0, lt=1, description="KS p-value below this: drift")
    adwin_delta: float = Field(default=0.002, gt=0, lt=1, description="ADWIN's confidence")
    ab_share: float = Field(
        default=0.0, ge=0, le=1, description="share of requests the challenger serves (A/B)"
    )
    shadow: bool = Field(default=True, description="the challenger scores every request, logged")
    webhook_url: str | None = Field(default=None, description="Slack-compatible alert webhook")
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "signaltrust@localhost"
    smtp_recipients: list[str] = Field(default_factory=list)
    data_update_cron: str = "0 22 * * mon-fri"
    feature_refresh_cron: str = "15 22 * * mon-fri"
    retrain_cron: str = "0 23 * * mon-fri"
    evaluate_cron: str = "30 23 * * mon-fri"
    report_cron: str = "0 6 * * *"
    backup_cron: str = "0 3 * * *"
    update_source: str = Field(
        default="", description="where the data_update job fetches bars: yahoo, alpaca, oanda, "
        "ccxt:<exchange>, or file:<folder> (SYMBOL.csv/.parquet files); empty: the job is off"
    )
    update_symbols: list[str] = Field(
        default_factory=list, description="symbols the data_update job keeps up to date"
    )
    update_timeframe: str = Field(default="1d", description="bar length the data jobs keep")
    update_start: str = Field(
        default="2024-01-01", description="first bar fetched for a symbol the store lacks"
    )
    feature_set: Literal["technical", "alpha158"] = Field(
        default="technical", description="what the feature_refresh job computes and caches"
    )
    data: str = Field(default="sp500", description="what the retrain job learns from")
    model: str = Field(default="lgbm", description="the classifier the retrain job fits")
    model_name: str = Field(
        default="loop_sp500_lgbm", pattern=r"^[A-Za-z0-9_.-]{1,128}$",
        description="the registered model the loop promotes and rolls back"
    )
    jobs: dict[str, str] = Field(
        default_factory=dict, description="job -> package.module:function, e.g. backup"
    )


class MetricsSettings(_Section):
    """Prometheus metrics of the long-running processes other than the API (which serves
    ``/metrics`` on its own port): a node, the scheduler. Off unless a port is set here or with
    a command's ``--metrics-port``."""

    port: int | None = Field(
        default=None, ge=0, le=65535, description="serve /metrics on this port (0: any free one)"
    )
    host: str = Field(default="127.0.0.1", description="address the metrics server listens on")


class TracingSettings(_Section):
    """OpenTelemetry tracing: spans of API requests, jobs and node steps sent by OTLP over HTTP.
    Off (no cost) unless ``endpoint`` or ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set."""

    endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector, e.g. http://127.0.0.1:4318"
    )
    service_name: str = Field(default="signaltrust", description="service.name of the spans")
    sample_ratio: float = Field(default=1.0, ge=0, le=1, description="share of traces kept")


class JobsSettings(_Section):
    """Where the API's research jobs run: worker processes (default), a Ray cluster, or the
    queue that stand-alone workers (``signaltrust jobs work``) take them from."""

    backend: Literal["process", "thread", "ray", "queue"] = Field(
        default="process", description="queue: the API only records jobs; `signaltrust jobs "
        "work` processes run them"
    )
    workers: int = Field(default=2, ge=1, le=256, description="jobs run at once per API worker "
                         "(or per job worker)")
    ray_address: str | None = Field(
        default=None, description="ray backend: a cluster (host:6379, ray://host:10001, auto); "
        "none starts a local Ray"
    )


class Settings(BaseSettings):
    """The effective configuration of SignalTrust."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    home: Path = Field(default_factory=default_home)
    store: StoreSettings = StoreSettings()
    data: DataSettings = DataSettings()
    backtest: BacktestSettings = BacktestSettings()
    log: LogSettings = LogSettings()
    api: ApiSettings = ApiSettings()
    risk: RiskSettings = RiskSettings()
    venues: VenuesSettings = VenuesSettings()
    database: DatabaseSettings = DatabaseSettings()
    bus: BusSettings = BusSettings()
    llm: LLMSettings = LLMSettings()
    agents: AgentsSettings = AgentsSettings()
    learning: LearningSettings = LearningSettings()
    metrics: MetricsSettings = MetricsSettings()
    tracing: TracingSettings = TracingSettings()
    jobs: JobsSettings = JobsSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )

    @property
    def lake_path(self) -> Path:
        return Path(self.store.path).expanduser() if self.store.path else self.home / "lake"

    def masked(self) -> dict[str, Any]:
        """The configuration as plain data, with every secret replaced by ``********``."""

        def walk(value: Any) -> Any:
            if isinstance(value, SecretStr):
                return MASK if value.get_secret_value() else ""
            if isinstance(value, BaseModel):
                return {k: walk(getattr(value, k)) for k in type(value).model_fields}
            if isinstance(value, Path):
                return str(value)
            if isinstance(value, dict):
                return {k: walk(v) for k, v in value.items()}
            return value

        return walk(self)


def _describe(error: Mapping[str, Any]) -> tuple[str, str]:
    """The dotted key and the environment variable that would set it."""
    loc = [str(p) for p in error.get("loc", ()) if not str(p).startswith("function-")]
    key = ".".join(loc)
    return key, ENV_PREFIX + "__".join(p.upper() for p in loc)


def _check_config_file() -> Path:
    """The TOML file to read; an explicit ``$SIGNALTRUST_CONFIG`` must be a readable TOML file."""
    path = config_path()
    explicit = bool(os.environ.get("SIGNALTRUST_CONFIG"))
    if explicit and not path.exists():
        raise ConfigError(
            "the configuration file named by SIGNALTRUST_CONFIG does not exist",
            field="SIGNALTRUST_CONFIG", value=str(path),
            fix="correct the path, create the file, or unset SIGNALTRUST_CONFIG to use "
            f"{default_home() / 'config.toml'}",
        )
    if path.exists() and not path.is_file():
        raise ConfigError(
            "the configuration path is a folder, not a file",
            field="SIGNALTRUST_CONFIG" if explicit else "config file", value=str(path),
            fix=f"point SIGNALTRUST_CONFIG at a TOML file, e.g. {path / 'config.toml'}",
        )
    if path.exists():
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                "the configuration file is not valid TOML",
                field=str(path),
                value=str(exc),
                fix="correct the syntax, or move the file away to start from the defaults",
            ) from exc
        except OSError as exc:
            raise ConfigError(
                f"the configuration file cannot be read: {exc.strerror or exc}",
                field=str(path), value=str(path),
                fix="make it readable, or point SIGNALTRUST_CONFIG at another file",
            ) from exc
    return path


def _check_environment() -> None:
    """Every ``SIGNALTRUST__SECTION__KEY`` names a known section and key (typos are refused)."""
    sections = {name: info.annotation for name, info in Settings.model_fields.items()}
    for variable in sorted(os.environ):
        if not variable.upper().startswith(ENV_PREFIX):
            continue
        parts = variable[len(ENV_PREFIX):].lower().split("__")
        section = parts[0]
        if section not in sections or "" in parts:
            raise _unknown(variable, section, list(sections), "section")
        model = sections[section]
        if len(parts) > 1:
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise _unknown(variable, parts[1], [], f"key ({section} has no keys)")
            if parts[1] not in model.model_fields:
                raise _unknown(variable, parts[1], list(model.model_fields), f"key of [{section}]")


def _unknown(variable: str, name: str, known: list[str], what: str) -> ConfigError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return ConfigError(
        f"environment variable {variable} names an unknown {what}{hint}",
        field=variable, value=name,
        fix=f"use one of: {', '.join(known)}" if known else "remove the variable",
    )


def _bad_json(exc: SettingsError, path: Path) -> ConfigError:
    """The override whose JSON is malformed, named with the parser's complaint."""
    for variable in sorted(os.environ):
        value = os.environ[variable]
        if variable.upper().startswith(ENV_PREFIX) and value.strip()[:1] in ("[", "{"):
            try:
                json.loads(value)
            except ValueError as bad:
                return ConfigError(
                    f"environment variable {variable} is not valid JSON ({bad})",
                    field=variable, value=mask_secrets(value),
                    fix='write JSON, e.g. [[0.1, 0.5]] or {"backend": "duckdb"}, or unset it',
                )
    return ConfigError(
        f"the configuration cannot be read: {mask_secrets(exc)}",
        field=str(path), fix="check the SIGNALTRUST__* variables and the TOML file",
    )


def _shown(key: str, value: Any) -> Any:
    if value is None:
        return None
    if any(key.lower().endswith(word) for word in _SECRET_KEYS) and "url" not in key.lower():
        return MASK
    return mask_secrets(value)


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the configuration; raise :class:`ConfigError` on the first bad value."""
    path = _check_config_file()
    _check_environment()
    try:
        return Settings(**overrides)
    except SettingsError as exc:
        raise _bad_json(exc, path) from None
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        key, env = _describe(first)
        allowed = first.get("msg", "invalid value")
        if first.get("type") == "extra_forbidden":
            allowed = "unknown key; see `signaltrust config show` for the known ones"
        raise ConfigError(
            f"bad configuration value for {key} ({mask_secrets(allowed)})",
            field=key,
            value=_shown(key, first.get("input")),
            fix=f"set {key} in {path} or {env} to an allowed value: {mask_secrets(allowed)}",
        ) from None
