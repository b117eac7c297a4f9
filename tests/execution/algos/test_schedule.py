"""Schedule arithmetic: slices that add up exactly, due times, volume profiles."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.execution.algos import (
    VolumeProfile,
    even_targets,
    slice_bars,
    slice_times,
    weighted_targets,
)
from signaltrust.execution.algos.schedule import DAY_NS, to_lots

HOUR = 3_600_000_000_000


def test_even_targets_when_lots_do_not_divide_then_cumulative_and_exact() -> None:
    assert even_targets(10, 3) == [3, 6, 10]
    assert even_targets(2, 4) == [0, 1, 1, 2]


def test_weighted_targets_when_weights_given_then_proportional_and_the_last_takes_the_rest(
) -> None:
    assert weighted_targets(100, [1, 2, 1]) == [25, 75, 100]
    assert weighted_targets(10, [1, 1, 1]) == [3, 6, 10]
    with pytest.raises(ValidationError):
        weighted_targets(10, [0, 0])


def test_slice_times_and_bars_when_split_then_the_first_is_due_at_the_start() -> None:
    assert slice_times(1000, 60, 4) == [1000, 1015, 1030, 1045]
    assert slice_bars(10, 4) == [0, 2, 5, 7]


def test_to_lots_when_quantity_is_not_a_multiple_of_the_lot_then_validation_error() -> None:
    assert to_lots(Decimal("1.5"), Decimal("0.5")) == 3
    with pytest.raises(ValidationError) as error:
        to_lots(Decimal("1.3"), Decimal("0.5"))
    assert error.value.field == "quantity"


def test_volume_profile_when_intraday_bars_then_mean_volume_by_time_of_day() -> None:
    # two days of hourly bars at 14:00, 15:00, 16:00 UTC
    starts = [d * DAY_NS + h * HOUR for d in (0, 1) for h in (14, 15, 16)]
    volumes = [100, 300, 200, 300, 500, np.nan]
    profile = VolumeProfile.from_history(starts, volumes)
    assert profile.bucket == "time_of_day" and profile.period_ns == HOUR
    assert profile.means == {14: 200.0, 15: 400.0, 16: 200.0}
    times, weights = profile.grid(2 * DAY_NS + 13 * HOUR, end_ns=2 * DAY_NS + 20 * HOUR)
    assert [(t - 2 * DAY_NS) // HOUR for t in times] == [14, 15, 16]  # no trading at 13, 17-19
    assert weights == [200.0, 400.0, 200.0]


def test_volume_profile_when_daily_bars_then_by_weekday_and_weekends_skipped() -> None:
    monday = 4 * DAY_NS  # 1970-01-05
    starts = [monday + d * DAY_NS for d in range(5)] + [monday + (7 + d) * DAY_NS
                                                        for d in range(5)]
    volumes = [10, 20, 30, 40, 50, 30, 20, 30, 40, 50]
    profile = VolumeProfile.from_history(starts, volumes)
    assert profile.bucket == "weekday"
    assert profile.means == {0: 20.0, 1: 20.0, 2: 30.0, 3: 40.0, 4: 50.0}
    friday = monday + 11 * DAY_NS
    times, weights = profile.grid(friday, bars=3)
    assert [(t - monday) // DAY_NS for t in times] == [11, 14, 15]  # Fri, then Mon, Tue
    assert weights == [50.0, 20.0, 20.0]


def test_volume_profile_when_no_volume_known_then_validation_error() -> None:
    with pytest.raises(ValidationError) as error:
        VolumeProfile.from_history([0, DAY_NS], [np.nan, 0.0])
    assert error.value.field == "volume"


def test_volume_profile_when_saved_and_loaded_then_the_same() -> None:
    profile = VolumeProfile.from_history([0, HOUR, 2 * HOUR], [1.0, 2.0, 3.0])
    assert VolumeProfile.from_state(profile.to_state()) == profile
