import { describe, expect, it } from "vitest";
import { LlmopsError } from "../../errors.js";
import { checkDetectOptions, detectPii } from "./detect.js";
import { resolveOverlaps } from "./resolve.js";

const TEXT =
  "联系人：王秀英，电话：138-1234-5678，邮箱 wang.xy@qq.com，IP ::ffff:192.0.2.128，身份证11010519491231002X。";

describe("detectPii", () => {
  it("returns sorted, non-overlapping detections with offsets into the original text", () => {
    const found = detectPii(TEXT);
    expect(found.map((d) => [d.type, TEXT.slice(d.start, d.end)])).toEqual([
      ["PERSON", "王秀英"],
      ["PHONE", "138-1234-5678"],
      ["EMAIL", "wang.xy@qq.com"],
      ["IPV6", "::ffff:192.0.2.128"],
      ["CN_ID", "11010519491231002X"],
    ]);
    for (const d of found) {
      expect(d.score).toBeGreaterThan(0);
      expect(d.score).toBeLessThanOrEqual(1);
      expect(d.detector).toMatch(/^[a-z0-9-]+(\/[a-z0-9-]+)?$/);
    }
  });

  it("filters by type and by minimum score", () => {
    expect(detectPii(TEXT, { types: ["EMAIL", "CN_ID"] }).map((d) => d.type)).toEqual(["EMAIL", "CN_ID"]);
    expect(detectPii("订单号13812345678").length).toBe(0);
    expect(detectPii("订单号13812345678", { minScore: 0 }).map((d) => d.type)).toEqual(["PHONE"]);
    expect(detectPii(TEXT, { minScore: 0.9 }).map((d) => d.type)).not.toContain("PERSON");
  });

  it("handles empty, huge and PII-free input", () => {
    expect(detectPii("")).toEqual([]);
    expect(detectPii("没有任何个人信息。Nothing personal here.")).toEqual([]);
    const big = `${"普通文本 plain text 12 ".repeat(50_000)}a@b.co`;
    const found = detectPii(big);
    expect(found.map((d) => d.type)).toEqual(["EMAIL"]);
    expect(big.slice(found[0]!.start)).toBe("a@b.co");
  });

  it("rejects invalid options with a clear error", () => {
    expect(() => checkDetectOptions({ minScore: 2 })).toThrow(LlmopsError);
    expect(() => checkDetectOptions({ types: ["NAME" as never] })).toThrow(/unknown PII type 'NAME'/);
  });
});

describe("resolveOverlaps", () => {
  const d = (start: number, end: number, score: number, type = "PHONE" as const) => ({
    start,
    end,
    score,
    type,
    detector: "t",
  });

  it("keeps the higher score, then the longer span, and drops what overlaps", () => {
    expect(resolveOverlaps([d(0, 10, 0.5), d(5, 8, 0.9), d(8, 12, 0.6)])).toEqual([d(5, 8, 0.9), d(8, 12, 0.6)]);
    expect(resolveOverlaps([d(0, 4, 0.9), d(0, 8, 0.9)])).toEqual([d(0, 8, 0.9)]);
    expect(resolveOverlaps([d(3, 5, 0.7), d(0, 2, 0.7)])).toEqual([d(0, 2, 0.7), d(3, 5, 0.7)]);
  });
});
