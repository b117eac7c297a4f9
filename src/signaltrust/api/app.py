"""The SignalTrust API: :func:`create_app` builds the FastAPI application.

Routers are listed in :data:`ROUTERS` (module paths, each exposing ``router``) and mounted
under ``/api/v1``; the operations endpoints (``/health``, ``/ready``, ``/metrics``) sit at the
root. ``app.state`` holds ``settings``, ``database``, ``access`` (users, keys, tokens, rate
limits), ``metrics`` and ``log``.

>>> from signaltrust.storage import Database
>>> app = create_app(database=Database("sqlite://"))
>>> app.state.database.revision() == app.state.schema_head
True
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pwdlib import PasswordHash

from signaltrust import __version__
from signaltrust.api import errors, ops
from signaltrust.api.keys import KeyStore
from signaltrust.api.ratelimit import RateLimits
from signaltrust.api.security import API_PREFIX, AccessControl, declare_security, route_roles
from signaltrust.api.settings import parse_limit, signing_secret
from signaltrust.api.tokens import TokenIssuer
from signaltrust.api.users import UserStore
from signaltrust.api.web import mount_dashboard
from signaltrust.core.config import Settings, load_settings
from signaltrust.storage.database import MIGRATIONS, Database, open_database

#: the routers mounted under /api/v1, in this order (each module exposes ``router``). A request
#: is matched against the routes in order, so the most requested come first (signals: a route
#: seventh in line cost a warm signal ~125 us of its ~475); the documentation keeps its own
#: order (:data:`DOCUMENTED_TAGS`)
ROUTERS: list[str] = [
    "signaltrust.api.routers.signals",
    "signaltrust.api.routers.auth",
    "signaltrust.api.routers.data",
    "signaltrust.api.routers.strategies",
    "signaltrust.api.routers.models",
    "signaltrust.api.routers.risk",
    "signaltrust.api.routers.audit",
    "signaltrust.api.routers.text",
    "signaltrust.api.routers.backtests",
    "signaltrust.api.routers.jobs",
    "signaltrust.api.routers.nodes",
    "signaltrust.api.routers.learning",
    "signaltrust.api.routers.learn",
    "signaltrust.api.routers.agents",
    "signaltrust.api.routers.ws",
]

#: the order of the groups in /docs and in the OpenAPI document's ``tags``
DOCUMENTED_TAGS: list[str] = ["auth", "data", "strategies", "models", "risk", "audit", "signals",
                              "news", "backtests", "jobs", "nodes", "learning", "learn",
                              "agents", "websocket", "operations"]

DESCRIPTION = """\
Signals with the evidence of how far to trust them, trading control, risk and models.

Sign in with `POST /api/v1/auth/token` (OAuth2 password form) and send
`Authorization: Bearer <access_token>`, or send an API key in `X-API-Key`. Each operation
names the lowest role it needs in `x-min-role` (viewer < trader < admin). Errors are JSON with
`error`, `message`, `field`, `value` and `fix`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    password_hash: PasswordHash | None = None,
    serving: bool = False,
) -> FastAPI:
    """The API application on ``database`` (default: the configured one, migrated).

    ``password_hash`` replaces pwdlib's recommended argon2 parameters (tests use light ones).
    ``serving`` is for a long-lived server (:func:`serve_app`): the heap alive after start-up,
    and again after each signal model is loaded, is frozen out of the garbage collector's
    full collections (:func:`~signaltrust.core.heap.freeze_heap`).
    """
    settings = settings or load_settings()
    api = settings.api
    if database is None:
        url = settings.database.url.get_secret_value() if settings.database.url else None
        database = open_database(url, settings.home)
    else:
        database.upgrade()
    limits = RateLimits(api.rate_limit_storage.get_secret_value(), {
        "principal": parse_limit(api.rate_limit, "api.rate_limit"),
        "address": parse_limit(api.address_rate_limit, "api.address_rate_limit"),
        "login": parse_limit(api.login_rate_limit, "api.login_rate_limit"),
    }, namespace=_namespace(database))
    access = AccessControl(
        users=UserStore(database, password_hash=password_hash),
        keys=KeyStore(database),
        tokens=TokenIssuer(database, signing_secret(api, Path(settings.home)),
                           access_minutes=api.access_token_minutes,
                           refresh_days=api.refresh_token_days),
        limits=limits,
        lockout_failures=api.lockout_failures,
        lockout_s=api.lockout_minutes * 60,
    )
    app = FastAPI(
        title="SignalTrust API", version=__version__, description=DESCRIPTION,
        lifespan=_frozen_after_start_up if serving else None,
        openapi_url="/openapi.json", docs_url="/docs", redoc_url=None,
        openapi_tags=[{"name": tag} for tag in DOCUMENTED_TAGS],
        # spans come from the [tracing] section's own instrumentation (_trace), with its
        # provider: FastAPI's native telemetry would look up the global providers on every
        # request and, with one configured, record every request twice
        telemetry={"tracing": False, "metrics": False, "logs": False},
        responses={401: {"model": errors.ErrorBody, "description": "not signed in"},
                   403: {"model": errors.ErrorBody, "description": "role or scope too low"},
                   422: {"model": errors.ErrorBody, "description": "a field is not valid"},
                   429: {"model": errors.ErrorBody, "description": "rate limited"}},
    )
    app.state.settings = settings
    app.state.serving = serving
    app.state.database = database
    app.state.schema_head = _schema_head()
    app.state.access = access
    app.state.metrics = ops.ApiMetrics()
    app.state.metrics.watch(database)
    app.state.log = ops.access_logger()
    errors.install(app)
    app.include_router(ops.router)
    for module in ROUTERS:
        app.include_router(importlib.import_module(module).router, prefix=API_PREFIX)
    mount_dashboard(app)  # last: the dashboard's bundle at / (api.web)
    _declare_roles_in_openapi(app)
    app.state.route_groups = route_groups()
    app.add_middleware(ops.RequestGuard, max_body=api.max_request_bytes,
                       metrics=app.state.metrics, limits=limits, log=app.state.log)
    if api.cors_origins:  # outermost: preflight answers come before the limits
        app.add_middleware(
            CORSMiddleware, allow_origins=list(api.cors_origins), allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    _trace(app, settings)
    logging.getLogger("signaltrust.api").debug("API on %s", database.describe())
    return app


def serve_app() -> FastAPI:
    """The application ``signaltrust api`` serves (each uvicorn worker builds its own)."""
    return create_app(serving=True)


@contextlib.asynccontextmanager
async def _frozen_after_start_up(app: FastAPI) -> AsyncIterator[None]:
    from signaltrust.core.heap import freeze_heap

    freeze_heap()
    yield


def _trace(app: FastAPI, settings: Settings) -> None:
    """OpenTelemetry spans of requests and jobs when ``[tracing]`` (or
    OTEL_EXPORTER_OTLP_ENDPOINT) names a collector; ``app.state.tracer`` is None otherwise."""
    import os

    from signaltrust.ops import tracing

    provider = tracing.configured_provider(settings.tracing, os.environ, "api")
    app.state.tracer_provider = provider
    app.state.tracer = tracing.tracer(provider, "signaltrust.api")
    if provider is not None:
        tracing.instrument_api(app, provider)


def route_groups() -> list[str]:
    """The route groups under /api/v1 (``data``, ``signals`` ...): what API keys are scoped to.

    Read from the routers of :data:`ROUTERS` without building an app (``auth`` is left out:
    keys do not manage keys)."""
    groups = set()
    for module in ROUTERS:
        router = importlib.import_module(module).router
        for route in router.routes:
            path = (router.prefix + getattr(route, "path", "")).strip("/")
            if path:
                groups.add(path.split("/", 1)[0])
    return sorted(groups - {"auth"})


def _declare_roles_in_openapi(app: FastAPI) -> None:
    """Each operation of the OpenAPI document says its minimum role in ``x-min-role``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            roles = route_roles(app)
            declare_security(schema, roles)
            for found in roles:
                for method in found.methods:
                    operation = schema.get("paths", {}).get(found.path, {}).get(method.lower())
                    if operation is not None:
                        operation["x-min-role"] = found.role
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def _namespace(database: Database) -> str:
    """One rate-limit namespace per database: the workers of one installation share counts in
    Redis, other installations (and tests) on the same Redis do not."""
    import hashlib

    ident = f"{database.describe()}|{database.schema or ''}"
    return "st-" + hashlib.sha256(ident.encode("utf-8")).hexdigest()[:12]


def _schema_head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


__all__ = ["DOCUMENTED_TAGS", "ROUTERS", "create_app", "route_groups", "serve_app"]
