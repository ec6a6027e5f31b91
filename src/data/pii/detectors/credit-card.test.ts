import { describe, expect, it } from "vitest";
import { run, values } from "../testing.js";
import { cardIssuer, creditCardDetector, luhnValid } from "./credit-card.js";

describe("credit card detector", () => {
  it("checks Luhn and issuer ranges with their lengths", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(cardIssuer("4111111111111111")).toBe("visa");
    expect(cardIssuer("378282246310005")).toBe("amex");
    expect(cardIssuer("3782822463100050")).toBeUndefined(); // Amex is 15 digits
    expect(cardIssuer("6222021234567890128")).toBe("unionpay");
    expect(cardIssuer("2023110512345678")).toBeUndefined();
  });

  it("finds contiguous, spaced and dashed cards in the usual groupings", () => {
    expect(values(creditCardDetector, "卡号4111111111111111，")).toEqual(["4111111111111111"]);
    expect(values(creditCardDetector, "card 4111 1111 1111 1111 exp 12/29")).toEqual(["4111 1111 1111 1111"]);
    expect(values(creditCardDetector, "amex 3782-822463-10005.")).toEqual(["3782-822463-10005"]);
    expect(values(creditCardDetector, "银联６２２２ ０２１２ ３４５６ ７８９０ １２８")).toEqual([
      "６２２２ ０２１２ ３４５６ ７８９０ １２８",
    ]);
  });

  it("finds the card inside a longer run of digit groups", () => {
    expect(values(creditCardDetector, "ref 12 4111 1111 1111 1111 2024")).toEqual(["4111 1111 1111 1111"]);
  });

  it("rejects Luhn failures, mixed separators, unknown issuers and decimals", () => {
    expect(values(creditCardDetector, "4111 1111 1111 1112")).toEqual([]);
    expect(values(creditCardDetector, "4111-1111 1111-1111")).toEqual([]);
    expect(values(creditCardDetector, "1234567890123452")).toEqual([]); // Luhn-valid, no issuer
    expect(run(creditCardDetector, "1234567890123452", 0)[0]!.score).toBeLessThan(0.5);
    expect(values(creditCardDetector, "3.4111111111111111")).toEqual([]);
  });
});
