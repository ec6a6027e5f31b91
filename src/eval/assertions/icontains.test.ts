// icontains: case-insensitive substring.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("icontains", () => {
  it("ignores case", async () => {
    expect((await grade({ type: "icontains", value: "hello" }, "HeLLo world")).pass).toBe(true);
    expect((await grade({ type: "icontains", value: "ÉCOLE" }, "une école")).pass).toBe(true);
    expect((await grade({ type: "icontains", value: "bye" }, "hello")).pass).toBe(false);
  });
});
