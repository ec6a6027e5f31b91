// PHONE: three rules, each strict about structure because bare digit runs are everywhere.
//  - Chinese mobile: 1[3-9]x + 8 digits (assigned prefixes only), optional +86/0086/(86), spaces or
//    dashes between the 3-4-4 groups.
//  - Chinese landline: a real area code (010, 02x, 03xx–09xx) in parentheses or followed by a space
//    or dash, then a 7–8 digit local number that starts with 2–9; compact 0xxx-less forms score lower.
//  - International: anything written with +CC or 00CC, validated by libphonenumber-js ("max" metadata,
//    i.e. per-country number plans); +1 numbers by NANP structure (area code and exchange 2–9), +86
//    by the Chinese rules. North-American national formats ((415) 555-0132, 415-555-0132,
//    1-415-555-0132) are recognised by NANP structure with separators required.
// National numbers of other countries without +CC (UK "020 7946 0958") are NOT detected: without a
// country they are indistinguishable from other digit groups.
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { before, clamp01, execAll, isAlnum, NOT_PII_CONTEXT, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

const PHONE_CONTEXT =
  /(电话|手机|联系|致电|拨打|来电|热线|座机|固话|传真|号码|微信|tel|phone|mobile|cell|call|fax|whatsapp|contact|reach)[^\n]{0,12}$/;

const CN_MOBILE =
  /(?<![0-9A-Za-z+\-./_])(?:(?:\+|00)86[ -]?|\(\+?86\)[ -]?|86-)?(1(?:3\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\d|9[0-35-9]))([ -]?)(\d{4})\2(\d{4})(?![0-9A-Za-z])/g;

// Area code in parentheses or followed by a separator, or (compact) glued to the local number.
const CN_LANDLINE =
  /(?<![0-9A-Za-z+\-./_])(?:\((0\d{2,3})\)[ -]?|(0\d{2,3})[ -]|(0\d{9,11}))([2-9]\d{6,7})?(?![0-9A-Za-z])/g;

// +86 with a landline: area code without its trunk 0, local number of 7–8 digits.
const CN_LANDLINE_INTL =
  /(?<![0-9A-Za-z+\-./_])(?:\+|00)86[ -]?(?:\(0?(\d{2,3})\)|0?(\d{2,3}))[ -]?([2-9]\d{6,7})(?![0-9A-Za-z])/g;

const INTERNATIONAL = /(?<![0-9A-Za-z+\-./_])(?:\+|00)[1-9][0-9 ().-]{5,22}[0-9](?![0-9A-Za-z])/g;

const NANP =
  /(?<![0-9A-Za-z+\-./_])(?:1[ .-])?(?:\([2-9]\d\d\) ?|[2-9]\d\d([ .-]))[2-9]\d\d([ .-])\d{4}(?![0-9A-Za-z]|[.-]\d)/g;

function validCnAreaCode(code: string): boolean {
  // 010 Beijing, 02x large cities, otherwise 4-digit codes 03xx–09xx.
  return code === "010" || /^02\d$/.test(code) || /^0[3-9]\d\d$/.test(code);
}

function score(norm: string, start: number, base: number): number {
  const left = before(norm, start, 24);
  if (PHONE_CONTEXT.test(left)) return clamp01(base + 0.08);
  if (NOT_PII_CONTEXT.test(left)) return base * 0.45;
  return base;
}

function cnMobile(norm: string, out: Detection[]): void {
  for (const m of execAll(CN_MOBILE, norm)) {
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      type: "PHONE",
      score: score(norm, m.index, 0.9),
      detector: "phone/cn-mobile",
    });
  }
}

function cnLandline(norm: string, out: Detection[]): void {
  for (const m of execAll(CN_LANDLINE, norm)) {
    const compact = m[3];
    let base: number;
    if (compact !== undefined) {
      if (m[4] !== undefined) continue;
      // 0 + area + local glued together: 3-digit area for 010/02x, else 4 digits.
      const areaLength = /^0(?:10|2\d)/.test(compact) ? 3 : 4;
      const local = compact.slice(areaLength);
      if (!validCnAreaCode(compact.slice(0, areaLength)) || !/^[2-9]\d{6,7}$/.test(local)) continue;
      base = 0.6;
    } else {
      const area = m[1] ?? m[2] ?? "";
      if (m[4] === undefined || !validCnAreaCode(area)) continue;
      base = 0.85;
    }
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      type: "PHONE",
      score: score(norm, m.index, base),
      detector: "phone/cn-landline",
    });
  }
  if (!norm.includes("86")) return;
  for (const m of execAll(CN_LANDLINE_INTL, norm)) {
    if (!validCnAreaCode(`0${m[1] ?? m[2]}`)) continue;
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      type: "PHONE",
      score: score(norm, m.index, 0.85),
      detector: "phone/cn-landline",
    });
  }
}

const NANP_DIGITS = /^1[2-9]\d\d[2-9]\d{6}$/;

/**
 * Scores a number written with +CC/00CC. +1 (NANP) is checked by structure — libphonenumber spends
 * most of its time choosing among the 25 countries that share +1 — and +86 is left to the Chinese
 * rules above; every other country goes through libphonenumber.
 */
function internationalScore(candidate: string): number {
  const digits = candidate.replace(/\D/g, "").replace(/^00/, "");
  if (digits.startsWith("86")) return -1;
  if (digits.startsWith("1")) return NANP_DIGITS.test(digits) ? 0.85 : 0;
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  // Valid in the country's numbering plan: 0.9. Merely a possible length for the country (an
  // unassigned area code, say): still almost surely meant as a phone number when written with "+",
  // but scored lower.
  return parsed?.isValid() ? 0.9 : parsed?.isPossible() ? 0.6 : 0;
}

/** Tries the candidate, then shorter prefixes ending at a separator (a year or count may follow a number). */
function international(norm: string, plus: boolean, out: Detection[]): void {
  if (!plus && !norm.includes("00")) return;
  for (const m of execAll(INTERNATIONAL, norm)) {
    let candidate = m[0];
    // "00" after another group of digits or letters continues that number ("DE89 3704 0044 0532…"),
    // it does not start an international one.
    if (
      candidate.startsWith("00") &&
      m.index >= 2 &&
      norm[m.index - 1] === " " &&
      isAlnum(norm.charCodeAt(m.index - 2))
    ) {
      continue;
    }
    while (candidate.length >= 8) {
      const base = internationalScore(candidate);
      if (base < 0) break;
      if (base > 0) {
        out.push({
          start: m.index,
          end: m.index + candidate.length,
          type: "PHONE",
          score: score(norm, m.index, base),
          detector: "phone/international",
        });
        break;
      }
      const cut = candidate.search(/[ ().-][0-9]*$/);
      if (cut <= 0) break;
      candidate = candidate.slice(0, cut).replace(/[ ().-]+$/, "");
    }
  }
}

function nanp(norm: string, out: Detection[]): void {
  for (const m of execAll(NANP, norm)) {
    // 555-123.4567 mixes separators: more likely a code than a phone number.
    if (m[1] !== undefined && m[2] !== undefined && m[1] !== m[2]) continue;
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      type: "PHONE",
      score: score(norm, m.index, 0.8),
      detector: "phone/nanp",
    });
  }
}

export const phoneDetector: Detector = {
  name: "phone",
  types: ["PHONE"],
  detect(input: ScanInput): Detection[] {
    // Every format has three digits in a row somewhere; most prose has none.
    const stats = textStats(input);
    if (stats.longestDigitRun < 3) return [];
    const { norm } = input;
    const out: Detection[] = [];
    // Chinese mobile (11), landline (3 + 7) and NANP (10) numbers all have at least ten digits.
    const tenDigits = stats.digits >= 10;
    // A mobile number has 11 digits; every landline form a local number of 7+ digits in one run.
    if (stats.digits >= 11) cnMobile(norm, out);
    if (tenDigits && stats.longestDigitRun >= 7) cnLandline(norm, out);
    international(norm, stats.hasPlus, out);
    if (tenDigits) nanp(norm, out);
    return out;
  },
};
