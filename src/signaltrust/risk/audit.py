"""The risk audit log: an append-only, tamper-evident record of denials and run-time changes.

Each record holds the SHA-256 hash of the previous one (a hash chain), so changing, inserting,
reordering or deleting any record breaks :meth:`AuditLog.verify`. Cutting records off the end
cannot be seen from the chain alone: keep :attr:`AuditLog.head` somewhere else to detect that.
With a ``path`` every record is also appended to a JSON-lines file as it is made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from signaltrust.core.errors import SignalTrustError, ValidationError
from signaltrust.core.serialize import to_plain

GENESIS = "0" * 64


def _digest(seq: int, time: str, kind: str, actor: str, payload: dict[str, Any],
            prev_hash: str) -> str:
    body = {"seq": seq, "time": time, "kind": kind, "actor": actor, "payload": payload,
            "prev_hash": prev_hash}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    """One audited event: what (``kind``), who (``actor``), when, the details, and the chain."""

    seq: int
    time: str
    kind: str
    actor: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        """The hash this record's content should have."""
        return _digest(self.seq, self.time, self.kind, self.actor, self.payload, self.prev_hash)


class AuditLog:
    """Append-only hash-chained log; ``append`` adds, ``verify`` checks the whole chain.

    >>> log = AuditLog()
    >>> _ = log.append("denial", {"reason": "price_band"}, time="2024-01-02T00:00:00+00:00")
    >>> log.verify(), len(log)
    (True, 1)
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._records: list[AuditRecord] = []
        if self.path is not None and self.path.exists():
            self._records = list(_read(self.path))

    @classmethod
    def load(cls, path: str | Path) -> AuditLog:
        """Read a JSON-lines audit file (call :meth:`verify` to check it was not altered)."""
        if not Path(path).exists():
            raise ValidationError("no audit file here", field="path", value=str(path),
                                  fix="pass the path an AuditLog(path=...) wrote")
        return cls(path)

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[AuditRecord]:
        return iter(self._records)

    def __getitem__(self, index: int) -> AuditRecord:
        return self._records[index]

    @property
    def records(self) -> tuple[AuditRecord, ...]:
        return tuple(self._records)

    @property
    def head(self) -> str:
        """The hash of the last record (GENESIS when empty): keep it to detect truncation."""
        return self._records[-1].hash if self._records else GENESIS

    def append(self, kind: str, payload: Mapping[str, Any] | None = None, *,
               actor: str = "system", time: Any = None) -> AuditRecord:
        """Add a record (``time``: a timestamp or ISO string; default: now, UTC)."""
        if not isinstance(kind, str) or not kind:
            raise ValidationError("an audit record needs a kind", field="kind", value=kind,
                                  fix="pass e.g. 'denial' or 'limit_change'")
        stamp = pd.Timestamp.now(tz="UTC") if time is None else pd.Timestamp(time)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize("UTC")
        # any object a payload carries is kept as its text: the record must always be written
        clean = json.loads(json.dumps(to_plain(dict(payload or {}), default=str)))
        seq, prev = len(self._records), self.head
        iso = stamp.isoformat()
        record = AuditRecord(seq, iso, kind, str(actor), clean, prev,
                             _digest(seq, iso, kind, str(actor), clean, prev))
        self._records.append(record)
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(record), sort_keys=True) + "\n")
        return record

    def first_invalid(self) -> int | None:
        """The index of the first record that breaks the chain, or None when it is intact."""
        prev = GENESIS
        for i, record in enumerate(self._records):
            if record.seq != i or record.prev_hash != prev or record.hash != record.expected_hash():
                return i
            prev = record.hash
        return None

    def verify(self, head: str | None = None) -> bool:
        """True when every record chains to the previous one (and ends at ``head``, if given)."""
        if self.first_invalid() is not None:
            return False
        return head is None or head == self.head

    def check(self) -> None:
        """Raise when the chain is broken, naming the first bad record."""
        bad = self.first_invalid()
        if bad is not None:
            raise SignalTrustError("the audit log was altered", field="seq", value=bad,
                                   fix="restore the log from a trusted copy; do not edit it")

    def to_frame(self) -> pd.DataFrame:
        """The records as a table (one row each)."""
        return pd.DataFrame([asdict(r) for r in self._records],
                            columns=["seq", "time", "kind", "actor", "payload", "prev_hash",
                                     "hash"])


def _read(path: Path) -> Iterator[AuditRecord]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                yield AuditRecord(int(data["seq"]), str(data["time"]), str(data["kind"]),
                                  str(data["actor"]), dict(data["payload"]),
                                  str(data["prev_hash"]), str(data["hash"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValidationError("unreadable audit record", field=f"{path}:{n + 1}",
                                      value=line.strip()[:80],
                                      fix="restore the log from a trusted copy") from exc
