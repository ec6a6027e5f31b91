// The registry: unknown types are refused with the list of known ones; not- negates any type.
import { describe, expect, it } from "vitest";
import { assertionTypes } from "./index.js";
import { grade } from "./testing.js";

describe("assertion registry", () => {
  it("refuses unknown types and lists every type", async () => {
    await expect(grade({ type: "no-such-type" }, "x")).rejects.toThrow(
      /Unknown assertion type 'no-such-type'.*known types/,
    );
    expect(assertionTypes().map((t) => t.type)).toContain("model-graded");
    expect(assertionTypes()).toHaveLength(19);
  });

  it("negation inverts pass and score", async () => {
    expect(await grade({ type: "not-contains-all", value: ["a", "z"] }, "abc")).toMatchObject({
      pass: true,
      score: 0.5,
    });
  });
});
