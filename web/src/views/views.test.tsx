import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { SessionContext } from "../session";
import type { Role } from "../api";
import { ApprovalQueue, describe as describeRecord, type Approval } from "./Agents";
import { LessonText, QuizForm, type Quiz } from "./Learning";
import { crossed, evidenceLine, type PromotionDecision } from "./Loop";

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe("LessonText", () => {
  it("renders headings, code and tables, and never raw HTML", () => {
    const { container } = render(<LessonText markdown={"# Kelly\n\nBet *less*.\n\n<script>window.hacked = 1</script>\n\n<img src=x onerror=\"window.hacked = 1\">\n\n```python\nprint(1)\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"} />);
    expect(screen.getByRole("heading", { name: "Kelly" })).toBeTruthy();
    expect(container.querySelector("pre code")?.textContent).toContain("print(1)");
    expect(container.querySelector("table td")?.textContent).toBe("1");
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect((window as unknown as { hacked?: number }).hacked).toBeUndefined();
  });
});

describe("QuizForm", () => {
  const quiz: Quiz = { id: "lesson:kelly", title: "Kelly", questions: [
    { id: "q1", prompt: "Full Kelly is", choices: ["safe", "aggressive"] },
    { id: "q2", prompt: "Half Kelly keeps", choices: ["most of the growth", "none of it"] },
  ] };

  it("sends the chosen answers and marks each with why", async () => {
    const onScore = vi.fn(async (answers: Record<string, number>) => ({
      quiz: quiz.id, correct: 1, total: 2, score: 0.5, answers: [
        { question: "q1", chosen: answers.q1, answer: 1, correct: answers.q1 === 1, why: "it maximises log growth at high variance" },
        { question: "q2", chosen: answers.q2 ?? null, answer: 0, correct: false, why: "three quarters of the growth" },
      ] }));
    render(<QuizForm quiz={quiz} onScore={onScore} />);
    const submit = screen.getByRole("button", { name: "Score my answers" }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.click(screen.getByLabelText("aggressive"));
    fireEvent.click(submit);
    await waitFor(() => expect(screen.getByTestId("quiz-score").textContent).toBe("1 of 2 right (50%)"));
    expect(onScore).toHaveBeenCalledWith({ q1: 1 });
    expect(screen.getByTestId("marked-q1").textContent).toContain("Right");
    expect(screen.getByTestId("marked-q2").textContent).toContain("Not quite: three quarters");
  });
});

describe("Loop helpers", () => {
  it("highlights PSI above its threshold and a KS p-value below its own", () => {
    const limits = { psi_threshold: 0.2, ks_pvalue: 0.01 };
    expect(crossed({ column: "rsi_14", psi: 0.35, ks_statistic: 0.3, ks_pvalue: 0.001, drifted: true }, limits)).toEqual({ psi: true, ks: true });
    expect(crossed({ column: "ret_1", psi: 0.2, ks_statistic: 0.1, ks_pvalue: 0.5, drifted: false }, limits)).toEqual({ psi: false, ks: false });
    expect(crossed({ column: "x", psi: null, ks_statistic: null, ks_pvalue: null, drifted: false }, limits)).toEqual({ psi: false, ks: false });
  });

  it("states a gated decision's evidence and a rollback's versions", () => {
    const base = { id: 2, ts_ns: 0, model: "m", champion_version: "1", challenger_version: "2", metric: "ic", promoted: false, reason: "", actor: "loop" };
    const keep: PromotionDecision = { ...base, action: "keep", evidence: { champion: 0.05, challenger: 0.0505, improvement: 0.01, min_improvement: 0.03, ci_low: -0.01, ci_high: 0.02, champion_max_drawdown: -0.1, challenger_max_drawdown: -0.12, n: 126 } };
    expect(evidenceLine(keep)).toBe("ic 0.0505 vs 0.0500; improvement 1.0% (needs 3%); CI -0.0100 .. 0.0200; max DD -12.0% vs -10.0%; n 126");
    expect(evidenceLine({ ...base, action: "rollback", evidence: { from_version: 2, to_version: 1, undoes_decision: 5 } })).toBe("v2 -> v1 (undoes decision 5)");
  });
});

describe("Agents", () => {
  it("says what each audit record holds", () => {
    const r = (kind: string, payload: Record<string, unknown>) => describeRecord({ ts_ns: 0, workflow: "w", agent: "a", kind, payload });
    expect(r("usage", { input_tokens: 51, output_tokens: 12, cost_usd: 0 })).toBe("51 tokens in, 12 out");
    expect(r("approval", { id: 3, request: { kind: "set_state", state: "HALTED", reason: "drawdown 52%" } })).toBe("asks for approval 3: set the state to HALTED (drawdown 52%)");
    expect(r("decision", { symbol: "sp500", consensus: 0.2, confidence: 0.5, conflicts: [] })).toBe("sp500: consensus 0.20 with confidence 0.50");
  });

  const approvals: Approval[] = [
    { id: 2, agent: "agent:risk_manager", action: "set_state", level: "halt", payload: { kind: "set_state", state: "HALTED" }, status: "pending", decided_by: null, note: null },
    { id: 1, agent: "agent:risk_manager", action: "set_state", level: "halt", payload: { kind: "set_state", state: "HALTED" }, status: "rejected", decided_by: "ada", note: "not now" },
  ];

  function withSession(role: Role, children: ReactNode) {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    return <QueryClientProvider client={client}><SessionContext.Provider value={{ me: { name: "u", role }, node: null, setNode: () => undefined }}>{children}</SessionContext.Provider></QueryClientProvider>;
  }

  it("offers Approve and Reject to a trader, only on pending actions", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(approvals), { status: 200, headers: { "Content-Type": "application/json" } })));
    render(withSession("trader", <ApprovalQueue />));
    await screen.findByRole("button", { name: "Approve 2" });
    expect(screen.getByRole("button", { name: "Reject 2" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Approve 1" })).toBeNull();
    expect(screen.getByText("ada: not now")).toBeTruthy();
  });

  it("shows a viewer the queue without any button", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(approvals), { status: 200, headers: { "Content-Type": "application/json" } })));
    render(withSession("viewer", <ApprovalQueue />));
    await screen.findByTestId("approval-2");
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });
});
