import { afterEach, describe, expect, it, vi } from "vitest";
import { act, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Logs, logMessage, mergeLog } from "./Logs";
import { SessionContext } from "../session";
import { live } from "../live";

const command = (seq: number, id: number, name: string) => ({ seq, ts: "2010-01-04T00:00:00+00:00", kind: "command", command: name, args: {}, actor: "ada", id });

describe("logMessage", () => {
  it("says who commanded what, with the arguments", () => {
    expect(logMessage({ kind: "command", command: "close", args: { symbol: "goog", note: null }, actor: "ada" })).toBe("ada: close (symbol goog)");
  });
  it("takes the API's message when there is one", () => {
    expect(logMessage({ kind: "state", message: "main: risk state HALTED" })).toBe("main: risk state HALTED");
  });
});

describe("mergeLog", () => {
  it("keeps each journal entry once, in journal order, whichever way it came", () => {
    const rest = [command(3, 1, "pause"), command(7, 2, "resume")];
    const pushed = [command(7, 2, "resume"), { bus_seq: 9, ts: "x", type: "command", command: "stop", actor: "bo", id: 3 }, command(5, 4, "cancel")];
    expect(mergeLog(rest, pushed).map((r) => r.command)).toEqual(["pause", "cancel", "resume", "stop"]);
  });
  it("keeps the latest entries", () => {
    expect(mergeLog([command(1, 1, "pause"), command(2, 2, "resume")], [], 1).map((r) => r.seq)).toEqual([2]);
  });
});

describe("Logs", () => {
  afterEach(() => vi.unstubAllGlobals());
  it("shows the node's log on load, then what the logs channel pushes", async () => {
    const fetched: string[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string) => {
      fetched.push(url);
      const body = url.includes("/logs") ? [{ ...command(3, 1, "pause"), source: "journal", message: "ada: pause" }, { seq: null, ts: null, kind: "process", source: "process", message: "node demo started" }] : [];
      return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
    }));
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(<QueryClientProvider client={client}><SessionContext.Provider value={{ me: { name: "ada", role: "viewer" }, node: "demo", setNode: () => undefined }}><Logs /></SessionContext.Provider></QueryClientProvider>);
    await waitFor(() => expect(screen.getByText("ada: pause")).toBeTruthy());
    expect(fetched).toContain("/api/v1/nodes/demo/logs?limit=200");
    expect(screen.getByLabelText("node process output").textContent).toBe("node demo started");
    const receive = (m: object) => (live as unknown as { receive: (m: object) => void }).receive(m);
    act(() => receive({ type: "snapshot", channel: "logs", node: "demo", seq: 1, data: [command(3, 1, "pause")] }));
    act(() => receive({ type: "delta", channel: "logs", node: "demo", seq: 2, data: command(8, 2, "close") }));
    await waitFor(() => expect(screen.getByText("ada: close")).toBeTruthy());
    expect(screen.getAllByText("ada: pause")).toHaveLength(1);
  });
});

describe("logMessage of the risk channel's rows", () => {
  it("says the account's new risk state and who set it", () => {
    expect(logMessage({ seq: 4, kind: "state", account: "main", state: "HALTED", actor: "reconciliation", reason: "foreign fill" })).toBe("main: risk state HALTED (reconciliation: foreign fill)");
  });
  it("counts a reconciliation's differences", () => {
    expect(logMessage({ type: "reconciliation", account: "main", state: "REDUCING", differences: [{ explained: true }, { explained: false }] })).toBe("main: reconciliation found 2 difference(s), 1 unexplained; state REDUCING");
  });
});
