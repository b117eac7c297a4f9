import { describe, expect, it } from "vitest";
import { drawdown, equityFromFills, pnlByPeriod } from "./format";

const bars = [
  { timestamp: "2020-01-01T00:00:00+00:00", close: 10 },
  { timestamp: "2020-01-02T00:00:00+00:00", close: 11 },
  { timestamp: "2020-01-03T00:00:00+00:00", close: 12 },
  { timestamp: "2020-01-06T00:00:00+00:00", close: 9 },
];

describe("equityFromFills", () => {
  it("is the starting cash before the first fill, then cash plus position at each close", () => {
    const fills = [{ ts: "2020-01-02T00:00:00+00:00", cash_after: "890", position_after: "10" }];
    expect(equityFromFills(bars, fills, 1000).map((p) => p[1])).toEqual([1000, 1000, 1010, 980]);
  });
  it("stops at the node's last bar (nothing after it is known to the node)", () => {
    expect(equityFromFills(bars, [], 1000, "2020-01-02T00:00:00+00:00")).toHaveLength(2);
  });
});

describe("drawdown and P&L by period", () => {
  it("measures each point from the running peak", () => {
    expect(drawdown([100, 120, 90, 130])).toEqual([0, 0, -0.25, 0]);
  });
  it("gives each week the change of its last equity from the week before", () => {
    const points = bars.map((b, i) => [b.timestamp, 100 + i] as [string, number]);
    expect(pnlByPeriod(points, "week")).toEqual([["2019-12-30", 2], ["2020-01-06", 1]]);
  });
});
