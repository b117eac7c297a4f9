"""The walk-forward evaluation report: one self-contained HTML page (plotly.js inline)."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from signaltrust.backtest.tearsheet import figure
from signaltrust.backtest.tearsheet.report import html_page, output_path
from signaltrust.core.errors import ValidationError

# ``result`` below is an EvaluationResult. This module does not import result.py, whose
# ``EvaluationResult.report()`` calls it: the two would form an import cycle.

_EXTRA_STYLE = """
<style>
.verdict { font-size: 15px; background: #f6f6f6; border-left: 4px solid #444; padding: 10px 14px;
           max-width: 1000px; }
table.plain { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
table.plain th, table.plain td { padding: 3px 10px; border-bottom: 1px solid #eee;
                                 text-align: right; }
table.plain th { background: #f6f6f6; }
.note { color: #555; font-size: 13px; max-width: 1000px; }
</style>
"""

_METRIC_LABELS = (
    ("ic", "Information coefficient (Spearman, all OOS bars)"),
    ("ic_mean", "Mean of per-fold ICs"),
    ("ic_std", "Std of per-fold ICs"),
    ("hit_rate", "Hit rate (direction vs forward return)"),
    ("precision_at_top_decile", "Precision at the top decile"),
    ("base_rate", "Base rate (share of positive labels)"),
    ("brier", "Brier score"),
    ("auc", "ROC AUC"),
    ("n_predictions", "Out-of-sample predictions"),
)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:,.4f}"
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return str(value.date())
    return html.escape("—" if value is None else str(value))


def _explanation_html(entry: dict[str, Any]) -> str:
    """One explained prediction: the sentence, then its top contributions as a small table."""
    rows = [[c["label"], c["value"], c["contribution"]] for c in entry.get("top", [])]
    bars = [[b["bars_ago"], b["contribution"], b.get("attention", "")]
            for b in entry.get("top_bars", [])]
    return (f"<li>{_cell(entry['time'])} — score {entry['score']:.3f}: "
            f"{html.escape(entry['sentence'])}"
            + (_table(["feature", "value", "contribution"], rows) if rows else "")
            + (_table(["bars ago", "contribution", "attention"], bars) if bars else "")
            + "</li>")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="plain"><tr>{head}</tr>{body}</table>'


def _ic_figure(result: Any) -> go.Figure:
    per_fold = result.metrics["ic_per_fold"]
    starts = {f["fold"]: str(f["test_start"].date()) for f in result.folds}
    fig = go.Figure(go.Bar(x=[f"fold {k} ({starts[k]})" for k in per_fold],
                           y=[v if math.isfinite(v) else None for v in per_fold.values()],
                           marker_color="#1f77b4", name="IC"))
    fig.add_hline(y=0.0, line_color="#444")
    fig.update_layout(title="Information coefficient per walk-forward fold", height=320,
                      yaxis_title="Spearman IC", margin={"t": 50, "b": 40})
    return fig


def _calibration_figure(result: Any) -> go.Figure:
    table = result.reliability
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=table["mean_score"], y=table["observed_rate"],
                             mode="lines+markers", name="observed share of positive labels"))
    if result.params.get("probabilistic"):
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                                 line={"dash": "dash", "color": "#7f7f7f"}))
    fig.add_hline(y=result.metrics["base_rate"], line_dash="dot", line_color="#d62728",
                  annotation_text="base rate")
    fig.update_layout(title="Calibration: score deciles vs outcomes", height=360,
                      xaxis_title="mean score in the decile", yaxis_title="share positive",
                      margin={"t": 50, "b": 40})
    return fig


def _html(fig: go.Figure, include: bool | str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=include,
                       config={"displaylogo": False, "responsive": True})


def report_html(result: Any, plotlyjs: bool | str = True) -> str:
    """The evaluation report as one HTML document (``plotlyjs``: ``Figure.to_html``'s
    ``include_plotlyjs`` for the first chart; default inline)."""
    title = (f"Walk-forward evaluation: {result.model} on {result.data} "
             f"({result.label}, horizon {result.horizon})")
    m = result.metrics
    metrics_rows = [[label, m.get(key)] for key, label in _METRIC_LABELS]
    metrics_rows.append(["Deflated Sharpe ratio of the strategy", result.deflated_sharpe])
    strategy, bench = result.strategy.stats, result.buy_and_hold_result.stats
    keys = ("total_return", "annual_return", "sharpe_ratio", "max_drawdown", "annual_volatility",
            "trades", "exposure", "fees_paid", "final_equity")
    pnl_rows = [[k, strategy.get(k), bench.get(k)] for k in keys]
    folds = [[f["fold"], f["train_start"], f["train_end"], f["train_last_t1"], f["gap_bars"],
              f["test_start"], f["test_end"], f["n_train"], f["n_test"],
              m["ic_per_fold"].get(f["fold"])] for f in result.folds]
    reliability = result.reliability
    rel_rows = reliability[["bin", "count", "mean_score", "observed_rate",
                            "mean_forward_return"]].to_numpy().tolist()
    tearsheet = figure(result.strategy, benchmark=result.buy_and_hold_result.equity.rename(
        "buy-and-hold (same costs)"), title="Strategy trading the out-of-sample score")
    explanations = "".join(_explanation_html(e) for e in result.explanations)
    explained_by = (html.escape(f"{result.explanations[0]['method'].replace('_', ' ')}, "
                                f"measured against {result.explanations[0]['reference']}")
                    if result.explanations else "")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
    params = result.params
    body = f"""{_EXTRA_STYLE}
<h1>{html.escape(title)}</h1>
<p class="verdict" id="verdict">{html.escape(result.verdict())}</p>
<h2>Signal quality (out-of-sample predictions only)</h2>
{_table(["metric", "value"], metrics_rows)}
<p class="note">IC: rank correlation of the score with the {result.horizon}-bar forward return.
Labels of neighbouring bars overlap, so the effective number of independent observations is about
{len(result.predictions) // max(result.horizon, 1)}, not {len(result.predictions)}.</p>
<section id="ic">{_html(_ic_figure(result), plotlyjs)}</section>
<h2>Calibration by score decile</h2>
{_table(["decile", "count", "mean score", "observed share positive", "mean forward return"],
        rel_rows)}
<section id="calibration">{_html(_calibration_figure(result), False)}</section>
<h2>The strategy vs buy-and-hold (same bars, same costs)</h2>
{_table(["statistic", "strategy", "buy-and-hold"], pnl_rows)}
<p class="note">Long when the score is above {params['threshold']}, flat at or below
{params['exit_threshold']}{', short below the mirror threshold' if params['allow_short'] else ''};
fills at the next bar's open; costs {html.escape(str(params['costs']))}.</p>
<section id="tearsheet">{_html(tearsheet, False)}</section>
<h2>Walk-forward folds</h2>
{_table(["fold", "train start", "train end", "last training label ends", "gap (bars)",
         "test start", "test end", "train rows", "test rows", "IC"], folds)}
<h2 id="explanations">Why the last predictions (last fold's model)</h2>
<p class="note">{explained_by}</p>
<ul>{explanations or '<li>none</li>'}</ul>
<h2>Reproducibility</h2>
<p class="note">seed {result.seed}; data hash {result.data_hash}; {len(result.feature_names)}
features ({html.escape(', '.join(result.feature_sets))}); parameters
{html.escape(str(params))}; {result.elapsed_seconds:.1f} s.</p>
<ul class="note">{notes}</ul>
"""
    return html_page(title, body)


def write_evaluation_report(result: Any, path: str | Path, plotly: str = "file") -> Path:
    """Write the evaluation report to ``path`` (an ``.html`` file); returns the path.

    ``plotly``: "file" (one ``plotly-<version>.min.js`` shared by the reports of the folder),
    "inline" (one self-contained file) or "cdn".
    """
    from signaltrust.backtest.tearsheet.plotlyjs import include_plotlyjs

    target = output_path(path)
    if target.suffix.lower() != ".html":
        raise ValidationError("the evaluation report is HTML", field="path", value=str(path),
                              fix="end the file name with .html")
    target.write_text(report_html(result, include_plotlyjs(target, plotly)), encoding="utf-8")
    return target
