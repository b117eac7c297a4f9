"""``walk_forward_evaluation``: a model judged on out-of-sample predictions only, after costs.

Every training fold ends before its test fold (purged: no training label reaches into the
fold; embargoed: a gap of ``embargo`` before it), the model is refitted per fold on that fold
only, and the stitched test-fold scores are the only predictions any figure uses.
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier

from signaltrust import __version__
from signaltrust.core.errors import SignalTrustError, ValidationError
from signaltrust.features.base import hash_frame
from signaltrust.ml.models import get_model, model_class
from signaltrust.ml.validation import WalkForwardSplit
from signaltrust.ml.weights import uniqueness_weights
from signaltrust.research.ml_eval.dataset import FeatureSpec, learning_table, load_data
from signaltrust.research.ml_eval.result import EvaluationResult
from signaltrust.research.ml_eval.scoring import prediction_metrics
from signaltrust.research.ml_eval.trading import deflated_sharpe, trade_scores

logger = logging.getLogger(__name__)

_MIN_TRAIN = 50  # fewer training rows than this cannot fit 38+ features sensibly
# a classifier name and the regressor used when the label is a forward return
_REGRESSOR_OF = {"lgbm": "lgbm_regressor", "xgb": "xgb_regressor", "logistic": "linear",
                 "lstm": "lstm_regressor", "cnn": "cnn_regressor",
                 "transformer": "transformer_regressor"}


def _build_model(model: Any, label: str, params: Mapping[str, Any], seed: int) -> Any:
    """An unfitted estimator: a registry name (with ``params``) or a clone of the one given."""
    if isinstance(model, str):
        name = model.strip().lower()
        if label == "forward_return":
            name = _REGRESSOR_OF.get(name, name)
        cls = model_class(name)
        accepted = inspect.signature(cls).parameters
        full = dict(params)
        if "random_state" in accepted:
            full.setdefault("random_state", seed)
        if "n_jobs" in accepted:
            full.setdefault("n_jobs", 1)  # one thread: much faster on busy shared cores
        estimator = get_model(name, **full)
    elif hasattr(model, "fit") and hasattr(model, "get_params"):
        estimator = clone(model)
        if params:
            estimator.set_params(**params)
        if "random_state" in estimator.get_params() and "random_state" not in params:
            estimator.set_params(random_state=seed)
    else:
        raise ValidationError("model must be a registry name or a scikit-learn estimator",
                              field="model", value=type(model).__name__,
                              fix="pass e.g. 'lgbm', 'logistic', or get_model('xgb')")
    classifier = is_classifier(estimator)
    if classifier == (label == "forward_return"):
        want = "a regressor (e.g. 'linear', 'lgbm_regressor')" if label == "forward_return" \
            else "a classifier (e.g. 'lgbm', 'logistic')"
        raise ValidationError(f"label {label!r} needs {want}", field="model", value=model,
                              fix="pick a model of the right kind or another label")
    return estimator


def _score(estimator: Any, X: pd.DataFrame) -> np.ndarray:
    """P(up) of a classifier (its highest class), the prediction of a regressor."""
    if is_classifier(estimator):
        classes = list(getattr(estimator, "classes_", [0, 1]))
        proba = np.asarray(estimator.predict_proba(X), dtype="float64")
        return proba[:, classes.index(1)] if 1 in classes else np.zeros(len(X))
    return np.asarray(estimator.predict(X), dtype="float64").ravel()


def _context_rows(estimator: Any) -> int:
    """Rows before a test fold that a sequence model needs to score its first bar fully."""
    lookback = estimator.get_params().get("lookback") if hasattr(estimator, "get_params") else None
    return int(lookback) - 1 if isinstance(lookback, (int, np.integer)) and lookback > 1 else 0


def _fold_task(item: tuple[int, np.ndarray, np.ndarray, pd.Series | None], *, template: Any,
               X: pd.DataFrame, y: pd.Series, context: int,
               blas_threads: int | None = None) -> tuple[Any, np.ndarray]:
    """One walk-forward fold: a clone of ``template`` fitted on the training rows, and its
    scores of the test rows (a sequence model sees ``context`` rows before them as history).
    A pure function of its inputs, so it runs the same in-process, in a joblib worker or as a
    Ray task. ``blas_threads`` caps the BLAS threads of the fit (None: the library's own)."""
    _, train, test, weight = item
    with _blas_limit(blas_threads):
        fitted = _fit(clone(template), X.iloc[train], y.iloc[train], weight)
        lead = max(0, test[0] - context)
        return fitted, _score(fitted, X.iloc[lead: test[-1] + 1])[test[0] - lead:]


def _blas_limit(threads: int | None) -> Any:
    """A context capping OpenBLAS/MKL threads (a no-op for None).

    Why: the logistic model's L-BFGS solver spends most of a fit in small BLAS calls; with two
    BLAS threads on busy shared cores they wait for each other (a 3,500-row fit measured
    1.6 s wall / 0.65 s CPU against 0.4 s / 0.1 s on one thread, the same coefficients).
    """
    if threads is None:
        from contextlib import nullcontext

        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=int(threads), user_api="blas")


def _run_folds(items: list[Any], shared: Mapping[str, Any], *, n_jobs: int | None,
               ray: bool | str | None, progress: Callable[[int], None] | None) -> list[Any]:
    """Every fold's (fitted model, scores), in fold order: on Ray when configured, in joblib
    worker processes when ``n_jobs`` asks for several, otherwise one after the other."""
    from signaltrust.optimize.distributed import fan_out, ray_address

    workers = _workers(n_jobs, len(items))
    if ray_address(ray) is not None or workers <= 1:
        return fan_out(_fold_task, items, shared=shared, ray=ray,
                       progress=None if progress is None else (lambda done, total: progress(1)))
    from joblib import Parallel, delayed

    out = []
    # loky workers: separate processes (no shared torch/NumPy random state), each fold's
    # result returned as soon as it is done, in order
    parallel = Parallel(n_jobs=workers, backend="loky", return_as="generator")
    for result in parallel(delayed(_fold_task)(item, **shared) for item in items):
        out.append(result)
        if progress is not None:
            progress(1)
    return out


def _workers(n_jobs: int | None, n_folds: int) -> int:
    """Worker processes for ``n_folds`` folds: ``n_jobs`` (None or 1: one; -1: every core)."""
    import os

    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, (int, np.integer)) or isinstance(n_jobs, bool) or n_jobs == 0 \
            or n_jobs < -1:
        raise ValidationError("n_jobs must be a whole number >= 1, or -1 for every core",
                              field="n_jobs", value=n_jobs, fix="pass n_jobs=2 or n_jobs=-1")
    cores = os.cpu_count() or 1
    return max(1, min(n_folds, cores if n_jobs == -1 else int(n_jobs)))


def _fit(estimator: Any, X: pd.DataFrame, y: pd.Series, weight: pd.Series | None) -> Any:
    if weight is None:
        return estimator.fit(X, y)
    return estimator.fit(X, y, sample_weight=weight.to_numpy())


def walk_forward_evaluation(
    data: str | pd.DataFrame = "sp500",
    model: Any = "lgbm",
    *,
    features: FeatureSpec = "technical",
    label: str = "triple_barrier",
    horizon: int = 10,
    n_splits: int = 5,
    train_size: int | None = None,
    embargo: float | str | pd.Timedelta = 0.01,
    model_params: Mapping[str, Any] | None = None,
    seed: int = 0,
    threshold: float | None = None,
    exit_threshold: float | None = None,
    allow_short: bool = False,
    fees: float | None = None,
    slippage: float | None = None,
    n_trials: int = 1,
    trials_sharpes: Sequence[float] | None = None,
    explain_last: int = 3,
    explain_method: str = "auto",
    tracking_uri: str | None = None,
    progress: Callable[[int], None] | None = None,
    ray: bool | str | None = None,
    n_jobs: int | None = None,
    blas_threads: int | None = 1,
) -> EvaluationResult:
    """Walk-forward evaluation of a model on a dataset: out-of-sample IC, hit rate, P&L.

    Builds causal ``features`` and a ``label`` over ``horizon`` bars (with its end time t1),
    drops warm-up rows, and for each of ``n_splits`` walk-forward folds (purged, with an
    ``embargo``; anchored when ``train_size`` is None, else rolling) fits ``model`` on the
    training fold only (uniqueness sample weights for triple-barrier labels) and scores the
    test fold. The strategy is long when the score is above ``threshold`` (default 0.5 for
    probabilities, 0 for predicted returns) and flat once it falls to ``exit_threshold``
    (default: the same), short below the mirror threshold when ``allow_short``; fills at the
    next open, costs from the configuration unless ``fees``/``slippage`` are given, over the
    out-of-sample period only, against buy-and-hold over the same bars and costs. ``n_trials``
    is how many model/feature/label/threshold configurations were tried before settling on
    this one (this one included; pass ``trials_sharpes`` when you have their Sharpe ratios);
    the deflated Sharpe ratio uses it. ``explain_last`` predictions at the end are explained
    (``explanations``; ``explain_method``: "auto" for SHAP on flat models and integrated
    gradients on sequence models, or "lime"). With ``tracking_uri`` (an MLflow store, see
    ``signaltrust.ml.registry.tracking_uri``) the run and the last fold's model are recorded in
    that registry. ``ray`` (True: a local Ray; an address: a cluster) fits the folds as Ray
    tasks when the work is large enough to pay for it (``optimize.distributed``), with the same
    results as in-process. ``n_jobs`` fits the folds in that many joblib worker processes (-1:
    one per core, at most one per fold; None or 1: one after the other), with the same results.
    ``blas_threads`` caps the BLAS threads of each fold's fit (default 1, the fastest on busy
    cores; None leaves the libraries' default), with the same results.
    """
    started = time.perf_counter()
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValidationError("seed must be an integer", field="seed", value=seed,
                              fix="pass e.g. seed=0")
    if not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValidationError("n_trials must be a whole number >= 1", field="n_trials",
                              value=n_trials, fix="count every configuration tried, this one too")
    if train_size is not None and (not isinstance(train_size, (int, np.integer))
                                   or train_size < _MIN_TRAIN):
        raise ValidationError(f"train_size must be None (expanding) or at least {_MIN_TRAIN} rows",
                              field="train_size", value=train_size,
                              fix="pass e.g. train_size=756 (three years of daily bars)")
    from signaltrust.ml.explain import METHODS

    if explain_method not in METHODS:
        raise ValidationError("unknown explanation method", field="explain_method",
                              value=explain_method, fix=f"use one of {', '.join(METHODS)}")
    name, bars = load_data(data)
    table = learning_table(bars, features, label, horizon)
    params = dict(model_params or {})
    template = _build_model(model, label, params, int(seed))
    probabilistic = is_classifier(template)
    center = 0.5 if probabilistic else 0.0
    entry = center if threshold is None else float(threshold)
    exit_ = entry if exit_threshold is None else float(exit_threshold)
    if not math.isfinite(entry) or not math.isfinite(exit_) or exit_ > entry:
        raise ValidationError("exit_threshold must not be above threshold", field="exit_threshold",
                              value=exit_, fix=f"pass a value <= threshold ({entry})")
    splitter = WalkForwardSplit(n_splits, t1=table.t1, train_size=train_size, embargo=embargo,
                                min_train_size=_MIN_TRAIN)
    X, y, t1 = table.X, table.y, table.t1
    context = _context_rows(template)
    splits = [(k, np.asarray(train), np.asarray(test))
              for k, (train, test) in enumerate(splitter.split(X))]
    weights = {k: (uniqueness_weights(t1.iloc[train], index=bars.index)
                   if label == "triple_barrier" else None) for k, train, _ in splits}
    fitted_folds = _run_folds(
        [(k, train, test, weights[k]) for k, train, test in splits],
        {"template": template, "X": X, "y": y, "context": context,
         "blas_threads": blas_threads},
        n_jobs=n_jobs, ray=ray, progress=progress,
    )
    scores, folds, fitted, last_train = [], [], None, np.arange(0)
    for (k, train, test), (estimator, raw) in zip(splits, fitted_folds, strict=True):
        fitted, last_train = estimator, train
        scores.append(pd.DataFrame({"score": raw, "fold": k}, index=X.index[test]))
        folds.append({
            "fold": k, "n_train": len(train), "n_test": len(test),
            "train_start": X.index[train[0]], "train_end": X.index[train[-1]],
            "train_last_t1": t1.iloc[train].max(),
            "test_start": X.index[test[0]], "test_end": X.index[test[-1]],
            "gap_bars": int(test[0] - train[-1] - 1),
        })
        logger.info("fold %d: trained on %d rows, scored %d", k, len(train), len(test))
    if fitted is None:  # pragma: no cover - the splitter always yields n_splits >= 1 folds
        raise ValidationError("no walk-forward fold was evaluated", field="n_splits",
                              value=n_splits, fix="pass n_splits >= 1")
    stitched = pd.concat(scores)
    predictions = pd.DataFrame({
        "score": stitched["score"], "label": y.loc[stitched.index],
        "forward_return": table.forward_return.loc[stitched.index], "fold": stitched["fold"],
        "t1": t1.loc[stitched.index],
    })
    metrics = prediction_metrics(predictions, probabilistic=probabilistic, center=center)
    oos_bars = bars.loc[predictions.index[0]: predictions.index[-1]]
    strategy, buy_and_hold = trade_scores(
        oos_bars, predictions["score"], entry=entry, exit=exit_, center=center,
        allow_short=allow_short, fees=fees, slippage=slippage,
    )
    dsr, trials_note = deflated_sharpe(strategy, n_trials=int(n_trials),
                                       trials_sharpes=trials_sharpes)
    notes = [trials_note]
    explanations = _explain_last(fitted, X, X.iloc[last_train], predictions, explain_last,
                                 int(seed), notes, explain_method)
    result = EvaluationResult(
        data=name, model=model if isinstance(model, str) else type(model).__name__,
        estimator=fitted, label=label, horizon=int(horizon), predictions=predictions,
        metrics=metrics, strategy=strategy, buy_and_hold_result=buy_and_hold,
        deflated_sharpe=dsr, folds=folds, seed=int(seed), data_hash=hash_frame(bars),
        feature_names=list(X.columns), feature_sets=table.feature_sets,
        params={
            "model_params": {k: v for k, v in fitted.get_params(deep=False).items()
                             if _is_scalar(v)},
            "n_splits": int(n_splits), "train_size": train_size, "embargo": str(embargo),
            "threshold": entry, "exit_threshold": exit_, "allow_short": bool(allow_short),
            "probabilistic": probabilistic, "n_trials": int(n_trials),
            "sample_weights": "uniqueness" if label == "triple_barrier" else "none",
            "costs": dict(strategy.settings), "rows_dropped": table.dropped,
            "signaltrust_version": __version__,
        },
        explanations=explanations, notes=notes,
    )
    if tracking_uri is not None:
        _log(result, notes, tracking_uri)
    result.elapsed_seconds = time.perf_counter() - started
    return result


def _is_scalar(value: Any) -> bool:
    """Whether a model parameter is a plain number, text or None (estimators are left out)."""
    return value is None or isinstance(value, (str, int, float, bool))


def _explain_last(model: Any, X: pd.DataFrame, train: pd.DataFrame, predictions: pd.DataFrame,
                  count: int, seed: int, notes: list[str], method: str = "auto"
                  ) -> list[dict[str, Any]]:
    """Explanations of the last ``count`` out-of-sample predictions (the last fold's model).

    Flat models: SHAP (or LIME with ``method="lime"``) against 50 rows drawn (seeded) from that
    model's training fold. Sequence models: integrated gradients over each row's look-back
    window, the rows before it as its history (the windows the model scored). Each entry has
    the time, the score, the sentence, the top contributions, the method and its reference,
    and for sequence models the bars of the window that counted most.
    """
    if count <= 0 or model is None or len(train) == 0:
        return []
    try:
        from signaltrust.ml.explain import explain

        rows = X.loc[predictions.index[-count:]]
        first = X.index.get_loc(rows.index[0])
        context = X.iloc[max(0, first - _context_rows(model)): first]
        background = train.sample(n=min(50, len(train)), random_state=seed).sort_index()
        explanation = explain(model, rows, background=background, random_state=seed,
                              method=method, context=context)
    except (ImportError, SignalTrustError, ValueError, TypeError) as exc:
        notes.append(f"explanations skipped: {exc}")
        return []
    out = []
    for i, t in enumerate(rows.index):
        top = explanation.top(i, 5)
        entry: dict[str, Any] = {
            "time": t, "score": float(predictions.loc[t, "score"]),
            "sentence": explanation.sentence(i), "method": explanation.method,
            "reference": explanation.reference,
            "base_value": float(explanation.base_values.iloc[i]),
            "top": top.to_dict(orient="records"),
        }
        if explanation.model_output is not None:  # the model's own score of that row
            entry["model_output"] = float(explanation.model_output.iloc[i])
        if explanation.steps is not None:
            entry["top_bars"] = explanation.top_steps(i, 3).to_dict(orient="records")
        out.append(entry)
    return out


def _log(result: EvaluationResult, notes: list[str], tracking_uri: str) -> None:
    """Record the last fold's model and the walk-forward figures in the model registry."""
    try:
        from signaltrust.ml.registry import log_training_run
    except ImportError as exc:  # pragma: no cover - the registry module is part of the package
        notes.append(f"registry skipped: {exc}")
        return
    payload = result.to_dict()
    version = log_training_run(
        result.estimator, tracking_uri=tracking_uri,
        name=f"{result.data}_{result.model}_{result.label}",
        data_hash=result.data_hash, features=result.feature_names, params=result.params,
        seeds={"random_state": result.seed},
        metrics={k: payload[k] for k in ("ic", "ic_mean", "hit_rate", "precision_at_top_decile",
                                         "base_rate", "brier", "auc", "deflated_sharpe")},
        artefacts={"walk_forward": payload}, tags={"evaluation": "walk_forward"},
    )
    result.registry_version = version.to_dict()
