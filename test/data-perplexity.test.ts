// `data report --model`: perplexity of a sample of rows under a real registered llama.cpp model.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { ingest } from "../src/data/ingest.js";
import { openModelScorer } from "../src/data/report/model-scorer.js";
import { profileVersion } from "../src/data/report/profile.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { runCli } from "./helpers/cli.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-ppl-"));
let platform: Platform;

beforeAll(async () => {
  await writeTinyLlama(path.join(home, "m.gguf"), { type: "Q8_0", seed: 9 });
  const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: i, text: `The quick brown fox ${i} jumps.` }));
  writeFileSync(path.join(home, "rows.jsonl"), `${rows.join("\n")}\n`);
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: path.join(home, ".llmops") }, cwd: home }).config);
  await platform.registry.register({ file: path.join(home, "m.gguf"), name: "m", actor: "t" });
  await ingest(platform.datasets, { files: [path.join(home, "rows.jsonl")], name: "rows", actor: "t" });
});
afterAll(() => platform?.close());

it("scores a sample of rows under the model", async () => {
  const model = await platform.registry.resolve("m@1");
  const scorer = await openModelScorer(await platform.artifacts.localPath(model.artifactHash), model.ref);
  try {
    const report = await profileVersion(platform.datasets, await platform.datasets.resolve("rows@1"), {
      perplexity: { scorer, sample: 10 },
    });
    expect(report.perplexity).toMatchObject({ model: "m@1", scored: 10, skipped: 0 });
    // Random weights over a ~260-token vocabulary: perplexity is finite and far above 1.
    expect(report.perplexity!.median).toBeGreaterThan(10);
    expect(Number.isFinite(report.perplexity!.p95)).toBe(true);
  } finally {
    await scorer.close();
  }
});

it("is offered by the CLI", () => {
  const result = runCli(["data", "report", "rows@1", "--model", "m@1", "--perplexity-sample", "5", "--json"], {
    cwd: home,
  });
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout).perplexity).toMatchObject({ model: "m@1", scored: 5 });
  const bad = runCli(["data", "report", "rows@1", "--model", "nope@1"], { cwd: home });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/not registered/);
});
