"""The bundled lessons: at least twelve, each with examples that run on the bundled data and
a quiz that parses."""

from __future__ import annotations

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.learn import get_lesson, load_lessons, run_lesson
from signaltrust.learn.quiz import lesson_quiz

LESSONS = load_lessons()
SLOW = {"regimes", "ml_signals_and_shap"}  # model fitting: several seconds on one core
TOPICS = {"market_mechanics", "indicators", "lookahead_and_costs", "overfitting",
          "walk_forward_and_purging", "ml_signals_and_shap", "regimes",
          "reinforcement_learning", "kelly_and_var", "portfolio_construction",
          "execution_algorithms", "options_basics", "reading_a_tearsheet"}


def test_lessons_when_loaded_then_twelve_or_more_in_order_covering_the_topics():
    assert len(LESSONS) >= 12
    assert {lesson.id for lesson in LESSONS} >= TOPICS
    assert [lesson.order for lesson in LESSONS] == sorted(lesson.order for lesson in LESSONS)
    assert all(lesson.title and lesson.summary and lesson.code_blocks for lesson in LESSONS)


@pytest.mark.parametrize("lesson_id", [
    pytest.param(lesson.id, marks=pytest.mark.slow) if lesson.id in SLOW else lesson.id
    for lesson in LESSONS
])
def test_lesson_examples_when_run_in_order_then_no_error(lesson_id, tmp_path):
    run_lesson(get_lesson(lesson_id, LESSONS), tmp_path)


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in LESSONS])
def test_lesson_quiz_when_parsed_then_three_questions_each_with_one_answer_and_a_reason(lesson_id):
    quiz = lesson_quiz(get_lesson(lesson_id, LESSONS))
    assert len(quiz.questions) >= 3
    assert all(q.why and 0 <= q.answer < len(q.choices) for q in quiz.questions)


def test_lesson_body_when_read_then_the_quiz_answers_are_not_in_it():
    lesson = get_lesson("market_mechanics", LESSONS)
    assert "[x]" in lesson.markdown and "[x]" not in lesson.body


def test_get_lesson_when_unknown_then_validation_error_names_the_known_ones():
    with pytest.raises(ValidationError) as error:
        get_lesson("astrology", LESSONS)
    assert error.value.field == "lesson" and "market_mechanics" in error.value.fix


def test_run_lesson_when_an_example_fails_then_its_error_is_raised(tmp_path):
    broken = get_lesson("options_basics", LESSONS)
    from dataclasses import replace
    broken = replace(broken, markdown=broken.markdown.replace("< 1e-9", "< -1.0", 1))
    with pytest.raises(AssertionError):
        run_lesson(broken, tmp_path)
