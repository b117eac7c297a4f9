"""``signaltrust up``'s admin: created once with a printed one-time password, kept after."""

from __future__ import annotations

from signaltrust.api.users import UserStore, fast_password_hash
from signaltrust.cli.up import ADMIN, ensure_admin
from signaltrust.storage import Database


def test_ensure_admin_when_started_twice_then_a_password_only_the_first_time_or_when_renewed():
    database = Database("sqlite://")
    database.upgrade()
    users = UserStore(database, password_hash=fast_password_hash())
    first = ensure_admin(users)
    assert first and users.authenticate(ADMIN, first).role == "admin"
    assert ensure_admin(users) is None
    renewed = ensure_admin(users, renew=True)
    assert renewed and renewed != first
    assert users.authenticate(ADMIN, renewed).name == ADMIN
