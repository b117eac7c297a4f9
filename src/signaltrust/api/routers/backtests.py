"""Backtests, sweeps, optimisations and walk-forwards (trader): submitted as jobs to the worker
pool; the answer is the queued job (202), followed at ``/api/v1/jobs/{id}``.

Only built-in strategies and bundled or stored data by name are accepted. Costs default to
the configuration's ``[backtest]`` section.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.routers.jobs import ERRORS, JobAnswer, job_answer
from signaltrust.api.security import Principal, require_role
from signaltrust.api.services.state import jobs_of

router = APIRouter(prefix="/backtests", tags=["backtests"])
DATA = r"^[A-Za-z0-9^][A-Za-z0-9_.^=@-]{0,63}$"
Strategy = Literal["sma_cross", "bollinger_rsi", "donchian_breakout", "ts_momentum",
                   "breakout_score"]
ParamValue = int | float | bool | str
GridValue = str | list[int | float]


class _Run(BaseModel):
    data: str = Field(pattern=DATA, description="a bundled bar dataset or a stored series",
                      examples=["goog"])
    strategy: Strategy = Field(examples=["sma_cross"])
    params: dict[str, ParamValue] = Field(default_factory=dict, max_length=32,
                                          examples=[{"fast": 10, "slow": 30}])
    cash: float | None = Field(default=None, gt=0, le=1e12, examples=[100_000])
    fees: float | None = Field(default=None, ge=0, le=0.1, description="fraction of notional",
                               examples=[0.001])
    slippage: float | None = Field(default=None, ge=0, le=0.1,
                                   description="fraction of price", examples=[0.0002])
    fill_at: Literal["next_open", "close"] | None = None


class BacktestRequest(_Run):
    trials: int = Field(default=1, ge=1, le=1_000_000, description="configurations tried so "
                        "far, this one included (deflates the Sharpe ratio)")


class SweepRequest(_Run):
    grid: dict[str, GridValue] | None = Field(
        default=None, max_length=8, description="values per parameter: 'start:stop:step' or a "
        "list (default: the strategy's declared grid)",
        examples=[{"fast": "5:50:5", "slow": [50, 100, 150, 200]}])


class OptimizeRequest(SweepRequest):
    method: Literal["grid", "random", "tpe", "cmaes"] = "tpe"
    n_trials: int = Field(default=50, ge=1, le=500)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class WalkForwardRequest(OptimizeRequest):
    method: Literal["grid", "random", "tpe", "cmaes"] = "grid"
    train_bars: int | None = Field(default=None, ge=20, le=1_000_000, examples=[500])
    test_bars: int | None = Field(default=None, ge=5, le=1_000_000, examples=[250])
    anchored: bool = False


def _submit(request: Request, kind: str, body: BaseModel, principal: Principal) -> JobAnswer:
    params = body.model_dump(exclude_none=True)
    record = jobs_of(request.app).submit(kind, params, principal.name)
    audit(request, f"jobs.{kind}", record.id, {"data": params["data"],
                                               "strategy": params["strategy"]})
    return job_answer(record, with_result=False)


@router.post("", response_model=JobAnswer, status_code=202, responses=ERRORS,
             summary="Backtest a strategy (a job)")
def backtest(request: Request, body: BacktestRequest,
             principal: Annotated[Principal, Depends(require_role("trader"))]) -> JobAnswer:
    """Statistics, trades, equity and tearsheet; the deflated Sharpe ratio beside the headline
    figures (PBO needs several configurations: submit a sweep)."""
    return _submit(request, "backtest", body, principal)


@router.post("/sweeps", response_model=JobAnswer, status_code=202, responses=ERRORS,
             summary="Backtest every point of a parameter grid (a job)")
def sweep(request: Request, body: SweepRequest,
          principal: Annotated[Principal, Depends(require_role("trader"))]) -> JobAnswer:
    return _submit(request, "sweep", body, principal)


@router.post("/optimisations", response_model=JobAnswer, status_code=202, responses=ERRORS,
             summary="Search a strategy's parameters (a job)")
def optimise(request: Request, body: OptimizeRequest,
             principal: Annotated[Principal, Depends(require_role("trader"))]) -> JobAnswer:
    return _submit(request, "optimize", body, principal)


@router.post("/walk-forwards", response_model=JobAnswer, status_code=202, responses=ERRORS,
             summary="Walk-forward optimisation (a job)")
def walk_forward(request: Request, body: WalkForwardRequest,
                 principal: Annotated[Principal, Depends(require_role("trader"))]
                 ) -> JobAnswer:
    return _submit(request, "walkforward", body, principal)


__all__ = ["router"]
