// contains and its not- negation.
import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("contains", () => {
  it("is case-sensitive and negates with not-", async () => {
    expect((await grade({ type: "contains", value: "明月" }, "床前明月光")).pass).toBe(true);
    expect((await grade({ type: "contains", value: "hello" }, "Hello")).pass).toBe(false);
    expect(await grade({ type: "not-contains", value: "error" }, "all good")).toMatchObject({ pass: true, score: 1 });
    expect((await grade({ type: "not-contains", value: "good" }, "all good")).pass).toBe(false);
    await expect(grade({ type: "contains" }, "x")).rejects.toThrow(/assertion 'contains'.*value/);
  });
});
