"""The learning portal (viewer): lessons and their quizzes, quizzes on a saved run's or a
node's own trades, each caller's progress, and trade-by-trade explanations.

A run is a backtest saved under ``<home>/runs`` (``signaltrust learn save``) or a node of the
database. Scoring a quiz stores the attempt for the caller and is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.errors import ErrorBody
from signaltrust.api.security import Principal, require_role
from signaltrust.core.serialize import to_plain

router = APIRouter(tags=["learn"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "no such lesson, run or trade, or a bad answer"},
}
LessonId = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,64}$", description="a lesson's id",
                               examples=["market_mechanics"])]
RunName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
                              description="a saved run's or a node's name", examples=["demo"])]
Viewer = Annotated[Principal, Depends(require_role("viewer"))]


class LessonSummary(BaseModel):
    id: str = Field(examples=["market_mechanics"])
    order: int = Field(examples=[1])
    title: str = Field(examples=["Market mechanics and order types"])
    summary: str
    examples: int = Field(description="runnable Python examples", examples=[2])


class QuestionAnswer(BaseModel):
    id: str = Field(examples=["q1"])
    prompt: str
    choices: list[str]


class QuizAnswer(BaseModel):
    id: str = Field(examples=["lesson:market_mechanics"])
    title: str
    questions: list[QuestionAnswer]


class LessonAnswer(LessonSummary):
    markdown: str = Field(description="the lesson's text and examples, without its quiz")
    quiz: QuizAnswer


class Answers(BaseModel):
    answers: dict[str, int] = Field(max_length=64, description="question id -> choice index",
                                    examples=[{"q1": 1, "q2": 0, "q3": 1}])


class MarkedAnswer(BaseModel):
    question: str
    chosen: int | None
    answer: int
    correct: bool
    why: str


class ScoreAnswer(BaseModel):
    quiz: str
    correct: int
    total: int
    score: float = Field(ge=0, le=1)
    answers: list[MarkedAnswer]


class QuizProgressAnswer(BaseModel):
    quiz: str
    attempts: int
    best: float
    last: float
    passed: bool


class ProgressAnswer(BaseModel):
    user: str
    lessons_passed: list[str]
    lessons_total: int
    quizzes: list[QuizProgressAnswer]


def _lessons() -> list[Any]:
    from signaltrust.learn import load_lessons

    return load_lessons()


def _record(request: Request, run: str) -> Any:
    from signaltrust.learn.sources import open_record

    return open_record(run, runs_folder=request.app.state.settings.home / "runs",
                       database=request.app.state.database)


def _store(request: Request) -> Any:
    from signaltrust.learn.progress import ProgressStore

    return ProgressStore(request.app.state.database)


def _score(request: Request, principal: Principal, quiz: Any, body: Answers) -> ScoreAnswer:
    from signaltrust.learn.quiz import score

    result = score(quiz, body.answers)
    _store(request).record(principal.name, result)
    audit(request, "learn.quiz", quiz.id, {"correct": result.correct, "total": result.total})
    return ScoreAnswer(**result.__plain__())


@router.get("/lessons", response_model=list[LessonSummary], summary="Every lesson, in order")
def lessons(_: Viewer) -> list[LessonSummary]:
    return [LessonSummary(**lesson.__plain__()) for lesson in _lessons()]


@router.get("/lessons/{lesson_id}", response_model=LessonAnswer, responses=ERRORS,
            summary="One lesson: its text, examples and quiz (without the answers)")
def lesson(lesson_id: LessonId, _: Viewer) -> LessonAnswer:
    from signaltrust.learn import get_lesson
    from signaltrust.learn.quiz import lesson_quiz

    found = get_lesson(lesson_id, _lessons())
    return LessonAnswer(**found.__plain__(), markdown=found.body,
                        quiz=QuizAnswer(**lesson_quiz(found).public()))


@router.get("/lessons/{lesson_id}/quiz", response_model=QuizAnswer, responses=ERRORS,
            summary="A lesson's quiz (without the answers)")
def lesson_quiz_questions(lesson_id: LessonId, _: Viewer) -> QuizAnswer:
    from signaltrust.learn import get_lesson
    from signaltrust.learn.quiz import lesson_quiz

    return QuizAnswer(**lesson_quiz(get_lesson(lesson_id, _lessons())).public())


@router.post("/lessons/{lesson_id}/quiz", response_model=ScoreAnswer, responses=ERRORS,
             summary="Answer a lesson's quiz: scored, stored in your progress")
def answer_lesson_quiz(request: Request, lesson_id: LessonId, body: Answers,
                       principal: Viewer) -> ScoreAnswer:
    from signaltrust.learn import get_lesson
    from signaltrust.learn.quiz import lesson_quiz

    return _score(request, principal, lesson_quiz(get_lesson(lesson_id, _lessons())), body)


@router.get("/learn/progress", response_model=ProgressAnswer,
            summary="Your progress: quizzes attempted, best and last scores, lessons passed")
def progress(request: Request, principal: Viewer) -> ProgressAnswer:
    found = _store(request).progress(principal.name, lessons_total=len(_lessons()))
    return ProgressAnswer(**found.__plain__())


@router.get("/learn/runs", response_model=list[str], summary="The saved backtest runs")
def runs(request: Request, _: Viewer) -> list[str]:
    from signaltrust.learn.runs import list_runs

    return list_runs(request.app.state.settings.home / "runs")


@router.get("/learn/runs/{run}/trades", responses=ERRORS,
            summary="The trades of a saved run or a node")
def trades(request: Request, run: RunName, _: Viewer) -> list[dict[str, Any]]:
    return to_plain(_record(request, run).trades)


@router.get("/learn/runs/{run}/trades/{number}", responses=ERRORS,
            summary="Why a trade was made, sized, filled and charged, and how it ended")
def explanation(request: Request, run: RunName, _: Viewer,
                number: Annotated[int, Path(ge=1, le=1_000_000, description="1 = the first")]
                ) -> dict[str, Any]:
    from signaltrust.learn.explain import explain_trade

    return to_plain(explain_trade(_record(request, run), number))


@router.get("/learn/runs/{run}/quiz", response_model=QuizAnswer, responses=ERRORS,
            summary="A quiz on the run's own trades (without the answers)")
def trade_quiz_questions(request: Request, run: RunName, _: Viewer,
                         seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> QuizAnswer:
    from signaltrust.learn.trade_quiz import trade_quiz

    return QuizAnswer(**trade_quiz(_record(request, run), seed=seed).public())


@router.post("/learn/runs/{run}/quiz", response_model=ScoreAnswer, responses=ERRORS,
             summary="Answer the quiz on a run's trades: scored, stored in your progress")
def answer_trade_quiz(request: Request, run: RunName, body: Answers, principal: Viewer,
                      seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> ScoreAnswer:
    from signaltrust.learn.trade_quiz import trade_quiz

    return _score(request, principal, trade_quiz(_record(request, run), seed=seed), body)
