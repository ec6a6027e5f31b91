// Serves the built dashboard (dist/dashboard, made by `npm run build`) at `/`. The bundle is small,
// so every file is read into memory once at start-up with a gzip copy: a request is a map lookup.
// Hashed files under /assets/ are cached for a year (their names change when they do); index.html
// is revalidated every time (ETag), so a new build is picked up on the next load. Any other GET that
// is not an API path gets index.html (SPA fallback); /v1, /api, /metrics and /healthz never do.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);
/** Paths that belong to the gateway and the API: never answered with the dashboard. */
const RESERVED = /^\/(v1|api|metrics|healthz)(\/|$)/;

interface StaticFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  cacheControl: string;
}

/** Finds dist/dashboard from this module's location, in the built package (dist/src/platform) or the source tree. */
export function defaultDashboardDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, "package.json"))) return path.join(dir, "dist", "dashboard");
    dir = path.dirname(dir);
  }
  return path.resolve("dist", "dashboard");
}

async function loadFiles(root: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const rel = `/${path.relative(root, full).split(path.sep).join("/")}`;
      const ext = path.extname(entry.name).toLowerCase();
      const body = await readFile(full);
      const hashed = rel.startsWith("/assets/");
      files.set(rel, {
        body,
        gzip: COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body, { level: 9 }) : null,
        type: TYPES[ext] ?? "application/octet-stream",
        etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
        cacheControl: hashed ? "public, max-age=31536000, immutable" : "no-cache",
      });
    }
  };
  await walk(root);
  return files;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>llmops</title>
<p>The llmops dashboard is not built. Run <code>npm run build</code> (or <code>npm ci</code>) and restart.
The API is at <a href="/api/v1/health">/api/v1</a>.</p>`;

/**
 * Registers GET / and the SPA fallback. Returns the number of files served (0 when the dashboard
 * is not built: `/` then explains how to build it).
 */
export async function registerDashboard(app: FastifyInstance, dir = defaultDashboardDir()): Promise<number> {
  const files = existsSync(path.join(dir, "index.html")) ? await loadFiles(dir) : new Map<string, StaticFile>();
  const index = files.get("/index.html");

  const send = (request: FastifyRequest, reply: FastifyReply, file: StaticFile) => {
    reply
      .header("content-type", file.type)
      .header("cache-control", file.cacheControl)
      .header("etag", file.etag)
      .header("vary", "accept-encoding")
      .header("x-content-type-options", "nosniff");
    if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
    const acceptsGzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    if (file.gzip && acceptsGzip) return reply.header("content-encoding", "gzip").send(file.gzip);
    return reply.send(file.body);
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(request.url.split("?", 1)[0] ?? "/");
    } catch {
      return reply.callNotFound(); // malformed %-escapes
    }
    if (RESERVED.test(pathname)) return reply.callNotFound();
    const file = files.get(pathname === "/" ? "/index.html" : pathname);
    if (file) return send(request, reply, file);
    // A missing hashed asset is a real 404 (an old tab after a deploy), not the app shell.
    if (pathname.startsWith("/assets/") || !index) {
      if (!index && (pathname === "/" || pathname === "/index.html")) {
        return reply
          .header("content-type", "text/html; charset=utf-8")
          .header("cache-control", "no-cache")
          .send(NOT_BUILT);
      }
      return reply.callNotFound();
    }
    return send(request, reply, index);
  };
  app.get("/", handler);
  app.get("/*", handler);
  return files.size;
}
