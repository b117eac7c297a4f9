"""``signaltrust api``: serve the API on uvicorn (loopback by default; beyond it only with a
strong secret and TLS)."""

from __future__ import annotations

from typing import Any

import typer

from signaltrust.cli.console import err_console, handles_errors


@handles_errors
def api(
    host: str = typer.Option(None, "--host", help="Address to listen on (default api.host, "
                             "127.0.0.1)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="Port (default api.port, "
                             "8000)."),
    workers: int = typer.Option(None, "--workers", min=1, max=64, help="Worker processes "
                                "(default api.workers, 1)."),
) -> None:
    """Serve the SignalTrust API (FastAPI on uvicorn): /docs, /openapi.json, /api/v1/...

    Example: signaltrust api --port 8000 --workers 2
    """
    import uvicorn

    from signaltrust.api.settings import check_bind, is_loopback, signing_secret
    from signaltrust.cli.paper import open_app_database
    from signaltrust.core.config import load_settings

    settings = load_settings()
    host = host or settings.api.host
    port = port or settings.api.port
    workers = workers or settings.api.workers
    check_bind(settings.api, host)
    open_app_database().dispose()  # migrations run once, before the workers start
    _multiprocess_metrics(workers, settings.home)
    signing_secret(settings.api, settings.home)  # created once, read by every worker
    tls = settings.api.tls_certfile is not None and settings.api.tls_keyfile is not None
    scheme = "https" if tls else "http"
    err_console.print(f"SignalTrust API on {scheme}://{host}:{port} ({workers} worker(s)); "
                      f"docs at {scheme}://{host}:{port}/docs"
                      + ("" if is_loopback(host) else " - listening beyond loopback"))
    uvicorn.run(
        "signaltrust.api.app:serve_app", factory=True, host=host, port=port, workers=workers,
        ssl_certfile=str(settings.api.tls_certfile) if tls else None,
        ssl_keyfile=str(settings.api.tls_keyfile) if tls else None,
        log_config=log_config(), proxy_headers=False,
    )


def _multiprocess_metrics(workers: int, home: Any) -> None:
    """Several workers: each writes its metrics under PROMETHEUS_MULTIPROC_DIR (set here, before
    they start, to <home>/api/prometheus unless given; emptied of the last run's files) and
    /metrics sums them whichever worker answers."""
    import os
    from pathlib import Path

    from signaltrust.ops.metrics import reset_multiprocess_dir

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if workers > 1 or given:
        folder = reset_multiprocess_dir(given or Path(home) / "api" / "prometheus")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def log_config() -> dict[str, object]:
    """uvicorn's logging, applied in every worker: uvicorn's own lines at WARNING, and the
    API's one JSON line per request (``signaltrust.api``) on stdout, without uvicorn's own
    access lines that would repeat them."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"message": {"format": "%(message)s"},
                       "default": {"()": "uvicorn.logging.DefaultFormatter",
                                   "fmt": "%(levelprefix)s %(message)s"}},
        "handlers": {
            "json": {"class": "logging.StreamHandler", "formatter": "message",
                     "stream": "ext://sys.stdout"},
            "default": {"class": "logging.StreamHandler", "formatter": "default",
                        "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "signaltrust.api": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": "WARNING", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
