// regex: flags, failures, invalid patterns.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("regex", () => {
  it("matches with flags and refuses invalid patterns", async () => {
    expect((await grade({ type: "regex", value: "^\\d{3}-\\d{4}$" }, "555-1234")).pass).toBe(true);
    expect((await grade({ type: "regex", value: "^[a-z]+$", flags: "i" }, "ABC")).pass).toBe(true);
    expect((await grade({ type: "regex", value: "\\p{Script=Han}", flags: "u" }, "abc")).pass).toBe(false);
    expect((await grade({ type: "not-regex", value: "[A-Za-z]{4,}" }, "江南好")).pass).toBe(true);
    await expect(grade({ type: "regex", value: "(" }, "x")).rejects.toThrow(/invalid regular expression/);
  });
});
