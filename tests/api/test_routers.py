"""The resource routers: data, strategies, models and the risk report, as a viewer sees them."""

from __future__ import annotations

import pandas as pd

from signaltrust.data import load


def test_bars_when_a_date_range_is_asked_then_exactly_those_days_come_back(client, headers):
    answer = client.get("/api/v1/data/bars/sp500",
                        params={"start": "2018-12-24", "end": "2018-12-31"},
                        headers=headers["viewer"]).json()
    frame = load("sp500").loc["2018-12-24":"2018-12-31"]
    assert answer["rows"] == len(frame) and not answer["truncated"]
    assert [b["timestamp"][:10] for b in answer["bars"]] == [
        t.strftime("%Y-%m-%d") for t in frame.index]
    assert answer["bars"][-1]["close"] == float(frame["close"].iloc[-1])


def test_bars_when_more_than_the_limit_then_truncated_says_so(client, headers):
    answer = client.get("/api/v1/data/bars/sp500", params={"limit": 3},
                        headers=headers["viewer"]).json()
    assert answer["rows"] == 3 and answer["truncated"]
    assert pd.Timestamp(answer["bars"][0]["timestamp"]) == load("sp500").index[0]


def test_bars_when_the_symbol_looks_like_a_file_then_never_read_from_disk(client, headers,
                                                                         tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.csv").write_text("timestamp,open,high,low,close\n2020-01-01,1,1,1,1\n")
    answer = client.get("/api/v1/data/bars/secret.csv", headers=headers["viewer"])
    assert answer.status_code == 404 and answer.json()["field"] == "symbol"


def test_datasets_when_listed_then_every_bundled_dataset_with_its_range(client, headers):
    from signaltrust.data import list_datasets

    answer = client.get("/api/v1/data/datasets", headers=headers["viewer"]).json()
    assert [d["name"] for d in answer] == [s.name for s in list_datasets()]
    sp500 = next(d for d in answer if d["name"] == "sp500")
    assert sp500["bars"] == len(load("sp500"))


def test_quality_when_asked_for_an_unknown_dataset_then_404_lists_the_names(client, headers):
    answer = client.get("/api/v1/data/quality/nowhere", headers=headers["viewer"])
    assert answer.status_code == 404 and "sp500" in answer.json()["fix"]


def test_quality_when_asked_then_the_report_of_the_library(client, headers):
    from signaltrust.data import check_dataset

    answer = client.get("/api/v1/data/quality/stocks", headers=headers["viewer"]).json()
    assert answer["summary"] == check_dataset("stocks").summary()


def test_strategies_when_listed_then_each_with_its_parameters_and_defaults(client, headers):
    from signaltrust.strategy import get_strategy, list_strategies

    answer = client.get("/api/v1/strategies", headers=headers["viewer"]).json()
    assert [s["name"] for s in answer] == list_strategies()
    sma = next(s for s in answer if s["name"] == "sma_cross")
    assert {p["name"]: p["default"] for p in sma["parameters"]} == \
        get_strategy("sma_cross").defaults()


def test_strategy_when_unknown_then_400_names_the_builtins(client, headers):
    answer = client.get("/api/v1/strategies/nope", headers=headers["viewer"])
    assert answer.status_code == 400 and "sma_cross" in answer.json()["fix"]


def test_models_when_nothing_is_registered_then_an_empty_list(client, headers):
    answer = client.get("/api/v1/models", headers=headers["viewer"])
    assert answer.status_code == 200 and answer.json() == []


def test_risk_report_when_asked_then_var_table_and_the_seed(client, headers):
    answer = client.get("/api/v1/risk/report/sp500", params={"simulations": 2000, "seed": 7},
                        headers=headers["viewer"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["meta"]["seed"] == 7 and body["meta"]["n_sims"] == 2000
    assert {row["method"] for row in body["var"]} >= {"historical"}


def test_risk_report_when_given_a_path_then_refused(client, headers):
    answer = client.get("/api/v1/risk/report/..%2Fetc%2Fpasswd", headers=headers["viewer"])
    assert answer.status_code in (404, 422)
