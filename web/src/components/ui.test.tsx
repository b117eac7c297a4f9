import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { ConfirmButton, Table } from "./ui";

describe("ConfirmButton", () => {
  it("acts only after the confirmation, with the reason given", async () => {
    const act = vi.fn();
    render(<ConfirmButton label="Kill switch" question="Halt all trading now?" reason danger onConfirm={act} />);
    fireEvent.click(screen.getByRole("button", { name: "Kill switch" }));
    expect(act).not.toHaveBeenCalled();
    const confirm = screen.getByRole("button", { name: "Confirm" }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "venue outage" } });
    fireEvent.click(confirm);
    expect(act).toHaveBeenCalledWith("venue outage");
  });
  it("does nothing when cancelled", () => {
    const act = vi.fn();
    render(<ConfirmButton label="Stop" question="Stop the node?" onConfirm={act} />);
    fireEvent.click(screen.getByRole("button", { name: "Stop" }));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(act).not.toHaveBeenCalled();
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});

describe("Table", () => {
  it("says so when there are no rows", () => {
    render(<Table label="open orders" columns={["order"]} rows={[]} empty="no open orders" />);
    expect(screen.getByText("no open orders")).toBeTruthy();
  });
});
