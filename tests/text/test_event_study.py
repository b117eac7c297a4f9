"""Event studies: returns after news, measured from the first close after it was seen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.text.event_study import event_study

INDEX = pd.date_range("2022-01-03", periods=400, freq="D", tz="UTC")


def _planted(effect=0.02, seed=5):
    """Two random walks; news of a bar moves the next bar's close by +-effect."""
    rng = np.random.default_rng(seed)
    closes, rows = {}, []
    for symbol in ("AAA", "BBB"):
        steps = rng.normal(0, 0.01, len(INDEX))
        days = rng.choice(np.arange(5, len(INDEX) - 15), 60, replace=False)
        for i, day in enumerate(days):
            sign = 1 if i % 2 == 0 else -1
            steps[day + 1] += sign * effect
            seen = INDEX[day] + pd.Timedelta(hours=int(rng.integers(0, 23)))
            rows.append({"symbol": symbol, "first_seen_at": seen, "sentiment": 0.8 * sign,
                         "events": [{"type": "earnings", "direction": sign, "trigger": "x"}]})
        closes[symbol] = 100 * np.exp(np.cumsum(steps))
    return pd.DataFrame(closes, index=INDEX), pd.DataFrame(rows)


def test_study_when_news_moves_next_close_then_groups_show_it_with_intervals():
    prices, mentions = _planted()
    result = event_study(mentions, prices, horizons=(1, 5))
    table = result.table.set_index(["period", "group", "horizon"])
    pos, neg = table.loc[("all", "positive", 1)], table.loc[("all", "negative", 1)]
    assert pos["count"] == neg["count"] == 60
    assert pos["ci_low"] > 0.01 and neg["ci_high"] < -0.01
    assert pos["ci_low"] < 0.02 < pos["ci_high"]
    spread = table.loc[("all", "positive-negative", 1)]
    assert spread["ci_low"] > 0.02
    base = table.loc[("all", "baseline", 1)]
    assert base["ci_low"] < 0 < base["ci_high"]  # no signal earns nothing


def test_study_when_by_event_then_groups_are_type_and_direction():
    prices, mentions = _planted()
    result = event_study(mentions, prices, horizons=(1,), by="event")
    assert set(result.table["group"]) == {"earnings:+1", "earnings:-1", "baseline"}
    assert result.mean("earnings:+1", 1) > 0.01 > -0.01 > result.mean("earnings:-1", 1)


def test_study_when_news_seen_after_the_move_then_the_move_is_not_counted():
    close = np.full(10, 100.0)
    close[4:] = 110.0  # the jump happens in bar 4 (close 3 -> close 4)
    prices = pd.DataFrame({"AAA": close}, index=INDEX[:10])
    # the story about the jump is first seen one minute after bar 4 ends
    mentions = pd.DataFrame([{"symbol": "AAA", "sentiment": 0.9,
                              "first_seen_at": INDEX[5] + pd.Timedelta("1min")}])
    result = event_study(mentions, prices, horizons=(1,))
    assert result.events["entry_time"].tolist() == [INDEX[5]]
    assert result.mean("positive", 1) == 0.0
    # seen just before bar 3 ends: entry at close 3, and the jump is after it
    early = mentions.assign(first_seen_at=INDEX[4] - pd.Timedelta("1min"))
    result = event_study(early, prices, horizons=(1,))
    assert result.mean("positive", 1) == pytest.approx(np.log(1.1))


def test_study_when_split_then_in_and_out_of_sample_reported_separately():
    prices, mentions = _planted()
    result = event_study(mentions, prices, horizons=(1,), split_at=INDEX[200])
    counts = result.table.set_index(["period", "group"])["count"]
    assert counts[("in_sample", "positive")] + counts[("out_of_sample", "positive")] == 60
    assert counts[("in_sample", "positive")] > 0 and counts[("out_of_sample", "positive")] > 0


def test_study_when_mentions_lack_columns_then_validation_error():
    prices, _ = _planted()
    with pytest.raises(ValidationError, match="mentions"):
        event_study(pd.DataFrame({"symbol": ["AAA"]}), prices)
    with pytest.raises(ValidationError, match="horizons"):
        event_study(_planted()[1], prices, horizons=(0,))


def test_study_when_per_symbol_then_each_ticker_has_its_groups_and_spread():
    prices, mentions = _planted()
    result = event_study(mentions, prices, horizons=(1,), per_symbol=True)
    groups = set(result.table["group"])
    assert {"AAA/positive", "AAA/negative", "BBB/positive", "BBB/negative",
            "AAA/positive-negative", "BBB/positive-negative", "baseline"} <= groups
    counts = result.table.set_index("group")["count"]
    assert counts["AAA/positive"] + counts["BBB/positive"] == 60
