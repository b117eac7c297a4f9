// The oversight agents: the approval queue (traders decide), the latest reports and decisions,
// each workflow's reasoning steps from the audit trail, LLM tokens and cost per agent.
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, post } from "../api";
import { can, useSession } from "../session";
import { Card, ConfirmButton, ErrorNote, Table } from "../components/ui";
import { money, num, pct } from "../format";

export interface AgentCard { name: string; job: string; trigger: string; inputs: string; report: string; tools: string[] }
export interface AuditRecord { ts_ns: number; workflow: string; agent: string; kind: string; payload: Record<string, any> }
export interface Usage { requests: number; input_tokens: number; output_tokens: number; tokens: number; cost_usd: number }
export interface UsageReport { day: string; quota_tokens: number; quota_cost_usd: number; agents: Record<string, Usage>; history: Array<Usage & { day: string; agent: string }> }
export interface Approval { id: number; agent: string; action: string; level: string; payload: Record<string, any>; status: string; decided_by: string | null; note: string | null }

export const when = (ns: number) => new Date(ns / 1e6).toISOString().replace("T", " ").slice(0, 19);

/** One line saying what an audit record holds: the prompt, the tool, the tokens, the answer, the decision. */
export function describe(r: AuditRecord): string {
  const p = r.payload ?? {};
  switch (r.kind) {
    case "prompt": return String(p.prompt ?? "");
    case "tool_call": return `calls ${p.tool}`;
    case "tool_result": return `${p.tool} answered ${String(p.result ?? "").slice(0, 160)}`;
    case "usage": return `${p.input_tokens} tokens in, ${p.output_tokens} out${p.cost_usd ? `, $${num(p.cost_usd, 4)}` : ""}`;
    case "response": return `${p.stance} (confidence ${num(p.confidence)}): ${p.summary ?? ""}`;
    case "fallback": return `fell back to the rules: ${p.why}${p.detail ? ` (${String(p.detail).slice(0, 120)})` : ""}`;
    case "error": return String(p.error ?? "");
    case "approval": return p.status ? `approval ${p.id} ${p.status} by ${p.by}${p.note ? `: ${p.note}` : ""}` : `asks for approval ${p.id}: ${request(p.request)}`;
    case "decision":
      if ("consensus" in p) return `${p.symbol}: consensus ${num(p.consensus)} with confidence ${num(p.confidence)}${p.conflicts?.length ? `; conflicts: ${p.conflicts.join("; ")}` : ""}`;
      if ("outcome" in p) return `${request(p.request)}: ${p.outcome}${p.why ? ` - ${p.why}` : ""}`;
      if ("veto" in p) return `vetoed ${p.order} (${p.symbol}): ${JSON.stringify(p.violations)}`;
      if ("score" in p) return `${p.symbol}: score ${num(p.score)}, model ${num(p.ml_probability)}${p.llm_confidence != null ? `, LLM ${num(p.llm_confidence)}` : ""}`;
      return JSON.stringify(p).slice(0, 200);
    default: return JSON.stringify(p).slice(0, 200);
  }
}

function request(r: Record<string, any> | undefined): string {
  if (!r) return "";
  const what = r.kind === "set_state" ? `set the state to ${r.state}` : `set ${r.limit} to ${r.value}`;
  return `${what}${r.reason ? ` (${r.reason})` : ""}`;
}

export function ApprovalQueue() {
  const { me } = useSession();
  const client = useQueryClient();
  const approvals = useQuery({ queryKey: ["agent-approvals"], queryFn: () => api<Approval[]>("/agents/approvals?limit=50") });
  const trader = can(me, "trader");
  const decide = async (a: Approval, approve: boolean, note: string) => {
    await post(`/agents/approvals/${a.id}`, { approve, note });
    await Promise.all([client.invalidateQueries({ queryKey: ["agent-approvals"] }), client.invalidateQueries({ queryKey: ["agent-audit"] })]);
  };
  const rows = (approvals.data ?? []).map((a) => [
    a.id, a.agent, `${request(a.payload)}`, a.level,
    <span className={`pill ${a.status === "pending" ? "connecting" : a.status === "approved" ? "running" : "down"}`} data-testid={`approval-${a.id}`}>{a.status}</span>,
    a.decided_by ? `${a.decided_by}${a.note ? `: ${a.note}` : ""}` : "-",
    ...(trader ? [a.status === "pending" ? <span className="row">
      <ConfirmButton label={`Approve ${a.id}`} reason question={`Approve ${a.agent}'s request to ${request(a.payload)}?`} onConfirm={(why) => decide(a, true, why)} />{" "}
      <ConfirmButton label={`Reject ${a.id}`} reason danger question={`Reject ${a.agent}'s request to ${request(a.payload)}?`} onConfirm={(why) => decide(a, false, why)} />
    </span> : ""] : []),
  ]);
  return (
    <Card title="Approval queue" wide>
      <ErrorNote error={approvals.error} />
      <p className="muted small">Agent actions at or above the approval level wait here; an approved action is applied by whoever holds the risk engine.{trader ? "" : " Traders decide them."}</p>
      <Table label="approvals" columns={["id", "agent", "request", "level", "status", "decided", ...(trader ? ["decide"] : [])]} rows={rows} empty="no agent action is waiting" />
    </Card>
  );
}

function Reports({ decision, records }: { decision: AuditRecord | undefined; records: AuditRecord[] }) {
  const views = Object.entries((decision?.payload.views ?? {}) as Record<string, [string, number, number, string]>);
  // what the LLM wrote about each agent's report in that workflow (absent with rules only)
  const said = new Map(records.filter((r) => r.workflow === decision?.workflow && r.kind === "response").map((r) => [r.agent, String(r.payload.summary ?? "")]));
  return (
    <Card title="Reports of the latest workflow" wide>
      {decision ? <p className="muted small">{decision.workflow} at {when(decision.ts_ns)}: {describe(decision)}</p> : null}
      <Table label="agent reports" columns={["agent", "stance", "score", "confidence", "from", "reasoning"]} rows={views.map(([agent, [stance, score, confidence, source]]) => [agent, stance, num(score), pct(confidence, 0), source, <span className="wrap">{said.get(agent) ?? "-"}</span>])} empty="no workflow has run yet (signaltrust signal sp500)" />
    </Card>
  );
}

function Steps({ workflow }: { workflow: string | null }) {
  const steps = useQuery({ queryKey: ["agent-audit", "workflow", workflow], enabled: !!workflow, queryFn: () => api<AuditRecord[]>(`/agents/audit?workflow=${encodeURIComponent(workflow ?? "")}&limit=200`) });
  return (
    <Table label="reasoning steps" columns={["time", "agent", "step", "what"]} rows={[...(steps.data ?? [])].reverse().map((r) => [when(r.ts_ns), r.agent, r.kind, <span className="wrap">{describe(r)}</span>])} empty={!workflow ? "pick a workflow" : steps.isLoading ? "loading..." : "no steps"} />
  );
}

function UsageCard() {
  const usage = useQuery({ queryKey: ["agent-usage"], queryFn: () => api<UsageReport>("/agents/usage?days=30") });
  const u = usage.data;
  return (
    <Card title="LLM usage today (UTC)">
      <ErrorNote error={usage.error} />
      {u ? <p className="muted small">{u.day}: quotas per agent {u.quota_tokens.toLocaleString("en-US")} tokens and ${money(u.quota_cost_usd)} a day</p> : null}
      <Table label="LLM usage" columns={["agent", "requests", "tokens in", "tokens out", "cost $", "of quota"]} rows={Object.entries(u?.agents ?? {}).map(([a, x]) => [a, x.requests, x.input_tokens.toLocaleString("en-US"), x.output_tokens.toLocaleString("en-US"), num(x.cost_usd, 4), pct(Math.max(x.tokens / u!.quota_tokens, x.cost_usd / u!.quota_cost_usd))])} empty="no LLM call today (rules only)" />
      {(u?.history.length ?? 0) > 0 ? <details><summary>By day (30 days)</summary>
        <Table label="LLM usage by day" columns={["day", "agent", "requests", "tokens", "cost $"]} rows={u!.history.map((h) => [h.day, h.agent, h.requests, h.tokens.toLocaleString("en-US"), num(h.cost_usd, 4)])} />
      </details> : null}
    </Card>
  );
}

export function Agents() {
  const cards = useQuery({ queryKey: ["agents"], queryFn: () => api<AgentCard[]>("/agents") });
  const recent = useQuery({ queryKey: ["agent-audit", "recent"], queryFn: () => api<AuditRecord[]>("/agents/audit?limit=300") });
  const decisions = (recent.data ?? []).filter((r) => r.kind === "decision" || r.kind === "approval");
  const workflows = [...new Set((recent.data ?? []).map((r) => r.workflow))];
  const [picked, setPicked] = useState<string | null>(null);
  const latest = (recent.data ?? []).find((r) => r.agent === "coordinator" && r.kind === "decision");
  // the latest workflow the coordinator decided (its steps), else the latest of any
  const workflow = picked ?? latest?.workflow ?? workflows[0] ?? null;
  return (
    <div className="grid">
      <ApprovalQueue />
      <Reports decision={latest} records={recent.data ?? []} />
      <UsageCard />
      <Card title="Decisions" wide>
        <ErrorNote error={recent.error} />
        <Table label="agent decisions" columns={["time", "agent", "workflow", "decision"]} rows={decisions.slice(0, 30).map((r) => [when(r.ts_ns), r.agent, r.workflow, <span className="wrap">{describe(r)}</span>])} empty="no decision recorded yet" />
      </Card>
      <Card title="Reasoning steps" wide actions={<label>Workflow <select aria-label="Workflow" value={workflow ?? ""} onChange={(e) => setPicked(e.target.value)}>
        {workflows.map((w) => <option key={w}>{w}</option>)}
      </select></label>}>
        <Steps workflow={workflow} />
      </Card>
      <Card title="Agents" wide>
        <ErrorNote error={cards.error} />
        <Table label="agents" columns={["agent", "job", "trigger", "report", "tools"]} rows={(cards.data ?? []).map((c) => [c.name, <span className="wrap">{c.job}</span>, c.trigger, c.report, c.tools.join(", ") || "-"])} empty={cards.isLoading ? "loading..." : "none"} />
      </Card>
    </div>
  );
}
