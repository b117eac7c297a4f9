"""The macro agent on FRED/ALFRED vintages: a revised figure is not seen before its vintage,
an unpublished one not at all; the bundled series with fixed lags fill in what was not
downloaded."""

from __future__ import annotations

import pandas as pd

from signaltrust.agents.macro import MacroAgent
from signaltrust.data.fred import FredVintages


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def cpi_vintages() -> FredVintages:
    """Core CPI 2019-01 .. 2020-01 at 100, 100.2 ... each released on the 13th of the next
    month; January 2020 first at 102.6 (2.6 % y/y), revised on 2020-03-12 to 104.0 (4 %)."""
    rows = []
    for i, month in enumerate(pd.date_range("2019-01-01", "2019-12-01", freq="MS")):
        released = (month + pd.DateOffset(months=1)).replace(day=13)
        rows.append({"date": f"{month:%Y-%m-%d}", "value": str(100 + 0.2 * i),
                     "realtime_start": f"{released:%Y-%m-%d}", "realtime_end": "9999-12-31"})
    rows.append({"date": "2020-01-01", "value": "102.6", "realtime_start": "2020-02-13",
                 "realtime_end": "2020-03-11"})
    rows.append({"date": "2020-01-01", "value": "104.0", "realtime_start": "2020-03-12",
                 "realtime_end": "9999-12-31"})
    return FredVintages.from_observations("CPILFESL", rows)


def test_macro_when_cpi_revised_then_the_revision_is_not_seen_before_its_vintage_closes():
    agent = MacroAgent(vintages={"CPILFESL": cpi_vintages()})
    before = agent.readings(utc("2020-03-12 18:00"))["inflation"]  # revision day, not closed
    after = agent.readings(utc("2020-03-13"))["inflation"]
    assert before["value"] == 2.6 and before["published"][:10] == "2020-02-14"
    assert after["value"] == 4.0 and after["published"][:10] == "2020-03-13"
    assert before["source"] == "FRED vintages" and before["observation"] == "2020-01-01"
    assert after["score"] < before["score"]  # hotter inflation reads worse


def test_macro_when_month_not_yet_published_then_previous_month_used():
    agent = MacroAgent(vintages={"CPILFESL": cpi_vintages()})
    reading = agent.readings(utc("2020-02-10"))
    assert "inflation" not in reading  # December 2019's y/y needs Dec 2018: not in the vintage
    assert agent.known("CPILFESL", utc("2020-02-10")).index[-1] == utc("2019-12-01")


def test_macro_when_no_vintage_downloaded_then_bundled_series_with_lags_fill_in():
    agent = MacroAgent(vintages={"CPILFESL": cpi_vintages()})
    readings = agent.readings(utc("2018-12-20"))
    assert readings["vix"]["source"] == "bundled, fixed publication lag"
    assert readings["credit"]["series"] == "BAA-AAA"
    assert "inflation" not in readings  # the vintage replaces the bundled CPI, and starts 2019


def test_macro_from_folder_when_rate_export_then_rates_reading_with_its_3_month_change(tmp_path):
    days = pd.bdate_range("2018-06-01", "2018-12-20")
    text = "observation_date,DGS10_20181221\n" + "".join(
        f"{d:%Y-%m-%d},{2.0 + 0.005 * i:.3f}\n" for i, d in enumerate(days))
    (tmp_path / "DGS10.csv").write_text(text)
    agent = MacroAgent.from_folder(tmp_path)
    assert "rates" not in agent.readings(utc("2018-12-21 12:00"))  # the vintage of the 21st
    rates = agent.readings(utc("2018-12-22"))["rates"]
    assert rates["series"] == "DGS10" and rates["change_3m"] > 0 and rates["score"] < 0
    report = agent.assess(type("Inputs", (), {"as_of": utc("2018-12-22")})())
    assert any("DGS10" in reason for reason in report.reasons)
