"""Who is calling and what they may do: a bearer access token or an ``X-API-Key`` makes a
:class:`Principal`; each route declares its minimum role with :func:`require_role`.

Anonymous callers get 401, a role too low (or a key outside its scopes) 403, a caller over its
rate limit 429. The role a route requires is read back by :func:`declared_role`, which the
authorisation-matrix test and the OpenAPI document (``x-min-role``) use.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from starlette.routing import BaseRoute

from signaltrust.api.errors import ApiError
from signaltrust.api.keys import PREFIX as KEY_PREFIX
from signaltrust.api.keys import KeyStore
from signaltrust.api.ratelimit import RateLimits
from signaltrust.api.tokens import TokenIssuer, TokenRefused
from signaltrust.api.users import ROLES, UserStore, check_role, role_rank

API_PREFIX = "/api/v1"
ROLE_ATTRIBUTE = "__signaltrust_min_role__"
PUBLIC = "public"

_bearer = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False,
                        description="an API key made with `signaltrust keys create`")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request: a user's ``name``, the ``role`` it acts with and ``via`` what
    (``"jwt"`` or ``"api_key"``; a key also brings its id and scopes)."""

    name: str
    role: str
    via: str
    key_id: str | None = None
    scopes: tuple[str, ...] = field(default=("*",))

    def at_least(self, role: str) -> bool:
        """Whether the principal's role is ``role`` or above."""
        return self.role in ROLES and role_rank(self.role) >= role_rank(role)


@dataclass
class AccessControl:
    """What the role dependencies use, kept on ``app.state.access``."""

    users: UserStore
    keys: KeyStore
    tokens: TokenIssuer
    limits: RateLimits
    lockout_failures: int = 5
    lockout_s: float = 900.0
    #: seconds a user's current role is trusted before the database is asked again: a
    #: removed user's access tokens stop working within this time, not at their expiry
    user_check_s: float = 5.0
    _roles: dict[str, tuple[str | None, float]] = field(default_factory=dict, repr=False)

    def current_role(self, name: str) -> str | None:
        """The user's role now (None when removed), asked at most every ``user_check_s``."""
        now = time.monotonic()
        cached = self._roles.get(name)
        if cached is not None and cached[1] > now:
            return cached[0]
        user = self.users.get(name)
        role = None if user is None else user.role
        if len(self._roles) > 10_000:  # names come from valid tokens only; bound it anyway
            self._roles.clear()
        self._roles[name] = (role, now + self.user_check_s)
        return role


def require_role(role: str) -> Callable[..., Any]:
    """A FastAPI dependency that lets through callers with ``role`` or above; it returns the
    :class:`Principal` and keeps it on ``request.state.principal``.

    >>> require_role("trader").__signaltrust_min_role__
    'trader'
    """
    check_role(role)

    async def dependency(request: Request) -> Principal:
        return authorise(request, role, *credentials(request))

    setattr(dependency, ROLE_ATTRIBUTE, role)
    dependency.__name__ = f"require_{role}"
    dependency.__qualname__ = dependency.__name__
    return dependency


def credentials(request: Request) -> tuple[str | None, str | None]:
    """The bearer token and the API key a request carries (None where absent).

    Read from the headers here rather than through FastAPI's security dependencies, which
    cost a warm request a third of its time; the OpenAPI document still declares both schemes
    (:func:`declare_security`)."""
    headers = request.headers
    bearer = None
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value:
            bearer = value
    return bearer, headers.get("x-api-key") or None


def declare_security(schema: dict[str, Any], roles: Iterable[RouteRole]) -> None:
    """Write the two ways to sign in into the OpenAPI ``schema``: the OAuth2 password flow and
    the ``X-API-Key`` header, required by every operation whose role is not public."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update({
        scheme.scheme_name: scheme.model.model_dump(mode="json", by_alias=True,
                                                    exclude_none=True)
        for scheme in (_bearer, _api_key)
    })
    for found in roles:
        if found.role == PUBLIC:
            continue
        for method in found.methods:
            operation = schema.get("paths", {}).get(found.path, {}).get(method.lower())
            if operation is not None:
                operation["security"] = [{_bearer.scheme_name: []}, {_api_key.scheme_name: []}]


def authorise(request: Request, role: str, bearer: str | None, api_key: str | None) -> Principal:
    """The principal of the request when it may act with ``role``; ApiError otherwise."""
    access: AccessControl = request.app.state.access
    principal = identify(access, bearer, api_key)
    who = f"key:{principal.key_id}" if principal.key_id else f"user:{principal.name}"
    verdict = access.limits.hit("principal", who)
    if not verdict.allowed:
        raise ApiError(
            429, "RateLimited", f"too many requests from {who}; limit "
            f"{verdict.limit} per window", fix=f"retry after {verdict.retry_after_s} s",
            headers={"Retry-After": str(verdict.retry_after_s)},
        )
    if not principal.at_least(role):
        raise ApiError(403, "Forbidden", f"this needs the role {role}; you have {principal.role}",
                       field="role", value=principal.role, fix="ask an admin for a higher role")
    group = route_group(request.scope["path"])
    if principal.key_id and group and "*" not in principal.scopes and group not in principal.scopes:
        raise ApiError(403, "Forbidden", f"this API key is not scoped for {group}",
                       field="scopes", value=",".join(principal.scopes),
                       fix=f"create a key with the scope {group}")
    request.state.principal = principal
    return principal


def identify(access: AccessControl, bearer: str | None, api_key: str | None) -> Principal:
    """The principal of an API key or an access token; 401 when there is neither or it fails.

    A key sent as the bearer token counts as a key (what Prometheus' scrape config sends)."""
    if bearer and bearer.startswith(KEY_PREFIX) and not api_key:
        bearer, api_key = None, bearer
    if api_key:
        key = access.keys.resolve(api_key)
        if key is None:
            raise ApiError(401, "Unauthorized", "the API key is not valid (unknown or revoked)",
                           field="X-API-Key", fix="create one with `signaltrust keys create`")
        return Principal(key.owner, key.role, "api_key", key.id, key.scopes)
    if bearer:
        try:
            claims = access.tokens.check_access(bearer)
        except TokenRefused as exc:
            raise ApiError(401, "Unauthorized", exc.message, field="Authorization",
                           fix=exc.fix, headers={"WWW-Authenticate": "Bearer"}) from None
        role = access.current_role(claims.name)
        if role is None:
            raise ApiError(401, "Unauthorized", "the user of this token no longer exists",
                           field="Authorization", fix="ask an admin for an account",
                           headers={"WWW-Authenticate": "Bearer"})
        return Principal(claims.name, role, "jwt")  # a changed role counts at once
    raise ApiError(401, "Unauthorized", "sign in first", field="Authorization",
                   fix="send Authorization: Bearer <access_token> (POST /api/v1/auth/token) "
                   "or X-API-Key: <key>", headers={"WWW-Authenticate": "Bearer"})


def route_group(path: str) -> str | None:
    """The route group of a path: ``data`` for ``/api/v1/data/bars/SPY``."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    return path[len(API_PREFIX) + 1:].split("/", 1)[0] or None


@dataclass(frozen=True, slots=True)
class RouteRole:
    """A route of the app as mounted: its full path, HTTP methods and declared role."""

    path: str
    methods: tuple[str, ...]
    role: str
    route: Any


def route_roles(app: Any) -> list[RouteRole]:
    """Every HTTP route of ``app`` (included routers flattened) with its declared role."""
    from fastapi.routing import iter_route_contexts

    found = []
    for context in iter_route_contexts(app.routes):
        methods = context.methods
        if not methods or context.path is None:
            continue  # WebSocket routes and mounts: authorised by their own handshake
        found.append(RouteRole(context.path, tuple(sorted(methods - {"HEAD"})),
                               declared_role(context), context.original_route))
    return found


def declared_role(route: BaseRoute) -> str:
    """The highest role a route's dependencies require, or ``"public"`` when none."""
    dependant = getattr(route, "dependant", None)
    found = [r for r in _roles(dependant.dependencies if dependant else ())]
    return max(found, key=role_rank) if found else PUBLIC


def _roles(dependencies: Iterable[Any]) -> Iterable[str]:
    for dep in dependencies:
        role = getattr(dep.call, ROLE_ATTRIBUTE, None)
        if role:
            yield role
        yield from _roles(dep.dependencies)


__all__ = [
    "API_PREFIX", "PUBLIC", "ROLES", "AccessControl", "Principal", "authorise", "credentials",
    "declare_security",
    "RouteRole", "declared_role", "identify", "require_role", "route_group", "route_roles",
]
