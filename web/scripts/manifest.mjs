// Copy the built bundle into the Python package and write its manifest: the hash of the
// sources it was built from (tests/web/test_bundle.py recomputes it: a stale bundle fails) and
// the gzipped size of the JavaScript shipped.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const web = new URL("..", import.meta.url).pathname;
const target = join(web, "..", "src", "signaltrust", "web_dist");
export const SOURCES = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "public", "src"];

function files(path) {
  const full = join(web, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isDirectory()) return readdirSync(full).sort().flatMap((n) => files(join(path, n)));
  return [path];
}

export function sourceHash() {
  const hash = createHash("sha256");
  for (const path of SOURCES.flatMap(files).filter((p) => !/\.test\.tsx?$/.test(p)).sort()) {
    hash.update(path.split("\\").join("/") + "\n");
    hash.update(readFileSync(join(web, path)));
    hash.update("\n");
  }
  return hash.digest("hex");
}

rmSync(join(target, "assets"), { recursive: true, force: true });
for (const name of ["index.html", "favicon.svg", "manifest.json"]) rmSync(join(target, name), { force: true });
mkdirSync(target, { recursive: true });
cpSync(join(web, "dist"), target, { recursive: true });
const assets = readdirSync(join(target, "assets"));
const js = assets.filter((n) => n.endsWith(".js"));
const gz = (n) => gzipSync(readFileSync(join(target, "assets", n)), { level: 9 }).length;
const manifest = {
  sources_sha256: sourceHash(),
  files: assets.sort(),
  js_gzip_bytes: js.reduce((s, n) => s + gz(n), 0),
  css_gzip_bytes: assets.filter((n) => n.endsWith(".css")).reduce((s, n) => s + gz(n), 0),
};
writeFileSync(join(target, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`bundle -> ${relative(process.cwd(), target)}: ${js.length} JS file(s), ${(manifest.js_gzip_bytes / 1024).toFixed(1)} KiB gzipped`);
