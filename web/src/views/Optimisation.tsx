import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, post, type Job } from "../api";
import { useLiveQuery } from "../hooks";
import { can, useSession } from "../session";
import { Card, ErrorNote, Stat, Table } from "../components/ui";
import { EChart } from "../components/EChart";
import { day, num, pct } from "../format";
import { JobProgress, useJobs } from "./Backtests";

type Row = Record<string, any>;
interface StrategyInfo { name: string; parameters: Array<{ name: string; default: unknown; type: string; doc: string }> }

/** A grid field as the API takes it: "start:stop:step" as written, or a list of numbers. */
export function parseValues(name: string, text: string): string | number[] | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (/^-?\d+(\.\d+)?:-?\d+(\.\d+)?:\d+(\.\d+)?$/.test(t)) return t;
  const values = t.split(/[\s,]+/).filter(Boolean).map(Number);
  if (!values.length || values.some((v) => !isFinite(v))) throw new Error(`${name}: "${text}" is not a list of numbers (5, 10, 20) nor start:stop:step (5:50:5)`);
  return values;
}

const order = (a: any, b: any) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)));

/**
 * The objective over two parameters: one cell per (x, y) pair the trials tried, holding the best
 * value over the other parameters the job varied (so a surface of any job, whatever it varied).
 */
export function surface(trials: Row[], x: string, y: string, metric: string) {
  const best = new Map<string, [any, any, number]>();
  for (const t of trials) {
    const v = Number(t[metric]);
    if (t[metric] == null || !isFinite(v)) continue;
    const key = JSON.stringify([t[x], t[y]]);
    const held = best.get(key);
    if (!held || v > held[2]) best.set(key, [t[x], t[y], v]);
  }
  const xs = [...new Set([...best.values()].map((c) => c[0]))].sort(order);
  const ys = [...new Set([...best.values()].map((c) => c[1]))].sort(order);
  const cells = [...best.values()].map(([a, b, v]) => [xs.indexOf(a), ys.indexOf(b), v] as [number, number, number]);
  return { xs, ys, cells };
}

/** The figures a trial carries, its parameters and bookkeeping left out. */
export function metricsOf(trials: Row[], parameters: string[]): string[] {
  const skip = new Set([...parameters, "number", "duplicate_of", "feasible"]);
  return Object.keys(trials[0] ?? {}).filter((k) => !skip.has(k) && trials.some((t) => typeof t[k] === "number"));
}

function Surface({ job }: { job: Job }) {
  const r = job.result ?? {};
  const trials = (r.top ?? []) as Row[];
  const parameters: string[] = r.parameters ?? Object.keys((job.params.grid as object) ?? {});
  const metrics = metricsOf(trials, parameters);
  const [x, setX] = useState(parameters[0]);
  const [y, setY] = useState(parameters[1] ?? parameters[0]);
  const [metric, setMetric] = useState<string>(r.objectives?.[0] ?? metrics[0]);
  if (!trials.length || !parameters.length) return <p className="muted">No trial varied a parameter: nothing to map.</p>;
  const pick = (label: string, value: string, set: (v: string) => void, options: string[]) => (
    <label>{label} <select value={value} onChange={(e) => set(e.target.value)}>{options.map((o) => <option key={o}>{o}</option>)}</select></label>
  );
  const { xs, ys, cells } = surface(trials, x, parameters.length > 1 ? y : x, metric);
  const others = parameters.filter((p) => p !== x && p !== y);
  const values = cells.map((c) => c[2]);
  return (
    <>
      <div className="row" role="group" aria-label="Surface">
        {pick("x", x, setX, parameters)}{parameters.length > 1 ? pick("y", y, setY, parameters) : null}{pick("figure", metric, setMetric, metrics)}
      </div>
      {parameters.length > 1 && x !== y ? <EChart label={`${metric} by ${x} and ${y}`} height={320} option={{
        tooltip: {}, grid: { left: 60, right: 80, top: 10, bottom: 40 },
        xAxis: { type: "category", data: xs, name: x }, yAxis: { type: "category", data: ys, name: y },
        visualMap: { min: Math.min(...values), max: Math.max(...values), precision: 2, calculable: true, orient: "vertical", right: 0, top: "center" },
        series: [{ type: "heatmap", data: cells, label: { show: cells.length <= 80, formatter: (p: any) => Number(p.value[2]).toFixed(2) } }],
      }} /> : <EChart label={`${metric} by ${x}`} height={260} option={{
        tooltip: { trigger: "axis" }, grid: { left: 60, right: 16, top: 10, bottom: 40 },
        xAxis: { type: "category", data: xs, name: x }, yAxis: { type: "value", scale: true, name: metric },
        series: [{ type: "line", data: xs.map((v) => cells.find((c) => xs[c[0]] === v)?.[2] ?? null) }],
      }} />}
      <p className="muted small">{trials.length} trials of {job.kind === "sweep" ? "the grid" : "the search"} over {parameters.join(", ")}{others.length ? `; each cell is the best over ${others.join(", ")}` : ""}.</p>
    </>
  );
}

/** Per window: the parameters chosen in sample, in- and out-of-sample Sharpe ratios. */
function Stability({ job }: { job: Job }) {
  const r = job.result ?? {};
  const windows = (r.windows_table ?? []) as Row[];
  const chosen = Object.keys(windows[0] ?? {}).filter((k) => k.startsWith("param_") && windows.some((w) => typeof w[k] === "number")).map((k) => k.slice(6));
  const stability = (r.stability ?? []) as Row[];
  const labels = windows.map((w) => `${Number(w.window) + 1} (${day(w.test_start)})`);
  return (
    <>
      <EChart label="in-sample and out-of-sample Sharpe per window" height={240} option={{
        tooltip: { trigger: "axis" }, grid: { left: 50, right: 50, top: 24, bottom: 40 },
        xAxis: { type: "category", data: labels, name: "window" },
        yAxis: [{ type: "value", name: "Sharpe" }, { type: "value", name: "parameter", scale: true }],
        series: [
          { type: "bar", name: "in-sample Sharpe", data: windows.map((w) => w.is_sharpe) },
          { type: "bar", name: "out-of-sample Sharpe", data: windows.map((w) => w.oos_sharpe) },
          ...chosen.map((p) => ({ type: "line", name: p, yAxisIndex: 1, data: windows.map((w) => w[`param_${p}`]) })),
        ],
      }} />
      <p className="muted small">Per window: the in-sample Sharpe ratio of the parameters chosen on its training bars (first bar), their out-of-sample Sharpe on its test bars (second bar), and the values chosen (lines, right axis): values that jump between windows are not stable.</p>
      <Table label="walk-forward windows" columns={["window", "train", "test", "parameters", "in-sample Sharpe", "out-of-sample Sharpe"]} rows={windows.map((w, i) => [i + 1, `${day(w.train_start)} - ${day(w.train_end)}`, `${day(w.test_start)} - ${day(w.test_end)}`, chosen.map((p) => `${p} ${w[`param_${p}`]}`).join(", "), num(w.is_sharpe), num(w.oos_sharpe)])} />
      <Table label="parameter stability" columns={["parameter", "most chosen", "share of windows", "distinct", "mean", "spread (CV)"]} rows={stability.map((s) => [String(s.param), String(s.modal), pct(s.modal_share, 0), s.distinct, num(s.mean, 1), num(s.cv)])} />
    </>
  );
}

function Result({ id }: { id: string }) {
  const job = useLiveQuery(["job", id], () => api<Job>(`/jobs/${id}`), [["jobs", null]]);
  const r = job.data?.result;
  if (!job.data) return null;
  if (job.data.status !== "done" || !r) return <Card title={`Job ${id}`} wide><JobProgress job={job.data} /> <ErrorNote error={job.data.error} /></Card>;
  const h = r.headline ?? {};
  const walk = job.data.kind === "walkforward";
  return (
    <Card title={`${job.data.kind} ${id}`} wide>
      <div className="stats">
        {walk ? <Stat label="Out-of-sample Sharpe" value={num(h.oos_sharpe)} note={`DSR ${num(h.deflated_sharpe)}, PBO ${pct(h.pbo)}`} /> : <Stat label="Best Sharpe" value={num(h.best_sharpe)} note={`DSR ${num(h.deflated_sharpe)}, PBO ${pct(h.pbo)}`} />}
        {walk ? <Stat label="Efficiency" value={num(h.efficiency)} note={`in-sample Sharpe ${num(h.is_sharpe)}`} /> : null}
        <Stat label="Deflated Sharpe" value={num(h.deflated_sharpe)} note={walk ? `${h.windows ?? "?"} windows` : `${h.trials_deflated ?? h.distinct_trials ?? "?"} trials`} />
        <Stat label="PBO" value={pct(h.pbo)} note="probability of backtest overfitting" />
        {walk ? null : <Stat label="Best parameters" value={Object.entries(h.best_params ?? {}).filter(([, v]) => typeof v !== "boolean").map(([k, v]) => `${k} ${v}`).join(", ") || "-"} />}
      </div>
      {walk ? <Stability job={job.data} /> : <Surface key={id} job={job.data} />}
      <p className="muted small">{h.note ?? r.note}</p>
    </Card>
  );
}

function SearchForm({ onStarted }: { onStarted: (id: string) => void }) {
  const strategies = useQuery({ queryKey: ["strategies"], queryFn: () => api<StrategyInfo[]>("/strategies") });
  const [strategy, setStrategy] = useState("sma_cross");
  const [data, setData] = useState("sp500");
  const [grid, setGrid] = useState<Record<string, string>>({ fast: "5, 10, 15, 20, 30", slow: "50, 100, 150, 200" });
  const [bars, setBars] = useState({ train: "1000", test: "250" });
  const [error, setError] = useState<unknown>(null);
  const info = strategies.data?.find((s) => s.name === strategy);
  const start = async (path: string, walk: boolean) => {
    setError(null);
    try {
      const values: Record<string, string | number[]> = {};
      for (const p of info?.parameters ?? []) {
        const v = parseValues(p.name, grid[p.name] ?? "");
        if (v !== undefined) values[p.name] = v;
      }
      if (!Object.keys(values).length) throw new Error("give the values of at least one parameter");
      const body = walk ? { data, strategy, grid: values, train_bars: Number(bars.train), test_bars: Number(bars.test) } : { data, strategy, grid: values };
      onStarted((await post<Job>(path, body)).id);
    } catch (x) { setError(x); }
  };
  const submit = (e: FormEvent) => { e.preventDefault(); start("/backtests/sweeps", false); };
  return (
    <form onSubmit={submit} className="form" aria-label="Search parameters">
      <label>Data <input value={data} onChange={(e) => setData(e.target.value)} /></label>
      <label>Strategy <select value={strategy} onChange={(e) => { setStrategy(e.target.value); setGrid({}); }}>
        {(strategies.data ?? []).map((s) => <option key={s.name}>{s.name}</option>)}
      </select></label>
      {(info?.parameters ?? []).filter((p) => p.type !== "bool").map((p) => (
        <label key={p.name} title={p.doc}>{p.name} values <input placeholder={`${p.default} (fixed)`} value={grid[p.name] ?? ""} onChange={(e) => setGrid({ ...grid, [p.name]: e.target.value })} /></label>
      ))}
      <label>train bars <input inputMode="numeric" value={bars.train} onChange={(e) => setBars({ ...bars, train: e.target.value })} /></label>
      <label>test bars <input inputMode="numeric" value={bars.test} onChange={(e) => setBars({ ...bars, test: e.target.value })} /></label>
      <p className="muted small">Values: a list (5, 10, 20) or start:stop:step (5:50:5); empty keeps the default. The best comes with its deflated Sharpe ratio and PBO.</p>
      <ErrorNote error={error} />
      <div className="row">
        <button className="primary" type="submit">Run grid sweep</button>
        <button type="button" onClick={() => start("/backtests/walk-forwards", true)}>Run walk-forward</button>
      </div>
    </form>
  );
}

export function Optimisation() {
  const { me } = useSession();
  const jobs = useJobs();
  const [selected, setSelected] = useState<string | null>(null);
  const runs = (jobs.data ?? []).filter((j) => j.kind !== "backtest");
  return (
    <div className="grid">
      {can(me, "trader") ? <Card title="Search parameters"><SearchForm onStarted={setSelected} /></Card> : null}
      <Card title="Optimisations">
        <Table label="optimisation jobs" columns={["job", "kind", "data", "varied", "progress"]} rows={runs.map((j) => [
          <button className="link" onClick={() => setSelected(j.id)} aria-label={`Show ${j.kind} ${j.id.slice(0, 8)}`}>{j.id.slice(0, 8)}</button>, j.kind, String(j.params.data ?? ""), Object.keys((j.params.grid as object) ?? {}).join(", ") || "default space", <JobProgress job={j} />,
        ])} empty="none yet" />
      </Card>
      {selected ? <Result id={selected} /> : null}
    </div>
  );
}
