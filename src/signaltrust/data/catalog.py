"""The bundled real datasets: what each is, where it comes from, and ``load(name)``.

Every file in ``signaltrust/data/bundled`` is real market or macro data (provenance in its
SOURCES.md). ``load`` returns it as found, with two documented relabellings so that every bar
is labelled by the start of its period: BTC/USD monthly bars dated at month end move to the
first of the month, and Fama-French ``YYYYMM`` months become the first of the month.
Quirks (missing values, a repeated last row, mid-month dates) are kept for the quality checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from signaltrust.core.bars import BAR_COLUMNS, INDEX_NAME
from signaltrust.core.errors import DatasetNotFoundError
from signaltrust.core.instrument import AssetClass, Instrument
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.importers import read_csv

DatasetKind = Literal["bars", "panel", "series"]

_FREQUENCY_WORDS = {"1h": "hourly", "1d": "daily", "1w": "weekly", "1mo": "monthly"}
_STOCK_TICKERS = ("IBM", "AAPL", "MSFT", "XRX", "AMZN", "DELL", "GOOGL", "ADBE", "^GSPC", "^IXIC")


@dataclass(frozen=True)
class DatasetSpec:
    """One bundled dataset: file, kind (bars, panel or series), instrument, timeframe, source."""

    name: str
    file: str
    kind: DatasetKind
    instrument: Instrument
    timeframe: Timeframe
    calendar: str
    description: str
    source: str
    columns: tuple[str, ...]
    expects_volume: bool = False
    mapping: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    relabel: Literal["month_start"] | None = None

    @property
    def frequency(self) -> str:
        """``daily``, ``hourly``, ``monthly`` ... (the timeframe in words)."""
        return _FREQUENCY_WORDS.get(str(self.timeframe), str(self.timeframe))

    @property
    def path(self) -> Path:
        """Where the bundled file lies inside the installed package."""
        return Path(str(resources.files("signaltrust.data").joinpath("bundled", self.file)))


def _instrument(
    symbol: str, venue: str, asset_class: AssetClass, calendar: str, **units: Any
) -> Instrument:
    return Instrument(
        symbol=symbol, venue=venue, asset_class=asset_class, calendar=calendar, **units
    )


_BARS = ("open", "high", "low", "close", "volume")

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        name="sp500",
        file="sp500_daily_1999_2018.csv.gz",
        kind="bars",
        instrument=_instrument("^GSPC", "XNYS", AssetClass.INDEX, "XNYS"),
        timeframe=Timeframe.parse("1d"),
        calendar="XNYS",
        description=("S&P 500 index, daily OHLCV with adjusted close, 1999-01-04 to 2018-12-31."),
        source="arch (arch.data.sp500); Yahoo Finance",
        columns=(*_BARS, "adj_close"),
        expects_volume=True,
    ),
    DatasetSpec(
        name="goog",
        file="goog_daily_2004_2013.csv.gz",
        kind="bars",
        instrument=_instrument("GOOG", "XNAS", AssetClass.EQUITY, "XNYS"),
        timeframe=Timeframe.parse("1d"),
        calendar="XNYS",
        description=(
            "Alphabet (GOOG) shares, daily OHLCV, 2004-08-19 to 2013-03-01 "
            "(prices not split-adjusted)."
        ),
        source="backtesting.py (backtesting.test); Yahoo Finance",
        columns=_BARS,
        expects_volume=True,
    ),
    DatasetSpec(
        name="eurusd",
        file="eurusd_hourly_2017_2018.csv.gz",
        kind="bars",
        instrument=_instrument(
            "EURUSD",
            "FX",
            AssetClass.FX,
            "24/5",
            tick_size=Decimal("0.00001"),
            lot_size=Decimal("1000"),
        ),
        timeframe=Timeframe.parse("1h"),
        calendar="24/5",
        description=(
            "EUR/USD spot, hourly OHLCV (tick volume), 2017-04-19 09:00 to 2018-02-07 15:00, "
            "timestamps taken as UTC."
        ),
        source="backtesting.py (backtesting.test)",
        columns=_BARS,
        expects_volume=True,
    ),
    DatasetSpec(
        name="btcusd",
        file="btcusd_monthly_2012_2024.csv.gz",
        kind="bars",
        instrument=_instrument(
            "BTCUSD", "CRYPTO", AssetClass.CRYPTO, "24/7", lot_size=Decimal("0.00000001")
        ),
        timeframe=Timeframe.parse("1mo"),
        calendar="24/7",
        description=(
            "Bitcoin in US dollars, monthly OHLCV, January 2012 to December 2024. The file dates "
            "each month at its last day (2012-01-31); load() relabels it to the month's first day"
            " (2012-01-01) because bars are labelled by the start of their period."
        ),
        source="backtesting.py (backtesting.test)",
        columns=_BARS,
        expects_volume=True,
        relabel="month_start",
    ),
    DatasetSpec(
        name="stocks",
        file="stocks_monthly_1990_2022.csv.gz",
        kind="panel",
        instrument=_instrument("STOCKS10", "XNYS", AssetClass.EQUITY, "XNYS"),
        timeframe=Timeframe.parse("1mo"),
        calendar="XNYS",
        description=(
            "Monthly adjusted closes of IBM, AAPL, MSFT, XRX, AMZN, DELL, GOOGL, ADBE and the "
            "indices ^GSPC and ^IXIC, 1990-01 to 2022-06, one column per ticker. Empty cells "
            "before a listing are NaN; the last row (2022-06-28) repeats 2022-06-01 as in the "
            "file."
        ),
        source="matplotlib (mpl-data/sample_data/Stocks.csv); Yahoo Finance",
        columns=_STOCK_TICKERS,
        mapping={ticker: ticker for ticker in _STOCK_TICKERS},
    ),
    DatasetSpec(
        name="vix",
        file="vix_daily_2014_2019.csv.gz",
        kind="series",
        instrument=_instrument("^VIX", "XCBO", AssetClass.INDEX, "XNYS"),
        timeframe=Timeframe.parse("1d"),
        calendar="XNYS",
        description=(
            "CBOE Volatility Index (VIX) daily close, 2014-01-03 to 2019-01-03. US holidays "
            "appear as rows with '.' in the file: they load as NaN (46 rows)."
        ),
        source="arch (arch.data.vix)",
        columns=("vix",),
    ),
    DatasetSpec(
        name="wti",
        file="wti_daily_1986_2019.csv.gz",
        kind="series",
        instrument=_instrument("DCOILWTICO", "FRED", AssetClass.COMMODITY, "XNYS"),
        timeframe=Timeframe.parse("1d"),
        calendar="XNYS",
        description=(
            "West Texas Intermediate crude spot price (USD per barrel), daily, 1986-01-02 to "
            "2019-01-03. Holidays appear as rows with '.' in the file: they load as NaN (290 "
            "rows)."
        ),
        source="arch (arch.data.wti); FRED series DCOILWTICO",
        columns=("wti",),
        mapping={"DCOILWTICO": "wti"},
    ),
    DatasetSpec(
        name="crude",
        file="brent_wti_weekly_1987_2020.csv.gz",
        kind="series",
        instrument=_instrument("BRENT_WTI", "ARCH", AssetClass.COMMODITY, "XNYS"),
        timeframe=Timeframe.parse("1mo"),
        calendar="XNYS",
        description=(
            "Brent and WTI crude prices (USD per barrel), 1987-05 to 2020-01. Although the file "
            "is named weekly it holds one value a month, dated the 15th; the dates are kept as in"
            " the file."
        ),
        source="arch (arch.data.crude)",
        columns=("brent", "wti"),
    ),
    DatasetSpec(
        name="core_cpi",
        file="us_core_cpi_monthly_1957_2018.csv.gz",
        kind="series",
        instrument=_instrument("CPILFESL", "FRED", AssetClass.MACRO, "XNYS"),
        timeframe=Timeframe.parse("1mo"),
        calendar="XNYS",
        description=(
            "US CPI for all urban consumers less food and energy (index 1982-84=100), monthly, "
            "1957-01 to 2018-11."
        ),
        source="arch (arch.data.core_cpi); FRED series CPILFESL",
        columns=("core_cpi",),
        mapping={"CPILFESL": "core_cpi"},
    ),
    DatasetSpec(
        name="credit_spreads",
        file="moody_aaa_baa_monthly_1919_2018.csv.gz",
        kind="series",
        instrument=_instrument("AAA_BAA", "FRED", AssetClass.RATE, "XNYS"),
        timeframe=Timeframe.parse("1mo"),
        calendar="XNYS",
        description=(
            "Moody's seasoned AAA and BAA corporate bond yields (percent), monthly, 1919-01 to "
            "2018-12; baa - aaa is the default spread."
        ),
        source="arch (arch.data.default); FRED series AAA and BAA",
        columns=("aaa", "baa"),
    ),
    DatasetSpec(
        name="fama_french",
        file="fama_french_monthly_1926_2018.csv.gz",
        kind="series",
        instrument=_instrument("FF3", "KFRENCH", AssetClass.MACRO, "XNYS"),
        timeframe=Timeframe.parse("1mo"),
        calendar="XNYS",
        description=(
            "Fama-French three factors and the risk-free rate, monthly returns in PERCENT as "
            "published (2.96 means 2.96 %), 1926-07 to 2018-11; YYYYMM months are labelled by "
            "their first day."
        ),
        source="arch (arch.data.frenchdata); Kenneth R. French data library",
        columns=("mkt_rf", "smb", "hml", "rf"),
        mapping={"Mkt-RF": "mkt_rf"},
    ),
)
_BY_NAME = {spec.name: spec for spec in DATASETS}


def list_datasets() -> list[DatasetSpec]:
    """All bundled datasets, in catalog order."""
    return list(DATASETS)


def get_spec(name: str) -> DatasetSpec:
    """The spec of bundled dataset ``name``; DatasetNotFoundError lists the valid names."""
    key = str(name).strip().lower()
    if key not in _BY_NAME:
        raise DatasetNotFoundError(
            "no bundled dataset of that name",
            field="name",
            value=name,
            fix=f"use one of: {', '.join(_BY_NAME)}",
        )
    return _BY_NAME[key]


def load(name: str) -> pd.DataFrame:
    """Load a bundled real dataset (``sp500``, ``goog``, ``eurusd`` ...) with a UTC index.

    Bars have ``open, high, low, close, volume`` (sp500 adds ``adj_close``); the ``stocks`` panel
    has one column per ticker; series have their named columns. Each call returns a fresh copy.

    >>> load("sp500").shape
    (5031, 6)
    """
    return _load_cached(get_spec(name).name).copy(deep=True)


@cache
def _load_cached(name: str) -> pd.DataFrame:
    spec = _BY_NAME[name]
    # the bundled files write US month/day dates and naive hourly times taken as UTC
    frame = read_csv(spec.path, columns=spec.mapping or None, dayfirst=False, tz="UTC")
    if spec.relabel == "month_start":
        local = frame.index.tz_convert(None)
        starts = local.to_period("M").to_timestamp().tz_localize("UTC")
        frame.index = pd.DatetimeIndex(starts).as_unit("ns").rename(INDEX_NAME)
    if spec.kind == "bars":
        ordered = [c for c in BAR_COLUMNS if c in frame.columns]
        frame = frame[ordered + [c for c in frame.columns if c not in ordered]]
    return frame


def dataset_info(name: str) -> dict[str, Any]:
    """A summary of bundled dataset ``name``: kind, range, bar count, frequency, columns, source."""
    spec = get_spec(name)
    frame = _load_cached(spec.name)
    return {
        "name": spec.name,
        "kind": spec.kind,
        "file": spec.file,
        "start": frame.index.min().isoformat() if len(frame) else None,
        "end": frame.index.max().isoformat() if len(frame) else None,
        "bars": int(len(frame)),
        "timeframe": str(spec.timeframe),
        "frequency": spec.frequency,
        "columns": list(frame.columns),
        "missing_values": int(frame.isna().sum().sum()),
        "source": spec.source,
        "description": spec.description,
        "calendar": spec.calendar,
        "expects_volume": spec.expects_volume,
        "instrument": spec.instrument.model_dump(mode="json"),
    }
