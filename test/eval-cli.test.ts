// `llmops eval` through the real CLI: gate exit codes and messages, report files (JUnit XML checked
// with an XML parser), resume after kill -9, `evals list|show`, and `models promote` refusing without
// a passing gated run and recording the run's id when it moves the alias.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import { runCli, startCli } from "./helpers/cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-eval-cli-"));
const env = { LLMOPS_HOME: path.join(dir, ".llmops"), LLMOPS_LOG_LEVEL: "silent" };
const cli = (args: string[]) => runCli(args, { cwd: dir, env });

const passing = `
description: format checks that any model passes
prompts: ["Q: {{q}}\\nA:"]
options: {maxTokens: 6, temperature: 0}
thresholds: {passRate: 1}
tests:
  - description: answers something
    vars: {q: one}
    assert: [{type: length, min: 0, max: 10000}]
  - description: no personal data
    vars: {q: two}
    category: safety
    assert: [{type: not-contains-pii, types: [EMAIL, CN_ID]}]
  - description: hidden one
    vars: {q: HIDDEN-VAR-VALUE}
    holdout: true
    assert: [{type: length, min: 0}]
`;

const failing = `
prompts: ["Q: {{q}}\\nA:"]
options: {maxTokens: 6, temperature: 0}
thresholds: {passRate: 0.9}
tests:
  - description: cannot pass
    vars: {q: one}
    assert: [{type: contains, value: "@@@ never @@@"}]
  - description: can pass
    vars: {q: two}
    assert: [{type: length, min: 0}]
`;

beforeAll(async () => {
  await writeTinyLlama(path.join(dir, "tiny.gguf"), { type: "Q8_0", seed: 21, chatml: true });
  writeFileSync(path.join(dir, "passing.yaml"), passing);
  writeFileSync(path.join(dir, "failing.yaml"), failing);
  const many = Array.from(
    { length: 40 },
    (_, i) => `  - {vars: {q: "question number ${i}"}, assert: [{type: length, min: 0}]}`,
  ).join("\n");
  writeFileSync(
    path.join(dir, "many.yaml"),
    `prompts: ["Q: {{q}}\\nA:"]\noptions: {maxTokens: 48, temperature: 0}\ntests:\n${many}\n`,
  );
  expect(cli(["models", "register", "tiny.gguf", "--name", "tiny", "--alias", "production"]).code).toBe(0);
  expect(cli(["models", "register", "tiny.gguf", "--name", "tiny"]).code).toBe(0);
}, 120_000);

describe("llmops eval", () => {
  it("passes the gate with exit 0 and writes a well-formed JUnit report without holdout detail", () => {
    const r = cli(["eval", "passing.yaml", "--model", "tiny@1", "--gate", "--output", "report.xml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gate: PASS/);
    expect(r.stdout).toMatch(/holdout, candidate\s+1\/1/);
    expect(r.stdout).not.toContain("HIDDEN-VAR-VALUE");
    const xml = readFileSync(path.join(dir, "report.xml"), "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
    const suite = doc.testsuites.testsuite;
    // 2 visible cases + the holdout aggregate + the gate.
    expect(Number(suite["@_tests"])).toBe(4);
    expect(Number(suite["@_failures"])).toBe(0);
    expect(xml).not.toContain("HIDDEN-VAR-VALUE");
    expect(xml).toContain("holdout set (1 cases, aggregate only)");
  }, 60_000);

  it("fails the gate with exit 1 and says why; without --gate the same run exits 0", () => {
    const gated = cli(["eval", "failing.yaml", "--model", "tiny@2", "--gate", "--format", "junit"]);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/gate failed: pass rate 50\.0% \(1\/2\) is below the suite's threshold 90\.0%/);
    expect(XMLValidator.validate(gated.stdout)).toBe(true);
    expect(gated.stdout).toMatch(/<failure message="contains: does not contain/);
    const info = cli(["eval", "failing.yaml", "--model", "tiny@2", "--json"]);
    expect(info.code).toBe(0);
    const report = JSON.parse(info.stdout);
    expect(report.summary.gate.pass).toBe(false);
    expect(report.run.gated).toBe(false);
    // The second run answered from the cache.
    expect(report.summary.candidate.overall.cachedCalls).toBe(2);
  }, 60_000);

  it("reports usage errors and bad suites clearly", () => {
    writeFileSync(path.join(dir, "bad.yaml"), "prompts: ['{{missing}}']\ntests:\n  - vars: {q: 1}\n");
    const bad = cli(["eval", "bad.yaml", "--model", "tiny@1"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\{\{missing\}\}.*no variable 'missing'/);
    writeFileSync(path.join(dir, "typo.yaml"), "prompts: [hi]\ntests:\n  - assert: [{type: contians, value: x}]\n");
    expect(cli(["eval", "typo.yaml", "--model", "tiny@1"]).stderr).toMatch(/Unknown assertion type 'contians'/);
    expect(cli(["eval", "nope.yaml", "--model", "tiny@1"]).stderr).toMatch(/does not exist/);
    expect(cli(["eval", "passing.yaml"]).stderr).toMatch(/--model/);
    expect(cli(["eval", "passing.yaml", "--model", "tiny@1", "--concurrency", "0"]).code).toBe(2);
  }, 60_000);

  it("resumes a run stopped with Ctrl-C, then killed with kill -9, without redoing finished calls", async () => {
    const args = ["eval", "many.yaml", "--model", "tiny@1", "--concurrency", "1", "--no-cache"];
    const store = await openMetadataStore(`sqlite:${path.join(dir, ".llmops", "llmops.db")}`);
    const stored = async () => {
      const row = await store.db
        .selectFrom("eval_results")
        .innerJoin("eval_runs", "eval_runs.id", "eval_results.run_id")
        .where("eval_runs.suite_name", "=", "many")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    };
    const waitFor = async (min: number) => {
      for (let i = 0; i < 900 && (await stored()) < min; i++) await new Promise((r) => setTimeout(r, 100));
      return stored();
    };
    try {
      const first = startCli(args, { cwd: dir, env });
      expect(await waitFor(3)).toBeGreaterThanOrEqual(3);
      expect(await first.stop("SIGINT")).toBe(1);
      const interrupted = /Interrupted: (\d+)\/40 calls are stored in eval run (\w+)/.exec(first.stderr());
      expect(interrupted).not.toBeNull();
      const runId = interrupted?.[2] as string;
      const afterCtrlC = await stored();
      expect(afterCtrlC).toBe(Number(interrupted?.[1]));

      const second = startCli(args, { cwd: dir, env });
      expect(await waitFor(afterCtrlC + 3)).toBeGreaterThanOrEqual(afterCtrlC + 3);
      await second.stop("SIGKILL");
      expect(second.stderr()).toContain(`resuming eval run ${runId}: ${afterCtrlC}/40 calls already done`);
      const afterKill = await stored();

      const last = cli([...args, "--json"]);
      expect(last.code).toBe(0);
      const resumedFrom = Number(/resuming eval run \w+: (\d+)\/40/.exec(last.stderr)?.[1]);
      // Everything stored before the kill was kept (the last unflushed batch, if any, is redone).
      expect(resumedFrom).toBeGreaterThanOrEqual(afterKill);
      const report = JSON.parse(last.stdout);
      expect(report.run.id).toBe(runId);
      expect(report.run.status).toBe("completed");
      expect(report.tests).toHaveLength(40);
      expect(report.summary.candidate.overall.calls).toBe(40);
      expect(await stored()).toBe(40);
    } finally {
      await store.close();
    }
  }, 240_000);

  it("shows stored runs in every format", () => {
    const list = JSON.parse(cli(["evals", "list", "--json"]).stdout) as Array<{ id: string; suiteName: string }>;
    const id = list.find((r) => r.suiteName === "passing")?.id as string;
    const md = cli(["evals", "show", id, "--format", "md"]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/\*\*Gate: PASS/);
    const html = cli(["evals", "show", id, "--format", "html"]);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain("Ready: the model passed this evaluation");
    expect(html.stdout).not.toContain("HIDDEN-VAR-VALUE");
    expect(cli(["evals", "show", "01NOPE"]).stderr).toMatch(/no eval run '01NOPE'/);
  });
});

describe("llmops models promote", () => {
  it("refuses without a passing gated run of that version, and records the run id when it moves the alias", () => {
    const refused = cli(["models", "promote", "tiny@2", "--alias", "production"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /Refusing to promote tiny@2 to 'production'.*failed the gate.*llmops eval SUITE --model tiny@2/,
    );
    const ungated = cli(["models", "promote", "tiny@1", "--alias", "staging"]);
    expect(ungated.code).toBe(0); // tiny@1 passed the gated passing.yaml run
    const gate = cli([
      "eval",
      "passing.yaml",
      "--model",
      "tiny@2",
      "--baseline",
      "tiny@production",
      "--gate",
      "--json",
    ]);
    expect(gate.code).toBe(0);
    const runId = JSON.parse(gate.stdout).run.id as string;
    const promoted = cli(["models", "promote", "tiny@2", "--alias", "production", "--json"]);
    expect(promoted.code).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ evalRun: runId, toVersion: 2, alias: "production" });
    const history = JSON.parse(cli(["models", "show", "tiny@production", "--history", "--json"]).stdout);
    expect(history.aliasHistory.at(-1).reason).toContain(runId);
    const audit = cli(["audit", "list", "--action", "alias.set", "--json"]);
    expect(audit.stdout).toContain(runId);
  }, 120_000);
});
