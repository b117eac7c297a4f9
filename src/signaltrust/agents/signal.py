"""The explained signal of a symbol: the meta-model's probability, blended with an LLM's
confidence when one is configured, each agent's view, the breakout score, related documents,
and all of it in plain language.

``score = (w_p x ml_probability + w_l x llm_confidence) / (w_p + w_l)`` with the ``[agents]``
weights (0.6 and 0.4); without an LLM ``score = ml_probability``. ``llm_confidence`` is the
LLM's confidence in a rise, read from its reasoning over the analyst's report: 0.5 + c / 2 when
it is bullish with confidence c, 0.5 - c / 2 bearish, 0.5 neutral; absent without an LLM.
``confidence`` = (|2 x score - 1| + the agents' consensus confidence) / 2: how far from a coin
flip the score is, and how much the agents agree with each other.

Everything is as of the last bar's end (``timestamp``): the model is trained on labels known
by then, the macro series with their publication lags, documents first seen by then.
Answers are cached per symbol and bar for ``cache_seconds``; the trained model is kept per
symbol and retrained every ``retrain_every`` new bars (never on bars after ``as_of``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from signaltrust.agents.audit import AuditTrail
from signaltrust.agents.base import Agent, MarketInputs, MLView
from signaltrust.agents.compliance import ComplianceOfficer, ComplianceRules, OrderIntent
from signaltrust.agents.coordinator import Coordinator, Supervisor
from signaltrust.agents.explainer import Explainer, ExplainInputs
from signaltrust.agents.macro import MacroAgent
from signaltrust.agents.market import MarketAnalyst, analyst_for
from signaltrust.agents.memory import LongTermMemory
from signaltrust.agents.model import SignalModel
from signaltrust.agents.news import NewsSentimentAgent, SocialSentimentAgent
from signaltrust.agents.onchain import WhaleWatcher
from signaltrust.agents.options import OptionsAgent, OptionsInputs
from signaltrust.agents.risk import RiskInputs, RiskManager
from signaltrust.core.errors import ValidationError

#: the breakout score's components and weights (``signaltrust.strategy.breakout_score``)
BREAKOUT_COMPONENTS = ("momentum", "onchain", "sentiment", "macro", "news")
#: bars the breakout score is computed on (its windows: 20-bar range, 60-value ranks)
BREAKOUT_BARS = 200
#: a breakout scorer: (bars, series by component) -> the frame of component scores and "score"
BreakoutScorer = Callable[[pd.DataFrame, dict[str, pd.Series]], pd.DataFrame]
FEATURES_SHOWN = ("ret_1", "ret_5", "ret_20", "rsi_14", "macd_hist_12_26_9", "sma_ratio_50",
                  "sma_ratio_200", "adx_14", "natr_14", "realized_vol_20", "bb_pctb_20",
                  "volume_zscore_20")


class ExplainedSignal(BaseModel):
    """The explained signal of one symbol at one bar (``signaltrust signal SYMBOL --json``)."""

    model_config = ConfigDict(extra="forbid")

    symbol: str
    timestamp: datetime = Field(description="the end of the last bar: everything is as of it")
    score: float = Field(ge=0.0, le=1.0)
    ml_probability: float = Field(ge=0.0, le=1.0)
    llm_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)
    features: dict[str, float]
    explanation: str
    explanation_parts: dict[str, str] = Field(default_factory=dict)
    related_docs: list[dict[str, Any]] = Field(default_factory=list)
    breakout_score: dict[str, Any] | None = None
    agents: dict[str, dict[str, Any]]
    conflicts: list[str] = Field(default_factory=list)
    blend: dict[str, float] = Field(default_factory=dict)
    model: dict[str, Any] = Field(default_factory=dict)
    cached: bool = False
    elapsed_ms: float = 0.0

    def __plain__(self) -> dict[str, Any]:
        out = self.model_dump(mode="json")
        if out["llm_confidence"] is None:
            del out["llm_confidence"]
        return out


def llm_rise_confidence(report: Any) -> float | None:
    """0.5 +- confidence / 2 by the LLM's stance; None when the report is not the LLM's."""
    if report is None or report.source != "llm":
        return None
    sign = {"bullish": 1.0, "bearish": -1.0}.get(report.stance, 0.0)
    return float(min(max(0.5 + sign * report.confidence / 2, 0.0), 1.0))


def daily_tone(documents: pd.DataFrame | None, symbol: str, social: bool) -> pd.Series | None:
    """The mean sentiment of each day's documents about ``symbol`` (labelled by the day)."""
    if documents is None or documents.empty:
        return None
    from signaltrust.agents.news import documents_as_of
    from signaltrust.text.sentiment import SentimentModel

    docs = documents_as_of(documents, symbol, pd.Timestamp.max.tz_localize("UTC"),
                           pd.Timedelta.max, social)
    if docs.empty:
        return None
    model = SentimentModel()
    tone = pd.Series([model.score(str(t)) for t in docs["title"]],
                     index=pd.to_datetime(docs["first_seen_at"], utc=True).dt.floor("D"))
    return tone.groupby(level=0).mean()


class SignalEngine:
    """Builds explained signals; keeps the trained models and the recent answers of a run."""

    def __init__(self, *, probability_weight: float = 0.6, llm_weight: float = 0.4,
                 supervisor: Supervisor | None = None, breakout: BreakoutScorer | None = None,
                 documents: pd.DataFrame | None = None,
                 transfers: dict[str, pd.DataFrame] | None = None,
                 memory: LongTermMemory | None = None,
                 compliance: ComplianceRules | None = None, cache_seconds: float = 300.0,
                 retrain_every: int = 250, llm_agents: tuple[str, ...] | None = (
                     "stock_analyst", "crypto_analyst"),
                 model_params: dict[str, Any] | None = None,
                 macro: MacroAgent | None = None, options: OptionsAgent | None = None,
                 chains: dict[str, Any] | None = None) -> None:
        self.probability_weight = probability_weight
        self.llm_weight = llm_weight
        self.supervisor = supervisor if supervisor is not None else Supervisor()
        self.breakout = breakout
        self.documents = documents
        self.transfers = dict(transfers or {})
        self.memory = memory if memory is not None else LongTermMemory()
        self.compliance = ComplianceOfficer(rules=compliance or ComplianceRules())
        self.cache_seconds = cache_seconds
        self.retrain_every = retrain_every
        self.llm_agents = llm_agents
        self.model_params = dict(model_params or {})
        self.macro = macro if macro is not None else MacroAgent()
        self.options = options if options is not None else OptionsAgent()
        self.chains = dict(chains or {})  # symbol -> OptionChain (none ship bundled)
        self._models: dict[str, tuple[SignalModel, int]] = {}
        self._answers: dict[tuple[str, int], tuple[float, ExplainedSignal]] = {}
        self._news_index: Any = None

    @classmethod
    def from_settings(cls, settings: Any, *, reasoner: Any = None, trail: AuditTrail | None = None,
                      **kwargs: Any) -> SignalEngine:
        """An engine with the ``[agents]`` weights, cache and compliance lists."""
        agents = settings.agents
        supervisor = Supervisor(trail=trail or AuditTrail(), reasoner=reasoner)
        return cls(probability_weight=agents.probability_weight, llm_weight=agents.llm_weight,
                   supervisor=supervisor, cache_seconds=agents.cache_seconds,
                   compliance=ComplianceRules.from_settings(agents), **kwargs)

    # -- inputs -----------------------------------------------------------------------------
    @staticmethod
    def load_bars(symbol: str) -> tuple[pd.DataFrame, str]:
        """A bundled bar dataset and its asset class."""
        from signaltrust.data import list_datasets, load

        specs = {d.name: d for d in list_datasets() if d.kind == "bars"}
        if symbol not in specs:
            raise ValidationError("unknown symbol", field="symbol", value=symbol,
                                  fix=f"use a bundled bar dataset: {', '.join(specs)}")
        asset_class = specs[symbol].instrument.asset_class
        return load(symbol), str(getattr(asset_class, "value", asset_class))

    def _model(self, symbol: str, bars: pd.DataFrame) -> SignalModel:
        kept = self._models.get(symbol)
        n = len(bars)
        if kept is not None:
            model, fitted_on = kept
            if fitted_on <= n and n - fitted_on < self.retrain_every \
                    and model.train_end_ <= bars.index[-1]:
                return model
        model = SignalModel(**self.model_params).fit(bars)
        self._models[symbol] = (model, n)
        return model

    def _breakout(self, bars: pd.DataFrame, symbol: str, asset_class: str) -> dict[str, Any]:
        series: dict[str, pd.Series] = {}
        sources: dict[str, str | None] = dict.fromkeys(BREAKOUT_COMPONENTS)
        sources["momentum"] = "prices"
        bars = bars.iloc[-BREAKOUT_BARS:]
        # the VIX as known at the last bar (its vintage, or the bundled series with its lag);
        # None when older than its max age: no macro component then
        from signaltrust.features.align import bar_ends

        vix = self.macro.known("VIXCLS", pd.Timestamp(bar_ends(bars.index[-2:])[-1]),
                               since=bars.index[0] - pd.Timedelta(days=10))
        if vix is not None and len(vix):
            series["macro"] = vix
            sources["macro"] = (f"VIX ({self.macro.source_of('VIXCLS')}), known at each "
                                "day's close")
        for key, social in (("news", False), ("sentiment", True)):
            tone = daily_tone(self.documents, symbol, social)
            if tone is not None:
                series[key] = tone
                sources[key] = f"{'social' if social else 'news'} tone of the document store"
        flows = self.transfers.get(symbol)
        if flows is not None and asset_class == "crypto":
            from signaltrust.agents.onchain import whale_flow

            day_ends = bars.index[-60:]
            series["onchain"] = pd.Series(
                [whale_flow(flows, t, pd.Timedelta(hours=24), 1e6)[2] for t in day_ends],
                index=day_ends)
            sources["onchain"] = "whale flow of the recorded transfers"
        if self.breakout is None:
            return {"score": None, "components": dict.fromkeys(BREAKOUT_COMPONENTS),
                    "sources": sources, "note": "no breakout scorer was given"}
        frame = self.breakout(bars, series)
        last = frame.iloc[-1]
        comps = {k: (None if pd.isna(last[k]) else round(float(last[k]), 4))
                 for k in BREAKOUT_COMPONENTS}
        return {"score": None if pd.isna(last["score"]) else round(float(last["score"]), 4),
                "components": comps,
                "sources": {k: (v if comps[k] is not None else None) for k, v in sources.items()},
                "weight_present": round(float(last.get("weight_present", float("nan"))), 4)}

    def _related(self, symbol: str, query: str, as_of: pd.Timestamp) -> list[dict[str, Any]]:
        docs: list[dict[str, Any]] = []
        if self.documents is not None and not self.documents.empty:
            if self._news_index is None:
                from signaltrust.text.embeddings import HashingEmbedder
                from signaltrust.text.retrieval import NewsIndex

                self._news_index = NewsIndex(HashingEmbedder(dim=256))
                self._news_index.add_frame(self.documents)
            found = self._news_index.search(query, 5, as_of=as_of)
            docs += [{"kind": "document", "title": r.title, "source": r.source, "url": r.url,
                      "first_seen_at": pd.Timestamp(r.first_seen_at).isoformat(),
                      "score": round(float(r.score), 4)} for r in found.itertuples()]
        docs += [{"kind": f"memory:{m['kind']}", "title": m["text"][:200],
                  "first_seen_at": m["known_at"], "score": m["score"],
                  "outcomes": m["outcomes"]}
                 for m in self.memory.recall(query, as_of, 3, symbol=symbol)]
        return docs

    # -- the signal -------------------------------------------------------------------------
    def explain(self, symbol: str, *, bars: pd.DataFrame | None = None,
                asset_class: str | None = None, as_of: Any = None) -> ExplainedSignal:
        """The explained signal of ``symbol`` at its last bar (or the last bar at ``as_of``)."""
        started = time.perf_counter()
        if bars is None:
            bars, found_class = self.load_bars(symbol)
            asset_class = asset_class or found_class
        asset_class = asset_class or "equity"
        if as_of is not None:
            cutoff = pd.Timestamp(as_of)
            cutoff = cutoff.tz_localize("UTC") if cutoff.tzinfo is None else cutoff
            bars = bars[bars.index <= cutoff]
        if len(bars) < 60:
            raise ValidationError("too few bars for a signal", field="bars", value=len(bars),
                                  fix="give at least 60 bars (a few hundred for the model)")
        from signaltrust.features.align import bar_ends

        end = pd.Timestamp(bar_ends(bars.index[-2:])[-1])
        key = (symbol, int(end.value))
        hit = self._answers.get(key)
        if hit is not None and time.monotonic() - hit[0] <= self.cache_seconds:
            return hit[1].model_copy(update={
                "cached": True, "elapsed_ms": round(1000 * (time.perf_counter() - started), 3)})
        model = self._model(symbol, bars)
        # the SHAP part of the view is computed once the analyst (and its LLM) has started
        ml, features, explain_ml = model.view_first(bars)
        result = self._workflow(symbol, asset_class, bars, end, ml, features, explain_ml)
        self._answers[key] = (time.monotonic(), result)
        return result.model_copy(update={
            "elapsed_ms": round(1000 * (time.perf_counter() - started), 3)})

    def explain_with(self, symbol: str, bars: pd.DataFrame, ml: MLView,
                     features: dict[str, float], *, asset_class: str = "equity",
                     explain_ml: Callable[[], MLView] | None = None) -> ExplainedSignal:
        """The explained signal at the last bar of ``bars`` with the ML part given from outside.

        ``ml`` is a model's view of that bar (its probability, SHAP contributions, regime) and
        ``features`` the bar's feature values, e.g. the API's registered champion: the same
        agents' workflow, blend and explanation as :meth:`explain`, without fitting a model
        and without the engine's answer cache (the caller caches per bar and model). A pending
        ``ml`` comes with ``explain_ml``, the call that adds its contributions (made once the
        analyst's LLM question is out, as :meth:`explain` does)."""
        started = time.perf_counter()
        if len(bars) < 60:
            raise ValidationError("too few bars for a signal", field="bars", value=len(bars),
                                  fix="give at least 60 bars (a few hundred for the model)")
        from signaltrust.features.align import bar_ends

        if explain_ml is None and not ml.is_settled():
            raise ValidationError("a pending ML view needs the call that explains it",
                                  field="explain_ml", value=None,
                                  fix="pass the call MLView.explained_by returned")
        end = pd.Timestamp(bar_ends(bars.index[-2:])[-1])
        result = self._workflow(symbol, asset_class, bars, end, ml, features,
                                explain_ml or ml.settled)
        return result.model_copy(update={
            "elapsed_ms": round(1000 * (time.perf_counter() - started), 3)})

    def _workflow(self, symbol: str, asset_class: str, bars: pd.DataFrame, end: pd.Timestamp,
                  ml: MLView, features: dict[str, float],
                  explain_ml: Callable[[], MLView]) -> ExplainedSignal:
        """The agents' workflow at ``end``. ``ml`` may still lack its SHAP contributions:
        ``explain_ml()`` adds them, called once the analyst (the agent an LLM is asked about
        first, and the only one reading no contributions) has had its rule report, so its
        question goes out before the slow part."""
        market = MarketInputs(symbol=symbol, asset_class=asset_class, as_of=end, bars=bars,
                              features=features, ml=ml, documents=self.documents,
                              transfers=self.transfers.get(symbol))
        returns = bars["close"].astype(float).pct_change().iloc[-252:]
        agents: list[Agent] = [analyst_for(asset_class), NewsSentimentAgent(),
                               SocialSentimentAgent(), self.macro, self.options,
                               WhaleWatcher(), RiskManager(), self.compliance]
        price = float(bars["close"].iloc[-1])

        def inputs_for(agent: Agent, memory: Any) -> Any:
            if not isinstance(agent, MarketAnalyst):
                explain_ml()
            if isinstance(agent, RiskManager):
                return RiskInputs(as_of=end, returns=returns, exposure=1.0)
            if isinstance(agent, OptionsAgent):
                return OptionsInputs(symbol=symbol, as_of=end, bars=bars,
                                     chain=self.chains.get(symbol))
            if isinstance(agent, ComplianceOfficer):
                return OrderIntent(symbol=symbol, side=1, quantity=1.0, limit_price=price)
            return market

        workflow = f"signal:{symbol}:{end.isoformat()}"
        started = Coordinator(agents, supervisor=self.supervisor, memory=self.memory).start(
            inputs_for, workflow=workflow, symbol=symbol,
            llm_agents=None if self.llm_agents is None else set(self.llm_agents))
        explain_ml()
        # while the LLM answers: the related documents (retrieved before this workflow adds
        # its own reports to the long-term memory, which result() does) and the breakout score
        related = self._related(symbol, f"{symbol} {ml.sentence}", end)
        breakout = self._breakout(bars, symbol, asset_class)
        run = started.result()
        by_agent = {r.agent: r for r in run.reports}
        analyst = by_agent.get("crypto_analyst" if asset_class == "crypto" else "stock_analyst")
        llm = llm_rise_confidence(analyst)
        w_p, w_l = self.probability_weight, (self.llm_weight if llm is not None else 0.0)
        if w_p + w_l <= 0:
            w_p = 1.0
        score = (w_p * ml.probability + w_l * (llm or 0.0)) / (w_p + w_l)
        confidence = (abs(2 * score - 1) + run.confidence) / 2
        checks = [f"{r.agent}: {r.summary}" for r in run.reports
                  if r.agent in ("risk_manager", "compliance") and r.stance == "bearish"]
        explainer = Explainer().assess(ExplainInputs(
            symbol=symbol, score=score, ml=ml, reports=run.reports, breakout=breakout,
            checks=checks, llm_confidence=llm,
            weights={"probability": w_p, "llm": w_l}))
        self.supervisor.trail.record("explainer", "decision", {
            "symbol": symbol, "score": score, "ml_probability": ml.probability,
            "llm_confidence": llm, "confidence": confidence}, workflow=workflow)
        views = run.views()
        views["explainer"] = explainer.model_dump(mode="json", exclude={"data"})
        return ExplainedSignal(
            symbol=symbol, timestamp=end.to_pydatetime(), score=round(score, 6),
            ml_probability=round(ml.probability, 6),
            llm_confidence=None if llm is None else round(llm, 6),
            confidence=round(min(max(confidence, 0.0), 1.0), 6),
            features={k: round(features[k], 6) for k in FEATURES_SHOWN if k in features},
            explanation=explainer.summary, explanation_parts=explainer.data["parts"],
            related_docs=related, breakout_score=breakout,
            agents=views, conflicts=run.conflicts,
            blend={"probability": w_p, "llm": w_l},
            model={"name": ml.model, "train_rows": ml.train_rows, "regime": ml.regime,
                   "top_contributions": ml.contributions})


def explained_signal(symbol: str, *, engine: SignalEngine | None = None,
                     settings: Any = None, bars: pd.DataFrame | None = None,
                     as_of: Any = None, **kwargs: Any) -> ExplainedSignal:
    """The explained signal of ``symbol`` (a bundled dataset, or ``bars`` given).

    Pass a long-lived ``engine`` to reuse its trained models and cached answers (an API);
    else one is built from ``settings`` (its ``[agents]`` section) or the defaults.
    """
    if engine is None:
        engine = (SignalEngine.from_settings(settings, **kwargs) if settings is not None
                  else SignalEngine(**kwargs))
    return engine.explain(symbol, bars=bars, as_of=as_of)


__all__ = ["BREAKOUT_COMPONENTS", "ExplainedSignal", "SignalEngine", "explained_signal",
           "llm_rise_confidence"]
