// `llmops train` end to end through the built CLI: a tracked run with metrics, evaluation and a
// loss curve in `runs show`; `runs compare`; a run killed with SIGKILL mid-way and resumed from
// its checkpoint reproduces the uninterrupted run's loss curve exactly; bad recipes are refused.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../src/train/safetensors.js";
import { runCli, startCli } from "./helpers/cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-train-"));
const home = path.join(dir, "home");
const env = { LLMOPS_HOME: home };

// A small, learnable corpus: sentences from a seeded toy grammar.
function corpus(): string {
  const subjects = ["the cat", "a dog", "the old man", "my friend", "the river", "a bird"];
  const verbs = ["sees", "likes", "follows", "finds", "sings to", "waits for"];
  const objects = ["the moon", "a small house", "the green hill", "bright water", "the evening"];
  let s = 7;
  const pick = <T>(a: T[]): T => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return a[s % a.length] as T;
  };
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) lines.push(`${pick(subjects)} ${pick(verbs)} ${pick(objects)}.`);
  return lines.join("\n");
}
writeFileSync(path.join(dir, "corpus.txt"), corpus());
const recipe = (steps: number, extra = ""): string =>
  `name: cli-test
data:
  files: [corpus.txt]
tokenizer: {vocabSize: 300}
model: {dim: 32, layers: 2, heads: 4, kvHeads: 2, seqLen: 16}
train: {steps: ${steps}, batchSize: 4, lr: 0.01, warmupSteps: 5, evalEvery: 20, evalBatches: 2, logEvery: 5, checkpointEvery: 10, seed: 3}
${extra}`;
writeFileSync(path.join(dir, "train.yaml"), recipe(120));

interface Shown {
  run: { id: string; status: string; summary: Record<string, number>; dataset: Record<string, unknown> };
  metrics: { split: string; name: string; steps: number[]; values: number[] }[];
  events: { kind: string }[];
}
const show = (id: string): Shown =>
  JSON.parse(runCli(["runs", "show", id, "--json"], { cwd: dir, env }).stdout) as Shown;
const series = (s: Shown, split: string, name: string) => s.metrics.find((m) => m.split === split && m.name === name);

describe("llmops train", () => {
  let first = "";

  it("trains a tracked run: metrics, evaluation, weights, and a loss curve in runs show", () => {
    const r = runCli(["train", "--config", "train.yaml", "--json"], { cwd: dir, env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      run: { id: string };
      status: string;
      steps: number;
      valAccuracy: number;
      weightsFile: string;
    };
    expect(out).toMatchObject({ status: "completed", steps: 120 });
    first = out.run.id;
    const s = show(first);
    const loss = series(s, "train", "loss");
    expect(loss?.steps).toHaveLength(120);
    expect(loss?.values.at(-1)).toBeLessThan((loss?.values[0] ?? 0) - 1.5);
    for (const name of ["perplexity", "lr", "grad_norm", "tokens_per_s"])
      expect(series(s, "train", name)?.steps).toHaveLength(120);
    expect(series(s, "eval", "loss")?.steps).toEqual([20, 40, 60, 80, 100, 120]);
    expect(series(s, "eval", "accuracy")?.values.at(-1)).toBeGreaterThan(0.2);
    expect(s.run.summary.val_perplexity).toBeCloseTo(Math.exp(s.run.summary.val_loss ?? 0), 6);
    const text = runCli(["runs", "show", first], { cwd: dir, env }).stdout;
    expect(text).toContain(`run ${first} (cli-test): completed`);
    expect(text).toMatch(/\* train loss {3}o val loss/);
    expect(existsSync(out.weightsFile)).toBe(true);
  }, 120_000);

  it("resumes a run killed with SIGKILL and reproduces the uninterrupted loss curve", async () => {
    const cli = startCli(["train", "--config", "train.yaml"], { cwd: dir, env });
    let id = "";
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      id = /run (\w{26})/.exec(cli.stderr())?.[1] ?? "";
      if (id && existsSync(path.join(home, "runs", id, "checkpoint.safetensors"))) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    cli.child.kill("SIGKILL");
    await new Promise((r) => cli.child.once("exit", r));
    const killed = show(id);
    expect(killed.run.status).toBe("running");
    const { metadata } = await readSafetensors(path.join(home, "runs", id, "checkpoint.safetensors"));
    expect(Number(metadata.step)).toBeLessThan(120);

    const r = runCli(["train", "resume", id.slice(0, 12), "--json"], { cwd: dir, env });
    expect(r.code).toBe(0);
    const resumed = show(id);
    expect(resumed.run.status).toBe("completed");
    expect(resumed.events.map((e) => e.kind)).toContain("resumed");
    const a = show(first);
    expect(series(resumed, "train", "loss")?.values).toEqual(series(a, "train", "loss")?.values);
    expect(series(resumed, "eval", "loss")?.values).toEqual(series(a, "eval", "loss")?.values);

    const cmp = runCli(["runs", "compare", first, id], { cwd: dir, env });
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/final_loss\s+(\S+)\s+\1\s+0/);
  }, 120_000);

  it("registers a text file as a dataset version and trains from a registered version", () => {
    const viaFile = recipe(6).replace("files: [corpus.txt]", "files: [corpus.txt]\n  registerAs: toy-grammar");
    writeFileSync(path.join(dir, "register.yaml"), viaFile.replace("checkpointEvery: 10", "checkpointEvery: 0"));
    const a = runCli(["train", "--config", "register.yaml", "--json"], { cwd: dir, env });
    expect(a.code).toBe(0);
    const runA = show((JSON.parse(a.stdout) as { run: { id: string } }).run.id);
    expect(runA.run).toMatchObject({ dataset: { version: "toy-grammar@1" } });
    writeFileSync(
      path.join(dir, "from-dataset.yaml"),
      recipe(6).replace("files: [corpus.txt]", "dataset: toy-grammar@1"),
    );
    const b = runCli(["train", "--config", "from-dataset.yaml", "--json"], { cwd: dir, env });
    expect(b.code).toBe(0);
    const runB = show((JSON.parse(b.stdout) as { run: { id: string } }).run.id);
    expect(runB.run).toMatchObject({ dataset: { version: "toy-grammar@1", hash: runA.run.dataset.hash } });
    expect(series(runB, "train", "loss")?.values).toEqual(series(runA, "train", "loss")?.values);
    writeFileSync(path.join(dir, "no-dataset.yaml"), recipe(6).replace("files: [corpus.txt]", "dataset: nothing-here"));
    expect(runCli(["train", "--config", "no-dataset.yaml"], { cwd: dir, env }).stderr).toMatch(/nothing-here/);
  }, 120_000);

  it("catches divergence from a huge learning rate: run marked diverged, events in runs show, exit 1", () => {
    writeFileSync(
      path.join(dir, "diverge.yaml"),
      recipe(60)
        .replace("lr: 0.01", "lr: 50, clipNorm: 0, weightDecay: 0")
        .replace("checkpointEvery: 10", "checkpointEvery: 0"),
    );
    const r = runCli(["train", "--config", "diverge.yaml"], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[error\] step \d+ divergence/);
    const id = /run (\w{26})/.exec(r.stderr)?.[1] ?? "";
    const s = show(id);
    expect(s.run.status).toBe("diverged");
    expect(s.events.map((e) => e.kind)).toContain("divergence");
    expect(series(s, "train", "loss")?.steps.length).toBeLessThan(60);
    expect(runCli(["runs", "show", id], { cwd: dir, env }).stdout).toMatch(/\[error\] step \d+ divergence: /);
    expect(runCli(["runs", "list", "--status", "diverged", "--json"], { cwd: dir, env }).stdout).toContain(id);
  }, 60_000);

  it("refuses bad recipes with a message that names the field", () => {
    writeFileSync(path.join(dir, "bad.yaml"), recipe(10).replace("heads: 4, kvHeads: 2", "heads: 4, kvHeads: 3"));
    const bad = runCli(["train", "--config", "bad.yaml"], { cwd: dir, env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/kvHeads/);
    writeFileSync(path.join(dir, "typo.yaml"), recipe(10, "trian: {}"));
    expect(runCli(["train", "--recipe", "typo.yaml"], { cwd: dir, env }).stderr).toMatch(/trian/);
    expect(runCli(["train"], { cwd: dir, env }).code).toBe(2);
    const missing = runCli(["train", "--config", "nope.yaml"], { cwd: dir, env });
    expect(missing.stderr).toMatch(/nope\.yaml does not exist/);
    expect(runCli(["train", "resume", "01ZZZZZZZZZZ"], { cwd: dir, env }).stderr).toMatch(/No run/);
  }, 60_000);
});
