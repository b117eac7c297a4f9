// A node's equity curve: its whole history from GET /nodes/{name}/equity (read from its journal
// once per node), then each figure the node reports as it trades (pushed over the WebSocket).
import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, type NodeInfo } from "../api";
import { drawdown } from "../format";
import { EChart } from "./EChart";

export interface EquityPoint { time: string; equity: Record<string, number>; total: number }
export type Point = [string, number];

/** ``points`` with ``p`` added: after the last (a later bar), or in its place (the same bar). */
export function addPoint(points: Point[], p: Point, keep = 5000): Point[] {
  const last = points[points.length - 1];
  if (last && p[0] < last[0]) return points;
  const out = last && p[0] === last[0] ? [...points.slice(0, -1), p] : [...points, p];
  return out.length > keep ? out.slice(out.length - keep) : out;
}

/** The node's latest figure: its last bar and the equity of all its accounts. */
export function latestPoint(node: NodeInfo | undefined): Point | null {
  if (!node?.last_bar || !node.pnl.length) return null;
  return [node.last_bar, node.pnl.reduce((sum, p) => sum + p.equity, 0)];
}

/** The history, then the live points after its last one. */
export function joinLive(history: Point[], live: Point[]): Point[] {
  const last = history.length ? history[history.length - 1][0] : "";
  let out = history;
  for (const p of live) if (p[0] >= last) out = addPoint(out, p);
  return out;
}

/** The chosen node's equity after each bar since it first started, kept current: the figures
 * the node reports show at once, its journalled history joins them when it has been read. */
export function useEquityHistory(node: string | null, current: NodeInfo | undefined) {
  const history = useQuery({
    queryKey: ["equity", node], enabled: !!node, staleTime: Infinity,
    queryFn: () => api<EquityPoint[]>(`/nodes/${node}/equity?limit=2000`),
  });
  const [live, setLive] = useState<Point[]>([]);
  useEffect(() => setLive([]), [node]);
  const latest = current?.name === node ? latestPoint(current) : null;
  const key = latest ? `${latest[0]} ${latest[1]}` : "";
  useEffect(() => {
    if (latest) setLive((old) => addPoint(old, latest));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const points = useMemo(() => joinLive((history.data ?? []).map((p) => [p.time, p.total] as Point), live), [history.data, live]);
  return { points, loading: history.isLoading, error: history.error };
}

/** ``value``, changed at most once every ``ms`` milliseconds (the latest kept). */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const wait = last.current + ms - Date.now();
    if (wait <= 0) { last.current = Date.now(); setShown(value); return; }
    const timer = setTimeout(() => { last.current = Date.now(); setShown(value); }, wait);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return shown;
}

// redrawn at most once a second: a node replayed fast reports many figures a second, and the
// page has rows to show first (a fill's row is measured)
export function EquityChart({ points: latest, height = 260, label = "equity and drawdown" }: { points: Point[]; height?: number; label?: string }) {
  const points = useThrottled(latest, 1000);
  const option = useMemo(() => {
    const dd = drawdown(points.map((p) => p[1]));
    const days = points.map((p) => p[0].slice(0, 10));
    return {
      tooltip: { trigger: "axis" },
      grid: [{ left: 60, right: 16, top: 10, height: "55%" }, { left: 60, right: 16, top: "72%", height: "20%" }],
      xAxis: [{ type: "category", data: days, gridIndex: 0, show: false }, { type: "category", data: days, gridIndex: 1 }],
      yAxis: [{ type: "value", scale: true, gridIndex: 0 }, { type: "value", gridIndex: 1, max: 0, min: Math.min(-0.01, ...dd), splitNumber: 2, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }],
      series: [
        { type: "line", name: "equity", data: points.map((p) => p[1]), showSymbol: false, xAxisIndex: 0, yAxisIndex: 0 },
        { type: "line", name: "drawdown", data: dd, showSymbol: false, areaStyle: { opacity: 0.3 }, color: "#cf222e", xAxisIndex: 1, yAxisIndex: 1 },
      ],
    };
  }, [points]);
  return <EChart label={label} height={height} option={option} />;
}
