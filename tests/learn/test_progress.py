"""Each user's quiz attempts stored in the application database, progress read back."""

from __future__ import annotations

import pytest

from signaltrust.learn import get_lesson
from signaltrust.learn.progress import ProgressStore
from signaltrust.learn.quiz import lesson_quiz, score
from signaltrust.storage import Database


@pytest.fixture()
def store():
    database = Database("sqlite://")
    database.upgrade()
    return ProgressStore(database)


def _attempt(quiz, right):
    answers = {q.id: (q.answer if i < right else (q.answer + 1) % len(q.choices))
               for i, q in enumerate(quiz.questions)}
    return score(quiz, answers)


def test_database_when_upgraded_then_single_head_with_learn_attempts(store):
    assert store.database.revision() == "0007_learn"
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from signaltrust.storage.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_progress_when_two_attempts_then_best_and_last_kept_and_lesson_passed(store):
    quiz = lesson_quiz(get_lesson("options_basics"))
    store.record("ada", _attempt(quiz, 1), ts_ns=1)
    store.record("ada", _attempt(quiz, 3), ts_ns=2)
    store.record("bob", _attempt(quiz, 0), ts_ns=3)
    ada = store.progress("ada", lessons_total=13)
    (entry,) = ada.quizzes
    assert (entry.attempts, entry.best, entry.last) == (2, 1.0, 1.0)
    assert ada.lessons_passed == ["options_basics"]
    assert store.progress("bob").lessons_passed == []
    assert store.progress("carol").quizzes == ()


def test_progress_when_below_two_thirds_then_not_passed(store):
    quiz = lesson_quiz(get_lesson("indicators"))
    store.record("ada", _attempt(quiz, 1))
    assert store.progress("ada").__plain__()["quizzes"][0]["passed"] is False


@pytest.mark.postgres
def test_progress_when_on_postgresql_then_stored_and_read_back(postgres_url, postgres_schema):
    from signaltrust.storage.database import database_url

    database = Database(database_url(postgres_url, "."), schema=postgres_schema)
    database.upgrade()
    try:
        store = ProgressStore(database)
        quiz = lesson_quiz(get_lesson("kelly_and_var"))
        store.record("ada", _attempt(quiz, 3))
        assert store.progress("ada").lessons_passed == ["kelly_and_var"]
    finally:
        database.dispose()
