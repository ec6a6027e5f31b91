import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMetadataStore } from "../store/metadata/index.js";
import type { MetadataStore } from "../store/metadata/types.js";
import { ApiKeys, ENV_ADMIN_KEY_ID } from "./keys.js";
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
    expect(await keys.authenticate(created.key)).toEqual({ keyId: created.id, name: "alice", role: "developer" });
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
    // Another process (its own cache) also refuses it once its short cache entry expires.
    const other = new ApiKeys(store);
    await expect(other.authenticate(created.key)).rejects.toMatchObject({ code: "unauthorized" });
    await expect(keys.revoke("carol")).rejects.toMatchObject({ code: "not_found" });
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
