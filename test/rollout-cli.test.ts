// `llmops models rollout …` through the real CLI: start, status, weight, switch, promote, abort,
// list and shadow with --json; usage errors exit 2, refused operations exit 1 with a hint; every
// change lands in the audit trail. Needs `npm run build`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { runCli } from "./helpers/cli.js";

const cwd = mkdtempSync(path.join(tmpdir(), "llmops-rollout-cli-"));
const llmops = (...args: string[]) => runCli(args, { cwd, env: { LLMOPS_HOME: path.join(cwd, ".llmops") } });
const json = (...args: string[]) => {
  const result = llmops(...args, "--json");
  if (result.code !== 0) throw new Error(`llmops ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

beforeAll(async () => {
  const file = path.join(cwd, "tiny.gguf");
  await writeTinyLlama(file, { type: "Q8_0", seed: 5 });
  json("models", "register", file, "--name", "bot", "--alias", "production");
  json("models", "register", file, "--name", "bot");
}, 60_000);

describe("llmops models rollout", () => {
  it("runs a canary from start to promotion", () => {
    const started = json(
      "models",
      "rollout",
      "start",
      "bot",
      "--candidate",
      "2",
      "--canary",
      "25",
      "--max-error-rate",
      "0.1",
      "--window",
      "2m",
      "--min-samples",
      "30",
    );
    expect(started).toMatchObject({
      kind: "canary",
      stable: "bot@1",
      candidate: "bot@2",
      percent: 25,
      state: "active",
      slo: { maxErrorRate: 0.1, windowMs: 120_000, minSamples: 30, maxP95Ms: 30_000 },
    });
    expect(json("models", "rollout", "weight", "bot", "60")).toMatchObject({ percent: 60 });
    const status = llmops("models", "rollout", "status", "bot");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/canary/);
    expect(status.stdout).toMatch(/60%/);
    expect(json("models", "rollout", "promote", "bot", "--reason", "canary healthy")).toMatchObject({
      state: "promoted",
    });
    expect(json("models", "show", "bot@production")).toMatchObject({ version: 2 });
  });

  it("switches blue/green both ways and aborts back to blue", () => {
    json("models", "alias", "bot", "1", "production");
    json("models", "rollout", "start", "bot", "--candidate", "2", "--blue-green");
    json("models", "rollout", "switch", "bot");
    expect(json("models", "show", "bot@production")).toMatchObject({ version: 2 });
    expect(json("models", "rollout", "abort", "bot", "--reason", "not today")).toMatchObject({ state: "aborted" });
    expect(json("models", "show", "bot@production")).toMatchObject({ version: 1 });
    const list = json("models", "rollout", "list", "bot") as unknown as Array<{ kind: string; state: string }>;
    expect(list.map((r) => [r.kind, r.state])).toEqual([
      ["blue-green", "aborted"],
      ["canary", "promoted"],
    ]);
    const audit = json("audit", "list", "--limit", "50") as unknown as Array<{ action: string }>;
    const actions = audit.map((entry) => entry.action);
    for (const action of ["rollout.start", "rollout.weight", "rollout.promote", "rollout.switch", "rollout.abort"]) {
      expect(actions).toContain(action);
    }
  });

  it("rejects bad input with usage errors (exit 2) and refusals with hints (exit 1)", () => {
    const cases: Array<[string[], number, RegExp]> = [
      [
        ["models", "rollout", "start", "bot", "--candidate", "2", "--canary", "150"],
        2,
        /--canary must be a number from 0 to 100/,
      ],
      [["models", "rollout", "start", "bot", "--candidate", "2", "--canary", "5", "--shadow", "5"], 2, /choose one of/],
      [["models", "rollout", "start", "bot", "--candidate", "1"], 1, /already points at version 1/],
      [["models", "rollout", "weight", "bot", "20"], 1, /no active rollout/],
    ];
    for (const [args, code, message] of cases) {
      const result = llmops(...args);
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr, args.join(" ")).toMatch(message);
    }
  });
});
