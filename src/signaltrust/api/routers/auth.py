"""Sign in, refresh, sign out; who am I; API keys (a user's own) and users (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.errors import ApiError
from signaltrust.api.keys import ApiKey
from signaltrust.api.security import AccessControl, Principal, require_role
from signaltrust.api.tokens import TokenPair
from signaltrust.api.users import AccountLocked, LoginRefused, User

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenAnswer(BaseModel):
    """An access token (Bearer, short-lived) and a refresh token (used once)."""

    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."])
    refresh_token: str = Field(examples=["5f0c...e1.hP3x..."])
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="seconds the access token lives", examples=[900])


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, examples=["5f0c...e1.hP3x..."])


class PrincipalAnswer(BaseModel):
    name: str = Field(examples=["ada"])
    role: str = Field(examples=["trader"])
    via: str = Field(examples=["jwt"])
    scopes: list[str] = Field(examples=[["*"]])


class KeyRequest(BaseModel):
    name: str = Field(min_length=1, max_length=64, examples=["nightly-report"])
    role: str = Field(default="viewer", pattern="^(viewer|trader|admin)$", examples=["viewer"])
    scopes: list[str] = Field(default=["*"], min_length=1,
                              description="* or route groups under /api/v1 (data, signals ...)",
                              examples=[["data", "signals"]])


class KeyAnswer(BaseModel):
    id: str = Field(examples=["3fa85f6457c1"])
    name: str = Field(examples=["nightly-report"])
    owner: str = Field(examples=["ada"])
    role: str = Field(examples=["viewer"])
    scopes: list[str] = Field(examples=[["data", "signals"]])
    created_ns: int
    last_used_ns: int | None = None
    revoked_ns: int | None = None
    key: str | None = Field(default=None, description="only in the answer that creates it",
                            examples=["stk_3fa85f6457c1_Qm9..."])


class UserRequest(BaseModel):
    name: str = Field(min_length=1, max_length=64, examples=["grace"])
    role: str = Field(pattern="^(viewer|trader|admin)$", examples=["viewer"])
    password: str = Field(min_length=10, examples=["correct horse battery"])


class UserAnswer(BaseModel):
    name: str = Field(examples=["grace"])
    role: str = Field(examples=["viewer"])
    created_ns: int
    failed_logins: int = 0
    locked_until_ns: int | None = None


def _access(request: Request) -> AccessControl:
    return request.app.state.access


def _pair(pair: TokenPair) -> TokenAnswer:
    return TokenAnswer(access_token=pair.access_token, refresh_token=pair.refresh_token,
                       token_type=pair.token_type, expires_in=pair.expires_in)


@router.post("/token", response_model=TokenAnswer, summary="Sign in (OAuth2 password form)",
             responses={401: {"description": "wrong name or password"},
                        429: {"description": "locked out or rate limited"}})
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]
          ) -> TokenAnswer:
    """Exchange a user name and password for an access token and a refresh token.

    Repeated failures lock the account for ``api.lockout_minutes``; sign-in attempts are
    limited per address (``api.login_rate_limit``)."""
    access = _access(request)
    address = request.client.host if request.client else "unknown"
    verdict = access.limits.hit("login", address)
    metrics = request.app.state.metrics
    if not verdict.allowed:
        metrics.rate_limited.labels("login").inc()
        raise ApiError(429, "RateLimited", f"too many sign-in attempts from {address}",
                       fix=f"retry after {verdict.retry_after_s} s",
                       headers={"Retry-After": str(verdict.retry_after_s)})
    try:
        user = access.users.authenticate(form.username, form.password,
                                         max_failures=access.lockout_failures,
                                         lock_s=access.lockout_s)
    except AccountLocked:
        metrics.logins.labels("locked").inc()
        raise
    except LoginRefused:
        metrics.logins.labels("refused").inc()
        raise
    metrics.logins.labels("ok").inc()
    return _pair(access.tokens.issue(user.name, user.role))


@router.post("/refresh", response_model=TokenAnswer, summary="A new token pair for a refresh "
             "token (which is spent)")
def refresh(request: Request, body: RefreshRequest) -> TokenAnswer:
    """Spend the refresh token for a new pair; a token used twice revokes the whole sign-in."""
    return _pair(_access(request).tokens.refresh(body.refresh_token))


@router.post("/logout", status_code=204, summary="Revoke a sign-in's refresh tokens")
def logout(request: Request, body: RefreshRequest) -> Response:
    """Revoke the refresh token and every token rotated from the same sign-in."""
    name = _access(request).tokens.revoke(body.refresh_token)
    audit(Principal(name, "none", "jwt"), "auth.logout", name, {},
          database=request.app.state.database)
    return Response(status_code=204)


@router.get("/me", response_model=PrincipalAnswer, summary="Who the caller is")
def me(principal: Annotated[Principal, Depends(require_role("viewer"))]) -> PrincipalAnswer:
    return PrincipalAnswer(name=principal.name, role=principal.role, via=principal.via,
                           scopes=list(principal.scopes))


def _person(principal: Principal) -> None:
    if principal.via != "jwt":
        raise ApiError(403, "Forbidden", "API keys are managed by a signed-in user, not a key",
                       field="X-API-Key", fix="sign in with POST /api/v1/auth/token")


def _key_answer(key: ApiKey, plain: str | None = None) -> KeyAnswer:
    return KeyAnswer(id=key.id, name=key.name, owner=key.owner, role=key.role,
                     scopes=list(key.scopes), created_ns=key.created_ns,
                     last_used_ns=key.last_used_ns, revoked_ns=key.revoked_ns, key=plain)


@router.get("/keys", response_model=list[KeyAnswer], summary="The caller's API keys (admin: all)")
def list_keys(request: Request, principal: Annotated[Principal, Depends(require_role("viewer"))]
              ) -> list[KeyAnswer]:
    owner = None if principal.role == "admin" else principal.name
    return [_key_answer(k) for k in _access(request).keys.list(owner)]


@router.post("/keys", response_model=KeyAnswer, status_code=201,
             summary="Create an API key for the caller (shown once)")
def create_key(request: Request, body: KeyRequest,
               principal: Annotated[Principal, Depends(require_role("viewer"))]) -> KeyAnswer:
    """The key is in the answer only; store it, it cannot be shown again."""
    _person(principal)
    record, plain = _access(request).keys.create(
        body.name, owner=principal.name, role=body.role, scopes=body.scopes,
        known_scopes=request.app.state.route_groups)
    audit(request, "keys.create", record.id, {"name": record.name, "role": record.role,
                                              "scopes": list(record.scopes)})
    return _key_answer(record, plain)


@router.delete("/keys/{key_id}", response_model=KeyAnswer, summary="Revoke an API key")
def revoke_key(request: Request, key_id: str,
               principal: Annotated[Principal, Depends(require_role("viewer"))]) -> KeyAnswer:
    access = _access(request)
    owned = {k.id for k in access.keys.list(None if principal.role == "admin" else principal.name)}
    if key_id not in owned:
        raise ApiError(404, "NotFound", f"no key {key_id!r} of yours", field="key_id",
                       value=key_id, fix="see GET /api/v1/auth/keys")
    record = access.keys.revoke(key_id)
    audit(request, "keys.revoke", key_id, {"owner": record.owner})
    return _key_answer(record)


def _user_answer(user: User) -> UserAnswer:
    return UserAnswer(name=user.name, role=user.role, created_ns=user.created_ns,
                      failed_logins=user.failed_logins, locked_until_ns=user.locked_until_ns)


@router.get("/users", response_model=list[UserAnswer], summary="Every user (admin)")
def list_users(request: Request, _: Annotated[Principal, Depends(require_role("admin"))]
               ) -> list[UserAnswer]:
    return [_user_answer(u) for u in _access(request).users.list()]


@router.post("/users", response_model=UserAnswer, status_code=201, summary="Add a user (admin)")
def add_user(request: Request, body: UserRequest,
             _: Annotated[Principal, Depends(require_role("admin"))]) -> UserAnswer:
    user = _access(request).users.add(body.name, body.role, body.password)
    audit(request, "users.add", user.name, {"role": user.role})
    return _user_answer(user)


@router.delete("/users/{name}", status_code=204, summary="Remove a user and revoke its keys "
               "(admin)")
def remove_user(request: Request, name: str,
                principal: Annotated[Principal, Depends(require_role("admin"))]) -> Response:
    if name == principal.name:
        raise ApiError(400, "ValidationError", "an admin cannot remove itself", field="name",
                       value=name, fix="ask another admin, or use `signaltrust users remove`")
    _access(request).users.remove(name)
    audit(request, "users.remove", name, {})
    return Response(status_code=204)
