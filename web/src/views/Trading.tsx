import { useMemo } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, post, type Account, type Bar, type JournalRow } from "../api";
import { useLiveQuery } from "../hooks";
import { can, useSession } from "../session";
import { fetchFills } from "../store";
import { Card, ConfirmButton, Table } from "../components/ui";
import { CandleChart } from "../components/CandleChart";
import { EquityChart, useEquityHistory } from "../components/EquityHistory";
import { day, money, num, toNumber } from "../format";
import { useNodes } from "./Overview";

interface RiskState { kill_switch: { on: boolean; reason: string | null; actor: string | null } }

export function useRiskState() {
  const { node } = useSession();
  return useLiveQuery(["risk-state"], () => api<RiskState>("/risk/state"), node ? [["risk", node]] : []);
}

export function KillSwitch() {
  const { me } = useSession();
  const client = useQueryClient();
  const risk = useRiskState();
  const on = risk.data?.kill_switch.on ?? false;
  const flip = async (reason: string) => {
    await post("/risk/kill-switch", { on: !on, reason });
    await client.invalidateQueries({ queryKey: ["risk-state"] });
  };
  return (
    <div className={`kill ${on ? "halted" : ""}`}>
      <strong data-testid="kill-state">{on ? "HALTED" : "Trading allowed"}</strong>
      {on && risk.data?.kill_switch.reason ? <span className="muted small"> ({risk.data.kill_switch.reason}, by {risk.data.kill_switch.actor})</span> : null}
      {can(me, "admin") ? <ConfirmButton danger reason label={on ? "Release kill switch" : "Kill switch"} question={on ? "Release the kill switch and allow trading again?" : "Halt all trading now? Every node stops sending orders."} onConfirm={flip} /> : null}
    </div>
  );
}

/** The chosen node's open positions; a trader closes one (its symbol, in every account) or all. */
export function Positions({ node, accounts, trader, close }: { node: string | null; accounts: Account[]; trader: boolean; close: (symbol: string | null) => Promise<unknown> }) {
  const rows = accounts.flatMap((a) => Object.entries(a.positions).filter(([, q]) => q !== 0).map(([s, q]) => [
    a.account, s, num(q, 4), ...(trader ? [<ConfirmButton label="Close" question={`Close ${s} on ${node}: a market order ${q > 0 ? "sells" : "buys back"} ${num(Math.abs(q), 4)}. The other positions stay open.`} onConfirm={() => close(s)} />] : []),
  ]));
  return (
    <Card title="Positions" actions={trader && rows.length > 1 ? <ConfirmButton danger label="Close all" question={`Close every position of ${node} with market orders?`} onConfirm={() => close(null)} /> : undefined}>
      <Table label="positions" columns={["account", "symbol", "quantity", ...(trader ? ["close"] : [])]} rows={rows} empty="flat" />
    </Card>
  );
}

export function Trading() {
  const { me, node } = useSession();
  const trader = can(me, "trader");
  const nodes = useNodes();
  const current = nodes.data?.find((n) => n.name === node);
  const orders = useLiveQuery(["orders", node], () => api<JournalRow[]>(`/nodes/${node}/orders?open=true`), [["orders", node]], !!node);
  const fills = useLiveQuery(["fills", node], () => fetchFills(node!), [["fills", node]], !!node);
  const symbol = current?.data[0];
  const lastBar = current?.last_bar?.slice(0, 10);
  const startBar = lastBar ? new Date(Date.parse(lastBar) - 400 * 86400000).toISOString().slice(0, 10) : undefined;
  const bars = useQuery({ queryKey: ["bars", symbol, lastBar?.slice(0, 7)], enabled: !!symbol && !!lastBar, queryFn: () => api<{ bars: Bar[] }>(`/data/bars/${symbol}?start=${startBar}&end=${lastBar}`).then((b) => b.bars), placeholderData: (p) => p });
  const markers = useMemo(() => (fills.data ?? []).filter((f) => f.ts && startBar && f.ts >= startBar).map((f) => ({ time: String(f.ts), side: String(f.side) as "BUY" | "SELL" })), [fills.data, startBar]);
  const command = async (action: string, body: object = {}) => {
    await post(`/nodes/${node}/${action}`, { wait: 2, ...body });
    await nodes.refetch(); await orders.refetch();
  };
  const equity = useEquityHistory(node, current);
  const recent = (fills.data ?? []).slice(-50).reverse();
  return (
    <div className="grid">
      <Card title="Kill switch" wide><KillSwitch /></Card>
      <Card title="Nodes and accounts" wide>
        <Table label="nodes and accounts" columns={["node", "status", "account", "equity", "cash", "positions", "risk", ...(trader ? ["control"] : [])]} rows={(nodes.data ?? []).flatMap((n) => n.accounts.map((a) => [
          n.name, <span className={`pill ${n.status}`}>{n.status}{a.paused ? " (paused)" : ""}</span>, a.account, money(a.equity), money(a.cash),
          Object.entries(a.positions).map(([s, q]) => `${s} ${num(q, 2)}`).join(", ") || "flat", a.risk_state,
          ...(trader ? [n.name === node ? <span className="row">
            <button onClick={() => command(a.paused ? "resume" : "pause")}>{a.paused ? "Resume" : "Pause"}</button>
            <ConfirmButton label="Stop" question={`Stop the node ${n.name}?`} onConfirm={() => command("stop")} />
          </span> : <span className="muted small">select to steer</span>] : []),
        ]))} />
      </Card>
      <Card title={`Chart ${symbol ?? ""}`} wide>
        <CandleChart bars={bars.data ?? []} markers={markers} label="candles with fills" />
      </Card>
      <Card title={`Equity ${node ?? ""}`} wide>
        <EquityChart points={equity.points} height={200} label={`equity and drawdown of ${node ?? "the node"}`} />
      </Card>
      <Positions node={node} accounts={current?.accounts ?? []} trader={trader} close={(symbol) => command("close", symbol ? { symbol } : {})} />
      <Card title="Open orders">
        <Table label="open orders" columns={["order", "symbol", "status", "since", ...(trader ? [""] : [])]} rows={(orders.data ?? []).map((o) => [
          String(o.client_order_id), String(o.symbol), String(o.status), day(o.ts),
          ...(trader ? [<button onClick={() => command("cancel", { client_order_id: o.client_order_id })} aria-label={`Cancel ${o.client_order_id}`}>Cancel</button>] : []),
        ])} empty="no open orders" />
      </Card>
      <Card title="Trades" wide>
        <Table label="trades" columns={["seq", "time", "side", "symbol", "quantity", "price", "fee"]} rows={recent.map((f) => [
          <span data-seq={f.seq} className="fill-row">{f.seq}</span>, day(f.ts), String(f.side), String(f.symbol), num(toNumber(f.quantity), 4), money(toNumber(f.price)), money(toNumber(f.fee)),
        ])} />
      </Card>
    </div>
  );
}
