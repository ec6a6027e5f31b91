// The rollout records on both metadata engines: one active rollout per alias (partial unique
// index), weight and switch, promotion and abort, an idempotent automatic rollback that writes the
// evidence to the audit trail and the alias history, and shadow samples.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { ModelRegistry } from "../src/registry/index.js";
import { RolloutStore } from "../src/registry/rollouts.js";
import { listAudit, verifyAudit } from "../src/security/audit.js";
import { openArtifactStore } from "../src/store/artifacts/index.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";
import { databaseFactories, type TestDatabase } from "./helpers/databases.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-rollout-store-"));
const file = path.join(dir, "m.gguf");
beforeAll(() => writeTinyLlama(file, { type: "Q8_0", seed: 11 }));

describe.each(databaseFactories())("rollout records on %s", (_name, factory) => {
  let db: TestDatabase;
  let store: MetadataStore;
  let registry: ModelRegistry;
  let rollouts: RolloutStore;

  beforeAll(async () => {
    db = await factory();
    store = await openMetadataStore(db.url);
    const artifacts = await openArtifactStore(`file:${mkdtempSync(path.join(dir, "artifacts-"))}`, { home: dir });
    registry = new ModelRegistry(store, artifacts);
    rollouts = new RolloutStore(store, registry);
    for (let i = 0; i < 3; i++)
      await registry.register({ file, name: "m", actor: "t", ...(i === 0 ? { alias: "production" } : {}) });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("allows one active rollout per alias, even when two start at once", async () => {
    const results = await Promise.allSettled([
      rollouts.start({ model: "m", alias: "production", kind: "canary", candidate: 2, actor: "a" }),
      rollouts.start({ model: "m", alias: "production", kind: "shadow", candidate: 3, actor: "b" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(String(rejected.reason)).toMatch(/already has an active rollout/);
    expect(await rollouts.setPercent("m", "production", 30, "t")).toMatchObject({ percent: 30, state: "active" });
    await rollouts.abort("m", "production", "t", "test");
    expect(await rollouts.active("m", "production")).toBeNull();
    // Ended rollouts stay as history and do not block a new one.
    await rollouts.start({ model: "m", alias: "production", kind: "canary", candidate: 2, actor: "t" });
  });

  it("rolls back once with the evidence in the audit trail and the alias history", async () => {
    const active = await rollouts.requireActive("m", "production");
    const evidence = {
      breached: ["error_rate"],
      windowMs: 60_000,
      slo: active.slo,
      candidateStats: { samples: 25, errors: 9, errorRate: 0.36, p95Ms: 120 },
      stableStats: { samples: 200, errors: 0, errorRate: 0, p95Ms: 80 },
    };
    const [first, second] = await Promise.all([
      rollouts.autoRollback(active.id, evidence),
      rollouts.autoRollback(active.id, evidence),
    ]);
    expect([first, second].filter((r) => r !== null)).toHaveLength(1);
    const ended = await rollouts.get(active.id);
    expect(ended).toMatchObject({ state: "rolled_back", evidence, endedBy: "gateway:rollout-controller" });
    const audit = await listAudit(store, { action: "rollout.rollback" });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ rollout: active.id, automatic: true, evidence });
    const history = await registry.aliasHistory("m", "production");
    expect(history.at(-1)).toMatchObject({ fromVersion: 1, toVersion: 1 });
    expect(history.at(-1)!.reason).toMatch(/9\/25 failed/);
    expect((await verifyAudit(store)).ok).toBe(true);
  });

  it("switches blue/green, promotes, and stores shadow samples", async () => {
    await rollouts.start({ model: "m", alias: "production", kind: "blue-green", candidate: 3, actor: "t" });
    await rollouts.switchOver("m", "production", "t");
    expect((await registry.resolve("m@production")).version).toBe(3);
    await expect(rollouts.setPercent("m", "production", 10, "t")).rejects.toThrow(/switch/);
    const promoted = await rollouts.promote("m", "production", "t");
    expect(promoted.state).toBe("promoted");
    expect((await registry.resolve("m@production")).version).toBe(3);
    await rollouts.insertShadowSamples([
      {
        id: "01JSAMPLE0000000000000000A",
        rollout_id: promoted.id,
        request_id: "r1",
        at: new Date().toISOString(),
        route: "/v1/chat/completions",
        primary_version: "m@1",
        primary_status: 200,
        primary_latency_ms: 12.5,
        primary_output: "héllo 你好",
        candidate_version: "m@3",
        candidate_status: null,
        candidate_latency_ms: null,
        candidate_output: null,
        candidate_error: "connect ECONNREFUSED",
      },
    ]);
    expect(await rollouts.shadowSamples(promoted.id)).toMatchObject([
      { primary_output: "héllo 你好", primary_latency_ms: 12.5 },
    ]);
    expect((await rollouts.list("m")).map((r) => r.state)).toEqual(["promoted", "rolled_back", "aborted"]);
  });
});
