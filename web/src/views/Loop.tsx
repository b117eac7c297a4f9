// The continuous learning loop: feature drift (PSI and KS against their thresholds), promotion
// decisions with their evidence, rollbacks (admins may roll back), each model's scores on its
// matured signals, and the scheduler's latest job firings.
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, post } from "../api";
import { can, useSession } from "../session";
import { Card, ConfirmButton, ErrorNote, Stat, Table } from "../components/ui";
import { EChart } from "../components/EChart";
import { num, pct } from "../format";

export interface DriftColumn { column: string; psi: number | null; ks_statistic: number | null; ks_pvalue: number | null; drifted: boolean }
export interface DriftReport { reference_rows: number; current_rows: number; reference_span: [string, string] | null; current_span: [string, string] | null; psi_threshold: number; ks_pvalue: number; drifted: string[]; share_drifted: number; columns: DriftColumn[]; notes: string[] }
export interface PromotionDecision { id: number; ts_ns: number; model: string; action: string; champion_version: string | null; challenger_version: string | null; metric: string; promoted: boolean; reason: string; evidence: Record<string, any>; actor: string }
export interface JobRun { job: string; fire_ns: number; owner: string; status: string; started_ns: number; finished_ns: number | null; error: string | null }
export interface Scores { model: string; n: number; start: string | null; end: string | null; hit_rate: number | null; precision_at_top: number | null; brier: number | null; ic: number | null; mae: number | null }

const when = (ns: number | null) => (ns == null ? "-" : new Date(ns / 1e6).toISOString().replace("T", " ").slice(0, 19));

/** Which of PSI and KS crossed its threshold for a feature (what the table highlights). */
export function crossed(c: DriftColumn, report: Pick<DriftReport, "psi_threshold" | "ks_pvalue">): { psi: boolean; ks: boolean } {
  return { psi: c.psi != null && c.psi > report.psi_threshold, ks: c.ks_pvalue != null && c.ks_pvalue < report.ks_pvalue };
}

/** The evidence of a promotion decision in one line: the metric of both, the improvement, the interval, the drawdowns. */
export function evidenceLine(d: PromotionDecision): string {
  const e = d.evidence ?? {};
  if (d.action === "rollback") return `v${e.from_version} -> v${e.to_version} (undoes decision ${e.undoes_decision})`;
  if (e.ab) return `A/B: ${JSON.stringify(e.ab).slice(0, 160)}`;
  const parts = [];
  if (e.champion != null) parts.push(`${d.metric} ${num(e.challenger, 4)} vs ${num(e.champion, 4)}`);
  if (e.improvement != null) parts.push(`improvement ${pct(e.improvement)} (needs ${pct(e.min_improvement, 0)})`);
  if (e.ci_low != null) parts.push(`CI ${num(e.ci_low, 4)} .. ${num(e.ci_high, 4)}`);
  if (e.challenger_max_drawdown != null) parts.push(`max DD ${pct(e.challenger_max_drawdown)} vs ${pct(e.champion_max_drawdown)}`);
  if (e.n != null) parts.push(`n ${e.n}`);
  return parts.join("; ") || "-";
}

function Drift() {
  const [data, setData] = useState("sp500");
  const [window, setWindow] = useState(126);
  const datasets = useQuery({ queryKey: ["datasets"], queryFn: () => api<Array<{ name: string; kind?: string }>>("/data/datasets") });
  const drift = useQuery({ queryKey: ["drift", data, window], queryFn: () => api<DriftReport>(`/learning/drift?data=${data}&window=${window}`), staleTime: 600000 });
  const d = drift.data;
  const columns = d?.columns ?? [];
  const top = [...columns].filter((c) => c.psi != null).slice(0, 15).reverse();
  return (
    <Card title="Feature drift" wide actions={<span className="row">
      <label>Dataset <select aria-label="Dataset" value={data} onChange={(e) => setData(e.target.value)}>
        {(datasets.data ?? [{ name: "sp500" }]).filter((x) => !x.kind || x.kind === "bars").map((x) => <option key={x.name}>{x.name}</option>)}
      </select></label>{" "}
      <label>Recent bars <select aria-label="Recent bars" value={window} onChange={(e) => setWindow(Number(e.target.value))}>
        {[63, 126, 252].map((n) => <option key={n} value={n}>{n}</option>)}
      </select></label>
    </span>}>
      <ErrorNote error={drift.error} />
      {drift.isLoading ? <p className="muted">Computing PSI and KS per feature...</p> : null}
      {d ? <>
        <div className="stats">
          <Stat label="Features drifted" value={`${d.drifted.length} of ${columns.length}`} tone={d.drifted.length ? "bad" : "good"} note={pct(d.share_drifted, 0)} />
          <Stat label="PSI threshold" value={num(d.psi_threshold)} note="drift when PSI is above" />
          <Stat label="KS p-value" value={num(d.ks_pvalue, 3)} note="and the KS p-value below" />
          <Stat label="Recent window" value={`${d.current_rows} bars`} note={d.current_span ? `${d.current_span[0].slice(0, 10)} - ${d.current_span[1].slice(0, 10)}` : undefined} />
          <Stat label="Reference" value={`${d.reference_rows} bars`} note={d.reference_span ? `${d.reference_span[0].slice(0, 10)} - ${d.reference_span[1].slice(0, 10)}` : undefined} />
        </div>
        <EChart label="PSI per feature against its threshold" height={Math.max(160, top.length * 18 + 40)} option={{
          grid: { left: 110, right: 24, top: 24, bottom: 24 }, tooltip: {},
          yAxis: { type: "category", data: top.map((c) => c.column) }, xAxis: { type: "value", splitNumber: 3 },
          series: [{ type: "bar", data: top.map((c) => ({ value: c.psi, itemStyle: { color: crossed(c, d).psi ? "#cf222e" : "#0969da" } })),
            markLine: { symbol: "none", silent: true, label: { formatter: "PSI threshold" }, lineStyle: { color: "#9a6700", type: "dashed" }, data: [{ xAxis: d.psi_threshold }] } }],
        }} />
        <div className="table-wrap" tabIndex={0} role="region" aria-label="drift per feature (scrolls)">
          <table aria-label="drift per feature">
            <thead><tr>{["feature", "PSI", "KS statistic", "KS p-value", "drifted"].map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
            <tbody>{columns.map((c) => {
              const x = crossed(c, d);
              return (
                <tr key={c.column} className={c.drifted ? "drifted" : undefined} data-testid={c.drifted ? "drifted-row" : undefined}>
                  <td>{c.column}</td>
                  <td className={x.psi ? "over" : undefined}>{num(c.psi, 3)}{x.psi ? " (over)" : ""}</td>
                  <td>{num(c.ks_statistic, 3)}</td>
                  <td className={x.ks ? "over" : undefined}>{c.ks_pvalue == null ? "-" : c.ks_pvalue.toExponential(2)}{x.ks ? " (under)" : ""}</td>
                  <td>{c.drifted ? "yes" : "no"}</td>
                </tr>
              );
            })}</tbody>
          </table>
        </div>
        {d.notes.map((n) => <p key={n} className="muted small">{n}</p>)}
      </> : null}
    </Card>
  );
}

function Decisions() {
  const { me } = useSession();
  const client = useQueryClient();
  const decisions = useQuery({ queryKey: ["promotion-decisions"], queryFn: () => api<PromotionDecision[]>("/learning/decisions?limit=100") });
  const list = decisions.data ?? [];
  const rollbacks = list.filter((d) => d.action === "rollback");
  const promoted = [...new Set(list.filter((d) => d.action === "promote" && d.promoted).map((d) => d.model))];
  const admin = can(me, "admin");
  return (
    <>
      <Card title="Promotion decisions" wide>
        <ErrorNote error={decisions.error} />
        <Table label="promotion decisions" columns={["time", "model", "action", "champion", "challenger", "promoted", "why", "evidence", "by"]} rows={list.map((d) => [
          when(d.ts_ns), d.model, d.action, d.champion_version ?? "-", d.challenger_version ?? "-", d.promoted ? "yes" : "no",
          <span className="wrap">{d.reason}</span>, <span className="wrap">{evidenceLine(d)}</span>, d.actor,
        ])} empty="no decision yet: signaltrust loop run --once retrain" />
      </Card>
      <Card title="Rollbacks">
        <Table label="rollbacks" columns={["time", "model", "from", "to", "why"]} rows={rollbacks.map((d) => [when(d.ts_ns), d.model, `v${d.evidence?.from_version ?? d.champion_version}`, `v${d.evidence?.to_version ?? d.challenger_version}`, <span className="wrap">{d.reason}</span>])} empty="no rollback" />
        {admin && promoted.length ? <div className="row">{promoted.map((m) => (
          <ConfirmButton key={m} label={`Roll back ${m}`} reason danger question={`Point ${m}'s production back at the champion before its last promotion?`} onConfirm={async (why) => { await post(`/learning/models/${m}/rollback`, { reason: why }); await client.invalidateQueries({ queryKey: ["promotion-decisions"] }); }} />
        ))}</div> : null}
      </Card>
    </>
  );
}

function ModelScores({ model }: { model: string }) {
  const scores = useQuery({ queryKey: ["signal-scores", model], queryFn: () => api<Scores>(`/learning/signals/${encodeURIComponent(model)}/scores`) });
  const s = scores.data;
  return <>{s ? [num(s.hit_rate, 3), num(s.precision_at_top, 3), num(s.brier, 3), num(s.ic, 3), num(s.mae, 3)].map((x, i) => <td key={i}>{x}</td>) : <td colSpan={5} className="muted">{scores.error ? "-" : "..."}</td>}</>;
}

function Models() {
  const counts = useQuery({ queryKey: ["signal-counts"], queryFn: () => api<Record<string, { logged: number; matured: number }>>("/learning/signals/counts") });
  const rows = Object.entries(counts.data ?? {});
  return (
    <Card title="Scores per model (matured signals)">
      <ErrorNote error={counts.error} />
      <div className="table-wrap" tabIndex={0} role="region" aria-label="model scores (scrolls)">
        <table aria-label="model scores">
          <thead><tr>{["model", "logged", "matured", "hit rate", "precision at top", "Brier", "IC", "MAE"].map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
          <tbody>{rows.length === 0 ? <tr><td colSpan={8} className="muted">no signal logged yet</td></tr> : rows.map(([model, c]) => (
            <tr key={model}><td>{model}</td><td>{c.logged}</td><td>{c.matured}</td>{c.matured ? <ModelScores model={model} /> : <td colSpan={5} className="muted">no outcome matured yet</td>}</tr>
          ))}</tbody>
        </table>
      </div>
    </Card>
  );
}

function Jobs() {
  const jobs = useQuery({ queryKey: ["loop-jobs"], queryFn: () => api<JobRun[]>("/learning/jobs?limit=30") });
  return (
    <Card title="Scheduled job firings">
      <ErrorNote error={jobs.error} />
      <Table label="job firings" columns={["job", "fired", "owner", "status", "took", "error"]} rows={(jobs.data ?? []).map((j) => [
        j.job, when(j.fire_ns), j.owner, <span className={`pill ${j.status === "ok" || j.status === "done" ? "running" : j.status === "running" ? "connecting" : "down"}`}>{j.status}</span>,
        j.finished_ns ? `${num((j.finished_ns - j.started_ns) / 1e9, 1)} s` : "-", <span className="wrap">{j.error ?? ""}</span>,
      ])} empty="no job has fired yet: signaltrust loop run" />
    </Card>
  );
}

export function Loop() {
  return (
    <div className="grid">
      <Drift />
      <Decisions />
      <Models />
      <Jobs />
    </div>
  );
}
