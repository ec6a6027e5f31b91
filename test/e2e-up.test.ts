// End to end, as a user meets it: `llmops up` on a fresh home folder, driven with the official
// `openai` npm SDK, then stopped with Ctrl-C and started again with its state kept.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningCli, startCli } from "./helpers/cli.js";

const cwd = mkdtempSync(path.join(tmpdir(), "llmops-e2e-"));
let up: RunningCli;
let baseURL: string;
let adminKey: string;
let client: OpenAI;

async function startUp(): Promise<void> {
  up = startCli(["up", "--port", "0", "--workers", "2"], { cwd });
  const [, url] = await up.waitFor(/base URL\s+(http:\/\/\S+\/v1)/);
  const [, key] = await up.waitFor(/admin key\s+(llm_\S+)/);
  baseURL = url!;
  adminKey = key!;
  client = new OpenAI({ baseURL, apiKey: adminKey, maxRetries: 0 });
}

beforeAll(startUp, 180_000);
afterAll(async () => {
  await up?.stop("SIGKILL");
});

describe("llmops up with the official OpenAI SDK", () => {
  it("prints the base URL, the admin key and a working curl example", () => {
    expect(up.stdout()).toContain("llmops is up");
    expect(up.stdout()).toMatch(/llmops-tiny → llmops-tiny@1 \(2 workers\)/);
    expect(up.stdout()).toContain(`curl ${baseURL}/chat/completions`);
    expect(readFileSync(path.join(cwd, ".llmops", "admin.key"), "utf8").trim()).toBe(adminKey);
  });

  it("lists the bundled model under its bare name and its version", async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toContain("llmops-tiny");
    expect(ids).toContain("llmops-tiny@1");
  });

  it("chats, plain and streaming, with exact usage and the same text for the same seed", async () => {
    const request = {
      model: "llmops-tiny",
      messages: [{ role: "user" as const, content: "Hello there" }],
      max_tokens: 12,
      temperature: 0,
      seed: 7,
    };
    const plain = await client.chat.completions.create(request);
    expect(plain.object).toBe("chat.completion");
    expect(plain.model).toBe("llmops-tiny");
    expect(plain.choices[0]!.message.role).toBe("assistant");
    expect(["stop", "length"]).toContain(plain.choices[0]!.finish_reason);
    expect(plain.usage!.completion_tokens).toBeGreaterThan(0);
    expect(plain.usage!.completion_tokens).toBeLessThanOrEqual(16); // titles can be longer than verses
    expect(plain.usage!.total_tokens).toBe(plain.usage!.prompt_tokens + plain.usage!.completion_tokens);

    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(usage).toEqual(plain.usage);
  });

  it("completes with logprobs", async () => {
    const completion = await client.completions.create({
      model: "llmops-tiny@1",
      prompt: "Once upon a time",
      max_tokens: 5,
      temperature: 0,
      logprobs: 3,
    });
    const choice = completion.choices[0]!;
    expect(completion.usage!.completion_tokens).toBe(5);
    expect(choice.finish_reason).toBe("length");
    expect(choice.logprobs!.tokens).toHaveLength(5);
    expect(choice.logprobs!.token_logprobs).toHaveLength(5);
    for (const [i, lp] of choice.logprobs!.token_logprobs!.entries()) {
      expect(lp).toBeLessThanOrEqual(0);
      const top = choice.logprobs!.top_logprobs![i]!;
      expect(Object.keys(top).length).toBeGreaterThanOrEqual(1);
      expect(Object.keys(top).length).toBeLessThanOrEqual(3);
      // Greedy: the chosen token is the most likely one.
      expect(lp).toBeCloseTo(Math.max(...Object.values(top)), 5);
    }
  });

  it("continues a Tang poem with poem-shaped text (the bundled model is trained on Tang poems)", async () => {
    const complete = async (temperature: number): Promise<string> =>
      (
        await client.completions.create({
          model: "llmops-tiny",
          prompt: "靜夜思\n李白\n床前明月光，",
          max_tokens: 48,
          temperature,
          seed: 7,
        })
      ).choices[0]!.text;
    const hanShare = (text: string): number => {
      const visible = [...text].filter((c) => !/\s/u.test(c));
      return visible.filter((c) => /\p{Script=Han}/u.test(c)).length / visible.length;
    };
    // Structure, not exact text. Greedy: Chinese characters and verse punctuation.
    const greedy = await complete(0);
    expect(hanShare(greedy)).toBeGreaterThan(0.7);
    expect(greedy).toMatch(/[，。]/);
    // Sampled (seeded, so the same on every run): short verses between verse punctuation, as in the
    // corpus (its lines are mostly 5 or 7 characters; this model gets the rhythm, not the count).
    const sampled = await complete(0.8);
    expect(hanShare(sampled)).toBeGreaterThan(0.7);
    const verses = sampled
      .split(/[，。？！\n]/u)
      .slice(0, -1)
      .filter((v) => v.trim() !== "");
    expect(verses.length).toBeGreaterThanOrEqual(4);
    for (const v of verses) expect([...v.trim()].length, v).toBeLessThanOrEqual(16); // titles can be longer than verses
  });

  it("embeds text", async () => {
    const result = await client.embeddings.create({ model: "llmops-tiny", input: ["hello", "world"] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]!.embedding).toHaveLength(96); // the bundled model's width (models/llmops-tiny/recipe.yaml)
    expect(result.data[0]!.embedding.every(Number.isFinite)).toBe(true);
    expect(result.data[0]!.embedding).not.toEqual(result.data[1]!.embedding);
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("answers errors in OpenAI's shape: no key 401, unknown model 404, malformed JSON 400", async () => {
    const anonymous = new OpenAI({ baseURL, apiKey: "llm_wrong", maxRetries: 0 });
    await expect(anonymous.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const noKey = await fetch(`${baseURL}/models`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { type: "authentication_error", code: "unauthorized" } });

    const unknown = client.chat.completions.create({
      model: "no-such-model",
      messages: [{ role: "user", content: "hi" }],
    });
    await expect(unknown).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(unknown).rejects.toMatchObject({ status: 404, error: { type: "not_found_error" } });

    const malformed = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: '{"model": "llmops-tiny", "messages": [',
    });
    expect(malformed.status).toBe(400);
    const body = (await malformed.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: "invalid_request_error" });
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  });

  it("keeps a request log and Prometheus metrics", async () => {
    const origin = baseURL.replace(/\/v1$/, "");
    // The request log is written in batches; give it a moment.
    await new Promise((r) => setTimeout(r, 1500));
    const log = await fetch(`${origin}/api/v1/requests?limit=100`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const rows = ((await log.json()) as { data: Array<Record<string, unknown>> }).data;
    const chat = rows.find((r) => r.route === "/v1/chat/completions" && r.status === 200);
    expect(chat).toMatchObject({ model: "llmops-tiny", model_version: "llmops-tiny@1" });
    expect(Number(chat!.completion_tokens)).toBeGreaterThan(0);
    expect(rows.some((r) => r.status === 404)).toBe(true);

    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toMatch(/llmops_gateway_requests_total\{[^}]*model="llmops-tiny"[^}]*\} \d+/);
    expect(metrics).toContain("llmops_gateway_time_to_first_token_seconds");
  });

  it("stops cleanly on Ctrl-C and keeps its state across a restart", async () => {
    expect(await up.stop("SIGINT")).toBe(0);
    await startUp();
    expect(up.stdout()).not.toContain("created,"); // the same admin key, read from the home folder
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toContain("llmops-tiny");
    const log = await fetch(`${baseURL.replace(/\/v1$/, "")}/api/v1/requests`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(((await log.json()) as { data: unknown[] }).data.length).toBeGreaterThan(3);
  }, 180_000);
});
