// CREDIT_CARD: payment card numbers (PANs), 13–19 digits, written contiguously or in the usual
// groupings (4-4-4-4[-3], 4-6-5 Amex, 4-6-4 Diners) with one kind of separator. A candidate must pass
// the Luhn check AND fall in a known issuer range with a length that issuer uses; Luhn alone lets one
// random number in ten through, the issuer table removes most of those (order numbers starting with a
// year, timestamps). Luhn-valid numbers outside the table are reported at 0.3 (below the default
// minScore) for callers who prefer recall.
import { before, clamp01, NOT_PII_CONTEXT, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

// A run of digit groups separated by single spaces or dashes (the run is split into cards below).
// (Starts with at least four digits — every grouping people use does — and spans 13+ characters.)
const RUN = /(?<![0-9A-Za-z.])\d{4}[ -]?\d[\d -]{7,40}\d(?![0-9A-Za-z]|\.\d)/g;

const CARD_CONTEXT = /(卡号|银行卡|信用卡|储蓄卡|借记卡|card|visa|mastercard|amex|pan)[^\n]{0,12}$/;

/** One digit's Luhn contribution; `double` for every second digit counted from the right. */
function luhnDigit(code: number, double: boolean): number {
  const d = code - 48;
  return double ? (d > 4 ? 2 * d - 9 : 2 * d) : d;
}

/** Luhn (mod 10) over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    sum += luhnDigit(digits.charCodeAt(i), double);
  }
  return sum % 10 === 0;
}

interface IssuerRange {
  issuer: string;
  /** Inclusive numeric bounds on the first `prefixLength` digits. */
  low: number;
  high: number;
  lengths: readonly number[];
}

const r = (issuer: string, low: number, high: number, lengths: readonly number[]): IssuerRange => ({
  issuer,
  low,
  high,
  lengths,
});
const L16_19 = [16, 17, 18, 19];

// Public IIN ranges (as published by the networks); the first range that fits wins.
const ISSUERS: readonly IssuerRange[] = [
  r("visa", 4, 4, [13, 16, 19]),
  r("mastercard", 51, 55, [16]),
  r("mastercard", 2221, 2720, [16]),
  r("amex", 34, 34, [15]),
  r("amex", 37, 37, [15]),
  r("discover", 6011, 6011, L16_19),
  r("discover", 644, 649, L16_19),
  r("discover", 65, 65, L16_19),
  r("jcb", 3528, 3589, L16_19),
  r("diners", 300, 305, [14, 15, 16, 17, 18, 19]),
  r("diners", 3095, 3095, [14, 15, 16, 17, 18, 19]),
  r("diners", 36, 36, [14, 15, 16, 17, 18, 19]),
  r("diners", 38, 39, [14, 15, 16, 17, 18, 19]),
  r("unionpay", 62, 62, L16_19),
  r("unionpay", 8100, 8171, L16_19),
  r("maestro", 5018, 5018, [13, 14, 15, 16, 17, 18, 19]),
  r("maestro", 5020, 5020, [13, 14, 15, 16, 17, 18, 19]),
  r("maestro", 5038, 5038, [13, 14, 15, 16, 17, 18, 19]),
  r("maestro", 5893, 5893, [13, 14, 15, 16, 17, 18, 19]),
  r("maestro", 6304, 6304, [13, 14, 15, 16, 17, 18, 19]),
  r("maestro", 6759, 6759, [13, 14, 15, 16, 17, 18, 19]),
  r("maestro", 6761, 6763, [13, 14, 15, 16, 17, 18, 19]),
  r("mir", 2200, 2204, L16_19),
  r("rupay", 60, 60, [16]),
  r("rupay", 508, 508, [16]),
  r("troy", 9792, 9792, [16]),
];

/** Maestro's historical range "50, 56–69": plausible for any Luhn-valid 12–19 digit number there, so lower confidence. */
const BROAD_MAESTRO: readonly IssuerRange[] = [
  r("maestro-broad", 56, 69, [13, 14, 15, 16, 17, 18, 19]),
  r("maestro-broad", 50, 50, [13, 14, 15, 16, 17, 18, 19]),
];

const ALL_RANGES = [...ISSUERS, ...BROAD_MAESTRO];

/** The issuer whose range and length fit, or undefined. */
export function cardIssuer(digits: string): string | undefined {
  for (const range of ALL_RANGES) {
    const prefixLength = String(range.low).length;
    const prefix = Number(digits.slice(0, prefixLength));
    if (prefix >= range.low && prefix <= range.high && range.lengths.includes(digits.length)) return range.issuer;
  }
  return undefined;
}

function report(norm: string, start: number, end: number, digits: string, out: Detection[]): void {
  const issuer = cardIssuer(digits);
  const left = before(norm, start, 20);
  let score = issuer === undefined ? 0.3 : issuer === "maestro-broad" ? 0.75 : 0.95;
  if (CARD_CONTEXT.test(left)) score = clamp01(score + 0.1);
  else if (NOT_PII_CONTEXT.test(left)) score *= 0.5;
  out.push({ start, end, type: "CREDIT_CARD", score, detector: `credit-card/${issuer ?? "luhn-only"}` });
}

// Scratch arrays for the digit groups of one run (a run spans at most 44 characters, so ≤ 23 groups);
// reused across calls because allocating per run cost more than the analysis on short texts.
const groupAt = new Int32Array(32);
const groupLength = new Int32Array(32);
const groupSep = new Int32Array(32);

/** Luhn over groups [i, j) of `run`, read right to left without joining them. */
function luhnGroups(run: string, i: number, j: number): boolean {
  let sum = 0;
  let double = false;
  for (let g = j - 1; g >= i; g--) {
    const at = groupAt[g]!;
    for (let k = at + groupLength[g]! - 1; k >= at; k--, double = !double) {
      sum += luhnDigit(run.charCodeAt(k), double);
    }
  }
  return sum % 10 === 0;
}

/** Group shapes people write cards in, for groups [i, j): 4-4-4-4(-1..4) and 4-6-5 / 4-6-4; one group = contiguous. */
function plausibleGroups(i: number, j: number): boolean {
  const n = j - i;
  if (n === 1) return true;
  if (n === 3 && groupLength[i] === 4 && groupLength[i + 1] === 6) {
    const last = groupLength[i + 2];
    if (last === 5 || last === 4) return true;
  }
  if (n < 3) return false;
  for (let g = i; g < j - 1; g++) if (groupLength[g] !== 4) return false;
  const last = groupLength[j - 1]!;
  return last >= 1 && last <= 4;
}

/** A run with separators: try every [i, j) window of its groups, longest first. */
function groupedRun(norm: string, runStart: number, run: string, out: Detection[]): void {
  let n = 0;
  for (let k = 0; k < run.length; ) {
    const c = run.charCodeAt(k);
    if (c < 48 || c > 57) {
      k++;
      continue;
    }
    const at = k;
    while (k < run.length && run.charCodeAt(k) >= 48 && run.charCodeAt(k) <= 57) k++;
    groupAt[n] = at;
    groupLength[n] = k - at;
    groupSep[n] = at > 0 ? run.charCodeAt(at - 1) : -1;
    n++;
  }
  let i = 0;
  while (i < n) {
    let found = false;
    for (let j = n; j > i; j--) {
      let length = 0;
      for (let g = i; g < j; g++) length += groupLength[g]!;
      if (length < 13 || length > 19) continue;
      // One kind of separator throughout (the one before the window's first group does not count).
      let sameSeparator = true;
      for (let g = i + 2; g < j; g++) {
        if (groupSep[g] !== groupSep[i + 1]) {
          sameSeparator = false;
          break;
        }
      }
      if (!sameSeparator || !plausibleGroups(i, j) || !luhnGroups(run, i, j)) continue;
      let digits = "";
      for (let g = i; g < j; g++) digits += run.slice(groupAt[g]!, groupAt[g]! + groupLength[g]!);
      const lastEnd = groupAt[j - 1]! + groupLength[j - 1]!;
      report(norm, runStart + groupAt[i]!, runStart + lastEnd, digits, out);
      i = j;
      found = true;
      break;
    }
    if (!found) i++;
  }
}

export const creditCardDetector: Detector = {
  name: "credit-card",
  types: ["CREDIT_CARD"],
  detect(input: ScanInput): Detection[] {
    const out: Detection[] = [];
    // A card has 13+ digits and every accepted grouping starts with four in a row.
    const stats = textStats(input);
    if (stats.digits < 13 || stats.longestDigitRun < 4) return out;
    const { norm } = input;
    RUN.lastIndex = 0;
    for (let m = RUN.exec(norm); m !== null; m = RUN.exec(norm)) {
      const run = m[0];
      // Double separators end a card: keep only the well-formed part before them.
      if (run.includes("  ") || run.includes("--") || run.includes(" -") || run.includes("- ")) {
        for (const part of run.split(/ {2,}|-{2,}| -|- /)) {
          const at = m.index + run.indexOf(part);
          if (part.length >= 13) groupedRun(norm, at, part, out);
        }
        continue;
      }
      // Contiguous digits (the common case) need no grouping analysis.
      if (!run.includes(" ") && !run.includes("-")) {
        if (run.length <= 19 && luhnValid(run)) report(norm, m.index, m.index + run.length, run, out);
        continue;
      }
      groupedRun(norm, m.index, run, out);
    }
    return out;
  },
};
