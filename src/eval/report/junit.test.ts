import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { xmlEscape } from "./junit.js";

describe("JUnit escaping", () => {
  it("escapes markup and replaces characters XML 1.0 forbids", () => {
    const nasty = `a<b>&"c'\u0000\u0007\u001b\uFFFE\uD800 ok\t\n床`;
    const escaped = xmlEscape(nasty);
    expect(escaped).toBe("a&lt;b&gt;&amp;&quot;c&apos;\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD ok\t\n床");
    expect(XMLValidator.validate(`<x a="${escaped}">${escaped}</x>`)).toBe(true);
  });
});
