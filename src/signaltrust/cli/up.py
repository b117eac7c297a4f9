"""``signaltrust up``: the API, the dashboard at ``/`` and a paper node, in one command.

It migrates the application database, makes sure an ``admin`` user exists (a new one gets a
random password, printed once with the URL), starts a paper node replaying the bundled S&P 500
at an accelerated speed as a background process (the same name every time, so a second ``up``
resumes it from its journal) and serves the API on uvicorn in this process. Ctrl-C stops the
server, then asks the node to stop (it journals its state) and waits for it.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from typing import Any

import typer

from signaltrust.cli.console import console, err_console, handles_errors

ADMIN = "admin"
NODE = "sp500-demo"
#: five trading days of market time a second: the S&P 500's years replay in minutes
DEFAULT_SPEED = str(86400 * 5)


@handles_errors
def up(
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to serve on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by "
                             "default; beyond it the API asks for a secret and TLS)."),
    node: str = typer.Option(NODE, "--node", help="The paper node's name (its journal's key: "
                             "the same name resumes)."),
    data: str = typer.Option("sp500", "--data", help="The bars the node replays."),
    strategy: str = typer.Option("sma_cross", "--strategy", help="The node's strategy."),
    speed: str = typer.Option(DEFAULT_SPEED, "--speed", help="Replay speed: max or a factor "
                              "of real time (432000: five days a second)."),
    no_node: bool = typer.Option(False, "--no-node", help="Serve without starting a node."),
    new_password: bool = typer.Option(False, "--new-password", help="Give the admin a new "
                                      "one-time password (printed)."),
) -> None:
    """Start the API, the dashboard and a paper node replaying the S&P 500; Ctrl-C stops.

    Example: signaltrust up --port 8000
    """
    import uvicorn

    from signaltrust.api.app import create_app
    from signaltrust.api.services.state import nodes_of
    from signaltrust.api.settings import check_bind
    from signaltrust.api.web import bundle_dir
    from signaltrust.cli.api import log_config
    from signaltrust.cli.paper import open_app_database
    from signaltrust.core.config import load_settings

    settings = load_settings()
    check_bind(settings.api, host)
    database = open_app_database()
    app = create_app(settings, database=database, serving=True)  # a long-lived server
    password = ensure_admin(app.state.access.users, renew=new_password)
    nodes = nodes_of(app)
    started = None if no_node else start_node(nodes, node, data=data, strategy=strategy,
                                              speed=speed)
    url = f"http://{host}:{port}/"
    dashboard = (bundle_dir() / "index.html").is_file()
    note = "" if dashboard else " (API only: no dashboard bundle; run make web)"
    console.print(f"SignalTrust on [bold]{url}[/]{note}", highlight=False, soft_wrap=True)
    if password:
        console.print(f"  sign in as [bold]{ADMIN}[/] with the one-time password "
                      f"[bold]{password}[/] (shown once; change it with signaltrust users "
                      f"password {ADMIN})", highlight=False, soft_wrap=True)
    else:
        console.print(f"  sign in as {ADMIN} with its password (a new one: signaltrust up "
                      "--new-password)", highlight=False, soft_wrap=True)
    if started:
        console.print(f"  paper node {node}: {started} ({data}, {strategy}, speed {speed})",
                      highlight=False, soft_wrap=True)
    console.print("  Ctrl-C stops", highlight=False, soft_wrap=True)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=log_config(),
                                           proxy_headers=False))
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: this stop is normal
        pass
    finally:
        if started:
            stop_node(nodes, node)
        database.dispose()
    err_console.print("stopped", highlight=False, soft_wrap=True)


def ensure_admin(users: Any, *, renew: bool = False) -> str | None:
    """Create the admin user with a random password (returned) unless it exists; ``renew``
    gives an existing admin a new one. None when the password was left as it is."""
    password = secrets.token_urlsafe(12)
    if users.get(ADMIN) is None:
        users.add(ADMIN, "admin", password)
        return password
    if renew:
        users.set_password(ADMIN, password)
        return password
    return None


def start_node(nodes: Any, name: str, *, data: str, strategy: str, speed: str) -> str:
    """Start (or resume) the paper node ``name``; what happened, in words."""
    from signaltrust.api.services.nodes import RUNNING

    record = nodes.registry.get(name)
    if record is not None and nodes.status_of(record) in RUNNING:
        return f"already running (pid {record.pid})"
    resumed = record is not None
    nodes.start(name, data=data, strategy=strategy, speed=speed)
    nodes.wait_started(name, timeout=60.0)
    return "resumed from its journal" if resumed else "started"


def stop_node(nodes: Any, name: str, timeout: float = 10.0) -> None:
    """Ask the node to stop, wait for its process; terminate it if it does not answer."""
    process = nodes._processes.get(name)
    with contextlib.suppress(Exception):  # best effort: the process is ended below
        nodes.command(name, "stop", actor="signaltrust up", wait=min(timeout, 5.0))
    if process is None:
        return
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if process.poll() is None:
        process.terminate()
        process.wait(5)

