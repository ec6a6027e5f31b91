// length: code points or words, bounds checked at load.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("length", () => {
  it("counts code points (or words) and validates bounds", async () => {
    expect((await grade({ type: "length", min: 5, max: 5 }, "床前明月光")).pass).toBe(true);
    expect((await grade({ type: "length", max: 3 }, "four")).pass).toBe(false);
    expect((await grade({ type: "length", min: 3, unit: "words" }, "one two three")).pass).toBe(true);
    await expect(grade({ type: "length" }, "x")).rejects.toThrow(/min, max/);
    await expect(grade({ type: "length", min: 5, max: 1 }, "x")).rejects.toThrow(/min must not exceed max/);
  });
});
