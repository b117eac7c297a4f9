"""``signaltrust ml walkforward``: a model judged out of sample, after costs, vs buy-and-hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from signaltrust.cli.console import (
    JSON_OPTION,
    check_writable,
    console,
    handles_errors,
    print_json,
    progress,
    table,
)
from signaltrust.cli.data_options import bars_for, import_options

app = typer.Typer(
    help="Machine-learning signals judged honestly (walk-forward, out of sample, after costs).\n\n"
    "Example: signaltrust ml walkforward --data sp500 --model lgbm --label triple_barrier",
    no_args_is_help=True,
)

REPORT_OPTION = typer.Option(None, "--report", help="Write the HTML report here.")
_SIGNAL = ("ic", "ic_mean", "hit_rate", "precision_at_top_decile", "base_rate", "brier", "auc",
           "deflated_sharpe")
_PNL = ("final_equity", "total_return", "annual_return", "sharpe_ratio", "max_drawdown",
        "trades", "fees_paid")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "—" if value != value else f"{value:,.4f}"
    return "—" if value is None else str(value)


def _features(value: str) -> Any:
    names = [v.strip() for v in value.split(",") if v.strip()]
    return names[0] if len(names) == 1 else names


def _check_scores(label: str, threshold: float | None, exit_threshold: float | None,
                  embargo: float) -> None:
    """Thresholds are probabilities for classifier labels; the embargo is a fraction."""
    import math

    probability = label != "forward_return"
    for flag, value in (("--threshold", threshold), ("--exit-threshold", exit_threshold)):
        if value is None:
            continue
        if not math.isfinite(value) or (probability and not 0.0 < value < 1.0):
            raise typer.BadParameter(
                f"{value} is not a probability strictly between 0 and 1 (the {label} model "
                "scores are probabilities); give e.g. 0.55" if probability
                else f"{value} is not a finite number", param_hint=f"'{flag}'",
            )
    if threshold is not None and exit_threshold is not None and exit_threshold > threshold:
        raise typer.BadParameter(
            f"the exit threshold {exit_threshold} is above the entry threshold {threshold}; "
            "give an exit at or below the entry", param_hint="'--exit-threshold'",
        )
    if not (math.isfinite(embargo) and 0.0 <= embargo < 1.0):
        raise typer.BadParameter(f"{embargo} is not a fraction in [0, 1); give e.g. 0.01",
                                 param_hint="'--embargo'")


@app.command("walkforward")
@handles_errors
@import_options
def walkforward(
    data: str = typer.Option(
        "sp500", "--data", "-d", help="A bundled bar dataset, a stored series "
        "SYMBOL[.VENUE][@TIMEFRAME] or a CSV/Parquet file of bars.",
    ),
    model: str = typer.Option("lgbm", "--model", "-m",
                              help="Model name: lgbm, xgb, logistic, lstm, cnn, transformer, "
                              "ensemble (regressors for --label forward_return)."),
    label: str = typer.Option("triple_barrier", "--label", "-l",
                              help="triple_barrier, sign or forward_return."),
    features: str = typer.Option("technical", "--features", "-f",
                                 help="Feature sets, comma-separated: technical, alpha158, "
                                 "cross_asset, macro."),
    splits: int = typer.Option(5, "--splits", help="Walk-forward test folds."),
    horizon: int = typer.Option(10, "--horizon", help="Label horizon in bars."),
    train_size: int = typer.Option(None, "--train-size",
                                   help="Rolling training window in rows (default: expanding)."),
    embargo: float = typer.Option(0.01, "--embargo", help="Embargo, fraction of the samples."),
    threshold: float = typer.Option(None, "--threshold",
                                    help="Enter long above this score (default 0.5)."),
    exit_threshold: float = typer.Option(None, "--exit-threshold",
                                         help="Exit at or below this score (default: threshold)."),
    short: bool = typer.Option(False, "--short", help="Also go short below 1 - threshold."),
    trials: int = typer.Option(1, "--trials",
                               help="Configurations tried so far, this one included (for the "
                               "deflated Sharpe ratio)."),
    seed: int = typer.Option(0, "--seed", help="Model seed."),
    explain: int = typer.Option(3, "--explain", min=0,
                                help="Explain the last N predictions (0: none): SHAP for flat "
                                "models, integrated gradients for sequence models."),
    explain_method: str = typer.Option("auto", "--explain-method",
                                       help="auto, or lime (LIME's local surrogate, flat "
                                       "models; pip install 'signaltrust[explain]')."),
    fees: float = typer.Option(None, "--fees",
                               help="Fees, fraction of notional (default: config)."),
    slippage_bps: float = typer.Option(None, "--slippage-bps",
                                       help="Slippage in basis points (default: config)."),
    report: Path = REPORT_OPTION,
    register: bool = typer.Option(False, "--register",
                                  help="Log the run and the last fold's model to the registry."),
    ray: bool = typer.Option(False, "--ray", help="Train the folds on Ray when the work pays "
                             "for it (local, or SIGNALTRUST_RAY_ADDRESS)."),
    jobs: int = typer.Option(1, "--jobs", help="Fit the folds in this many worker processes "
                             "(-1: one per core); the same results."),
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Walk-forward evaluation of a model: out-of-sample IC, hit rate, P&L vs buy-and-hold.

    Each fold's model is trained only on data before the fold (purged, embargoed); the strategy
    trades the out-of-sample scores with next-open fills and costs, against buy-and-hold over
    the same bars with the same costs.

    Example: signaltrust ml walkforward --data sp500 --model lgbm --report wf.html
    """
    import os

    from signaltrust.cli.models import registry_uri
    from signaltrust.cli.run_options import configured_costs
    from signaltrust.optimize.distributed import ray_option
    from signaltrust.research.ml_eval import walk_forward_evaluation

    _check_scores(label, threshold, exit_threshold, embargo)
    check_writable(report, "--report")
    costs = configured_costs(None, fees, slippage_bps, None)
    bars = bars_for(data, import_options)
    with progress(f"walk-forward {model} on {data}", total=splits, quiet=as_json) as advance:
        result = walk_forward_evaluation(
            bars, model, features=_features(features), label=label, horizon=horizon,
            n_splits=splits, train_size=train_size, embargo=embargo, seed=seed,
            threshold=threshold, exit_threshold=exit_threshold, allow_short=short,
            fees=costs["fees"], slippage=costs["slippage"],
            n_trials=trials, explain_last=explain, explain_method=explain_method,
            progress=advance,
            tracking_uri=registry_uri() if register else None,
            ray=ray_option(ray, os.environ), n_jobs=jobs,
        )
    written = result.report(report) if report is not None else None
    if as_json:
        print_json({**result.to_dict(), "report": str(written) if written else None})
        return
    from signaltrust.research.ml_eval.trading import headline

    metrics = {**result.metrics, "deflated_sharpe": result.deflated_sharpe}
    index = result.predictions.index
    console.print(table(
        f"Out-of-sample signal: {model} on {data} ({label}, horizon {horizon}), "
        f"{len(index)} bars {index[0].date()} to {index[-1].date()}",
        ["metric", "value"], [[k, _fmt(metrics[k])] for k in _SIGNAL],
    ))
    mine, bench = headline(result.strategy), result.buy_and_hold
    console.print(table(
        "Strategy vs buy-and-hold (same bars, same costs, next-open fills)",
        ["statistic", "strategy", "buy-and-hold"],
        [[k, _fmt(mine.get(k)), _fmt(bench.get(k))] for k in _PNL],
    ))
    console.print(table(
        "IC per fold", ["fold", "test start", "test end", "IC"],
        [[f["fold"], f["test_start"].date(), f["test_end"].date(),
          _fmt(metrics["ic_per_fold"].get(f["fold"]))] for f in result.folds],
    ))
    if result.explanations:
        first = result.explanations[0]
        console.print(table(
            f"Why the last {len(result.explanations)} scores "
            f"({first['method'].replace('_', ' ')}, last fold's model)",
            ["time", "score", "top contributions"],
            [[str(e["time"].date()) if hasattr(e["time"], "date") else str(e["time"]),
              _fmt(e["score"]), e["sentence"]] for e in result.explanations],
        ))
        console.print(f"[dim]{first['method'].replace('_', ' ')}, measured against "
                      f"{first['reference']}[/]", highlight=False)
    console.print(result.verdict(), highlight=False)
    console.print(f"[dim]seed {result.seed}, data hash {result.data_hash[:16]}…, "
                  f"{result.elapsed_seconds:.1f} s[/]", highlight=False)
    if written:
        console.print(f"report: {written}")
