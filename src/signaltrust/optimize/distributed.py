"""Fan-out over Ray when it is configured, in-process otherwise, with the same results either way.

Ray is used when ``ray=True`` is passed (a local Ray with ``num_cpus=2`` and no dashboard is
started, or the one already running is reused) or when ``ray`` is an address (``"auto"``,
``"ray://host:10001"``); None or False keep the work in-process. The library reads no
environment: the command line turns ``--ray`` and ``SIGNALTRUST_RAY_ADDRESS`` into the option
(:func:`ray_option`). Ray is an optional
extra (``pip install 'signaltrust[distributed]'``): asking for it without it installed raises
a ValidationError naming the fix.

Tasks are pure functions of their inputs and results come back in input order, so a search, a
sweep or a walk-forward gives the same numbers on one process as on a cluster.

Ray only where it pays: a fan-out runs its first item in-process and times it; when that time
x the number of items (the in-process estimate) is under ``RAY_MIN_SECONDS`` (Ray not started
yet) or ``RAY_MIN_SECONDS_WARM`` (Ray running), the rest stays in-process too. Measured on the
shared 2-core machine: starting a local Ray took 18 s and its first tasks 7 s more, then about
1 ms a task; a small search (batches of a few 50 ms backtests) ran 29 s on Ray against 6 s
in-process. ``fan_out(..., min_seconds=0)`` always uses Ray (the named bypass).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from signaltrust.core.errors import ValidationError

ENV_ADDRESS = "SIGNALTRUST_RAY_ADDRESS"
RayOption = bool | str | None
RAY_MIN_SECONDS = 60.0  # in-process estimate below which Ray is not started (2 x start-up)
RAY_MIN_SECONDS_WARM = 2.0  # ... below which a running Ray is not used (task overheads)


def ray_available() -> bool:
    """Whether the optional Ray package can be imported."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def ray_address(ray: RayOption = None) -> str | None:
    """The Ray address to use: ``"local"`` for a local Ray, an address, or None (in-process)."""
    if ray is True:
        return "local"
    if isinstance(ray, str) and ray.strip():
        return ray.strip()
    return None


def ray_option(asked: bool, environ: Mapping[str, str]) -> RayOption:
    """What a command passes as ``ray``: the environment's address, a local Ray, or None.

    ``SIGNALTRUST_RAY_ADDRESS`` in ``environ`` (the process environment, read at the boundary)
    names a cluster; otherwise ``asked`` (``--ray``) starts a local Ray.
    """
    address = environ.get(ENV_ADDRESS, "").strip()
    return address or (True if asked else None)


def ensure_ray(address: str) -> Any:
    """Connect to (or start) Ray; returns the ``ray`` module."""
    try:
        import ray
    except ImportError:
        raise ValidationError(
            "Ray is not installed", field="ray", value=address,
            fix="pip install 'signaltrust[distributed]' (or ray), or pass ray=False",
        ) from None
    if not ray.is_initialized():
        if address == "local":
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                     ignore_reinit_error=True, configure_logging=False)
        else:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    return ray


def shutdown() -> None:
    """Disconnect from Ray (stops a local Ray this process started)."""
    try:
        import ray
    except ImportError:
        return
    if ray.is_initialized():
        ray.shutdown()


def _call(func: Callable[..., Any], shared: Mapping[str, Any], item: Any) -> Any:
    return func(item, **shared)


def _ray_running() -> bool:
    try:
        import ray
    except ImportError:
        return False
    return bool(ray.is_initialized())


def worth_ray(first_seconds: float, total: int, min_seconds: float | None = None,
              running: bool = False) -> bool:
    """Whether the rest of a fan-out goes to Ray: the in-process estimate (the first item's
    seconds x ``total``) reaches ``min_seconds`` (default ``RAY_MIN_SECONDS``, or
    ``RAY_MIN_SECONDS_WARM`` when Ray is ``running``)."""
    if min_seconds is None:
        min_seconds = RAY_MIN_SECONDS_WARM if running else RAY_MIN_SECONDS
    return first_seconds * total >= min_seconds


def fan_out(
    func: Callable[..., Any], items: Sequence[Any], *, shared: Mapping[str, Any] | None = None,
    ray: RayOption = None, progress: Callable[[int, int], None] | None = None,
    min_seconds: float | None = None,
) -> list[Any]:
    """``[func(item, **shared) for item in items]``, on Ray when configured and worth it;
    input order kept.

    ``shared`` holds large read-only arguments (bars, an evaluator): they are put in Ray's
    object store once, not once per task. With ``ray``, the first item runs in-process and the
    rest goes to Ray only when :func:`worth_ray` says so (``min_seconds=0``: always).
    """
    shared = dict(shared or {})
    address = ray_address(ray)
    total = len(items)
    out: list[Any] = []
    if address is not None and total and min_seconds != 0:
        started = time.perf_counter()
        out.append(func(items[0], **shared))
        if progress is not None:
            progress(1, total)
        if not worth_ray(time.perf_counter() - started, total, min_seconds, _ray_running()):
            address = None
    if address is None or len(out) == total:
        for done, item in enumerate(items[len(out):], start=len(out) + 1):
            out.append(func(item, **shared))
            if progress is not None:
                progress(done, total)
        return out
    ray_mod = ensure_ray(address)
    remote = ray_mod.remote(_call)
    shared_ref = ray_mod.put(shared)
    func_ref = ray_mod.put(func)
    first = len(out)
    refs = [remote.remote(func_ref, shared_ref, item) for item in items[first:]]
    if progress is None:
        return out + list(ray_mod.get(refs))
    position = {ref: k for k, ref in enumerate(refs, start=first)}
    results: list[Any] = out + [None] * (total - first)
    pending = list(refs)
    while pending:
        ready, pending = ray_mod.wait(pending, num_returns=1)
        for ref in ready:
            results[position[ref]] = ray_mod.get(ref)
        progress(total - len(pending), total)
    return results


def _sweep_part(grid: dict[str, Any], *, data: Any, strategy: Any,
                options: dict[str, Any]) -> pd.DataFrame:
    from signaltrust.backtest.sweep import sweep

    return sweep(data, strategy, grid=grid, **options).table


def split_grid(grid: Mapping[str, Sequence[Any]], chunks: int) -> list[dict[str, list[Any]]]:
    """Cut a grid into at most ``chunks`` sub-grids along its longest axis (same rows overall)."""
    grid = {k: list(v) for k, v in grid.items()}
    if chunks <= 1 or not grid:
        return [grid]
    axis = max(grid, key=lambda k: len(grid[k]))
    values = grid[axis]
    size = -(-len(values) // min(chunks, len(values)))
    return [{**grid, axis: values[i:i + size]} for i in range(0, len(values), size)]


def distributed_sweep(
    data: Any, strategy: Any, grid: Mapping[str, Iterable[Any]], *, chunks: int | None = None,
    ray: RayOption = None, **options: Any,
) -> pd.DataFrame:
    """``backtest.sweep`` cut into chunks of the grid that run as Ray tasks (or in-process).

    The rows are those of one ``sweep`` over the whole grid, in the same order when the longest
    axis is the first one; each chunk is still one compiled pass.
    """
    address = ray_address(ray)
    grid = {k: list(v) for k, v in grid.items()}
    if chunks is None:
        chunks = 1 if address is None else 4
    parts = split_grid(grid, chunks)
    tables = fan_out(_sweep_part, parts, shared={"data": data, "strategy": strategy,
                                                 "options": options}, ray=ray)
    return pd.concat(tables, ignore_index=True)
