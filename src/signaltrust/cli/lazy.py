"""Sub-commands that load on use: ``signaltrust --help`` lists them without importing them.

Each command's module (and what it imports: pandas, numba kernels, scikit-learn, Optuna, ...)
is imported only when that command runs or its own ``--help`` is asked for. The top-level help
shows the one-line description written here; a test checks it equals the command's own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import click
import typer
from typer.core import TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """A sub-command: its name, ``"module:attribute"`` (a Typer app or a function) and help line."""

    name: str
    target: str
    help: str

    def load(self) -> click.Command:
        """Import the module and build the click command (a group for a Typer app)."""
        module_name, _, attribute = self.target.partition(":")
        obj = getattr(importlib.import_module(module_name), attribute)
        if isinstance(obj, typer.Typer):
            command: click.Command = typer.main.get_group(obj)
        else:
            single = typer.Typer()
            single.command(self.name)(obj)
            command = typer.main.get_command(single)
        command.name = self.name
        return command


class LazyGroup(TyperGroup):
    """A Typer group whose ``LAZY`` sub-commands are imported when first needed."""

    LAZY: tuple[LazyCommand, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False  # True while the help text of this group is written

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = super().list_commands(ctx)
        return [c.name for c in self.LAZY if c.name not in eager] + eager

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        spec = next((c for c in self.LAZY if c.name == cmd_name), None)
        if spec is None:
            return None
        if self._listing:  # the help only needs the name and the line
            return click.Command(spec.name, help=spec.help, short_help=spec.help)
        command = spec.load()
        self.add_command(command, spec.name)
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
