"""Quizzes read from lessons and scored."""

from __future__ import annotations

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.learn import get_lesson
from signaltrust.learn.quiz import lesson_quiz, score


@pytest.fixture(scope="module")
def quiz():
    return lesson_quiz(get_lesson("kelly_and_var"))


def test_lesson_quiz_when_parsed_then_the_marked_choice_is_the_answer(quiz):
    first = quiz.questions[0]
    assert quiz.id == "lesson:kelly_and_var"
    assert first.choices[first.answer] == "32.5 % of equity"
    assert "answer" not in first.public() and "why" not in first.public()


def test_score_when_all_right_then_full_marks_and_reasons(quiz):
    result = score(quiz, {q.id: q.answer for q in quiz.questions})
    assert result.correct == result.total == len(quiz.questions) and result.score == 1.0
    assert all(m.why for m in result.marked)


def test_score_when_one_wrong_and_one_unanswered_then_both_count_as_wrong(quiz):
    first, second = quiz.questions[:2]
    result = score(quiz, {first.id: (first.answer + 1) % len(first.choices)})
    assert result.correct == 0
    assert [m.correct for m in result.marked[:2]] == [False, False]
    assert result.marked[1].chosen is None and second.id == result.marked[1].question


@pytest.mark.parametrize("answers", [{"q99": 0}, {"q1": 7}, {"q1": "a"}])
def test_score_when_answer_is_not_a_choice_then_validation_error(quiz, answers):
    with pytest.raises(ValidationError):
        score(quiz, answers)
