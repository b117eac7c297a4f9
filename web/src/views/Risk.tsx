import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, put } from "../api";
import { can, useSession } from "../session";
import { Card, ErrorNote, Table } from "../components/ui";
import { EChart } from "../components/EChart";
import { pct } from "../format";
import { KillSwitch } from "./Trading";

interface Report { var: Array<{ method: string; level: number; var: number; cvar: number }>; exposures: Array<{ instrument: string; net_pct: number; gross_pct: number }>; stress: Array<{ scenario: string; start: string; end: string; strategy_return: number; strategy_max_drawdown: number; description: string }> }

function LimitRow({ name, value, admin }: { name: string; value: unknown; admin: boolean }) {
  const client = useQueryClient();
  const [text, setText] = useState(value == null ? "" : JSON.stringify(value));
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    setError(null);
    try { await put(`/risk/limits/${name}`, { value: text.trim() === "" ? null : JSON.parse(text), reason: "changed on the dashboard" }); await client.invalidateQueries({ queryKey: ["limits"] }); } catch (x) { setError(x instanceof SyntaxError ? new Error("a number, true/false, or a JSON value") : x); }
  };
  return (
    <tr>
      <td>{name}</td>
      <td>{admin ? <input aria-label={`limit ${name}`} value={text} onChange={(e) => setText(e.target.value)} placeholder="none" /> : value == null ? "none" : JSON.stringify(value)}</td>
      {admin ? <td><button onClick={save}>Save</button><ErrorNote error={error} /></td> : null}
    </tr>
  );
}

export function Risk() {
  const { me } = useSession();
  const admin = can(me, "admin");
  const limits = useQuery({ queryKey: ["limits"], queryFn: () => api<Record<string, unknown>>("/risk/limits") });
  const report = useQuery({ queryKey: ["risk-report"], queryFn: () => api<Report>("/risk/report/sp500?simulations=5000"), staleTime: 600000 });
  const audit = useQuery({ queryKey: ["audit"], queryFn: () => api<Array<Record<string, any>>>("/audit?limit=50"), enabled: admin });
  const r = report.data;
  return (
    <div className="grid">
      <Card title="State" wide><KillSwitch /></Card>
      <Card title="VaR and CVaR (S&P 500, daily)">
        <ErrorNote error={report.error} />
        <Table label="value at risk" columns={["method", "level", "VaR", "CVaR"]} rows={(r?.var ?? []).map((v) => [v.method, pct(v.level, 0), pct(v.var, 2), pct(v.cvar, 2)])} empty={report.isLoading ? "computing..." : "none"} />
      </Card>
      <Card title="Stress windows" wide>
        <Table label="stress windows" columns={["scenario", "window", "return", "max drawdown"]} rows={(r?.stress ?? []).map((s) => [<span title={s.description}>{s.scenario}</span>, `${s.start} - ${s.end}`, pct(s.strategy_return), pct(s.strategy_max_drawdown)])} empty={report.isLoading ? "computing..." : "none"} />
      </Card>
      <Card title="Exposure">
        <EChart label="exposure heat map" height={120} option={{
          tooltip: {}, grid: { left: 80, right: 60, top: 10, bottom: 30 },
          xAxis: { type: "category", data: ["net", "gross"] }, yAxis: { type: "category", data: (r?.exposures ?? []).map((e) => e.instrument) },
          visualMap: { min: -1, max: 1, orient: "vertical", right: 0, top: "center", itemHeight: 60 },
          series: [{ type: "heatmap", label: { show: true, formatter: (p: any) => pct(p.value[2]) }, data: (r?.exposures ?? []).flatMap((e, i) => [[0, i, e.net_pct], [1, i, e.gross_pct]]) }],
        }} />
      </Card>
      <Card title={admin ? "Limits (editable)" : "Limits"}>
        <div className="table-wrap" tabIndex={0} role="region" aria-label="limits (scrolls)"><table aria-label="limits"><thead><tr><th scope="col">limit</th><th scope="col">value</th>{admin ? <th scope="col"><span className="sr-only">save</span></th> : null}</tr></thead>
          <tbody>{Object.entries(limits.data ?? {}).filter(([, v]) => typeof v !== "object" || v === null).map(([k, v]) => <LimitRow key={k} name={k} value={v} admin={admin} />)}</tbody></table></div>
      </Card>
      {admin ? <Card title="Audit log" wide>
        <Table label="audit log" columns={["when", "actor", "action", "detail"]} rows={(audit.data ?? []).slice(-50).reverse().map((a) => [String(a.ts ?? a.time ?? a.created ?? "").slice(0, 19), String(a.actor ?? ""), String(a.action ?? ""), <code>{JSON.stringify(a.detail ?? a.after ?? a.payload ?? "").slice(0, 120)}</code>])} />
      </Card> : null}
    </div>
  );
}
