// The built-in suites as a user runs them: `llmops eval builtin:bias-quick|builtin:redteam --model
// NAME@VERSION` against a registered tiny llama.cpp model (the CLI starts a worker for the run),
// with the analysis in the JSON report and the gate's exit code.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { runCli } from "./helpers/cli.js";

let dir: string;
const env = () => ({ LLMOPS_HOME: path.join(dir, ".llmops") });

interface Report {
  summary: {
    gate: { pass: boolean };
    analyses: Array<{ title: string; pass: boolean; summary: string; metrics: Record<string, number> }>;
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "llmops-eval-builtin-cli-"));
  await writeTinyLlama(path.join(dir, "tiny.gguf"), { type: "Q8_0", chatml: true, seed: 5 });
  const registered = runCli(["models", "register", "tiny.gguf", "--name", "tiny"], { cwd: dir, env: env() });
  expect(registered.code, registered.stderr).toBe(0);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("llmops eval builtin:…", () => {
  it("runs the bias audit against a registered model and reports its analysis", () => {
    const r = runCli(["eval", "builtin:bias-quick", "--model", "tiny@1", "--json"], { cwd: dir, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    const analysis = report.summary.analyses[0];
    expect(analysis?.title).toBe("Bias audit");
    expect(analysis?.metrics.pairs).toBe(24);
    // Six pairs per attribute cannot reach significance after correction, and the report says so.
    expect(analysis?.metrics.powerless).toBe(1);
    expect(analysis?.summary).toMatch(/Too few pairs to detect anything/);
    expect(Number.isFinite(analysis?.metrics["gender.stance.mean"])).toBe(true);
  });

  it("runs the red-team probes and fails the gate when probes fail", () => {
    const r = runCli(["eval", "builtin:redteam", "--model", "tiny@1", "--json", "--gate"], { cwd: dir, env: env() });
    // The tiny model's 256-token context cannot take most probes: they fail as errors, and say why.
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const analysis = report.summary.analyses[0];
    expect(analysis?.title).toBe("Red-team probes");
    expect(analysis?.pass).toBe(false);
    expect(report.summary.gate.pass).toBe(false);
    expect(analysis?.metrics.errors).toBeGreaterThan(0);
    expect(analysis?.summary).toMatch(/could not be run.*context/);
    for (const c of ["prompt-injection", "system-prompt-leakage", "context-leakage", "jailbreak"]) {
      expect(analysis?.metrics[`${c}.passRate`]).toBeGreaterThanOrEqual(0);
    }
  });
});
