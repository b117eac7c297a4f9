"""Models: the registry (MLflow, imported when first asked): list and show (viewer), promote a
version to an alias (admin, audited)."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.security import Principal, require_role
from signaltrust.core.serialize import to_plain

router = APIRouter(prefix="/models", tags=["models"])
_NAME = r"^[A-Za-z0-9_.-]{1,128}$"


class PromoteRequest(BaseModel):
    version: int = Field(ge=1, examples=[3])
    alias: str = Field(default="production", pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$",
                       examples=["production"])


def _registry(request: Request) -> Any:
    from signaltrust.ml.registry import ModelRegistry, tracking_uri

    state = request.app.state
    if getattr(state, "model_registry", None) is None:
        state.model_registry = ModelRegistry(tracking_uri(state.settings.home, os.environ))
    return state.model_registry


@router.get("", summary="Registered models with their versions and aliases")
def models(request: Request, _: Annotated[Principal, Depends(require_role("viewer"))]
           ) -> list[dict[str, Any]]:
    return [to_plain(m.to_dict()) for m in _registry(request).list_models()]


@router.get("/{name}", summary="A model version's record (default: the latest)")
def model(request: Request, name: Annotated[str, Path(pattern=_NAME)],
          _: Annotated[Principal, Depends(require_role("viewer"))],
          version: str | None = None) -> dict[str, Any]:
    """``version`` is a number or an alias (``production``); the latest when omitted."""
    return to_plain(_registry(request).get_model_version(name, version).to_dict())


@router.post("/{name}/promote", summary="Point an alias at a version (admin, audited)")
def promote(request: Request, name: Annotated[str, Path(pattern=_NAME)], body: PromoteRequest,
            _: Annotated[Principal, Depends(require_role("admin"))]) -> dict[str, Any]:
    promoted = _registry(request).promote(name, body.version, body.alias)
    audit(request, "models.promote", name, {"version": body.version, "alias": body.alias})
    return to_plain(promoted.to_dict())
