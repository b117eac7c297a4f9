"""Events a strategy receives (bars, ticks) and the sizing orders it places.

They are the trading core's own types (``signaltrust.core.events``,
``signaltrust.core.orders``), named here for strategy authors.
"""

from signaltrust.core.events import Bar, Tick
from signaltrust.core.orders import SizingIntent

__all__ = ["Bar", "SizingIntent", "Tick"]
