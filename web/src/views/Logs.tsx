import { useState } from "react";
import { api, type JournalRow } from "../api";
import { useChannel, useLiveQuery } from "../hooks";
import { useSession } from "../session";
import { Card, Table } from "../components/ui";

export function Logs() {
  const { node } = useSession();
  const [lines, setLines] = useState<string[]>([]);
  useChannel("logs", node, (m) => {
    const items = Array.isArray(m.data) ? m.data : [m.data];
    setLines((old) => [...old, ...items.map((x) => typeof x === "string" ? x : JSON.stringify(x))].slice(-200));
  }, !!node);
  const orders = useLiveQuery(["order-events", node], () => api<JournalRow[]>(`/nodes/${node}/orders?limit=1000`), [["orders", node]], !!node);
  return (
    <div className="grid">
      <Card title={`Node ${node ?? ""}: messages`} wide>
        <pre className="log" aria-label="node log" tabIndex={0}>{lines.length ? lines.join("\n") : "no messages yet"}</pre>
      </Card>
      <Card title="Order events" wide>
        <Table label="order events" columns={["seq", "time", "order", "from", "to", "reason"]} rows={(orders.data ?? []).slice(-100).reverse().map((o) => [o.seq, String(o.ts ?? "").slice(0, 10), String(o.client_order_id), String(o.previous ?? "-"), String(o.status), String(o.reason ?? "")])} />
      </Card>
    </div>
  );
}
