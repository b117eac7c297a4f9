"""The stand-alone job worker's ``--metrics-port``: its /metrics serve the jobs it ended and the
jobs by state. On SQLite and on the real PostgreSQL."""

from __future__ import annotations

import httpx

from tests.api.job_workers import SIX


def test_work_when_metrics_port_is_given_then_it_serves_job_metrics(installation):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    job = installation.submit("", SIX[0][1])
    process = installation.worker("--metrics-port", str(port))
    installation.wait("the job done", lambda: installation.job(job["id"])["status"] == "done")

    def scraped() -> str | None:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        except httpx.TransportError:
            return None
        return text if 'signaltrust_jobs_finished_total{kind="backtest",status="done"} 1.0' \
            in text else None

    text = installation.wait("the finished job in the metrics", scraped, 30)
    assert 'signaltrust_job_records{state="done"} 1.0' in text
    assert installation.stop(process)["ended"] == {job["id"]: "done"}
