"""One copy of plotly.js per folder: HTML reports written into one folder share it.

Each interactive report needs plotly.js (about 4.6 MB). ``plotly="file"`` (the default of
every report writer) writes ``plotly-<version>.min.js`` next to the report once and points the
report's ``<script src>`` at it, so a folder of ten reports holds one copy; the folder still
opens offline, as long as the file travels with the reports. ``plotly="inline"`` embeds it in
the report (one self-contained file to mail), ``plotly="cdn"`` loads it from the plotly CDN
(small, needs the network).
"""

from __future__ import annotations

import os
from pathlib import Path

from signaltrust.core.errors import ValidationError

PLOTLY_MODES = ("file", "inline", "cdn")


def bundle_name() -> str:
    """The shared bundle's file name, versioned so a newer plotly never breaks older reports."""
    import plotly

    return f"plotly-{plotly.__version__}.min.js"


def include_plotlyjs(target: str | Path, plotly: str = "file") -> bool | str:
    """The ``include_plotlyjs`` argument of ``Figure.to_html`` for a report written to
    ``target``; with ``"file"``, the bundle is written into the report's folder when missing."""
    if plotly == "inline":
        return True
    if plotly == "cdn":
        return "cdn"
    if plotly != "file":
        raise ValidationError("unknown way to include plotly.js", field="plotly", value=plotly,
                              fix=f"use one of {', '.join(PLOTLY_MODES)}")
    name = bundle_name()
    bundle = Path(target).parent / name
    if not bundle.exists():
        from plotly.offline import get_plotlyjs

        partial = bundle.with_name(f".{name}.{os.getpid()}.tmp")  # a reader never sees half
        partial.write_text(get_plotlyjs(), encoding="utf-8")
        partial.replace(bundle)
    return name
