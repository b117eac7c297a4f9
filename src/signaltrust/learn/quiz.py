"""Quizzes: questions read from a lesson's ``## Quiz`` section or built from a user's own
trades, scored against the answers the quiz keeps to itself.

A lesson question is written as::

    ### 1. A market order decided at the close of bar t fills, by default, at ...
    - [ ] the close of bar t
    - [x] the open of bar t+1, plus slippage for a buy
    Why: the bar is over when the decision is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.learn.lessons import Lesson

_QUESTION = re.compile(r"^###\s+(\d+)\.\s+(.+)$")
_CHOICE = re.compile(r"^- \[([ xX])\]\s+(.+)$")


@dataclass(frozen=True)
class Question:
    """One multiple-choice question; ``answer`` is the index of the right choice."""

    id: str
    prompt: str
    choices: tuple[str, ...]
    answer: int
    why: str

    def public(self) -> dict[str, Any]:
        """What a learner sees before answering (no answer, no reason)."""
        return {"id": self.id, "prompt": self.prompt, "choices": list(self.choices)}


@dataclass(frozen=True)
class Quiz:
    """A set of questions with an id: ``lesson:<lesson id>`` or ``trades:<run>``."""

    id: str
    title: str
    questions: tuple[Question, ...]

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title,
                "questions": [q.public() for q in self.questions]}


@dataclass(frozen=True)
class Marked:
    """One answer, marked: what was chosen, what was right, and why."""

    question: str
    chosen: int | None
    answer: int
    correct: bool
    why: str


@dataclass(frozen=True)
class QuizResult:
    """The score of one attempt at a quiz."""

    quiz: str
    correct: int
    total: int
    marked: tuple[Marked, ...] = field(default_factory=tuple)

    @property
    def score(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def __plain__(self) -> dict[str, Any]:
        return {"quiz": self.quiz, "correct": self.correct, "total": self.total,
                "score": self.score,
                "answers": [{"question": m.question, "chosen": m.chosen, "answer": m.answer,
                             "correct": m.correct, "why": m.why} for m in self.marked]}


def lesson_quiz(lesson: Lesson) -> Quiz:
    """The quiz written in a lesson's ``## Quiz`` section."""
    if "\n## Quiz" not in lesson.markdown:
        raise ValidationError("this lesson has no quiz", field="lesson", value=lesson.id,
                              fix="add a '## Quiz' section with '### N. question' entries")
    text = lesson.markdown.split("\n## Quiz", 1)[1]
    questions: list[Question] = []
    current: dict[str, Any] | None = None

    def close() -> None:
        if current is None:
            return
        right = [i for i, (mark, _) in enumerate(current["choices"]) if mark]
        if len(right) != 1 or len(current["choices"]) < 2:
            raise ValidationError("a quiz question needs two choices or more, one marked [x]",
                                  field="quiz", value=f"{lesson.id} question {current['n']}",
                                  fix="mark exactly one choice with - [x]")
        questions.append(Question(
            id=f"q{current['n']}", prompt=current["prompt"],
            choices=tuple(text for _, text in current["choices"]), answer=right[0],
            why=current["why"]))

    for line in text.splitlines():
        line = line.rstrip()
        if match := _QUESTION.match(line):
            close()
            current = {"n": match.group(1), "prompt": match.group(2), "choices": [], "why": ""}
        elif current is not None and (match := _CHOICE.match(line)):
            current["choices"].append((match.group(1).lower() == "x", match.group(2)))
        elif current is not None and line.startswith("Why:"):
            current["why"] = line[4:].strip()
    close()
    return Quiz(id=f"lesson:{lesson.id}", title=lesson.title, questions=tuple(questions))


def score(quiz: Quiz, answers: dict[str, int]) -> QuizResult:
    """Mark ``answers`` ({question id: chosen index}); an unanswered question counts as wrong,
    an unknown question id or an index outside the choices raises ValidationError."""
    by_id = {q.id: q for q in quiz.questions}
    for question_id, chosen in answers.items():
        if question_id not in by_id:
            raise ValidationError("no such question in this quiz", field="answers",
                                  value=question_id, fix="answer: " + ", ".join(by_id))
        if not isinstance(chosen, int) or not 0 <= chosen < len(by_id[question_id].choices):
            raise ValidationError("an answer is the index of a choice", field=question_id,
                                  value=chosen, fix=f"use 0 to "
                                  f"{len(by_id[question_id].choices) - 1}")
    marked = tuple(
        Marked(q.id, answers.get(q.id), q.answer, answers.get(q.id) == q.answer, q.why)
        for q in quiz.questions
    )
    return QuizResult(quiz.id, sum(m.correct for m in marked), len(marked), marked)


__all__ = ["Marked", "Question", "Quiz", "QuizResult", "lesson_quiz", "score"]
