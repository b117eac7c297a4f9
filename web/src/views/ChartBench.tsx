// #/bench/candles: 10,000 generated candles, to measure the frame time while panning.
import { useMemo } from "react";
import type { Bar } from "../api";
import { CandleChart } from "../components/CandleChart";

export function candles(n: number): Bar[] {
  let price = 100;
  const start = Date.UTC(1990, 0, 1);
  return Array.from({ length: n }, (_, i) => {
    const open = price;
    price = Math.max(1, price * (1 + Math.sin(i * 0.7) * 0.01 + Math.cos(i * 0.13) * 0.005));
    return { timestamp: new Date(start + i * 86400000).toISOString(), open, high: Math.max(open, price) * 1.005, low: Math.min(open, price) * 0.995, close: price, volume: 1 };
  });
}

export function ChartBench() {
  const bars = useMemo(() => candles(10000), []);
  return <main className="content"><h1>10,000 candles</h1><CandleChart bars={bars} height={500} label="benchmark chart" /></main>;
}
