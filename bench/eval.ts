// Evaluation throughput: our runner vs promptfoo on the same 1,000-test suite against the same mock
// OpenAI-compatible upstream, at the same concurrency, in the same run.
//
//   npm run build && npm run bench:eval -- [--tests=1000] [--concurrency=16] [--delay-ms=0]
//       [--repeats=3] [--no-cli] [--json]
//
// Processes: the mock upstream (bench/eval-mock-upstream.ts, its own process, answers "Echo: …"
// instantly or after --delay-ms) and, for every measurement, a fresh process for the harness under
// test, so neither shares an event loop or warm caches with the other. Two ways of measuring:
//   in-process  each child imports its harness, then times suite loading + the whole evaluation +
//               storing the results (ours: loadSuite + runEval into a fresh SQLite store; promptfoo:
//               YAML parse + evaluate() with writeLatestResults into a fresh promptfoo database).
//               Module loading and process start are excluded: this is the harness's own speed.
//   cli         wall time of the command a user types (`llmops eval …` / `promptfoo eval …`), process
//               start to exit, results stored, JSON written. Skipped when our eval CLI is missing.
// Both suites hold the same tests: one chat prompt with a {{question}} variable and four assertions
// per test (contains, icontains, regex, not-contains) whose expected values depend on the test, so a
// harness that mixed up variables or answers would fail tests. Every run must pass all tests and the
// upstream must have served exactly one request per test (no cache, no retries) or the bench fails.
//
// Fairness: promptfoo 0.121.20 (the newest that runs on Node 20) with telemetry, update checks,
// sharing and its cache disabled (PROMPTFOO_DISABLE_TELEMETRY, PROMPTFOO_DISABLE_UPDATE,
// PROMPTFOO_DISABLE_SHARING, PROMPTFOO_CACHE_ENABLED=false, --no-cache / cache:false), its config dir
// in a fresh temp folder per run; ours with its cache off (--no-cache / cache: null). Same
// concurrency (-j / maxConcurrency vs --concurrency). Runs alternate (promptfoo first in odd rounds)
// and the summary gives medians.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const PROMPTFOO_VERSION = "0.121.20";

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((candidate) => candidate.startsWith(`--${name}=`));
  if (arg === undefined) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name} must be a non-negative number\n`);
    process.exit(2);
  }
  return value;
}
const stringFlag = (name: string) =>
  process.argv.find((candidate) => candidate.startsWith(`--${name}=`))?.slice(name.length + 3);

// ---- the suite, in both formats ------------------------------------------------------------------------

interface BenchTest {
  question: string;
  asserts: Array<{ type: string; value: string }>;
}

function benchTests(n: number): BenchTest[] {
  return Array.from({ length: n }, (_, i) => {
    const a = (i * 7919) % 1000;
    const b = (i * 104729) % 1000;
    return {
      question: `What is ${a} plus ${b}? (case ${i})`,
      asserts: [
        { type: "contains", value: "Echo:" },
        { type: "icontains", value: `CASE ${i})` },
        { type: "regex", value: `${a} plus ${b}\\?` },
        { type: "not-contains", value: "ERROR" },
      ],
    };
  });
}

const PROMPT = "Answer briefly: {{question}}";

function oursYaml(tests: BenchTest[], baseUrl: string): string {
  return stringify({
    description: "bench:eval — the same suite as promptfoo.yaml",
    prompts: [PROMPT],
    providers: [{ id: "openai:mock", config: { baseUrl, apiKeyEnv: "BENCH_API_KEY" } }],
    options: { temperature: 0, maxTokens: 16 },
    tests: tests.map((t) => ({ vars: { question: t.question }, assert: t.asserts })),
  });
}

function promptfooYaml(tests: BenchTest[], baseUrl: string): string {
  return stringify({
    description: "bench:eval — the same suite as ours.yaml",
    prompts: [PROMPT],
    providers: [
      {
        id: "openai:chat:mock",
        config: { apiBaseUrl: baseUrl, apiKey: "sk-mock", temperature: 0, max_tokens: 16 },
      },
    ],
    tests: tests.map((t) => ({ vars: { question: t.question }, assert: t.asserts })),
  });
}

// ---- children ----------------------------------------------------------------------------------------------

interface ChildReport {
  ms: number;
  passed: number;
  failed: number;
}

async function childOurs(suiteFile: string, concurrency: number, dbFile: string): Promise<ChildReport> {
  const { loadSuite } = await import("../src/eval/suite.js");
  const { createProvider } = await import("../src/eval/providers/index.js");
  const { runEval } = await import("../src/eval/run.js");
  const { EvalStore } = await import("../src/eval/store.js");
  const { openMetadataStore } = await import("../src/store/metadata/index.js");
  const started = performance.now();
  const store = await openMetadataStore(dbFile);
  const suite = await loadSuite(suiteFile);
  const spec = suite.suite.providers?.[0];
  if (!spec) throw new Error("bench suite has no provider");
  const provider = await createProvider(spec, { defaults: suite.suite.options, connections: concurrency });
  const outcome = await runEval({
    suite,
    candidate: { ref: "openai:mock", provider },
    evals: new EvalStore(store),
    cache: null,
    concurrency,
    actor: "bench",
    resume: "never",
    getProvider: async () => provider,
  });
  const ms = performance.now() - started;
  await provider.close();
  await store.close();
  const passed = outcome.results.filter((r) => r.pass).length;
  return { ms, passed, failed: outcome.results.length - passed };
}

async function childPromptfoo(suiteFile: string, concurrency: number): Promise<ChildReport> {
  const { parse } = await import("yaml");
  const promptfoo = (await import("promptfoo")).default as unknown as {
    evaluate(suite: unknown, options: unknown): Promise<{ toEvaluateSummary(): Promise<{ stats: PfStats }> }>;
  };
  const started = performance.now();
  const config = parse(readFileSync(suiteFile, "utf8")) as Record<string, unknown>;
  const record = await promptfoo.evaluate(
    { ...config, writeLatestResults: true },
    { maxConcurrency: concurrency, cache: false, showProgressBar: false },
  );
  const summary = await record.toEvaluateSummary();
  const ms = performance.now() - started;
  return { ms, passed: summary.stats.successes, failed: summary.stats.failures + summary.stats.errors };
}

interface PfStats {
  successes: number;
  failures: number;
  errors: number;
}

// ---- parent ------------------------------------------------------------------------------------------------

function promptfooEnv(configDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PROMPTFOO_DISABLE_TELEMETRY: "1",
    PROMPTFOO_DISABLE_UPDATE: "1",
    PROMPTFOO_DISABLE_SHARING: "1",
    PROMPTFOO_CACHE_ENABLED: "false",
    PROMPTFOO_DISABLE_REMOTE_GENERATION: "true",
    PROMPTFOO_CONFIG_DIR: configDir,
    OPENAI_API_KEY: "sk-mock",
    NODE_NO_WARNINGS: "1",
    // promptfoo 0.121 prints a Node 20 end-of-support notice; it still runs.
  };
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - started }));
  });
}

async function startUpstream(delayMs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(HERE, "eval-mock-upstream.js"), `--delay-ms=${delayMs}`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /\{"port":(\d+)\}/.exec(buffered);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}` });
    });
    child.once("exit", (code) => reject(new Error(`mock upstream exited with ${code}`)));
  });
}

async function served(origin: string): Promise<number> {
  const res = await fetch(`${origin}/stats`);
  return ((await res.json()) as { served: number }).served;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

interface Measurement {
  harness: "ours" | "promptfoo";
  mode: "in-process" | "cli";
  ms: number;
  testsPerSecond: number;
}

async function main(): Promise<void> {
  const child = stringFlag("child");
  if (child) {
    const suite = stringFlag("suite") as string;
    const concurrency = flag("concurrency", 16);
    const report =
      child === "ours"
        ? await childOurs(suite, concurrency, stringFlag("db") as string)
        : await childPromptfoo(suite, concurrency);
    process.stdout.write(`\nRESULT ${JSON.stringify(report)}\n`);
    // promptfoo leaves handles (its logger, database) open; the measurement is done.
    process.exit(0);
  }

  const n = flag("tests", 1000);
  const concurrency = flag("concurrency", 16);
  const delayMs = flag("delay-ms", 0);
  const repeats = Math.max(1, flag("repeats", 3));
  const json = process.argv.includes("--json");
  const withCli = !process.argv.includes("--no-cli");
  const work = mkdtempSync(path.join(tmpdir(), "llmops-bench-eval-"));
  const upstream = await startUpstream(delayMs);
  const log = (line: string) => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  const measurements: Measurement[] = [];
  try {
    const tests = benchTests(n);
    const baseUrl = `${upstream.url}/v1`;
    const oursFile = path.join(work, "ours.yaml");
    const pfFile = path.join(work, "promptfoo.yaml");
    writeFileSync(oursFile, oursYaml(tests, baseUrl));
    writeFileSync(pfFile, promptfooYaml(tests, baseUrl));
    const cliPath = path.join(ROOT, "bin/llmops.js");
    // `llmops eval --help` prints the eval verb's own usage only once the verb exists.
    const help = withCli ? await run(process.execPath, [cliPath, "eval", "--help"], process.env, ROOT) : null;
    const haveOurCli = help !== null && help.code === 0 && /Usage: llmops eval/.test(help.stdout);
    log(
      `bench:eval — ${n} tests × 4 assertions, concurrency ${concurrency}, upstream delay ${delayMs} ms, ${repeats} rounds; promptfoo ${PROMPTFOO_VERSION}`,
    );
    if (withCli && !haveOurCli) log("(our `llmops eval` CLI is not available in this build: CLI rows skipped)");

    let counter = 0;
    const measure = async (harness: "ours" | "promptfoo", mode: "in-process" | "cli") => {
      const id = `${harness}-${mode}-${counter++}`;
      const dir = path.join(work, id);
      mkdirSync(dir);
      const before = await served(upstream.url);
      let ms: number;
      let passed: number;
      let failed: number;
      const env =
        harness === "promptfoo"
          ? promptfooEnv(path.join(dir, "promptfoo"))
          : { ...process.env, BENCH_API_KEY: "sk-mock" };
      if (mode === "in-process") {
        const args = [
          fileURLToPath(import.meta.url),
          `--child=${harness}`,
          `--suite=${harness === "ours" ? oursFile : pfFile}`,
          `--concurrency=${concurrency}`,
          `--db=${path.join(dir, "llmops.db")}`,
        ];
        const r = await run(process.execPath, args, env, dir);
        const line = /RESULT (\{.*\})/.exec(r.stdout)?.[1];
        if (r.code !== 0 || !line) throw new Error(`${id} failed (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
        ({ ms, passed, failed } = JSON.parse(line) as ChildReport);
      } else if (harness === "promptfoo") {
        const out = path.join(dir, "out.json");
        const main = path.join(ROOT, "node_modules/promptfoo/dist/src/main.js");
        const r = await run(
          process.execPath,
          [
            main,
            "eval",
            "-c",
            pfFile,
            "--no-cache",
            "-j",
            String(concurrency),
            "--no-progress-bar",
            "--no-table",
            "-o",
            out,
          ],
          env,
          dir,
        );
        ms = r.ms;
        let stats: PfStats | undefined;
        try {
          stats = (JSON.parse(readFileSync(out, "utf8")) as { results: { stats: PfStats } }).results.stats;
        } catch {
          throw new Error(`${id} failed (exit ${r.code}):\n${(r.stdout + r.stderr).slice(-2000)}`);
        }
        passed = stats.successes;
        failed = stats.failures + stats.errors;
      } else {
        const r = await run(
          process.execPath,
          [cliPath, "eval", oursFile, "--no-cache", "--concurrency", String(concurrency), "--json"],
          {
            ...env,
            LLMOPS_HOME: path.join(dir, ".llmops"),
            LLMOPS_DATABASE_URL: `sqlite:${path.join(dir, "llmops.db")}`,
          },
          dir,
        );
        ms = r.ms;
        let summary: { candidate?: { overall?: { passed?: number; cases?: number } } } | undefined;
        try {
          const parsed = JSON.parse(r.stdout) as { summary?: typeof summary } & typeof summary;
          summary = parsed.summary ?? parsed;
        } catch {
          throw new Error(`${id} failed (exit ${r.code}):\n${(r.stdout + r.stderr).slice(-2000)}`);
        }
        passed = summary?.candidate?.overall?.passed ?? 0;
        failed = (summary?.candidate?.overall?.cases ?? 0) - passed;
      }
      const calls = (await served(upstream.url)) - before;
      if (passed !== n || failed !== 0)
        throw new Error(`${id}: ${passed} passed, ${failed} failed; expected ${n} passing`);
      if (calls !== n) throw new Error(`${id}: the upstream served ${calls} requests for ${n} tests`);
      const m: Measurement = { harness, mode, ms, testsPerSecond: (n / ms) * 1000 };
      measurements.push(m);
      log(
        `  ${harness.padEnd(9)} ${mode.padEnd(10)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${m.testsPerSecond.toFixed(0).padStart(6)} tests/s`,
      );
    };

    const modes: Array<"in-process" | "cli"> = haveOurCli ? ["in-process", "cli"] : ["in-process"];
    for (let round = 0; round < repeats; round++) {
      for (const mode of modes) {
        const order: Array<"ours" | "promptfoo"> = round % 2 === 0 ? ["promptfoo", "ours"] : ["ours", "promptfoo"];
        for (const harness of order) await measure(harness, mode);
      }
    }

    const rows = modes.map((mode) => {
      const of = (h: string) =>
        median(measurements.filter((m) => m.harness === h && m.mode === mode).map((m) => m.testsPerSecond));
      const ours = of("ours");
      const pf = of("promptfoo");
      return { mode, oursTestsPerSecond: ours, promptfooTestsPerSecond: pf, ratio: ours / pf };
    });
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ tests: n, concurrency, delayMs, repeats, promptfoo: PROMPTFOO_VERSION, node: process.version, rows, measurements }, null, 2)}\n`,
      );
    } else {
      log("\nmedians:");
      for (const r of rows) {
        log(
          `  ${r.mode.padEnd(10)} ours ${r.oursTestsPerSecond.toFixed(0).padStart(6)} tests/s   promptfoo ${r.promptfooTestsPerSecond.toFixed(0).padStart(5)} tests/s   ratio ${r.ratio.toFixed(2)}× (target ≥ 3×)`,
        );
      }
    }
  } finally {
    upstream.child.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
