import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, type Bar, type NodeInfo } from "../api";
import { useLiveQuery } from "../hooks";
import { useSession } from "../session";
import { fetchFills } from "../store";
import { Card, Stat, Table } from "../components/ui";
import { EChart } from "../components/EChart";
import { day, drawdown, equityFromFills, money, pct, pnlByPeriod } from "../format";

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
  const symbol = current?.data[0];
  const bars = useQuery({ queryKey: ["bars-all", symbol], enabled: !!symbol, staleTime: Infinity, queryFn: () => api<{ bars: Bar[] }>(`/data/bars/${symbol}?limit=20000`).then((b) => b.bars) });
  const fills = useLiveQuery(["fills", node], () => fetchFills(node!), node ? [["fills", node]] : [], !!node);
  const startCash = current?.pnl[0]?.start_cash ?? 0;
  const points = useMemo(() => {
    const rebuilt = equityFromFills(bars.data ?? [], fills.data ?? [], startCash, current?.last_bar);
    const e = current?.pnl[0]?.equity;
    if (rebuilt.length && e != null) rebuilt[rebuilt.length - 1] = [rebuilt[rebuilt.length - 1][0], e];
    return rebuilt;
  }, [bars.data, fills.data, startCash, current?.last_bar, current?.pnl]);
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
        <EChart label="equity and drawdown" height={260} option={{
          tooltip: { trigger: "axis" },
          grid: [{ left: 60, right: 16, top: 10, height: "55%" }, { left: 60, right: 16, top: "72%", height: "20%" }],
          xAxis: [{ type: "category", data: points.map((p) => p[0].slice(0, 10)), gridIndex: 0, show: false }, { type: "category", data: points.map((p) => p[0].slice(0, 10)), gridIndex: 1 }],
          yAxis: [{ type: "value", scale: true, gridIndex: 0 }, { type: "value", gridIndex: 1, max: 0, min: Math.min(-0.01, ...dd), splitNumber: 2, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }],
          series: [
            { type: "line", name: "equity", data: points.map((p) => p[1]), showSymbol: false, xAxisIndex: 0, yAxisIndex: 0 },
            { type: "line", name: "drawdown", data: dd, showSymbol: false, areaStyle: { opacity: 0.3 }, color: "#cf222e", xAxisIndex: 1, yAxisIndex: 1 },
          ],
        }} />
        <p className="muted small">Rebuilt from the node's journalled fills and the bars' closes; the last point is the node's own figure.</p>
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
