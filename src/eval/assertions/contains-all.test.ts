// contains-all: every value; the score is the fraction found.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("contains-all", () => {
  it("scores the fraction found and names what is missing", async () => {
    const all = await grade({ type: "contains-all", value: ["a", "b", "z", "y"] }, "abc");
    expect(all).toMatchObject({ pass: false, score: 0.5 });
    expect(all.reason).toContain('"z"');
    expect((await grade({ type: "contains-all", value: ["春", "月"] }, "春江花月夜")).pass).toBe(true);
  });
});
