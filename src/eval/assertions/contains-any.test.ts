// contains-any: at least one value.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("contains-any", () => {
  it("passes on any value, optionally ignoring case", async () => {
    expect((await grade({ type: "contains-any", value: ["cat", "dog"] }, "hotdog")).pass).toBe(true);
    expect((await grade({ type: "contains-any", value: ["CAT"], ignoreCase: true }, "a cat")).pass).toBe(true);
    expect((await grade({ type: "contains-any", value: ["cat"] }, "bird")).pass).toBe(false);
    await expect(grade({ type: "contains-any", value: [] }, "x")).rejects.toThrow(/at least one/);
  });
});
