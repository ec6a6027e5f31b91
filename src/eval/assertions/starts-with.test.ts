// starts-with, with and without trimming.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("starts-with", () => {
  it("checks the start, counting leading whitespace unless trim is set", async () => {
    expect((await grade({ type: "starts-with", value: "Yes" }, "Yes, indeed")).pass).toBe(true);
    expect((await grade({ type: "starts-with", value: "Yes" }, "  Yes")).pass).toBe(false);
    expect((await grade({ type: "starts-with", value: "Yes", trim: true }, "  Yes")).pass).toBe(true);
  });
});
