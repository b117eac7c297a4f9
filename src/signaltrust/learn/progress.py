"""Each user's progress: every scored quiz attempt is stored (the ``learn_attempts`` table,
migration 0007_learn), and progress is read from them: attempts, best and last score per quiz,
and which lessons are passed (a best score of two thirds or more)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String, Table, insert, select

from signaltrust.core.errors import ValidationError
from signaltrust.learn.quiz import QuizResult
from signaltrust.storage import Database

PASS_MARK = 2 / 3

_metadata = MetaData()
attempts = Table(
    "learn_attempts",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(64), nullable=False),
    Column("quiz", String(160), nullable=False),
    Column("correct", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("ts_ns", BigInteger, nullable=False),
)


@dataclass(frozen=True)
class QuizProgress:
    quiz: str
    attempts: int
    best: float
    last: float

    @property
    def passed(self) -> bool:
        return self.best >= PASS_MARK - 1e-12


@dataclass(frozen=True)
class Progress:
    """A user's progress over every quiz they attempted."""

    user: str
    quizzes: tuple[QuizProgress, ...]
    lessons_total: int

    @property
    def lessons_passed(self) -> list[str]:
        return [q.quiz.split(":", 1)[1] for q in self.quizzes
                if q.quiz.startswith("lesson:") and q.passed]

    def __plain__(self) -> dict[str, Any]:
        return {"user": self.user, "lessons_passed": self.lessons_passed,
                "lessons_total": self.lessons_total,
                "quizzes": [{"quiz": q.quiz, "attempts": q.attempts, "best": q.best,
                             "last": q.last, "passed": q.passed} for q in self.quizzes]}


class ProgressStore:
    """Quiz attempts in the application database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, user: str, result: QuizResult, *, ts_ns: int | None = None) -> None:
        """Store one scored attempt of ``user``."""
        if not user or len(user) > 64:
            raise ValidationError("a user name is 1 to 64 characters", field="user",
                                  value=user, fix="pass the signed-in user's name")
        answers = {m.question: m.chosen for m in result.marked}
        with self.database.engine.begin() as connection:
            connection.execute(insert(attempts).values(
                user=user, quiz=result.quiz, correct=result.correct, total=result.total,
                answers=answers, ts_ns=ts_ns if ts_ns is not None else time.time_ns()))

    def progress(self, user: str, *, lessons_total: int = 0) -> Progress:
        """The progress of ``user`` (quizzes in the order first attempted)."""
        query = (select(attempts.c.quiz, attempts.c.correct, attempts.c.total)
                 .where(attempts.c.user == user).order_by(attempts.c.ts_ns, attempts.c.id))
        by_quiz: dict[str, list[float]] = {}
        with self.database.engine.connect() as connection:
            for quiz, correct, total in connection.execute(query):
                by_quiz.setdefault(quiz, []).append(correct / total if total else 0.0)
        return Progress(user, tuple(QuizProgress(q, len(s), max(s), s[-1])
                                    for q, s in by_quiz.items()), lessons_total)


__all__ = ["PASS_MARK", "Progress", "ProgressStore", "QuizProgress", "attempts"]
