import { describe, expect, it } from "vitest";
import { run, values } from "../testing.js";
import { ibanChecksumValid, ibanDetector, isValidIban } from "./iban.js";

describe("IBAN detector", () => {
  it("validates mod-97 and the country's length", () => {
    expect(ibanChecksumValid("GB82WEST12345698765432")).toBe(true);
    expect(isValidIban("DE89 3704 0044 0532 0130 00")).toBe(true);
    expect(isValidIban("DE89 3704 0044 0532 0130 01")).toBe(false);
    expect(isValidIban("DE89370400440532013000X")).toBe(false);
    expect(isValidIban("ZZ89370400440532013000")).toBe(false);
  });

  it("finds compact and grouped IBANs and stops at the registered length", () => {
    expect(values(ibanDetector, "IBAN：GB82WEST12345698765432；")).toEqual(["GB82WEST12345698765432"]);
    expect(values(ibanDetector, "to DE89 3704 0044 0532 0130 00 2024 please")).toEqual(["DE89 3704 0044 0532 0130 00"]);
    expect(values(ibanDetector, "NO9386011117947.")).toEqual(["NO9386011117947"]);
  });

  it("rejects bad check digits and IBANs glued to more characters", () => {
    expect(values(ibanDetector, "GB83WEST12345698765432 GB82WEST123456987654321 XGB82WEST12345698765432")).toEqual([]);
  });

  it("reports UTF-16 offsets after astral characters", () => {
    const [hit] = run(ibanDetector, "𩸽 GB82WEST12345698765432");
    expect(hit!.d.start).toBe(3);
  });
});
