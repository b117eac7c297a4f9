"""A container's health check: ``python -m signaltrust.ops.probe [PATH]`` asks the API on this
host for ``/health`` (or PATH) over HTTPS when TLS is configured, and exits 0 when it answers 200.

The probe runs inside the API's own container against 127.0.0.1, so the certificate (issued for
the service's name) is not checked against that address; everything else about TLS is.
"""

from __future__ import annotations

import os
import ssl
import sys
import urllib.request


def probe_url(environ: dict[str, str] | os._Environ[str], path: str = "/health") -> str:
    """The URL to probe: https when ``SIGNALTRUST__API__TLS_CERTFILE`` is set, the port of
    ``SIGNALTRUST__API__PORT`` (8000 by default)."""
    scheme = "https" if environ.get("SIGNALTRUST__API__TLS_CERTFILE") else "http"
    port = environ.get("SIGNALTRUST__API__PORT", "8000")
    return f"{scheme}://127.0.0.1:{port}{path}"


def check(url: str, timeout_s: float = 4.0) -> bool:
    """True when ``url`` answers 200 within ``timeout_s``."""
    context = None
    if url.startswith("https://"):
        context = ssl.create_default_context()
        context.check_hostname = False  # 127.0.0.1 is not the certificate's name
        context.verify_mode = ssl.CERT_NONE  # nosec B501 - loopback probe of our own process
    try:
        with urllib.request.urlopen(url, timeout=timeout_s, context=context) as answer:  # nosec B310 - http(s) only, built above
            return int(answer.status) == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    return 0 if check(probe_url(os.environ, args[0] if args else "/health")) else 1


if __name__ == "__main__":
    raise SystemExit(main())
