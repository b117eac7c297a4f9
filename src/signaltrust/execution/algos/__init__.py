"""Execution algorithms: how a parent order is worked through child orders (pure logic).

TWAP, VWAP, iceberg and POV, each in taker mode (market children) or maker mode (limit
children pegged to the touch and re-pegged when the market moves away); their schedule maths,
maker pricing, the implementation-shortfall report, and the smart order router
(:func:`route_order`: the venue or venues with the best price after fees). Nothing here sends
an order: the trading core's runtime (``signaltrust.trading.algos``, ``ctx.execute``) sends
every child through the normal order path (pre-trade check, then broker). See
docs/execution_algorithms.md.
"""

from signaltrust.execution.algos.algorithms import (
    ALGORITHMS,
    POV,
    TWAP,
    VWAP,
    Iceberg,
    algorithm_from_state,
)
from signaltrust.execution.algos.base import (
    Cancel,
    Child,
    ExecutionAlgorithm,
    MarketView,
    Submit,
)
from signaltrust.execution.algos.book import BookSizing
from signaltrust.execution.algos.pricing import Peg
from signaltrust.execution.algos.routing import Leg, Route, VenueQuote, route_order
from signaltrust.execution.algos.schedule import (
    VolumeProfile,
    even_targets,
    slice_bars,
    slice_times,
    weighted_targets,
)
from signaltrust.execution.algos.shortfall import AlgoReport, shortfall_bps

__all__ = [
    "ALGORITHMS",
    "POV",
    "TWAP",
    "VWAP",
    "AlgoReport",
    "BookSizing",
    "Cancel",
    "Child",
    "ExecutionAlgorithm",
    "Iceberg",
    "Leg",
    "MarketView",
    "Peg",
    "Route",
    "Submit",
    "VenueQuote",
    "VolumeProfile",
    "algorithm_from_state",
    "even_targets",
    "route_order",
    "shortfall_bps",
    "slice_bars",
    "slice_times",
    "weighted_targets",
]
