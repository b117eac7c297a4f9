"""Random malformed CSV files through ``data check`` and ``data ingest``: never a traceback.

Property: whatever the bytes, each command ends with exit 0, 1 or 2; a failure prints a message
(an ``error:`` line or a ``FAILED`` report); and a failed ingest leaves the store exactly as it
was.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.core.config import load_settings
from signaltrust.data.store import open_store

runner = CliRunner()

GOOD_ROWS = [
    "2021-01-04,10,11,9,10.5,100",
    "2021-01-05,10.5,11.5,10,11,120",
    "2021-01-06,11,12,10.5,11.5,90",
    "2021-01-07,11.5,12,11,11.2,80",
    "2021-01-08,11.2,11.8,10.9,11.6,110",
]
HEADER = "Date,Open,High,Low,Close,Volume"
JUNK_CELLS = ["", "abc", "-5", "0", "inf", "-inf", "nan", "1e400", "12,5", "NA", ".", "#N/A",
              "  7 ", "1.2.3", "'", '"', "∞", "2021-13-45", "1500-01-01", "2300-01-01",
              "01/02/2021", "1609459200000", "2021-01-04T09:30:00-05:00", "true", "\t"]
JUNK_DATES = ["", "tomorrow", "2021-02-30", "1500-01-01", "2300-06-01", "01/02/2021",
              "13/01/2021", "2021-01-04 09:30", "2021-01-04T14:30:00Z", "20210104",
              "1609459200", "2021-01-04 25:00", "2021-01-04", "0"]


@st.composite
def malformed_csv(draw) -> bytes:
    rows = [row.split(",") for row in GOOD_ROWS]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["cell", "date", "drop_cell", "extra_cell", "dup_row",
                                     "swap_rows", "blank", "drop_row"]))
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        if kind == "cell" and len(rows[i]) > 1:
            rows[i][draw(st.integers(1, len(rows[i]) - 1))] = draw(st.sampled_from(JUNK_CELLS))
        elif kind == "date" and rows[i]:
            rows[i][0] = draw(st.sampled_from(JUNK_DATES))
        elif kind == "drop_cell" and rows[i]:
            rows[i].pop(draw(st.integers(0, len(rows[i]) - 1)))
        elif kind == "extra_cell":
            rows[i].append(draw(st.sampled_from(JUNK_CELLS)))
        elif kind == "dup_row":
            rows.insert(i, list(rows[i]))
        elif kind == "swap_rows":
            j = draw(st.integers(0, len(rows) - 1))
            rows[i], rows[j] = rows[j], rows[i]
        elif kind == "blank":
            rows.insert(i, [])
        elif kind == "drop_row":
            rows.pop(i)
    sep = draw(st.sampled_from([",", ",", ";", "\t"]))
    header = draw(st.sampled_from([HEADER, HEADER, "", "Open,High,Low,Close", "Date,Close",
                                   "Date,Open,High,Close,Volume", "Date,Date,High,Low,Close"]))
    lines = ([header.replace(",", sep)] if header else []) + [sep.join(r) for r in rows]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))
    data = text.encode("utf-8")
    if draw(st.booleans()) and draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))] + b"\xff\xfe\x00garbage"
    return data


def _store_state() -> str:
    store = open_store(load_settings())
    try:
        listing = store.list()
        parts = [listing.to_csv()]
        for row in listing.itertuples():
            parts.append(store.read(row.symbol, row.timeframe, venue=row.venue, flags=True)
                         .to_csv())
        return hashlib.sha256("".join(parts).encode()).hexdigest()
    finally:
        store.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=malformed_csv(), daily=st.booleans())
def test_malformed_csv_when_checked_and_ingested_then_no_traceback_clear_exit_store_unchanged(
    tmp_path, data, daily
):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    options = ["--timeframe", "1d"] if daily else []
    for command in (["data", "check", str(path)],
                    ["data", "ingest", str(path), "--symbol", "RND", *options]):
        before = _store_state()
        result = runner.invoke(app, command)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"traceback for {data!r}: {result.exception!r}"
        )
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1, 2), result.output
        if result.exit_code != 0:
            assert "error" in result.output.lower() or "FAILED" in result.output, result.output
            assert _store_state() == before
