"""An option chain: every quoted contract of one underlying at one time, and its implied vols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.options.implied import implied_vol, price_bounds
from signaltrust.options.inputs import DAYS_PER_YEAR

COLUMNS = ("contract", "expiry", "kind", "strike", "bid", "ask", "last", "volume",
           "open_interest", "venue_iv")


@dataclass(frozen=True)
class OptionChain:
    """Quotes of one underlying's options at ``as_of`` (UTC), with the underlying's ``spot``.

    ``quotes`` has one row per contract: ``contract`` (the venue's symbol), ``expiry`` (UTC
    timestamp of expiry), ``kind`` ('call'/'put'), ``strike``, ``bid``, ``ask``, ``last``,
    ``volume``, ``open_interest`` and ``venue_iv`` (the venue's own implied vol, NaN if none).
    """

    symbol: str
    spot: float
    as_of: pd.Timestamp
    quotes: pd.DataFrame

    def __post_init__(self) -> None:
        missing = [c for c in COLUMNS if c not in self.quotes.columns]
        if missing:
            raise ValidationError("an option chain lacks columns", field="quotes",
                                  value=missing, fix=f"give the columns {', '.join(COLUMNS)}")
        if not np.isfinite(self.spot) or self.spot <= 0:
            raise ValidationError("the underlying's spot must be above zero", field="spot",
                                  value=self.spot, fix="give the underlying's last price")

    @property
    def expiries(self) -> list[pd.Timestamp]:
        """Expiry times, soonest first."""
        return sorted(pd.unique(self.quotes["expiry"]))

    def years_to(self, expiry: Any) -> np.ndarray:
        """Years (Actual/365) from ``as_of`` to each expiry."""
        when = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(expiry), utc=True))
        seconds = np.asarray((when - self.as_of).total_seconds(), dtype=float)
        years = seconds / (DAYS_PER_YEAR * 86400.0)
        return years.reshape(np.shape(expiry))

    def mids(self) -> pd.Series:
        """Mid of bid and ask where both are quoted and bid > 0, else NaN."""
        bid, ask = self.quotes["bid"], self.quotes["ask"]
        ok = (bid > 0) & (ask >= bid)
        return ((bid + ask) / 2.0).where(ok)

    def implied_vols(self, rate: float = 0.0, dividend: float = 0.0,
                     min_years: float = 1.0 / DAYS_PER_YEAR) -> pd.DataFrame:
        """Our implied vol of each fittable mid quote (out-of-the-money side preferred).

        Rows without a two-sided quote, expiring in under ``min_years`` or outside the
        no-arbitrage bounds are dropped; ``.attrs['dropped']`` counts them by reason.
        """
        q = self.quotes.assign(mid=self.mids(), years=self.years_to(self.quotes["expiry"]))
        dropped = {"no two-sided quote": int(q["mid"].isna().sum())}
        q = q[q["mid"].notna()]
        short = q["years"] < min_years
        dropped["expiring too soon"] = int(short.sum())
        q = q[~short]
        # out-of-the-money options carry the smile; in-the-money ones mostly intrinsic value
        forward = self.spot * np.exp((rate - dividend) * q["years"])
        otm = ((q["kind"] == "call") & (q["strike"] >= forward)) | \
              ((q["kind"] == "put") & (q["strike"] < forward))
        q = q[otm]
        if q.empty:
            out = q.assign(iv=pd.Series(dtype=float))
            out.attrs["dropped"] = dropped
            return out
        bounds = price_bounds(q["kind"].to_numpy(), self.spot, q["strike"].to_numpy(),
                              q["years"].to_numpy(), rate, dividend)
        inside = bounds.inside(q["mid"].to_numpy())
        dropped["outside no-arbitrage bounds"] = int((~inside).sum())
        q = q[inside]
        ivs = implied_vol(q["mid"].to_numpy(), q["kind"].to_numpy(), self.spot,
                          q["strike"].to_numpy(), q["years"].to_numpy(), rate, dividend) \
            if len(q) else np.array([])
        out = q.assign(iv=np.atleast_1d(ivs))
        out.attrs["dropped"] = dropped
        return out

    def __plain__(self) -> dict[str, Any]:
        rows = self.quotes.assign(expiry=self.quotes["expiry"].map(lambda t: t.isoformat()))
        rows = rows.astype(object).where(rows.notna(), None)
        return {"symbol": self.symbol, "spot": float(self.spot), "as_of": self.as_of.isoformat(),
                "expiries": [t.isoformat() for t in self.expiries],
                "quotes": rows.to_dict(orient="records")}
