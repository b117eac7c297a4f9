export const money = (x: number | null | undefined) => x == null || !isFinite(x) ? "-" : x.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
export const pct = (x: number | null | undefined, digits = 1) => x == null || !isFinite(x) ? "-" : `${(x * 100).toFixed(digits)}%`;
export const num = (x: unknown, digits = 2) => typeof x === "number" && isFinite(x) ? x.toFixed(digits) : x == null ? "-" : String(x);
export const day = (ts: string | null | undefined) => (ts ? ts.slice(0, 10) : "-");
export const toNumber = (x: unknown) => (typeof x === "number" ? x : parseFloat(String(x)));

/** Drawdown of an equity series (0 at each new high, negative below it). */
export function drawdown(values: number[]): number[] {
  let peak = -Infinity;
  return values.map((v) => { peak = Math.max(peak, v); return peak > 0 ? v / peak - 1 : 0; });
}

/** P&L per period (day, week or month) from [time, equity] points: last equity of a period minus the last of the one before. */
export function pnlByPeriod(points: Array<[string, number]>, period: "day" | "week" | "month"): Array<[string, number]> {
  const label = (ts: string) => {
    if (period === "day") return ts.slice(0, 10);
    if (period === "month") return ts.slice(0, 7);
    const d = new Date(ts.slice(0, 10) + "T00:00:00Z");
    const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86400000);
    return monday.toISOString().slice(0, 10);
  };
  const closes = new Map<string, number>();
  for (const [ts, v] of points) closes.set(label(ts), v);
  const out: Array<[string, number]> = [];
  let previous = points.length ? points[0][1] : 0;
  for (const [k, v] of closes) { out.push([k, v - previous]); previous = v; }
  return out;
}
