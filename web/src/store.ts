// What the browser keeps between refreshes: each node's equity points (market time, equity)
// as they arrive, and each node's fills read incrementally with ?after=seq.
import { api, type JournalRow, type NodeInfo } from "./api";

const equity = new Map<string, Array<[string, number]>>();

export function recordEquity(nodes: NodeInfo[]): void {
  for (const n of nodes) {
    const e = n.pnl[0]?.equity;
    if (e == null || !n.last_bar) continue;
    const series = equity.get(n.name) ?? [];
    const last = series[series.length - 1];
    if (!last || last[0] !== n.last_bar) series.push([n.last_bar, e]);
    else last[1] = e;
    if (series.length > 20000) series.splice(0, series.length - 20000);
    equity.set(n.name, series);
  }
}

export const equityOf = (name: string | null) => (name ? [...(equity.get(name) ?? [])] : []);

const fills = new Map<string, JournalRow[]>();

export async function fetchFills(node: string): Promise<JournalRow[]> {
  const rows = fills.get(node) ?? [];
  for (;;) {
    const after = rows.length ? rows[rows.length - 1].seq : 0;
    const page = await api<JournalRow[]>(`/nodes/${node}/fills?after=${after}&limit=1000`);
    rows.push(...page);
    if (page.length < 1000) break;
  }
  if (rows.length > 5000) rows.splice(0, rows.length - 5000);
  fills.set(node, rows);
  return [...rows];
}
