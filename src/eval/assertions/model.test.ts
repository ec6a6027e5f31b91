// Assertions that use the model: similar (embeddings), logprob / perplexity, latency, token-count,
// not-contains-pii (data module detectors) and model-graded (judge verdict parsing).
import { describe, expect, it } from "vitest";
import { parseVerdict } from "./model-graded.js";
import { cosine } from "./similar.js";
import { contextFor, grade, scriptedProvider } from "./testing.js";

describe("model-backed assertions", () => {
  it("similar: cosine of the provider's embeddings against a threshold", async () => {
    expect(cosine([1, 0], [1, 0])).toBeCloseTo(1);
    expect(cosine([1, 0], [0, 1])).toBeCloseTo(0);
    expect((await grade({ type: "similar", value: "listen", threshold: 0.95 }, "silent")).pass).toBe(true);
    const far = await grade({ type: "similar", value: "zzz", threshold: 0.5 }, "abc");
    expect(far.pass).toBe(false);
    expect(far.reason).toMatch(/similarity 0\.000 < 0\.5/);
  });

  it("logprob of a value as continuation, and of the output's tokens", async () => {
    // scriptedProvider scores −1 per character.
    expect((await grade({ type: "logprob", value: "abc", threshold: -3 }, "x")).pass).toBe(true);
    expect((await grade({ type: "logprob", value: "abcd", threshold: -3 }, "x")).pass).toBe(false);
    expect((await grade({ type: "logprob", value: "abcd", threshold: -1, perToken: true }, "x")).pass).toBe(true);
    const ctx = contextFor("out");
    ctx.response.logprobs = [-0.5, -1.5];
    expect((await grade({ type: "logprob", threshold: -1.2 }, "out", { response: ctx.response })).pass).toBe(true);
    expect((await grade({ type: "logprob", threshold: -1 }, "out")).reason).toMatch(/no logprobs/);
  });

  it("perplexity = exp(-mean logprob)", async () => {
    const ctx = contextFor("out");
    ctx.response.logprobs = [Math.log(0.5), Math.log(0.5)];
    expect((await grade({ type: "perplexity", threshold: 2.01 }, "out", { response: ctx.response })).pass).toBe(true);
    expect((await grade({ type: "perplexity", threshold: 1.5 }, "out", { response: ctx.response })).pass).toBe(false);
  });

  it("latency and token-count read the response", async () => {
    expect((await grade({ type: "latency", threshold: 200 }, "x")).pass).toBe(true);
    expect((await grade({ type: "latency", threshold: 100 }, "x")).pass).toBe(false);
    expect((await grade({ type: "token-count", max: 5 }, "x")).pass).toBe(true);
    expect((await grade({ type: "token-count", min: 16, count: "total" }, "x")).pass).toBe(false);
  });

  it("not-contains-pii finds checksummed IDs and e-mails, names types never values", async () => {
    expect((await grade({ type: "not-contains-pii" }, "The weather is nice today.")).pass).toBe(true);
    const leak = await grade({ type: "not-contains-pii" }, "联系 zhang.wei@example.com，身份证 11010519491231002X");
    expect(leak.pass).toBe(false);
    expect(leak.reason).toMatch(/EMAIL/);
    expect(leak.reason).toMatch(/CN_ID/);
    expect(leak.reason).not.toContain("example.com");
    expect((await grade({ type: "not-contains-pii", types: ["PHONE"] }, "mail a@b.com")).pass).toBe(true);
  });

  it("parses judge verdicts leniently", () => {
    expect(parseVerdict('{"pass": true, "score": 0.9, "reason": "ok"}')).toEqual({
      pass: true,
      score: 0.9,
      reason: "ok",
    });
    expect(parseVerdict('Sure!\n```json\n{"reason": "too long", "pass": "false", "score": 3}\n```')).toEqual({
      pass: false,
      score: 0.3,
      reason: "too long",
    });
    expect(parseVerdict("Verdict: PASS. Score: 8/10")).toEqual({ pass: true, score: 0.8 });
    expect(parseVerdict("I cannot decide")).toBeNull();
    expect(parseVerdict('{"unrelated": 1} then {"score": 85}')).toEqual({ score: 0.85 });
  });

  it("model-graded asks the judge and applies the threshold", async () => {
    const judge = scriptedProvider(['{"reason":"polite","pass":true,"score":0.9}']);
    const ok = await grade({ type: "model-graded", value: "is polite" }, "Thank you!", {
      provider: judge,
      judge: "x@1",
    });
    expect(ok).toMatchObject({ pass: true, score: 0.9 });
    const low = scriptedProvider(['{"pass":true,"score":0.4}']);
    expect(
      (await grade({ type: "model-graded", value: "r", threshold: 0.5 }, "o", { provider: low, judge: "x@1" })).pass,
    ).toBe(false);
    const silent = scriptedProvider(["no idea"]);
    expect((await grade({ type: "model-graded", value: "r" }, "o", { provider: silent, judge: "x@1" })).reason).toMatch(
      /no verdict/,
    );
    // No judge configured: a failing result that says what to configure, not a crash.
    expect((await grade({ type: "model-graded", value: "r" }, "o")).reason).toMatch(/needs a judge/);
  });
});
