"""FRED/ALFRED vintages: paging, errors, and values seen only once published (on loopback).

The answers below follow FRED's ``/fred/series/observations`` JSON with ``realtime_start`` /
``realtime_end`` per row (what ALFRED returns for every real-time period); built offline. The
series is revised: December 2019 was first published at 250.0 on 2020-01-14 and revised to
251.0 on 2020-02-13, the day January 2020 came out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import DatasetNotFoundError, ValidationError
from signaltrust.data.fred import FredClient, FredVintages, load_vintages
from signaltrust.features.macro import MacroFeatures
from signaltrust.features.macro_fred import FredMacroFeatures, macro_features, point_in_time
from tests.live.adapters.loopback import Answer
from tests.options.served import ServedLoopback

PATH = "/fred/series/observations"
ROWS = [
    {"realtime_start": "2019-12-11", "realtime_end": "9999-12-31", "date": "2019-11-01",
     "value": "248.0"},
    {"realtime_start": "2020-01-14", "realtime_end": "2020-02-12", "date": "2019-12-01",
     "value": "250.0"},
    {"realtime_start": "2020-02-13", "realtime_end": "9999-12-31", "date": "2019-12-01",
     "value": "251.0"},
    {"realtime_start": "2020-02-13", "realtime_end": "9999-12-31", "date": "2020-01-01",
     "value": "252.0"},
    {"realtime_start": "2020-03-11", "realtime_end": "9999-12-31", "date": "2020-02-01",
     "value": "."},  # FRED's missing value
]


def _page(rows, offset, count):
    return {"realtime_start": "1776-07-04", "realtime_end": "9999-12-31", "units": "lin",
            "output_type": 1, "file_type": "json", "order_by": "observation_date",
            "sort_order": "asc", "count": count, "offset": offset, "limit": 3,
            "observations": rows}


def _vintages() -> FredVintages:
    return FredVintages.from_observations("cpilfesl", ROWS)


def test_vintages_when_fetched_then_pages_are_joined_and_missing_values_dropped():
    slept = []
    with ServedLoopback() as server:
        server.on("GET", PATH, Answer(200, _page(ROWS[:3], 0, 5)), when={"offset": "0"})
        server.on("GET", PATH, Answer(429, {"error_code": 429}, headers={"Retry-After": "2"}),
                  Answer(200, _page(ROWS[3:], 3, 5)), when={"offset": "3"})
        with FredClient("k3y", server.url, sleep=slept.append) as client:
            got = client.vintages("CPILFESL")
        seen = server.calls("GET", PATH)
    assert len(got.rows) == 4 and got.series_id == "CPILFESL"
    assert seen[0].query["realtime_start"] == "1776-07-04" and seen[0].query["api_key"] == "k3y"
    assert slept == [2.0]  # the rate limit's Retry-After was waited
    assert got.rows["realtime_end"].isna().sum() == 3  # 9999-12-31: still current


def test_vintages_when_series_is_unknown_then_validation_error_without_the_key():
    body = {"error_code": 400, "error_message": "Bad Request.  The series does not exist."}
    with ServedLoopback() as server:
        server.on("GET", PATH, Answer(400, body))
        with FredClient("s3cretkey", server.url) as client, \
                pytest.raises(ValidationError, match="does not exist") as err:
            client.vintages("NOPE")
    assert "s3cretkey" not in str(err.value)


def test_client_when_no_key_then_validation_error_names_the_setting():
    with pytest.raises(ValidationError, match="API key") as err:
        FredClient("")
    assert "FRED_API_KEY" in err.value.fix


def test_as_of_when_before_the_revision_then_first_release_value():
    v = _vintages()
    dec = pd.Timestamp("2019-12-01", tz="UTC")
    assert v.as_of("2020-02-12")[dec] == 250.0
    assert v.as_of("2020-02-13")[dec] == 251.0
    assert v.latest()[dec] == 251.0
    assert v.first_release().loc[dec, "value"] == 250.0
    assert pd.Timestamp("2020-01-01", tz="UTC") not in v.as_of("2020-02-12").index


def test_point_in_time_when_bars_straddle_the_revision_then_no_bar_sees_it_early():
    bars = pd.date_range("2020-02-10", "2020-02-17", freq="D", tz="UTC")
    level = point_in_time(_vintages(), bars, "level")
    mom = point_in_time(_vintages(), bars, "mom")
    # daily bars end at the next midnight; the 02-13 release is usable from 02-14 00:00
    before = bars < pd.Timestamp("2020-02-13", tz="UTC")
    assert (level[before] == 250.0).all()  # December's first release is the latest known
    assert level[pd.Timestamp("2020-02-13", tz="UTC")] == 252.0  # January, out that day
    assert mom[before].to_numpy() == pytest.approx(250.0 / 248.0 - 1.0)
    # January's change uses the revised December (251), not the first release (250)
    assert mom[~before].to_numpy() == pytest.approx(252.0 / 251.0 - 1.0)


def test_fred_macro_features_when_vintages_are_saved_then_used_and_chosen(tmp_path):
    _vintages().save(tmp_path)
    bars = pd.DataFrame({"close": np.ones(8)},
                        index=pd.date_range("2020-02-10", periods=8, freq="D", tz="UTC"))
    series = {"cpi": "CPILFESL:level", "cpi_mom": "CPILFESL:mom"}
    chosen = macro_features(tmp_path, series)
    assert isinstance(chosen, FredMacroFeatures)
    frame = chosen.fit_transform(bars)
    assert list(frame.columns) == ["cpi", "cpi_mom"]
    assert frame["cpi"].iloc[0] == 250.0 and frame["cpi"].iloc[-1] == 252.0
    assert isinstance(macro_features(tmp_path / "none", series), MacroFeatures)
    assert isinstance(macro_features(None), MacroFeatures)


def test_load_vintages_when_not_downloaded_then_error_says_how_to_download(tmp_path):
    with pytest.raises(DatasetNotFoundError) as err:
        load_vintages(tmp_path, "UNRATE")
    assert "data download --source fred UNRATE" in err.value.fix
