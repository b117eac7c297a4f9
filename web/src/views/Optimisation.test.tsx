import { describe, expect, it } from "vitest";
import { metricsOf, parseValues, surface } from "./Optimisation";

const trials = [
  { number: 0, state: "COMPLETE", fast: 5, slow: 50, stop: 1, sharpe_ratio: 0.2, total_return: 1.0, feasible: true },
  { number: 1, state: "COMPLETE", fast: 5, slow: 50, stop: 2, sharpe_ratio: 0.7, total_return: 0.5, feasible: true },
  { number: 2, state: "COMPLETE", fast: 10, slow: 50, stop: 1, sharpe_ratio: -0.1, total_return: 0.1, feasible: true },
  { number: 3, state: "COMPLETE", fast: 5, slow: 100, stop: 1, sharpe_ratio: 0.4, total_return: 0.9, feasible: true },
];

describe("surface", () => {
  it("maps the two chosen parameters, each cell the best over the others the job varied", () => {
    const { xs, ys, cells } = surface(trials, "fast", "slow", "sharpe_ratio");
    expect(xs).toEqual([5, 10]);
    expect(ys).toEqual([50, 100]);
    expect(cells).toContainEqual([0, 0, 0.7]);
    expect(cells).toContainEqual([1, 0, -0.1]);
    expect(cells).toContainEqual([0, 1, 0.4]);
    expect(cells).toHaveLength(3); // (10, 100) was never tried: no cell
  });
  it("maps any pair of parameters and any figure", () => {
    const { xs, ys, cells } = surface(trials, "stop", "fast", "total_return");
    expect(xs).toEqual([1, 2]);
    expect(ys).toEqual([5, 10]);
    expect(cells).toContainEqual([0, 0, 1.0]);
  });
});

describe("metricsOf", () => {
  it("lists the figures of the trials, not their parameters or bookkeeping", () => {
    expect(metricsOf(trials, ["fast", "slow", "stop"])).toEqual(["sharpe_ratio", "total_return"]);
  });
});

describe("parseValues", () => {
  it("reads a list of numbers or keeps start:stop:step as the API takes it", () => {
    expect(parseValues("fast", "5, 10 20")).toEqual([5, 10, 20]);
    expect(parseValues("fast", " 5:50:5 ")).toBe("5:50:5");
    expect(parseValues("fast", "  ")).toBeUndefined();
  });
  it("names the parameter and the value it cannot read", () => {
    expect(() => parseValues("slow", "50, lots")).toThrow(/slow: "50, lots" is not a list of numbers/);
  });
});
