import { describe, expect, it } from "vitest";
import { parseVerdict } from "./model-graded.js";
import { grade, scriptedProvider } from "./testing.js";

describe("model-graded", () => {
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
