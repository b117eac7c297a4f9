"""``signaltrust keys``: API keys for programs (create, list, revoke); a key is printed once."""

from __future__ import annotations

from typing import Any

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table

app = typer.Typer(help="API keys (X-API-Key): create one for a user, list, revoke.\n\n"
                  "Example: signaltrust keys create reports --user ada --role viewer "
                  "--scope data", no_args_is_help=True)


SCOPE_OPTION = typer.Option(["*"], "--scope", help="A route group it may call (data, signals, "
                            "nodes ...); repeat; * for all.")


def _keys() -> Any:
    from signaltrust.api.keys import KeyStore
    from signaltrust.cli.paper import open_app_database

    return KeyStore(open_app_database())


def _plain(key: Any) -> dict[str, Any]:
    import pandas as pd

    def when(ns: int | None) -> str | None:
        return None if ns is None else pd.Timestamp(ns, tz="UTC").isoformat(timespec="seconds")

    return {"id": key.id, "name": key.name, "owner": key.owner, "role": key.role,
            "scopes": list(key.scopes), "created": when(key.created_ns),
            "last_used": when(key.last_used_ns), "revoked": when(key.revoked_ns)}


@app.command("create")
@handles_errors
def create(
    name: str = typer.Argument(..., help="What the key is for (e.g. the program's name)."),
    user: str = typer.Option(..., "--user", help="The user who owns the key."),
    role: str = typer.Option("viewer", "--role", help="viewer, trader or admin; at most the "
                             "owner's."),
    scope: list[str] = SCOPE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a key and print it once: only its hash is kept."""
    from signaltrust.api.app import route_groups

    record, key = _keys().create(name, owner=user, role=role, scopes=scope,
                                 known_scopes=route_groups())
    if as_json:
        print_json({**_plain(record), "key": key})
        return
    console.print(f"key {record.id} for {record.owner} ({record.role}; scopes "
                  f"{', '.join(record.scopes)}). Store it now, it is not shown again:")
    typer.echo(key)


@app.command("list")
@handles_errors
def list_keys(
    user: str | None = typer.Option(None, "--user", help="Only this user's keys."),
    revoked: bool = typer.Option(False, "--revoked", help="Show revoked keys too."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The keys (never the keys themselves): id, name, owner, role, scopes, last use."""
    rows = [_plain(k) for k in _keys().list(user, revoked=revoked)]
    if as_json:
        print_json(rows)
        return
    console.print(table("API keys", ["id", "name", "owner", "role", "scopes", "last used",
                                     "revoked"],
                        [[r["id"], r["name"], r["owner"], r["role"], ",".join(r["scopes"]),
                          r["last_used"] or "", r["revoked"] or ""] for r in rows]))


@app.command("revoke")
@handles_errors
def revoke(key_id: str = typer.Argument(..., help="The key's id (see `signaltrust keys list`)."),
           as_json: bool = JSON_OPTION) -> None:
    """Revoke a key: requests with it are refused from now on."""
    record = _keys().revoke(key_id)
    if as_json:
        print_json(_plain(record))
    else:
        console.print(f"revoked key {record.id} ({record.name} of {record.owner})")
