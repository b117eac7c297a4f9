"""The protocol of a streaming indicator, and the IEEE float arithmetic Python does not give.

A streaming indicator is the incremental form of a batch function of ``signaltrust.ta``: it takes
the inputs of one new bar and returns the value(s) at that bar, doing the batch kernel's float
operations in the kernel's order, so that the values are those of the batch function.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar, TypeVar

NAN = float("nan")
INF = float("inf")
NAN2 = (NAN, NAN)
NAN3 = (NAN, NAN, NAN)
NAN4 = (NAN, NAN, NAN, NAN)

Indicator = TypeVar("Indicator", bound="StreamingIndicator")


class StreamingIndicator:
    """An indicator updated one bar at a time: ``update(*inputs)`` returns the value(s) at that bar.

    ``name`` is the batch function's name in ``signaltrust.ta``; ``inputs`` the bar fields that
    ``update`` takes, in order (from "open", "high", "low", "close", "volume"); ``outputs`` the
    batch function's output names in its order (``("real",)`` for one output, then ``update``
    returns a float, else a tuple). Values are float NaN during the warm-up.

    Bars before the first one where every input is a number give NaN and are otherwise ignored,
    as the batch functions skip leading NaN; a NaN after that propagates as in the batch kernel.
    The constructor takes the batch function's parameters, with its defaults and its checks.
    To start again, construct a new indicator.
    """

    __slots__ = ("_waiting",)

    name: ClassVar[str] = ""
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ("real",)

    def __init__(self) -> None:
        # True until the first bar whose inputs are all numbers
        self._waiting = True

    def update(self, *values: float) -> float | tuple[float, ...]:
        """The value(s) at a new bar, from its inputs in ``inputs`` order."""
        raise NotImplementedError

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The constructor's keyword parameters: those of the batch function after its inputs."""
        return tuple(inspect.signature(cls.__init__).parameters)[1:]

    @property
    def params(self) -> dict[str, Any]:
        """The parameters as validated (e.g. ``{"timeperiod": 14}``)."""
        return {name: getattr(self, name) for name in self.parameter_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{type(self).__name__}({args})"


def started(indicator: Indicator) -> Indicator:
    """The indicator with its leading-NaN skip turned off: it starts at the next bar it is fed.

    Composite indicators feed inner ones from the bar they start on, as the batch kernels pass an
    explicit ``start`` to the kernels they chain, whatever that bar's value is.
    """
    indicator._waiting = False
    return indicator


def is_zero(value: float) -> bool:
    """TA-Lib's test for a value that is zero up to rounding noise."""
    return -0.00000001 < value < 0.00000001


def ieee_div(numerator: float, denominator: float) -> float:
    """numerator / denominator, with IEEE's inf or NaN (NumPy's, numba's) where Python raises."""
    if denominator != 0.0:
        return numerator / denominator
    if numerator != numerator or numerator == 0.0:
        return NAN
    return math.copysign(INF, numerator) * math.copysign(1.0, denominator)


def ieee_log(value: float) -> float:
    """Natural log with NumPy's -inf at 0 and NaN below, where Python raises."""
    if value > 0.0:
        return math.log(value)
    return -INF if value == 0.0 else NAN
