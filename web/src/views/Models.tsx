import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, post } from "../api";
import { can, useSession } from "../session";
import { Card, ConfirmButton, ErrorNote, Table } from "../components/ui";

interface ModelVersion { version: number; aliases?: string[]; metrics?: Record<string, number>; stage?: string; created?: string; [k: string]: unknown }
interface Model { name: string; versions: ModelVersion[]; aliases?: Record<string, number>; [k: string]: unknown }

export function Models() {
  const { me } = useSession();
  const client = useQueryClient();
  const models = useQuery({ queryKey: ["models"], queryFn: () => api<Model[]>("/models") });
  return (
    <div className="grid">
      <Card title="Model registry" wide>
        <ErrorNote error={models.error} />
        {(models.data ?? []).length === 0 ? <p className="muted">No registered model yet: the Signals view trains and registers the first.</p> : null}
        {(models.data ?? []).map((m) => (
          <div key={m.name}>
            <h3>{m.name}</h3>
            <Table label={`versions of ${m.name}`} columns={["version", "aliases", "metrics", ...(can(me, "admin") ? [""] : [])]} rows={(m.versions ?? []).map((v) => [
              v.version, (v.aliases ?? []).join(", ") || "-",
              Object.entries(v.metrics ?? {}).slice(0, 4).map(([k, x]) => `${k} ${typeof x === "number" ? x.toFixed(3) : x}`).join(", ") || "-",
              ...(can(me, "admin") ? [<ConfirmButton label="Promote" reason question={`Point production at ${m.name} v${v.version}?`} onConfirm={async () => { await post(`/models/${m.name}/promote`, { version: v.version, alias: "production" }); await client.invalidateQueries({ queryKey: ["models"] }); }} />] : []),
            ])} />
          </div>
        ))}
      </Card>
    </div>
  );
}
