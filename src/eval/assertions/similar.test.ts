import { describe, expect, it } from "vitest";
import { cosine } from "./similar.js";
import { grade } from "./testing.js";

describe("similar", () => {
  it("similar: cosine of the provider's embeddings against a threshold", async () => {
    expect(cosine([1, 0], [1, 0])).toBeCloseTo(1);
    expect(cosine([1, 0], [0, 1])).toBeCloseTo(0);
    expect((await grade({ type: "similar", value: "listen", threshold: 0.95 }, "silent")).pass).toBe(true);
    const far = await grade({ type: "similar", value: "zzz", threshold: 0.5 }, "abc");
    expect(far.pass).toBe(false);
    expect(far.reason).toMatch(/similarity 0\.000 < 0\.5/);
  });
});
