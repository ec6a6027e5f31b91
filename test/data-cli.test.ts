// `llmops data …` as users run it (the real CLI in child processes, SQLite and the file artifact
// store under a private LLMOPS_HOME), the example pipeline, a killed ingest, concurrent ingests,
// and /api/v1/datasets over HTTP.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { CLI, cleanEnv, REPO_ROOT, runCli, startCli } from "./helpers/cli.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-data-cli-"));
const env = { LLMOPS_HOME: path.join(home, "state") };
const cli = (...args: string[]) => runCli(args, { cwd: home, env });
const json = (...args: string[]) => {
  const result = cli(...args, "--json");
  expect(result.stderr, `llmops ${args.join(" ")}`).toBe("");
  expect(result.code, `llmops ${args.join(" ")}: ${result.stdout}`).toBe(0);
  return JSON.parse(result.stdout);
};
const example = (name: string) => path.join(REPO_ROOT, "examples", "pipelines", name);

describe("llmops data (CLI)", () => {
  it("ingests, lists, shows and heads a dataset", () => {
    const created = json("data", "ingest", example("sample.jsonl"), "--name", "web-raw");
    expect(created).toMatchObject({ ref: "web-raw@1", rowCount: 18, textField: "text" });
    expect(json("data", "list")).toEqual([
      expect.objectContaining({ name: "web-raw", latestVersion: 1, versionCount: 1 }),
    ]);
    const shown = json("data", "show", "web-raw@1");
    expect(shown.shards).toHaveLength(1);
    expect(shown.schema.fields.id).toMatchObject({ types: ["string"], nullable: false });
    expect(shown.lineage.sources[0]).toMatchObject({ file: "sample.jsonl", rows: 18 });
    const head = json("data", "head", "web-raw@1", "-n", "2", "--offset", "1");
    expect(head).toEqual([
      expect.objectContaining({ shard: 0, index: 1, row: expect.objectContaining({ id: "web-2" }) }),
      expect.objectContaining({ shard: 0, index: 2, row: expect.objectContaining({ id: "web-3" }) }),
    ]);
    const human = cli("data", "show", "web-raw@1");
    expect(human.stdout).toMatch(/sha256:\s+[0-9a-f]{64}/);
    expect(human.stdout).toMatch(/schema[\s\S]*FIELD\s+TYPE[\s\S]*shards[\s\S]*lineage[\s\S]*sample\.jsonl/);
    expect(cli("data", "head", "web-raw@1", "-n", "1").stdout).toMatch(/^0:0\t\{"id":"web-1"/);
  });

  it("runs the example pipeline and reports on the result, with rules and HTML", () => {
    const run = json("data", "run", example("clean-web.yaml"), "--input", "web-raw@1");
    expect(run.version).toMatchObject({ ref: "web-clean@1" });
    expect(run.validation.passed).toBe(true);
    const steps = Object.fromEntries(run.steps.map((s: { step: string }) => [s.step, s]));
    expect(steps["near-dedup"].dropped).toMatchObject({ near_duplicate: expect.any(Number) });
    expect(steps.language.dropped).toMatchObject({ "language:fr": 1 });
    const shown = json("data", "show", "web-clean@1");
    expect(shown.lineage.pipeline.yaml).toBe(readFileSync(example("clean-web.yaml"), "utf8"));
    expect(shown.lineage.input.ref).toBe("web-raw@1");

    const html = path.join(home, "report.html");
    const report = cli("data", "report", "web-clean@1", "--rules", example("rules.yaml"), "--html", html, "--json");
    expect(report.code).toBe(0);
    const parsed = JSON.parse(report.stdout);
    expect(parsed.validation.passed).toBe(true);
    expect(parsed.languages).toMatchObject({ zh: expect.any(Number), en: expect.any(Number) });
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("web-clean@1");
    expect(page).toContain("<svg");
    expect(page).not.toMatch(/<script|https?:\/\//); // self-contained

    // The raw data fails the same rules: exit 1 and a report naming the rule and rows.
    const failed = cli("data", "report", "web-raw@1", "--rules", example("rules.yaml"));
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/validation FAILED/);
    expect(failed.stdout).toMatch(/text has 10…20000 chars\s+FAIL\s+1/);
  });

  it("fails a pipeline whose validation fails: exit 1, no version", () => {
    const strict = path.join(home, "strict.yaml");
    writeFileSync(strict, "output: strict\nsteps: [normalize]\nvalidate:\n  - length: { field: text, min: 50 }\n");
    const result = cli("data", "run", strict, "--input", "web-raw@1");
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/validation failed:.*no version was created/);
    expect(json("data", "list").map((d: { name: string }) => d.name)).not.toContain("strict");
  });

  it("reports bad input with file and line (exit 1) and usage errors (exit 2), registering nothing", () => {
    writeFileSync(path.join(home, "bad.csv"), 'id,text\n1,ok\n2,"unterminated\n');
    writeFileSync(path.join(home, "bad.txt"), Buffer.from([0x6f, 0x6b, 0x0a, 0xc3, 0x28, 0x0a]));
    const csv = cli("data", "ingest", "bad.csv", "--name", "bad");
    expect(csv.code).toBe(1);
    expect(csv.stderr).toMatch(/bad\.csv:\d+: malformed CSV/);
    const utf8 = cli("data", "ingest", "bad.txt", "--name", "bad");
    expect(utf8.code).toBe(1);
    expect(utf8.stderr).toMatch(/bad\.txt:2: invalid UTF-8/);
    expect(cli("data", "ingest", "bad.txt", "--name", "bad", "--format", "xml").code).toBe(2);
    expect(cli("data", "ingest", "bad.txt").code).toBe(2); // --name missing
    expect(cli("data", "show", "nope@1").code).toBe(1);
    expect(json("data", "list").map((d: { name: string }) => d.name)).not.toContain("bad");
  });

  it("gives concurrent ingest processes distinct versions", async () => {
    const children = Array.from({ length: 3 }, () =>
      spawn(process.execPath, [CLI, "data", "ingest", example("sample.jsonl"), "--name", "race", "--json"], {
        cwd: home,
        env: { ...cleanEnv(), ...env },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    const outputs = await Promise.all(
      children.map(async (child) => {
        let out = "";
        child.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
        });
        const [code] = await once(child, "exit");
        expect(code).toBe(0);
        return JSON.parse(out) as { version: number };
      }),
    );
    expect(outputs.map((o) => o.version).sort()).toEqual([1, 2, 3]);
  });

  it("leaves no version when an ingest is killed half way", async () => {
    const big = path.join(home, "big.jsonl");
    const out = createWriteStream(big);
    const line = `${JSON.stringify({ text: "the quick brown fox jumps over the lazy dog ".repeat(10) })}\n`;
    for (let i = 0; i < 150_000; i++) if (!out.write(line)) await once(out, "drain");
    out.end();
    await once(out, "finish");
    const tmpDir = path.join(env.LLMOPS_HOME, "artifacts", "tmp");
    const running = startCli(["data", "ingest", big, "--name", "killed"], { cwd: home, env });
    // Wait until a shard is being written, then kill without warning.
    const started = Date.now();
    while (!(existsSync(tmpDir) && readdirSync(tmpDir).length > 0) && Date.now() - started < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(running.child.exitCode, `ingest ended early: ${running.stderr()}`).toBeNull(); // still working
    await running.stop("SIGKILL");
    expect(json("data", "list").map((d: { name: string }) => d.name)).not.toContain("killed");
    expect(cli("data", "show", "killed").code).toBe(1);
    // A fresh ingest of the same name starts at version 1.
    expect(json("data", "ingest", example("sample.jsonl"), "--name", "killed").ref).toBe("killed@1");

    // The same for a pipeline killed while it writes its output.
    expect(json("data", "ingest", big, "--name", "big").rowCount).toBe(150_000);
    const pipelineFile = path.join(home, "slow.yaml");
    writeFileSync(pipelineFile, "output: big-clean\nsteps: [normalize, clean-whitespace, language]\n");
    const leftovers = new Set(readdirSync(tmpDir)); // the killed ingest's temp file stays until it is stale
    const pipeline = startCli(["data", "run", pipelineFile, "--input", "big@1"], { cwd: home, env });
    const t0 = Date.now();
    while (!readdirSync(tmpDir).some((f) => !leftovers.has(f)) && Date.now() - t0 < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(pipeline.child.exitCode, `pipeline ended early: ${pipeline.stdout()} ${pipeline.stderr()}`).toBeNull();
    await pipeline.stop("SIGKILL");
    expect(json("data", "list").map((d: { name: string }) => d.name)).not.toContain("big-clean");
  });
});

describe("/api/v1/datasets", () => {
  let platform: Platform;
  let server: RunningServer;
  const keys: Record<string, string> = {};
  type Body = { data?: unknown; versions?: unknown[]; shards?: unknown[]; error?: unknown };
  const call = async (route: string, key: string | null) => {
    const response = await fetch(`${server.url}${route}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: response.status, body: (await response.json()) as Body };
  };

  beforeAll(async () => {
    platform = await openPlatform(loadConfig({ env, cwd: home }).config);
    for (const role of ["viewer", "service"]) {
      keys[role] = (await platform.keys.create({ name: role, role, createdBy: "test" })).key;
    }
    const { ingest } = await import("../src/data/ingest.js");
    await ingest(platform.datasets, {
      files: [example("sample.jsonl")],
      name: "api-ds",
      actor: "test",
      shardBytes: 512,
    });
    server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  });
  afterAll(async () => {
    await server?.close();
    await platform?.close();
  });

  it("lists datasets, shows versions and pages rows across shards", async () => {
    const list = await call("/api/v1/datasets", keys.viewer!);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "api-ds", latestVersion: 1 })]),
    );
    const dataset = await call("/api/v1/datasets/api-ds", keys.viewer!);
    expect(dataset.body.versions).toHaveLength(1);
    const version = await call("/api/v1/datasets/api-ds/versions/latest", keys.viewer!);
    expect(version.body).toMatchObject({ ref: "api-ds@1", rowCount: 18 });
    expect(version.body.shards!.length).toBeGreaterThan(2);
    const ids: string[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await call(`/api/v1/datasets/api-ds/versions/1/rows?offset=${offset}&limit=5`, keys.viewer!);
      const body = page.body as { data: Array<{ row: { id: string } }>; next_offset: number | null; total: number };
      expect(page.status).toBe(200);
      expect(body.total).toBe(18);
      ids.push(...body.data.map((r) => r.row.id));
      offset = body.next_offset;
    }
    expect(ids).toEqual(Array.from({ length: 18 }, (_, i) => `web-${i + 1}`));
  });

  it("answers bad requests with 4xx in OpenAI's error shape", async () => {
    expect((await call("/api/v1/datasets", null)).status).toBe(401);
    expect((await call("/api/v1/datasets", keys.service!)).status).toBe(403);
    const missing = await call("/api/v1/datasets/nope/versions/1", keys.viewer!);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "not_found" });
    expect((await call("/api/v1/datasets/api-ds/versions/7", keys.viewer!)).status).toBe(404);
    expect((await call("/api/v1/datasets/api-ds/versions/1/rows?limit=5000", keys.viewer!)).status).toBe(400);
    expect((await call("/api/v1/datasets/api-ds/versions/x/rows", keys.viewer!)).status).toBe(400);
  });
});
