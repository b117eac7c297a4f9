"""The Agents, Learning and Loop views in a real browser (Debian's Chromium through Playwright)
against ``signaltrust up`` on loopback, on real data written the way users write it.

Before the views open: the stock analyst's and the risk manager's workflow on the S&P 500,
reasoned by a pydantic-ai ``FunctionModel`` (tests/api/agent_activity.py), and two HALTED
requests of the risk manager waiting for approval (in the server's database); a backtest is
saved with ``signaltrust learn save``; in the background the loop's retrain job runs twice
(``signaltrust loop run --once retrain``: the first model serves, the second is gated against
it) and the explained signal of the S&P 500 is asked for (it logs a prediction). Each view is
screenshotted into tests/web/artifacts/, checked with axe-core (no serious or critical
violation) and for console errors.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.web.test_browser import (  # one way to start the server, sign in and check a page
    ARTIFACTS,
    CHROMIUM,
    Server,
    _cli,
    _open,
    _serious,
    sync_api,
)

pytestmark = pytest.mark.slow
USERS = {"tara": ("trader", "trader password 1"), "vera": ("viewer", "viewer password 1")}


def _background(server: Server, admin: str, done: dict) -> None:
    """The loop's retrain job twice, then the S&P 500's explained signal (logs a prediction)."""
    try:
        for _ in range(2):
            ran = subprocess.run(_cli("loop", "run", "--once", "retrain", "--json"),
                                 env=server.env, capture_output=True, text=True, timeout=500)
            assert ran.returncode == 0, ran.stdout + ran.stderr
        answer = httpx.get(server.url + "/api/v1/signals/sp500", timeout=300,
                           headers={"Authorization": f"Bearer {admin}"})
        assert answer.status_code == 200, answer.text
        done["ok"] = True
    except Exception as exc:  # reported by the test that needs it
        done["error"] = repr(exc)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    from signaltrust.storage import open_database
    from tests.api.agent_activity import record_workflow, request_halt

    ARTIFACTS.mkdir(exist_ok=True)
    found = Server(tmp_path_factory.mktemp("views-home"))
    admin = found.token("admin", found.password)
    for name, (role, password) in USERS.items():
        answer = httpx.post(found.url + "/api/v1/auth/users", json={
            "name": name, "role": role, "password": password},
            headers={"Authorization": f"Bearer {admin}"})
        assert answer.status_code in (200, 201), answer.text
    found.loop_done = {}
    loop = threading.Thread(target=_background, args=(found, admin, found.loop_done),
                            daemon=True)
    loop.start()
    found.loop = loop
    database = open_database(None, found.home)
    record_workflow(database)
    found.approvals = [request_halt(database).approval_id for _ in range(2)]
    saved = subprocess.run(_cli("learn", "save", "demo", "--data", "goog", "--strategy",
                                "sma_cross", "-p", "fast=10", "-p", "slow=30", "--sl-stop",
                                "0.05", "--tp-stop", "0.15"),
                           env=found.env, capture_output=True, text=True, timeout=300)
    assert saved.returncode == 0, saved.stdout + saved.stderr
    yield found
    loop.join(600)
    database.dispose()
    assert found.stop() == 0, "".join(found.output[-20:])


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


def _sign_in(browser, server, user: str, **size):
    password = USERS[user][1] if user in USERS else None
    return _open(browser, server, user, password, **size)


def _api(server: Server, user: str, path: str):
    token = server.token(user, USERS[user][1])
    answer = httpx.get(server.url + "/api/v1" + path, headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    return answer.json()


def test_agents_view_when_a_trader_approves_then_the_api_shows_it_decided_by_them(
        browser, server):
    context, page, console = _sign_in(browser, server, "tara")
    page.goto(server.url + "/#/agents")
    first = server.approvals[0]
    page.get_by_test_id(f"approval-{first}").filter(has_text="pending").wait_for(timeout=15_000)
    reports = page.get_by_role("table", name="agent reports")
    reports.get_by_text("stock_analyst").wait_for()
    # the explained signal (in the background) may have decided a later workflow: pick ours
    page.get_by_label("Workflow", exact=True).select_option("test:sp500")
    steps = page.get_by_role("table", name="reasoning steps")
    steps.get_by_role("cell", name="response", exact=True).first.wait_for()
    steps = steps.inner_text()
    assert "prompt" in steps and "tool_call" in steps and "usage" in steps
    assert "agree with the rules" in steps  # the model's answer, in the trail
    assert "stock_analyst" in page.get_by_role("table", name="LLM usage").inner_text()
    page.get_by_role("button", name=f"Approve {first}", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").fill("drawdown checked in the browser")
    dialog.get_by_role("button", name="Confirm").click()
    page.get_by_test_id(f"approval-{first}").filter(has_text="approved").wait_for(timeout=10_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "agents-approved.png"), full_page=True)
    decided = _api(server, "tara", "/agents/approvals?status=approved")
    assert [(a["id"], a["decided_by"], a["note"]) for a in decided] == [
        (first, "tara", "drawdown checked in the browser")]
    assert [a["id"] for a in _api(server, "tara", "/agents/approvals?status=pending")] == [
        server.approvals[1]]
    assert not console.errors, console.errors
    context.close()


def test_agents_view_when_a_viewer_opens_it_then_no_approve_or_reject_button(browser, server):
    context, page, console = _sign_in(browser, server, "vera")
    page.goto(server.url + "/#/agents")
    page.get_by_test_id(f"approval-{server.approvals[1]}").wait_for(timeout=15_000)
    page.wait_for_timeout(300)
    assert page.get_by_role("button", name=re.compile(r"^(Approve|Reject) \d+$")).count() == 0
    assert not console.errors, console.errors
    context.close()


def test_learning_view_when_a_quiz_is_answered_then_scored_and_kept_in_progress(
        browser, server):
    context, page, console = _sign_in(browser, server, "vera")
    page.goto(server.url + "/#/learning")
    lessons = page.locator("ol.lessons > li")
    lessons.nth(11).wait_for(timeout=15_000)
    assert lessons.count() >= 12
    page.get_by_role("button", name="Options basics").click()
    lesson = page.locator(".lesson")
    lesson.locator("pre").first.wait_for(timeout=15_000)  # its examples, as code blocks
    assert lesson.locator("h1, h2").count() > 0 and lesson.locator("script").count() == 0
    quiz = page.get_by_role("form", name=re.compile("^Quiz"))
    for group in quiz.get_by_role("group").all():
        group.get_by_role("radio").first.check()
    quiz.get_by_role("button", name="Score my answers").click()
    score = page.get_by_test_id("quiz-score")
    score.wait_for(timeout=10_000)
    right, total = map(int, re.match(r"(\d+) of (\d+) right", score.inner_text()).groups())
    assert total == quiz.get_by_role("group").count() and 0 <= right <= total
    page.get_by_role("table", name="quiz progress").get_by_text("lesson:options_basics").wait_for()
    progress = _api(server, "vera", "/learn/progress")
    attempt = next(q for q in progress["quizzes"] if q["quiz"] == "lesson:options_basics")
    assert attempt["attempts"] == 1 and attempt["last"] == pytest.approx(right / total)
    page.screenshot(path=str(ARTIFACTS / "learning-quiz.png"), full_page=True)
    assert not console.errors, console.errors
    context.close()


def test_learning_view_when_a_trade_is_picked_then_explained_beside_its_candles(
        browser, server):
    context, page, console = _sign_in(browser, server, "vera")
    page.goto(server.url + "/#/learning")
    page.get_by_label("Run", exact=True).select_option("demo")
    page.get_by_role("button", name="Explain trade 1", exact=True).wait_for(timeout=30_000)
    card = page.locator("section[aria-label='Trade 1 explained']")
    card.get_by_text("stop_loss").first.wait_for(timeout=30_000)
    assert "-5,208.77" in card.inner_text()  # the saved run's first trade, as the docs say
    text = card.get_by_test_id("explanation-text").text_content()
    assert text.startswith("Trade 1 of 33 in backtest 'demo'")
    card.get_by_test_id("candles").locator("canvas").first.wait_for()
    page.wait_for_timeout(500)
    card.screenshot(path=str(ARTIFACTS / "learning-trade.png"))
    page.get_by_role("button", name="Explain trade 2", exact=True).click()
    page.locator("section[aria-label='Trade 2 explained']").get_by_test_id(
        "explanation-text").wait_for(state="attached", timeout=30_000)
    assert not console.errors, console.errors
    context.close()


def test_loop_view_when_retrained_twice_then_decision_evidence_drift_and_firings(
        browser, server):
    server.loop.join(600)
    assert server.loop_done.get("ok"), server.loop_done
    context, page, console = _sign_in(browser, server, "vera")
    page.goto(server.url + "/#/loop")
    drift = page.get_by_role("table", name="drift per feature")
    drift.locator("tbody tr").first.wait_for(timeout=60_000)
    report = _api(server, "vera", "/learning/drift?data=sp500&window=126")
    assert drift.locator("tbody tr").count() == len(report["columns"])
    assert page.get_by_test_id("drifted-row").count() == len(report["drifted"])
    decisions = page.get_by_role("table", name="promotion decisions")
    decisions.get_by_text("initial").wait_for(timeout=15_000)
    gated = _api(server, "vera", "/learning/decisions")[0]
    assert gated["action"] in ("keep", "promote") and "n" in gated["evidence"]
    assert gated["reason"] in decisions.inner_text()
    firings = page.get_by_role("table", name="job firings")
    firings.get_by_role("cell", name="retrain", exact=True).first.wait_for()
    firings = firings.inner_text()
    assert firings.count("retrain") == 2 and "done" in firings
    scores = page.get_by_role("table", name="model scores")
    scores.get_by_role("cell", name="signal_sp500").wait_for()  # the signal logged it
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / "loop.png"), full_page=True)
    assert not console.errors, console.errors
    context.close()


@pytest.mark.parametrize("width,height,theme", [(1280, 900, "light"), (390, 844, "dark")])
def test_new_views_when_opened_then_screenshot_no_serious_axe_violation_no_console_error(
        browser, server, width, height, theme):
    context, page, console = _sign_in(browser, server, "tara", width=width, height=height)
    page.evaluate(f"localStorage.setItem('signaltrust.theme', '{theme}')")
    page.reload()
    page.wait_for_selector("[data-testid=who]")
    problems = {}
    for view, ready in (("agents", "table[aria-label='agent reports'] td >> text=stock_analyst"),
                        ("learning", ".lesson h1, .lesson h2"),
                        ("loop", "table[aria-label='drift per feature'] tbody tr")):
        page.goto(f"{server.url}/#/{view}")
        page.locator(ready).first.wait_for(timeout=60_000)
        page.wait_for_timeout(400)
        page.screenshot(path=str(ARTIFACTS / f"{view}-{width}.png"), full_page=width > 500)
        found = _serious(page)
        if found:
            problems[view] = found
    (ARTIFACTS / f"axe-views-{width}.json").write_text(json.dumps(problems, indent=2))
    assert not problems, problems
    assert not console.errors, console.errors
    context.close()
