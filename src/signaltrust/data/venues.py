"""The time zone of a venue: where naive timestamps of its bars are taken to be.

Exchanges (ISO 10383 MIC codes such as ``XNYS``) have one; ``SIM``, ``FX`` and ``CRYPTO`` do
not, so naive intraday times from them need an explicit zone.
"""

from __future__ import annotations

VENUE_ZONES: dict[str, str] = {
    "XNYS": "America/New_York",
    "XNAS": "America/New_York",
    "XASE": "America/New_York",
    "ARCX": "America/New_York",
    "BATS": "America/New_York",
    "IEXG": "America/New_York",
    "XCBO": "America/Chicago",
    "XCME": "America/Chicago",
    "XCBT": "America/Chicago",
    "XNYM": "America/New_York",
    "XTSE": "America/Toronto",
    "XLON": "Europe/London",
    "XETR": "Europe/Berlin",
    "XFRA": "Europe/Berlin",
    "XPAR": "Europe/Paris",
    "XAMS": "Europe/Amsterdam",
    "XBRU": "Europe/Brussels",
    "XMIL": "Europe/Rome",
    "XMAD": "Europe/Madrid",
    "XSWX": "Europe/Zurich",
    "XSTO": "Europe/Stockholm",
    "XTKS": "Asia/Tokyo",
    "XHKG": "Asia/Hong_Kong",
    "XSHG": "Asia/Shanghai",
    "XSHE": "Asia/Shanghai",
    "XKRX": "Asia/Seoul",
    "XBOM": "Asia/Kolkata",
    "XNSE": "Asia/Kolkata",
    "XSES": "Asia/Singapore",
    "XASX": "Australia/Sydney",
    "XJSE": "Africa/Johannesburg",
    "BVMF": "America/Sao_Paulo",
}


def venue_timezone(venue: str | None) -> str | None:
    """The IANA zone of ``venue`` (``XNYS`` -> ``America/New_York``), or None when it has none.

    Unknown ISO MIC codes are looked up in ``exchange_calendars``.
    """
    if not venue:
        return None
    code = venue.strip().upper()
    if code in VENUE_ZONES:
        return VENUE_ZONES[code]
    if len(code) == 4 and code.isalpha():
        try:
            import exchange_calendars as xcals

            return str(xcals.get_calendar(code).tz)
        except Exception:  # not an exchange it knows: no zone
            return None
    return None
