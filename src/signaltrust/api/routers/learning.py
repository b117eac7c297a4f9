"""The learning loop: the signal log and its scores, promotion decisions, drift, job firings
(viewer); log a prediction (trader, audited); roll the champion back (admin, audited)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.security import Principal, require_role
from signaltrust.core.serialize import to_plain

router = APIRouter(prefix="/learning", tags=["learning"])
_NAME = r"^[A-Za-z0-9_.-]{1,128}$"


class PredictionIn(BaseModel):
    symbol: str = Field(min_length=1, max_length=64, examples=["SPY"])
    ts: datetime = Field(examples=["2018-12-31T21:00:00Z"],
                         description="UTC unless it says otherwise; 1970 to 2261")
    model: str = Field(pattern=_NAME, examples=["signal_spy"])
    model_version: str = Field(min_length=1, max_length=32, examples=["3"])
    feature_hash: str = Field(min_length=1, max_length=64, examples=["9f2c..."])
    score: float = Field(examples=[0.64], allow_inf_nan=False)
    confidence: float | None = Field(default=None, examples=[0.7], allow_inf_nan=False)
    decision: str = Field(min_length=1, max_length=16, examples=["long"])
    served: str = Field(default="live", pattern=r"^(live|traded|shadow|ab)$")
    price: float | None = Field(default=None, gt=0, allow_inf_nan=False)


class RollbackIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500, examples=["live hit rate fell"])


def _log(request: Request) -> Any:
    from signaltrust.research.learning.signal_log import SignalLog

    return SignalLog(request.app.state.database)


@router.post("/signals", summary="Log a served prediction (trader, audited)")
def log_signal(request: Request, body: PredictionIn,
               _: Annotated[Principal, Depends(require_role("trader"))]) -> dict[str, Any]:
    row_id = _log(request).log_prediction(**body.model_dump())
    audit(request, "learning.log_signal", body.model, {"id": row_id, "symbol": body.symbol})
    return {"id": row_id}


@router.get("/signals/counts", summary="Per model: predictions logged and matured")
def signal_counts(request: Request, _: Annotated[Principal, Depends(require_role("viewer"))]
                  ) -> dict[str, Any]:
    return _log(request).counts()


@router.get("/signals/{model}/scores",
            summary="Hit rate, precision at the top, Brier, IC, MAE of a model's matured signals")
def signal_scores(request: Request, model: Annotated[str, Path(pattern=_NAME)],
                  _: Annotated[Principal, Depends(require_role("viewer"))],
                  days: Annotated[int | None, Query(ge=1, le=3650)] = None,
                  version: str | None = None) -> dict[str, Any]:
    """``days``: only the last so many days (default: every matured signal)."""
    start = datetime.now(UTC) - timedelta(days=days) if days else None
    return to_plain(_log(request).scores(model, model_version=version, start=start).to_dict())


@router.get("/decisions", summary="Promotion decisions and rollbacks with their evidence")
def promotion_decisions(request: Request,
                        _: Annotated[Principal, Depends(require_role("viewer"))],
                        model: str | None = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    from signaltrust.research.learning.champion import decisions

    return decisions(request.app.state.database, model, limit)


@router.get("/jobs", summary="The latest scheduled job firings (which process ran each)")
def job_firings(request: Request, _: Annotated[Principal, Depends(require_role("viewer"))],
                limit: Annotated[int, Query(ge=1, le=500)] = 20) -> list[dict[str, Any]]:
    from signaltrust.research.learning.scheduler import recent_runs

    return to_plain(recent_runs(request.app.state.database, limit))


@router.get("/drift", summary="PSI and KS per feature of a bundled dataset's recent window")
def drift(request: Request, _: Annotated[Principal, Depends(require_role("viewer"))],
          data: Annotated[str, Query(pattern=_NAME)] = "sp500",
          window: Annotated[int, Query(ge=10, le=5000)] = 126,
          reference: Annotated[int, Query(ge=20, le=20000)] = 756) -> dict[str, Any]:
    from signaltrust.core.errors import ValidationError
    from signaltrust.ml.drift import drift_report
    from signaltrust.research.ml_eval.dataset import compute_features, load_data, resolve_features

    learning = request.app.state.settings.learning
    _, bars = load_data(data)
    frame = compute_features(resolve_features("technical"), bars).dropna()
    if len(frame) < window + reference:
        raise ValidationError("the dataset has fewer rows than window plus reference",
                              field="reference", value=reference,
                              fix=f"ask for at most {len(frame)} rows in all")
    return drift_report(frame.iloc[-window - reference: -window], frame.iloc[-window:],
                        psi_threshold=learning.psi_threshold,
                        ks_pvalue=learning.ks_pvalue).to_dict()


@router.post("/models/{name}/rollback",
             summary="Point production back at the champion before the last promotion (admin)")
def rollback(request: Request, name: Annotated[str, Path(pattern=_NAME)], body: RollbackIn,
             _: Annotated[Principal, Depends(require_role("admin"))]) -> dict[str, Any]:
    from signaltrust.ml.registry import ModelRegistry, tracking_uri
    from signaltrust.research.learning.champion import ChampionChallenger

    state = request.app.state
    if getattr(state, "model_registry", None) is None:
        state.model_registry = ModelRegistry(tracking_uri(state.settings.home, os.environ))
    version = ChampionChallenger(state.model_registry, state.database, name,
                                 actor="api").rollback(body.reason)
    audit(request, "learning.rollback", name, {"to_version": version, "reason": body.reason})
    return {"name": name, "production": version}
