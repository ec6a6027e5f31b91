// Reproducible recipes (`llmops train --recipe`): the bundled model's recipe reruns its first steps
// with exactly the recorded losses; a small recipe run end to end twice gives a byte-identical GGUF,
// records and checks its lock, and reports a tampered lock as a difference (exit code 1 in the CLI).
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { BUNDLED_RECIPE, readBundledLock } from "../src/platform/bundled-model.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { loadTrainConfig } from "../src/train/config.js";
import { type RecipeLock, readRecipeLock, reproduceRecipe } from "../src/train/recipe.js";
import { RunStore } from "../src/train/runs.js";
import { runCli } from "./helpers/cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-recipe-"));
const home = path.join(dir, "home");
let platform: Platform;
let runs: RunStore;
const base = () => ({ runs, actor: "test", runsDir: path.join(home, "runs") });

const lines: string[] = [];
for (let i = 0; i < 300; i++)
  lines.push(`${["春風", "明月", "江水", "青山"][i % 4]}${["來", "去", "照", "流"][i % 3]}故人，${i % 7}。`);
writeFileSync(path.join(dir, "poems.txt"), lines.join("\n"));
const recipeText = `name: tiny-recipe
data: {files: [poems.txt]}
tokenizer: {vocabSize: 300, chatml: true}
model: {dim: 32, layers: 1, heads: 2, seqLen: 16}
train: {steps: 12, batchSize: 4, lr: 0.01, warmupSteps: 2, evalEvery: 0, evalBatches: 1, seed: 9}
export: {name: tiny-recipe, file: tiny.gguf, quant: q8_0, lock: tiny.lock}
`;
const recipeFile = path.join(dir, "tiny.yaml");
writeFileSync(recipeFile, recipeText);
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

beforeAll(async () => {
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: dir }).config);
  runs = new RunStore(platform.store);
});
afterAll(async () => {
  await platform?.close();
});

describe("the bundled model's recipe", () => {
  it("reruns its first 20 steps with exactly the recorded losses and hashes", async () => {
    const lock = await readBundledLock();
    const config = await loadTrainConfig(BUNDLED_RECIPE.recipe);
    const r = await reproduceRecipe({
      ...base(),
      recipeFile: BUNDLED_RECIPE.recipe,
      config,
      outDir: path.join(dir, "bundled"),
      maxSteps: 20,
    });
    expect(r.train.status).toBe("stopped");
    expect(r.gguf).toBeNull(); // partial weights are not the recipe's model
    for (let s = 1; s <= 20; s++) expect(r.losses.get(s), `step ${s}`).toBe(lock.loss[String(s)]);
    expect(r.checks.map((c) => [c.what, c.ok])).toEqual([
      ["recipe sha256", true],
      ["data sha256", true],
      ["tokenizer sha256", true],
      ["train loss at 20 recorded steps", true],
    ]);
    expect(r.reproduced).toBe(true);
  }, 300_000);
});

describe("llmops train --recipe", () => {
  let first: RecipeLock;

  it("records a lock, then reproduces the GGUF byte for byte and the loss curve exactly", async () => {
    const config = await loadTrainConfig(recipeFile);
    const a = await reproduceRecipe({ ...base(), recipeFile, config, outDir: path.join(dir, "a"), writeLock: true });
    expect(a.written).not.toBeNull();
    first = await readRecipeLock(path.join(dir, "tiny.lock"));
    expect(first.gguf).toEqual({
      file: "tiny.gguf",
      sha256: sha256(path.join(dir, "a", "tiny.gguf")),
      bytes: a.gguf?.bytes,
    });
    expect(Object.keys(first.loss)).toHaveLength(12);
    expect(first.final.step).toBe(12);

    const b = await reproduceRecipe({ ...base(), recipeFile, config, outDir: path.join(dir, "b") });
    expect(b.train.run.id).not.toBe(a.train.run.id);
    expect(sha256(path.join(dir, "b", "tiny.gguf"))).toBe(first.gguf.sha256);
    expect(b.checks.filter((c) => !c.ok)).toEqual([]);
    expect(b.checks.map((c) => c.what)).toContain("gguf sha256");
    expect(b.reproduced).toBe(true);
  }, 120_000);

  it("prints the sha256 and the verdict, and exits 1 when the result differs from the lock", () => {
    const ok = runCli(["train", "--recipe", recipeFile, "--out", path.join(dir, "c")], {
      cwd: dir,
      env: { LLMOPS_HOME: home },
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`sha256 ${first.gguf.sha256}`);
    expect(ok.stdout).toMatch(/ok {7}gguf sha256/);
    expect(ok.stdout).toContain("reproduced: yes");

    const tampered = { ...first, loss: { ...first.loss, "7": (first.loss["7"] ?? 0) + 1e-6 } };
    writeFileSync(path.join(dir, "tiny.lock"), JSON.stringify(tampered));
    const bad = runCli(["train", "--recipe", recipeFile, "--out", path.join(dir, "d"), "--steps", "10", "--json"], {
      cwd: dir,
      env: { LLMOPS_HOME: home },
    });
    expect(bad.code).toBe(1);
    const out = JSON.parse(bad.stdout) as {
      reproduced: boolean;
      gguf: unknown;
      checks: { what: string; ok: boolean; actual: string }[];
    };
    expect(out.reproduced).toBe(false);
    expect(out.gguf).toBeNull();
    expect(out.checks.find((c) => !c.ok)).toMatchObject({
      what: "train loss at 10 recorded steps",
      actual: expect.stringMatching(/^first differs at step 7, max \|Δ\| 1\.0\de-6$/),
    });
    writeFileSync(path.join(dir, "tiny.lock"), `${JSON.stringify(first, null, 2)}\n`);
  }, 120_000);

  it("refuses what it cannot reproduce, before training", async () => {
    const config = await loadTrainConfig(recipeFile);
    await expect(
      reproduceRecipe({ ...base(), recipeFile, config: { ...config, export: undefined } }),
    ).rejects.toMatchObject({ code: "config_invalid", message: expect.stringContaining("export") });
    await expect(
      reproduceRecipe({ ...base(), recipeFile, config, maxSteps: 3, writeLock: true }),
    ).rejects.toMatchObject({ code: "usage", message: expect.stringContaining("--write-lock") });
    const missing = { ...config, export: { ...config.export!, lock: path.join(dir, "none.lock") } };
    await expect(reproduceRecipe({ ...base(), recipeFile, config: missing })).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringContaining("--write-lock"),
    });
    writeFileSync(path.join(dir, "broken.lock"), '{"format": "llmops-recipe-lock/1", "gguf": {');
    const broken = { ...config, export: { ...config.export!, lock: path.join(dir, "broken.lock") } };
    await expect(reproduceRecipe({ ...base(), recipeFile, config: broken })).rejects.toMatchObject({
      code: "integrity",
    });
    writeFileSync(path.join(dir, "bad.yaml"), recipeText.replace("file: tiny.gguf", "file: ../x.bin"));
    await expect(loadTrainConfig(path.join(dir, "bad.yaml"))).rejects.toMatchObject({
      code: "config_invalid",
      param: "export.file",
    });
    const usage = runCli(["train", "--recipe", path.join(dir, "tiny.yaml"), "--steps", "0"], {
      cwd: dir,
      env: { LLMOPS_HOME: home },
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--steps must be a positive integer");
  });
});
