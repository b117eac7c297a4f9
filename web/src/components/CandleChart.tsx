// Candles with TradingView's lightweight-charts (its attribution logo stays on, as its licence
// asks), order and fill markers, and an equity pane below when given.
import { useEffect, useRef } from "react";
import { CandlestickSeries, ColorType, LineSeries, createChart, createSeriesMarkers, type IChartApi, type ISeriesApi, type SeriesMarker, type Time, type UTCTimestamp } from "lightweight-charts";
import type { Bar } from "../api";

export interface Marker { time: string; side: "BUY" | "SELL"; text?: string }

const t = (ts: string) => (Date.parse(ts) / 1000) as UTCTimestamp;

export function CandleChart({ bars, markers = [], equity, height = 320, label = "price chart" }: { bars: Bar[]; markers?: Marker[]; equity?: Array<[string, number]>; height?: number; label?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const candles = useRef<ISeriesApi<"Candlestick"> | null>(null);
  const line = useRef<ISeriesApi<"Line"> | null>(null);
  const marks = useRef<ReturnType<typeof createSeriesMarkers<Time>> | null>(null);

  useEffect(() => {
    if (!ref.current) return;
    const dark = document.documentElement.dataset.theme === "dark";
    const c = createChart(ref.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: dark ? "#c9d1d9" : "#24292f", attributionLogo: true },
      grid: { vertLines: { color: dark ? "#21262d" : "#eaeef2" }, horzLines: { color: dark ? "#21262d" : "#eaeef2" } },
      timeScale: { borderVisible: false }, rightPriceScale: { borderVisible: false },
    });
    chart.current = c;
    candles.current = c.addSeries(CandlestickSeries, { upColor: "#1a7f37", downColor: "#cf222e", wickUpColor: "#1a7f37", wickDownColor: "#cf222e", borderVisible: false });
    marks.current = createSeriesMarkers(candles.current, []);
    return () => { c.remove(); chart.current = null; line.current = null; };
  }, []);

  useEffect(() => {
    candles.current?.setData(bars.map((b) => ({ time: t(b.timestamp), open: b.open, high: b.high, low: b.low, close: b.close })));
    if (bars.length) chart.current?.timeScale().fitContent();
  }, [bars]);

  useEffect(() => {
    const m: SeriesMarker<Time>[] = markers.map((x) => ({ time: t(x.time), position: x.side === "BUY" ? "belowBar" : "aboveBar", color: x.side === "BUY" ? "#1f6feb" : "#bf8700", shape: x.side === "BUY" ? "arrowUp" : "arrowDown", text: x.text }));
    m.sort((a, b) => (a.time as number) - (b.time as number));
    marks.current?.setMarkers(m);
  }, [markers]);

  useEffect(() => {
    if (!chart.current || !equity) return;
    if (!line.current) line.current = chart.current.addSeries(LineSeries, { color: "#8250df", lineWidth: 2 }, 1);
    const seen = new Map<number, number>();
    for (const [ts, v] of equity) seen.set(t(ts), v);
    line.current.setData([...seen.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time: time as UTCTimestamp, value })));
  }, [equity]);

  return (
    <figure className="chart" aria-label={label}>
      <div ref={ref} style={{ height }} data-testid="candles" />
      <figcaption className="muted small">Charts by <a href="https://www.tradingview.com/" target="_blank" rel="noreferrer">TradingView</a> lightweight-charts</figcaption>
    </figure>
  );
}
