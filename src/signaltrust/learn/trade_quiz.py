"""Quizzes from a user's own trades: which exit fired first on the bar and why, at what price
the entry filled, what the trade paid in costs, whether it beat what was expected. Each
question is built from a real trade's explanation; the same run and seed give the same quiz."""

from __future__ import annotations

import random

from signaltrust.core.errors import ValidationError
from signaltrust.learn.explain import TradeExplanation, TradeRecord, explain_trade
from signaltrust.learn.quiz import Question, Quiz

EXITS = ("stop_loss", "take_profit", "trailing_stop")
EXIT_CHOICES = ("the stop-loss", "the take-profit", "the trailing stop",
                "the strategy's exit signal")


def _shuffled(rng: random.Random, right: str, wrong: list[str]) -> tuple[tuple[str, ...], int]:
    choices = list(dict.fromkeys([right, *wrong]))
    rng.shuffle(choices)
    return tuple(choices), choices.index(right)


def _exit_question(qid: str, why: TradeExplanation, options: dict[str, object]) -> Question:
    bar, x = why.exit["bar"], why.exit
    entry = why.entry["fill_price"]
    sign = 1 if why.direction == "long" else -1
    levels = []
    for name, key, side in (("stop-loss", "sl_stop", -1), ("take-profit", "tp_stop", 1),
                            ("trailing stop", "tsl_stop", -1)):
        fraction = options.get(key)
        if isinstance(fraction, float) and fraction > 0:
            level = entry * (1 + sign * side * fraction)
            where = "" if key == "tsl_stop" else f" at {level:,.2f}"
            levels.append(f"{name} {fraction:.0%}{where}")
    prompt = (f"Trade {why.number} ({why.direction} {why.asset}, entry {entry:,.2f}; "
              f"{', '.join(levels)}): on {x['filled_at']} the bar opened {bar['open']:,.2f}, "
              f"ranged {bar['low']:,.2f} to {bar['high']:,.2f} and closed {bar['close']:,.2f}."
              " Which exit fired first?")
    index = {"stop_loss": 0, "take_profit": 1, "trailing_stop": 2}[x["reason"]]
    return Question(qid, prompt, EXIT_CHOICES, index, x["why"])


def _entry_question(qid: str, why: TradeExplanation, rng: random.Random) -> Question:
    e = why.entry
    close = why.features["close"]
    right = f"{e['fill_price']:,.4f}"
    wrong = [f"{close:,.4f}", f"{e['reference_price']:,.4f}",
             f"{e['reference_price'] * 1.01:,.4f}"]
    choices, answer = _shuffled(rng, right, wrong)
    prompt = (f"Trade {why.number}: the entry was decided at the close of {e['decided_at']} "
              f"(close {close:,.4f}). The next bar opened at {e['reference_price']:,.4f}. "
              f"At what price did the {e['side']} fill?")
    reason = (f"a decision at a close fills at the next bar's open, {e['reference_price']:,.4f},"
              f" and a {e['side']} pays the slippage on top: {right}")
    return Question(qid, prompt, choices, answer, reason)


def _cost_question(qid: str, why: TradeExplanation, rng: random.Random) -> Question:
    c = why.costs
    fees = c["entry_fee"] + c["exit_fee"]
    right = f"{c['total']:,.2f}"
    choices, answer = _shuffled(rng, right, [f"{fees:,.2f}", "0.00",
                                             f"{2 * c['total']:,.2f}"])
    prompt = (f"Trade {why.number} bought and sold {why.sizing['units']:,.2f} units of "
              f"{why.asset}. What did it pay in costs, fees and slippage together?")
    reason = (f"fees {fees:,.2f} (entry {c['entry_fee']:,.2f}, exit {c['exit_fee']:,.2f}) plus "
              f"slippage {c['entry_slippage'] + c['exit_slippage']:,.2f}: {right}, "
              f"{c['total_bps']:.1f} bps of the entry notional")
    return Question(qid, prompt, choices, answer, reason)


def _expectation_question(qid: str, why: TradeExplanation) -> Question:
    o = why.outcome
    better = o["return"] > o["expected_return"]
    prompt = (f"Before trade {why.number} the strategy's closed trades had averaged "
              f"{o['expected_return']:+.2%}. Did trade {why.number} do better?")
    return Question(qid, prompt, ("yes", "no"), 0 if better else 1, o["expectation"])


def trade_quiz(record: TradeRecord, *, seed: int = 0, questions: int = 4) -> Quiz:
    """A quiz on ``record``'s own trades (id ``trades:<run>:<seed>``)."""
    trades = record.trades
    closed = [i + 1 for i in range(len(trades)) if trades["exit_bar"].iloc[i] >= 0]
    if not closed:
        raise ValidationError("this run has no closed trade to ask about", field="run",
                              value=record.run, fix="choose a run that made trades")
    rng = random.Random(seed)
    stopped = [n for n in closed if trades["exit_reason"].iloc[n - 1] in EXITS]
    made: list[Question] = []
    if stopped:
        why = explain_trade(record, rng.choice(stopped))
        made.append(_exit_question("q1", why, record.options))
    kinds = ("entry", "costs", "expectation")
    order = rng.sample(closed, k=min(len(closed), questions))
    for n in order:
        if len(made) >= questions:
            break
        why = explain_trade(record, n)
        kind = kinds[len(made) % len(kinds)]
        qid = f"q{len(made) + 1}"
        if kind == "expectation" and why.outcome["expected_return"] is None:
            kind = "entry"
        if kind == "entry":
            made.append(_entry_question(qid, why, rng))
        elif kind == "costs":
            made.append(_cost_question(qid, why, rng))
        else:
            made.append(_expectation_question(qid, why))
    return Quiz(f"trades:{record.run}:{seed}", f"Your trades in {record.run}", tuple(made))


__all__ = ["trade_quiz"]
