"""The audit log: a hash chain that verifies, and detects any change to it."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from signaltrust.core.errors import SignalTrustError
from signaltrust.risk.audit import GENESIS, AuditLog


def _log(path=None) -> AuditLog:
    log = AuditLog(path)
    for i in range(5):
        log.append("denial", {"reason": "price_band", "qty": Decimal("1.5"), "i": i},
                   actor="risk_engine", time=f"2024-01-0{i + 1}T00:00:00+00:00")
    return log


def test_append_when_records_added_then_each_holds_previous_hash():
    log = _log()
    assert log[0].prev_hash == GENESIS
    assert all(log[i].prev_hash == log[i - 1].hash for i in range(1, 5))
    assert log.verify() and log.first_invalid() is None
    assert log[0].payload["qty"] == "1.5"


@pytest.mark.parametrize("tamper", ["payload", "actor", "delete", "swap", "insert", "rehash"])
def test_verify_when_tampered_then_detected(tamper):
    log = _log()
    records = log._records
    if tamper == "payload":
        records[2] = replace(records[2], payload={**records[2].payload, "reason": "none"})
    elif tamper == "actor":
        records[1] = replace(records[1], actor="mallory")
    elif tamper == "delete":
        del records[2]
    elif tamper == "swap":
        records[1], records[2] = records[2], records[1]
    elif tamper == "insert":
        records.insert(3, replace(records[3]))
    else:  # change a record and recompute its own hash: the next record no longer chains
        changed = replace(records[2], payload={"reason": "none"})
        records[2] = replace(changed, hash=changed.expected_hash())
    assert not log.verify()
    assert log.first_invalid() is not None
    with pytest.raises(SignalTrustError, match="altered"):
        log.check()


def test_verify_when_tail_cut_then_only_a_kept_head_detects_it():
    log = _log()
    head = log.head
    del log._records[-1]
    assert log.verify()
    assert not log.verify(head=head)


def test_load_when_file_written_then_same_chain_and_edit_detected(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = _log(path)
    again = AuditLog.load(path)
    assert again.verify(head=log.head) and len(again) == 5
    lines = path.read_text().splitlines()
    record = json.loads(lines[3])
    record["payload"]["reason"] = "nothing"
    lines[3] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    assert AuditLog.load(path).first_invalid() == 3
