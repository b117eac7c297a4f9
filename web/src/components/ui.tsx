import { useState, type ReactNode } from "react";
import { ApiError } from "../api";

export function Card({ title, children, actions, wide }: { title: string; children: ReactNode; actions?: ReactNode; wide?: boolean }) {
  return (
    <section className={`card${wide ? " wide" : ""}`} aria-label={title}>
      <header><h2>{title}</h2>{actions}</header>
      {children}
    </section>
  );
}

export function Stat({ label, value, note, tone }: { label: string; value: ReactNode; note?: ReactNode; tone?: "good" | "bad" }) {
  return (
    <div className="stat">
      <div className="muted small">{label}</div>
      <div className={`value ${tone ?? ""}`}>{value}</div>
      {note ? <div className="muted small">{note}</div> : null}
    </div>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const body = error instanceof ApiError ? error.body : { message: String(error) };
  return <p className="error" role="alert">{body.message}{body.fix ? ` - ${body.fix}` : ""}</p>;
}

export function Table({ columns, rows, empty = "nothing yet", label }: { columns: string[]; rows: ReactNode[][]; empty?: string; label: string }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={`${label} (scrolls)`}>
      <table aria-label={label}>
        <thead><tr>{columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
        <tbody>
          {rows.length === 0 ? <tr><td colSpan={columns.length} className="muted">{empty}</td></tr> :
            rows.map((r, i) => <tr key={i}>{r.map((c, j) => <td key={j}>{c}</td>)}</tr>)}
        </tbody>
      </table>
    </div>
  );
}

/** A button that asks for confirmation (and a reason when ``reason``) before it acts. */
export function ConfirmButton({ label, question, onConfirm, danger, reason, disabled }: { label: string; question: string; onConfirm: (reason: string) => Promise<unknown> | void; danger?: boolean; reason?: boolean; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  const [why, setWhy] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const act = async () => {
    setBusy(true); setError(null);
    try { await onConfirm(why); setOpen(false); setWhy(""); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return (
    <>
      <button className={danger ? "danger" : ""} onClick={() => setOpen(true)} disabled={disabled}>{label}</button>
      {open ? (
        <div className="modal" role="dialog" aria-modal="true" aria-label={question}>
          <div className="modal-box">
            <p>{question}</p>
            {reason ? <label>Reason <input value={why} onChange={(e) => setWhy(e.target.value)} placeholder="why (kept in the audit log)" /></label> : null}
            <ErrorNote error={error} />
            <div className="row">
              <button onClick={() => setOpen(false)}>Cancel</button>
              <button className={danger ? "danger" : "primary"} onClick={act} disabled={busy || (reason && why.trim().length < 3)}>Confirm</button>
            </div>
          </div>
        </div>
      ) : null}
    </>
  );
}
