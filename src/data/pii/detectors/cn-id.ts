// CN_ID: Chinese resident identity numbers (居民身份证号码).
//  - 18 digits (GB 11643-1999): 6-digit region code (first two a real province-level code), birth
//    date YYYYMMDD that exists and is not in the future, 3-digit sequence, and an ISO 7064 MOD 11-2
//    check character (0–9 or X). Both checks must pass, so random 18-digit numbers (order numbers,
//    snowflake ids) are rejected with probability ≥ 10/11 · (valid-date share) — i.e. almost always.
//  - 15 digits (the pre-1999 format): region code + YYMMDD (19YY) + 3 digits, no check digit, so it
//    is only reported with a lower score unless a word like 身份证 is nearby.
// Spaces or dashes in the 6-8-4 grouping ("110105 19491231 002X") are accepted when used consistently.
import { before, clamp01, execAll, NOT_PII_CONTEXT, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

const ID18 =
  /(?<![0-9A-Za-z])([1-9]\d{5})([ -]?)((?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\2(\d{3}[0-9Xx])(?![0-9A-Za-z])/g;
const ID15 = /(?<![0-9A-Za-z])([1-9]\d{5})(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(\d{3})(?![0-9A-Za-z])/g;

const ID_CONTEXT = /(身份证|证件|身份号|公民号|id ?card|id ?no|identity|resident id)[^\n]{0,10}$/;

/** Province-level codes (GB/T 2260 first two digits), plus 71 Taiwan, 81/82 HK/Macau, 83 and 91 used on residence permits. */
const PROVINCES = new Set([
  "11",
  "12",
  "13",
  "14",
  "15",
  "21",
  "22",
  "23",
  "31",
  "32",
  "33",
  "34",
  "35",
  "36",
  "37",
  "41",
  "42",
  "43",
  "44",
  "45",
  "46",
  "50",
  "51",
  "52",
  "53",
  "54",
  "61",
  "62",
  "63",
  "64",
  "65",
  "71",
  "81",
  "82",
  "83",
  "91",
]);

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = "10X98765432";

/** The GB 11643 check character for the first 17 digits. */
export function cnIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** True for a real calendar date between 1900-01-01 (1800 for legacy records) and today. */
export function validBirthDate(yyyymmdd: string, now = new Date()): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  return year >= 1800 && date.getTime() <= now.getTime();
}

/** Full validation of an 18-character ID (digits, X or x last); separators must already be removed. */
export function isValidCnId(id: string, now = new Date()): boolean {
  if (!/^[1-9]\d{16}[0-9Xx]$/.test(id)) return false;
  if (!PROVINCES.has(id.slice(0, 2))) return false;
  if (!validBirthDate(id.slice(6, 14), now)) return false;
  return cnIdCheckChar(id.slice(0, 17)) === id[17]!.toUpperCase();
}

export const cnIdDetector: Detector = {
  name: "cn-id",
  types: ["CN_ID"],
  detect(input: ScanInput): Detection[] {
    // Both forms have at least 15 digits (18 with an X check digit counts 17); the 18-digit form has
    // its 8-digit birth date in one run even when grouped, the 15-digit form is one run.
    const stats = textStats(input);
    if (stats.digits < 15 || stats.longestDigitRun < 8) return [];
    const { norm } = input;
    const out: Detection[] = [];
    for (const m of execAll(ID18, norm)) {
      const id = `${m[1]}${m[3]}${m[4]}`;
      if (!isValidCnId(id)) continue;
      out.push({ start: m.index, end: m.index + m[0].length, type: "CN_ID", score: 0.99, detector: "cn-id/18" });
    }
    if (stats.longestDigitRun < 15) return out;
    for (const m of execAll(ID15, norm)) {
      if (!PROVINCES.has(m[1]!.slice(0, 2)) || !validBirthDate(`19${m[2]}`)) continue;
      const left = before(norm, m.index, 20);
      const score = ID_CONTEXT.test(left) ? 0.9 : NOT_PII_CONTEXT.test(left) ? 0.2 : 0.55;
      out.push({ start: m.index, end: m.index + 15, type: "CN_ID", score: clamp01(score), detector: "cn-id/15" });
    }
    return out;
  },
};
