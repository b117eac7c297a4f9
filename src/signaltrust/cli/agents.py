"""``signaltrust agents``: the agents' cards, their audit trail, LLM usage and the approvals."""

from __future__ import annotations

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table

app = typer.Typer(help="Oversight agents: list them, read their audit trail and usage, "
                  "decide pending approvals.", no_args_is_help=True)

AGENT_OPTION = typer.Option(None, "--agent", help="Only this agent's records.")
KIND_OPTION = typer.Option(None, "--kind", help="prompt, response, tool_call, usage, fallback, "
                           "decision, error or approval.")
LIMIT_OPTION = typer.Option(50, "--limit", min=1, help="The most recent N records.")
ACTOR_OPTION = typer.Option(..., "--actor", help="Who decides (recorded).")
NOTE_OPTION = typer.Option("", "--note", help="Why (recorded).")


def _database():
    from signaltrust.cli.paper import open_app_database

    return open_app_database()


@app.command("list")
@handles_errors
def list_agents(as_json: bool = JSON_OPTION) -> None:
    """Every agent: its job, trigger, inputs, report and tools."""
    from signaltrust.agents import catalogue

    cards = catalogue()
    if as_json:
        print_json(cards)
        return
    console.print(table("agents", ["name", "job", "trigger", "tools"], [
        [c["name"], c["job"], c["trigger"], ", ".join(c["tools"])] for c in cards]))


@app.command("audit")
@handles_errors
def audit(agent: str = AGENT_OPTION, kind: str = KIND_OPTION, limit: int = LIMIT_OPTION,
          as_json: bool = JSON_OPTION) -> None:
    """The audit trail: prompts, answers, tool calls, fallbacks and decisions."""
    from signaltrust.agents.audit import AuditTrail

    records = AuditTrail(_database()).records(agent=agent, kind=kind, latest=limit)
    if as_json:
        print_json(records)
        return
    console.print(table("audit trail", ["ts_ns", "workflow", "agent", "kind", "payload"], [
        [str(r.ts_ns), r.workflow, r.agent, r.kind, str(r.payload)[:80]] for r in records]))


@app.command("usage")
@handles_errors
def usage(as_json: bool = JSON_OPTION) -> None:
    """LLM tokens and cost per agent today (UTC), against the daily quotas."""
    from signaltrust.agents.accounting import UsageLedger
    from signaltrust.agents.audit import AuditTrail
    from signaltrust.core.config import load_settings

    settings = load_settings()
    ledger = UsageLedger.from_settings(settings.agents, settings.llm)
    totals = ledger.replay(AuditTrail(_database()).records(kind="usage")).totals()
    payload = {"quota_tokens": ledger.daily_tokens, "quota_cost_usd": ledger.daily_cost_usd,
               "agents": totals}
    if as_json:
        print_json(payload)
        return
    console.print(table("LLM usage today", ["agent", "requests", "tokens", "cost_usd"], [
        [a, str(u["requests"]), str(u["tokens"]), f"{u['cost_usd']:.4f}"]
        for a, u in totals.items()]))


@app.command("approvals")
@handles_errors
def approvals(as_json: bool = JSON_OPTION) -> None:
    """Agent actions waiting for a person."""
    from signaltrust.agents.audit import ApprovalQueue

    pending = ApprovalQueue(_database()).pending()
    if as_json:
        print_json(pending)
        return
    console.print(table("pending approvals", ["id", "agent", "action", "level", "payload"], [
        [str(a.id), a.agent, a.action, a.level, str(a.payload)[:80]] for a in pending]))


def _decide(approval_id: int, approve: bool, actor: str, note: str, as_json: bool) -> None:
    from signaltrust.agents.audit import ApprovalQueue, AuditTrail

    database = _database()
    decided = ApprovalQueue(database).decide(approval_id, approve=approve, actor=actor,
                                             note=note)
    AuditTrail(database).record(decided.agent, "approval", {
        "id": decided.id, "status": decided.status, "by": actor, "note": note})
    if as_json:
        print_json(decided)
        return
    console.print(f"approval {decided.id}: {decided.status} by {actor}")


@app.command("approve")
@handles_errors
def approve(approval_id: int = typer.Argument(...), actor: str = ACTOR_OPTION,
            note: str = NOTE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Approve a pending agent action (it is applied by whoever holds the risk engine)."""
    _decide(approval_id, True, actor, note, as_json)


@app.command("reject")
@handles_errors
def reject(approval_id: int = typer.Argument(...), actor: str = ACTOR_OPTION,
           note: str = NOTE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Reject a pending agent action."""
    _decide(approval_id, False, actor, note, as_json)
