// equals: exact strings, structural JSON, non-JSON output.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("equals", () => {
  it("compares strings exactly and JSON values structurally", async () => {
    expect((await grade({ type: "equals", value: "Paris" }, "Paris")).pass).toBe(true);
    expect((await grade({ type: "equals", value: "Paris" }, "Paris.")).pass).toBe(false);
    expect((await grade({ type: "equals", value: { a: [1, 2] } }, '{"a": [1,2]}')).pass).toBe(true);
    expect((await grade({ type: "equals", value: { a: 1 } }, "a=1")).reason).toMatch(/not JSON/);
    await expect(grade({ type: "equals" }, "x")).rejects.toThrow(/needs a value/);
  });
});
