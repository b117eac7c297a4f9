"""Dynamic scheduling for the parallel kernels: threads claim work from a shared counter.

numba splits a ``prange`` loop into one equal, fixed share per thread (the OpenMP layer has no
dynamic schedule, and ``parallel_chunksize`` only cuts the shares finer). When another
process keeps one core busy, the thread that shares that core runs at a fraction of its speed
and the whole loop waits for its share. So the sweep kernels run one ``prange`` iteration per
worker, and each worker takes the next few tasks from a counter with an atomic add until none
are left: a slowed worker simply takes fewer tasks, and the results do not depend on who took
which.
"""

from __future__ import annotations

from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _fetch_add(typingctx, counter, amount):
    """Atomically add ``amount`` to ``counter[0]`` (an int64 array); the value before."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
        return None
    signature = types.int64(counter, types.int64)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        pointer = cgutils.get_item_pointer(context, builder, array_type, array, [zero])
        return builder.atomic_rmw("add", pointer, args[1], "monotonic")

    return signature, codegen


@njit(cache=True, inline="always")
def claim(counter, count):
    """The first of the next ``count`` tasks, taken from the shared ``counter`` (an int64
    array of one element, zero before the loop); at or past the number of tasks: none left."""
    return _fetch_add(counter, count)
