"""``signaltrust models``: list registered models, show a version, promote a version by alias."""

from __future__ import annotations

from typing import Any

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table

app = typer.Typer(
    help="Registered models (MLflow): list, show a version's record, promote by alias.\n\n"
    "Example: signaltrust models promote sp500_lgbm 3 --alias production",
    no_args_is_help=True,
)


def registry_uri() -> str:
    """The registry of this run: ``MLFLOW_TRACKING_URI`` if set, else the home's SQLite store.

    The command line is the boundary that reads the configuration and the environment; the
    library is handed the URI.
    """
    import os

    from signaltrust.core.config import load_settings
    from signaltrust.ml.registry import tracking_uri

    return tracking_uri(load_settings().home, os.environ)


def _registry() -> Any:
    """The registry, read directly from its SQL store (no MLflow import) unless MLflow's
    workspaces are enabled in the environment (then MLflow picks the workspace)."""
    import os

    from signaltrust.ml.registry import ModelRegistry

    workspaces = os.environ.get("MLFLOW_ENABLE_WORKSPACES", "").strip().lower() in ("1", "true")
    return ModelRegistry(registry_uri(), reads="mlflow" if workspaces else "auto")


@app.command("list")
@handles_errors
def list_cmd(as_json: bool = JSON_OPTION) -> None:
    """List registered models with their latest version and aliases."""
    models = _registry().list_models()
    if as_json:
        print_json({"models": [m.to_dict() for m in models]})
        return
    if not models:
        console.print("no registered models yet (log one with "
                      "signaltrust.ml.registry.log_training_run)")
        return
    rows = [[m.name, m.latest_version, len(m.versions),
             ", ".join(f"{a}={v}" for a, v in m.aliases.items()) or "-",
             m.updated.strftime("%Y-%m-%d %H:%M")] for m in models]
    console.print(table("Registered models", ["name", "latest", "versions", "aliases",
                                              "updated (UTC)"], rows))


@app.command("show")
@handles_errors
def show(
    name: str = typer.Argument(..., help="The registered model name."),
    version: str | None = typer.Option(
        None, "--version", "-v", help="A version number or an alias (production); default latest."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one version: data hash, features, parameters, seeds, metrics and aliases."""
    mv = _registry().get_model_version(name, version)
    if as_json:
        print_json(mv.to_dict())
        return
    head = [["name", mv.name], ["version", mv.version],
            ["aliases", ", ".join(mv.aliases) or "-"], ["model", mv.model_class],
            ["data hash", mv.data_hash], ["run", mv.run_id],
            ["created (UTC)", mv.created.strftime("%Y-%m-%d %H:%M:%S")],
            ["features", f"{len(mv.features)}: {', '.join(mv.features)}"],
            ["seeds", ", ".join(f"{k}={v}" for k, v in mv.seeds.items()) or "-"]]
    console.print(table(f"{mv.name} v{mv.version}", ["field", "value"], head))
    console.print(table("Metrics", ["metric", "value"],
                        [[k, _fmt(v)] for k, v in _flat(mv.metrics).items()]))
    console.print(table("Parameters", ["parameter", "value"],
                        [[k, v] for k, v in mv.params.items()]))


@app.command("promote")
@handles_errors
def promote(
    name: str = typer.Argument(..., help="The registered model name."),
    version: int = typer.Argument(..., help="The version number to promote."),
    alias: str = typer.Option("production", "--alias", "-a",
                              help="The alias to point at it (production, staging, ...)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Point an alias (default production) at a version."""
    mv = _registry().promote(name, version, alias)
    if as_json:
        print_json({"name": mv.name, "version": mv.version, "alias": alias,
                    "aliases": mv.aliases})
        return
    console.print(f"{mv.name} version {mv.version} is now {alias!r} "
                  f"(aliases: {', '.join(mv.aliases)})", highlight=False)


def _flat(metrics: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in metrics.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, f"{key}."))
        else:
            out[key] = v
    return out


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
