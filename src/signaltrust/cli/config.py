"""``signaltrust config``: the effective configuration."""

from __future__ import annotations

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json
from signaltrust.core.config import config_path, load_settings

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


@app.command("show")
@handles_errors
def show(as_json: bool = JSON_OPTION) -> None:
    """Print the effective configuration with secrets masked.

    Example: SIGNALTRUST__BACKTEST__FEES=0.0005 signaltrust config show --json
    """
    settings = load_settings()
    payload = {"config_file": str(config_path()), **settings.masked()}
    if as_json:
        print_json(payload)
        return
    console.print(f"[bold]config file[/]: {payload.pop('config_file')}")
    for key, value in payload.items():
        if isinstance(value, dict):
            console.print(f"[bold]\\[{key}][/]")
            for sub, sub_value in value.items():
                console.print(f"  {sub} = {sub_value!r}", highlight=False)
        else:
            console.print(f"{key} = {value!r}", highlight=False)


@app.command("path")
def path() -> None:
    """Print the path of the TOML file that is read at start.

    Example: signaltrust config path
    """
    typer.echo(str(config_path()))
