"""What the API server needs from the configuration: the signing secret, and whether it may
listen on an address (beyond loopback only with a strong secret and TLS)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import limits

from signaltrust.core.config import ApiSettings
from signaltrust.core.errors import ConfigError

#: the shortest secret accepted beyond loopback (characters)
MIN_SECRET_LENGTH = 32
_WEAK = {"secret", "changeme", "change-me", "password", "signaltrust", "default"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name resolving elsewhere, or 0.0.0.0 spelt otherwise


def secret_is_strong(secret: str) -> bool:
    """Long enough, not a known default and not one repeated character."""
    return (
        len(secret) >= MIN_SECRET_LENGTH
        and secret.strip().lower() not in _WEAK
        and len(set(secret)) > 8
    )


def check_bind(settings: ApiSettings, host: str) -> None:
    """Refuse to listen on ``host`` beyond loopback without a strong secret and TLS files.

    Raises :class:`ConfigError` naming the missing setting and how to provide it.
    """
    if is_loopback(host):
        return
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if not secret_is_strong(secret):
        raise ConfigError(
            f"the API refuses to listen on {host} (beyond loopback) without a strong secret",
            field="api.secret_key", value="<unset>" if not secret else "<too weak>",
            fix=f"set SIGNALTRUST__API__SECRET_KEY to {MIN_SECRET_LENGTH}+ random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), or listen on "
            "127.0.0.1",
        )
    for name in ("tls_certfile", "tls_keyfile"):
        path = getattr(settings, name)
        if path is None or not Path(path).expanduser().is_file():
            raise ConfigError(
                f"the API refuses to listen on {host} (beyond loopback) without TLS",
                field=f"api.{name}", value=None if path is None else str(path),
                fix="set api.tls_certfile and api.tls_keyfile to PEM files, or listen on "
                "127.0.0.1 behind a TLS proxy",
            )


def signing_secret(settings: ApiSettings, home: Path) -> str:
    """The secret that signs access tokens: ``api.secret_key``, else a random one kept in
    ``<home>/api_secret.key`` (mode 0600) so that workers and restarts share it."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    path = Path(home).expanduser() / "api_secret.key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:  # O_EXCL: when two workers race, the second reads the first one's secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret


def parse_limit(text: str, field: str) -> limits.RateLimitItem:
    """A rate limit such as ``600/minute``; ConfigError naming the setting when unreadable."""
    try:
        return limits.parse(text)
    except ValueError as exc:
        raise ConfigError(
            f"the rate limit {text!r} cannot be read", field=field, value=text,
            fix="write it as COUNT/PERIOD, e.g. 600/minute or 10/second",
        ) from exc


__all__ = [
    "MIN_SECRET_LENGTH", "check_bind", "is_loopback", "parse_limit", "secret_is_strong",
    "signing_secret",
]
