import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, post, type Bar, type Job } from "../api";
import { useLiveQuery } from "../hooks";
import { can, useSession } from "../session";
import { Card, ErrorNote, Stat, Table } from "../components/ui";
import { CandleChart } from "../components/CandleChart";
import { day, money, num, pct } from "../format";

interface StrategyInfo { name: string; summary: string; parameters: Array<{ name: string; default: unknown; type: string; doc: string }> }

export function useJobs() {
  return useLiveQuery(["jobs"], () => api<Job[]>("/jobs?limit=30"), [["jobs", null]]);
}

export function JobProgress({ job }: { job: Job }) {
  return <span className="progress-cell"><progress max={1} value={job.progress} aria-label={`progress of ${job.id}`} /> {job.status}</span>;
}

function RunForm({ onStarted }: { onStarted: (id: string) => void }) {
  const strategies = useQuery({ queryKey: ["strategies"], queryFn: () => api<StrategyInfo[]>("/strategies") });
  const [strategy, setStrategy] = useState("sma_cross");
  const [data, setData] = useState("sp500");
  const [params, setParams] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const info = strategies.data?.find((s) => s.name === strategy);
  const submit = async (e: FormEvent) => {
    e.preventDefault(); setError(null);
    const values: Record<string, unknown> = {};
    for (const p of info?.parameters ?? []) {
      const v = params[p.name];
      if (v === undefined || v === "") continue;
      values[p.name] = p.type === "bool" ? v === "true" : p.type === "int" || p.type === "float" ? Number(v) : v;
    }
    try { onStarted((await post<Job>("/backtests", { data, strategy, params: values })).id); } catch (x) { setError(x); }
  };
  return (
    <form onSubmit={submit} className="form" aria-label="Run a backtest">
      <label>Data <input value={data} onChange={(e) => setData(e.target.value)} /></label>
      <label>Strategy <select value={strategy} onChange={(e) => { setStrategy(e.target.value); setParams({}); }}>
        {(strategies.data ?? []).map((s) => <option key={s.name}>{s.name}</option>)}
      </select></label>
      {(info?.parameters ?? []).filter((p) => p.type !== "bool").map((p) => (
        <label key={p.name} title={p.doc}>{p.name} <input inputMode="decimal" placeholder={String(p.default)} value={params[p.name] ?? ""} onChange={(e) => setParams({ ...params, [p.name]: e.target.value })} /></label>
      ))}
      <ErrorNote error={error} />
      <button className="primary" type="submit">Run backtest</button>
    </form>
  );
}

export function Figure({ label, value, evidence }: { label: string; value: string; evidence: string }) {
  return <Stat label={label} value={value} note={evidence} />;
}

function Result({ id }: { id: string }) {
  const job = useLiveQuery(["job", id], () => api<Job>(`/jobs/${id}`), [["jobs", null]]);
  const [sheetError, setSheetError] = useState<unknown>(null);
  // a tab opened at the click (no popup blocker), given the tearsheet's page once fetched
  const openSheet = async () => {
    const tab = window.open("", "_blank");
    try {
      const html = await api<string>(`/jobs/${id}/tearsheet`, { text: true });
      const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
      if (tab) tab.location.href = url; else window.location.href = url;
    } catch (x) { tab?.close(); setSheetError(x); }
  };
  const r = job.data?.result;
  const h = r?.headline ?? {};
  const data = String(job.data?.params.data ?? "");
  const bars = useQuery({ queryKey: ["bars-all", data], enabled: !!r && !!data, queryFn: () => api<{ bars: Bar[] }>(`/data/bars/${data}?limit=20000`).then((b) => b.bars).catch(() => [] as Bar[]) });
  if (!job.data) return null;
  if (job.data.status !== "done") return <Card title={`Backtest ${id}`} wide><JobProgress job={job.data} /> <span className="muted">{job.data.message}</span><ErrorNote error={job.data.error} /></Card>;
  const trades = (r?.trades ?? []) as Array<Record<string, any>>;
  const markers = trades.flatMap((t) => [{ time: t.entry_time, side: "BUY" as const }, ...(t.exit_time ? [{ time: t.exit_time, side: "SELL" as const }] : [])]);
  const dsr = `DSR ${num(h.deflated_sharpe, 2)}${h.pbo != null ? `, PBO ${pct(h.pbo)}` : ""}`;
  return (
    <>
      <Card title={`Backtest ${id}`} wide actions={<button onClick={openSheet}>Open tearsheet</button>}>
        <div className="stats">
          <Figure label="Total return" value={pct(h.total_return)} evidence={dsr} />
          <Figure label="Sharpe" value={num(h.sharpe_ratio)} evidence={dsr} />
          <Figure label="Max drawdown" value={pct(h.max_drawdown)} evidence={dsr} />
          <Figure label="Final equity" value={money(h.final_equity)} evidence={`${h.trades} trades`} />
          <Stat label="Deflated Sharpe" value={num(h.deflated_sharpe)} note={h.deflated_sharpe_note} />
          <Stat label="PBO" value={h.pbo == null ? "n/a" : pct(h.pbo)} note={h.pbo_note} />
        </div>
        <ErrorNote error={sheetError} />
        <CandleChart bars={bars.data ?? []} markers={markers} equity={(r?.equity ?? []) as Array<[string, number]>} label="backtest trades on the chart" />
      </Card>
    </>
  );
}

export function Backtests() {
  const { me } = useSession();
  const jobs = useJobs();
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <div className="grid">
      {can(me, "trader") ? <Card title="Run a backtest"><RunForm onStarted={setSelected} /></Card> : null}
      <Card title="Jobs">
        <Table label="jobs" columns={["job", "kind", "strategy", "progress", "created"]} rows={(jobs.data ?? []).map((j) => [
          <button className="link" onClick={() => setSelected(j.id)}>{j.id.slice(0, 8)}</button>, j.kind, String(j.params.strategy), <JobProgress job={j} />, day(j.created),
        ])} empty="no jobs yet" />
      </Card>
      {selected ? <Result id={selected} /> : null}
    </div>
  );
}
