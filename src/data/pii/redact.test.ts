import { describe, expect, it } from "vitest";
import { detectPii } from "./detect.js";
import { canonicalValue, pseudonymFor, redactPii, redactText } from "./redact.js";

const KEY = "0123456789abcdef-test-key";
const TEXT = "联系人：王秀英，电话：138-1234-5678，卡号 4111 1111 1111 1111，邮箱 wang.xy@qq.com。";

describe("redactText", () => {
  const found = detectPii(TEXT);

  it("masks with type labels by default", () => {
    expect(redactText(TEXT, found, "mask").text).toBe(
      "联系人：[PERSON]，电话：[PHONE]，卡号 [CREDIT_CARD]，邮箱 [EMAIL]。",
    );
  });

  it("masks keeping the shape, or partially", () => {
    expect(redactText(TEXT, found, "mask", { maskStyle: "shape" }).text).toBe(
      "联系人：***，电话：***-****-****，卡号 **** **** **** ****，邮箱 ****.**@**.***。",
    );
    expect(redactText(TEXT, found, "mask", { maskStyle: "partial", maskChar: "#" }).text).toBe(
      "联系人：###，电话：138-####-5678，卡号 #### #### #### 1111，邮箱 w######@qq.com。",
    );
  });

  it("pseudonymises consistently for one key and differently for another", () => {
    const a = redactText(TEXT, found, "pseudonym", { key: KEY }).text;
    expect(a).toMatch(/^联系人：<PERSON_[0-9a-f]{8}>，电话：<PHONE_[0-9a-f]{8}>，/);
    expect(redactText(TEXT, found, "pseudonym", { key: KEY }).text).toBe(a);
    expect(redactText(TEXT, found, "pseudonym", { key: `${KEY}-other` }).text).not.toBe(a);
    expect(redactText(TEXT, found, "pseudonym", { key: KEY, pseudonymLength: 6 }).text).toMatch(/<PERSON_[0-9a-f]{6}>/);
  });

  it("gives one token to one value however it is written", () => {
    expect(pseudonymFor("PHONE", "+86 138 1234 5678", KEY)).toBe(pseudonymFor("PHONE", "13812345678", KEY));
    expect(pseudonymFor("PHONE", "１３８－１２３４－５６７８", KEY)).toBe(pseudonymFor("PHONE", "138-1234-5678", KEY));
    expect(pseudonymFor("EMAIL", "Foo@Example.com", KEY)).toBe(pseudonymFor("EMAIL", "foo@example.com", KEY));
    expect(pseudonymFor("EMAIL", "foo@example.com", KEY)).not.toBe(pseudonymFor("PERSON", "foo@example.com", KEY));
    expect(canonicalValue("CN_ID", "110105 19491231 002x")).toBe("11010519491231002X");
  });

  it("flags rows to drop without changing them", () => {
    expect(redactText(TEXT, found, "drop")).toEqual({ text: TEXT, drop: true, replaced: 0 });
    expect(redactText("nothing", [], "drop")).toEqual({ text: "nothing", drop: false, replaced: 0 });
  });

  it("refuses missing or short keys, unknown modes and overlapping spans", () => {
    expect(() => redactText(TEXT, found, "pseudonym")).toThrow(/needs a key/);
    expect(() => redactText(TEXT, found, "pseudonym", { key: "short" })).toThrow(/at least 16 bytes/);
    expect(() => redactText(TEXT, found, "erase" as never)).toThrow(/unknown redaction mode/);
    const d = found[0]!;
    expect(() => redactText(TEXT, [d, { ...d, start: d.start + 1 }], "mask")).toThrow(/overlap/);
  });

  it("detects and redacts in one call", () => {
    const r = redactPii("mail a@b.co or call 13812345678", "mask", { types: ["EMAIL"] });
    expect(r.text).toBe("mail [EMAIL] or call 13812345678");
    expect(r.detections.map((d) => d.type)).toEqual(["EMAIL"]);
  });

  it("keeps surrogate pairs around replaced spans intact", () => {
    const text = "😀 a@b.co 😀";
    expect(redactText(text, detectPii(text), "mask").text).toBe("😀 [EMAIL] 😀");
  });
});
