import { describe, expect, it } from "vitest";
import { contextFor, grade } from "./testing.js";

describe("perplexity", () => {
  it("perplexity = exp(-mean logprob)", async () => {
    const ctx = contextFor("out");
    ctx.response.logprobs = [Math.log(0.5), Math.log(0.5)];
    expect((await grade({ type: "perplexity", threshold: 2.01 }, "out", { response: ctx.response })).pass).toBe(true);
    expect((await grade({ type: "perplexity", threshold: 1.5 }, "out", { response: ctx.response })).pass).toBe(false);
  });
});
