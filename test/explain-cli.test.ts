// `llmops explain` as users run it, POST /api/v1/explain on the real server, and the worker's
// POST /v1/score with the two HTTP scorers (batched /v1/score, and echo + logprobs as vLLM offers).
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { LlamaCppScorer } from "../src/explain/scorers/llama-cpp.js";
import { OpenAiScorer } from "../src/explain/scorers/openai.js";
import { WorkerScorer } from "../src/explain/scorers/worker.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { announceWorker } from "../src/platform/workers.js";
import { type RunningWorker, startWorker } from "../src/serve/worker-server.js";
import { runCli } from "./helpers/cli.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-explain-cli-"));
const model = path.join(home, "tiny.gguf");
const ZH = "床前明月光，疑是地上霜。床前明月光，";

beforeAll(async () => {
  await writeTinyLlama(model, { type: "Q8_0", seed: 8 });
}, 30_000);

describe("llmops explain", () => {
  it("explains a GGUF file: JSON with features, faithfulness and cost", () => {
    const r = runCli(
      [
        "explain",
        "--model",
        model,
        "--prompt",
        "one two three one two",
        "--target",
        " three",
        "--method",
        "kernelshap",
        "--samples",
        "30",
        "--json",
      ],
      { cwd: home },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e).toMatchObject({
      object: "explanation",
      method: "kernelshap",
      group: "word",
      target: " three",
      targetSource: "given",
    });
    expect(e.features.map((f: { text: string }) => f.text).join("")).toBe("one two three one two");
    expect(e.faithfulness.deletion.k[0]).toBe(0);
    expect(typeof e.faithfulness.insertion.aopc).toBe("number");
    expect(e.cost.calls).toBeGreaterThan(10);
    expect(e.summary).toMatch(/deletion AOPC/);
  }, 120_000);

  it("registers nothing, and writes a self-contained HTML heatmap of a Chinese prompt for a registered model", () => {
    const reg = runCli(["models", "register", model, "--name", "tiny", "--json"], { cwd: home });
    expect(reg.code).toBe(0);
    const out = path.join(home, "why.html");
    const r = runCli(
      ["explain", "--model", "tiny@1", "--prompt", ZH, "--max-tokens", "4", "--group", "sentence", "--output", out],
      {
        cwd: home,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*why\.html/);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('lang="zh"');
    expect(html).toContain("床前明月光，疑是地上霜。");
    expect(html).toMatch(/raised the chance/);
    expect(html).toMatch(/deletion AOPC/);
    expect(html).not.toMatch(/<script|https?:\/\//); // self-contained, no scripts
    expect(existsSync(`${out}.tmp`)).toBe(false);
  }, 120_000);

  it("prints a table by default and fails clearly on bad input", () => {
    const table = runCli(
      ["explain", "--model", model, "--prompt", "a b c", "--target", " a", "--method", "occlusion"],
      { cwd: home },
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/faithfulness\s+deletion AOPC/);
    const badMethod = runCli(["explain", "--model", model, "--prompt", "a", "--method", "magic"], { cwd: home });
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toMatch(/--method must be one of occlusion/);
    const noPrompt = runCli(["explain", "--model", model], { cwd: home });
    expect(noPrompt.code).toBe(2);
    const budget = runCli(["explain", "--model", model, "--prompt", "a b c d", "--target", " a", "--budget", "3"], {
      cwd: home,
    });
    expect(budget.code).toBe(1);
    expect(budget.stderr).toMatch(/budget of 3 .*too small/);
    const missing = runCli(["explain", "--model", path.join(home, "nope.gguf"), "--prompt", "a", "--target", "b"], {
      cwd: home,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
  }, 120_000);
});

describe("POST /api/v1/explain", () => {
  let platform: Platform;
  let server: RunningServer;
  const keys: Record<string, string> = {};
  const call = async (key: string, body: unknown) => {
    const res = await fetch(`${server.url}/api/v1/explain`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get("content-type") ?? "", text };
  };

  beforeAll(async () => {
    const apiHome = mkdtempSync(path.join(tmpdir(), "llmops-explain-api-"));
    platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: apiHome }, cwd: apiHome }).config);
    for (const role of ["service", "viewer"])
      keys[role] = (await platform.keys.create({ name: role, role, createdBy: "test" })).key;
    await platform.registry.register({ file: model, name: "tiny", alias: "production", actor: "test" });
    server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await platform?.close();
  });

  it("explains with the model loaded in-process when no worker serves it (JSON and HTML)", async () => {
    const r = await call(keys.service!, {
      model: "tiny",
      prompt: "red green blue red",
      target: " green",
      method: "occlusion",
    });
    expect(r.status).toBe(200);
    const e = JSON.parse(r.text);
    expect(e.model).toBe("tiny@1");
    expect(e.features).toHaveLength(4);
    expect(e.cost.budget).toBe(2000);
    const html = await call(keys.service!, { model: "tiny", prompt: "red green", target: " blue", format: "html" });
    expect(html.status).toBe(200);
    expect(html.type).toMatch(/text\/html/);
    expect(html.text).toContain("<!doctype html>");
  }, 60_000);

  it("uses a live worker of the version through its batched /v1/score", async () => {
    const version = await platform.registry.resolve("tiny@1");
    const worker = await startWorker({ modelPath: model, modelName: "tiny@1", threads: 1, contextSize: 256 });
    let scoreRequests = 0;
    worker.server.server.on("request", (req) => {
      if (req.url === "/v1/score") scoreRequests++;
    });
    const lease = await announceWorker(platform.store, {
      url: worker.url,
      modelName: "tiny",
      modelVersion: 1,
      artifactHash: version.artifactHash,
    });
    try {
      const r = await call(keys.service!, {
        model: "tiny@1",
        prompt: "red green blue red",
        target: " green",
        method: "occlusion",
      });
      expect(r.status).toBe(200);
      const e = JSON.parse(r.text);
      expect(scoreRequests).toBeGreaterThan(0);
      const local = await LlamaCppScorer.open(model, "tiny");
      try {
        const [full] = await local.scoreBatch(["red green blue red"], " green");
        expect(e.logprob.full).toBeCloseTo(full as number, 4);
      } finally {
        await local.close();
      }
    } finally {
      await lease.stop();
      await worker.close();
    }
  }, 60_000);

  it("needs the explain permission and a valid body", async () => {
    expect((await call(keys.viewer!, { model: "tiny", prompt: "a", target: "b" })).status).toBe(403);
    const bad = await call(keys.service!, { model: "tiny", prompt: "", target: "b" });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.message).toMatch(/prompt/);
    const method = await call(keys.service!, { model: "tiny", prompt: "a", target: "b", method: "magic" });
    expect(method.status).toBe(400);
    expect(JSON.parse(method.text).error.message).toMatch(/Unknown method 'magic'/);
    expect((await call(keys.service!, { model: "nope", prompt: "a", target: "b" })).status).toBe(404);
  }, 30_000);
});

describe("worker POST /v1/score and the HTTP scorers", () => {
  let worker: RunningWorker;
  let local: LlamaCppScorer;
  beforeAll(async () => {
    worker = await startWorker({ modelPath: model, modelName: "tiny", threads: 1, contextSize: 256 });
    local = await LlamaCppScorer.open(model, "tiny");
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await local?.close();
  });

  it("scores many prompts for one target in one request, equal to the in-process scorer", async () => {
    const prompts = ["one two three", "one three", "床前明月光，"];
    const res = await fetch(`${worker.url}/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", prompts, target: " one" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<{ index: number; logprob: number; target_tokens: number }> };
    const expected = await local.scoreBatch(prompts, " one");
    body.data.forEach((d, i) => {
      expect(d.index).toBe(i);
      expect(d.logprob).toBeCloseTo(expected[i] as number, 4);
    });
    const viaClient = await new WorkerScorer({ baseUrl: worker.url, model: "tiny" }).scoreBatch(prompts, " one");
    viaClient.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 4);
    });
    const bad = await fetch(`${worker.url}/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", prompts: [], target: "x" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /prompts: must contain at least one prompt/,
    );
  }, 30_000);

  it("an OpenAI-compatible endpoint with echo + logprobs scores the same target (boundary-aligned prompts)", async () => {
    const scorer = new OpenAiScorer({ baseUrl: worker.url, model: "tiny" });
    const prompts = ["one two three", "one three"];
    const echo = await scorer.scoreBatch(prompts, " one");
    const expected = await local.scoreBatch(prompts, " one");
    echo.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 3);
    });
    const spans = await scorer.tokenSpans("床前 ab");
    expect(
      spans
        .map((s) => "床前 ab".slice(s.start, s.end))
        .filter((t, i, a) => a.indexOf(t) === i)
        .join(""),
    ).toBe("床前 ab");
    expect(typeof (await scorer.greedy("one", 3))).toBe("string");
  }, 30_000);
});
