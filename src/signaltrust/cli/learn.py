"""``signaltrust learn``: lessons on the platform's own data, quizzes on them and on your own
trades, your progress, and saved runs whose trades ``signaltrust explain`` explains."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table
from signaltrust.core.errors import ValidationError

app = typer.Typer(help="Lessons on the platform's own data, quizzes, your progress, saved "
                  "runs.",
                  no_args_is_help=True)

LESSON_ARGUMENT = typer.Argument(..., help="A lesson's id (see `signaltrust learn lessons`).")
ANSWER_OPTION = typer.Option(None, "--answer", "-a",
                             help="question=choice, e.g. q1=2 (repeatable); omit to see the "
                             "questions.")
USER_OPTION = typer.Option(None, "--user", help="Whose progress (default: $USER).")
PARAM_OPTION = typer.Option(None, "--param", "-p", help="Strategy parameter name=value "
                            "(repeatable).")


def _user(user: str | None) -> str:
    return user or os.environ.get("USER") or "me"


def _answers(specs: list[str] | None) -> dict[str, int]:
    answers: dict[str, int] = {}
    for spec in specs or []:
        name, sep, value = spec.partition("=")
        if not sep or not value.strip().isdigit():
            raise ValidationError("an answer is question=choice", field="answer", value=spec,
                                  fix="write e.g. --answer q1=2 (choices count from 0)")
        answers[name.strip()] = int(value)
    return answers


def _store() -> Any:
    from signaltrust.cli.paper import open_app_database
    from signaltrust.learn.progress import ProgressStore

    return ProgressStore(open_app_database())


def _ask_or_score(quiz: Any, specs: list[str] | None, user: str | None, as_json: bool) -> None:
    from signaltrust.learn.quiz import score

    if not specs:
        if as_json:
            print_json(quiz.public())
            return
        console.print(f"[bold]{quiz.title}[/] ({quiz.id})")
        for q in quiz.questions:
            console.print(f"\n{q.id}. {q.prompt}", markup=False)
            for i, choice in enumerate(q.choices):
                console.print(f"   {i}) {choice}", markup=False)
        console.print("\nanswer with --answer q1=<choice> --answer q2=<choice> ...")
        return
    result = score(quiz, _answers(specs))
    _store().record(_user(user), result)
    if as_json:
        print_json(result.__plain__())
        return
    for m in result.marked:
        mark = "right" if m.correct else f"wrong (answer {m.answer})"
        console.print(f"{m.question}: {mark}. {m.why}", markup=False)
    console.print(f"score {result.correct}/{result.total}, saved for {_user(user)}")


@app.command("lessons")
@handles_errors
def lessons(as_json: bool = JSON_OPTION) -> None:
    """Every lesson, in teaching order."""
    from signaltrust.learn import load_lessons

    found = load_lessons()
    if as_json:
        print_json({"lessons": [lesson.__plain__() for lesson in found]})
        return
    console.print(table("lessons", ["#", "id", "title"],
                        [[str(lesson.order), lesson.id, lesson.title] for lesson in found]))


@app.command("show")
@handles_errors
def show(lesson_id: str = LESSON_ARGUMENT) -> None:
    """A lesson's text and examples (its quiz: `signaltrust learn quiz ID`)."""
    from rich.markdown import Markdown

    from signaltrust.learn import get_lesson

    console.print(Markdown(get_lesson(lesson_id).body))


@app.command("run")
@handles_errors
def run_examples(lesson_id: str = LESSON_ARGUMENT) -> None:
    """Run a lesson's examples on the bundled data (in a temporary folder)."""
    from signaltrust.learn import get_lesson, run_lesson

    lesson = get_lesson(lesson_id)
    with tempfile.TemporaryDirectory() as folder:
        run_lesson(lesson, folder)
    console.print(f"{lesson.id}: {len(lesson.code_blocks)} examples ran")


@app.command("quiz")
@handles_errors
def quiz(lesson_id: str = LESSON_ARGUMENT, answer: list[str] = ANSWER_OPTION,
         user: str | None = USER_OPTION, as_json: bool = JSON_OPTION) -> None:
    """A lesson's quiz: without --answer its questions, with them your score (saved)."""
    from signaltrust.learn import get_lesson
    from signaltrust.learn.quiz import lesson_quiz

    _ask_or_score(lesson_quiz(get_lesson(lesson_id)), answer, user, as_json)


@app.command("trade-quiz")
@handles_errors
def trade_quiz_command(
    run: str = typer.Argument(..., help="A saved run's or a node's name."),
    seed: int = typer.Option(0, "--seed", min=0, help="Which trades are asked about."),
    answer: list[str] = ANSWER_OPTION, user: str | None = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A quiz on your own trades (which exit fired first, the fill price, costs, expectation)."""
    from signaltrust.cli.explain import open_trades
    from signaltrust.learn.trade_quiz import trade_quiz

    _ask_or_score(trade_quiz(open_trades(run), seed=seed), answer, user, as_json)


@app.command("progress")
@handles_errors
def progress(user: str | None = USER_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Your quizzes: attempts, best and last score, lessons passed."""
    from signaltrust.learn import load_lessons

    found = _store().progress(_user(user), lessons_total=len(load_lessons()))
    if as_json:
        print_json(found.__plain__())
        return
    console.print(f"{found.user}: {len(found.lessons_passed)} of {found.lessons_total} lessons "
                  "passed")
    for q in found.quizzes:
        console.print(f"  {q.quiz}: {q.attempts} attempts, best {q.best:.0%}, last {q.last:.0%}"
                      f"{' (passed)' if q.passed else ''}", markup=False)


@app.command("save")
@handles_errors
def save(
    name: str = typer.Argument(..., help="The run's name."),
    data: str = typer.Option("goog", "--data", help="A bundled dataset or a bar file."),
    strategy: str = typer.Option("sma_cross", "--strategy", help="A built-in rule strategy."),
    param: list[str] = PARAM_OPTION,
    sl_stop: float | None = typer.Option(None, "--sl-stop", min=0, help="Stop-loss fraction."),
    tp_stop: float | None = typer.Option(None, "--tp-stop", min=0, help="Take-profit fraction."),
    tsl_stop: float | None = typer.Option(None, "--tsl-stop", min=0, help="Trailing stop."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Backtest and save a run (costs from the configuration) so its trades can be explained.

    Example: signaltrust learn save demo --data goog --strategy sma_cross --sl-stop 0.05
    """
    from signaltrust.cli.backtest import parse_params
    from signaltrust.cli.explain import runs_folder
    from signaltrust.learn.runs import RunSpec, save_run

    options = {k: v for k, v in {"sl_stop": sl_stop, "tp_stop": tp_stop,
                                 "tsl_stop": tsl_stop}.items() if v}
    saved = save_run(name, RunSpec(data, strategy, parse_params(param), options=options),
                     runs_folder())
    if as_json:
        print_json({"run": saved.name, "trades": len(saved.trades), "stats": saved.stats})
        return
    console.print(f"saved run {saved.name}: {len(saved.trades)} trades, final equity "
                  f"{saved.stats['final_equity']:,.2f}; explain one with "
                  f"`signaltrust explain --run {saved.name} --trade 1`")


@app.command("runs")
@handles_errors
def runs(as_json: bool = JSON_OPTION) -> None:
    """The saved runs."""
    from signaltrust.cli.explain import runs_folder
    from signaltrust.learn.runs import list_runs

    names = list_runs(runs_folder())
    if as_json:
        print_json({"runs": names})
        return
    console.print("\n".join(names) if names else "no saved run yet: `signaltrust learn save`")
