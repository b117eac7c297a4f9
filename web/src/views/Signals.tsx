import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { useLiveQuery } from "../hooks";
import { Card, ErrorNote, Stat, Table } from "../components/ui";
import { EChart } from "../components/EChart";
import { day, num, pct } from "../format";

interface Signal { symbol: string; score: number; confidence: number; direction: string; timestamp: string; note: string; explanation: { sentences: string[]; contributions: Array<{ label: string; value: number | null; contribution: number | null }> }; regime: { label: string | null; probabilities: Record<string, number | null>; note: string | null }; model_version: { name: string; version: number; alias: string } }

export function Signals() {
  const datasets = useQuery({ queryKey: ["datasets"], queryFn: () => api<Array<{ name: string; kind?: string }>>("/data/datasets") });
  const [symbol, setSymbol] = useState("sp500");
  const signal = useLiveQuery(["signal", symbol], () => api<Signal>(`/signals/${symbol}`), [["signals", null]]);
  const s = signal.data;
  const top = (s?.explanation.contributions ?? []).filter((c) => c.contribution != null).sort((a, b) => Math.abs(b.contribution!) - Math.abs(a.contribution!)).slice(0, 10).reverse();
  return (
    <div className="grid">
      <Card title="Symbol" wide>
        <label>Dataset <select value={symbol} onChange={(e) => setSymbol(e.target.value)}>
          {(datasets.data ?? [{ name: "sp500" }]).map((d) => <option key={d.name}>{d.name}</option>)}
        </select></label>
        {signal.isLoading ? <p className="muted">Computing the signal (the first one trains and registers the model)...</p> : null}
        <ErrorNote error={signal.error} />
        {s ? <div className="stats">
          <Stat label="Score" value={num(s.score, 3)} note={s.direction} />
          <Stat label="Confidence" value={pct(s.confidence)} />
          <Stat label="Regime" value={s.regime.label ?? "-"} note={s.regime.note ?? undefined} />
          <Stat label="Bar" value={day(s.timestamp)} note={`${s.model_version.name} v${s.model_version.version} (${s.model_version.alias})`} />
        </div> : null}
      </Card>
      {s ? <Card title="Explanation">
        <ul>{s.explanation.sentences.slice(0, 6).map((x) => <li key={x}>{x}</li>)}</ul>
        <EChart label="feature contributions" height={260} option={{
          grid: { left: 120, right: 16, top: 8, bottom: 24 }, tooltip: {},
          yAxis: { type: "category", data: top.map((c) => c.label) }, xAxis: { type: "value", splitNumber: 3 },
          series: [{ type: "bar", data: top.map((c) => ({ value: c.contribution, itemStyle: { color: c.contribution! >= 0 ? "#1a7f37" : "#cf222e" } })) }],
        }} />
      </Card> : null}
      {s ? <Card title="Regime probabilities">
        <Table label="regime probabilities" columns={["regime", "probability"]} rows={Object.entries(s.regime.probabilities).map(([k, v]) => [k, pct(v)])} />
        <p className="muted small">{s.note}</p>
      </Card> : null}
    </div>
  );
}
