"""The people who sign in to the API: a name, a role (viewer < trader < admin) and an argon2
hash of the password (pwdlib); repeated failed logins lock the account out for a while.

>>> from signaltrust.storage import Database
>>> db = Database("sqlite://"); _ = db.upgrade()
>>> users = UserStore(db, password_hash=fast_password_hash())
>>> users.add("ada", "trader", "a long passphrase").role
'trader'
>>> users.authenticate("ada", "a long passphrase").name
'ada'
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, insert, select, update

from signaltrust.core.errors import SignalTrustError, ValidationError
from signaltrust.storage.api_tables import api_keys, refresh_tokens, users
from signaltrust.storage.database import Database

#: the roles, lowest first: each may do what the ones before it may
ROLES = ("viewer", "trader", "admin")
MIN_PASSWORD_LENGTH = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class LoginRefused(SignalTrustError):
    """A wrong name or password (the message never says which)."""

    http_status = 401


class AccountLocked(SignalTrustError):
    """Too many failed logins: the account refuses every password until ``retry_after_s``."""

    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int, fix: str | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message, fix=fix)


@dataclass(frozen=True, slots=True)
class User:
    """A user as the API and the CLI show it (never the hash)."""

    name: str
    role: str
    created_ns: int
    failed_logins: int
    locked_until_ns: int | None


def check_role(role: str, field: str = "role") -> str:
    """``role`` when it is one of :data:`ROLES`; a ValidationError naming them otherwise."""
    if role not in ROLES:
        raise ValidationError(
            f"unknown role {role!r}", field=field, value=role, fix=f"use one of {list(ROLES)}"
        )
    return role


def role_rank(role: str) -> int:
    """0 for viewer, 1 for trader, 2 for admin."""
    return ROLES.index(check_role(role))


def fast_password_hash() -> PasswordHash:
    """Argon2id with light parameters: tests and examples only (a hash in a few ms)."""
    return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1),))


class UserStore:
    """Users in the application database; ``password_hash`` defaults to pwdlib's recommended
    argon2id parameters."""

    def __init__(self, database: Database, *, password_hash: PasswordHash | None = None) -> None:
        self.database = database
        self.password_hash = password_hash or PasswordHash.recommended()
        self._dummy: str | None = None  # verified against for unknown names: same timing

    def add(self, name: str, role: str, password: str) -> User:
        """Create the user; ValidationError when the name is taken or the password short."""
        if not _NAME.match(name or ""):
            raise ValidationError(
                "a user name is 1-64 letters, digits, '_', '.', '@' or '-'", field="name",
                value=name, fix="choose a name such as ada or ada@desk",
            )
        check_role(role)
        check_password(password)
        if self.get(name) is not None:
            raise ValidationError(
                f"the user {name!r} exists already", field="name", value=name,
                fix="choose another name, or remove the user first",
            )
        row = {"name": name, "role": role, "password_hash": self.password_hash.hash(password),
               "created_ns": time.time_ns(), "failed_logins": 0, "locked_until_ns": None}
        with self.database.engine.begin() as connection:
            connection.execute(insert(users), row)
        return _user(row)

    def get(self, name: str) -> User | None:
        """The user, or None."""
        with self.database.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).first()
        return None if row is None else _user(row._mapping)

    def list(self) -> list[User]:
        """Every user, by name."""
        with self.database.engine.connect() as connection:
            rows = connection.execute(select(users).order_by(users.c.name)).all()
        return [_user(row._mapping) for row in rows]

    def remove(self, name: str) -> None:
        """Delete the user, revoke its API keys and refresh tokens."""
        if self.get(name) is None:
            raise ValidationError(
                f"there is no user named {name!r}", field="name", value=name,
                fix="see `signaltrust users list`",
            )
        now = time.time_ns()
        with self.database.engine.begin() as connection:
            connection.execute(delete(users).where(users.c.name == name))
            connection.execute(update(api_keys).where(
                api_keys.c.owner == name, api_keys.c.revoked_ns.is_(None)).values(revoked_ns=now))
            connection.execute(update(refresh_tokens).where(
                refresh_tokens.c.user == name, refresh_tokens.c.revoked_ns.is_(None)
            ).values(revoked_ns=now))

    def set_role(self, name: str, role: str) -> User:
        """Give the user another role (its API keys above that role are revoked)."""
        check_role(role)
        with self.database.engine.begin() as connection:
            done = connection.execute(update(users).where(users.c.name == name).values(role=role))
            if done.rowcount == 0:
                raise ValidationError(f"there is no user named {name!r}", field="name",
                                      value=name, fix="see `signaltrust users list`")
            above = [r for r in ROLES if role_rank(r) > role_rank(role)]
            connection.execute(update(api_keys).where(
                api_keys.c.owner == name, api_keys.c.role.in_(above),
                api_keys.c.revoked_ns.is_(None)).values(revoked_ns=time.time_ns()))
        user = self.get(name)
        assert user is not None
        return user

    def set_password(self, name: str, password: str) -> None:
        """Replace the password (and lift a lock-out)."""
        check_password(password)
        with self.database.engine.begin() as connection:
            done = connection.execute(update(users).where(users.c.name == name).values(
                password_hash=self.password_hash.hash(password), failed_logins=0,
                locked_until_ns=None))
        if done.rowcount == 0:
            raise ValidationError(f"there is no user named {name!r}", field="name", value=name)

    def authenticate(
        self, name: str, password: str, *, max_failures: int = 5, lock_s: float = 900.0,
        now_ns: int | None = None,
    ) -> User:
        """The user when the password matches; :class:`LoginRefused` otherwise, and
        :class:`AccountLocked` once ``max_failures`` failures in a row lock it for ``lock_s``."""
        now = time.time_ns() if now_ns is None else now_ns
        with self.database.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).first()
        if row is None:
            self.password_hash.verify(password, self._dummy_hash())
            raise LoginRefused("wrong user name or password", fix="check both and try again")
        user = row._mapping
        locked_until = user["locked_until_ns"]
        if locked_until is not None and locked_until > now:
            raise _locked(locked_until, now)
        valid, new_hash = self.password_hash.verify_and_update(password, user["password_hash"])
        if not valid:
            failures = int(user["failed_logins"] or 0) + 1
            lock = now + int(lock_s * 1e9) if failures >= max_failures else None
            with self.database.engine.begin() as connection:
                connection.execute(update(users).where(users.c.name == name).values(
                    failed_logins=0 if lock else failures, locked_until_ns=lock))
            if lock is not None:
                raise _locked(lock, now)
            raise LoginRefused("wrong user name or password", fix="check both and try again")
        values: dict[str, object] = {"failed_logins": 0, "locked_until_ns": None}
        if new_hash is not None:  # parameters were raised since the hash was made
            values["password_hash"] = new_hash
        if user["failed_logins"] or locked_until is not None or new_hash is not None:
            with self.database.engine.begin() as connection:
                connection.execute(update(users).where(users.c.name == name).values(**values))
        return _user({**user, "failed_logins": 0, "locked_until_ns": None})

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.password_hash.hash("not a password of anyone")
        return self._dummy


def check_password(password: str) -> str:
    """``password`` when it has at least :data:`MIN_PASSWORD_LENGTH` characters."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password",
            value="<hidden>", fix="use a longer passphrase (several words)",
        )
    return password


def _locked(until_ns: int, now_ns: int) -> AccountLocked:
    wait = max(1, int((until_ns - now_ns) / 1e9 + 0.999))
    return AccountLocked(
        f"the account is locked after repeated failed logins; try again in {wait} s",
        retry_after_s=wait, fix="wait, or ask an admin to set a new password",
    )


def _user(row: object) -> User:
    m = dict(row)  # type: ignore[call-overload]
    return User(m["name"], m["role"], int(m["created_ns"]), int(m["failed_logins"] or 0),
                m["locked_until_ns"])


__all__ = [
    "MIN_PASSWORD_LENGTH", "ROLES", "AccountLocked", "LoginRefused", "User", "UserStore",
    "check_password", "check_role", "fast_password_hash", "role_rank",
]
