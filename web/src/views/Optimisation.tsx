import { useState } from "react";
import { api, post, type Job } from "../api";
import { useLiveQuery } from "../hooks";
import { can, useSession } from "../session";
import { Card, ErrorNote, Stat, Table } from "../components/ui";
import { EChart } from "../components/EChart";
import { num, pct } from "../format";
import { JobProgress, useJobs } from "./Backtests";

/** A heat map of the objective over two parameters, from an optimisation's trials. */
export function heatmap(top: Array<Record<string, any>>, x: string, y: string, value: string) {
  const xs = [...new Set(top.map((t) => t[x]))].sort((a, b) => a - b);
  const ys = [...new Set(top.map((t) => t[y]))].sort((a, b) => a - b);
  const cells = top.filter((t) => t[value] != null).map((t) => [xs.indexOf(t[x]), ys.indexOf(t[y]), t[value]]);
  return { xs, ys, cells };
}

function Result({ id }: { id: string }) {
  const job = useLiveQuery(["job", id], () => api<Job>(`/jobs/${id}`), [["jobs", null]]);
  const r = job.data?.result;
  if (!job.data) return null;
  if (job.data.status !== "done" || !r) return <Card title={`Job ${id}`} wide><JobProgress job={job.data} /> <ErrorNote error={job.data.error} /></Card>;
  const h = r.headline ?? {};
  const top = (r.top ?? r.trials ?? []) as Array<Record<string, any>>;
  const { xs, ys, cells } = heatmap(top, "fast", "slow", "sharpe_ratio");
  const windows = (r.windows ?? []) as Array<Record<string, any>>;
  return (
    <Card title={`${job.data.kind} ${id}`} wide>
      <div className="stats">
        <Stat label="Best Sharpe" value={num(h.best_sharpe ?? h.oos_sharpe)} note={`DSR ${num(h.deflated_sharpe)}, PBO ${pct(h.pbo)}`} />
        <Stat label="Deflated Sharpe" value={num(h.deflated_sharpe)} note={`${h.trials_deflated ?? h.distinct_trials ?? "?"} trials`} />
        <Stat label="PBO" value={pct(h.pbo)} note="probability of backtest overfitting" />
        <Stat label="Best parameters" value={Object.entries(h.best_params ?? {}).filter(([, v]) => typeof v !== "boolean").map(([k, v]) => `${k} ${v}`).join(", ") || "-"} />
      </div>
      {cells.length ? <EChart label="Sharpe ratio by fast and slow" height={300} option={{
        tooltip: {}, grid: { left: 60, right: 80, top: 10, bottom: 40 },
        xAxis: { type: "category", data: xs, name: "fast" }, yAxis: { type: "category", data: ys, name: "slow" },
        visualMap: { min: Math.min(...cells.map((c) => c[2])), max: Math.max(...cells.map((c) => c[2])), calculable: true, orient: "vertical", right: 0, top: "center" },
        series: [{ type: "heatmap", data: cells, label: { show: cells.length <= 60, formatter: (p: any) => Number(p.value[2]).toFixed(2) } }],
      }} /> : null}
      {windows.length ? <Table label="walk-forward windows" columns={["window", "train", "test", "parameters", "out-of-sample Sharpe"]} rows={windows.map((w, i) => [i + 1, `${w.train_start ?? ""} - ${w.train_end ?? ""}`, `${w.test_start ?? ""} - ${w.test_end ?? ""}`, JSON.stringify(w.params ?? w.best_params ?? {}), num(w.oos_sharpe ?? w.test_sharpe)])} /> : null}
      <p className="muted small">{h.note ?? r.note}</p>
    </Card>
  );
}

export function Optimisation() {
  const { me } = useSession();
  const jobs = useJobs();
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const start = async (path: string, body: object) => { setError(null); try { setSelected((await post<Job>(path, body)).id); } catch (x) { setError(x); } };
  const grid = { fast: [5, 10, 15, 20, 30], slow: [50, 100, 150, 200] };
  const runs = (jobs.data ?? []).filter((j) => j.kind !== "backtest");
  return (
    <div className="grid">
      {can(me, "trader") ? <Card title="Search parameters">
        <p className="muted small">sma_cross on sp500 over fast {grid.fast.join("/")} and slow {grid.slow.join("/")}; the best comes with its deflated Sharpe ratio and PBO.</p>
        <div className="row">
          <button className="primary" onClick={() => start("/backtests/sweeps", { data: "sp500", strategy: "sma_cross", grid })}>Run grid sweep</button>
          <button onClick={() => start("/backtests/walk-forwards", { data: "sp500", strategy: "sma_cross", grid, train_bars: 1000, test_bars: 250 })}>Run walk-forward</button>
        </div>
        <ErrorNote error={error} />
      </Card> : null}
      <Card title="Optimisations">
        <Table label="optimisation jobs" columns={["job", "kind", "progress"]} rows={runs.map((j) => [<button className="link" onClick={() => setSelected(j.id)}>{j.id.slice(0, 8)}</button>, j.kind, <JobProgress job={j} />])} empty="none yet" />
      </Card>
      {selected ? <Result id={selected} /> : null}
    </div>
  );
}
