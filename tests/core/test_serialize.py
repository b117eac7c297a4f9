"""to_plain: one serialisation of results for --json and the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel, SecretStr

from signaltrust.core.errors import SerializationError
from signaltrust.core.serialize import SupportsPlain, to_plain


class Side(enum.StrEnum):
    BUY = "buy"


class Level(enum.IntEnum):
    HIGH = 2


@dataclasses.dataclass
class Fill:
    price: Decimal
    side: Side
    time: pd.Timestamp


class Account(BaseModel):
    name: str
    token: SecretStr
    cash: Decimal


class Headline:
    def __init__(self) -> None:
        self.model = object()  # not serialisable on its own

    def __plain__(self) -> dict:
        return {"sharpe": np.float64(1.25), "trades": np.int64(3)}


def test_to_plain_when_scalars_then_json_types_and_non_finite_is_null():
    out = to_plain([1, 2.5, float("nan"), float("inf"), -np.inf, True, None, "x", np.bool_(True),
                    np.int32(4), np.float32(0.5), Decimal("0.10"), Decimal("NaN")])
    assert out == [1, 2.5, None, None, None, True, None, "x", True, 4, 0.5, "0.10", None]
    assert json.dumps(out, allow_nan=False)


def test_to_plain_when_enums_paths_uuids_then_their_values():
    ident = uuid.uuid4()
    assert to_plain({"side": Side.BUY, "level": Level.HIGH, "path": Path("/tmp/x.html"),
                     "id": ident}) == {"side": "buy", "level": 2, "path": "/tmp/x.html",
                                       "id": str(ident)}
    assert type(to_plain(Side.BUY)) is str


def test_to_plain_when_times_then_iso_and_missing_is_null():
    stamp = pd.Timestamp("2020-01-02 03:04:05", tz="UTC")
    out = to_plain([stamp, dt.date(2020, 1, 2), pd.NaT, pd.NA, np.datetime64("NaT"),
                    np.datetime64("2020-01-02T00:00:00"), pd.Timedelta(days=3),
                    np.timedelta64(2, "h"), dt.timedelta(seconds=90)])
    assert out == ["2020-01-02T03:04:05+00:00", "2020-01-02", None, None, None,
                   "2020-01-02T00:00:00", "3 days 00:00:00", "0 days 02:00:00",
                   "0 days 00:01:30"]
    assert pd.Timedelta(out[6]) == pd.Timedelta(days=3)


def test_to_plain_when_frame_then_rows_with_a_meaningful_index_as_a_column():
    index = pd.date_range("2020-01-01", periods=2, tz="UTC", name="time")
    frame = pd.DataFrame({"close": [1.0, np.nan], "n": [1, 2]}, index=index)
    assert to_plain(frame) == [
        {"time": "2020-01-01T00:00:00+00:00", "close": 1.0, "n": 1},
        {"time": "2020-01-02T00:00:00+00:00", "close": None, "n": 2},
    ]
    assert to_plain(frame.reset_index(drop=True)) == [{"close": 1.0, "n": 1},
                                                      {"close": None, "n": 2}]


def test_to_plain_when_series_then_label_mapping_or_list():
    index = pd.date_range("2020-01-01", periods=2, tz="UTC")
    assert to_plain(pd.Series([1.5, np.inf], index=index)) == {
        "2020-01-01T00:00:00+00:00": 1.5, "2020-01-02T00:00:00+00:00": None}
    assert to_plain(pd.Series([3, 4])) == [3, 4]
    assert to_plain(pd.Index(["a", "b"])) == ["a", "b"]


def test_to_plain_when_arrays_then_nested_lists():
    assert to_plain(np.array([[1.0, np.nan], [2.0, 3.0]])) == [[1.0, None], [2.0, 3.0]]
    assert to_plain(np.array(["2020-01-01"], dtype="datetime64[ns]")) == ["2020-01-01T00:00:00"]


def test_to_plain_when_dataclass_and_pydantic_then_fields_and_secrets_stay_masked():
    fill = Fill(Decimal("101.25"), Side.BUY, pd.Timestamp("2020-01-02", tz="UTC"))
    assert to_plain(fill) == {"price": "101.25", "side": "buy",
                              "time": "2020-01-02T00:00:00+00:00"}
    account = to_plain(Account(name="a", token=SecretStr("hunter2"), cash=Decimal("5")))
    assert account == {"name": "a", "token": "**********", "cash": "5"}


def test_to_plain_when_type_has_plain_method_then_it_decides_the_shape():
    headline = Headline()
    assert isinstance(headline, SupportsPlain)
    assert to_plain({"result": headline}) == {"result": {"sharpe": 1.25, "trades": 3}}


def test_to_plain_when_keys_are_not_text_then_they_become_text():
    assert to_plain({1: "a", pd.Timestamp("2020-01-01"): "b", (1, 2): "c"}) == {
        "1": "a", "2020-01-01T00:00:00": "b", "[1, 2]": "c"}


def test_to_plain_when_unknown_object_then_error_names_where_and_the_fix():
    with pytest.raises(SerializationError) as caught:
        to_plain({"result": {"model": object()}})
    assert "result" in str(caught.value) and "__plain__" in str(caught.value)
    assert isinstance(caught.value, TypeError)


def test_serialize_when_imported_then_numpy_and_pandas_are_not():
    code = ("import sys, signaltrust.core.serialize as s; "
            "assert s.to_plain({'a': 1.0}) == {'a': 1.0}; "
            "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_to_plain_when_default_given_then_unknown_objects_go_through_it():
    class Model:
        def __str__(self) -> str:
            return "Model()"

    assert to_plain({"model": Model(), "n": np.int64(2)}, default=str) == {"model": "Model()",
                                                                          "n": 2}
