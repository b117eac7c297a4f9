"""How many threads a parallel kernel runs on: the caller's number, or the CPUs free right now.

On a machine where another process keeps a core busy, a pass split over every core waits for
the thread that shares its core: a second thread can then cost more than it brings. So unless
the caller names a thread count, ``plan_threads`` counts the CPUs this process may use
(affinity mask and cgroup quota), subtracts those that other processes' runnable tasks occupy
at that moment (``/proc/loadavg``, minus this process's own running threads; when the process
may use only part of the machine, its share of them), and runs on the rest: at least one, at
most numba's thread count for the calling thread. Where there is no ``/proc`` the pass runs
on numba's thread count, and so it does with numba's TBB threading layer, whose loops do not
wait for a thread that a busy core keeps from starting.

numba keeps its thread count per calling thread, so ``kernel_threads`` sets it for the calling
thread only and restores it afterwards: a sweep in one Python thread cannot change another's.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: how many times the run queue is read; the least count is kept, so that a process that only
#: passes through (a shell command, a kernel worker) does not count as load
LOAD_SAMPLES = 3


@dataclass(frozen=True)
class ThreadPlan:
    """The threads one parallel pass runs on, and what they were chosen from."""

    threads: int
    requested: int | None  # the caller's number; None: chosen from the free CPUs
    usable_cpus: int  # CPUs this process may run on (affinity and cgroup quota)
    busy_cpus: int | None  # CPUs other processes' runnable tasks held; None: not measurable


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup v2 CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def _runnable_tasks() -> int:
    """Tasks runnable on the machine right now (the fourth field of /proc/loadavg)."""
    with open("/proc/loadavg", "rb") as f:
        return int(f.read().split()[3].split(b"/")[0])


def _own_running_threads() -> int:
    """This process's threads that are running or runnable right now (numba's workers spin
    for a moment after a parallel loop; they are not load from elsewhere)."""
    running = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # the thread ended meanwhile
            continue
        if stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] == b"R":
            running += 1
    return running


def busy_cpus(samples: int = LOAD_SAMPLES) -> int | None:
    """CPUs held by other processes' runnable tasks now (from the least of ``samples`` reads of
    the run queue), or None where the run queue cannot be read (no /proc)."""
    try:
        runnable = _runnable_tasks()
        for _ in range(samples - 1):
            if runnable <= 1:  # only the calling thread runs: nothing else to count
                return 0
            runnable = min(runnable, _runnable_tasks())
        return 0 if runnable <= 1 else max(0, runnable - _own_running_threads())
    except (OSError, ValueError, IndexError):
        return None


def plan_threads(requested: int | None = None) -> ThreadPlan:
    """The threads for one parallel pass: ``requested`` (at most numba's pool), or with None
    the CPUs free now, between 1 and the calling thread's ``numba.get_num_threads()``."""
    import numba

    pool = numba.config.NUMBA_NUM_THREADS
    cpus = usable_cpus()
    if requested is not None:
        return ThreadPlan(max(1, min(int(requested), pool)), int(requested), cpus, None)
    allowed = numba.get_num_threads()  # also starts numba's threading layer
    if numba.threading_layer() == "tbb":
        # TBB's threads take work from each other and a loop does not wait for a thread that
        # never started, so a busy core costs a share of it, not the whole loop
        return ThreadPlan(max(1, min(allowed, cpus)), None, cpus, None)
    busy = busy_cpus()
    if busy and cpus < (os.cpu_count() or cpus):
        # the run queue counts the whole machine: take this process's share of it
        busy = math.ceil(busy * cpus / (os.cpu_count() or cpus))
    free = cpus - (busy or 0)
    threads = max(1, min(allowed, free))
    return ThreadPlan(threads, None, cpus, busy)


#: numba's workqueue threading layer (numba's fallback when neither TBB nor OpenMP loads) is
#: not thread-safe: two threads starting parallel loops at once abort the process. The layer is
#: one per process, so is the lock that lets one thread at a time into it.
_WORKQUEUE_LOCK = threading.Lock()


@contextmanager
def kernel_threads(threads: int) -> Iterator[None]:
    """numba runs the calling thread's parallel loops on ``threads`` threads inside the block
    (numba's count is per thread: other Python threads keep theirs). With the workqueue layer,
    one Python thread at a time runs its block."""
    import numba

    previous = numba.get_num_threads()  # also starts numba's threading layer
    exclusive = numba.threading_layer() == "workqueue"
    if exclusive:
        _WORKQUEUE_LOCK.acquire()
    numba.set_num_threads(threads)
    try:
        yield
    finally:
        numba.set_num_threads(previous)
        if exclusive:
            _WORKQUEUE_LOCK.release()
