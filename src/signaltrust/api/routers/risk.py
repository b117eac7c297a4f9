"""Risk: the state and limits (viewer), change a limit and the kill switch (admin, audited),
the VaR/CVaR and stress report of a bundled dataset (viewer)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.risk_state import RiskState
from signaltrust.api.security import Principal, require_role
from signaltrust.core.serialize import to_plain

router = APIRouter(prefix="/risk", tags=["risk"])


class LimitChange(BaseModel):
    value: Any = Field(description="the new value; null removes the limit",
                       examples=[0.05])
    reason: str | None = Field(default=None, max_length=500, examples=["earnings week"])


class KillSwitchRequest(BaseModel):
    on: bool = Field(examples=[True])
    reason: str = Field(min_length=3, max_length=500, examples=["venue outage"])


def _state(request: Request) -> RiskState:
    state = request.app.state
    return RiskState(state.database, state.settings.risk)


@router.get("/state", summary="The kill switch and the effective limits")
def risk_state(request: Request, _: Annotated[Principal, Depends(require_role("viewer"))]
               ) -> dict[str, Any]:
    state = _state(request)
    return {"kill_switch": state.kill_switch(), "limits": state.limits().model_dump(mode="json"),
            "overrides": state.overrides()}


@router.get("/limits", summary="The effective limits (configuration plus changes)")
def limits(request: Request, _: Annotated[Principal, Depends(require_role("viewer"))]
           ) -> dict[str, Any]:
    return _state(request).limits().model_dump(mode="json")


@router.put("/limits/{name}", summary="Change one limit (admin, audited)")
def change_limit(request: Request, name: Annotated[str, Path(max_length=64)], body: LimitChange,
                 principal: Annotated[Principal, Depends(require_role("admin"))]
                 ) -> dict[str, Any]:
    before, after = _state(request).set_limit(name, body.value, principal.name)
    audit(request, "risk.limit", name, {"before": before, "after": after, "reason": body.reason})
    return {"name": name, "before": before, "after": after}


@router.post("/kill-switch", summary="Engage or release the kill switch (admin, audited)")
def kill_switch(request: Request, body: KillSwitchRequest,
                principal: Annotated[Principal, Depends(require_role("admin"))]
                ) -> dict[str, Any]:
    """Nodes read the switch from the application database and stop trading while it is on."""
    answer = _state(request).set_kill_switch(body.on, body.reason, principal.name)
    audit(request, "risk.kill_switch", "risk", {"on": body.on, "reason": body.reason})
    return answer


@router.get("/report/{dataset}", summary="VaR/CVaR, exposures and stress windows (viewer)")
def report(
    dataset: Annotated[str, Path(pattern=r"^[A-Za-z0-9_]{1,64}$",
                                 description="a bundled dataset: sp500, stocks ...")],
    _: Annotated[Principal, Depends(require_role("viewer"))],
    weights: Annotated[str | None, Query(max_length=500,
                                         description="AAPL=0.5,MSFT=0.5 for a panel")] = None,
    simulations: Annotated[int, Query(ge=1000, le=200_000)] = 20_000,
    seed: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The report of ``signaltrust risk report``: only bundled datasets (never a file)."""
    from signaltrust.data.catalog import get_spec
    from signaltrust.research.risk import risk_report

    name = get_spec(dataset).name  # 404 naming the datasets when unknown
    return to_plain(risk_report(name, weights, n_sims=simulations, seed=seed))
