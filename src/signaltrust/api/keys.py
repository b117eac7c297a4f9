"""API keys for programs: sent in the ``X-API-Key`` header, stored only as a SHA-256 (the key
is shown once, at creation), each with an owner, a role no higher than the owner's and scopes:
the route groups (``/api/v1/<group>/...``) it may call, ``*`` for all.

>>> from signaltrust.storage import Database
>>> from signaltrust.api.users import UserStore, fast_password_hash
>>> db = Database("sqlite://"); _ = db.upgrade()
>>> _ = UserStore(db, password_hash=fast_password_hash()).add("bot", "trader", "a long passphrase")
>>> keys = KeyStore(db)
>>> record, key = keys.create("feeder", owner="bot", role="viewer", scopes=["data"])
>>> keys.resolve(key).scopes
('data',)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from signaltrust.api.users import check_role, role_rank
from signaltrust.core.errors import ValidationError
from signaltrust.storage.api_tables import api_keys, users
from signaltrust.storage.database import Database

PREFIX = "stk_"
#: the route groups of the API's own routers (``/api/v1/<group>``); ``*`` is every group. The
#: app and the CLI check a key's scopes against the groups actually mounted
#: (``signaltrust.api.app.route_groups``); the store checks only their spelling.
SCOPES = ("data", "strategies", "models", "risk", "audit", "signals", "jobs", "nodes", "ws")
_SCOPE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_ID = re.compile(r"^[0-9a-f]{12}$")
_LAST_USED_EVERY_NS = 60 * 10**9  # a write per key per minute at most


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key's record (never the key itself)."""

    id: str
    name: str
    owner: str
    role: str
    scopes: tuple[str, ...]
    created_ns: int
    last_used_ns: int | None
    revoked_ns: int | None

    def allows(self, group: str) -> bool:
        """Whether the key may call routes of ``group``."""
        return "*" in self.scopes or group in self.scopes


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_scopes(scopes: Sequence[str], known: Sequence[str] | None = None) -> tuple[str, ...]:
    """The scopes, deduplicated, when each is ``*`` or a route group (one of ``known`` when
    given, else any lower-case name)."""
    groups = list(known) if known is not None else list(SCOPES)
    if not scopes:
        raise ValidationError("a key needs at least one scope", field="scopes", value=[],
                              fix=f"give * or some of {groups}")
    for scope in scopes:
        if scope == "*":
            continue
        if not _SCOPE.match(scope) or (known is not None and scope not in known):
            raise ValidationError(f"unknown scope {scope!r}", field="scopes", value=scope,
                                  fix=f"use * or some of {groups}")
    return tuple(dict.fromkeys(scopes))


class KeyStore:
    """The API keys of a database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(
        self, name: str, *, owner: str, role: str, scopes: Sequence[str] = ("*",),
        known_scopes: Sequence[str] | None = None,
    ) -> tuple[ApiKey, str]:
        """A new key for ``owner``: its record and the key (shown once, never stored).

        ``known_scopes``: the route groups the scopes must be among (the app's)."""
        check_role(role)
        scopes = check_scopes(scopes, known_scopes)
        if not name or len(name) > 64:
            raise ValidationError("a key name is 1-64 characters", field="name", value=name,
                                  fix="name it for the program that uses it")
        with self.database.engine.connect() as connection:
            owner_role = connection.execute(
                select(users.c.role).where(users.c.name == owner)).scalar()
        if owner_role is None:
            raise ValidationError(f"there is no user named {owner!r}", field="owner", value=owner,
                                  fix="create the user first: signaltrust users add")
        if role_rank(role) > role_rank(owner_role):
            raise ValidationError(
                f"a key cannot have a higher role than its owner ({owner_role})", field="role",
                value=role, fix=f"give the key the role {owner_role} or a lower one",
            )
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        row = {"id": key_id, "name": name, "owner": owner, "role": role, "scopes": list(scopes),
               "key_hash": _digest(secret), "created_ns": time.time_ns(), "last_used_ns": None,
               "revoked_ns": None}
        with self.database.engine.begin() as connection:
            connection.execute(insert(api_keys), row)
        return _key(row), f"{PREFIX}{key_id}_{secret}"

    def resolve(self, key: str) -> ApiKey | None:
        """The record of a valid, unrevoked key; None for anything else."""
        if not key.startswith(PREFIX) or len(key) < len(PREFIX) + 14:
            return None
        key_id, secret = key[len(PREFIX):len(PREFIX) + 12], key[len(PREFIX) + 13:]
        if not _ID.match(key_id):
            return None
        with self.database.engine.connect() as connection:
            row = connection.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None or row.revoked_ns is not None:
            return None
        if not hmac.compare_digest(row.key_hash, _digest(secret)):
            return None
        now = time.time_ns()
        if row.last_used_ns is None or now - row.last_used_ns > _LAST_USED_EVERY_NS:
            with self.database.engine.begin() as connection:
                connection.execute(
                    update(api_keys).where(api_keys.c.id == key_id).values(last_used_ns=now))
        return _key(row._mapping)

    def list(self, owner: str | None = None, *, revoked: bool = False) -> list[ApiKey]:
        """The keys (of ``owner``), newest first; revoked ones only when asked."""
        query = select(api_keys).order_by(api_keys.c.created_ns.desc())
        if owner is not None:
            query = query.where(api_keys.c.owner == owner)
        if not revoked:
            query = query.where(api_keys.c.revoked_ns.is_(None))
        with self.database.engine.connect() as connection:
            return [_key(row._mapping) for row in connection.execute(query).all()]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke the key with id ``key_id`` (the part after ``stk_``); its record."""
        with self.database.engine.begin() as connection:
            done = connection.execute(update(api_keys).where(
                api_keys.c.id == key_id, api_keys.c.revoked_ns.is_(None)
            ).values(revoked_ns=time.time_ns()))
            row = connection.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None or done.rowcount == 0 and row.revoked_ns is None:
            raise ValidationError(f"there is no key with id {key_id!r}", field="id",
                                  value=key_id, fix="see `signaltrust keys list`")
        return _key(row._mapping)


def _key(m: object) -> ApiKey:
    r = dict(m)  # type: ignore[call-overload]
    return ApiKey(r["id"], r["name"], r["owner"], r["role"], tuple(r["scopes"]),
                  int(r["created_ns"]), r["last_used_ns"], r["revoked_ns"])


__all__ = ["PREFIX", "SCOPES", "ApiKey", "KeyStore", "check_scopes"]
