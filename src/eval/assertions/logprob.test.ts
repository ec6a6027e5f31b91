import { describe, expect, it } from "vitest";
import { contextFor, grade } from "./testing.js";

describe("logprob", () => {
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
});
