"""Jobs (viewer): the backtests, sweeps, optimisations and walk-forwards submitted, their
progress, results and tearsheets. Submit them under ``/backtests`` (trader); cancel one with
``POST /jobs/{id}/cancel`` (trader, audited)."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.errors import ErrorBody
from signaltrust.api.security import Principal, require_role
from signaltrust.api.services.state import jobs_of

router = APIRouter(prefix="/jobs", tags=["jobs"])
JOB_ID = r"^[0-9a-f]{16}$"
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "a value is not valid (the field is named)"},
    404: {"model": ErrorBody, "description": "no such job"},
}
CANCEL_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS, 409: {"model": ErrorBody, "description": "the job has already ended"}}


class JobAnswer(BaseModel):
    id: str = Field(examples=["5f3a9c2e7b1d4e08"])
    kind: str = Field(examples=["backtest"])
    status: str = Field(description="queued, running, done, failed, canceled or interrupted",
                        examples=["done"])
    params: dict[str, Any] = Field(examples=[{"data": "goog", "strategy": "sma_cross"}])
    actor: str = Field(examples=["ada"])
    created: str = Field(examples=["2026-12-07T15:00:00+00:00"])
    started: str | None = None
    finished: str | None = None
    progress: float = Field(ge=0.0, le=1.0, examples=[1.0])
    message: str | None = Field(default=None, examples=["done"])
    error: str | None = None
    result: dict[str, Any] | None = Field(
        default=None, description="headline figures (with deflated_sharpe and pbo), then "
        "stats, trades and equity (backtests) or trials (sweeps, optimisations)")


def _iso(ns: int | None) -> str | None:
    return None if ns is None else pd.Timestamp(ns, tz="UTC").isoformat()


def job_answer(record: Any, *, with_result: bool) -> JobAnswer:
    return JobAnswer(id=record.id, kind=record.kind, status=record.status,
                     params=record.params, actor=record.actor, created=_iso(record.created_ns),
                     started=_iso(record.started_ns), finished=_iso(record.finished_ns),
                     progress=record.progress, message=record.message, error=record.error,
                     result=record.result if with_result else None)


def _missing(job_id: str) -> Any:
    from signaltrust.api.errors import ApiError

    return ApiError(404, "NotFound", "there is no job with this id", field="job_id",
                    value=job_id, fix="list the jobs with GET /api/v1/jobs")


@router.get("", response_model=list[JobAnswer], responses=ERRORS,
            summary="Jobs, newest first (without their results)")
def list_jobs(
    request: Request, _: Annotated[Principal, Depends(require_role("viewer"))],
    status: Annotated[str | None,
                      Query(pattern="^(queued|running|done|failed|canceled|interrupted)$")]
    = None,
    kind: Annotated[str | None, Query(pattern="^(backtest|sweep|optimize|walkforward)$")]
    = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[JobAnswer]:
    records = jobs_of(request.app).store.list(status=status, kind=kind, limit=limit)
    return [job_answer(r, with_result=False) for r in records]


@router.get("/{job_id}", response_model=JobAnswer, responses=ERRORS,
            summary="One job: progress, and its result when done")
def get_job(request: Request, job_id: Annotated[str, Path(pattern=JOB_ID)],
            _: Annotated[Principal, Depends(require_role("viewer"))]) -> JobAnswer:
    record = jobs_of(request.app).store.get(job_id)
    if record is None:
        raise _missing(job_id)
    return job_answer(record, with_result=True)


@router.get("/{job_id}/tearsheet", response_class=FileResponse, summary="The job's tearsheet",
            responses={200: {"content": {"text/html": {}}, "description": "the HTML report"},
                       **ERRORS})
def tearsheet(request: Request, job_id: Annotated[str, Path(pattern=JOB_ID)],
              _: Annotated[Principal, Depends(require_role("viewer"))]) -> FileResponse:
    """The HTML tearsheet of a finished backtest or walk-forward (every headline figure beside
    its deflated Sharpe ratio)."""
    runner = jobs_of(request.app)
    if runner.store.get(job_id) is None:
        raise _missing(job_id)
    return FileResponse(runner.tearsheet(job_id), media_type="text/html")


@router.post("/{job_id}/cancel", response_model=JobAnswer, responses=CANCEL_ERRORS,
             summary="Cancel a queued or running job (trader)")
def cancel_job(request: Request, job_id: Annotated[str, Path(pattern=JOB_ID)],
               principal: Annotated[Principal, Depends(require_role("trader"))]) -> JobAnswer:
    """A queued job never starts; a running one is stopped within about a second (whichever API
    worker runs it). The job then reads ``canceled``; the cancel is in the audit log."""
    from signaltrust.api.errors import ApiError

    runner = jobs_of(request.app)
    if runner.store.get(job_id) is None:
        raise _missing(job_id)
    record, canceled = runner.cancel(job_id, principal.name)
    if not canceled:
        raise ApiError(409, "Conflict", f"this job has already ended ({record.status})",
                       field="job_id", value=job_id,
                       fix="only a queued or running job can be canceled")
    audit(request, "jobs.cancel", job_id, {"kind": record.kind})
    return job_answer(record, with_result=False)
