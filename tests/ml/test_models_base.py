"""The model contract: validation at the boundary, the registry, clone and get_params."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models import get_model, list_models, model_class

TABULAR = ["lgbm", "xgb", "logistic"]
ONE_THREAD = {"lgbm": {"n_jobs": 1}, "xgb": {"n_jobs": 1}}  # tests share 2 cores


def _frame(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC").as_unit("ns")
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["rsi_14", "atr_14", "ret_1"], index=idx)
    y = pd.Series((X["rsi_14"] + 0.3 * rng.normal(size=n) > 0).astype(int), index=idx)
    return X, y


def test_get_model_when_name_unknown_then_validation_error_lists_names():
    with pytest.raises(ValidationError) as err:
        get_model("random_forest")
    assert err.value.field == "name" and err.value.value == "random_forest"
    assert "lgbm" in err.value.fix


def test_get_model_when_parameter_unknown_then_validation_error_names_it():
    with pytest.raises(ValidationError) as err:
        get_model("lgbm", n_trees=10)
    assert err.value.field == "n_trees" and "n_estimators" in err.value.fix


def test_registry_when_listed_then_every_required_name_is_there():
    for name in ["lgbm", "xgb", "logistic", "linear", "lstm", "cnn", "transformer", "ensemble"]:
        assert name in list_models()
        assert model_class(name) is type(get_model(name))


@pytest.mark.parametrize("name", list_models())
def test_clone_when_params_set_then_params_kept_and_random_state_present(name):
    model = get_model(name, random_state=7)
    copy = clone(model)
    assert copy.get_params()["random_state"] == 7
    assert copy.get_params().keys() == model.get_params().keys()


@pytest.mark.parametrize("name", ["logistic", "linear"])
def test_fit_when_features_hold_nan_then_error_names_columns_and_fix(name):
    X, y = _frame()
    X.iloc[5, 1] = np.nan
    with pytest.raises(ValidationError) as err:
        get_model(name).fit(X, y)
    assert "atr_14" in str(err.value) and "rsi_14" not in str(err.value.value)
    assert "dropna" in err.value.fix


@pytest.mark.parametrize("name", TABULAR)
def test_fit_when_lengths_differ_then_validation_error(name):
    X, y = _frame()
    with pytest.raises(ValidationError) as err:
        get_model(name, **ONE_THREAD.get(name, {})).fit(X, y.iloc[:-3])
    assert err.value.field == "len(y)" and err.value.value == len(y) - 3


@pytest.mark.parametrize("name", TABULAR)
def test_fit_when_dataframe_then_feature_names_in_kept(name):
    X, y = _frame()
    model = get_model(name, **ONE_THREAD.get(name, {})).fit(X, y)
    assert list(model.feature_names_in_) == ["rsi_14", "atr_14", "ret_1"]
    assert model.n_features_in_ == 3


@pytest.mark.parametrize("name", TABULAR)
def test_predict_when_columns_reordered_then_validation_error(name):
    X, y = _frame()
    model = get_model(name, **ONE_THREAD.get(name, {})).fit(X, y)
    with pytest.raises(ValidationError) as err:
        model.predict(X[["atr_14", "rsi_14", "ret_1"]])
    assert "feature_names_in_" in err.value.fix


@pytest.mark.parametrize("name", TABULAR)
def test_predict_when_feature_count_differs_then_validation_error(name):
    X, y = _frame()
    model = get_model(name, **ONE_THREAD.get(name, {})).fit(X.to_numpy(), y.to_numpy())
    with pytest.raises(ValidationError) as err:
        model.predict(X.to_numpy()[:, :2])
    assert err.value.field == "X.shape[1]"


def test_fit_when_single_class_then_validation_error():
    X, _ = _frame()
    with pytest.raises(ValidationError) as err:
        get_model("logistic").fit(X, np.ones(len(X)))
    assert "one class" in str(err.value)


def test_predict_when_not_fitted_then_not_fitted_error():
    from sklearn.exceptions import NotFittedError

    X, _ = _frame()
    with pytest.raises(NotFittedError):
        get_model("lgbm").predict(X)


def test_fit_when_continuous_labels_given_to_classifier_then_validation_error():
    X, _ = _frame()
    with pytest.raises(ValidationError) as err:
        get_model("logistic").fit(X, np.linspace(-1, 1, len(X)))
    assert "regressor" in err.value.fix
