// What the browser keeps between refreshes: each node's fills, read incrementally with ?after=seq.
import { api, type JournalRow } from "./api";

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
