"""How to read a file: separator, decimal mark, date column and format, time zone, column names.

:class:`ImportOptions` groups every choice an importer makes so that the CLI (``--tz``, ``--sep``
...) and Python (``tz=``, ``sep=`` ...) share one object, and so that an error's fix can name the
option the way the caller writes it (``hints="cli"`` gives ``--tz America/New_York``, the default
``hints="python"`` gives ``tz='America/New_York'``).

Presets (``format="yahoo"``, ``"binance-klines"``, ``"alpaca"``, ``"mt4"``, ``"ib"``) fill in
what a common export needs; anything the caller sets explicitly wins over the preset.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from signaltrust.core.errors import ValidationError

NA_VALUES: tuple[str, ...] = (
    "",
    ".",
    "NA",
    "NaN",
    "nan",
    "null",
    "NULL",
    "None",
    "N/A",
    "n/a",
    "#N/A",
    "-",
)
#: ``date_format`` values for numbers since 1970-01-01 UTC; ``epoch`` picks the unit by digits
EPOCH_FORMATS: dict[str, str | None] = {
    "epoch": None,
    "epoch_s": "s",
    "epoch_ms": "ms",
    "epoch_us": "us",
    "epoch_ns": "ns",
}
_FLAGS = {
    "tz": "--tz",
    "sep": "--sep",
    "decimal": "--decimal",
    "date_column": "--date-column",
    "date_format": "--date-format",
    "encoding": "--encoding",
    "columns": "--columns",
    "format": "--format",
}
HintStyle = Literal["python", "cli"]


@dataclass(frozen=True)
class Preset:
    """What a common export needs: header, column names, date column and format, time zone."""

    description: str
    header: bool | None = True  # None: a header line is detected (first cell not a number)
    names: tuple[str, ...] | None = None  # column names for files without a header
    columns: Mapping[str, str] = field(default_factory=dict)  # applied to columns present
    date_column: str | None = None
    date_time_columns: tuple[str, str] | None = None  # a date and a time column, joined
    date_format: str | None = None
    tz: str | None = None
    ib_dates: bool = False  # 'YYYYMMDD  HH:MM:SS [zone]' cells


FORMATS: dict[str, Preset] = {
    "yahoo": Preset(
        "Yahoo Finance / yfinance: Date,Open,High,Low,Close,Adj Close,Volume (also yfinance's "
        "three header lines); dates with or without a UTC offset",
        date_column="Date",
    ),
    "binance-klines": Preset(
        "Binance klines (data.binance.vision): no header, 12 columns, open time in epoch "
        "milliseconds (microseconds from 2025), UTC",
        header=None,
        names=(
            "open_time", "open", "high", "low", "close", "volume", "close_time",
            "quote_volume", "trades", "taker_buy_base_volume", "taker_buy_quote_volume",
            "ignore",
        ),
        date_column="open_time",
        date_format="epoch",
        tz="UTC",
    ),
    "alpaca": Preset(
        "Alpaca bars: timestamp (RFC 3339, UTC),open,high,low,close,volume,trade_count,vwap "
        "or the short names t,o,h,l,c,v,n,vw",
        columns={"t": "timestamp", "o": "open", "h": "high", "l": "low", "c": "close",
                 "v": "volume", "n": "trade_count", "vw": "vwap"},
    ),
    "mt4": Preset(
        "MetaTrader 4 history export: no header, date (YYYY.MM.DD), time (HH:MM), open, high, "
        "low, close, tick volume; times are the broker's server time (give --tz)",
        header=None,
        names=("date", "time", "open", "high", "low", "close", "volume"),
        date_time_columns=("date", "time"),
        date_format="%Y.%m.%d %H:%M",
    ),
    "ib": Preset(
        "Interactive Brokers historical data: date ('YYYYMMDD' or 'YYYYMMDD  HH:MM:SS [zone]'),"
        " open, high, low, close, volume, average/wap, barCount",
        date_column="date",
        ib_dates=True,
    ),
}


@dataclass(frozen=True)
class ImportOptions:
    """How to read a CSV or Parquet file into the bar schema.

    ``tz``: the time zone of naive timestamps (``None``: the venue's zone when one is known,
    else intraday naive timestamps are refused; dates alone need no zone). ``sep``: ``None``
    detects ``,`` ``;`` tab or ``|`` from the header. ``decimal``: ``.`` or ``,``.
    ``date_format``: a strftime pattern, ``ISO8601``, or ``epoch_s``/``epoch_ms``/``epoch_us``/
    ``epoch_ns`` (``epoch``: the unit from the number of digits). ``dayfirst``: the order of
    ``01/02/2019``-style dates; ``None`` refuses dates that read both ways. ``columns`` renames
    source columns (``{"Px": "close"}``). ``format``: a preset from :data:`FORMATS`.
    ``timeframe``: the bar length when known (``1d`` labels rows by session date, ``1h`` by UTC
    instant); else bars a day or more apart, one per date, are taken as daily.
    ``default_tz``/``default_tz_source`` are the venue's zone and where it came from.
    ``hints`` says how error fixes name options: ``python`` (``tz=``) or ``cli`` (``--tz``).
    """

    tz: str | None = None
    sep: str | None = None
    decimal: str = "."
    date_column: str | None = None
    date_format: str | None = None
    dayfirst: bool | None = None
    encoding: str = "utf-8"
    columns: Mapping[str, str] | None = None
    format: str | None = None
    na_values: tuple[str, ...] = NA_VALUES
    timeframe: str | None = None
    default_tz: str | None = None
    default_tz_source: str | None = None
    hints: HintStyle = "python"
    header: bool | None = True
    names: tuple[str, ...] | None = None
    date_time_columns: tuple[str, str] | None = None
    ib_dates: bool = False
    optional_columns: Mapping[str, str] | None = None  # a preset's renames, where present

    @classmethod
    def make(cls, options: ImportOptions | None = None, **overrides: Any) -> ImportOptions:
        """Options from an ImportOptions and/or keyword arguments (keywords win), checked."""
        base = options or cls()
        unknown = sorted(set(overrides) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValidationError(
                "unknown import option", field=unknown[0], value=overrides[unknown[0]],
                fix="use tz, sep, decimal, date_column, date_format, dayfirst, encoding, "
                "columns, format or na_values",
            )
        if "na_values" in overrides and overrides["na_values"] is not None:
            overrides["na_values"] = tuple(str(v) for v in overrides["na_values"])
        return replace(base, **overrides).checked()

    def hint(self, name: str, value: Any = None) -> str:
        """How the caller sets option ``name`` to ``value``: ``--tz X`` or ``tz='X'``."""
        if self.hints == "cli":
            if name == "dayfirst":
                return "--dayfirst" if value in (True, None) else "--monthfirst"
            if name == "columns" and isinstance(value, Mapping):
                value = ",".join(f"{t}={s}" for s, t in value.items())
            flag = _FLAGS.get(name, "--" + name.replace("_", "-"))
            return flag if value is None else f"{flag} {_shell(str(value))}"
        return f"{name}=" if value is None else f"{name}={value!r}"

    def checked(self) -> ImportOptions:
        """These options after checking each value (a ValidationError names the bad one)."""
        for name in ("tz", "default_tz"):
            zone = getattr(self, name)
            if zone is not None:
                check_zone(zone, self.hint(name if name == "tz" else "tz", "America/New_York"))
        if self.sep is not None and (len(self.sep) != 1 or self.sep in "\r\n\"'"):
            raise ValidationError(
                "the separator must be one character (not a quote or a line break)",
                field="sep", value=self.sep, fix=f"give e.g. {self.hint('sep', ';')}",
            )
        if self.decimal not in (".", ","):
            raise ValidationError(
                "the decimal mark must be '.' or ','", field="decimal", value=self.decimal,
                fix=f"give {self.hint('decimal', ',')} for numbers such as 1,5",
            )
        if self.sep is not None and self.sep == self.decimal:
            raise ValidationError(
                "the separator and the decimal mark are the same", field="sep", value=self.sep,
                fix=f"files with decimal commas are usually ';'-separated: {self.hint('sep', ';')}",
            )
        try:
            codecs.lookup(self.encoding)
        except (LookupError, TypeError):
            raise ValidationError(
                "unknown text encoding", field="encoding", value=self.encoding,
                fix=f"give e.g. {self.hint('encoding', 'latin-1')} or utf-8 (the default)",
            ) from None
        if self.date_format is not None:
            fmt = str(self.date_format)
            if fmt.lower() not in EPOCH_FORMATS and fmt.upper() != "ISO8601" and "%" not in fmt:
                raise ValidationError(
                    "a date format is a strftime pattern, ISO8601 or epoch_s/ms/us/ns",
                    field="date_format", value=fmt,
                    fix=f"give e.g. {self.hint('date_format', '%d/%m/%Y %H:%M')} or "
                    f"{self.hint('date_format', 'epoch_ms')}",
                )
        if self.timeframe is not None:
            from signaltrust.core.timeframe import Timeframe

            object.__setattr__(self, "timeframe", str(Timeframe.parse(self.timeframe)))
        if self.format is not None and self.format not in FORMATS:
            raise ValidationError(
                "unknown file format preset", field="format", value=self.format,
                fix=f"use one of {', '.join(FORMATS)}, or leave it out",
            )
        if self.columns is not None and not _is_mapping_of_names(self.columns):
            raise ValidationError(
                "columns maps source column names to bar names", field="columns",
                value=self.columns, fix=f"give e.g. {self.hint('columns', {'Px': 'close'})}",
            )
        return self

    def resolved(self) -> ImportOptions:
        """The options with the preset's defaults filled in where the caller left them unset."""
        if self.format is None:
            return self
        preset = FORMATS[self.format]
        return replace(
            self,
            format=None,
            header=preset.header,
            names=preset.names,
            optional_columns=dict(preset.columns) or None,
            date_column=self.date_column or preset.date_column,
            date_time_columns=preset.date_time_columns,
            date_format=self.date_format or preset.date_format,
            tz=self.tz or preset.tz,
            ib_dates=preset.ib_dates,
        )

    def for_venue(self, zone: str | None, source: str) -> ImportOptions:
        """These options with ``zone`` as the zone of naive timestamps unless ``tz`` is set."""
        if zone is None or self.tz is not None:
            return self
        return replace(self, default_tz=zone, default_tz_source=source)


def check_zone(zone: str, fix: str) -> str:
    """``zone`` if it is an IANA time zone (``UTC``, ``America/New_York``), else ValidationError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        if not isinstance(zone, str) or not zone.strip() or zone != zone.strip():
            raise ValueError(zone)
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            "unknown time zone", field="tz", value=zone,
            fix=f"give an IANA zone name such as UTC, Europe/London or {fix}",
        ) from None
    return zone


def parse_columns(specs: Iterable[str]) -> dict[str, str]:
    """``["open=Open", "close=Px"]`` or ``"open=Open,close=Px"`` (bar name = file column) as a
    source -> target mapping: ``{"Open": "open", "Px": "close"}``."""
    out: dict[str, str] = {}
    items = [part for spec in specs for part in str(spec).split(",")]
    for item in items:
        target, sep, source = item.partition("=")
        target, source = target.strip(), source.strip()
        if not sep or not target or not source:
            raise ValidationError(
                "a column mapping is written name=column", field="columns", value=item,
                fix="write e.g. --columns open=Open,close='Adj Close' (the bar name first)",
            )
        if source in out:
            raise ValidationError(
                "a file column is mapped twice", field="columns", value=source,
                fix=f"map {source} to one bar name",
            )
        if target in out.values():
            raise ValidationError(
                "a bar name is given twice", field="columns", value=target,
                fix=f"map one file column to {target}",
            )
        out[source] = target
    return out


def _is_mapping_of_names(columns: object) -> bool:
    return isinstance(columns, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
        for k, v in columns.items()
    )


def _shell(text: str) -> str:
    return text if text and all(c.isalnum() or c in "/_.-%:," for c in text) else repr(text)
