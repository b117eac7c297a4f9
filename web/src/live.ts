// The WebSocket /api/v1/ws: authenticate in the first message, subscribe to channels, get a
// snapshot then numbered deltas; a missing number asks for a resync. Views register listeners
// per channel and node; the connection reconnects with a back-off (no polling loop).
import { tokens } from "./api";

export interface LiveMessage { type: string; channel?: string; node?: string | null; seq?: number; data?: unknown; [k: string]: unknown }
type Listener = (m: LiveMessage) => void;
export type LiveState = "connecting" | "live" | "down";

const key = (channel: string, node?: string | null) => `${channel}|${node ?? ""}`;

export class LiveSocket {
  private socket: WebSocket | null = null;
  private listeners = new Map<string, Set<Listener>>();
  private seqs = new Map<string, number>();
  private stateListeners = new Set<(s: LiveState) => void>();
  private retry = 500;
  private closed = false;
  state: LiveState = "connecting";

  constructor(private url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/ws`) {}

  start() { this.closed = false; this.open(); }
  stop() { this.closed = true; this.socket?.close(); }

  onState(f: (s: LiveState) => void) { this.stateListeners.add(f); f(this.state); return () => { this.stateListeners.delete(f); }; }

  subscribe(channel: string, node: string | null, f: Listener): () => void {
    const k = key(channel, node);
    const set = this.listeners.get(k) ?? new Set();
    const first = set.size === 0;
    set.add(f);
    this.listeners.set(k, set);
    if (first) this.send({ type: "subscribe", channel, ...(node ? { node } : {}) });
    return () => {
      set.delete(f);
      if (set.size === 0) {
        this.listeners.delete(k);
        this.seqs.delete(k);
        this.send({ type: "unsubscribe", channel, ...(node ? { node } : {}) });
      }
    };
  }

  private setState(s: LiveState) { this.state = s; this.stateListeners.forEach((f) => f(s)); }

  private send(m: object) { if (this.socket?.readyState === WebSocket.OPEN && this.state === "live") this.socket.send(JSON.stringify(m)); }

  private open() {
    const t = tokens();
    if (!t || this.closed) return;
    this.setState("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token: t.access_token }));
    socket.onmessage = (event) => this.receive(JSON.parse(String(event.data)) as LiveMessage);
    socket.onclose = () => {
      this.setState("down");
      if (!this.closed) { setTimeout(() => this.open(), this.retry); this.retry = Math.min(this.retry * 2, 15000); }
    };
  }

  private receive(m: LiveMessage) {
    if (m.type === "welcome") {
      this.retry = 500;
      this.setState("live");
      this.seqs.clear();
      for (const k of this.listeners.keys()) {
        const [channel, node] = k.split("|");
        this.send({ type: "subscribe", channel, ...(node ? { node } : {}) });
      }
      return;
    }
    if (!m.channel || (m.type !== "snapshot" && m.type !== "delta")) return;
    const k = key(m.channel, m.node);
    if (m.type === "delta" && typeof m.seq === "number") {
      const last = this.seqs.get(k);
      if (last !== undefined && m.seq !== last + 1) {
        this.send({ type: "resync", channel: m.channel, ...(m.node ? { node: m.node } : {}) });
      }
    }
    if (typeof m.seq === "number") this.seqs.set(k, m.seq);
    this.listeners.get(k)?.forEach((f) => f(m));
  }
}

export const live = new LiveSocket();
