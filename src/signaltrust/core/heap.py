"""The collector's view of a long-lived process's heap.

A server or a node keeps what it loads at start-up (modules, models, tables) for as long as it
runs, hundreds of thousands of objects that every full collection of the garbage collector
walks again: one such pause took 161 ms in the middle of a 30 ms signal. :func:`freeze_heap`
collects once, then moves every object alive to the collector's permanent generation (CPython's
``gc.freeze``), which later collections skip: they look only at what came since.

Only for processes that keep what they hold (``signaltrust api``, a paper or live node): a
frozen object dropped later is still freed by its reference count, but one caught in a
reference cycle is not (the collector no longer looks at it).

>>> freeze_heap() >= 0
True
>>> import gc; gc.unfreeze()
"""

from __future__ import annotations

import gc


def freeze_heap() -> int:
    """Collect, then freeze every object alive now; how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


__all__ = ["freeze_heap"]
