import { describe, expect, it } from "vitest";
import { run, values } from "../testing.js";
import { cnIdCheckChar, cnIdDetector, isValidCnId, validBirthDate } from "./cn-id.js";

describe("Chinese resident ID detector", () => {
  it("computes the GB 11643 check character, including X", () => {
    expect(cnIdCheckChar("11010519491231002")).toBe("X");
    expect(isValidCnId("11010519491231002X")).toBe(true);
    expect(isValidCnId("11010519491231002x")).toBe(true);
    expect(isValidCnId("110105194912310021")).toBe(false);
  });

  it("requires a real, past birth date and a province code", () => {
    expect(validBirthDate("20000229")).toBe(true);
    expect(validBirthDate("19000229")).toBe(false);
    expect(validBirthDate("19490230")).toBe(false);
    expect(validBirthDate("20990101")).toBe(false);
    const body = "99010519491231002";
    expect(isValidCnId(body + cnIdCheckChar(body))).toBe(false);
  });

  it("finds IDs touching Chinese text and punctuation, full-width, and in 6-8-4 groups", () => {
    expect(values(cnIdDetector, "身份证号码11010519491231002X，已核验")).toEqual(["11010519491231002X"]);
    expect(values(cnIdDetector, "证件：１１０１０５１９４９１２３１００２Ｘ")).toEqual([
      "１１０１０５１９４９１２３１００２Ｘ",
    ]);
    expect(values(cnIdDetector, "ID 110105 19491231 002X ok")).toEqual(["110105 19491231 002X"]);
  });

  it("rejects checksum failures, impossible dates and longer digit runs", () => {
    expect(
      values(cnIdDetector, "110105194912310021 110105194902300023 1101051949123100212 202311051234567890"),
    ).toEqual([]);
  });

  it("reports 15-digit legacy numbers only with a date and, confidently, with context", () => {
    const [bare] = run(cnIdDetector, "编码 110105491231002", 0);
    expect(bare!.score).toBeLessThan(0.9);
    const [withContext] = run(cnIdDetector, "旧身份证 110105491231002");
    expect(withContext!.score).toBeGreaterThanOrEqual(0.9);
    expect(values(cnIdDetector, "110105491331002", 0)).toEqual([]);
  });

  it("counts offsets in UTF-16 after emoji", () => {
    const [hit] = run(cnIdDetector, "🎉🎉11010519491231002X");
    expect(hit!.d.start).toBe(4);
  });
});
