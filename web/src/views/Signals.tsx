import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { useLiveQuery } from "../hooks";
import { Card, ErrorNote, Stat, Table } from "../components/ui";
import { EChart } from "../components/EChart";
import { day, num, pct } from "../format";

export interface AgentView { agent: string; stance: string; score: number; confidence: number; summary: string; reasons: string[]; source: string }
export interface Breakout { score: number | null; components: Record<string, number | null>; sources: Record<string, string | null>; note?: string | null }
export interface RelatedDoc { kind: string; title: string; first_seen_at?: string | null; score?: number | null; source?: string; url?: string }
export interface Signal { symbol: string; score: number; ml_probability: number; llm_confidence?: number | null; confidence: number; direction: string; timestamp: string; note: string; explanation: { sentences: string[]; summary?: string | null; contributions: Array<{ label: string; value: number | null; contribution: number | null }> }; regime: { label: string | null; probabilities: Record<string, number | null>; note: string | null }; model_version: { name: string; version: number; alias: string }; agents?: Record<string, AgentView>; conflicts?: string[]; breakout_score?: Breakout | null; related_docs?: RelatedDoc[]; blend?: Record<string, number> }

/** How the score was made: the model's probability alone, or its blend with the LLM's confidence. */
export function blendNote(s: Signal): string {
  if (s.llm_confidence == null) return `model ${num(s.ml_probability, 3)}; no LLM`;
  const w = s.blend ?? {};
  return `${num(w.probability ?? 0, 1)} x model ${num(s.ml_probability, 3)} + ${num(w.llm ?? 0, 1)} x LLM ${num(s.llm_confidence, 3)}`;
}

/** One row per agent: who, its stance and score, how sure, rules or LLM, and its summary. */
export function agentRows(agents: Record<string, AgentView> | undefined): string[][] {
  return Object.values(agents ?? {}).map((a) => [a.agent.replace(/_/g, " "), a.stance, num(a.score, 2), pct(a.confidence), a.source, a.summary]);
}

/** The breakout score's components with where each came from ("no data" where none exists). */
export function breakoutRows(breakout: Breakout | null | undefined): string[][] {
  return Object.entries(breakout?.components ?? {}).map(([k, v]) => [k, v == null ? "no data" : num(v, 2), breakout?.sources?.[k] ?? "-"]);
}

function AgentViews({ s }: { s: Signal }) {
  return (
    <Card title="Agents" wide>
      <Table label="agents' views" columns={["agent", "stance", "score", "confidence", "source", "summary"]} rows={agentRows(s.agents)} empty="no agent reported" />
      {s.conflicts?.length ? <p className="small">Conflicts: {s.conflicts.join("; ")}</p> : null}
      {s.explanation.summary ? <details><summary>In plain language</summary><p className="small">{s.explanation.summary}</p></details> : null}
    </Card>
  );
}

function BreakoutCard({ breakout }: { breakout: Breakout | null | undefined }) {
  return (
    <Card title="Breakout score">
      <div className="stats"><Stat label="Breakout" value={breakout?.score == null ? "-" : num(breakout.score, 2)} note={breakout?.note ?? undefined} /></div>
      <Table label="breakout components" columns={["component", "score", "from"]} rows={breakoutRows(breakout)} />
    </Card>
  );
}

function RelatedDocs({ docs }: { docs: RelatedDoc[] | undefined }) {
  return (
    <Card title="Related documents">
      <Table label="related documents" columns={["first seen", "title", "kind", "similarity"]} empty="no documents known by this bar"
        rows={(docs ?? []).map((d) => [d.first_seen_at ? day(d.first_seen_at) : "-", d.title, d.kind, d.score == null ? "-" : num(d.score, 2)])} />
    </Card>
  );
}

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
          <Stat label="Blend" value={s.llm_confidence == null ? "model only" : "model + LLM"} note={blendNote(s)} />
          <Stat label="Confidence" value={pct(s.confidence)} />
          <Stat label="Breakout" value={s.breakout_score?.score == null ? "-" : num(s.breakout_score.score, 2)} />
          <Stat label="Regime" value={s.regime.label ?? "-"} note={s.regime.note ?? undefined} />
          <Stat label="Bar" value={day(s.timestamp)} note={`${s.model_version.name} v${s.model_version.version} (${s.model_version.alias})`} />
        </div> : null}
      </Card>
      {s ? <AgentViews s={s} /> : null}
      {s ? <Card title="Explanation">
        <ul>{s.explanation.sentences.slice(0, 6).map((x) => <li key={x}>{x}</li>)}</ul>
        <EChart label="feature contributions" height={260} option={{
          grid: { left: 120, right: 16, top: 8, bottom: 24 }, tooltip: {},
          yAxis: { type: "category", data: top.map((c) => c.label) }, xAxis: { type: "value", splitNumber: 3 },
          series: [{ type: "bar", data: top.map((c) => ({ value: c.contribution, itemStyle: { color: c.contribution! >= 0 ? "#1a7f37" : "#cf222e" } })) }],
        }} />
      </Card> : null}
      {s ? <BreakoutCard breakout={s.breakout_score} /> : null}
      {s ? <RelatedDocs docs={s.related_docs} /> : null}
      {s ? <Card title="Regime probabilities">
        <Table label="regime probabilities" columns={["regime", "probability"]} rows={Object.entries(s.regime.probabilities).map(([k, v]) => [k, pct(v)])} />
        <p className="muted small">{s.note}</p>
      </Card> : null}
    </div>
  );
}
