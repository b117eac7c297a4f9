import { describe, expect, it, vi } from "vitest";
import { act, render } from "@testing-library/react";
import { addPoint, joinLive, latestPoint, useThrottled } from "./EquityHistory";
import type { NodeInfo } from "../api";

describe("addPoint", () => {
  const history: Array<[string, number]> = [["2020-01-01", 100], ["2020-01-02", 101]];
  it("adds a later bar's figure after the history", () => {
    expect(addPoint(history, ["2020-01-03", 99])).toEqual([...history, ["2020-01-03", 99]]);
  });
  it("replaces the figure of the same bar (the node reported it again)", () => {
    expect(addPoint(history, ["2020-01-02", 102])).toEqual([["2020-01-01", 100], ["2020-01-02", 102]]);
  });
  it("ignores a figure older than the history (it came late)", () => {
    expect(addPoint(history, ["2019-12-31", 5])).toBe(history);
  });
  it("keeps the latest points only", () => {
    expect(addPoint(history, ["2020-01-03", 1], 2)).toEqual([["2020-01-02", 101], ["2020-01-03", 1]]);
  });
});

describe("latestPoint", () => {
  it("is the node's last bar and the equity of all its accounts", () => {
    const node = { last_bar: "2020-01-03", pnl: [{ equity: 10 }, { equity: 5 }] } as unknown as NodeInfo;
    expect(latestPoint(node)).toEqual(["2020-01-03", 15]);
  });
  it("is nothing before the node's first bar", () => {
    expect(latestPoint({ last_bar: null, pnl: [] } as unknown as NodeInfo)).toBeNull();
  });
});

describe("joinLive", () => {
  it("puts the live figures after the history, the same bar's replacing the history's", () => {
    const history: Array<[string, number]> = [["2020-01-01", 100], ["2020-01-02", 101]];
    const live: Array<[string, number]> = [["2019-12-31", 1], ["2020-01-02", 102], ["2020-01-03", 103]];
    expect(joinLive(history, live)).toEqual([["2020-01-01", 100], ["2020-01-02", 102], ["2020-01-03", 103]]);
  });
  it("is the live figures alone while the history is read", () => {
    expect(joinLive([], [["2020-01-03", 103]])).toEqual([["2020-01-03", 103]]);
  });
});

describe("useThrottled", () => {
  it("shows the first value at once, then the latest at most once per period", async () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    function Probe({ value }: { value: number }) { seen.push(useThrottled(value, 1000)); return null; }
    const { rerender } = render(<Probe value={1} />);
    act(() => { rerender(<Probe value={2} />); });
    act(() => { rerender(<Probe value={3} />); });
    expect(seen[seen.length - 1]).toBe(1);
    act(() => { vi.advanceTimersByTime(1000); });
    expect(seen[seen.length - 1]).toBe(3);
    expect(seen).not.toContain(2); // skipped: a later value came within the period
    vi.useRealTimers();
  });
});
