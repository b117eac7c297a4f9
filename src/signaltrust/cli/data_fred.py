"""``signaltrust data download --source fred SERIES``: a FRED series with all its vintages.

The key comes from ``$FRED_API_KEY`` (``$FRED_API_URL`` points elsewhere, e.g. a recording
server); the vintages land in ``<home>/fred/<SERIES>.parquet``, where
``signaltrust.features.macro_fred.macro_features(<home>/fred)`` finds them.
"""

from __future__ import annotations

import os

from signaltrust.cli.console import console, print_json, progress
from signaltrust.core.config import load_settings


def download_fred(series_id: str, start: str | None, as_json: bool) -> None:
    """Fetch every real-time period of ``series_id`` (observations from ``start``) and save."""
    from signaltrust.data.fred import FRED_URL, FredClient

    settings = load_settings()
    folder = settings.home / "fred"
    with progress(f"downloading {series_id} from FRED", total=None, quiet=as_json), \
            FredClient(os.environ.get("FRED_API_KEY", ""),
                       os.environ.get("FRED_API_URL", FRED_URL)) as client:
        vintages = client.vintages(series_id, observation_start=start)
        path = vintages.save(folder)
    rows = vintages.rows
    payload = {"source": "fred", "series": vintages.series_id, "path": str(path),
               "rows": len(rows), "observations": int(rows["date"].nunique()),
               "releases": len(vintages.releases()),
               "first": rows["date"].min().isoformat() if len(rows) else None,
               "last": rows["date"].max().isoformat() if len(rows) else None}
    if as_json:
        print_json(payload)
        return
    console.print(f"{payload['series']} from FRED: {payload['observations']} observations, "
                  f"{payload['releases']} release days, {payload['rows']} vintage rows "
                  f"({payload['first']} .. {payload['last']}) -> {path}", highlight=False)
