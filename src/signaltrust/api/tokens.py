"""Access tokens (PyJWT, HS256, 15 minutes by default) and refresh tokens (opaque, stored as a
SHA-256, used once: each refresh hands out a new one; reusing a spent one revokes the family,
since only a thief would replay it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import delete, insert, select, update

from signaltrust.core.errors import SignalTrustError
from signaltrust.storage.api_tables import refresh_tokens, users
from signaltrust.storage.database import Database

ALGORITHM = "HS256"
ISSUER = "signaltrust"


class TokenRefused(SignalTrustError):
    """A token that is expired, revoked, reused, malformed or signed with another secret."""

    http_status = 401


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What ``POST /auth/token`` and ``/auth/refresh`` answer."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The checked claims of an access token."""

    name: str
    role: str
    expires: int


class TokenIssuer:
    """Signs and checks access tokens; hands out, rotates and revokes refresh tokens."""

    def __init__(
        self, database: Database, secret: str, *, access_minutes: float = 15.0,
        refresh_days: float = 7.0,
    ) -> None:
        self.database = database
        self._secret = secret
        self.access_s = int(access_minutes * 60)
        self.refresh_s = int(refresh_days * 86400)
        #: access tokens already verified, by their exact text (signature included), until
        #: they expire: a client sends the same token on every request, and checking an
        #: HMAC and three base64 JSON segments each time is most of an authorised request
        self._verified: dict[str, AccessClaims] = {}

    # -- access tokens ----------------------------------------------------------------------
    def access_token(self, name: str, role: str, *, now: float | None = None) -> str:
        """A signed access token for ``name`` with ``role``."""
        issued = int(time.time() if now is None else now)
        claims = {"sub": name, "role": role, "iat": issued, "exp": issued + self.access_s,
                  "iss": ISSUER, "typ": "access", "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def check_access(self, token: str) -> AccessClaims:
        """The claims of a valid access token; :class:`TokenRefused` otherwise.

        A token seen before is answered from memory while it has not expired (the same
        expiry test as PyJWT's: expired from its ``exp`` second on)."""
        known = self._verified.get(token)
        if known is not None:
            if time.time() < known.expires:
                return known
            del self._verified[token]
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRefused("the access token has expired",
                               fix="get a new one with POST /api/v1/auth/refresh") from None
        except jwt.InvalidTokenError as exc:
            raise TokenRefused(f"the access token is not valid ({exc})",
                               fix="sign in again with POST /api/v1/auth/token") from None
        if claims.get("typ") != "access":
            raise TokenRefused("not an access token", fix="send the access_token as Bearer")
        checked = AccessClaims(str(claims["sub"]), str(claims.get("role")), int(claims["exp"]))
        if len(self._verified) >= 10_000:  # bounded: one entry per live token
            self._verified.clear()
        self._verified[token] = checked
        return checked

    # -- refresh tokens ------------------------------------------------------------------------
    def issue(self, name: str, role: str, *, family: str | None = None) -> TokenPair:
        """A new access token and a new refresh token (in ``family``, else a new family)."""
        token_id = uuid.uuid4().hex
        secret = secrets.token_urlsafe(32)
        now = time.time_ns()
        with self.database.engine.begin() as connection:
            connection.execute(delete(refresh_tokens).where(  # the user's dead tokens go
                refresh_tokens.c.user == name, refresh_tokens.c.expires_ns < now))
            connection.execute(insert(refresh_tokens), {
                "id": token_id, "user": name, "family": family or uuid.uuid4().hex,
                "token_hash": _digest(secret), "created_ns": now,
                "expires_ns": now + self.refresh_s * 10**9, "used_ns": None, "revoked_ns": None,
            })
        return TokenPair(self.access_token(name, role), f"{token_id}.{secret}", self.access_s)

    def refresh(self, refresh_token: str) -> TokenPair:
        """Spend ``refresh_token`` for a new pair; a spent token revokes its whole family."""
        row = self._find(refresh_token)
        now = time.time_ns()
        if row.revoked_ns is not None:
            raise TokenRefused("the refresh token was revoked", fix="sign in again")
        if row.used_ns is not None:
            self._revoke_family(row.family)
            raise TokenRefused(
                "the refresh token was used already; every token of this sign-in is revoked",
                fix="sign in again (and look for a leaked token)",
            )
        if row.expires_ns <= now:
            raise TokenRefused("the refresh token has expired", fix="sign in again")
        with self.database.engine.begin() as connection:
            spent = connection.execute(update(refresh_tokens).where(
                refresh_tokens.c.id == row.id, refresh_tokens.c.used_ns.is_(None)
            ).values(used_ns=now))
            role = connection.execute(select(users.c.role).where(users.c.name == row.user)).scalar()
        if spent.rowcount == 0:  # another request spent it between our read and write
            self._revoke_family(row.family)
            raise TokenRefused("the refresh token was used already", fix="sign in again")
        if role is None:
            raise TokenRefused("the user no longer exists", fix="ask an admin")
        return self.issue(row.user, role, family=row.family)

    def revoke(self, refresh_token: str) -> str:
        """Revoke every token of the refresh token's family (log out); the user's name."""
        row = self._find(refresh_token)
        self._revoke_family(row.family)
        return str(row.user)

    def _find(self, refresh_token: str) -> Any:
        token_id, _, secret = (refresh_token or "").partition(".")
        with self.database.engine.connect() as connection:
            row = connection.execute(
                select(refresh_tokens).where(refresh_tokens.c.id == token_id[:32])).first()
        if row is None or not hmac.compare_digest(row.token_hash, _digest(secret)):
            raise TokenRefused("the refresh token is not known", fix="sign in again")
        return row

    def _revoke_family(self, family: str) -> None:
        with self.database.engine.begin() as connection:
            connection.execute(update(refresh_tokens).where(
                refresh_tokens.c.family == family, refresh_tokens.c.revoked_ns.is_(None)
            ).values(revoked_ns=time.time_ns()))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


__all__ = ["ALGORITHM", "AccessClaims", "TokenIssuer", "TokenPair", "TokenRefused"]
