// The learning portal: lessons read as Markdown (no raw HTML is rendered), each lesson's quiz
// scored and kept in the caller's progress, and every trade of a saved run or a node explained
// beside its candles with the entry and exit on the chart.
import { useEffect, useMemo, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { api, post, type Bar, type NodeInfo } from "../api";
import { Card, ErrorNote, Stat, Table } from "../components/ui";
import { CandleChart, type Marker } from "../components/CandleChart";
import { money, num, pct } from "../format";

export interface LessonSummary { id: string; order: number; title: string; summary: string; examples: number }
export interface Question { id: string; prompt: string; choices: string[] }
export interface Quiz { id: string; title: string; questions: Question[] }
export interface Lesson extends LessonSummary { markdown: string; quiz: Quiz }
export interface Score { quiz: string; correct: number; total: number; score: number; answers: Array<{ question: string; chosen: number | null; answer: number; correct: boolean; why: string }> }
export interface Progress { user: string; lessons_passed: string[]; lessons_total: number; quizzes: Array<{ quiz: string; attempts: number; best: number; last: number; passed: boolean }> }
export interface Trade { asset: string; direction: string; entry_time: string; exit_time: string | null; entry_price: number; exit_price: number | null; size: number; pnl: number; return: number; exit_reason: string; [k: string]: unknown }
export interface Explanation { run: string; source: string; number: number; trades: number; asset: string; direction: string; strategy: string; entry: Record<string, any>; exit: Record<string, any>; checks: Array<{ name: string; passed: boolean; detail: string }>; sizing: Record<string, any>; costs: Record<string, number>; outcome: Record<string, any>; text: string }

/** The lesson's Markdown as React elements: raw HTML in the source is shown as text, never run. */
export function LessonText({ markdown }: { markdown: string }) {
  return <div className="lesson"><Markdown remarkPlugins={[remarkGfm]} skipHtml components={{ pre: ({ node: _node, ...props }) => <pre tabIndex={0} {...props} /> }}>{markdown}</Markdown></div>;
}

/** A quiz: one choice per question, scored by the API, each answer marked with why. */
export function QuizForm({ quiz, onScore }: { quiz: Quiz; onScore: (answers: Record<string, number>) => Promise<Score> }) {
  const [answers, setAnswers] = useState<Record<string, number>>({});
  const [score, setScore] = useState<Score | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { setAnswers({}); setScore(null); setError(null); }, [quiz.id]);
  const submit = async () => {
    setError(null);
    try { setScore(await onScore(answers)); } catch (x) { setError(x); }
  };
  const marked = new Map((score?.answers ?? []).map((a) => [a.question, a]));
  return (
    <form className="quiz" aria-label={`Quiz: ${quiz.title}`} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      {quiz.questions.map((q, i) => {
        const m = marked.get(q.id);
        return (
          <fieldset key={q.id}>
            <legend>{i + 1}. {q.prompt}</legend>
            {q.choices.map((c, j) => (
              <label key={j} className={m ? (j === m.answer ? "right" : j === m.chosen ? "wrong" : "") : ""}>
                <input type="radio" name={`${quiz.id}-${q.id}`} checked={answers[q.id] === j} onChange={() => setAnswers({ ...answers, [q.id]: j })} /> {c}
              </label>
            ))}
            {m ? <p className={m.correct ? "good" : "bad"} data-testid={`marked-${q.id}`}>{m.correct ? "Right" : "Not quite"}: {m.why}</p> : null}
          </fieldset>
        );
      })}
      <ErrorNote error={error} />
      <div className="row">
        <button className="primary" type="submit" disabled={Object.keys(answers).length === 0}>Score my answers</button>
        {score ? <strong data-testid="quiz-score">{score.correct} of {score.total} right ({pct(score.score, 0)})</strong> : null}
      </div>
    </form>
  );
}

function Lessons({ progress, progressError }: { progress: Progress | undefined; progressError: unknown }) {
  const client = useQueryClient();
  const lessons = useQuery({ queryKey: ["lessons"], queryFn: () => api<LessonSummary[]>("/lessons") });
  const [picked, setPicked] = useState<string | null>(null);
  const id = picked ?? lessons.data?.[0]?.id ?? null;
  const lesson = useQuery({ queryKey: ["lesson", id], enabled: !!id, queryFn: () => api<Lesson>(`/lessons/${id}`) });
  const passed = new Set(progress?.lessons_passed ?? []);
  const score = async (answers: Record<string, number>) => {
    const s = await post<Score>(`/lessons/${id}/quiz`, { answers });
    await client.invalidateQueries({ queryKey: ["learn-progress"] });
    return s;
  };
  return (
    <>
      <Card title="Lessons">
        <ErrorNote error={lessons.error} />
        <ol className="lessons">
          {(lessons.data ?? []).map((l) => (
            <li key={l.id}>
              <button className="link" title={l.summary} aria-current={l.id === id ? "true" : undefined} onClick={() => setPicked(l.id)}>{l.title}</button>
              {passed.has(l.id) ? <> <span className="pill running">passed</span></> : null}
            </li>
          ))}
        </ol>
      </Card>
      <ProgressCard progress={progress} error={progressError} />
      <Card title={lesson.data ? `Lesson ${lesson.data.order} of ${lessons.data?.length ?? "-"}` : "Lesson"} wide>
        <ErrorNote error={lesson.error} />
        {lesson.data ? <>
          <p className="muted small">Its {lesson.data.examples} examples run on the bundled data: signaltrust learn run {lesson.data.id}</p>
          <LessonText markdown={lesson.data.markdown} />
          <h3>Quiz</h3>
          <QuizForm quiz={lesson.data.quiz} onScore={score} />
        </> : <p className="muted">Loading...</p>}
      </Card>
    </>
  );
}

function ProgressCard({ progress, error }: { progress: Progress | undefined; error: unknown }) {
  return (
    <Card title="Your progress">
      <ErrorNote error={error} />
      {progress ? <div className="stats">
        <Stat label="Lessons passed" value={`${progress.lessons_passed.length} of ${progress.lessons_total}`} note="a best score of two thirds or more" />
        <Stat label="Quizzes tried" value={progress.quizzes.length} />
      </div> : null}
      <Table label="quiz progress" columns={["quiz", "attempts", "best", "last"]} rows={(progress?.quizzes ?? []).map((q) => [q.quiz, q.attempts, pct(q.best, 0), pct(q.last, 0)])} empty="no quiz answered yet" />
    </Card>
  );
}

const shift = (ts: string, days: number) => new Date(Date.parse(ts) + days * 86400000).toISOString().slice(0, 10);

/** Trade n of a run explained: the why in words, beside the candles around it with its entry and exit. */
function TradeExplained({ run, number, trade, dataset }: { run: string; number: number; trade: Trade; dataset: string }) {
  const why = useQuery({ queryKey: ["explain", run, number], queryFn: () => api<Explanation>(`/learn/runs/${encodeURIComponent(run)}/trades/${number}`) });
  const end = trade.exit_time ?? trade.entry_time;
  const bars = useQuery({ queryKey: ["trade-bars", dataset, trade.entry_time, end], queryFn: () => api<{ bars: Bar[] }>(`/data/bars/${encodeURIComponent(dataset)}?start=${shift(trade.entry_time, -120)}&end=${shift(end, 60)}&limit=2000`).then((b) => b.bars) });
  const markers = useMemo<Marker[]>(() => {
    const long = trade.direction === "long";
    const entry: Marker = { time: trade.entry_time, side: long ? "BUY" : "SELL", text: `entry ${num(trade.entry_price)}` };
    return trade.exit_time ? [entry, { time: trade.exit_time, side: long ? "SELL" : "BUY", text: `${trade.exit_reason} ${num(trade.exit_price ?? NaN)}` }] : [entry];
  }, [trade]);
  const w = why.data;
  return (
    <Card title={`Trade ${number} explained`} wide>
      <ErrorNote error={why.error ?? bars.error} />
      <div className="explain">
        <div>
          <CandleChart bars={bars.data ?? []} markers={markers} label={`trade ${number} on the chart`} height={300} />
        </div>
        {w ? <div>
          <div className="stats">
            <Stat label="P&L" value={money(w.outcome.pnl)} tone={w.outcome.pnl >= 0 ? "good" : "bad"} note={pct(w.outcome.return)} />
            <Stat label="Exit" value={String(w.exit.reason)} note={w.exit.filled_at ?? "still open"} />
            <Stat label="Costs" value={money(w.costs.total)} note={`${num(w.costs.total_bps, 1)} bps`} />
          </div>
          <p><strong>Signal</strong> decided at the close of {w.entry.decided_at}: {w.entry.rule}</p>
          <Table label="pre-trade checks" columns={["check", "passed", "detail"]} rows={w.checks.map((c) => [c.name, c.passed ? "yes" : "no", <span className="wrap">{c.detail}</span>])} />
          <details><summary>As signaltrust explain prints it</summary><pre className="log" tabIndex={0} data-testid="explanation-text">{w.text}</pre></details>
        </div> : <p className="muted">Explaining...</p>}
      </div>
    </Card>
  );
}

function Trades() {
  const runs = useQuery({ queryKey: ["learn-runs"], queryFn: () => api<string[]>("/learn/runs") });
  const nodes = useQuery({ queryKey: ["nodes"], queryFn: () => api<NodeInfo[]>("/nodes") });
  const sources = [...(runs.data ?? []).map((r) => ({ name: r, label: `${r} (saved backtest)`, data: null as string | null })), ...(nodes.data ?? []).map((n) => ({ name: n.name, label: `${n.name} (node)`, data: n.data.length === 1 ? n.data[0] : null }))];
  const [picked, setPicked] = useState<string | null>(null);
  // the first saved run, else the first node, once both lists are in
  const run = picked ?? (runs.isFetched && nodes.isFetched ? sources[0]?.name ?? null : null);
  const trades = useQuery({ queryKey: ["learn-trades", run], enabled: !!run, queryFn: () => api<Trade[]>(`/learn/runs/${encodeURIComponent(run ?? "")}/trades`) });
  const [number, setNumber] = useState<number | null>(null);
  useEffect(() => setNumber(null), [run]);
  const list = trades.data ?? [];
  const chosen = number ?? (list.length ? 1 : null);
  // a node replaying one dataset trades it under its own name; a saved run's asset is its dataset
  const dataset = sources.find((s) => s.name === run)?.data ?? list[(chosen ?? 1) - 1]?.asset;
  return (
    <>
      <Card title="Trades of a run" wide actions={<label>Run <select aria-label="Run" value={run ?? ""} onChange={(e) => setPicked(e.target.value)}>
        {sources.map((s) => <option key={s.name} value={s.name}>{s.label}</option>)}
      </select></label>}>
        <ErrorNote error={trades.error} />
        {!run && runs.isFetched && nodes.isFetched ? <p className="muted">No saved run or node yet: signaltrust learn save demo --data goog --strategy sma_cross</p> : null}
        <Table label="trades" columns={["#", "asset", "direction", "entry", "exit", "exit reason", "P&L", "return", ""]} rows={list.map((t, i) => [
          i + 1, t.asset, t.direction, String(t.entry_time).slice(0, 10), t.exit_time ? String(t.exit_time).slice(0, 10) : "open", t.exit_reason, money(t.pnl), pct(t.return),
          <button className="link" aria-pressed={chosen === i + 1} onClick={() => setNumber(i + 1)}>Explain trade {i + 1}</button>,
        ])} empty={trades.isLoading ? "loading..." : "no trades"} />
      </Card>
      {run && chosen && list[chosen - 1] ? <TradeExplained run={run} number={chosen} trade={list[chosen - 1]} dataset={dataset} /> : null}
    </>
  );
}

export function Learning() {
  const progress = useQuery({ queryKey: ["learn-progress"], queryFn: () => api<Progress>("/learn/progress") });
  return (
    <div className="grid">
      <Lessons progress={progress.data} progressError={progress.error} />
      <Trades />
    </div>
  );
}
