"""``signaltrust jobs``: the stand-alone job worker that runs the API's queued research jobs."""

from __future__ import annotations

import signal
import threading

import typer

from signaltrust.cli.console import JSON_OPTION, err_console, handles_errors, print_json
from signaltrust.cli.observability import METRICS_PORT_OPTION

app = typer.Typer(
    help="Research jobs of the API: run the queued ones in a worker of their own.\n\n"
    "Example: signaltrust jobs work --workers 2",
    no_args_is_help=True,
)


@app.command("work")
@handles_errors
def work(
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=256,
        help="Jobs run at once, each in a process of its own (default jobs.workers)."),
    metrics_port: int | None = METRICS_PORT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the jobs the API queues (jobs.backend = "queue") until SIGTERM or Ctrl-C.

    Each job is claimed by one worker only, runs with the code of the API's own pool, and
    writes its progress and result to the shared database and its files under <home>/api/jobs.
    Stopped, the worker puts the jobs it runs back in the queue (they start again elsewhere);
    killed, its jobs are marked interrupted by the other workers or the API.

    Example: signaltrust jobs work --workers 2 --metrics-port 9102
    """
    from signaltrust.api.services.job_worker import JobWorker
    from signaltrust.api.services.jobs import output_dir
    from signaltrust.cli.observability import serving_metrics
    from signaltrust.cli.paper import open_app_database
    from signaltrust.core.config import load_settings
    from signaltrust.ops.metrics import JobMetrics, JobStateCollector

    settings = load_settings()
    database = open_app_database()
    try:
        with serving_metrics(metrics_port,
                             lambda _: [JobStateCollector(database)]) as registry:
            worker = JobWorker(
                database, output_dir=output_dir(settings.home),
                workers=workers or settings.jobs.workers,
                metrics=None if registry is None else JobMetrics(registry))
            if settings.jobs.backend != "queue":
                err_console.print(f"note: [jobs] backend is {settings.jobs.backend!r}: the API "
                                  "runs its jobs itself and queues none for this worker (set "
                                  "it to \"queue\")", highlight=False)
            err_console.print(f"job worker {worker.owner}: {worker.workers} process(es) on "
                              f"{database.describe()}; files under {worker.output_dir}",
                              highlight=False)
            stop = threading.Event()
            previous = {s: signal.signal(s, lambda *_: stop.set())
                        for s in (signal.SIGTERM, signal.SIGINT)}
            try:
                summary = worker.run(stop)
            finally:
                for number, handler in previous.items():
                    signal.signal(number, handler)
    finally:
        database.dispose()
    payload = {"owner": summary.owner, "ended": summary.ended, "requeued": summary.requeued,
               "interrupted_orphans": summary.interrupted_orphans}
    if as_json:
        print_json(payload)
        return
    err_console.print(f"job worker stopped: {len(summary.ended)} job(s) ended here, "
                      f"{len(summary.requeued)} put back in the queue", highlight=False)
