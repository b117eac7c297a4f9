"""The API's tables (SQLAlchemy Core): users, refresh tokens, API keys and the audit log.

- ``api_users``: a person who signs in, with a role (viewer < trader < admin), an argon2 hash of
  the password and the count of failed logins that locks the account out for a while;
- ``api_refresh_tokens``: the refresh tokens handed out, by id, stored as a SHA-256 of the
  secret part; a token is used once (rotation) and every token of one sign-in shares a
  ``family``, so reusing an old one revokes the whole family;
- ``api_keys``: long-lived keys for programs, stored as a SHA-256 (the key is shown once), each
  with an owner, a role no higher than the owner's and the route groups it may call (scopes);
- ``api_risk_state``: what the API's operators set for risk: limit overrides over ``[risk]``
  and the kill switch (one row per key, with who set it and when);
- ``api_audit``: every state-changing action with its actor, each row's hash covering the row
  and the hash of the row before (a hash chain: a changed or removed row breaks it).

The migration ``0002`` creates them; the tables share the metadata of ``storage.tables``.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, Text

from signaltrust.storage.tables import metadata

users = Table(
    "api_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until_ns", BigInteger),
)

refresh_tokens = Table(
    "api_refresh_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user", String(64), nullable=False),
    Column("family", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("expires_ns", BigInteger, nullable=False),
    Column("used_ns", BigInteger),
    Column("revoked_ns", BigInteger),
)
Index("ix_api_refresh_tokens_family", refresh_tokens.c.family)
Index("ix_api_refresh_tokens_user", refresh_tokens.c.user)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("last_used_ns", BigInteger),
    Column("revoked_ns", BigInteger),
)
Index("ix_api_keys_owner", api_keys.c.owner)

risk_state = Table(
    "api_risk_state",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)

audit_log = Table(
    "api_audit",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts_ns", BigInteger, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("via", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(256), nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

__all__ = ["api_keys", "audit_log", "refresh_tokens", "risk_state", "users"]
