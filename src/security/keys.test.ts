import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMetadataStore } from "../store/metadata/index.js";
import type { MetadataStore } from "../store/metadata/types.js";
import { ApiKeys, ENV_ADMIN_KEY_ID, parseDuration } from "./keys.js";
import { modelAllowed } from "./principal.js";
import { can, rolesWith } from "./roles.js";

let store: MetadataStore;
let keys: ApiKeys;

beforeAll(async () => {
  store = await openMetadataStore(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "llmops-keys-")), "db")}`);
  keys = new ApiKeys(store, { adminKey: "env-admin-key-0123456789" });
});
afterAll(() => store.close());

describe("API keys", () => {
  it("stores only a scrypt hash and authenticates the key it printed", async () => {
    const created = await keys.create({ name: "alice", role: "developer", createdBy: "test" });
    const row = await store.db
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    const secret = created.key.split("_").slice(2).join("_");
    expect(row.key_hash).toMatch(/^scrypt\$16384\$[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(await keys.authenticate(created.key)).toEqual({
      keyId: created.id,
      name: "alice",
      role: "developer",
      team: null,
      models: null,
      expiresAt: null,
    });
  });

  it("rejects missing, malformed, unknown and tampered keys with 401", async () => {
    const created = await keys.create({ name: "bob", role: "viewer", createdBy: "test" });
    const tampered = `${created.key.slice(0, -1)}${created.key.endsWith("A") ? "B" : "A"}`;
    for (const bad of [
      undefined,
      "",
      "sk-not-ours",
      tampered,
      created.key.replace(created.id, "01ARZ3NDEKTSV4RRFFQ69G5FAV"),
    ]) {
      await expect(keys.authenticate(bad)).rejects.toMatchObject({ code: "unauthorized", status: 401 });
    }
  });

  it("stops accepting a revoked key", async () => {
    const created = await keys.create({ name: "carol", role: "service", createdBy: "test" });
    await keys.authenticate(created.key); // cached now
    await keys.revoke("carol");
    await expect(keys.authenticate(created.key)).rejects.toMatchObject({ code: "unauthorized" });
    // Another process (its own cache) also refuses it.
    const other = new ApiKeys(store);
    await expect(other.authenticate(created.key)).rejects.toMatchObject({ code: "unauthorized" });
    await expect(keys.revoke("carol")).rejects.toMatchObject({ code: "not_found" });
  });

  it("answers a key from the cache without waiting only while its state is fresh enough and usable", async () => {
    const fast = new ApiKeys(store, { freshMs: 100, maxStaleMs: 250 });
    const created = await fast.create({ name: "dora", role: "service", createdBy: "test" });
    expect(fast.authenticateCached(created.key)).toBeUndefined(); // never verified here: no scrypt on this path
    const principal = await fast.authenticate(created.key);
    expect(fast.authenticateCached(created.key)).toBe(principal);
    expect(fast.authenticateCached(`${created.key}x`)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300)); // older than maxStaleMs: authenticate() re-reads
    expect(fast.authenticateCached(created.key)).toBeUndefined();
    await fast.authenticate(created.key);
    expect(fast.authenticateCached(created.key)).toEqual(principal);
    await fast.revoke(created.id);
    expect(fast.authenticateCached(created.key)).toBeUndefined();
    await expect(fast.authenticate(created.key)).rejects.toMatchObject({ code: "unauthorized" });
  });

  it("accepts LLMOPS_ADMIN_KEY as an admin without storing it", async () => {
    expect(await keys.authenticate("env-admin-key-0123456789")).toMatchObject({
      keyId: ENV_ADMIN_KEY_ID,
      role: "admin",
    });
    expect(await store.db.selectFrom("api_keys").select("id").where("id", "=", ENV_ADMIN_KEY_ID).execute()).toEqual([]);
  });

  it("validates names and roles", async () => {
    await expect(keys.create({ name: " ", role: "admin", createdBy: "t" })).rejects.toThrow(/name/);
    await expect(keys.create({ name: "x", role: "root", createdBy: "t" })).rejects.toThrow(
      /admin, developer, viewer, service/,
    );
  });

  it("refuses an ambiguous revoke by name", async () => {
    await keys.create({ name: "twin", role: "viewer", createdBy: "t" });
    await keys.create({ name: "twin", role: "viewer", createdBy: "t" });
    await expect(keys.revoke("twin")).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("roles", () => {
  it("grant inference to admin, developer and service, and key management to admin only", () => {
    expect(rolesWith("inference")).toEqual(["admin", "developer", "service"]);
    expect(rolesWith("keys:manage")).toEqual(["admin"]);
    expect(can("viewer", "models:read")).toBe(true);
    expect(can("viewer", "models:write")).toBe(false);
    expect(can("service", "requests:read")).toBe(false);
  });
});

describe("key state: expiry, allow-lists, teams and revocation across instances", () => {
  it("stores team, models and expiry, and refuses an expired key", async () => {
    const created = await keys.create({
      name: "exp",
      role: "service",
      createdBy: "t",
      team: "search",
      models: ["tiny", "big@3", "tiny"],
      expiresAt: new Date(Date.now() + 2500), // generous: scrypt on a loaded machine takes a while
    });
    expect(created).toMatchObject({ team: "search", models: ["tiny", "big@3"] });
    expect(await keys.authenticate(created.key)).toMatchObject({ team: "search", models: ["tiny", "big@3"] });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(created.expiresAt!) - Date.now() + 20));
    await expect(keys.authenticate(created.key)).rejects.toThrow(/expired at/);
    await expect(new ApiKeys(store).authenticate(created.key)).rejects.toThrow(/expired at/);
  });

  it("validates team, models and expiry", async () => {
    const base = { name: "v", role: "viewer", createdBy: "t" };
    await expect(keys.create({ ...base, team: "a b" })).rejects.toThrow(/Team/);
    await expect(keys.create({ ...base, models: [] })).rejects.toThrow(/allow-list is empty/);
    await expect(keys.create({ ...base, models: ["bad name"] })).rejects.toThrow(/not a model name/);
    await expect(keys.create({ ...base, expiresAt: "yesterday" })).rejects.toThrow(/not a time/);
    await expect(keys.create({ ...base, expiresAt: "2001-01-01T00:00:00Z" })).rejects.toThrow(/in the past/);
  });

  it("applies a revocation made by another instance within a second, without re-running scrypt", async () => {
    const a = new ApiKeys(store, { freshMs: 200, maxStaleMs: 500 });
    const b = new ApiKeys(store, { freshMs: 200, maxStaleMs: 500 });
    const created = await a.create({ name: "shared", role: "service", createdBy: "t" });
    await a.authenticate(created.key);
    await b.authenticate(created.key);
    await a.revoke(created.id);
    await expect(a.authenticate(created.key)).rejects.toMatchObject({ code: "unauthorized" });
    const started = Date.now();
    for (;;) {
      try {
        await b.authenticate(created.key);
      } catch {
        break;
      }
      expect(Date.now() - started).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it("parses durations", () => {
    expect(parseDuration("30d")).toBe(30 * 86_400_000);
    expect(parseDuration("90m")).toBe(90 * 60_000);
    expect(() => parseDuration("soon")).toThrow(/45s, 90m/);
    expect(() => parseDuration("0d")).toThrow();
  });

  it("matches model allow-lists by name, alias and version", () => {
    expect(modelAllowed(null, "x")).toBe(true);
    expect(modelAllowed(["tiny"], "tiny@3")).toBe(true);
    expect(modelAllowed(["tiny"], "tiny")).toBe(true);
    expect(modelAllowed(["tiny@production"], "tiny")).toBe(true);
    expect(modelAllowed(["tiny@3"], "tiny@4")).toBe(false);
    expect(modelAllowed(["tiny@3"], "tiny")).toBe(false);
    expect(modelAllowed(["tiny"], "tinyllama")).toBe(false);
  });
});
