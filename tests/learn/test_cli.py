"""``signaltrust explain`` and ``signaltrust learn``: what a learner types."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from signaltrust.cli.explain import explain
from signaltrust.cli.learn import app as learn_app
from signaltrust.learn import get_lesson
from signaltrust.learn.quiz import lesson_quiz

runner = CliRunner()


def _explain_app() -> typer.Typer:
    single = typer.Typer()
    single.command("explain")(explain)
    single.command("unused")(lambda: None)  # keeps "explain" a sub-command
    return single


def test_save_then_explain_when_trade_given_then_text_shows_rule_costs_and_outcome():
    saved = runner.invoke(learn_app, ["save", "demo", "--data", "goog", "--strategy",
                                      "sma_cross", "--param", "fast=10", "--param", "slow=30",
                                      "--sl-stop", "0.05", "--tp-stop", "0.15", "--json"])
    assert saved.exit_code == 0, saved.output
    trades = json.loads(saved.output)["trades"]
    out = runner.invoke(_explain_app(), ["explain", "--run", "demo", "--trade", "1"])
    assert out.exit_code == 0, out.output
    for part in ("Signal", "crossed above", "Checks", "Sizing", "Entry", "Exit", "stop_loss",
                 "Costs", "Outcome", "Expected"):
        assert part in out.output
    listing = runner.invoke(_explain_app(), ["explain", "--run", "demo", "--json"])
    assert len(json.loads(listing.output)["trades"]) == trades
    assert json.loads(runner.invoke(learn_app, ["runs", "--json"]).output)["runs"] == ["demo"]


def test_explain_when_run_unknown_then_exit_1_with_the_fix():
    out = runner.invoke(_explain_app(), ["explain", "--run", "nope", "--trade", "1"])
    assert out.exit_code == 1  # bad input: the project's ValidationError status
    assert "learn save" in out.output


def test_quiz_when_answered_then_scored_and_progress_saved_for_the_user():
    quiz = lesson_quiz(get_lesson("options_basics"))
    asked = json.loads(runner.invoke(learn_app, ["quiz", "options_basics", "--json"]).output)
    assert [q["id"] for q in asked["questions"]] == [q.id for q in quiz.questions]
    answers = [arg for q in quiz.questions for arg in ("--answer", f"{q.id}={q.answer}")]
    scored = runner.invoke(learn_app, ["quiz", "options_basics", *answers, "--user", "ada",
                                       "--json"])
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output)["score"] == 1.0
    progress = json.loads(runner.invoke(learn_app, ["progress", "--user", "ada",
                                                    "--json"]).output)
    assert progress["lessons_passed"] == ["options_basics"] and progress["lessons_total"] >= 12


def test_quiz_when_answer_malformed_then_exit_1():
    out = runner.invoke(learn_app, ["quiz", "options_basics", "--answer", "q1"])
    assert out.exit_code == 1 and "q1=2" in out.output


def test_lessons_when_listed_then_twelve_or_more():
    listed = json.loads(runner.invoke(learn_app, ["lessons", "--json"]).output)["lessons"]
    assert len(listed) >= 12 and listed[0]["id"] == "market_mechanics"
