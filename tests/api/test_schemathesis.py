"""schemathesis over the OpenAPI document: at least 5,000 generated requests in all (every
operation, as admin so that they reach the handlers), no server error, no response outside its
schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from signaltrust.api.services.jobs import JobRunner
from signaltrust.api.services.signals import SignalService
from tests.api.conftest import add_users, make_app, sign_in

#: generated requests per operation (about 5,300 in all over the 57 operations fuzzed)
EXAMPLES = 96
TOTAL = 5_000
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
#: operations of other routers that answer 500 to generated input, left out until fixed
#: (each found by this test; remove the line with the fix)
KNOWN_SERVER_ERRORS: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    app = make_app(tmp, rate_limit="1000000/minute", address_rate_limit="1000000/minute",
                   login_rate_limit="1000000/minute")
    add_users(app)
    app.state.jobs = JobRunner(app.state.database, output_dir=tmp / "jobs", pool="thread",
                               workers=1)
    app.state.signals = SignalService(tracking_uri=f"sqlite:///{tmp / 'mlflow.db'}",
                                      lock_dir=tmp / "locks")
    yield app
    app.state.jobs.shutdown()
    nodes = getattr(app.state, "nodes", None)
    for process in (nodes._processes.values() if nodes else ()):
        if process.poll() is None:
            process.kill()
            process.wait(10)
    app.state.database.dispose()


def _fuzz(operation, headers, counted, failures):
    """A hypothesis test of one operation: every case is sent and checked."""
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        counted["requests"] += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=120)
        except Exception as exc:  # collect every failing operation, then report them all
            failures.append(f"{label}: {str(exc)[:400]}")
            raise

    return run


@pytest.mark.slow
def test_openapi_when_fuzzed_then_no_server_error_and_every_answer_in_its_schema(api):
    from fastapi.testclient import TestClient

    with TestClient(api) as client:
        token = sign_in(client, "admin").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", api)
    counted = {"requests": 0}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        # signing out or revoking what the run signs in with would end the run, not test it
        if operation.path in ("/api/v1/auth/logout", "/api/v1/auth/refresh"):
            continue
        if (operation.method.upper(), operation.path) in KNOWN_SERVER_ERRORS:
            continue
        run = _fuzz(operation, headers, counted, failures)
        before = len(failures)
        try:
            run()
        except Exception:
            if len(failures) == before:  # not a failed check: a broken test, say so
                raise
    print(f"schemathesis: {counted['requests']:,} requests over {len(operations)} operations")
    assert not failures, "\n".join(failures[:20])
    assert counted["requests"] >= TOTAL, counted
