// The control-plane API (/api/v1) on the real server that `llmops up` and `llmops gateway` run:
// model upload, aliases and rollback over HTTP, keys, the request log, and role checks.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-api-"));
const modelFile = path.join(home, "tiny.gguf");
let platform: Platform;
let server: RunningServer;
const keys: Record<string, string> = {};

async function call(method: string, route: string, key: string | null, body?: unknown, type = "application/json") {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = type;
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  await writeTinyLlama(modelFile, { type: "Q8_0", seed: 5 });
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: home }).config);
  for (const role of ["admin", "developer", "viewer", "service"]) {
    keys[role] = (await platform.keys.create({ name: role, role, createdBy: "test" })).key;
  }
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await server?.close();
  await platform?.close();
});

describe("/api/v1", () => {
  it("uploads a GGUF as a new version, streaming it to the artifact store", async () => {
    const bytes = readFileSync(modelFile);
    const created = await call(
      "POST",
      "/api/v1/models/uploaded/versions?alias=staging&tag=team=core&description=first",
      keys.developer!,
      new Uint8Array(bytes),
      "application/octet-stream",
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ref: "uploaded@1",
      aliases: ["staging"],
      tags: { team: "core" },
      quantization: "Q8_0",
      sizeBytes: bytes.length,
      createdBy: expect.stringContaining("key:developer"),
    });
    const again = await call(
      "POST",
      "/api/v1/models/uploaded/versions",
      keys.admin!,
      new Uint8Array(bytes),
      "application/octet-stream",
    );
    expect(again.body.version).toBe(2);
    expect(again.body.artifactHash).toBe(created.body.artifactHash);
  });

  it("rejects an upload that is not GGUF and leaves nothing behind", async () => {
    const bad = await call(
      "POST",
      "/api/v1/models/junk/versions",
      keys.admin!,
      new TextEncoder().encode("nope"),
      "application/octet-stream",
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_request" });
    expect((await call("GET", "/api/v1/models/junk", keys.admin!)).status).toBe(404);
    const json = await call("POST", "/api/v1/models/junk/versions", keys.admin!, { not: "a file" });
    expect(json.status).toBe(400);
  });

  it("moves aliases, rolls back, and shows the history", async () => {
    expect(
      (await call("PUT", "/api/v1/models/uploaded/aliases/production", keys.developer!, { version: 1 })).status,
    ).toBe(200);
    const moved = await call("PUT", "/api/v1/models/uploaded/aliases/production", keys.developer!, {
      version: 2,
      reason: "new",
    });
    expect(moved.body).toMatchObject({ kind: "set", fromVersion: 1, toVersion: 2, reason: "new" });
    const back = await call("POST", "/api/v1/models/uploaded/aliases/production/rollback", keys.developer!, {});
    expect(back.body).toMatchObject({ kind: "rollback", fromVersion: 2, toVersion: 1 });
    expect((await call("GET", "/api/v1/models/uploaded/versions/production", keys.viewer!)).body.version).toBe(1);
    const history = await call("GET", "/api/v1/models/uploaded/alias-history", keys.viewer!);
    expect(history.body.data.map((e: { kind: string }) => e.kind)).toEqual(["set", "set", "set", "rollback"]);
    const badVersion = await call("PUT", "/api/v1/models/uploaded/aliases/production", keys.developer!, {
      version: "x",
    });
    expect(badVersion.status).toBe(400);
    expect(badVersion.body.error.message).toMatch(/positive integers/);
  });

  it("lists and shows models", async () => {
    const list = await call("GET", "/api/v1/models", keys.viewer!);
    expect(list.body.data).toEqual([expect.objectContaining({ name: "uploaded", latestVersion: 2 })]);
    const model = await call("GET", "/api/v1/models/uploaded", keys.service!);
    expect(model.body.versions).toHaveLength(2);
  });

  it("enforces keys and roles", async () => {
    expect((await call("GET", "/api/v1/models", null)).status).toBe(401);
    expect((await call("GET", "/api/v1/models", "llm_bogus")).status).toBe(401);
    const forbidden = await call("PUT", "/api/v1/models/uploaded/aliases/production", keys.viewer!, { version: 2 });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({ type: "permission_error", code: "forbidden" });
    expect(forbidden.body.error.message).toContain("admin, developer");
    expect((await call("GET", "/api/v1/keys", keys.developer!)).status).toBe(403);
    expect((await call("GET", "/api/v1/requests", keys.service!)).status).toBe(403);
  });

  it("manages keys for admins", async () => {
    const created = await call("POST", "/api/v1/keys", keys.admin!, { name: "robot", role: "service" });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^llm_/);
    const listed = await call("GET", "/api/v1/keys", keys.admin!);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect((await call("GET", "/api/v1/models", created.body.key)).status).toBe(200);
    expect((await call("DELETE", `/api/v1/keys/${created.body.id}`, keys.admin!)).status).toBe(200);
    expect((await call("GET", "/api/v1/models", created.body.key)).status).toBe(401);
    expect((await call("POST", "/api/v1/keys", keys.admin!, { name: "x", role: "root" })).status).toBe(400);
  });

  it("answers unknown routes with 404 in OpenAI's shape", async () => {
    const missing = await call("GET", "/api/v1/nothing-here", keys.admin!);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ type: "not_found_error" });
  });
});
