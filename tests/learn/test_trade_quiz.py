"""Quizzes built from the user's own trades."""

from __future__ import annotations

import pytest

from signaltrust.learn.explain import explain_trade
from signaltrust.learn.quiz import score
from signaltrust.learn.runs import RunSpec, load_run, save_run
from signaltrust.learn.sources import backtest_record
from signaltrust.learn.trade_quiz import EXIT_CHOICES, trade_quiz


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    save_run("stops", RunSpec("goog", "sma_cross", {"fast": 10, "slow": 30},
                              options={"sl_stop": 0.05, "tp_stop": 0.15}), folder)
    return backtest_record(load_run("stops", folder))


def test_trade_quiz_when_stops_fired_then_first_question_asks_which_exit_and_answers_truly(record):
    quiz = trade_quiz(record, seed=1)
    first = quiz.questions[0]
    number = int(first.prompt.split()[1])
    reason = record.trades["exit_reason"].iloc[number - 1]
    assert quiz.id == "trades:stops:1" and first.id == "q1"
    assert first.choices == EXIT_CHOICES
    assert {"stop_loss": 0, "take_profit": 1, "trailing_stop": 2}[reason] == first.answer


def test_trade_quiz_when_entry_question_then_the_answer_is_the_real_fill_price(record):
    for seed in range(6):
        quiz = trade_quiz(record, seed=seed)
        for question in quiz.questions:
            if "At what price" in question.prompt:
                number = int(question.prompt.split()[1].rstrip(":"))
                fill = record.trades["entry_price"].iloc[number - 1]
                assert question.choices[question.answer] == f"{fill:,.4f}"
                return
    pytest.fail("no entry question in six seeds")


def test_trade_quiz_when_same_seed_then_same_quiz_and_it_scores(record):
    quiz = trade_quiz(record, seed=3)
    assert trade_quiz(record, seed=3) == quiz
    assert len(quiz.questions) == 4
    result = score(quiz, {q.id: q.answer for q in quiz.questions})
    assert result.score == 1.0


def test_expectation_question_when_asked_then_answer_follows_the_explanation(record):
    for seed in range(10):
        for question in trade_quiz(record, seed=seed).questions:
            if question.prompt.startswith("Before trade"):
                number = int(question.prompt.split()[2])
                why = explain_trade(record, number)
                better = why.outcome["return"] > why.outcome["expected_return"]
                assert question.answer == (0 if better else 1)
                return
    pytest.fail("no expectation question in ten seeds")
