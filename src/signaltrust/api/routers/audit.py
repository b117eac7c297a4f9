"""The audit log (admin): its rows and a check of its hash chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from signaltrust.api.audit import AuditLog
from signaltrust.api.security import Principal, require_role

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditRow(BaseModel):
    seq: int = Field(examples=[42])
    ts_ns: int = Field(examples=[1796650000000000000])
    actor: str = Field(examples=["ada"])
    via: str = Field(examples=["jwt"])
    action: str = Field(examples=["risk.kill_switch"])
    target: str = Field(examples=["risk"])
    details: dict[str, Any] = Field(examples=[{"on": True, "request_id": "9f1c..."}])
    prev_hash: str
    hash: str


class ChainAnswer(BaseModel):
    ok: bool = Field(examples=[True])
    entries: int = Field(examples=[42])
    first_bad_seq: int | None = Field(default=None, examples=[None])
    reason: str | None = Field(default=None, examples=[None])
    last_hash: str


@router.get("", response_model=list[AuditRow], summary="Audit rows, oldest first (admin)")
def rows(
    request: Request,
    _: Annotated[Principal, Depends(require_role("admin"))],
    after: Annotated[int, Query(ge=0, le=2**62, description="rows after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditRow]:
    log = AuditLog(request.app.state.database)
    entries = log.entries(after=after, limit=limit, actor=actor, action=action)
    return [AuditRow(**{k: getattr(e, k) for k in AuditRow.model_fields}) for e in entries]


@router.get("/verify", response_model=ChainAnswer, summary="Check the hash chain (admin)")
def verify(request: Request, _: Annotated[Principal, Depends(require_role("admin"))]
           ) -> ChainAnswer:
    """Recompute every row's hash; ``first_bad_seq`` is the first row changed, inserted or
    removed since it was written."""
    report = AuditLog(request.app.state.database).verify()
    return ChainAnswer(ok=report.ok, entries=report.entries, first_bad_seq=report.first_bad_seq,
                       reason=report.reason, last_hash=report.last_hash)
