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

export interface FillLike { ts: string | null; cash_after?: unknown; position_after?: unknown; symbol?: unknown }

/**
 * A node's equity at each bar, rebuilt from its journalled fills (cash and position after
 * each) and the bars' closes: before the first fill it is the starting cash. One symbol.
 */
export function equityFromFills(bars: Array<{ timestamp: string; close: number }>, fills: FillLike[], startCash: number, until?: string | null): Array<[string, number]> {
  const ordered = fills.filter((f) => f.ts).sort((a, b) => String(a.ts).localeCompare(String(b.ts)));
  let i = 0;
  let cash = startCash;
  let position = 0;
  const out: Array<[string, number]> = [];
  for (const bar of bars) {
    if (until && bar.timestamp > until) break;
    while (i < ordered.length && String(ordered[i].ts) <= bar.timestamp) {
      cash = parseFloat(String(ordered[i].cash_after));
      position = parseFloat(String(ordered[i].position_after));
      i += 1;
    }
    out.push([bar.timestamp, cash + position * bar.close]);
  }
  return out;
}
