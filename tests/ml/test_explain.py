"""Explanations: additivity in the reported space, top contributions, the trader's sentence."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.ml.explain import (
    Explanation,
    explain,
    format_value,
    readable_name,
    score_function,
)
from signaltrust.ml.models import get_model


@pytest.fixture(scope="module")
def features() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    rng = np.random.default_rng(7)
    n = 600
    X = pd.DataFrame({
        "rsi_14": rng.uniform(10, 90, n), "ret_20": rng.normal(0, 0.05, n),
        "natr_14": rng.uniform(0.5, 3.0, n), "gap": rng.normal(0, 0.01, n),
    }, index=pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC").as_unit("ns"))
    latent = (X["rsi_14"] - 50) / 20 + X["ret_20"] / 0.05 + rng.normal(0, 0.7, n)
    binary = (latent > 0).astype(int)
    three = pd.Series(np.digitize(latent, [-0.7, 0.7]) - 1, index=X.index)
    return X, binary, three


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_explain_when_binary_tree_model_then_base_plus_contributions_equals_probability(
    features, name
):
    X, y, _ = features
    model = get_model(name, n_estimators=60).fit(X.iloc[:400], y.iloc[:400])

    exp = explain(model, X.iloc[400:], background=X.iloc[:400].sample(80, random_state=0))

    assert exp.method == "tree" and exp.output == "score"
    proba = model.predict_proba(X.iloc[400:])[:, 1]
    np.testing.assert_allclose(exp.predictions.to_numpy(), proba, atol=1e-6)


def test_explain_when_raw_output_then_contributions_add_up_to_log_odds(features):
    X, y, _ = features
    model = get_model("xgb", n_estimators=60).fit(X.iloc[:400], y.iloc[:400])

    exp = explain(model, X.iloc[400:450], output="raw")

    p = model.predict_proba(X.iloc[400:450])[:, 1]
    np.testing.assert_allclose(exp.predictions.to_numpy(), np.log(p / (1 - p)), atol=1e-4)
    assert exp.target == "log-odds"


def test_explain_when_tree_regressor_then_contributions_add_up_to_prediction(features):
    X, _, _ = features
    target = X["ret_20"] * 2 + X["natr_14"] * 0.01
    model = get_model("lgbm_regressor", n_estimators=60).fit(X.iloc[:400], target.iloc[:400])

    exp = explain(model, X.iloc[400:450])

    np.testing.assert_allclose(exp.predictions.to_numpy(), model.predict(X.iloc[400:450]),
                               atol=1e-9)
    assert exp.target == "prediction"


def test_explain_when_three_class_tree_then_permutation_adds_up_to_the_score(features):
    X, _, y3 = features
    model = get_model("lgbm", n_estimators=40).fit(X.iloc[:400], y3.iloc[:400])

    exp = explain(model, X.iloc[400:420], n_background=40)

    assert exp.method == "permutation"
    np.testing.assert_allclose(exp.predictions.to_numpy(),
                               score_function(model)(X.iloc[400:420]), atol=1e-9)


def test_explain_when_logistic_model_then_permutation_is_additive_and_seeded(features):
    X, y, _ = features
    model = get_model("logistic").fit(X.iloc[:400], y.iloc[:400])

    first = explain(model, X.iloc[400:430], n_background=50, random_state=3)
    again = explain(model, X.iloc[400:430], n_background=50, random_state=3)

    np.testing.assert_allclose(first.predictions.to_numpy(),
                               model.predict_proba(X.iloc[400:430])[:, 1], atol=1e-9)
    pd.testing.assert_frame_equal(first.values, again.values)
    # the model uses RSI and the 20-day return, not the gap
    importance = first.values.abs().mean()
    assert importance["gap"] < importance["rsi_14"] and importance["gap"] < importance["ret_20"]


def test_top_when_any_row_then_returns_the_largest_absolute_contributions(features):
    X, y, _ = features
    model = get_model("lgbm", n_estimators=60).fit(X.iloc[:400], y.iloc[:400])
    exp = explain(model, X.iloc[400:460])

    for i in range(len(exp.values)):
        top = exp.top(i, top=2)
        sizes = exp.values.iloc[i].abs().sort_values(ascending=False)
        assert list(top["feature"]) == list(sizes.index[:2])
        assert top["contribution"].abs().iloc[0] >= top["contribution"].abs().iloc[1]
    assert exp.top(X.index[401], 1)["feature"].iloc[0] == exp.top(1, 1)["feature"].iloc[0]


def test_sentence_when_contributions_known_then_reads_like_a_trader_note():
    index = pd.Index([0])
    exp = Explanation(
        values=pd.DataFrame({"rsi_14": [0.08], "ret_20": [-0.05], "natr_14": [0.004],
                             "gap": [0.0]}, index=index),
        base_values=pd.Series([0.5], index=index),
        data=pd.DataFrame({"rsi_14": [72.2], "ret_20": [-0.031], "natr_14": [2.5],
                           "gap": [0.001]}, index=index),
        output="score", method="tree",
    )

    assert exp.sentence(0, top=3) == (
        "RSI(14) at 72 raised the score by 0.08; 20-day return at -3.1% lowered it by 0.05; "
        "NATR(14) at 2.5% raised it by 0.004."
    )
    assert exp.predictions.iloc[0] == pytest.approx(0.534)


def test_sentence_when_fitted_model_then_each_clause_names_feature_value_and_direction(features):
    X, y, _ = features
    model = get_model("lgbm", n_estimators=60).fit(X.iloc[:400], y.iloc[:400])
    exp = explain(model, X.iloc[400:410])

    text = exp.sentence(3, top=3)

    clauses = text.rstrip(".").split("; ")
    assert len(clauses) == 3
    pattern = r"(.+) at (-?[\d.]+%?) (raised|lowered|did not move) (the score|it)( by [\d.e-]+)?"
    for k, clause in enumerate(clauses):
        m = re.fullmatch(pattern, clause)
        assert m, clause
        assert (m.group(4) == "the score") == (k == 0)
        top = exp.top(3, 3).iloc[k]
        assert m.group(1) == top["label"]
        assert (m.group(3) == "raised") == (top["contribution"] > 0)


def test_readable_name_when_common_features_then_trader_words_and_units():
    assert readable_name("rsi_14") == "RSI(14)"
    assert readable_name("ret_20") == "20-day return"
    assert readable_name("sma_ratio_50") == "price vs 50-day SMA"
    assert readable_name("custom_thing") == "custom_thing"
    assert readable_name("rsi_14", {"rsi_14": "momentum"}) == "momentum"
    assert format_value("ret_20", -0.0312) == "-3.1%"
    assert format_value("rsi_14", 71.6) == "72"
    assert format_value("natr_14", 2.46) == "2.5%"
    assert format_value("custom", float("nan")) == "n/a"


def test_explain_when_bad_request_then_validation_error_names_the_field(features):
    X, y, _ = features
    logistic = get_model("logistic").fit(X.iloc[:200], y.iloc[:200])

    with pytest.raises(ValidationError, match="output"):
        explain(logistic, X.iloc[:5], output="margin")
    with pytest.raises(ValidationError, match="raw"):
        explain(logistic, X.iloc[:5], output="raw")

    with pytest.raises(ValidationError) as err:
        explain(logistic, X.iloc[:5], method="shapley")
    assert err.value.field == "method"
    with pytest.raises(ValidationError, match="sequence model"):
        explain(logistic, X.iloc[:5], method="integrated_gradients")
    with pytest.raises(ValidationError, match="LightGBM"):
        explain(logistic, X.iloc[:5], method="tree")
