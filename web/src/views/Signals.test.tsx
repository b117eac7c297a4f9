import { describe, expect, it } from "vitest";
import { agentRows, blendNote, breakoutRows, type Signal } from "./Signals";

const base = { symbol: "sp500", score: 0.49, ml_probability: 0.49, confidence: 0.02, direction: "flat", timestamp: "2018-12-31T00:00:00+00:00", note: "", explanation: { sentences: [], contributions: [] }, regime: { label: null, probabilities: {}, note: null }, model_version: { name: "signal_sp500", version: 1, alias: "production" } } as Signal;

describe("blendNote", () => {
  it("says the score is the model's probability when no LLM answered", () => {
    expect(blendNote({ ...base, llm_confidence: null })).toBe("model 0.490; no LLM");
  });
  it("shows the weights and both parts when an LLM answered", () => {
    expect(blendNote({ ...base, llm_confidence: 0.9, blend: { probability: 0.6, llm: 0.4 } })).toBe("0.6 x model 0.490 + 0.4 x LLM 0.900");
  });
});

describe("agentRows", () => {
  it("is one row per agent with its stance, score, confidence, source and summary", () => {
    const agents = { stock_analyst: { agent: "stock_analyst", stance: "bearish", score: -0.2888, confidence: 0.29, summary: "trend down", reasons: [], source: "llm" } };
    expect(agentRows(agents)).toEqual([["stock analyst", "bearish", "-0.29", "29.0%", "llm", "trend down"]]);
  });
  it("is empty when the answer has no agents (an older API)", () => {
    expect(agentRows(undefined)).toEqual([]);
  });
});

describe("breakoutRows", () => {
  it("names a component without a real input 'no data'", () => {
    const rows = breakoutRows({ score: 0.27, components: { momentum: 0.3533, onchain: null }, sources: { momentum: "prices", onchain: null } });
    expect(rows).toEqual([["momentum", "0.35", "prices"], ["onchain", "no data", "-"]]);
  });
});
