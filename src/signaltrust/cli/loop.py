"""``signaltrust loop``: replay the learning loop over history, run its scheduler, see its state."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import typer

from signaltrust.cli.console import (
    JSON_OPTION,
    console,
    handles_errors,
    print_json,
    progress,
    table,
)
from signaltrust.cli.observability import METRICS_PORT_OPTION
from signaltrust.core.errors import ValidationError

app = typer.Typer(
    help="The continuous learning loop: simulate it over history, run its scheduled jobs, see "
    "its state.\n\nExample: signaltrust loop simulate --data sp500 --model lgbm",
    no_args_is_help=True,
)


@app.command("simulate")
@handles_errors
def simulate(
    data: str = typer.Option("sp500", "--data", help="A bundled dataset."),
    model: str = typer.Option("lgbm", "--model", help="A classifier (lgbm, xgb, logistic...)."),
    start: str = typer.Option("2008-01-01", "--start", help="First month retrained."),
    end: str = typer.Option("2018-12-31", "--end", help="Last day served."),
    horizon: int = typer.Option(10, "--horizon", min=1, help="Label horizon in bars."),
    train_rows: int = typer.Option(1000, "--train-rows", min=100, help="Rows per training."),
    eval_rows: int = typer.Option(126, "--eval-rows", min=20, help="Rows of the gate's window."),
    seed: int = typer.Option(0, "--seed", help="Model and bootstrap seed."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Retrain monthly, gate every challenger, print each decision and the stitched results
    (gated vs always promoting vs never retraining, after costs)."""
    from signaltrust.core.config import load_settings
    from signaltrust.research.learning.gate import GateRules
    from signaltrust.research.learning.simulate import simulate_loop

    learning = load_settings().learning
    rules = GateRules.from_settings(learning, seed=seed)
    with progress("replaying the loop (months)", quiet=as_json) as advance:
        result = simulate_loop(data, model, start=start, end=end, horizon=horizon,
                               train_rows=train_rows, eval_rows=eval_rows, rules=rules,
                               psi_threshold=learning.psi_threshold,
                               ks_pvalue=learning.ks_pvalue, adwin_delta=learning.adwin_delta,
                               seed=seed, progress=lambda done, total: advance(1))
    payload = result.to_dict()
    if as_json:
        print_json(payload)
        return
    rows = [[str(d["month"])[:7], "yes" if d["promoted"] else "no", d["reason"]]
            for d in payload["decisions"]]
    console.print(table(f"Promotion decisions ({result.promotions} promoted)",
                        ["month", "promoted", "evidence"], rows))
    keys = ["ic", "hit_rate", "brier", "total_return", "sharpe_ratio", "max_drawdown", "trades"]
    results = [[path] + [_fmt(payload["results"][path][k]) for k in keys]
               for path in payload["results"]]
    results.append(["buy and hold", "", "", ""] + [_fmt(payload["buy_and_hold"].get(k))
                                                   for k in keys[3:]])
    console.print(table("Stitched out-of-sample results (after costs)", ["path"] + keys, results))
    console.print(f"{len(payload['drift_events'])} drift events; "
                  f"{payload['elapsed_seconds']:.0f} s", highlight=False)


DEFAULT_JOBS = {"data_update": "signaltrust.cli.loop:data_update_job",
                "feature_refresh": "signaltrust.cli.loop:feature_refresh_job",
                "report": "signaltrust.cli.loop:report_job",
                "retrain": "signaltrust.cli.loop:retrain_job",
                "evaluate": "signaltrust.cli.loop:evaluate_job"}


def _targets(jobs: list[str], configured: dict[str, str] | None = None,
             learning: Any = None) -> dict[str, str]:
    """Job -> import path: the defaults, then ``[learning] jobs``, then ``--job`` options. The
    default data jobs are off while ``[learning] update_source`` is empty."""
    defaults = dict(DEFAULT_JOBS)
    if learning is not None and not learning.update_source.strip():
        defaults.pop("data_update")
        defaults.pop("feature_refresh")
    targets = defaults | dict(configured or {})
    for item in jobs:
        name, sep, path = item.partition("=")
        if not sep or ":" not in path:
            raise ValidationError("a job is given as name=package.module:function",
                                  field="--job", value=item,
                                  fix="e.g. --job backup=mypkg.ops:backup_database")
        targets[name.strip()] = path.strip()
    return targets


def _registry() -> Any:
    from signaltrust.cli.models import registry_uri
    from signaltrust.ml.registry import ModelRegistry

    return ModelRegistry(registry_uri())


def bar_fetcher(source: str, venues: Any) -> tuple[Any, str]:
    """The data_update job's fetcher and the store's venue for ``[learning] update_source``:
    ``file:<folder>`` (files, offline) or a download source (a venue adapter, Yahoo)."""
    from pathlib import Path

    from signaltrust.research.learning.jobs import LocalFileSource

    text = source.strip()
    if text.lower().startswith("file:"):
        return LocalFileSource(Path(text[5:]).expanduser()), "FILE"
    from signaltrust.live.adapters.download import SOURCES, check_source, download, store_venue

    try:
        checked = check_source(text)
    except ValidationError:
        raise ValidationError("unknown data source for the data_update job",
                              field="learning.update_source", value=source,
                              fix=f"use one of {', '.join(SOURCES)} or file:<folder>") from None

    def fetch(symbol: str, start: Any, end: Any, timeframe: str) -> Any:
        return download(checked, symbol, start, end, timeframe, venues).bars

    return fetch, store_venue(checked)


def data_update_job() -> None:
    """The default ``data_update`` job: new bars of [learning] update_symbols from [learning]
    update_source into the bar store (idempotent); off while update_source is empty."""
    from signaltrust.core.config import load_settings
    from signaltrust.data.store import open_store
    from signaltrust.research.learning.jobs import record_updated, update_bars

    settings = load_settings()
    learning = settings.learning
    if not learning.update_source.strip():
        return
    fetch, venue = bar_fetcher(learning.update_source, settings.venues)
    store = open_store(settings)
    try:
        updates = update_bars(store, fetch, learning.update_symbols, venue=venue,
                              timeframe=learning.update_timeframe, start=learning.update_start)
    finally:
        store.close()
    record_updated(settings.home / "features", updates)


def feature_refresh_job() -> None:
    """The default ``feature_refresh`` job: [learning] feature_set recomputed and cached (under
    <home>/features) for the symbols the data_update job changed since the last refresh."""
    from signaltrust.core.config import load_settings
    from signaltrust.data.store import open_store
    from signaltrust.features import Alpha158Features, FeatureStore, TechnicalFeatures
    from signaltrust.research.learning.jobs import (
        clear_pending,
        pending_symbols,
        refresh_features,
    )

    settings = load_settings()
    learning = settings.learning
    folder = settings.home / "features"
    symbols = pending_symbols(folder)
    if not symbols or not learning.update_source.strip():
        return
    _, venue = bar_fetcher(learning.update_source, settings.venues)
    feature_set = Alpha158Features() if learning.feature_set == "alpha158" \
        else TechnicalFeatures()
    store = open_store(settings)
    try:
        done = refresh_features(store, FeatureStore(folder), feature_set, symbols, venue=venue,
                                timeframe=learning.update_timeframe)
    finally:
        store.close()
    clear_pending(folder, [d.symbol for d in done])


def retrain_job() -> None:
    """The default ``retrain`` job: retrain [learning] model on [learning] data, gate it
    against the champion of [learning] model_name, alert on the decision."""
    from signaltrust.cli.paper import open_app_database
    from signaltrust.core.config import load_settings
    from signaltrust.research.learning.alerts import Alert, Alerter
    from signaltrust.research.learning.gate import GateRules
    from signaltrust.research.learning.retrain import retrain_and_review

    learning = load_settings().learning
    version, decision = retrain_and_review(
        _registry(), open_app_database(), learning.model_name, data=learning.data,
        model=learning.model, horizon=learning.horizon_bars,
        rules=GateRules.from_settings(learning))
    if decision is not None:
        Alerter.from_settings(learning).send(Alert(
            "promotion", "info", decision.reason,
            {"model": learning.model_name, "version": version, "promoted": decision.promoted}))


def evaluate_job() -> None:
    """The default ``evaluate`` job: join the matured outcomes of logged signals (bars from the
    bar store, daily) and alert when a model's live error rose (ADWIN)."""
    from signaltrust.cli.paper import open_app_database
    from signaltrust.core.config import load_settings
    from signaltrust.data.store import open_store
    from signaltrust.research.learning.alerts import Alert, Alerter
    from signaltrust.research.learning.monitor import DriftMonitor
    from signaltrust.research.learning.signal_log import SignalLog

    settings = load_settings()
    learning = settings.learning
    log = SignalLog(open_app_database())
    store = open_store(settings)
    alerter = Alerter.from_settings(learning)
    try:
        for symbol in sorted(set(log.frame()["symbol"])):
            try:
                bars = store.read(symbol, "1d")
            except (KeyError, ValidationError) as exc:
                alerter.send(Alert("evaluate", "warning", f"no bars for {symbol}: {exc}"))
                continue
            log.join_outcomes(symbol, bars, horizon=learning.horizon_bars,
                              threshold=learning.hit_threshold, rule=learning.outcome)
    finally:
        store.close()
    matured = log.frame()
    monitor = DriftMonitor.from_settings(learning, alerter)
    for model, rows in matured[matured["outcome"].notna()].groupby("model"):
        errors = (rows["score"] - rows["outcome"]).abs().reset_index(drop=True)
        monitor.check(str(model), errors=errors)


def report_job() -> None:
    """The default ``report`` job: the loop's status as JSON under ``<home>/reports``."""
    from signaltrust.core.config import load_settings

    home = load_settings().home
    folder = home / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (folder / f"loop_status_{stamp}.json").write_text(json.dumps(_status(), default=str,
                                                                 indent=2))


def _scheduler(jobs: list[str]) -> Any:
    from signaltrust.cli.paper import open_app_database
    from signaltrust.core.config import load_settings
    from signaltrust.research.learning.scheduler import LoopScheduler, job_specs

    learning = load_settings().learning
    specs = job_specs(learning, _targets(jobs, learning.jobs, learning))
    return LoopScheduler(open_app_database(), specs)


@app.command("run")
@handles_errors
def run(
    job: list[str] | None = typer.Option(  # noqa: B008
        None, "--job", help="name=package.module:function (repeat); jobs: data_update, "
        "feature_refresh, retrain, evaluate, report, backup."),
    once: str | None = typer.Option(None, "--once", help="Run this job now (once) and exit."),
    seconds: float | None = typer.Option(None, "--seconds", min=1,
                                         help="Stop after this long (default: until Ctrl-C)."),
    metrics_port: int | None = METRICS_PORT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the scheduled jobs (crons from [learning]); a firing runs in one process only."""
    from signaltrust.cli.observability import serving_metrics
    from signaltrust.ops.metrics import LearningCollector
    from signaltrust.research.learning.scheduler import resolve_callable, run_once

    scheduler = _scheduler(job or [])
    if once is not None:
        spec = next((s for s in scheduler.jobs if s.name == once), None)
        if spec is None:
            raise ValidationError("no such configured job", field="--once", value=once,
                                  fix=f"use one of {', '.join(s.name for s in scheduler.jobs)}")
        ran = run_once(scheduler.database, spec.name, time.time_ns(),
                       resolve_callable(spec.target))
        print_json({"job": once, "ran": ran}) if as_json else console.print(
            f"{once}: {'ran' if ran else 'skipped (running elsewhere)'}")
        return
    # /metrics: the logged predictions, promotions and firings, read from the database
    with serving_metrics(metrics_port, lambda _: [LearningCollector(scheduler.database)]):
        scheduler.start()
        if not as_json:
            console.print(table("Scheduled jobs", ["job", "cron", "next (UTC)"],
                                [[s.name, s.cron, str(scheduler.next_runs()[s.name])]
                                 for s in scheduler.jobs]))
        try:
            deadline = None if seconds is None else time.monotonic() + seconds
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            scheduler.shutdown()
    if as_json:
        print_json({"stopped": True, "jobs": [s.name for s in scheduler.jobs]})


def _status() -> dict[str, Any]:
    from signaltrust.cli.paper import open_app_database
    from signaltrust.core.config import load_settings
    from signaltrust.research.learning.champion import decisions
    from signaltrust.research.learning.scheduler import LoopScheduler, job_specs, recent_runs
    from signaltrust.research.learning.signal_log import SignalLog

    database = open_app_database()
    learning = load_settings().learning
    specs = job_specs(learning, _targets([], learning.jobs, learning))
    return {"jobs": [{"name": s.name, "cron": s.cron} for s in specs],
            "next_runs": LoopScheduler(database, specs).next_runs(),
            "recent_runs": recent_runs(database), "decisions": decisions(database, limit=20),
            "signals": SignalLog(database).counts()}


@app.command("status")
@handles_errors
def status(as_json: bool = JSON_OPTION) -> None:
    """The jobs and their next runs, the latest firings, decisions and signal counts."""
    payload = _status()
    if as_json:
        print_json(payload)
        return
    console.print(table("Jobs", ["job", "cron", "next (UTC)"],
                        [[j["name"], j["cron"], str(payload["next_runs"][j["name"]])]
                         for j in payload["jobs"]]))
    console.print(table("Latest firings", ["job", "owner", "status", "error"],
                        [[r["job"], r["owner"], r["status"], r["error"] or ""]
                         for r in payload["recent_runs"]]))
    console.print(table("Promotion decisions", ["model", "action", "promoted", "reason"],
                        [[d["model"], d["action"], d["promoted"], d["reason"]]
                         for d in payload["decisions"]]))
    console.print(table("Signal log", ["model", "logged", "matured"],
                        [[m, c["logged"], c["matured"]] for m, c in payload["signals"].items()]))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)
