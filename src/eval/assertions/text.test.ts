// equals, contains, icontains, contains-any, contains-all, starts-with, regex, banned-terms, length:
// real outputs (English and Chinese), passing and failing cases, bad configs, and not- negation.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("text assertions", () => {
  it("equals compares strings exactly and JSON values structurally", async () => {
    expect((await grade({ type: "equals", value: "Paris" }, "Paris")).pass).toBe(true);
    expect((await grade({ type: "equals", value: "Paris" }, "Paris.")).pass).toBe(false);
    expect((await grade({ type: "equals", value: { a: [1, 2] } }, '{"a": [1,2]}')).pass).toBe(true);
    expect((await grade({ type: "equals", value: { a: 1 } }, "a=1")).reason).toMatch(/not JSON/);
  });

  it("contains / icontains / not-contains", async () => {
    expect((await grade({ type: "contains", value: "明月" }, "床前明月光")).pass).toBe(true);
    expect((await grade({ type: "contains", value: "hello" }, "Hello")).pass).toBe(false);
    expect((await grade({ type: "icontains", value: "hello" }, "HeLLo world")).pass).toBe(true);
    const negated = await grade({ type: "not-contains", value: "error" }, "all good");
    expect(negated).toMatchObject({ pass: true, score: 1 });
    expect((await grade({ type: "not-contains", value: "good" }, "all good")).pass).toBe(false);
  });

  it("contains-any and contains-all (score = fraction found)", async () => {
    expect((await grade({ type: "contains-any", value: ["cat", "dog"] }, "hotdog")).pass).toBe(true);
    expect((await grade({ type: "contains-any", value: ["CAT"], ignoreCase: true }, "a cat")).pass).toBe(true);
    expect((await grade({ type: "contains-any", value: ["cat"] }, "bird")).pass).toBe(false);
    const all = await grade({ type: "contains-all", value: ["a", "b", "z", "y"] }, "abc");
    expect(all).toMatchObject({ pass: false, score: 0.5 });
    expect(all.reason).toContain('"z"');
  });

  it("starts-with and regex", async () => {
    expect((await grade({ type: "starts-with", value: "Yes" }, "Yes, indeed")).pass).toBe(true);
    expect((await grade({ type: "starts-with", value: "Yes" }, "  Yes")).pass).toBe(false);
    expect((await grade({ type: "starts-with", value: "Yes", trim: true }, "  Yes")).pass).toBe(true);
    expect((await grade({ type: "regex", value: "^\\d{3}-\\d{4}$" }, "555-1234")).pass).toBe(true);
    expect((await grade({ type: "regex", value: "^[a-z]+$", flags: "i" }, "ABC")).pass).toBe(true);
    expect((await grade({ type: "regex", value: "^\\d+$" }, "12a")).pass).toBe(false);
  });

  it("banned-terms matches whole Latin words and Chinese substrings, ignoring case", async () => {
    expect((await grade({ type: "banned-terms", value: ["ass"] }, "a classic class")).pass).toBe(true);
    expect((await grade({ type: "banned-terms", value: ["damn"] }, "Damn it")).pass).toBe(false);
    expect((await grade({ type: "banned-terms", value: ["赌博"] }, "网上赌博平台")).pass).toBe(false);
  });

  it("length counts code points (or words)", async () => {
    expect((await grade({ type: "length", min: 5, max: 5 }, "床前明月光")).pass).toBe(true);
    expect((await grade({ type: "length", max: 3 }, "four")).pass).toBe(false);
    expect((await grade({ type: "length", min: 3, unit: "words" }, "one two three")).pass).toBe(true);
  });

  it("rejects bad configs when the suite loads, naming the assertion", async () => {
    await expect(grade({ type: "contains" }, "x")).rejects.toThrow(/assertion 'contains'.*value/);
    await expect(grade({ type: "regex", value: "(" }, "x")).rejects.toThrow(/invalid regular expression/);
    await expect(grade({ type: "length" }, "x")).rejects.toThrow(/min, max/);
    await expect(grade({ type: "length", min: 5, max: 1 }, "x")).rejects.toThrow(/min must not exceed max/);
    await expect(grade({ type: "no-such-type" }, "x")).rejects.toThrow(
      /Unknown assertion type 'no-such-type'.*known types/,
    );
  });
});
