import { useEffect, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, login, logout, tokens, ApiError, type Me, type NodeInfo } from "./api";
import { live } from "./live";
import { useLiveState } from "./hooks";
import { SessionContext } from "./session";
import { ErrorNote } from "./components/ui";
import { Overview } from "./views/Overview";
import { Trading } from "./views/Trading";
import { Signals } from "./views/Signals";
import { Backtests } from "./views/Backtests";
import { Optimisation } from "./views/Optimisation";
import { Models } from "./views/Models";
import { Risk } from "./views/Risk";
import { Logs } from "./views/Logs";
import { Agents } from "./views/Agents";
import { Learning } from "./views/Learning";
import { Loop } from "./views/Loop";
import { ChartBench } from "./views/ChartBench";

export const VIEWS = { overview: Overview, trading: Trading, signals: Signals, backtests: Backtests, optimisation: Optimisation, models: Models, risk: Risk, logs: Logs, agents: Agents, learning: Learning, loop: Loop } as const;
type View = keyof typeof VIEWS;

function useHash(): string {
  const [hash, setHash] = useState(location.hash.replace(/^#\/?/, "") || "overview");
  useEffect(() => {
    const on = () => setHash(location.hash.replace(/^#\/?/, "") || "overview");
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return hash;
}

export function Login({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try { await login(name, password); onDone(); } catch (x) { setError(x instanceof ApiError ? x : new Error("cannot reach the API")); }
  };
  return (
    <main className="login">
      <form onSubmit={submit} aria-label="Sign in">
        <h1>SignalTrust</h1>
        <p className="muted">Signals with the evidence of how far to trust them.</p>
        <label>User <input name="username" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} required /></label>
        <label>Password <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
        <ErrorNote error={error} />
        <button className="primary" type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const hash = useHash();
  const state = useLiveState();
  const nodes = useQuery({ queryKey: ["nodes"], queryFn: () => api<NodeInfo[]>("/nodes") });
  const [node, setNode] = useState<string | null>(null);
  const [theme, setTheme] = useState(document.documentElement.dataset.theme ?? "light");
  const [menu, setMenu] = useState(false);
  useEffect(() => {
    if (node || !nodes.data?.length) return;
    // the running node that trades most (the S&P 500 replay of signaltrust up), else the first
    const fills = (n: NodeInfo) => (n.status === "running" ? 1e12 : 0) + (n.accounts[0]?.fills ?? 0);
    setNode([...nodes.data].sort((a, b) => fills(b) - fills(a))[0].name);
  }, [nodes.data, node]);
  const toggleTheme = () => {
    const next = theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem("signaltrust.theme", next);
    setTheme(next);
  };
  if (hash === "bench/candles") return <ChartBench />;
  const view = (hash in VIEWS ? hash : "overview") as View;
  const Body = VIEWS[view];
  return (
    <SessionContext.Provider value={{ me, node, setNode }}>
      <div className="shell" data-theme-name={theme}>
        <header className="top">
          <button className="menu-button" aria-label="Menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>☰</button>
          <strong className="brand">SignalTrust</strong>
          <label className="node-pick">Node{" "}
            <select value={node ?? ""} onChange={(e) => setNode(e.target.value)} aria-label="Node">
              {(nodes.data ?? []).map((n) => <option key={n.name} value={n.name}>{n.name} ({n.status})</option>)}
            </select>
          </label>
          <span className={`pill ${state}`} title="WebSocket" data-testid="live-state">{state === "live" ? "live" : state === "connecting" ? "connecting" : "offline: refreshing every 3 s"}</span>
          <span className="spacer" />
          <span className="muted small" data-testid="who">{me.name} · {me.role}</span>
          <button onClick={toggleTheme} aria-label="Switch theme">{theme === "dark" ? "Light" : "Dark"}</button>
          <button onClick={onSignOut}>Sign out</button>
        </header>
        <nav className={menu ? "open" : ""} aria-label="Views">
          {Object.keys(VIEWS).map((v) => (
            <a key={v} href={`#/${v}`} aria-current={v === view ? "page" : undefined} onClick={() => setMenu(false)}>{v[0].toUpperCase() + v.slice(1)}</a>
          ))}
        </nav>
        <main className="content" id="main"><h1 className="view-title">{view[0].toUpperCase() + view.slice(1)}</h1><Body /></main>
      </div>
    </SessionContext.Provider>
  );
}

export function App() {
  const client = useQueryClient();
  const [signedIn, setSignedIn] = useState(tokens() !== null);
  const me = useQuery({ queryKey: ["me"], queryFn: () => api<Me>("/auth/me"), enabled: signedIn });
  useEffect(() => {
    const out = () => { setSignedIn(false); live.stop(); client.clear(); };
    window.addEventListener("signaltrust:signed-out", out);
    return () => window.removeEventListener("signaltrust:signed-out", out);
  }, [client]);
  useEffect(() => { if (signedIn) live.start(); return () => live.stop(); }, [signedIn]);
  if (!signedIn) return <Login onDone={() => setSignedIn(true)} />;
  if (!me.data) return <main className="login"><p>{me.error ? <ErrorNote error={me.error} /> : "Loading..."}</p></main>;
  return <Shell me={me.data} onSignOut={async () => { await logout(); live.stop(); client.clear(); setSignedIn(false); }} />;
}
