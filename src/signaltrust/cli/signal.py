"""``signaltrust signal SYMBOL``: the explained signal of a symbol (rules, plus an LLM when
``[llm]`` configures one)."""

from __future__ import annotations

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, progress

SYMBOL_ARGUMENT = typer.Argument(..., help="A bundled bar dataset: sp500, goog, eurusd, btcusd.")
AS_OF_OPTION = typer.Option(None, "--as-of", help="The signal at the last bar up to this time "
                            "(ISO date); default: the latest bar.")
AUDIT_OPTION = typer.Option(True, "--audit/--no-audit", help="Record the agents' prompts, "
                            "answers and decisions in the application database.")


@handles_errors
def signal(
    symbol: str = SYMBOL_ARGUMENT,
    as_of: str = AS_OF_OPTION,
    audit: bool = AUDIT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The explained signal: score, model probability, LLM confidence (when configured),
    features, each agent's view, the breakout score, related documents, in plain language.

    Example: signaltrust signal sp500 --json
    """
    from signaltrust.agents.audit import AuditTrail
    from signaltrust.agents.llm import Reasoner
    from signaltrust.core.config import load_settings
    from signaltrust.research.agents.signal import documents_in, signal_engine

    settings = load_settings()
    trail = AuditTrail(workflow=f"cli:signal:{symbol}")
    if audit:
        from signaltrust.cli.paper import open_app_database

        trail.database = open_app_database()
    reasoner = Reasoner.from_settings(settings.llm, settings.agents, trail=trail)
    with progress(f"explaining {symbol}", total=None, quiet=as_json):
        engine = signal_engine(settings, reasoner=reasoner, trail=trail,
                               documents=documents_in(settings.home, as_of))
        result = engine.explain(symbol.strip().lower(), as_of=as_of)
    if as_json:
        print_json(result)
        return
    llm = "" if result.llm_confidence is None else f", LLM {result.llm_confidence:.2f}"
    console.print(f"[bold]{result.symbol}[/] at {result.timestamp:%Y-%m-%d %H:%M} UTC: score "
                  f"{result.score:.2f} (model {result.ml_probability:.2f}{llm}), confidence "
                  f"{result.confidence:.2f}", highlight=False)
    for part in result.explanation_parts.values():
        console.print(f"- {part}", highlight=False, soft_wrap=True)
