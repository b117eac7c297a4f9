"""``signaltrust users``: the people who sign in to the API (add, list, remove, role, password)."""

from __future__ import annotations

from typing import Any

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table

app = typer.Typer(help="API users and their roles (viewer < trader < admin).\n\n"
                  "Example: signaltrust users add ada --role trader", no_args_is_help=True)

PASSWORD_OPTION = typer.Option(
    None, "--password", help="The password (10+ characters); asked for, hidden, when omitted.")


def _users() -> Any:
    from signaltrust.api.users import UserStore
    from signaltrust.cli.paper import open_app_database

    return UserStore(open_app_database())


def _password(password: str | None) -> str:
    if password is not None:
        return password
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _plain(user: Any) -> dict[str, Any]:
    import pandas as pd

    locked = user.locked_until_ns
    return {"name": user.name, "role": user.role,
            "created": pd.Timestamp(user.created_ns, tz="UTC").isoformat(timespec="seconds"),
            "locked_until": None if locked is None else
            pd.Timestamp(locked, tz="UTC").isoformat(timespec="seconds")}


@app.command("add")
@handles_errors
def add(
    name: str = typer.Argument(..., help="The user name (letters, digits, _ . @ -)."),
    role: str = typer.Option(..., "--role", help="viewer, trader or admin."),
    password: str | None = PASSWORD_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a user who signs in with POST /api/v1/auth/token."""
    from signaltrust.api.users import check_role

    check_role(role)
    user = _users().add(name, role, _password(password))
    if as_json:
        print_json(_plain(user))
    else:
        console.print(f"added {user.name} ({user.role})")


@app.command("list")
@handles_errors
def list_users(as_json: bool = JSON_OPTION) -> None:
    """Every user with its role."""
    rows = [_plain(u) for u in _users().list()]
    if as_json:
        print_json(rows)
        return
    console.print(table("users", ["name", "role", "created", "locked until"],
                        [[r["name"], r["role"], r["created"], r["locked_until"] or ""]
                         for r in rows]))


@app.command("remove")
@handles_errors
def remove(name: str = typer.Argument(..., help="The user to remove."),
           as_json: bool = JSON_OPTION) -> None:
    """Remove a user; its API keys and refresh tokens are revoked."""
    _users().remove(name)
    if as_json:
        print_json({"removed": name})
    else:
        console.print(f"removed {name} (its keys and refresh tokens are revoked)")


@app.command("password")
@handles_errors
def password(name: str = typer.Argument(..., help="The user."),
             new: str | None = PASSWORD_OPTION) -> None:
    """Set a new password (lifts a lock-out)."""
    _users().set_password(name, _password(new))
    console.print(f"password of {name} changed")


@app.command("role")
@handles_errors
def role(name: str = typer.Argument(..., help="The user."),
         new_role: str = typer.Argument(..., help="viewer, trader or admin."),
         as_json: bool = JSON_OPTION) -> None:
    """Give a user another role (its keys above the new role are revoked; its signed-in
    sessions take the new role within seconds)."""
    user = _users().set_role(name, new_role)
    if as_json:
        print_json(_plain(user))
    else:
        console.print(f"{user.name} is now {user.role}")
