"""The authorisation matrix: every HTTP route of the app against anonymous, viewer, trader and
admin callers; the expected answer comes from the role the route declares."""

from __future__ import annotations

import re

import pytest

from signaltrust.api.security import PUBLIC, ROLES, route_roles

CALLERS = ("anonymous", *ROLES)
#: routes without a role, on purpose: probes, the documents and signing in
PUBLIC_ROUTES = {
    "/health", "/ready", "/openapi.json", "/docs", "/docs/oauth2-redirect",
    "/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/logout",
}


def _expected(role: str, caller: str) -> set[int] | None:
    """The statuses that mean refused (None: the caller may pass)."""
    if role == PUBLIC:
        return None
    if caller == "anonymous":
        return {401}
    if ROLES.index(caller) < ROLES.index(role):
        return {403}
    return None


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "nothing-here", path)


def test_routes_when_listed_then_each_declares_a_role_or_is_public_on_purpose(app):
    undeclared = {r.path for r in route_roles(app) if r.role == PUBLIC} - PUBLIC_ROUTES
    assert not undeclared, f"routes without require_role: {sorted(undeclared)}"


def test_openapi_when_read_then_each_operation_names_its_minimum_role(client):
    paths = client.get("/openapi.json").json()["paths"]
    missing = [(p, m) for p, ops in paths.items() for m, op in ops.items()
               if "x-min-role" not in op]
    assert not missing


@pytest.mark.slow  # every route four times, MLflow's store created once: ~20 s
def test_every_route_when_called_by_each_role_then_refused_exactly_below_its_role(
        app, client, headers):
    calls = refusals = 0
    wrong = []
    for found in route_roles(app):
        for method in found.methods:
            for caller in CALLERS:
                answer = client.request(method, _concrete(found.path),
                                        headers=headers.get(caller, {}))
                expected = _expected(found.role, caller)
                calls += 1
                if expected is None:
                    if answer.status_code in (401, 403):
                        wrong.append((method, found.path, caller, answer.status_code))
                else:
                    refusals += 1
                    if answer.status_code not in expected:
                        wrong.append((method, found.path, caller, answer.status_code))
                assert answer.status_code < 500, (method, found.path, caller, answer.text)
    assert not wrong, wrong
    assert calls == 4 * sum(len(r.methods) for r in route_roles(app))
    assert refusals > 0


@pytest.mark.parametrize("caller", ["viewer", "trader"])
def test_admin_route_when_called_below_admin_then_403_names_the_role(client, headers, caller):
    answer = client.get("/api/v1/audit", headers=headers[caller])
    assert answer.status_code == 403
    body = answer.json()
    assert body["field"] == "role" and body["value"] == caller and "admin" in body["message"]


def test_protected_route_when_anonymous_then_401_asks_for_a_bearer(client):
    answer = client.get("/api/v1/auth/me")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
