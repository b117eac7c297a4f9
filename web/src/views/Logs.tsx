import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, type JournalRow } from "../api";
import { useChannel, useLiveQuery } from "../hooks";
import { useSession } from "../session";
import { Card, ErrorNote, Table } from "../components/ui";

/** A line of GET /nodes/{name}/logs, or a row the WebSocket's ``logs`` channel pushes. */
export interface LogRow { seq?: number | null; bus_seq?: number; ts?: string | null; kind?: string; type?: string; source?: string; message?: string; [key: string]: unknown }

const kindOf = (row: LogRow) => String(row.kind ?? row.type ?? "");

/** What the line says: the API's message, or one made from the journalled payload. */
export function logMessage(row: LogRow): string {
  if (typeof row.message === "string") return row.message;
  const kind = kindOf(row);
  if (kind === "command") {
    const args = Object.entries((row.args as Record<string, unknown>) ?? {}).filter(([, v]) => v != null).map(([k, v]) => `${k} ${v}`).join(", ");
    return `${row.actor ?? "operator"}: ${row.command}${args ? ` (${args})` : ""}`;
  }
  if (kind === "state" || kind === "risk_state") return `${row.account}: risk state ${row.state} (${row.actor}: ${row.reason})`;
  if (kind === "reconcile" || kind === "reconciliation") {
    const differences = (row.differences as Array<{ explained?: boolean }>) ?? [];
    return `${row.account ?? "node"}: reconciliation found ${differences.length} difference(s), ${differences.filter((d) => !d.explained).length} unexplained; state ${row.state}`;
  }
  const { seq, bus_seq, ts, type, ...rest } = row;
  void seq; void bus_seq; void ts; void type;
  return JSON.stringify(rest);
}

/** One key per journal entry however it came (REST, the journal poller, the event bus). */
function keyOf(row: LogRow): string {
  if (kindOf(row) === "command" && row.id != null) return `command:${row.id}`;
  if (row.seq != null) return `seq:${row.seq}`;
  return `${kindOf(row)}:${row.ts}:${logMessage(row)}`;
}

/** ``rows`` and ``incoming`` together, each entry once, in journal order, the last ``keep``. */
export function mergeLog(rows: LogRow[], incoming: LogRow[], keep = 500): LogRow[] {
  const seen = new Map(rows.map((r) => [keyOf(r), r]));
  for (const row of incoming) if (!seen.has(keyOf(row))) seen.set(keyOf(row), row);
  // journal order; a row the event bus pushed has no journal number: it is the newest
  const out = [...seen.values()].sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity) || 0);
  return out.slice(Math.max(0, out.length - keep));
}

export function Logs() {
  const { node } = useSession();
  const history = useQuery({ queryKey: ["logs", node], enabled: !!node, queryFn: () => api<LogRow[]>(`/nodes/${node}/logs?limit=200`) });
  const [events, setEvents] = useState<LogRow[]>([]);
  useEffect(() => { setEvents(mergeLog([], (history.data ?? []).filter((r) => r.source !== "process"))); }, [history.data]);
  useChannel("logs", node, (m) => {
    if (m.type !== "snapshot" && m.type !== "delta") return;
    const items = (Array.isArray(m.data) ? m.data : [m.data]).filter((x): x is LogRow => !!x && typeof x === "object");
    setEvents((old) => mergeLog(old, items));
  }, !!node);
  // risk state changes and reconciliations come on the risk channel (its snapshot: {events})
  useChannel("risk", node, (m) => {
    const data = m.data as { events?: LogRow[] } | LogRow | undefined;
    const items = m.type === "snapshot" ? ((data as { events?: LogRow[] })?.events ?? []) : m.type === "delta" && data ? [data as LogRow] : [];
    const journalled = items.filter((r) => ["state", "reconcile", "risk_state", "reconciliation"].includes(kindOf(r)));
    if (journalled.length) setEvents((old) => mergeLog(old, journalled));
  }, !!node);
  const output = (history.data ?? []).filter((r) => r.source === "process");
  const orders = useLiveQuery(["order-events", node], () => api<JournalRow[]>(`/nodes/${node}/orders?limit=1000`), [["orders", node]], !!node);
  return (
    <div className="grid">
      <Card title={`Node ${node ?? ""}: log`} wide>
        <Table label="node log" columns={["seq", "time", "kind", "message"]} rows={[...events].reverse().map((r) => [
          r.seq ?? "-", String(r.ts ?? "").slice(0, 19).replace("T", " "), kindOf(r), logMessage(r),
        ])} empty={history.isLoading ? "loading" : "no operator commands, risk state changes or reconciliations yet"} />
        <ErrorNote error={history.error} />
        <p className="muted small">Operators' commands, risk state changes and reconciliations the node journalled; new ones arrive as it journals them.</p>
      </Card>
      <Card title="Process output" wide>
        <pre className="log" aria-label="node process output" tabIndex={0}>{output.length ? output.map((r) => r.message).join("\n") : "no output (a node the API did not start writes none here)"}</pre>
      </Card>
      <Card title="Order events" wide>
        <Table label="order events" columns={["seq", "time", "order", "from", "to", "reason"]} rows={(orders.data ?? []).slice(-100).reverse().map((o) => [o.seq, String(o.ts ?? "").slice(0, 10), String(o.client_order_id), String(o.previous ?? "-"), String(o.status), String(o.reason ?? "")])} />
      </Card>
    </div>
  );
}
