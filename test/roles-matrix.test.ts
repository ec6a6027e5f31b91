// The permission matrix, checked over every /v1 and /api/v1 route the server registers (read at
// runtime, so a new route is covered without touching this file): each route must declare what it
// needs — in its route config (`config: { permission }`) or in src/security/route-permissions.ts —
// and then, for each role and for no key at all, the answer must match: 401 without a key, 403 for
// a role that lacks the permission, neither for a role that holds it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { registeredRoutes } from "../src/gateway/auth.js";
import { createLogger } from "../src/platform/logger.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { can, ROLES, type Role } from "../src/security/roles.js";
import { declaredPermission, type RouteAccess } from "../src/security/route-permissions.js";

let platform: Platform;
let server: RunningServer;
const keys = new Map<Role, string>();

beforeAll(async () => {
  const home = mkdtempSync(path.join(tmpdir(), "llmops-roles-"));
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: home }).config);
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: createLogger("silent") });
  for (const role of ROLES) {
    keys.set(role, (await platform.keys.create({ name: `matrix-${role}`, role, createdBy: "test" })).key);
  }
}, 60_000);
afterAll(async () => {
  await server?.close();
  await platform?.close();
});

const covered = (url: string) => url.startsWith("/v1/") || url === "/v1" || url.startsWith("/api/v1/");

function concrete(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, "x").replace(/\*/g, "x");
}

function expectedFor(access: RouteAccess, role: Role | null): "ok" | 401 | 403 {
  if (access === "public") return "ok";
  if (role === null) return 401;
  if (access === "authenticated") return "ok";
  return can(role, access) ? "ok" : 403;
}

describe("permission matrix", () => {
  it("has a declared permission for every /v1 and /api/v1 route", () => {
    const routes = registeredRoutes(server.app).filter((r) => covered(r.url) && r.method !== "HEAD");
    expect(routes.length).toBeGreaterThan(10);
    const undeclared = routes
      .filter((r) => declaredPermission(r.method, r.url, r.config) === undefined)
      .map((r) => `${r.method} ${r.url}`);
    expect(undeclared, "declare these in src/security/route-permissions.ts or in the route's config").toEqual([]);
  });

  it("answers 401 / 403 / allowed exactly as declared, for every role and for no key", async () => {
    const routes = registeredRoutes(server.app).filter((r) => covered(r.url) && r.method !== "HEAD");
    const mismatches: string[] = [];
    for (const route of routes) {
      const access = declaredPermission(route.method, route.url, route.config);
      if (access === undefined) continue;
      for (const role of [null, ...ROLES]) {
        const hasBody = !["GET", "DELETE", "OPTIONS"].includes(route.method);
        const headers: Record<string, string> = hasBody ? { "content-type": "application/json" } : {};
        if (role !== null) headers.authorization = `Bearer ${keys.get(role)}`;
        const inject = server.app.inject({
          method: route.method as "GET",
          url: concrete(route.url),
          headers,
          ...(hasBody ? { payload: "{}" } : {}),
        });
        // Streaming routes may never end: auth answers first, so a route still busy after 3 s got past it.
        const status = await Promise.race([
          inject.then((response) => response.statusCode),
          new Promise<number>((resolve) => setTimeout(() => resolve(0), 3000)),
        ]);
        const expected = expectedFor(access, role);
        const got = status === 401 || status === 403 ? status : "ok";
        if (got !== expected) {
          mismatches.push(`${route.method} ${route.url} as ${role ?? "no key"}: expected ${expected}, got ${status}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);
});
