// The drift check over the metadata store on every engine (SQLite, and PostgreSQL when
// LLMOPS_TEST_POSTGRES_URL is set): rows in the reference and current windows by timestamp,
// Evidently's test choice switching at small_sample_max, insufficient data below min_samples, and
// the stored history trimmed to keep_checks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { runDriftCheck } from "../src/monitor/drift/check.js";
import { driftConfigSchema } from "../src/monitor/drift/config.js";
import { extractFeatures, type FeatureRow } from "../src/monitor/drift/features.js";
import { driftHistory, insertFeatures, saveDriftCheck } from "../src/monitor/drift/store.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { databaseFactories } from "./helpers/databases.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const HOUR = 3_600_000;

for (const [dialect, makeDb] of databaseFactories()) {
  describe(`drift check on ${dialect}`, () => {
    let platform: Platform;
    let drop: () => Promise<void> = async () => {};

    beforeAll(async () => {
      const db = await makeDb();
      drop = db.drop;
      const home = `/tmp/llmops-drift-store-${process.pid}-${dialect}`;
      platform = await openPlatform(
        loadConfig({ env: { LLMOPS_HOME: home, LLMOPS_DATABASE_URL: db.url }, cwd: "/tmp" }).config,
      );
      const rows: FeatureRow[] = [];
      let n = 0;
      const add = (at: number, prompt: string, output: string) =>
        rows.push(
          extractFeatures({
            id: `01J${String(n++).padStart(23, "0")}`,
            at: new Date(at),
            model: "m",
            status: 200,
            prompt,
            promptTokens: null,
            output,
            outputTokens: null,
          }),
        );
      // Reference (2–1 h ago): 1200 English prompts of 45–84 characters. Current (last hour): 1200
      // English prompts of 125–242 characters. Older than the reference window: ignored.
      const prompt = (extra: number) => `What is the weather in the city and the sea? ${"a".repeat(extra)}`;
      for (let i = 0; i < 1200; i++) add(NOW.getTime() - 2 * HOUR + i * 1000, prompt(i % 40), "ok");
      for (let i = 0; i < 1200; i++) add(NOW.getTime() - HOUR + 1000 + i * 1000, prompt(80 + 3 * (i % 40)), "ok");
      for (let i = 0; i < 50; i++) add(NOW.getTime() - 10 * HOUR, "你好", "ok");
      await insertFeatures(platform.store, rows);
    }, 60_000);

    afterAll(async () => {
      await platform?.close();
      await drop();
    });

    const config = (extra: Record<string, unknown> = {}) =>
      driftConfigSchema.parse({ reference_window: "1h", current_window: "1h", ...extra });

    it("large samples: normed Wasserstein and Jensen-Shannon; prompt length drifts, language does not", async () => {
      const report = await runDriftCheck(platform.store, config(), NOW);
      expect(report.reference.n).toBe(1200);
      expect(report.current.n).toBe(1200);
      const byName = Object.fromEntries(report.features.map((f) => [f.feature, f]));
      expect(byName.prompt_length).toMatchObject({ test: "wasserstein", drifted: true });
      expect(byName.prompt_length!.reference.mean).toBeCloseTo(45 + 19.5, 6);
      expect(byName.prompt_length!.current.mean).toBeCloseTo(45 + 80 + 58.5, 6);
      expect(byName.language).toMatchObject({ test: "jensen_shannon", score: 0, drifted: false });
      expect(byName.output_length).toMatchObject({ test: "wasserstein", score: 0, drifted: false });
      expect(byName.refusal_rate).toMatchObject({ drifted: false });
      expect(report.features.find((f) => f.feature === "embedding_centroid")).toBeUndefined();
    });

    it("small samples (reference ≤ small_sample_max): KS and chi-squared; too few rows: insufficient_data", async () => {
      const small = await runDriftCheck(platform.store, config({ small_sample_max: 5000 }), NOW);
      expect(small.features.find((f) => f.feature === "prompt_length")).toMatchObject({ test: "ks", drifted: true });
      expect(small.features.find((f) => f.feature === "language")).toMatchObject({ test: "chi_squared", score: 1 });
      const few = await runDriftCheck(platform.store, config({ min_samples: 5000 }), NOW);
      expect(few.drifted).toBe(false);
      for (const f of few.features) expect(f.status).toBe("insufficient_data");
    });

    it("keeps the newest keep_checks checks, newest first", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const report = await runDriftCheck(platform.store, config(), new Date(NOW.getTime() + i * 1000));
        await saveDriftCheck(platform.store, report, 3);
        ids.push(report.id);
      }
      const history = await driftHistory(platform.store, 10);
      expect(history.map((h) => h.id)).toEqual(ids.slice(1).reverse());
      expect(history[0]!.drifted).toBe(true);
      expect(history[0]!.features.length).toBe(5);
    });
  });
}
