"""The risk report: VaR/CVaR by four methods, exposures, concentration and stress windows.

``risk_report(data, weights=..., strategy=...)`` measures either a constant-weight portfolio of
the assets in ``data`` (a bundled dataset or a CSV of prices) or the equity of a built-in
strategy backtested on one asset. VaR and CVaR are per period of the data (daily for daily
bars, monthly for the monthly panel) and negative numbers are losses. Stress rows read the
historical shock windows of :mod:`signaltrust.risk.stress` on the portfolio's path.

It runs a backtest when asked for a strategy's risk, so it lives in the application layer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.instrument import Instrument
from signaltrust.core.serialize import to_plain
from signaltrust.risk.exposure import effective_number_of_bets, exposures, herfindahl
from signaltrust.risk.measures import VAR_METHODS, conditional_value_at_risk, value_at_risk
from signaltrust.risk.stress import historical_stress

LEVELS = (0.95, 0.99)


def load_prices(data: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Closing prices, one column per asset, from a dataset name, a CSV path or a frame.

    Bar data gives its ``close`` (named after the dataset); a panel or a CSV of prices gives
    every numeric column. A CSV needs a date column first (or named date/timestamp).
    """
    if isinstance(data, pd.DataFrame):
        frame = data
        name = "asset"
    elif isinstance(data, (str, Path)) and Path(data).suffix.lower() in (".csv", ".gz"):
        path = Path(data)
        if not path.exists():
            raise ValidationError("no such CSV file", field="data", value=str(data),
                                  fix="pass a bundled dataset name or an existing CSV path")
        try:
            frame = pd.read_csv(path, index_col=0, parse_dates=[0])
        except (ValueError, pd.errors.ParserError) as exc:
            raise ValidationError("unreadable CSV of prices", field="data", value=str(data),
                                  fix="write a date column, then one price column per asset"
                                  ) from exc
        name = path.stem
    else:
        from signaltrust.data import load

        frame = load(str(data))
        name = str(data)
    if "close" in frame.columns:
        frame = frame[["close"]].rename(columns={"close": name})
    prices = frame.select_dtypes("number").astype(np.float64)
    if prices.empty or not isinstance(prices.index, pd.DatetimeIndex):
        raise ValidationError("no price columns over dates", field="data", value=str(data)[:80],
                              fix="pass bars (with close) or a date-indexed table of prices")
    return prices


def parse_weights(spec: str | Path | Mapping[str, float] | None,
                  assets: list[str]) -> dict[str, float]:
    """Weights from ``"AAPL=0.5,MSFT=0.5"``, a JSON file, or a mapping; equal when None."""
    if spec is None or spec == "":
        return {a: 1.0 / len(assets) for a in assets}
    if isinstance(spec, Mapping):
        raw = dict(spec)
    elif str(spec).endswith(".json"):
        path = Path(spec)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValidationError("unreadable weights file", field="weights", value=str(spec),
                                  fix='write a JSON object such as {"AAPL": 0.5}') from exc
    else:
        raw = {}
        for part in str(spec).split(","):
            name, sep, value = part.partition("=")
            if not sep:
                raise ValidationError("a weight is written NAME=VALUE", field="weights",
                                      value=part, fix="write e.g. AAPL=0.5,MSFT=0.5")
            raw[name.strip()] = value.strip()
    weights = {}
    for name, value in raw.items():
        if name not in assets:
            raise ValidationError("weight for an asset not in the data", field="weights",
                                  value=name, fix=f"use assets of the data: {', '.join(assets)}")
        try:
            weights[name] = float(value)
        except (TypeError, ValueError):
            raise ValidationError("a weight must be a number", field=f"weights[{name}]",
                                  value=value, fix="write e.g. AAPL=0.5") from None
        if not np.isfinite(weights[name]):
            raise ValidationError("a weight must be finite", field=f"weights[{name}]",
                                  value=value, fix="write e.g. AAPL=0.5")
    return weights


@dataclass
class RiskReport:
    """VaR/CVaR table, exposures, concentration, stress windows and the returns measured."""

    returns: pd.Series
    var: pd.DataFrame
    exposures: pd.DataFrame
    concentration: dict[str, float]
    stress: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``): ``risk report --json``."""
        return to_plain(self)

    def __plain__(self) -> dict[str, Any]:
        """The tables and figures of the report (the returns measured are left out)."""
        return {"meta": self.meta, "var": self.var, "exposures": self.exposures,
                "concentration": self.concentration, "stress": self.stress}

    def to_html(self, path: str | Path, plotly: str = "file") -> Path:
        """An HTML report: tables and the return distribution (``plotly``: "file", one
        plotly.js shared by the reports of the folder; "inline", one self-contained file)."""
        import plotly.graph_objects as go

        from signaltrust.backtest.tearsheet.plotlyjs import include_plotlyjs

        path = Path(path)
        fig = go.Figure(go.Histogram(x=self.returns.to_numpy(), nbinsx=80, name="returns"))
        colours = {"historical": "red", "gaussian": "blue", "cornish_fisher": "green",
                   "monte_carlo": "purple"}
        for row in self.var.itertuples():
            fig.add_vline(x=row.var, line_dash="dash" if row.level == 0.95 else "dot",
                          line_color=colours.get(row.method, "black"),
                          annotation_text=f"{row.method} {row.level:.0%}",
                          annotation_font_size=9)
        fig.update_layout(title="Return distribution with VaR lines", xaxis_title="return",
                          yaxis_title="periods", height=500)
        chart = fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs(path, plotly))
        meta = "".join(f"<li><b>{k}</b>: {v}</li>" for k, v in self.meta.items())
        conc = pd.Series(self.concentration).to_frame("value").to_html(float_format="%.4f")
        html = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>SignalTrust risk report"
            "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:"
            "collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style>"
            f"</head><body><h1>Risk report</h1><ul>{meta}</ul>"
            "<h2>Value at risk and expected shortfall (per period; negative = loss)</h2>"
            f"{self.var.to_html(index=False, float_format='%.5f')}"
            f"{chart}<h2>Exposures</h2>{self.exposures.to_html(float_format='%.4f')}"
            f"<h2>Concentration</h2>{conc}<h2>Stress windows</h2>"
            f"{self.stress.to_html(index=False, float_format='%.4f')}</body></html>"
        )
        path.write_text(html, encoding="utf-8")
        return path


def _instruments(data: Any, assets: list[str]) -> dict[str, Instrument]:
    """Instrument metadata per asset: the bundled dataset's class and currency, else equity/USD."""
    asset_class, currency = "equity", "USD"
    if isinstance(data, str) and Path(data).suffix.lower() not in (".csv", ".gz"):
        from signaltrust.data.catalog import get_spec

        spec = get_spec(data).instrument
        asset_class, currency = spec.asset_class, spec.currency
    return {a: Instrument(symbol=a, asset_class=asset_class, currency=currency) for a in assets}


def var_table(returns: pd.Series, *, levels: tuple[float, ...] = LEVELS, n_sims: int = 100_000,
              seed: int = 0) -> pd.DataFrame:
    """VaR and CVaR of ``returns`` for every method at every confidence level."""
    rows = []
    for method in VAR_METHODS:
        for level in levels:
            cutoff = 1.0 - level
            rows.append({
                "method": method, "level": level,
                "var": value_at_risk(returns, cutoff, method, n_sims=n_sims, seed=seed),
                "cvar": conditional_value_at_risk(returns, cutoff, method, n_sims=n_sims,
                                                  seed=seed),
            })
    return pd.DataFrame(rows)


def risk_report(data: str | Path | pd.DataFrame = "sp500", weights: Any = None, *,
                strategy: str | None = None, params: Mapping[str, Any] | None = None,
                n_sims: int = 100_000, seed: int = 0,
                run_options: Mapping[str, Any] | None = None) -> RiskReport:
    """Measure a portfolio (``weights``) or a strategy's equity (``strategy``) on ``data``.

    ``run_options`` go to the backtest of ``strategy`` (``cash``, ``fees``, ``slippage``...).
    """
    prices = load_prices(data)
    source = data if isinstance(data, (str, Path)) else "frame"
    meta: dict[str, Any] = {"data": str(source), "start": prices.index[0].date().isoformat(),
                            "end": prices.index[-1].date().isoformat(), "seed": seed,
                            "n_sims": n_sims}
    if strategy is not None:
        if prices.shape[1] != 1:
            raise ValidationError("a strategy report runs on one asset", field="data",
                                  value=list(prices.columns),
                                  fix="pass a bar dataset such as sp500, or drop --strategy")
        if weights is not None:
            raise ValidationError("--weights and --strategy exclude each other",
                                  field="weights", value=weights, fix="pass one of them")
        from signaltrust.backtest.api import load_bars, run

        if isinstance(data, pd.DataFrame):
            bars = data if {"open", "high", "low", "close"} <= set(data.columns) else None
        elif isinstance(data, str) and not str(data).endswith((".csv", ".gz")):
            bars = load_bars(str(data))
        else:
            bars = None
        if bars is None:
            raise ValidationError("a strategy report needs bars (open/high/low/close)",
                                  field="data", value=str(data)[:80],
                                  fix="pass bars: a bundled bar dataset such as sp500, or a "
                                  "frame (file) with open, high, low and close")
        result = run(bars, strategy, params, **dict(run_options or {}))
        equity = result.equity.astype(np.float64)
        returns = equity.pct_change().dropna().rename("portfolio")
        last = result.positions.iloc[-1] * result.close.iloc[-1]
        held = {str(k): float(v) for k, v in last.items()}
        equity_now = float(equity.iloc[-1])
        meta.update(strategy=strategy, params=dict(params or {}), kind="strategy equity")
        benchmark = prices.iloc[:, 0]
    else:
        assets = list(prices.columns)
        w = parse_weights(weights, assets)
        used = prices[list(w)]
        asset_returns = used.pct_change(fill_method=None).iloc[1:].dropna()
        if len(asset_returns) < 30:
            raise ValidationError("too few periods where every weighted asset has a price",
                                  field="data", value=len(asset_returns),
                                  fix="weight assets with a longer common history")
        returns = (asset_returns @ pd.Series(w)).rename("portfolio")
        equity = (1.0 + returns).cumprod()
        held = dict(w)
        equity_now = 1.0
        meta.update(weights=w, kind="constant-weight portfolio")
        benchmark = None
    var = var_table(returns, n_sims=n_sims, seed=seed)
    table = (exposures(held, equity=equity_now, instruments=_instruments(data, list(held)))
             if any(held.values()) else pd.DataFrame())
    values = np.array(list(held.values()), dtype=np.float64)
    weights_now = values / equity_now if equity_now else values
    concentration = {"herfindahl": herfindahl(weights_now) if values.any() else 0.0,
                     "effective_number_of_bets": (effective_number_of_bets(weights_now)
                                                  if values.any() else 0.0),
                     "largest_weight": float(np.abs(weights_now).max()) if values.size else 0.0}
    stress = historical_stress(equity, benchmark)
    note = "historical shock windows (risk.stress)"
    meta.update(periods=len(returns), stress=note)
    return RiskReport(returns, var, table, concentration, stress, meta)
