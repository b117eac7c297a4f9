"""The learning portal's API: lessons, quizzes and progress per caller, trade explanations."""

from __future__ import annotations

import pytest

from signaltrust.learn import get_lesson
from signaltrust.learn.quiz import lesson_quiz
from signaltrust.learn.runs import RunSpec, save_run


@pytest.fixture
def viewer(headers):
    return headers["viewer"]


def test_lessons_when_listed_by_a_viewer_then_twelve_or_more(client, viewer):
    answer = client.get("/api/v1/lessons", headers=viewer)
    assert answer.status_code == 200
    assert len(answer.json()) >= 12 and answer.json()[0]["id"] == "market_mechanics"
    assert client.get("/api/v1/lessons").status_code == 401


def test_lesson_when_read_then_text_and_quiz_without_answers(client, viewer):
    answer = client.get("/api/v1/lessons/options_basics", headers=viewer).json()
    assert "```python" in answer["markdown"] and "[x]" not in answer["markdown"]
    assert all(set(q) == {"id", "prompt", "choices"} for q in answer["quiz"]["questions"])
    missing = client.get("/api/v1/lessons/astrology", headers=viewer)
    assert missing.status_code == 400 and missing.json()["field"] == "lesson"


def test_quiz_when_answered_then_scored_and_the_callers_progress_shows_it(client, viewer):
    quiz = lesson_quiz(get_lesson("kelly_and_var"))
    body = {"answers": {q.id: q.answer for q in quiz.questions}}
    scored = client.post("/api/v1/lessons/kelly_and_var/quiz", json=body, headers=viewer)
    assert scored.status_code == 200, scored.text
    assert scored.json()["score"] == 1.0
    progress = client.get("/api/v1/learn/progress", headers=viewer).json()
    assert progress["user"] == "viewer" and progress["lessons_passed"] == ["kelly_and_var"]
    bad = client.post("/api/v1/lessons/kelly_and_var/quiz", json={"answers": {"q1": 9}},
                      headers=viewer)
    assert bad.status_code == 400


def test_trade_explanation_when_run_saved_then_explained_and_quizzed(app, client, viewer):
    save_run("demo", RunSpec("goog", "sma_cross", {"fast": 10, "slow": 30},
                             options={"sl_stop": 0.05, "tp_stop": 0.15}),
             app.state.settings.home / "runs")
    assert client.get("/api/v1/learn/runs", headers=viewer).json() == ["demo"]
    trades = client.get("/api/v1/learn/runs/demo/trades", headers=viewer).json()
    why = client.get("/api/v1/learn/runs/demo/trades/1", headers=viewer)
    assert why.status_code == 200, why.text
    assert why.json()["exit"]["reason"] == trades[0]["exit_reason"]
    assert "crossed above" in why.json()["text"]
    quiz = client.get("/api/v1/learn/runs/demo/quiz?seed=2", headers=viewer).json()
    assert quiz["id"] == "trades:demo:2" and quiz["questions"]
    assert client.get("/api/v1/learn/runs/demo/trades/999", headers=viewer).status_code == 400
    assert client.get("/api/v1/learn/runs/none/trades/1", headers=viewer).status_code == 400
