"""Write a tearsheet to disk: a self-contained HTML report or a PNG summary, by file suffix."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from signaltrust.backtest.tearsheet.interactive import figure
from signaltrust.backtest.tearsheet.plotlyjs import include_plotlyjs
from signaltrust.backtest.tearsheet.static import save_png, summary_figure
from signaltrust.backtest.tearsheet.tables import stats_html, trades_html
from signaltrust.core.errors import ValidationError

SUFFIXES = (".html", ".png")

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 24px;
       color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
.metrics-grid { display: flex; flex-wrap: wrap; gap: 24px; }
table.metrics { border-collapse: collapse; font-size: 13px; min-width: 260px; }
table.metrics th { text-align: left; font-weight: normal; color: #555; padding: 3px 16px 3px 0; }
table.metrics td { text-align: right; font-variant-numeric: tabular-nums; padding: 3px 0; }
table.metrics tr { border-bottom: 1px solid #eee; }
table.trades { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
table.trades th, table.trades td { padding: 3px 8px; border-bottom: 1px solid #eee;
                                   text-align: right; }
table.trades th { background: #f6f6f6; }
.trade-count { color: #555; font-size: 13px; }
"""


def output_path(path: str | Path, field: str = "path") -> Path:
    """The output path with a checked suffix (.html or .png); its folder is created."""
    target = Path(path)
    if target.suffix.lower() not in SUFFIXES:
        raise ValidationError(
            "unknown report format",
            field=field,
            value=str(path),
            fix=f"end the file name with one of {', '.join(SUFFIXES)}",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def html_page(title: str, body: str) -> str:
    """A complete HTML document with the tearsheet style."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def report_html(
    result: Any,
    *,
    benchmark: pd.Series | None = None,
    title: str | None = None,
    trades_limit: int = 10,
    plotlyjs: bool | str = True,
) -> str:
    """The tearsheet as one HTML document; ``plotlyjs`` is ``Figure.to_html``'s
    ``include_plotlyjs`` (default True: plotly.js inline, works offline)."""
    heading = title or "Backtest tearsheet"
    fig = figure(result, benchmark=benchmark, title=heading)
    chart = fig.to_html(
        full_html=False, include_plotlyjs=plotlyjs,
        config={"displaylogo": False, "responsive": True},
    )
    metrics = stats_html(getattr(result, "stats", None))
    trades = trades_html(getattr(result, "trades", None), limit=trades_limit)
    body = (
        f"<h1>{html.escape(heading)}</h1>\n"
        f'<section id="metrics"><h2>Metrics</h2>{metrics}</section>\n'
        f'<section id="charts">{chart}</section>\n'
        f'<section id="trades"><h2>Trades</h2>{trades}'
        "</section>"
    )
    return html_page(heading, body)


def write_report(
    result: Any, path: str | Path, *, benchmark: pd.Series | None = None, title: str | None = None,
    plotly: str = "file",
) -> Path:
    """Write a backtest tearsheet: ``.html`` interactive, ``.png`` a summary.

    The HTML report holds the interactive figure (equity vs benchmark, drawdown, rolling Sharpe,
    trades on the price chart, monthly returns), the metrics table and the trades table. It
    opens offline: plotly.js is one shared ``plotly-<version>.min.js`` in the report's folder
    (``plotly="file"``), or inside the report (``"inline"``), or from the CDN (``"cdn"``); see
    :mod:`signaltrust.backtest.tearsheet.plotlyjs`. The PNG holds equity vs benchmark,
    drawdown, the monthly returns heatmap and the key statistics. Returns the path written.
    """
    target = output_path(path)
    if target.suffix.lower() == ".html":
        page = report_html(result, benchmark=benchmark, title=title,
                           plotlyjs=include_plotlyjs(target, plotly))
        target.write_text(page, encoding="utf-8")
        return target
    return save_png(summary_figure(result, benchmark=benchmark, title=title), target)
