// The llama.cpp engine without HTTP: chat-format fallback, token bytes, parallel sequences,
// queue limits and shutdown, on tiny random GGUFs written by our own GGUF writer.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmopsError } from "../src/errors.js";
import { TOKEN_TYPE, writeTinyLlama } from "../src/formats/gguf/index.js";
import type { GenerationEvent } from "../src/serve/engine.js";
import { type LlamaCppEngine, openLlamaCppEngine } from "../src/serve/engines/llama-cpp.js";

let dir: string;
let plainPath: string;
let chatmlPath: string;
let banControl: Record<number, number>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "llmops-engine-"));
  plainPath = path.join(dir, "plain.gguf");
  chatmlPath = path.join(dir, "chatml.gguf");
  await writeTinyLlama(plainPath, { type: "Q8_0", seed: 5 });
  const chatml = await writeTinyLlama(chatmlPath, { type: "F32", seed: 6, chatml: true });
  banControl = Object.fromEntries(
    chatml.vocab.tokenTypes.flatMap((type, id) => (type === TOKEN_TYPE.CONTROL ? [[id, -100]] : [])),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function drain(events: AsyncIterable<GenerationEvent>) {
  let text = "";
  for await (const e of events) {
    if (e.type === "delta") text += e.text;
    else return { text, finishReason: e.finishReason, usage: e.usage };
  }
  throw new Error("no done event");
}

async function withEngine<T>(
  options: Partial<Parameters<typeof openLlamaCppEngine>[0]>,
  fn: (engine: LlamaCppEngine) => Promise<T>,
): Promise<T> {
  const engine = await openLlamaCppEngine({ modelPath: chatmlPath, id: "m", threads: 1, ...options });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

describe("llama.cpp engine", () => {
  it("uses ChatML when the model has no chat template, and the model's template otherwise", async () => {
    await withEngine({ modelPath: plainPath }, async (engine) => {
      expect(engine.info.chatTemplate).toBe("default-chatml");
      const out = await drain(engine.chat([{ role: "user", content: "hi" }], { maxTokens: 3, temperature: 0 }));
      // No <|im_start|> token in this vocabulary: the markers are plain bytes after BOS.
      const rendered = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";
      expect(out.usage.promptTokens).toBe(1 + Buffer.byteLength(rendered));
    });
    await withEngine({}, async (engine) => {
      expect(engine.info).toMatchObject({
        chatTemplate: "model",
        contextLength: 256,
        vocabSize: 262,
        embeddingDim: 64,
      });
      const out = await drain(
        engine.chat(
          [
            { role: "system", content: "s" },
            { role: "user", content: "hi" },
            { role: "tool", content: "42" },
          ],
          { maxTokens: 2, temperature: 0 },
        ),
      );
      // BOS + 3 turns with control-token markers + the assistant prompt, far fewer than as bytes.
      const tokens = (text: string) => Buffer.byteLength(text);
      const expected =
        1 + 3 * 2 + tokens("system\ns\n") + tokens("user\nhi\n") + tokens("user\n42\n") + 1 + tokens("assistant\n");
      expect(out.usage.promptTokens).toBe(expected);
    });
  });

  it("round-trips text through tokenize/detokenize with exact token bytes", async () => {
    await withEngine({}, async (engine) => {
      for (const text of ["Hello world", "你好，世界! ünïcödé 🙂", "a\nb\tc\u0000", "<|im_end|> is text here"]) {
        const ids = await engine.tokenize(text);
        expect(await engine.detokenize(ids)).toBe(text);
      }
      expect((await engine.tokenize("x", { addSpecial: true }))[0]).toBe(1);
      await expect(engine.detokenize([99999])).rejects.toMatchObject({ code: "invalid_request" });
    });
  });

  it("scores a prompt token by token (teacher forcing)", async () => {
    await withEngine({}, async (engine) => {
      const scored = await engine.score("abc", { topLogprobs: 3 });
      expect(scored.tokens.map((t) => t.token)).toEqual(["<s>", "a", "b", "c"]);
      expect(scored.tokens[0]?.logprob).toBeNull();
      for (const t of scored.tokens.slice(1)) {
        expect(t.logprob).toBeLessThan(0);
        expect(t.topLogprobs).toHaveLength(3);
      }
      // Scoring prompt + the greedy next token gives that token the logprob generation reported.
      let first: { id: number; logprob?: number } | undefined;
      for await (const e of engine.complete({ prompt: "abc", maxTokens: 1, temperature: 0, logprobs: 1 })) {
        if (e.type === "delta" && e.tokens[0]) first = e.tokens[0];
      }
      expect(first?.logprob).toBeLessThan(0);
      const prompt = await engine.tokenize("abc", { addSpecial: true });
      const more = await engine.score([...prompt, first?.id ?? 0]);
      expect(more.tokens).toHaveLength(5);
      expect(more.tokens[4]?.logprob).toBeCloseTo(first?.logprob ?? 0, 4);
    });
  });

  it("applies presence/frequency penalties and top_k", async () => {
    await withEngine({}, async (engine) => {
      const base = { prompt: "aaaa", maxTokens: 60, temperature: 0, logitBias: banControl };
      const plain = await drain(engine.complete(base));
      const penalised = await drain(engine.complete({ ...base, frequencyPenalty: 2, presencePenalty: 2 }));
      expect(penalised.usage.completionTokens).toBe(60);
      expect(penalised.text).not.toBe(plain.text);
      // top_k 1 is greedy whatever the temperature.
      const topK1 = await drain(engine.complete({ ...base, temperature: 1.5, topK: 1, seed: 9 }));
      expect(topK1.text).toBe(plain.text);
    });
  });

  it("generates on several sequences at once and queues beyond them", async () => {
    await withEngine({ sequences: 2, maxQueue: 1 }, async (engine) => {
      const params = { maxTokens: 40, temperature: 0, logitBias: banControl };
      const a = drain(engine.complete({ prompt: "one", ...params }));
      const b = drain(engine.complete({ prompt: "two", ...params }));
      const c = drain(engine.complete({ prompt: "three", ...params }));
      await new Promise((r) => setTimeout(r, 5));
      const stats = engine.stats();
      expect(stats.active + stats.queued).toBe(3);
      // A fourth request finds the queue full: a quick 503, not an unbounded wait.
      const d = await drain(engine.complete({ prompt: "four", ...params })).then(
        () => null,
        (e: unknown) => e,
      );
      expect(d).toBeInstanceOf(LlmopsError);
      expect((d as LlmopsError).status).toBe(503);
      const results = await Promise.all([a, b, c]);
      expect(results.map((r) => r.usage.completionTokens)).toEqual([40, 40, 40]);
      expect(engine.stats()).toEqual({ active: 0, queued: 0 });
    });
  });

  it("rejects what does not fit and what is not a token", async () => {
    await withEngine({}, async (engine) => {
      const tooLong = await drain(engine.complete({ prompt: "z".repeat(255) })).then(
        () => null,
        (e: unknown) => e,
      );
      expect(tooLong).toMatchObject({ code: "context_length_exceeded", param: "prompt" });
      expect((tooLong as Error).message).toMatch(/has 256 tokens; the model's context is 256 tokens/);
      const badToken = await drain(engine.complete({ prompt: [1, 5000] })).then(
        () => null,
        (e: unknown) => e,
      );
      expect(badToken).toMatchObject({ code: "invalid_request", param: "prompt" });
      await expect(engine.embed([""])).rejects.toMatchObject({ code: "invalid_request" });
      await expect(engine.embed(["q".repeat(300)])).rejects.toMatchObject({ code: "context_length_exceeded" });
    });
  });

  it("ends running generations with 'unavailable' on close and refuses new work", async () => {
    const engine = await openLlamaCppEngine({ modelPath: chatmlPath, id: "m", threads: 1 });
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e,
      );
    const running = settle(
      drain(engine.complete({ prompt: "go", maxTokens: 250, temperature: 0, logitBias: banControl })),
    );
    const queued = settle(drain(engine.complete({ prompt: "later", maxTokens: 5 })));
    await new Promise((r) => setTimeout(r, 5));
    await engine.close();
    expect(await running).toMatchObject({ code: "unavailable" });
    expect(await queued).toMatchObject({ code: "unavailable" });
    await expect(drain(engine.complete({ prompt: "x" }))).rejects.toMatchObject({ code: "unavailable" });
    await engine.close(); // idempotent
  });

  it("fails to open with clear errors", async () => {
    await expect(
      openLlamaCppEngine({ modelPath: path.join(dir, "missing.gguf"), id: "x", threads: 1 }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(openLlamaCppEngine({ modelPath: chatmlPath, id: "x", threads: 0 })).rejects.toMatchObject({
      code: "config_invalid",
    });
    const junk = path.join(dir, "junk.gguf");
    (await import("node:fs")).writeFileSync(junk, "not a model");
    await expect(openLlamaCppEngine({ modelPath: junk, id: "x", threads: 1 })).rejects.toMatchObject({
      code: "invalid_request",
      param: "modelPath",
    });
  });
});
