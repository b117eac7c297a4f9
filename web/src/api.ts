// The REST client: tokens from POST /api/v1/auth/token kept for the tab (sessionStorage),
// refreshed once on a 401; every error is the API's JSON body (error, message, field, fix).

export type Role = "viewer" | "trader" | "admin";
export interface ApiErrorBody { error?: string; message?: string; field?: string | null; fix?: string | null }

export class ApiError extends Error {
  constructor(public status: number, public body: ApiErrorBody) {
    super(body.message || `HTTP ${status}`);
  }
}

const KEY = "signaltrust.tokens";
interface Tokens { access_token: string; refresh_token: string }

export function tokens(): Tokens | null {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Tokens) : null;
}

function keep(t: Tokens | null) {
  if (t) sessionStorage.setItem(KEY, JSON.stringify(t));
  else sessionStorage.removeItem(KEY);
}

export async function login(username: string, password: string): Promise<void> {
  const form = new URLSearchParams({ username, password });
  const answer = await fetch("/api/v1/auth/token", { method: "POST", body: form });
  if (!answer.ok) throw new ApiError(answer.status, await answer.json().catch(() => ({})));
  keep((await answer.json()) as Tokens);
}

export async function logout(): Promise<void> {
  const t = tokens();
  keep(null);
  if (t) await fetch("/api/v1/auth/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: t.refresh_token }) }).catch(() => undefined);
}

async function refresh(): Promise<boolean> {
  const t = tokens();
  if (!t) return false;
  const answer = await fetch("/api/v1/auth/refresh", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: t.refresh_token }) });
  if (!answer.ok) { keep(null); return false; }
  keep((await answer.json()) as Tokens);
  return true;
}

export async function api<T = unknown>(path: string, init: RequestInit & { json?: unknown; text?: boolean } = {}, retry = true): Promise<T> {
  const headers = new Headers(init.headers);
  const t = tokens();
  if (t) headers.set("Authorization", `Bearer ${t.access_token}`);
  let body = init.body;
  if (init.json !== undefined) { headers.set("Content-Type", "application/json"); body = JSON.stringify(init.json); }
  const answer = await fetch(`/api/v1${path}`, { ...init, headers, body });
  if (answer.status === 401 && retry && (await refresh())) return api<T>(path, init, false);
  if (answer.status === 401) window.dispatchEvent(new Event("signaltrust:signed-out"));
  if (!answer.ok) throw new ApiError(answer.status, await answer.json().catch(() => ({ message: answer.statusText })));
  return (init.text ? await answer.text() : await answer.json()) as T;
}

export const post = <T = unknown>(path: string, json: unknown = {}) => api<T>(path, { method: "POST", json });
export const put = <T = unknown>(path: string, json: unknown) => api<T>(path, { method: "PUT", json });

// The API's answers the views read
export interface Account { account: string; broker: string; cash: number; equity: number; positions: Record<string, number>; fills: number; risk_state: string; paused: boolean }
export interface PnL { account: string; equity: number; cash: number; start_cash: number | null; pnl: number | null }
export interface NodeInfo { name: string; mode: string; status: string; pid: number | null; heartbeat: string | null; steps: number | null; last_bar: string | null; data: string[]; accounts: Account[]; pnl: PnL[] }
export interface JournalRow { seq: number; ts: string | null; kind: string; [key: string]: unknown }
export interface Job { id: string; kind: string; status: string; params: Record<string, unknown>; actor: string; created: string; started: string | null; finished: string | null; progress: number; message: string | null; error: string | null; result: Record<string, any> | null }
export interface Me { name: string; role: Role; via?: string }
export interface Bar { timestamp: string; open: number; high: number; low: number; close: number; volume: number }
