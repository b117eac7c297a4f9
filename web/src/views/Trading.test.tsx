import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Positions } from "./Trading";
import type { Account } from "../api";

const account = (positions: Record<string, number>): Account => ({ account: "main", broker: "paper", cash: 1000, equity: 2000, positions, fills: 2, risk_state: "ACTIVE", paused: false });

describe("Positions", () => {
  it("closes only the row's symbol, after the confirmation", async () => {
    const close = vi.fn().mockResolvedValue({});
    render(<Positions node="two" accounts={[account({ goog: 10, sp500: -3 })]} trader close={close} />);
    const row = screen.getByRole("row", { name: /goog/ });
    fireEvent.click(within(row).getByRole("button", { name: "Close" }));
    expect(close).not.toHaveBeenCalled();
    const dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toContain("Close goog on two: a market order sells 10.0000");
    fireEvent.click(within(dialog).getByRole("button", { name: "Confirm" }));
    expect(close).toHaveBeenCalledWith("goog");
    expect(close).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull()); // closed once done
  });
  it("says a short is bought back, and offers closing every position", () => {
    render(<Positions node="two" accounts={[account({ goog: 10, sp500: -3 })]} trader close={vi.fn()} />);
    fireEvent.click(within(screen.getByRole("row", { name: /sp500/ })).getByRole("button", { name: "Close" }));
    expect(screen.getByRole("dialog").textContent).toContain("buys back 3.0000");
    expect(screen.getByRole("button", { name: "Close all" })).toBeTruthy();
  });
  it("shows a viewer the positions without any close button", () => {
    render(<Positions node="two" accounts={[account({ goog: 10, sp500: 5 })]} trader={false} close={vi.fn()} />);
    expect(screen.getAllByRole("row")).toHaveLength(3);
    expect(screen.queryByRole("button")).toBeNull();
  });
  it("says flat when nothing is held", () => {
    render(<Positions node="two" accounts={[account({ goog: 0 })]} trader close={vi.fn()} />);
    expect(screen.getByText("flat")).toBeTruthy();
  });
});
