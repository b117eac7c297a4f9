import { useEffect, useRef, useState } from "react";
import { useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { live, type LiveMessage, type LiveState } from "./live";

export function useLiveState(): LiveState {
  const [state, setState] = useState<LiveState>(live.state);
  useEffect(() => live.onState(setState), []);
  return state;
}

/** Call ``f`` for each message of ``channel`` (and ``node``) while mounted. */
export function useChannel(channel: string, node: string | null, f: (m: LiveMessage) => void, enabled = true) {
  const ref = useRef(f);
  ref.current = f;
  useEffect(() => {
    if (!enabled) return;
    return live.subscribe(channel, node, (m) => ref.current(m));
  }, [channel, node, enabled]);
}

/**
 * A REST query refreshed when its channels push something (at most every 150 ms, the first at
 * once); while the WebSocket is down it falls back to refetching every 3 s.
 */
export function useLiveQuery<T>(queryKey: QueryKey, fn: () => Promise<T>, channels: Array<[string, string | null]>, enabled = true) {
  const client = useQueryClient();
  const state = useLiveState();
  const last = useRef(0);
  const timer = useRef<number | null>(null);
  const query = useQuery({ queryKey, queryFn: fn, enabled, refetchInterval: state === "live" ? false : 3000 });
  const keyText = JSON.stringify(queryKey);
  const channelText = JSON.stringify(channels);
  useEffect(() => {
    if (!enabled) return;
    const refresh = () => {
      const now = performance.now();
      const wait = 150 - (now - last.current);
      if (wait <= 0) { last.current = now; client.invalidateQueries({ queryKey }); }
      else if (timer.current === null) {
        timer.current = window.setTimeout(() => { timer.current = null; last.current = performance.now(); client.invalidateQueries({ queryKey }); }, wait);
      }
    };
    const offs = channels.map(([channel, node]) => live.subscribe(channel, node, (m) => { if (m.type === "delta") refresh(); }));
    return () => { offs.forEach((off) => off()); if (timer.current !== null) clearTimeout(timer.current); timer.current = null; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [keyText, channelText, enabled]);
  return query;
}
