// IBAN (ISO 13616): two-letter country code, two check digits, then a country-specific number of
// alphanumerics — written compact or in groups of four. The country's registered length decides where
// the IBAN ends (so a word or number after it is never swallowed) and the ISO 7064 MOD 97-10 check
// must give 1. Lower-case IBANs are not matched (they are almost never written that way, and allowing
// them makes ordinary words candidates).
import { execAll, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

/** Registered IBAN lengths (SWIFT IBAN registry), including the countries with partial/experimental IBANs. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AO: 25,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BF: 28,
  BG: 22,
  BH: 22,
  BI: 27,
  BJ: 28,
  BR: 29,
  BY: 28,
  CF: 27,
  CG: 27,
  CH: 21,
  CI: 28,
  CM: 27,
  CR: 22,
  CV: 25,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  DZ: 26,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GA: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GQ: 27,
  GR: 27,
  GT: 28,
  GW: 25,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IR: 26,
  IS: 26,
  IT: 27,
  JO: 30,
  KM: 27,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MA: 28,
  MC: 27,
  MD: 24,
  ME: 22,
  MG: 27,
  MK: 19,
  ML: 28,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  MZ: 25,
  NE: 28,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SN: 28,
  SO: 23,
  ST: 25,
  SV: 28,
  TD: 27,
  TG: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

const START = /(?<![0-9A-Za-z])([A-Z]{2})(\d{2})(?=[ ]?[0-9A-Z])/g;

/** ISO 7064 MOD 97-10 over an IBAN without spaces (country and check digits moved to the end). */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    // Letters count as two digits (A = 10 … Z = 35); fold them in one at a time to stay within doubles.
    if (code >= 65 && code <= 90) remainder = (remainder * 100 + (code - 55)) % 97;
    else remainder = (remainder * 10 + (code - 48)) % 97;
  }
  return remainder === 1;
}

export function isValidIban(value: string): boolean {
  const iban = value.replace(/ /g, "");
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  return (
    length !== undefined && iban.length === length && /^[A-Z]{2}\d{2}[0-9A-Z]+$/.test(iban) && ibanChecksumValid(iban)
  );
}

/**
 * Reads exactly `length` alphanumerics from `from`, allowing one space between groups of four
 * (consistently: all groups spaced or none). Returns the end index, or -1.
 */
function readIban(norm: string, from: number, length: number): number {
  let i = from;
  let count = 4; // country + check digits already read
  const spaced = norm[i] === " ";
  while (count < length) {
    if (count % 4 === 0 && spaced) {
      if (norm[i] !== " ") return -1;
      i++;
    }
    const code = norm.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 65 && code <= 90))) return -1;
    i++;
    count++;
  }
  const next = norm.charCodeAt(i);
  // The IBAN must end here: no further letter or digit glued to it.
  if ((next >= 48 && next <= 57) || (next >= 65 && next <= 90) || (next >= 97 && next <= 122)) return -1;
  return i;
}

export const ibanDetector: Detector = {
  name: "iban",
  types: ["IBAN"],
  detect(input: ScanInput): Detection[] {
    const out: Detection[] = [];
    // The check digits are two digits in a row.
    if (textStats(input).longestDigitRun < 2) return out;
    const { norm } = input;
    for (const m of execAll(START, norm)) {
      const length = IBAN_LENGTHS[m[1]!];
      if (length === undefined) continue;
      const end = readIban(norm, m.index + 4, length);
      if (end < 0) continue;
      const value = norm.slice(m.index, end).replace(/ /g, "");
      if (!ibanChecksumValid(value)) continue;
      out.push({ start: m.index, end, type: "IBAN", score: 0.99, detector: "iban" });
    }
    return out;
  },
};
