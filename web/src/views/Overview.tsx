import { useState } from "react";
import { api, type NodeInfo } from "../api";
import { useLiveQuery } from "../hooks";
import { useSession } from "../session";
import { Card, ErrorNote, Stat, Table } from "../components/ui";
import { EChart } from "../components/EChart";
import { EquityChart, useEquityHistory } from "../components/EquityHistory";
import { day, drawdown, money, pct, pnlByPeriod } from "../format";

/** Every node, refreshed when the selected node's figures or any node's health change. */
export function useNodes() {
  const { node } = useSession();
  const channels: Array<[string, string | null]> = [["health", null]];
  if (node) channels.push(["pnl", node], ["positions", node], ["health", node]);
  return useLiveQuery(["nodes"], () => api<NodeInfo[]>("/nodes"), channels);
}

export function Overview() {
  const { node } = useSession();
  const nodes = useNodes();
  const [period, setPeriod] = useState<"day" | "week" | "month">("week");
  const current = nodes.data?.find((n) => n.name === node);
  const { points, error } = useEquityHistory(node, current);
  const dd = drawdown(points.map((p) => p[1]));
  const pnl = current?.pnl[0];
  const periods = pnlByPeriod(points, period).slice(-40);
  return (
    <div className="grid">
      <Card title="Runtime" wide>
        <div className="stats">
          <Stat label="Equity" value={<span data-testid="equity">{money(pnl?.equity)}</span>} />
          <Stat label="P&L" value={money(pnl?.pnl)} tone={(pnl?.pnl ?? 0) >= 0 ? "good" : "bad"} note={pnl?.start_cash ? pct((pnl.pnl ?? 0) / pnl.start_cash) : undefined} />
          <Stat label="Drawdown" value={pct(dd.length ? dd[dd.length - 1] : null)} note={`worst ${pct(dd.length ? Math.min(...dd) : null)}`} />
          <Stat label="Bar" value={day(current?.last_bar)} note={`${(current?.steps ?? 0).toLocaleString()} steps`} />
          <Stat label="Fills" value={current?.accounts[0]?.fills ?? "-"} />
          <Stat label="Risk" value={current?.accounts[0]?.risk_state ?? "-"} />
        </div>
      </Card>
      <Card title="Equity and drawdown" wide>
        <EquityChart points={points} />
        <ErrorNote error={error} />
        <p className="muted small">Every bar since the node first started, from its journal (cash and positions after each fill, marked at each close), then each figure the node reports as it trades.</p>
      </Card>
      <Card title="P&L by period" actions={
        <div className="row" role="group" aria-label="Period">
          {(["day", "week", "month"] as const).map((p) => <button key={p} aria-pressed={period === p} onClick={() => setPeriod(p)}>{p}</button>)}
        </div>}>
        <EChart label="P&L by period" option={{
          tooltip: { trigger: "axis" }, grid: { left: 60, right: 10, top: 10, bottom: 30 },
          xAxis: { type: "category", data: periods.map((p) => p[0]) }, yAxis: { type: "value" },
          series: [{ type: "bar", data: periods.map((p) => ({ value: p[1], itemStyle: { color: p[1] >= 0 ? "#1a7f37" : "#cf222e" } })) }],
        }} />
      </Card>
      <Card title="Nodes and connections">
        <Table label="node health" columns={["node", "status", "heartbeat", "bar", "equity"]} rows={(nodes.data ?? []).map((n) => [
          n.name, <span className={`pill ${n.status}`}>{n.status}</span>, n.heartbeat ? new Date(n.heartbeat).toLocaleTimeString() : "-", day(n.last_bar), money(n.pnl[0]?.equity),
        ])} />
      </Card>
    </div>
  );
}
