"""The explained signal of a symbol: the registered meta-model's probability on the latest bar,
its SHAP explanation, the market regime, cached per bar.

A symbol is a bundled bar dataset (``sp500``, ``goog``, ``eurusd``, ``btcusd``) or a stored
series (``SYMBOL[.VENUE][@TIMEFRAME]``), never a file path. The model is the registry's
``signal_<symbol>`` at the ``production`` alias; when there is none (a fresh install) the first
request trains the default meta-model (LightGBM on the technical features, triple-barrier
labels, the last ``train_bars`` bars whose label is known), registers and promotes it, and
its answer says so (``trained: true``); later requests load the champion.

The champion's view (probability, features, SHAP contributions, regime) is handed to the
agents' :class:`~signaltrust.agents.signal.SignalEngine` (``explain_with``), the same workflow
as ``signaltrust signal``: each agent's view, conflicts, the breakout score, related documents,
and ``score`` = the configured blend of the probability and an LLM's confidence (the
probability itself when no LLM is configured).

The answer is cached per symbol and bar (this process's memory, and Redis when a URL is
given, so several workers share it): a new bar in the store changes the key, so the next request
computes again. Bundled datasets never change; a stored series is looked at again at most every
``recheck_seconds``, and :meth:`SignalService.new_bar` invalidates at once.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from signaltrust.api.services.job_kinds import data_name
from signaltrust.core.errors import ValidationError

ALIAS = "production"
#: fewer bars than this: shorter feature windows and label horizon
SHORT = 1000
PREFIX = "signaltrust:signal"


class SignalModel:
    """The default meta-model as registered: a LightGBM classifier on the technical features
    and a Gaussian-mixture regime detector, fitted on the same training bars."""

    def __init__(self, horizon: int = 10, n_estimators: int = 60, random_state: int = 0) -> None:
        self.horizon = horizon
        self.n_estimators = n_estimators
        self.random_state = random_state

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {"horizon": self.horizon, "n_estimators": self.n_estimators,
                "random_state": self.random_state}

    def fit(self, bars: pd.DataFrame) -> SignalModel:
        """Train on ``bars``: rows whose features and triple-barrier label are both known."""
        from signaltrust.ml.models.gbm import LGBMClassifierModel
        from signaltrust.ml.regimes import GMMRegimes
        from signaltrust.research.ml_eval.dataset import learning_table

        self.feature_set_ = feature_set(len(bars))
        self.horizon_ = self.horizon if len(bars) >= SHORT else min(self.horizon, 3)
        table = learning_table(bars, self.feature_set_, "triple_barrier", self.horizon_)
        if len(table.X) < 50 or table.y.nunique() < 2:
            raise ValidationError(
                f"too few labelled bars to train a signal model ({len(table.X)})",
                field="symbol", value=bars.attrs.get("dataset"),
                fix="use a series with a few hundred bars or more")
        self.classifier_ = LGBMClassifierModel(
            n_estimators=self.n_estimators, num_leaves=15, min_child_samples=10, n_jobs=1,
            random_state=self.random_state).fit(table.X, table.y.astype(int))
        self.features_ = list(table.X.columns)
        self.background_ = table.X.sample(min(100, len(table.X)),
                                          random_state=self.random_state)
        self.train_rows_ = len(table.X)
        self.train_end_ = str(table.X.index[-1])
        try:
            self.regimes_ = GMMRegimes(n_regimes=3, random_state=self.random_state).fit(bars)
        except (ValidationError, ValueError):  # too short for regimes: said in the answer
            self.regimes_ = None
        return self


def feature_set(n_bars: int) -> Any:
    """The technical features, with shorter windows for a short history (monthly bars): the
    default windows (up to 200 bars) would leave no complete row to learn from."""
    from signaltrust.features import TechnicalFeatures

    if n_bars >= SHORT:
        return TechnicalFeatures()
    return TechnicalFeatures(return_horizons=(1, 3, 6, 12), macd_periods=(6, 13, 5),
                             stoch_periods=(6, 3), ma_periods=(3, 6, 12), adx_period=6,
                             aroon_period=12, atr_period=6, vol_periods=(6, 12), bb_period=6,
                             volume_period=6, mfi_period=6, rsi_period=6, roc_period=3)


@dataclass
class _Bars:
    frame: pd.DataFrame
    last_ns: int
    checked: float
    fixed: bool  # a bundled dataset: never changes


def open_bars_of(symbol: str) -> tuple[pd.DataFrame, bool]:
    """The bars of a bundled dataset or stored series, and whether they can never change."""
    from signaltrust.data.sources import open_data

    source = open_data(data_name(symbol))
    if source.kind != "bars":
        from signaltrust.data.sources import open_bars

        open_bars(symbol)  # raises the message that names the bar datasets
    return source.frame, source.origin == "bundled"


def asset_class_of(symbol: str) -> str:
    """The asset class of a bundled dataset (``crypto`` for btcusd); ``equity`` for a stored
    series, whose instrument the store does not record."""
    from signaltrust.data import list_datasets

    for spec in list_datasets():
        if spec.name == symbol and spec.kind == "bars":
            found = spec.instrument.asset_class
            return str(getattr(found, "value", found))
    return "equity"


def _model_name(symbol: str) -> str:
    return "signal_" + re.sub(r"[^A-Za-z0-9_.-]", "_", symbol)


class SignalService:
    """Signals of symbols with the registry at ``tracking_uri``; ``lock_dir`` holds the
    training lock several worker processes share; ``redis_url`` adds the shared cache."""

    def __init__(self, *, tracking_uri: str, lock_dir: str | Path, redis_url: str | None = None,
                 recheck_seconds: float = 5.0, train_bars: int = 2000, horizon: int = 10,
                 seed: int = 0, ttl_seconds: int = 86_400, namespace: str = PREFIX,
                 loader: Callable[[str], tuple[pd.DataFrame, bool]] | None = None,
                 clock: Callable[[], float] = time.monotonic, engine: Any = None,
                 on_model_loaded: Callable[[], Any] | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.lock_dir = Path(lock_dir)
        self.redis_url = redis_url
        self.recheck_seconds = recheck_seconds
        self.train_bars = train_bars
        self.horizon = horizon
        self.seed = seed
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.namespace = namespace
        self.loader = loader if loader is not None else open_bars_of
        #: the agents' SignalEngine; None: the default one (rules, breakout score) on first use
        self.engine = engine
        #: called after a model is loaded or trained (a server freezes its heap then)
        self.on_model_loaded = on_model_loaded
        self._bars: dict[str, _Bars] = {}
        self._cache: dict[str, tuple[int, dict[str, Any]]] = {}
        self._models: dict[str, tuple[str, Any, Any]] = {}
        self._encoded: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._lock = threading.Lock()
        self._redis: Any = None
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.computed = 0  # how many answers were computed (not cached): tests, metrics

    # -- bars ---------------------------------------------------------------------------------
    def _load(self, symbol: str) -> _Bars:
        frame, fixed = self.loader(symbol)
        frame.attrs["dataset"] = symbol
        last = int(pd.Timestamp(frame.index[-1]).value) if len(frame) else 0
        return _Bars(frame, last, self.clock(), fixed)

    def bars(self, symbol: str) -> _Bars:
        """The symbol's bars, looked at again when ``recheck_seconds`` have passed."""
        entry = self._bars.get(symbol)
        if entry is None or (not entry.fixed
                             and self.clock() - entry.checked >= self.recheck_seconds):
            entry = self._bars[symbol] = self._load(symbol)
        return entry

    def new_bar(self, symbol: str) -> None:
        """A new bar of ``symbol`` arrived: the next request reads the bars and computes."""
        self._bars.pop(symbol, None)
        self._cache.pop(symbol, None)

    # -- the answer ---------------------------------------------------------------------------
    def cached(self, symbol: str) -> dict[str, Any] | None:
        """The answer held in this process for the symbol's current bar, or None (never
        blocks: bars that need a fresh look count as a miss)."""
        entry = self._bars.get(symbol)
        if entry is None or (not entry.fixed
                             and self.clock() - entry.checked >= self.recheck_seconds):
            return None
        held = self._cache.get(symbol)
        return held[1] if held is not None and held[0] == entry.last_ns else None

    def cached_json(self, symbol: str) -> bytes | None:
        """:meth:`cached` as JSON bytes, encoded once per bar (the API's warm answer)."""
        answer = self.cached(symbol)
        if answer is None:
            return None
        held = self._encoded.get(symbol)
        if held is None or held[0] is not answer:
            held = self._encoded[symbol] = (answer, json.dumps(answer).encode())
        return held[1]

    def signal(self, symbol: str) -> dict[str, Any]:
        """The explained signal of ``symbol`` at its latest bar (cached per bar)."""
        entry = self.bars(symbol)
        cached = self._cache.get(symbol)
        if cached is not None and cached[0] == entry.last_ns:
            return cached[1]
        key = f"{self.namespace}:{symbol}:{entry.last_ns}"
        shared = self._redis_get(key)
        if shared is not None:
            self._cache[symbol] = (entry.last_ns, shared)
            return shared
        with self._lock:  # one computation per process; others wait for its answer
            cached = self._cache.get(symbol)
            if cached is not None and cached[0] == entry.last_ns:
                return cached[1]
            answer = self._compute(symbol, entry.frame)
            self._cache[symbol] = (entry.last_ns, answer)
            self.computed += 1
        self._redis_set(key, answer)
        for listener in self.listeners:
            listener(answer)
        return answer

    def _compute(self, symbol: str, bars: pd.DataFrame) -> dict[str, Any]:
        from signaltrust.agents.base import MLView
        from signaltrust.ml.explain import explain

        version, model, trained = self._model(symbol, bars)
        features = model.feature_set_.fit(bars).transform(bars)[model.features_]
        last = features.iloc[[-1]]
        if last.isna().any(axis=None):
            missing = last.columns[last.isna().iloc[0]].tolist()
            raise ValidationError("the latest bar's features are not all known yet",
                                  field="symbol", value=symbol,
                                  fix=f"wait for more bars (missing: {missing[:5]})")
        classifier = model.classifier_
        probability = float(classifier.predict_proba(last)[0, -1])
        timestamp = pd.Timestamp(bars.index[-1])
        bar = bars.iloc[-1]
        note = (f"no model was registered for {symbol}: the default meta-model was trained on "
                f"{model.train_rows_} bars to {model.train_end_[:10]} and registered as "
                f"{version.name} v{version.version} ({ALIAS})" if trained else
                f"the registered champion {version.name} v{version.version} ({ALIAS})")
        values = {c: _num(v) for c, v in last.iloc[0].items()}
        regime = self._regime(model, bars)
        ml = MLView(probability=probability, regime=regime["label"],
                    regime_bias=regime.pop("bias"), model=f"{version.name} v{version.version}",
                    train_rows=model.train_rows_)
        explained: list[Any] = []

        def contributions() -> tuple[list[dict[str, Any]], str]:
            """The SHAP part of the view, computed once the analyst's LLM question is out."""
            explained.append(explain(classifier, last, background=model.background_))
            return [{"feature": str(r.feature), "label": str(r.label), "value": _num(r.value),
                     "contribution": _num(r.contribution)}
                    for r in explained[0].top(0, 5).itertuples(index=False)], \
                explained[0].sentence(0, 5)

        explain_ml = ml.explained_by(contributions)
        signal = self._engine().explain_with(
            symbol, bars, ml, {k: v for k, v in values.items() if v is not None},
            asset_class=asset_class_of(symbol), explain_ml=explain_ml)
        explain_ml()  # the workflow made it already: nothing to do then
        explanation, contributions, sentence = explained[0], ml.contributions, ml.sentence
        agents = json.loads(signal.model_dump_json(include={
            "llm_confidence", "related_docs", "breakout_score", "agents", "conflicts", "blend",
            "explanation", "explanation_parts"}))  # NaN -> null: the answer is valid JSON
        breakout = agents["breakout_score"]
        if breakout is not None:  # the same keys whether a scorer ran or not
            breakout = {"weight_present": None, "note": None, **breakout}
        # without an LLM the blend is the probability itself (not its 6-digit rounding)
        score = probability if signal.llm_confidence is None else signal.score
        return {
            "symbol": symbol,
            "score": score,
            "ml_probability": probability,
            "llm_confidence": agents["llm_confidence"],
            "confidence": abs(2.0 * score - 1.0),
            "direction": "long" if score > 0.5 else "flat",
            "features": values,
            "explanation": {
                "method": explanation.method, "output": explanation.output,
                "base_value": _num(explanation.base_values.iloc[0]),
                "contributions": contributions,
                "sentences": [s.strip() for s in sentence.split(";") if s.strip()],
                "summary": agents["explanation"],
                "parts": agents["explanation_parts"],
            },
            "regime": regime,
            "model_version": {"name": version.name, "version": version.version,
                              "alias": ALIAS, "model_class": version.model_class},
            "trained": trained,
            "note": note,
            "timestamp": timestamp.isoformat(),
            "bar": {k: _num(bar[k]) for k in ("open", "high", "low", "close") if k in bar},
            "related_docs": agents["related_docs"],
            "breakout_score": breakout,
            "agents": agents["agents"],
            "conflicts": agents["conflicts"],
            "blend": agents["blend"],
        }

    def _engine(self) -> Any:
        if self.engine is None:
            from signaltrust.research.agents.signal import signal_engine

            self.engine = signal_engine()
        return self.engine

    @staticmethod
    def _regime(model: SignalModel, bars: pd.DataFrame) -> dict[str, Any]:
        """The regime of the last bar, its probabilities, and ``bias``: the regime's drift over
        its volatility, scaled to [-1, 1] (what the analysts weigh)."""
        if model.regimes_ is None:
            return {"label": None, "probabilities": {},
                    "note": "too few bars to fit regimes", "bias": 0.0}
        frame = model.regimes_.transform(bars).iloc[-1]
        probabilities = {k[len("prob_"):]: _num(v) for k, v in frame.items()
                         if k.startswith("prob_")}
        label = str(frame["regime"])
        bias = 0.0
        stats = getattr(model.regimes_, "regime_stats_", None)
        if stats is not None and label in stats.index:
            from signaltrust.agents.base import clip

            ratio = float(stats.loc[label, "drift"] / stats.loc[label, "volatility"])
            bias = clip(5 * ratio) if math.isfinite(ratio) else 0.0
        return {"label": label, "probabilities": probabilities, "note": None, "bias": bias}

    # -- the model ----------------------------------------------------------------------------
    def _model(self, symbol: str, bars: pd.DataFrame) -> tuple[Any, SignalModel, bool]:
        from signaltrust.ml.registry import ModelNotFoundError, ModelRegistry

        name = _model_name(symbol)
        registry = ModelRegistry(self.tracking_uri)
        with _file_lock(self.lock_dir / f"{name}.lock"):  # one trainer across processes
            try:
                version = registry.get_model_version(name, ALIAS)
                held = self._models.get(name)
                if held is not None and held[0] == version.run_id:
                    return version, held[1], False
                model = registry.load_model(name, ALIAS)
                self._models[name] = (version.run_id, model, version)
                self._loaded()
                return version, model, False
            except ModelNotFoundError:
                pass
            model, version = self._train(registry, name, bars)
        self._models[name] = (version.run_id, model, version)
        self._loaded()
        return version, model, True

    def _loaded(self) -> None:
        if self.on_model_loaded is not None:
            self.on_model_loaded()

    def _train(self, registry: Any, name: str, bars: pd.DataFrame) -> tuple[SignalModel, Any]:
        horizon = self.horizon
        # the last train_bars bars whose label is known (the last `horizon` are not yet)
        window = bars.iloc[max(0, len(bars) - self.train_bars - horizon):]
        model = SignalModel(horizon=horizon, random_state=self.seed).fit(window)
        data_hash = str(pd.util.hash_pandas_object(window, index=True).sum())
        version = registry.log_training_run(
            model, name=name, data_hash=data_hash, features=model.features_,
            params={"features": "technical", "label": "triple_barrier",
                    "horizon": model.horizon_,
                    "train_rows": model.train_rows_, "train_end": model.train_end_},
            seeds={"random_state": self.seed}, tags={"signaltrust.trained_by": "api"})
        registry.promote(name, version.version, ALIAS)
        return model, registry.get_model_version(name, ALIAS)

    # -- Redis ----------------------------------------------------------------------------------
    def _client(self) -> Any:
        if self._redis is None and self.redis_url:
            import redis

            self._redis = redis.Redis.from_url(self.redis_url, socket_timeout=0.5,
                                               socket_connect_timeout=0.5)
        return self._redis

    def _redis_get(self, key: str) -> dict[str, Any] | None:
        client = self._client()
        if client is None:
            return None
        try:
            raw = client.get(key)
        except Exception:  # a cache that does not answer is a miss, never an error
            return None
        return None if raw is None else json.loads(raw)

    def _redis_set(self, key: str, answer: dict[str, Any]) -> None:
        client = self._client()
        if client is not None:
            with contextlib.suppress(Exception):  # a cache that fails is only a miss later
                client.set(key, json.dumps(answer), ex=self.ttl_seconds)


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class _file_lock:
    """An exclusive lock on a file (POSIX ``flock``): one process trains a symbol's model."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> _file_lock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")  # noqa: SIM115 - closed in __exit__
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: Any) -> None:
        import fcntl

        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


__all__ = ["ALIAS", "SignalModel", "SignalService"]
