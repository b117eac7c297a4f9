"""``signaltrust rl``: train, evaluate and trade reinforcement-learning agents honestly."""

from __future__ import annotations

import math
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
    help="Reinforcement-learning agents judged honestly (out of sample, after costs, against "
    "buy-and-hold).\n\nExample: signaltrust rl train --data sp500 --algo ppo --timesteps 20000",
    no_args_is_help=True,
)

DATA = typer.Option(["sp500"], "--data", "-d", help="A bundled bar dataset, a stored series "
                    "SYMBOL[.VENUE][@TIMEFRAME] or a CSV/Parquet file of bars; repeat for a "
                    "portfolio (the bars they share).")
ALGO = typer.Option("ppo", "--algo", "-a", help="ppo, a2c, dqn, sac (continuous), "
                    "recurrent_ppo or maskable_ppo.")
TIMESTEPS = typer.Option(20_000, "--timesteps", "-n", help="Environment steps per agent.")
FEATURES = typer.Option("technical", "--features", "-f", help="Feature sets, comma-separated: "
                        "technical, alpha158, cross_asset, macro.")
REWARD = typer.Option("pnl", "--reward", help="pnl, differential_sharpe or drawdown.")
ACTIONS = typer.Option("discrete", "--actions",
                       help="discrete (short/flat/long) or continuous (target weights).")
SHORT = typer.Option(False, "--short", help="Allow short positions.")
FEES = typer.Option(None, "--fees", help="Fees, fraction of notional (default: config).")
SLIPPAGE = typer.Option(None, "--slippage-bps", help="Slippage in basis points (default: "
                        "config).")
TENSORBOARD = typer.Option(None, "--tensorboard", help="Write TensorBoard logs in this folder.")
REGISTER = typer.Option(False, "--register", help="Log the agent and its figures to the model "
                        "registry (MLflow).")
OUT = typer.Option(None, "--out", "-o", help="Save the trained agent here (pickle).")
AGENT = typer.Option(..., "--agent", help="An agent saved by `rl train --out` (a pickle: load "
                     "only files you made).")
RAY = typer.Option(False, "--ray", help="Train the fold x seed agents as Ray tasks (a local Ray "
                  "with 2 CPUs, or the cluster at SIGNALTRUST_RAY_ADDRESS); same figures.")
_ROWS = ("sharpe_ratio", "total_return", "max_drawdown", "annual_turnover", "costs", "trades")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:,.4f}"
    return "—" if value is None else str(value)


def _bars(data: list[str], options: Any) -> Any:
    """One frame, or the assets' frames on the bars they share (a portfolio)."""
    bars = bars_for(data[0] if len(data) == 1 else data, options)
    if isinstance(bars, dict):
        common = None
        for frame in bars.values():
            common = frame.index if common is None else common.intersection(frame.index)
        bars = {name: frame.loc[common] for name, frame in bars.items()}
    return bars


def _agent(algo: str, timesteps: int, features: str, reward: str, actions: str, short: bool,
           fees: float | None, slippage_bps: float | None, tensorboard: Path | None) -> Any:
    from signaltrust.backtest import Costs
    from signaltrust.cli.run_options import configured_costs
    from signaltrust.research.rl.agent import RLAgent

    costs = configured_costs(None, fees, slippage_bps, None)
    names = [v.strip() for v in features.split(",") if v.strip()]
    return RLAgent(
        algo=algo, timesteps=timesteps, features=names[0] if len(names) == 1 else names,
        reward=reward, actions=actions, allow_short=short, cash=costs["cash"],
        costs=Costs(fees=costs["fees"], slippage=costs["slippage"],
                    fixed_fees=costs["fixed_fees"], min_fees=costs["min_fees"]),
        tensorboard_log=str(tensorboard) if tensorboard is not None else None,
    )


def _show(result: Any, title: str) -> None:
    seeds = result.seeds
    columns = ["statistic", *[f"seed {s}" for s in seeds], "buy-and-hold", "equal weight",
               "random timing"]
    rows = [[key, *[_fmt(v.get(key)) for v in seeds.values()],
             _fmt(result.buy_and_hold.get(key)), _fmt(result.equal_weight.get(key)),
             _fmt(result.random_agent.get(key))] for key in _ROWS]
    console.print(table(title, columns, rows))
    if result.ml_strategy:
        ml = result.ml_strategy
        console.print(f"supervised ML ({ml['model']}): net Sharpe {_fmt(ml['sharpe_ratio'])}, "
                      f"return {_fmt(ml['total_return'])} ({ml['period'][0].date()} to "
                      f"{ml['period'][1].date()})", highlight=False)
    console.print(result.verdict, highlight=False)
    repro = result.reproducibility
    console.print(f"[dim]seeds {repro['seeds']}, data hash {repro['data_hash'][:16]}…, "
                  f"signaltrust {repro['signaltrust_version']} "
                  f"({(repro['git_commit'] or 'no git')[:10]}), "
                  f"{result.elapsed_seconds:.1f} s, {result.executor}[/]", highlight=False)


def _evaluate(bars: Any, agent: Any, data: list[str], as_json: bool, register: bool,
              total: int, ray: bool = False, **options: Any) -> Any:
    import os

    from signaltrust.cli.models import registry_uri
    from signaltrust.optimize.distributed import ray_option
    from signaltrust.research.rl.evaluate import evaluate_agent

    options["ray"] = ray_option(ray, os.environ)  # read here, at the boundary

    with progress(f"training {agent.algo} agents on {'+'.join(data)}", total=total,
                  quiet=as_json) as advance:
        return evaluate_agent(bars, agent, data_name="+".join(data), progress=advance,
                              tracking_uri=registry_uri() if register else None, **options)


@app.command("train")
@handles_errors
@import_options
def train(
    data: list[str] = DATA, algo: str = ALGO, timesteps: int = TIMESTEPS,
    features: str = FEATURES, reward: str = REWARD, actions: str = ACTIONS, short: bool = SHORT,
    test_share: float = typer.Option(0.3, "--test-share",
                                     help="Share of the bars (after the warm-up) held out."),
    seed: int = typer.Option(0, "--seed", help="Seed of the first agent."),
    seeds: int = typer.Option(1, "--seeds", help="Agents trained with seeds seed, seed+1, ..."),
    trials: int = typer.Option(1, "--trials", help="Configurations tried so far, this one "
                               "included (for the deflated Sharpe ratio)."),
    out: Path = OUT,
    fees: float = FEES, slippage_bps: float = SLIPPAGE, tensorboard: Path = TENSORBOARD,
    register: bool = REGISTER, ray: bool = RAY, as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Train an agent on the earlier bars and trade it on the held-out rest, after costs.

    Prints the out-of-sample net Sharpe ratio, buy-and-hold's over the same bars and costs,
    the deflated Sharpe ratio and the verdict; --out saves the agent for `rl run`.

    Example: signaltrust rl train --data sp500 --algo ppo --timesteps 20000 --json
    """
    if not (0.0 < test_share < 1.0):
        raise typer.BadParameter(f"{test_share} is not a share strictly between 0 and 1; give "
                                 "e.g. 0.3", param_hint="'--test-share'")
    check_writable(out, "--out")
    bars = _bars(data, import_options)
    agent = _agent(algo, timesteps, features, reward, actions, short, fees, slippage_bps,
                   tensorboard)
    probe = agent.make_env(bars)
    rows = len(probe.index) - probe.warm_up
    result = _evaluate(bars, agent, data, as_json, register, total=seeds, n_splits=1,
                       seeds=list(range(seed, seed + seeds)), n_trials=trials,
                       test_size=max(2, int(rows * test_share)), ray=ray)
    saved = None
    if out is not None:
        saved = _save(result, out)
    if as_json:
        print_json({**result.to_dict(), "saved": saved})
        return
    fold = result.folds[0]
    _show(result, f"{agent.algo} on {'+'.join(data)}: trained {fold['train_start'].date()} to "
                  f"{fold['train_end'].date()}, out of sample {fold['test_start'].date()} to "
                  f"{fold['test_end'].date()} (next-open fills, costs on)")
    if saved:
        console.print(f"agent saved: {saved} (trade it with: signaltrust rl run --agent {saved})")


def _save(result: Any, out: Path) -> str:
    """Pickle the best seed's agent (the one the deflated Sharpe ratio judged)."""
    from signaltrust.research.rl.agent import save_agent

    best = max(result.seeds, key=lambda s: result.seeds[s]["sharpe_ratio"]
               if result.seeds[s]["sharpe_ratio"] is not None else -math.inf)
    agent = result.agents[list(result.seeds).index(best)]
    return str(save_agent(agent, out))


@app.command("evaluate")
@handles_errors
@import_options
def evaluate(
    data: list[str] = DATA, algo: str = ALGO, timesteps: int = TIMESTEPS,
    features: str = FEATURES, reward: str = REWARD, actions: str = ACTIONS, short: bool = SHORT,
    splits: int = typer.Option(3, "--splits", help="Walk-forward test folds."),
    seeds: int = typer.Option(5, "--seeds", help="Agents per fold (seeds 0, 1, ...)."),
    train_size: int = typer.Option(None, "--train-size",
                                   help="Rolling training window in bars (default: expanding)."),
    embargo: float = typer.Option(0.01, "--embargo", help="Embargo, fraction of the bars."),
    trials: int = typer.Option(1, "--trials", help="Configurations tried so far, this one "
                               "included (for the deflated Sharpe ratio)."),
    ml_baseline: str = typer.Option(None, "--ml-baseline", help="Also run this supervised "
                                    "model's walk-forward (e.g. logistic)."),
    fees: float = FEES, slippage_bps: float = SLIPPAGE, tensorboard: Path = TENSORBOARD,
    register: bool = REGISTER, ray: bool = RAY, as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Walk-forward evaluation: purged folds, several seeds, baselines, deflated Sharpe.

    Example: signaltrust rl evaluate --data sp500 --algo ppo --timesteps 20000 --splits 3

    With --ray the folds x seeds agents train as Ray tasks (same figures as in-process).
    """
    if not (math.isfinite(embargo) and 0.0 <= embargo < 1.0):
        raise typer.BadParameter(f"{embargo} is not a fraction in [0, 1); give e.g. 0.01",
                                 param_hint="'--embargo'")
    bars = _bars(data, import_options)
    agent = _agent(algo, timesteps, features, reward, actions, short, fees, slippage_bps,
                   tensorboard)
    result = _evaluate(bars, agent, data, as_json, register, total=max(1, splits * seeds),
                       n_splits=splits, seeds=seeds,
                       train_size=train_size, embargo=embargo, n_trials=trials,
                       ml_model=ml_baseline, ray=ray)
    if as_json:
        print_json(result.to_dict())
        return
    _show(result, f"{agent.algo} on {'+'.join(data)}: {splits} walk-forward folds, "
                  f"{seeds} seeds each, stitched out of sample (next-open fills, costs on)")
    console.print(table("Folds", ["fold", "train", "test", "gap bars"], [
        [f["fold"], f"{f['train_start'].date()} to {f['train_end'].date()}",
         f"{f['test_start'].date()} to {f['test_end'].date()}", f["gap_bars"]]
        for f in result.folds]))


@app.command("run")
@handles_errors
@import_options
def run_agent(
    agent_path: Path = AGENT,
    data: list[str] = DATA,
    trade_from: str = typer.Option(None, "--from", help="First bar to trade (default: the bar "
                                   "after the agent's training span; 'all' trades every bar)."),
    fees: float = FEES, slippage_bps: float = SLIPPAGE,
    as_json: bool = JSON_OPTION, import_options: Any = None,
) -> None:
    """Backtest a saved agent as a strategy in the trading core (event engine).

    Example: signaltrust rl run --agent agent.pkl --data sp500
    """
    from dataclasses import replace

    import pandas as pd

    from signaltrust.backtest import Costs, run
    from signaltrust.cli.run_options import configured_costs
    from signaltrust.metrics import max_drawdown, sharpe_ratio
    from signaltrust.research.rl.episodes import Baselines

    agent = _load(agent_path)
    bars = _bars(data, import_options)
    index = (bars if isinstance(bars, pd.DataFrame) else next(iter(bars.values()))).index
    start = _trade_from(trade_from, agent, index)
    given = configured_costs(None, fees, slippage_bps, None)
    costs = Costs(fees=given["fees"], slippage=given["slippage"], fixed_fees=given["fixed_fees"],
                  min_fees=given["min_fees"])
    result = run(bars, agent.strategy(), engine="event", costs=costs, cash=agent.cash,
                 trade_from=index[start] if start else None)
    hold = Baselines(bars, replace(agent.env_settings(), costs=costs)).buy_and_hold(
        start, len(index) - 1)
    returns = result.equity.loc[index[start]:].pct_change().fillna(0.0).to_numpy()
    sharpe = float(sharpe_ratio(returns, annualization=result.periods_per_year))
    stats = {"sharpe_ratio": sharpe if math.isfinite(sharpe) else None,
             "total_return": float((1.0 + returns).prod() - 1.0),
             "max_drawdown": float(max_drawdown(returns)),
             "trades": result.stats.get("trades"), "fees_paid": result.stats.get("fees_paid")}
    payload = {"agent": str(agent_path), "algorithm": agent.algorithm_, "seed": agent.seed,
               "trained_on": list(agent.train_span_), "traded_from": index[start],
               "traded_to": index[-1], "strategy": stats, "buy_and_hold": hold.headline()}
    if as_json:
        print_json(payload)
        return
    console.print(table(
        f"{agent.algorithm_} (seed {agent.seed}) on {'+'.join(data)}, traded "
        f"{index[start].date()} to {index[-1].date()} (trained to "
        f"{pd.Timestamp(agent.train_span_[1]).date()})",
        ["statistic", "agent", "buy-and-hold"],
        [[k, _fmt(stats.get(k)), _fmt(payload["buy_and_hold"].get(k))]
         for k in ("sharpe_ratio", "total_return", "max_drawdown", "trades")]))


def _load(path: Path) -> Any:
    from signaltrust.core.errors import ValidationError
    from signaltrust.research.rl.agent import load_agent

    try:
        return load_agent(path)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="--agent", value=str(path),
                              fix=exc.fix) from None


def _trade_from(value: str | None, agent: Any, index: Any) -> int:
    """The row of the first traded bar: after the training span unless told otherwise."""
    import pandas as pd

    from signaltrust.core.errors import ValidationError

    if value is not None and value.strip().lower() == "all":
        return 0
    when = pd.Timestamp(agent.train_span_[1]) if value is None else pd.Timestamp(value)
    if when.tzinfo is None and index.tz is not None:
        when = when.tz_localize(index.tz)
    row = int(index.searchsorted(when, side="right" if value is None else "left"))
    if row >= len(index) - 1:
        raise ValidationError("no bar left to trade", field="--from",
                              value=str(value or when.date()),
                              fix="pass --from with an earlier date, or data that goes on "
                                  "after the agent's training span")
    return row


__all__ = ["app"]
