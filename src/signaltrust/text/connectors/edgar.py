"""SEC EDGAR filings: a company's submissions JSON and the pipe-delimited ``master.idx``.

- ``https://data.sec.gov/submissions/CIK##########.json``: the company (``name``, ``tickers``)
  and ``filings.recent``, parallel lists (``accessionNumber``, ``form``, ``filingDate``,
  ``acceptanceDateTime``, ``items``, ``primaryDocument``, ``primaryDocDescription``). The
  stated time is the acceptance time (to the second), else the filing date.
- ``https://www.sec.gov/Archives/edgar/daily-index/.../master.YYYYMMDD.idx`` (and the quarterly
  ``full-index/.../master.idx``): header lines, then ``CIK|Company Name|Form Type|Date
  Filed|Filename``. The stated time is the filing date (no time of day).

A filing's title names the company, the form and, for an 8-K, its items in words ("Results of
Operations and Financial Condition"), so the event rules read what was filed. SEC asks for a
User-Agent with a contact address: pass it in ``FetchOptions(headers=...)``.
"""

from __future__ import annotations

from typing import Any

from signaltrust.text.connectors.base import load_json, parse_items, payload_error
from signaltrust.text.documents import Batch, Document, ItemInvalid, parse_time

#: Form 8-K item numbers and their titles (SEC Form 8-K General Instructions)
EIGHT_K_ITEMS = {
    "1.01": "Entry into a Material Definitive Agreement",
    "1.02": "Termination of a Material Definitive Agreement",
    "1.03": "Bankruptcy or Receivership",
    "1.05": "Material Cybersecurity Incidents",
    "2.01": "Completion of Acquisition or Disposition of Assets",
    "2.02": "Results of Operations and Financial Condition",
    "2.03": "Creation of a Direct Financial Obligation",
    "2.05": "Costs Associated with Exit or Disposal Activities",
    "2.06": "Material Impairments",
    "3.01": "Notice of Delisting or Failure to Satisfy a Continued Listing Rule",
    "4.01": "Changes in Registrant's Certifying Accountant",
    "4.02": "Non-Reliance on Previously Issued Financial Statements",
    "5.01": "Changes in Control of Registrant",
    "5.02": "Departure of Directors or Certain Officers; Election of Directors; "
            "Appointment of Certain Officers",
    "5.07": "Submission of Matters to a Vote of Security Holders",
    "7.01": "Regulation FD Disclosure",
    "8.01": "Other Events",
    "9.01": "Financial Statements and Exhibits",
}
_ARCHIVES = "https://www.sec.gov/Archives/"


def parse_edgar_submissions(payload: bytes | str | dict[str, Any], *, source: str = "edgar",
                            where: str | None = None) -> Batch:
    """Documents, one per filing, from a company's submissions JSON."""
    data = load_json(payload, source, where)
    recent = data.get("filings", {}).get("recent") if isinstance(data, dict) else None
    if not isinstance(recent, dict) or not isinstance(recent.get("accessionNumber"), list):
        raise payload_error(source, "not an EDGAR submissions document (no filings.recent)",
                            where, "use https://data.sec.gov/submissions/CIK##########.json")
    company = str(data.get("name") or "")
    tickers = tuple(str(t).upper() for t in data.get("tickers") or [] if isinstance(t, str))
    cik = str(data.get("cik") or "").lstrip("0")
    count = len(recent["accessionNumber"])
    columns = {key: value for key, value in recent.items() if isinstance(value, list)}

    def one(position: int) -> Document:
        row = {key: values[position] if position < len(values) else None
               for key, values in columns.items()}
        accession = row.get("accessionNumber")
        if not isinstance(accession, str) or not accession:
            raise ItemInvalid("accessionNumber", "missing")
        form = row.get("form")
        if not isinstance(form, str) or not form:
            raise ItemInvalid("form", "missing")
        stated = row.get("acceptanceDateTime") or None
        if stated:
            published = parse_time(stated, "acceptanceDateTime")
        else:
            published = parse_time(_date_utc(row.get("filingDate"), "filingDate"), "filingDate")
        items = [i.strip() for i in str(row.get("items") or "").split(",") if i.strip()]
        described = [f"Item {i} {EIGHT_K_ITEMS.get(i, '')}".strip() for i in items]
        title = f"{company} files {form}" + (f": {'; '.join(described)}" if described else "")
        document = row.get("primaryDocument") or ""
        url = (f"{_ARCHIVES}edgar/data/{cik}/{accession.replace('-', '')}/{document}"
               if cik and document else "")
        body = str(row.get("primaryDocDescription") or "")
        return Document(source=source, title=title, body=body, url=url, published_at=published,
                        external_id=accession, symbols=tickers, language="en")

    return parse_items(range(count), source, one,
                       label=lambda i: str(columns["accessionNumber"][i] or ""))


def parse_edgar_index(payload: bytes | str, *, source: str = "edgar",
                      where: str | None = None) -> Batch:
    """Documents, one per filing line, from a ``master.idx`` (daily or quarterly index)."""
    text = payload.decode("latin-1") if isinstance(payload, bytes) else payload
    lines = text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if set(line.strip()) == {"-"}), None)
    if start is None:
        raise payload_error(source, "not an EDGAR master index (no header rule of dashes)",
                            where, "use a master.idx from the daily-index or full-index folders")
    rows = [(n, line) for n, line in enumerate(lines[start:], start + 1) if line.strip()]

    def one(entry: tuple[int, str]) -> Document:
        _, line = entry
        parts = line.split("|")
        if len(parts) != 5:
            raise ItemInvalid("line", f"expected 5 fields CIK|Company|Form|Date|Filename, "
                              f"got {len(parts)}")
        cik, company, form, filed, filename = (p.strip() for p in parts)
        if not cik.isdigit():
            raise ItemInvalid("CIK", f"not a number: {cik!r}")
        if not form:
            raise ItemInvalid("Form Type", "empty")
        published = parse_time(_date_utc(filed, "Date Filed"), "Date Filed")
        return Document(source=source, title=f"{company} files {form}", body="",
                        url=f"{_ARCHIVES}{filename}" if filename else "",
                        published_at=published, external_id=filename or f"{cik}:{form}:{filed}",
                        language="en")

    return parse_items(rows, source, one, label=lambda e: f"line {e[0]}")


def _date_utc(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ItemInvalid(field_name, "missing")
    text = value.strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return f"{text}T00:00:00Z"


__all__ = ["EIGHT_K_ITEMS", "parse_edgar_index", "parse_edgar_submissions"]
