import { describe, expect, it } from "vitest";
import { assertAlias, parseModelRef } from "./refs.js";

describe("parseModelRef", () => {
  it("parses names, versions and aliases", () => {
    expect(parseModelRef("tiny")).toEqual({ name: "tiny", kind: "bare" });
    expect(parseModelRef("tiny@3")).toEqual({ name: "tiny", kind: "version", version: 3 });
    expect(parseModelRef("tiny@v12")).toEqual({ name: "tiny", kind: "version", version: 12 });
    expect(parseModelRef("org/llama-3.1@production")).toEqual({
      name: "org/llama-3.1",
      kind: "alias",
      alias: "production",
    });
    expect(parseModelRef("tiny@latest")).toEqual({ name: "tiny", kind: "alias", alias: "latest" });
  });

  it("rejects malformed references with a reason", () => {
    expect(() => parseModelRef("")).toThrow(/Invalid model name/);
    expect(() => parseModelRef("tiny@0")).toThrow(/positive integers/);
    expect(() => parseModelRef("tiny@Prod!")).toThrow(/Invalid alias/);
    expect(() => parseModelRef("../etc@1")).toThrow(/Invalid model name/);
    expect(() => parseModelRef("@1")).toThrow(/Invalid model name/);
  });

  it("keeps computed aliases unassignable", () => {
    expect(() => assertAlias("latest", { assignable: true })).toThrow(/computed/);
    expect(assertAlias("staging", { assignable: true })).toBe("staging");
  });
});
