// banned-terms: whole Latin words, Chinese substrings, ignoring case.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("banned-terms", () => {
  it("matches whole Latin words and Chinese substrings", async () => {
    expect((await grade({ type: "banned-terms", value: ["ass"] }, "a classic class")).pass).toBe(true);
    expect((await grade({ type: "banned-terms", value: ["damn"] }, "Damn it")).pass).toBe(false);
    expect((await grade({ type: "banned-terms", value: ["赌博"] }, "网上赌博平台")).pass).toBe(false);
  });
});
