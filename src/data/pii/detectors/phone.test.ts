import { describe, expect, it } from "vitest";
import { run, values } from "../testing.js";
import { phoneDetector } from "./phone.js";

describe("phone detector", () => {
  it("finds Chinese mobiles with +86/0086 and separators, touching Chinese punctuation", () => {
    expect(values(phoneDetector, "电话：13812345678。")).toEqual(["13812345678"]);
    expect(values(phoneDetector, "（+86 139 8765 4321）")).toEqual(["+86 139 8765 4321"]);
    expect(values(phoneDetector, "0086-138-1234-5678；")).toEqual(["0086-138-1234-5678"]);
    expect(values(phoneDetector, "手机１３９－８７６５－４３２１")).toEqual(["１３９－８７６５－４３２１"]);
  });

  it("finds Chinese landlines with real area codes only", () => {
    expect(values(phoneDetector, "座机010-65529988转8，(0755)86013388，+86 21 64381234")).toEqual([
      "010-65529988",
      "(0755)86013388",
      "+86 21 64381234",
    ]);
    // 017 is not an area code; local numbers never start with 0 or 1.
    expect(values(phoneDetector, "017-25703885 010-10127500")).toEqual([]);
  });

  it("validates international numbers with libphonenumber and NANP by structure", () => {
    expect(values(phoneDetector, "London +44 20 7946 0958, Berlin +49 30 901820")).toEqual([
      "+44 20 7946 0958",
      "+49 30 901820",
    ]);
    expect(values(phoneDetector, "call (415) 555-0132 or 1-519-948-4635 or 840.627.2058")).toEqual([
      "(415) 555-0132",
      "1-519-948-4635",
      "840.627.2058",
    ]);
    expect(values(phoneDetector, "+44 12 3")).toEqual([]);
  });

  it("trims a trailing group that makes the number invalid", () => {
    expect(values(phoneDetector, "tel +44 20 7946 0958 2024")).toEqual(["+44 20 7946 0958"]);
  });

  it("lowers the score after order/tracking words and rejects digit runs", () => {
    const [order] = run(phoneDetector, "订单号13812345678", 0);
    expect(order!.score).toBeLessThan(0.5);
    const [tel] = run(phoneDetector, "联系电话 13812345678");
    expect(tel!.score).toBeGreaterThan(0.9);
    expect(values(phoneDetector, "1381234567890 2023-11-05 12:30:45 555-12345 v138.1234.5678")).toEqual([]);
  });

  it("reports offsets after surrogate pairs", () => {
    const text = "👍🏽 13912345678";
    const [hit] = run(phoneDetector, text);
    expect(hit!.d.start).toBe(5);
  });
});
