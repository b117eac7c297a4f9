"""The dashboard in a real browser: Playwright drives Debian's Chromium (``/usr/bin/chromium``;
nothing downloads a browser) against ``signaltrust up`` started as a user would start it.

One server for the module: a paper node replaying the S&P 500 at 20 trading days a second,
and a second node (``resting``) whose one buy limit rests far below the market until it is
cancelled. Each view is screenshotted (tests/web/artifacts/, git-ignored) and checked with
axe-core (no serious or critical violation) and for console errors. The measured figures
(fill-to-row latency, frame time panning 10,000 candles, JavaScript shipped) are printed and
written to tests/web/artifacts/figures.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
CHROMIUM = os.environ.get("SIGNALTRUST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
VIEWS = ("overview", "trading", "signals", "backtests", "optimisation", "models", "risk", "logs")
FIGURES: dict[str, object] = {}


def _has_websocket() -> bool:
    from signaltrust.api.app import ROUTERS

    return "signaltrust.api.routers.ws" in ROUTERS


#: without the API's WebSocket the page says so and refreshes every 3 s instead
LIVE = _has_websocket()

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium package (.ci/run installs it)")
    pytest.skip("no Chromium at /usr/bin/chromium", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from signaltrust.cli.main import run; run()", *args]


class Server:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SIGNALTRUST_HOME": str(home), "NO_COLOR": "1",
                    "COLUMNS": "200"}
        self.env.pop("SIGNALTRUST__DATABASE__URL", None)
        self.process = subprocess.Popen(
            _cli("up", "--port", str(self.port), "--speed", str(86400 * 20)), env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        self.password = self._read_password()
        self.resting = subprocess.Popen(
            _cli("paper", "--data", "sp500", "--strategy", f"{HERE / 'resting.py'}:RestingLimit",
                 "--name", "resting", "--speed", "86400", "--json"),
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_password(self) -> str:
        deadline = time.monotonic() + 120
        password = None
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("signaltrust up ended: " + "".join(self.output))
            self.output.append(line)
            found = re.search(r"one-time password (\S+)", line)
            if found:
                password = found.group(1)
            if "Ctrl-C stops" in line:
                break
        assert password, "".join(self.output)
        for _ in range(100):
            try:
                if httpx.get(self.url + "/health").status_code == 200:
                    return password
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the API did not answer")

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            del self.output[:-200]

    def token(self, user: str, password: str) -> str:
        answer = httpx.post(self.url + "/api/v1/auth/token",
                            data={"username": user, "password": password})
        answer.raise_for_status()
        return answer.json()["access_token"]

    def stop(self) -> int:
        self.resting.terminate()
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(30)
        self.resting.wait(15)
        return code


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    ARTIFACTS.mkdir(exist_ok=True)
    found = Server(tmp_path_factory.mktemp("up-home"))
    admin = found.token("admin", found.password)
    answer = httpx.post(found.url + "/api/v1/auth/users", headers={
        "Authorization": f"Bearer {admin}"}, json={
        "name": "vera", "role": "viewer", "password": "viewer password 1"})
    assert answer.status_code in (200, 201), answer.text
    yield found
    assert found.stop() == 0, "".join(found.output[-20:])
    (ARTIFACTS / "figures.json").write_text(json.dumps(FIGURES, indent=2) + "\n")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        FIGURES["chromium"] = launched.version
        yield launched
        launched.close()


class Console:
    """The page's console errors, less a refused WebSocket when the API has none."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message) -> None:
        if message.type == "error" and (LIVE or "WebSocket" not in message.text):
            self.errors.append(message.text)


def _open(browser, server: Server, user: str = "admin", password: str | None = None,
          width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    console = Console(page)
    page.goto(server.url + "/")
    page.get_by_label("User").fill(user)
    page.get_by_label("Password").fill(password or server.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("[data-testid=who]")
    return context, page, console


def _equity(page) -> float:
    return float(page.get_by_test_id("equity").inner_text().replace(",", "") or "nan")


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} - {[n['target'] for n in v['nodes'][:3]]}"
            for v in found if v.get("impact") in ("serious", "critical")]


def test_login_when_signed_in_then_equity_moves_as_the_paper_node_trades(browser, server):
    context, page, console = _open(browser, server)
    page.wait_for_function("document.querySelector('[data-testid=equity]').innerText !== '-'")
    first = _equity(page)
    page.wait_for_function(
        f"parseFloat(document.querySelector('[data-testid=equity]').innerText.replace(/,/g, ''))"
        f" !== {first}", timeout=30_000)
    assert _equity(page) != first
    assert (page.get_by_test_id("live-state").inner_text() == "live") is LIVE
    assert not console.errors
    context.close()


def test_fill_when_the_node_journals_it_then_its_row_shows_within_the_measured_latency(
        browser, server):
    from signaltrust.storage import Journal, open_database

    database = open_database(None, server.home)
    journal = Journal(database, "sp500-demo")
    context, page, console = _open(browser, server)
    page.goto(server.url + "/#/trading")
    page.wait_for_selector("table[aria-label=trades]")
    page.wait_for_load_state("networkidle")
    page.evaluate("""() => { window.__seen = {}; new MutationObserver(() => {
        for (const e of document.querySelectorAll('.fill-row[data-seq]')) {
          const s = e.dataset.seq; if (!(s in window.__seen)) window.__seen[s] = Date.now(); }
      }).observe(document.body, {childList: true, subtree: true}); }""")
    last = max([e.seq for e in journal.entries(kinds=("fill",))], default=0)
    journalled: dict[int, float] = {}
    deadline = time.monotonic() + 40
    while len(journalled) < 3 and time.monotonic() < deadline:
        for entry in journal.entries(after=last, kinds=("fill",)):
            journalled.setdefault(entry.seq, time.time() * 1000)
            last = max(last, entry.seq)
        time.sleep(0.01)  # each look is a query: tighter would take the CPU the server needs
    assert journalled, "the node made no fill in 40 s"
    page.wait_for_function(f"{max(journalled)} in window.__seen", timeout=10_000)
    seen = page.evaluate("window.__seen")
    latencies = [seen[str(s)] - t for s, t in journalled.items() if str(s) in seen]
    FIGURES["fill_to_row_ms"] = {"samples": [round(x, 1) for x in latencies],
                                 "median": round(statistics.median(latencies), 1)}
    print("fill to row (ms):", FIGURES["fill_to_row_ms"])
    # the goal is 100 ms; the bound is loose because this shared machine's CPUs are busy
    assert latencies and statistics.median(latencies) < 1500
    database.dispose()
    assert not console.errors
    context.close()


def test_backtest_when_run_then_progress_then_its_tearsheet_opens(browser, server):
    context, page, console = _open(browser, server)
    page.goto(server.url + "/#/backtests")
    page.get_by_label("fast").fill("10")
    page.get_by_label("slow").fill("40")
    page.get_by_role("button", name="Run backtest").click()
    opened = page.get_by_role("button", name="Open tearsheet")
    opened.wait_for(timeout=60_000)
    assert "DSR" in page.locator("section[aria-label^='Backtest']").inner_text()
    page.wait_for_timeout(500)
    page.locator("section[aria-label^='Backtest']").screenshot(path=str(ARTIFACTS / "backtest.png"))
    with page.expect_popup() as popup:
        opened.click()
    sheet = popup.value
    sheet.locator("h1").first.wait_for(timeout=10_000)
    sheet.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert "Backtest tearsheet" in sheet.title()
    sheet.wait_for_timeout(500)
    sheet.screenshot(path=str(ARTIFACTS / "backtest-tearsheet.png"))
    assert not console.errors
    context.close()


def test_open_order_when_cancelled_then_it_leaves_the_open_orders(browser, server):
    context, page, console = _open(browser, server)
    page.goto(server.url + "/#/trading")
    page.get_by_label("Node", exact=True).select_option("resting")
    cancel = page.get_by_role("button", name=re.compile(r"^Cancel resting-"))
    cancel.first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "trading-open-order.png"), full_page=True)
    cancel.first.click()
    page.get_by_text("no open orders").wait_for(timeout=15_000)
    assert not console.errors
    context.close()


def _wait_registered(server: Server, name: str, timeout: float = 60.0) -> None:
    token = server.token("admin", server.password)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(f"{server.url}/api/v1/nodes/{name}",
                           headers={"Authorization": f"Bearer {token}"})
        if answer.status_code == 200 and answer.json()["status"] == "running":
            return
        time.sleep(0.2)
    raise AssertionError(f"the node {name} did not start")


def test_position_when_one_is_closed_then_it_leaves_and_the_other_stays_open(
        browser, server, tmp_path):
    from signaltrust.data import load

    bars = load("goog").iloc[:600]
    half = tmp_path / "half.csv"  # a second symbol trading on the same days
    bars.assign(**{c: bars[c] * 0.5 for c in ("open", "high", "low", "close")}).to_csv(half)
    node = subprocess.Popen(
        _cli("paper", "--data", "goog", "--data", str(half), "--strategy",
             f"{HERE / 'holding.py'}:HoldsEach", "--name", "two", "--speed", "86400", "--json"),
        env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_registered(server, "two")
        context, page, console = _open(browser, server)
        page.goto(server.url + "/#/trading")
        page.get_by_label("Node", exact=True).select_option("two")
        positions = page.get_by_role("table", name="positions")
        goog = positions.get_by_role("row").filter(has_text="goog")
        other = positions.get_by_role("row").filter(has_text="half")
        goog.wait_for(timeout=30_000)
        other.wait_for(timeout=30_000)
        page.get_by_role("img", name="equity and drawdown of two").wait_for()
        page.screenshot(path=str(ARTIFACTS / "trading-two-positions.png"), full_page=True)
        goog.get_by_role("button", name="Close").click()
        dialog = page.get_by_role("dialog")
        assert "Close goog on two" in dialog.inner_text()
        dialog.get_by_role("button", name="Confirm").click()
        goog.wait_for(state="detached", timeout=15_000)
        page.wait_for_timeout(1500)  # the node trades on: the other position stays open
        assert other.count() == 1 and goog.count() == 0
        page.screenshot(path=str(ARTIFACTS / "trading-closed-one.png"), full_page=True)
        page.goto(server.url + "/#/logs")
        page.get_by_role("table", name="node log").get_by_text(
            "admin: close (symbol goog)").wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "logs-close.png"), full_page=True)
        assert not console.errors, console.errors
        context.close()
    finally:  # stopped as an operator would (the later views show it stopped, not down)
        token = server.token("admin", server.password)
        httpx.post(f"{server.url}/api/v1/nodes/two/stop", json={"wait": 5},
                   headers={"Authorization": f"Bearer {token}"})
        try:
            node.wait(15)
        except subprocess.TimeoutExpired:
            node.terminate()
            node.wait(15)


def test_sweep_and_walk_forward_when_run_then_heatmap_of_its_grid_and_window_stability(
        browser, server):
    context, page, console = _open(browser, server)
    page.goto(server.url + "/#/optimisation")
    form = page.get_by_role("form", name="Search parameters")
    form.get_by_label("Data").fill("goog")
    form.get_by_label("fast values").fill("5:15:5")
    form.get_by_label("slow values").fill("50, 100")
    form.get_by_label("train bars").fill("500")
    form.get_by_label("test bars").fill("500")
    form.get_by_role("button", name="Run grid sweep").click()
    heatmap = page.get_by_role("img", name="sharpe_ratio by fast and slow")
    heatmap.wait_for(timeout=180_000)
    assert "6 trials of the grid over fast, slow" in page.locator(
        "section[aria-label^='sweep']").inner_text()
    page.wait_for_timeout(500)
    page.locator("section[aria-label^='sweep']").screenshot(
        path=str(ARTIFACTS / "optimisation-heatmap.png"))
    form.get_by_role("button", name="Run walk-forward").click()
    windows = page.get_by_role("table", name="walk-forward windows")
    windows.wait_for(timeout=180_000)
    assert windows.get_by_role("row").count() >= 4  # the header and three windows or more
    page.get_by_role("table", name="parameter stability").get_by_text("fast").wait_for()
    page.wait_for_timeout(500)
    page.locator("section[aria-label^='walkforward']").screenshot(
        path=str(ARTIFACTS / "optimisation-walk-forward.png"))
    assert not console.errors, console.errors
    context.close()


def test_kill_switch_when_pressed_and_confirmed_then_halted(browser, server):
    context, page, console = _open(browser, server)
    page.goto(server.url + "/#/trading")
    page.get_by_role("button", name="Kill switch").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").fill("browser test")
    dialog.get_by_role("button", name="Confirm").click()
    page.get_by_test_id("kill-state").filter(has_text="HALTED").wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "kill-switch-halted.png"))
    page.get_by_role("button", name="Release kill switch").click()
    page.get_by_role("dialog").get_by_label("Reason").fill("test over")
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    page.get_by_test_id("kill-state").filter(has_text="Trading allowed").wait_for()
    assert not console.errors
    context.close()


def test_viewer_when_signed_in_then_sees_no_trading_controls(browser, server):
    context, page, console = _open(browser, server, "vera", "viewer password 1")
    for view in ("trading", "backtests", "optimisation", "risk"):
        page.goto(f"{server.url}/#/{view}")
        page.locator("section.card").first.wait_for()
        page.wait_for_timeout(300)
        for name in ("Kill switch", "Pause", "Stop", "Close", "Run backtest", "Run grid sweep",
                     "Save", "Promote"):
            assert page.get_by_role("button", name=name, exact=True).count() == 0, (view, name)
        assert page.get_by_role("button", name=re.compile("^Cancel ")).count() == 0
    page.screenshot(path=str(ARTIFACTS / "viewer-trading.png"))
    assert not console.errors
    context.close()


@pytest.mark.parametrize("width,height,theme", [(1280, 900, "light"), (390, 844, "dark")])
def test_each_view_when_opened_then_screenshot_no_serious_axe_violation_no_console_error(
        browser, server, width, height, theme):
    context, page, console = _open(browser, server, width=width, height=height)
    page.evaluate(f"localStorage.setItem('signaltrust.theme', '{theme}')")
    page.reload()
    page.wait_for_selector("[data-testid=who]")
    problems = {}
    for view in VIEWS:
        page.goto(f"{server.url}/#/{view}")
        page.locator("section.card").first.wait_for()
        if view == "signals":
            page.get_by_text("Score").first.wait_for(timeout=60_000)
        if view == "risk":
            var = page.get_by_role("table", name="value at risk")
            var.get_by_text("historical").first.wait_for(timeout=30_000)
        page.wait_for_timeout(400)
        page.screenshot(path=str(ARTIFACTS / f"{view}-{width}.png"), full_page=width > 500)
        found = _serious(page)
        if found:
            problems[view] = found
    (ARTIFACTS / f"axe-{width}.json").write_text(json.dumps(problems, indent=2))
    assert not problems, problems
    assert not console.errors, console.errors
    context.close()


def test_chart_when_panning_10000_candles_then_frame_time_is_measured(browser, server):
    context, page, console = _open(browser, server)
    page.goto(server.url + "/#/bench/candles")
    box = page.get_by_test_id("candles").bounding_box()
    page.wait_for_timeout(300)
    page.evaluate("""() => { window.__frames = []; let last = performance.now();
        const tick = (t) => { window.__frames.push(t - last); last = t;
          if (window.__frames.length < 100000) requestAnimationFrame(tick); };
        requestAnimationFrame(tick); }""")
    x, y = box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(120):
        page.mouse.move(x - (i % 60) * 8 if (i // 60) % 2 == 0 else x - (60 - i % 60) * 8, y)
    page.mouse.up()
    frames = page.evaluate("window.__frames.slice(2)")
    frames.sort()
    FIGURES["pan_10000_candles_frame_ms"] = {
        "frames": len(frames), "median": round(statistics.median(frames), 2),
        "p95": round(frames[int(len(frames) * 0.95) - 1], 2)}
    print("frame time panning 10,000 candles (ms):", FIGURES["pan_10000_candles_frame_ms"])
    manifest = json.loads((Path(__file__).resolve().parents[2] / "src" / "signaltrust" /
                           "web_dist" / "manifest.json").read_text())
    FIGURES["js_gzip_kib"] = round(manifest["js_gzip_bytes"] / 1024, 1)
    assert len(frames) > 10 and statistics.median(frames) < 100
    assert not console.errors
    context.close()
