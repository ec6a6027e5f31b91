import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256 } from "./sha256.js";

describe("sha256", () => {
  it("matches createHash for ASCII and multi-byte text, in hex and base64", () => {
    for (const text of ["", "llm_01J_secret", "日本語 ✓ émoji 🙂"]) {
      expect(sha256(text)).toBe(createHash("sha256").update(text).digest("hex"));
      expect(sha256(text, "base64")).toBe(createHash("sha256").update(text).digest("base64"));
    }
  });
});
