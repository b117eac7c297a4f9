"""HTML reports written into one folder share one plotly.js file; inline and CDN on request."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from signaltrust.backtest.api import load_bars, run
from signaltrust.backtest.tearsheet import write_heatmap, write_report
from signaltrust.backtest.tearsheet.plotlyjs import bundle_name, include_plotlyjs
from signaltrust.core.errors import ValidationError


@pytest.fixture(scope="module")
def result():
    return run(load_bars("goog").iloc[:300], "sma_cross", {"fast": 5, "slow": 20})


def _src(text: str) -> list[str]:
    return re.findall(r'<script[^>]*\bsrc="([^"]+)"', text)


def test_write_report_when_ten_reports_in_one_folder_then_one_shared_bundle(result, tmp_path):
    paths = [write_report(result, tmp_path / f"r{i}.html") for i in range(10)]

    bundles = list(tmp_path.glob("plotly-*.min.js"))
    assert [b.name for b in bundles] == [bundle_name()]
    assert bundles[0].stat().st_size > 3_000_000  # the whole library, once
    for path in paths:
        text = path.read_text()
        assert _src(text) == [bundle_name()]
        assert len(text) < 1_000_000
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert total < 2 * bundles[0].stat().st_size  # not ten copies


def test_write_report_when_inline_then_no_bundle_and_no_script_src(result, tmp_path):
    text = write_report(result, tmp_path / "one.html", plotly="inline").read_text()
    assert len(text) > 3_000_000 and not _src(text)
    assert not list(tmp_path.glob("*.js"))


def test_write_report_when_cdn_then_script_from_the_cdn(result, tmp_path):
    text = write_report(result, tmp_path / "cdn.html", plotly="cdn").read_text()
    assert any(src.startswith("https://cdn.plot.ly/") for src in _src(text))


def test_write_heatmap_when_html_then_shares_the_bundle_of_the_folder(tmp_path):
    table = pd.DataFrame({"fast": [5, 5, 10, 10], "slow": [20, 30, 20, 30],
                          "sharpe_ratio": [0.1, 0.4, -0.2, 0.3]})
    write_heatmap(table, tmp_path / "h.html", x="fast", y="slow", value="sharpe_ratio")
    (tmp_path / bundle_name()).write_text("kept")  # an existing bundle is not rewritten
    text = write_heatmap(table, tmp_path / "h2.html", x="fast", y="slow",
                         value="sharpe_ratio").read_text()
    assert _src(text) == [bundle_name()]
    assert (tmp_path / bundle_name()).read_text() == "kept"


def test_include_plotlyjs_when_unknown_mode_then_error_names_plotly(tmp_path):
    with pytest.raises(ValidationError) as err:
        include_plotlyjs(tmp_path / "r.html", "embed")
    assert err.value.field == "plotly"
