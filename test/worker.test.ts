// The worker end to end: a real llama.cpp model (random weights, ChatML template, byte vocabulary)
// behind the real HTTP server on a free port, driven by the official openai SDK and raw fetch.
// Random weights emit arbitrary bytes, which is exactly what the UTF-8 and stop-string handling and
// the "never a 500" promise must survive.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKEN_TYPE, writeTinyLlama } from "../src/formats/gguf/index.js";
import { type RunningWorker, startWorker } from "../src/serve/worker-server.js";

const MODEL = "tiny-chat";
let dir: string;
let worker: RunningWorker;
let client: OpenAI;
/** Control tokens (</s>, <|im_end|>, …): llama.cpp ends generation on several of them. */
let controlIds: number[];
let eosId: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "llmops-worker-"));
  const modelPath = path.join(dir, "tiny-chat.gguf");
  const written = await writeTinyLlama(modelPath, { type: "F32", chatml: true, seed: 11 });
  eosId = written.vocab.eosId;
  controlIds = written.vocab.tokenTypes.flatMap((type, id) => (type === TOKEN_TYPE.CONTROL ? [id] : []));
  worker = await startWorker({ modelPath, modelName: MODEL, threads: 1, port: 0 });
  client = new OpenAI({ baseURL: worker.url, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await worker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Never let the model end early where a test needs exactly max_tokens tokens. */
const noEos = () => Object.fromEntries(controlIds.map((id) => [String(id), -100]));

async function rawPost(route: string, body: string, contentType = "application/json") {
  const res = await fetch(`${worker.url}${route}`, { method: "POST", headers: { "content-type": contentType }, body });
  return {
    status: res.status,
    body: (await res.json()) as { error?: { message: string; type: string; param: unknown; code: unknown } },
  };
}

function expectOpenAiError(body: { error?: unknown }) {
  expect(body.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  const e = body.error as Record<string, unknown>;
  expect(Object.keys(e).sort()).toEqual(["code", "message", "param", "type"]);
}

describe("worker: models and health", () => {
  it("lists its model in OpenAI's shape", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual([MODEL]);
    expect(page.data[0]).toMatchObject({ object: "model", owned_by: "llmops" });
    const one = await client.models.retrieve(MODEL);
    expect(one.id).toBe(MODEL);
    await expect(client.models.retrieve("other")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("reports health", async () => {
    const res = await fetch(`${worker.origin}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ok",
      ready: true,
      model: MODEL,
      in_flight: 0,
      context_length: 256,
      chat_template: "model",
    });
  });
});

describe("worker: chat completions", () => {
  const messages = [
    { role: "system" as const, content: "You are terse." },
    { role: "user" as const, content: "Say something, 世界 🙂" },
  ];

  it("answers plain and streamed requests identically (temperature 0)", async () => {
    const plain = await client.chat.completions.create({
      model: MODEL,
      messages,
      temperature: 0,
      max_tokens: 40,
      seed: 3,
    });
    expect(plain.id).toMatch(/^chatcmpl-/);
    expect(plain.object).toBe("chat.completion");
    expect(plain.model).toBe(MODEL);
    const choice = plain.choices[0];
    expect(choice?.message.role).toBe("assistant");
    expect(["stop", "length"]).toContain(choice?.finish_reason);
    const usage = plain.usage;
    expect(usage?.prompt_tokens).toBeGreaterThan(10); // BOS + template + messages
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));

    const stream = await client.chat.completions.create({
      model: MODEL,
      messages,
      temperature: 0,
      max_tokens: 40,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(choice?.message.content);
    const withChoices = chunks.filter((c) => c.choices.length > 0);
    expect(withChoices.at(-1)?.choices[0]?.finish_reason).toBe(choice?.finish_reason);
    expect(withChoices.slice(0, -1).every((c) => c.choices[0]?.finish_reason === null)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(usage);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("returns per-token logprobs in OpenAI's chat shape", async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      messages,
      temperature: 0,
      max_tokens: 12,
      logprobs: true,
      top_logprobs: 4,
      logit_bias: noEos(),
    });
    const content = res.choices[0]?.logprobs?.content ?? [];
    expect(content).toHaveLength(12);
    expect(res.usage?.completion_tokens).toBe(12);
    const bytes: number[] = [];
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(4);
      const tops = entry.top_logprobs.map((t) => t.logprob);
      expect([...tops].sort((a, b) => b - a)).toEqual(tops);
      expect(entry.top_logprobs[0]?.token).toBe(entry.token); // greedy picks the most likely token
      expect(entry.top_logprobs[0]?.logprob).toBeCloseTo(entry.logprob, 12);
      bytes.push(...(entry.bytes ?? []));
    }
    // The bytes of the tokens are the text (invalid sequences decode to U+FFFD the same way).
    expect(new TextDecoder().decode(Uint8Array.from(bytes))).toBe(res.choices[0]?.message.content);
  });

  it("ends the turn on the template's end token with finish_reason stop", async () => {
    const imEnd = eosId; // <|im_end|> in a ChatML model
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "hi" }],
      temperature: 0,
      max_tokens: 20,
      logit_bias: { [String(imEnd)]: 100 },
    });
    expect(res.choices[0]?.finish_reason).toBe("stop");
    expect(res.choices[0]?.message.content).toBe("");
    expect(res.usage?.completion_tokens).toBe(1); // the end token counts, and is not shown
    const chunks = [];
    for await (const c of await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "hi" }],
      temperature: 0,
      max_tokens: 20,
      logit_bias: { [String(imEnd)]: 100 },
      stream: true,
    })) {
      chunks.push(c);
    }
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, "stop"]);
    expect(chunks.every((c) => !("usage" in c))).toBe(true); // no include_usage: no usage field
  });

  it("accepts text-part content and the developer role", async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: "developer", content: "dev" },
        {
          role: "user",
          content: [
            { type: "text", text: "part one " },
            { type: "text", text: "part two" },
          ],
        },
      ],
      max_completion_tokens: 3,
      temperature: 0,
      logit_bias: noEos(),
    });
    expect(res.usage?.completion_tokens).toBe(3);
    expect(res.choices[0]?.finish_reason).toBe("length");
  });
});

describe("worker: completions", () => {
  it("returns logprobs, top_logprobs and text offsets in OpenAI's legacy shape", async () => {
    const res = await client.completions.create({
      model: MODEL,
      prompt: "Once upon a time",
      max_tokens: 16,
      temperature: 0,
      logprobs: 5,
      logit_bias: noEos(),
    });
    expect(res.id).toMatch(/^cmpl-/);
    expect(res.object).toBe("text_completion");
    const choice = res.choices[0];
    expect(choice?.finish_reason).toBe("length");
    expect(res.usage?.completion_tokens).toBe(16);
    expect(res.usage?.prompt_tokens).toBe(1 + "Once upon a time".length); // BOS + one byte token per char
    const lp = choice?.logprobs;
    expect(lp?.tokens).toHaveLength(16);
    expect(lp?.token_logprobs).toHaveLength(16);
    expect(lp?.text_offset).toHaveLength(16);
    lp?.tokens?.forEach((token, i) => {
      const chosen = lp.token_logprobs?.[i] as number;
      expect(chosen).toBeLessThanOrEqual(0);
      const top = lp.top_logprobs?.[i] as Record<string, number>;
      const values = Object.values(top); // a JSON object: its key order carries no meaning
      expect(values.length).toBeGreaterThanOrEqual(4); // 5 unless two tokens print the same
      expect(values.every((v) => v <= 0)).toBe(true);
      expect(top[token]).toBeCloseTo(chosen, 12); // temperature 0: the chosen token is in the list…
      expect(chosen).toBeCloseTo(Math.max(...values), 12); // …and is the most likely one
    });
    const offsets = lp?.text_offset ?? [];
    for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBeGreaterThanOrEqual(offsets[i - 1] as number);
  });

  it("echoes the prompt with its logprobs (max_tokens 0 scores a text)", async () => {
    const res = await client.completions.create({
      model: MODEL,
      prompt: "abc",
      max_tokens: 0,
      echo: true,
      logprobs: 2,
    });
    const choice = res.choices[0];
    expect(choice?.text).toBe("abc");
    expect(choice?.finish_reason).toBe("length");
    expect(res.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 0 });
    expect(choice?.logprobs?.tokens).toEqual(["<s>", "a", "b", "c"]);
    expect(choice?.logprobs?.token_logprobs?.[0]).toBeNull();
    expect(choice?.logprobs?.token_logprobs?.slice(1).every((x) => typeof x === "number" && x < 0)).toBe(true);
  });

  it("gives the same text for the same seed at temperature 1, and another for another seed", async () => {
    const run = async (seed: number) =>
      (
        await client.completions.create({
          model: MODEL,
          prompt: "The weather",
          max_tokens: 40,
          temperature: 1,
          seed,
          logit_bias: noEos(),
        })
      ).choices[0]?.text;
    const a = await run(1234);
    const b = await run(1234);
    const c = await run(99);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it("accepts token-id prompts", async () => {
    const res = await client.completions.create({ model: MODEL, prompt: [1, 70, 71], max_tokens: 2, temperature: 0 });
    expect(res.usage?.prompt_tokens).toBe(3);
  });

  it("stops before a stop string spanning several tokens and never returns it", async () => {
    const base = await client.completions.create({
      model: MODEL,
      prompt: "Hello",
      max_tokens: 60,
      temperature: 0,
      logit_bias: noEos(),
    });
    const text = base.choices[0]?.text ?? "";
    // A two-character stop from the middle of the greedy output: each character is ≥ 1 token.
    let at = -1;
    for (let i = 5; i < text.length - 3; i++) {
      const s = text.slice(i, i + 2);
      if (!s.includes("\uFFFD") && s.length === 2 && !/[\uD800-\uDFFF]/.test(s)) {
        at = i;
        break;
      }
    }
    expect(at).toBeGreaterThan(0);
    const stop = text.slice(at, at + 2);
    const expected = text.slice(0, text.indexOf(stop));
    for (const stream of [false, true]) {
      let out = "";
      let finish: string | null | undefined;
      if (stream) {
        const s = await client.completions.create({
          model: MODEL,
          prompt: "Hello",
          max_tokens: 60,
          temperature: 0,
          stop: ["never-appears", stop],
          logit_bias: noEos(),
          stream: true,
        });
        for await (const chunk of s) {
          out += chunk.choices[0]?.text ?? "";
          finish = chunk.choices[0]?.finish_reason ?? finish;
        }
      } else {
        const r = await client.completions.create({
          model: MODEL,
          prompt: "Hello",
          max_tokens: 60,
          temperature: 0,
          stop: ["never-appears", stop],
          logit_bias: noEos(),
        });
        out = r.choices[0]?.text ?? "";
        finish = r.choices[0]?.finish_reason;
      }
      expect(out).toBe(expected);
      expect(out.includes(stop)).toBe(false);
      expect(finish).toBe("stop");
    }
  });

  it("finishes with length after exactly max_tokens", async () => {
    const res = await client.completions.create({
      model: MODEL,
      prompt: "x",
      max_tokens: 7,
      temperature: 0.8,
      logit_bias: noEos(),
    });
    expect(res.choices[0]?.finish_reason).toBe("length");
    expect(res.usage?.completion_tokens).toBe(7);
  });

  it("clamps max_tokens to the room left in the context and finishes with length", async () => {
    const prompt = "y".repeat(240); // 241 tokens of 256
    const res = await client.completions.create({
      model: MODEL,
      prompt,
      max_tokens: 100,
      temperature: 0,
      logit_bias: noEos(),
    });
    expect(res.usage?.prompt_tokens).toBe(241);
    expect(res.usage?.completion_tokens).toBe(256 - 241);
    expect(res.choices[0]?.finish_reason).toBe("length");
  });
});

describe("worker: embeddings", () => {
  it("returns unit vectors of the model's width, identical as float and base64", async () => {
    const input = ["hello", "世界"];
    const asFloat = await client.embeddings.create({ model: MODEL, input, encoding_format: "float" });
    expect(asFloat.data).toHaveLength(2);
    expect(asFloat.usage.prompt_tokens).toBe(1 + 5 + 1 + 6);
    const v = asFloat.data[0]?.embedding as number[];
    expect(v).toHaveLength(64);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const asBase64 = await client.embeddings.create({ model: MODEL, input, encoding_format: "base64" });
    const decoded = asBase64.data.map((d) => {
      const buf = Buffer.from(d.embedding as unknown as string, "base64");
      return Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
    });
    expect(decoded).toEqual(asFloat.data.map((d) => d.embedding));
    // The SDK's default asks for base64 and decodes it.
    const viaDefault = await client.embeddings.create({ model: MODEL, input });
    expect(viaDefault.data.map((d) => d.embedding)).toEqual(asFloat.data.map((d) => d.embedding));
  });
});

describe("worker: errors in OpenAI's shape", () => {
  it("400 for malformed JSON, 415 for another content type, 413 for a huge body, 404 for unknown routes", async () => {
    const bad = await rawPost("/chat/completions", '{"model": "tiny-chat", "messages": [');
    expect(bad.status).toBe(400);
    expectOpenAiError(bad.body);
    expect(bad.body.error?.message).toContain("not valid JSON");

    const empty = await rawPost("/chat/completions", "");
    expect(empty.status).toBe(400);
    expectOpenAiError(empty.body);

    const text = await rawPost("/chat/completions", "{}", "text/plain");
    expect(text.status).toBe(415);
    expectOpenAiError(text.body);

    const huge = await rawPost("/completions", JSON.stringify({ model: MODEL, prompt: "z".repeat(5 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expectOpenAiError(huge.body);

    const res = await fetch(`${worker.url}/nothing-here`);
    expect(res.status).toBe(404);
    expectOpenAiError((await res.json()) as { error?: unknown });
    const wrongMethod = await fetch(`${worker.url}/chat/completions`);
    expect(wrongMethod.status).toBe(404);
  });

  it("400 for bad parameters, naming the field", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ n: 2 }, "n"],
      [{ temperature: 5 }, "temperature"],
      [{ top_logprobs: 3 }, "top_logprobs"],
      [{ messages: [{ role: "user", content: "x".repeat(400) }] }, "messages"],
    ];
    for (const [extra, param] of cases) {
      const error = await client.chat.completions
        .create({ model: MODEL, messages: [{ role: "user", content: "hi" }], ...extra } as never)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      const e = error as InstanceType<typeof OpenAI.BadRequestError>;
      expect(e.status).toBe(400);
      expect(e.param).toBe(param);
      expect(e.type).toBe("invalid_request_error");
    }
  });

  it("400 context_length_exceeded for a prompt longer than the context, streamed or not", async () => {
    for (const stream of [false, true]) {
      const error = await client.completions
        .create({ model: MODEL, prompt: "w".repeat(300), max_tokens: 5, stream })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      const e = error as InstanceType<typeof OpenAI.BadRequestError>;
      expect(e.code).toBe("context_length_exceeded");
      expect(e.message).toContain("301 tokens");
      expect(e.message).toContain("256");
    }
  });

  it("404 model_not_found for another model's name", async () => {
    const error = await client.completions.create({ model: "gpt-4o", prompt: "x" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });
});

describe("worker: robustness", () => {
  it("never fails on the arbitrary bytes random weights produce", async () => {
    for (const seed of [1, 2, 3, 4]) {
      const params = {
        model: MODEL,
        prompt: `seed ${seed} 🙂`,
        max_tokens: 120,
        temperature: 1.5,
        seed,
        logit_bias: noEos(),
      };
      const plain = await client.completions.create(params);
      const text = plain.choices[0]?.text ?? "";
      expect(plain.usage?.completion_tokens).toBe(120);
      expect(text).not.toBe("");
      let streamed = "";
      for await (const c of await client.completions.create({ ...params, stream: true }))
        streamed += c.choices[0]?.text ?? "";
      expect(streamed).toBe(text);
      const chat = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: text.slice(0, 40) }],
        max_tokens: 60,
        temperature: 1.5,
        seed,
        logprobs: true,
        top_logprobs: 2,
      });
      expect(typeof chat.choices[0]?.message.content).toBe("string");
    }
  });

  it("serves concurrent requests without mixing their state", async () => {
    const req = (prompt: string) =>
      client.completions
        .create({ model: MODEL, prompt, max_tokens: 24, temperature: 0, logit_bias: noEos() })
        .then((r) => r.choices[0]?.text);
    const prompts = ["alpha", "beta", "gamma", "alpha"];
    const sequential: Array<string | undefined> = [];
    for (const p of prompts) sequential.push(await req(p));
    const parallel = await Promise.all(prompts.map(req));
    expect(parallel).toEqual(sequential);
    expect(parallel[0]).toBe(parallel[3]);
  });

  it("stops generating when the client goes away, and keeps serving", async () => {
    const controller = new AbortController();
    const res = await fetch(`${worker.url}/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: MODEL,
        prompt: "long",
        max_tokens: 250,
        temperature: 0,
        stream: true,
        logprobs: 20,
        logit_bias: noEos(),
      }),
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('"text_completion"');
    controller.abort(); // hang up after the first bytes, long before 250 tokens are done
    await reader?.read().catch(() => undefined);
    for (let i = 0; i < 100; i++) {
      const health = (await (await fetch(`${worker.origin}/healthz`)).json()) as { in_flight: number; active: number };
      if (health.in_flight === 0 && health.active === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const health = (await (await fetch(`${worker.origin}/healthz`)).json()) as { in_flight: number; active: number };
    expect(health).toMatchObject({ in_flight: 0, active: 0 });
    const after = await client.completions.create({ model: MODEL, prompt: "ok", max_tokens: 2, temperature: 0 });
    expect(after.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("exports Prometheus metrics of its own", async () => {
    const text = await (await fetch(`${worker.origin}/metrics`)).text();
    expect(text).toMatch(/llmops_worker_requests_total\{route="chat",status="200",model="tiny-chat"\} \d+/);
    expect(text).toMatch(/llmops_worker_requests_total\{route="chat",status="400",model="tiny-chat"\} \d+/);
    expect(text).toMatch(/llmops_worker_time_to_first_token_seconds_count\{[^}]*route="completions"[^}]*\} \d+/);
    expect(text).toMatch(/llmops_worker_completion_tokens_total\{route="completions",model="tiny-chat"\} \d+/);
    expect(text).toMatch(
      /llmops_worker_errors_total\{route="chat",code="context_length_exceeded",model="tiny-chat"\} 1/,
    );
    expect(text).toMatch(/llmops_worker_errors_total\{route="completions",code="client_closed",model="tiny-chat"\} 1/);
    expect(text).toContain("llmops_worker_in_flight_requests");
  });
});
