"""Walk-forward explanations: every model kind explained, the windows the model scored, the
terminal, the JSON and the report."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.research.ml_eval import walk_forward_evaluation

TINY_LSTM = {"lookback": 5, "hidden_size": 8, "max_epochs": 2, "device": "cpu"}


@pytest.fixture(scope="module")
def sp500_slice() -> pd.DataFrame:
    return load("sp500").loc["2012-01-01":"2016-12-31"]


@pytest.fixture(scope="module")
def lstm_run(sp500_slice):
    return walk_forward_evaluation(sp500_slice, "lstm", label="sign", horizon=5, n_splits=2,
                                   model_params=TINY_LSTM, explain_last=3)


def test_walk_forward_when_lstm_then_last_rows_explained_by_integrated_gradients(lstm_run):
    explained = lstm_run.explanations
    assert [e["time"] for e in explained] == list(lstm_run.predictions.index[-3:])
    for entry in explained:
        assert entry["method"] == "integrated_gradients"
        # the explained window is the one the model scored: its history, not zero padding
        assert entry["model_output"] == pytest.approx(entry["score"], abs=1e-6)
        assert len(entry["top"]) == 5 and len(entry["top_bars"]) == 3
        assert "-bar window" in entry["sentence"]
    assert not any("skipped" in n for n in lstm_run.notes)


def test_report_when_sequence_model_explained_then_bars_table_in_html(lstm_run, tmp_path):
    html = lstm_run.report(tmp_path / "wf.html").read_text()
    section = html[html.index('id="explanations"'):]
    assert "integrated gradients" in section and "bars ago" in section
    assert section.count("<li>") >= 3


def test_walk_forward_when_lime_asked_then_flat_model_explained_by_lime(sp500_slice):
    result = walk_forward_evaluation(sp500_slice, "logistic", label="sign", horizon=5,
                                     n_splits=2, explain_last=2, explain_method="lime")
    assert [e["method"] for e in result.explanations] == ["lime", "lime"]
    assert all(e["model_output"] == pytest.approx(e["score"]) for e in result.explanations)


def test_walk_forward_when_explain_method_unknown_then_error_names_it(sp500_slice):
    with pytest.raises(ValidationError) as err:
        walk_forward_evaluation(sp500_slice, "logistic", explain_method="saliency")
    assert err.value.field == "explain_method"


def test_ml_walkforward_when_explain_then_terminal_and_json_carry_the_rows():
    args = ["ml", "walkforward", "--data", "sp500", "--model", "logistic", "--label", "sign",
            "--splits", "2", "--horizon", "5", "--explain", "2"]
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Why the last 2 scores (permutation" in text.stdout
    assert "raised the score" in text.stdout or "lowered the score" in text.stdout
    payload = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert len(payload["explanations"]) == 2
    top = payload["explanations"][0]["top"][0]
    assert {"feature", "label", "value", "contribution"} <= set(top)
    assert "background of 50 rows" in payload["explanations"][0]["reference"]
